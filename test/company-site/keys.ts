/**
 * The company's signing key, kept in a local file (`data/company-key.json`, mode 0600) so the
 * site keeps its identity across restarts: the company id is `co_` + the thumbprint of this key
 * and never changes (SPECS "company id"). A real company keeps this key in its secret store; it
 * never leaves the company's servers.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { keyPairFromSeed, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import { createFile } from './durable-file';

/** The company's identity as the site uses it. */
export interface SiteIdentity {
  readonly keyPair: Ed25519KeyPair;
  /** RFC 7638 thumbprint of the public key: the `kid` and the proof file's entry. */
  readonly kid: string;
  /** `co_` + kid. */
  readonly companyId: string;
}

interface KeyFile {
  v: 1;
  /** base64url of the 32-byte Ed25519 seed. */
  seed: string;
  createdAt: string;
}

/**
 * Loads the key from `<dataDir>/company-key.json`, or creates it there (random seed, file mode
 * 0600, created exclusively so two starts never write two keys, and flushed to the disk).
 *
 * @example
 * ```ts
 * const { companyId, keyPair } = await loadOrCreateIdentity('test/company-site/data');
 * ```
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<SiteIdentity> {
  await ready();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'company-key.json');
  let seed: Uint8Array;
  try {
    statSync(path);
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeyFile>;
    if (file.v !== 1 || typeof file.seed !== 'string')
      throw new Error(`${path} is not a key file of this site.`);
    seed = base64urlDecode(file.seed);
    if (seed.length !== 32) throw new Error(`${path} holds no 32-byte seed.`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    seed = new Uint8Array(randomBytes(32));
    const file: KeyFile = {
      v: 1,
      seed: base64urlEncode(seed),
      createdAt: new Date().toISOString(),
    };
    // Flushed before the site registers with it: a key lost in a power loss is a lost company.
    createFile(path, `${JSON.stringify(file, null, 2)}\n`);
  }
  const keyPair = keyPairFromSeed(seed);
  const kid = thumbprint(publicJwk(keyPair));
  return { keyPair, kid, companyId: `co_${kid}` };
}
