/**
 * The company's signing keys, kept in a local file (`data/company-key.json`, mode 0600) so the
 * site keeps its identity across restarts: the company id is `co_` + the thumbprint of the key it
 * first registered with and never changes, even when that key is replaced (SPECS "company id").
 * A real company keeps these keys in its secret store; they never leave the company's servers.
 *
 * A key is replaced in two steps at the clearinghouse (docs/api.md "Company keys"): the new key is
 * added (signed by the current one), then the old one is retired or declared compromised (signed
 * by the new one). The file keeps where a replacement stands, so a crash or an unreachable
 * clearinghouse between the steps leaves one that the next start finishes (key-replacement.ts):
 *
 * - step `add`: the new key is created and flushed to the disk before the clearinghouse hears of
 *   it (a key it holds that the site lost would be a key nobody can use); the current key still
 *   signs;
 * - step `end`: the clearinghouse holds the new key, which signs from then on; the old key is not
 *   yet retired there.
 *
 * Replaced keys stay in the file: an Assistant seals a correction to the company's first current
 * key (docs/api.md "Relay"), which is the old one until its end is stored, and a correction waits
 * in the list until it is read.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { keyPairFromSeed, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import { createFile, replaceFile } from './durable-file';

/** The company's identity as the site uses it: the key that signs now. */
export interface SiteIdentity {
  readonly keyPair: Ed25519KeyPair;
  /** RFC 7638 thumbprint of the public key: the `kid` and the proof file's entry. */
  readonly kid: string;
  /** `co_` + the thumbprint of the key the company first registered with. */
  readonly companyId: string;
}

/**
 * A key replacement under way. `compromisedSince` (seconds): the replaced key is declared
 * compromised since then rather than retired.
 */
export type KeyReplacement =
  | { readonly step: 'add'; readonly next: SiteIdentity; readonly compromisedSince?: number }
  | { readonly step: 'end'; readonly replacedKid: string; readonly compromisedSince?: number };

/** The company's keys, as kept in its key file. */
export interface SiteKeyring {
  readonly companyId: string;
  /** The key that signs now (another one once a replacement reached its step `end`). */
  current(): SiteIdentity;
  /** Every private key held, the current one first: what was sealed to a replaced key opens. */
  secrets(): readonly Ed25519KeyPair[];
  /** The replacement under way, if any. */
  replacement(): KeyReplacement | undefined;
  /**
   * Starts replacing the key `kid`. The current key: a new key is created and kept (flushed)
   * before anyone hears of it. A replacement of `kid` already under way is kept instead,
   * declaring `kid` compromised since the earlier of both times if either asks. A key replaced
   * before: only its compromise is left to declare (step `end`), or nothing (undefined).
   *
   * @throws KeyReplacementConflict when `kid` is no key held, or another key's replacement is
   *   under way; the file system's error. Nothing changed then.
   */
  beginReplacement(kid: string, compromisedSince?: number): KeyReplacement | undefined;
  /**
   * The clearinghouse holds the new key: it signs from now on (step `end`).
   *
   * @throws the file system's error; nothing changed then.
   */
  promote(): KeyReplacement;
  /**
   * The clearinghouse retired the replaced key (or declared it compromised): nothing is left to do.
   *
   * @throws the file system's error; nothing changed then.
   */
  finish(): void;
}

interface StoredKey {
  /** base64url of the 32-byte Ed25519 seed. */
  seed: string;
  createdAt: string;
}

/** The file as the first version wrote it, and as long as no key was replaced. */
interface KeyFileV1 extends StoredKey {
  v: 1;
}

type StoredReplacement =
  | (StoredKey & { step: 'add'; compromisedSince?: number })
  | { step: 'end'; kid: string; compromisedSince?: number };

/** The file once a key was replaced (an older site refuses it rather than sign with a wrong id). */
interface KeyFileV2 {
  v: 2;
  companyId: string;
  /** The current key first, then those it replaced, newest first. */
  keys: StoredKey[];
  replacement?: StoredReplacement;
}

/** A replacement that does not fit the keys held (keys.ts `beginReplacement`). */
export class KeyReplacementConflict extends Error {
  override readonly name = 'KeyReplacementConflict';
  readonly code = 'ERR_KEY_REPLACEMENT_CONFLICT';
}

/** The key file does not read as a key file of this site: the site stops rather than guess. */
export class KeyFileInvalid extends Error {
  override readonly name = 'KeyFileInvalid';
  readonly code = 'ERR_KEY_FILE_INVALID';
}

/**
 * Loads the keys from `<dataDir>/company-key.json`, or creates the first one there (random seed,
 * file mode 0600, created exclusively so two starts never write two keys, and flushed to the disk).
 *
 * @throws KeyFileInvalid when the file is not a key file of this site.
 *
 * @example
 * ```ts
 * const keyring = await openKeyring('test/company-site/data');
 * const { companyId, keyPair } = keyring.current();
 * ```
 */
export async function openKeyring(dataDir: string): Promise<SiteKeyring> {
  await ready();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'company-key.json');
  let file = readKeyFile(path) ?? createKeyFile(path);
  let held = parseKeyFile(path, file);

  /** Writes `next` (flushed, replacing the file as one step); memory changes only once it is kept. */
  function save(next: KeyFileV2): void {
    const parsed = parseKeyFile(path, next);
    replaceFile(path, `${JSON.stringify(next, null, 2)}\n`);
    file = next;
    held = parsed;
  }

  /** The file as a v2 file (the first replacement turns a v1 file into one). */
  function asV2(): KeyFileV2 {
    if (file.v === 2) return file;
    return {
      v: 2,
      companyId: held.companyId,
      keys: [{ seed: file.seed, createdAt: file.createdAt }],
    };
  }

  return {
    get companyId() {
      return held.companyId;
    },
    current: () => held.current,
    secrets: () => held.secrets,
    replacement: () => held.replacement,
    beginReplacement(kid, compromisedSince) {
      const base = asV2();
      const under = base.replacement;
      const current = held.current.kid;
      let replacement: StoredReplacement;
      if (under !== undefined) {
        const replacing = under.step === 'add' ? current : under.kid;
        if (replacing !== kid)
          throw new KeyReplacementConflict(
            `the replacement of key ${replacing} is under way, not one of ${kid}`,
          );
        const { compromisedSince: before, ...rest } = under;
        replacement = { ...rest, ...sinceField(earlier(before, compromisedSince)) };
      } else if (kid === current) {
        replacement = { step: 'add', ...newKey(), ...sinceField(compromisedSince) };
      } else if (held.secrets.some((keyPair) => thumbprint(publicJwk(keyPair)) === kid)) {
        // Replaced before, and retired then: a compromise found out later reaches back still.
        if (compromisedSince === undefined) return undefined;
        replacement = { step: 'end', kid, compromisedSince };
      } else {
        throw new KeyReplacementConflict(`the site holds no key ${kid}`);
      }
      save({ ...base, replacement });
      return held.replacement!;
    },
    promote() {
      const base = asV2();
      const under = base.replacement;
      if (under?.step !== 'add')
        throw new KeyReplacementConflict('no new key waits to be promoted');
      const { seed, createdAt } = under;
      save({
        ...base,
        keys: [{ seed, createdAt }, ...base.keys],
        replacement: {
          step: 'end',
          kid: held.current.kid,
          ...sinceField(under.compromisedSince),
        },
      });
      return held.replacement!;
    },
    finish() {
      const { replacement: _done, ...rest } = asV2();
      save(rest);
    },
  };
}

/**
 * Loads the current key from `<dataDir>/company-key.json`, or creates it there (see
 * {@link openKeyring}).
 *
 * @example
 * ```ts
 * const { companyId, keyPair } = await loadOrCreateIdentity('test/company-site/data');
 * ```
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<SiteIdentity> {
  return (await openKeyring(dataDir)).current();
}

/** The earlier of two compromise times (seconds); undefined (retire only) yields to a time. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function sinceField(compromisedSince: number | undefined): { compromisedSince?: number } {
  return compromisedSince === undefined ? {} : { compromisedSince };
}

function newKey(): StoredKey {
  return {
    seed: base64urlEncode(new Uint8Array(randomBytes(32))),
    createdAt: new Date().toISOString(),
  };
}

function readKeyFile(path: string): KeyFileV1 | KeyFileV2 | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as KeyFileV1 | KeyFileV2;
  } catch (error) {
    throw new KeyFileInvalid(`${path} is not JSON.`, { cause: error });
  }
}

function createKeyFile(path: string): KeyFileV1 {
  const file: KeyFileV1 = { v: 1, ...newKey() };
  // Flushed before the site registers with it: a key lost in a power loss is a lost company.
  createFile(path, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

interface HeldKeys {
  companyId: string;
  current: SiteIdentity;
  secrets: Ed25519KeyPair[];
  replacement: KeyReplacement | undefined;
}

/** Checks every field of a key file as it was read (attacker-controlled, like any input). */
function parseKeyFile(path: string, value: unknown): HeldKeys {
  const invalid = (why: string) =>
    new KeyFileInvalid(`${path} is not a key file of this site: ${why}.`);
  const file = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const keyOf = (stored: unknown, what: string): Ed25519KeyPair => {
    const seed = (stored as Partial<StoredKey> | null)?.seed;
    if (typeof seed !== 'string') throw invalid(`${what} has no seed`);
    let bytes: Uint8Array;
    try {
      bytes = base64urlDecode(seed);
    } catch {
      throw invalid(`${what} has no base64url seed`);
    }
    if (bytes.length !== 32) throw invalid(`${what} holds no 32-byte seed`);
    return keyPairFromSeed(bytes);
  };
  const kidOf = (keyPair: Ed25519KeyPair) => thumbprint(publicJwk(keyPair));
  if (file.v === 1) {
    const keyPair = keyOf(file, 'the key');
    const kid = kidOf(keyPair);
    const companyId = `co_${kid}`;
    return {
      companyId,
      current: { keyPair, kid, companyId },
      secrets: [keyPair],
      replacement: undefined,
    };
  }
  if (file.v !== 2) throw invalid('unknown version');
  const companyId = file.companyId;
  if (typeof companyId !== 'string' || !/^co_[A-Za-z0-9_-]{43}$/.test(companyId))
    throw invalid('no company id');
  if (!Array.isArray(file.keys) || file.keys.length === 0) throw invalid('no keys');
  const secrets = file.keys.map((stored, i) => keyOf(stored, `key ${i}`));
  const current = { keyPair: secrets[0]!, kid: kidOf(secrets[0]!), companyId };
  const since = (r: Record<string, unknown>) => {
    if (r.compromisedSince === undefined) return {};
    if (!Number.isSafeInteger(r.compromisedSince) || (r.compromisedSince as number) < 0)
      throw invalid('compromisedSince is no time in seconds');
    return { compromisedSince: r.compromisedSince as number };
  };
  let replacement: KeyReplacement | undefined;
  if (file.replacement !== undefined) {
    const r = (file.replacement ?? {}) as Record<string, unknown>;
    if (r.step === 'add') {
      const keyPair = keyOf(r, 'the new key');
      replacement = { step: 'add', next: { keyPair, kid: kidOf(keyPair), companyId }, ...since(r) };
    } else if (r.step === 'end' && typeof r.kid === 'string') {
      if (!secrets.slice(1).some((keyPair) => kidOf(keyPair) === r.kid))
        throw invalid('the key being replaced is not held');
      replacement = { step: 'end', replacedKid: r.kid, ...since(r) };
    } else throw invalid('unknown replacement step');
  }
  return { companyId, current, secrets, replacement };
}
