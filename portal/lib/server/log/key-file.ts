import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { base64urlDecode, base64urlEncode, bytesEqual } from '../../../../protocol/encoding';
import { keyPairFromSeed, type Ed25519KeyPair } from '../../../../protocol/keys';
import { ready } from '../../../../protocol/sodium';

/** Where the log signing key lives unless `LOG_KEY_PATH` says otherwise (ignored by git: `data/`). */
export const defaultLogKeyPath = 'data/log-key.json';
/** Where the webhook signing key lives unless `WEBHOOK_KEY_PATH` says otherwise. */
export const defaultWebhookKeyPath = 'data/webhook-key.json';

/** Longer than any key file we write: a huge file there is not ours. */
const maxKeyFileBytes = 4096;

/**
 * The file's shape: a private Ed25519 JWK (RFC 8037) with a version and a creation time, so an
 * operator can read it with standard tools and move it between machines (PostgreSQL deployments
 * run several portal processes that must share the one log key).
 */
interface KeyFile {
  v: 1;
  kty: 'OKP';
  crv: 'Ed25519';
  /** base64url 32-byte seed. */
  d: string;
  /** base64url 32-byte public key. */
  x: string;
  createdAt: string;
}

/**
 * Loads the Ed25519 key pair stored at `path`, or creates it there when no file exists yet
 * (mode 0600, folder created as needed). Creation is atomic and safe against two processes
 * starting at once: the file is written and fsynced under a temporary name, then hard-linked
 * into place, which fails when another process got there first, whose key is then used. So a
 * crash never leaves a half-written key file, and two processes never sign with different keys.
 *
 * Refuses (throws) a file that is readable by group or others, malformed, or whose public key
 * does not match its seed: silently generating a new key there would fork the log's identity.
 *
 * @example
 * ```ts
 * const logKey = await loadOrCreateKeyFile(process.env.LOG_KEY_PATH ?? defaultLogKeyPath);
 * const signer = noteSigner(logOrigin, logKey.privateKey, sha256);
 * ```
 */
export async function loadOrCreateKeyFile(
  path: string,
  random: (length: number) => Uint8Array = (length) => new Uint8Array(randomBytes(length)),
): Promise<Ed25519KeyPair> {
  await ready();
  const absolute = resolve(path);
  const existing = readKeyFile(absolute);
  if (existing !== undefined) return existing;

  const seed = random(32);
  const pair = keyPairFromSeed(seed);
  const body: KeyFile = {
    v: 1,
    kty: 'OKP',
    crv: 'Ed25519',
    d: base64urlEncode(seed),
    x: base64urlEncode(pair.publicKey),
    createdAt: new Date().toISOString(),
  };
  // When another process created it between our read and our link, its key wins.
  linkKeyFile(absolute, `${JSON.stringify(body, null, 2)}\n`);
  const stored = readKeyFile(absolute);
  if (stored === undefined) throw new Error(`The key file ${absolute} vanished while creating it.`);
  return stored;
}

/**
 * The key pair stored at `path`, or undefined when no file is there; never creates one. The
 * server's start reads both key files so before it lets {@link loadOrCreateKeyFile} create a
 * missing one, and creates nothing when the start is refused (instance.ts).
 *
 * @throws Error naming the path, as {@link loadOrCreateKeyFile} does, for a file it cannot use.
 */
export async function readExistingKeyFile(path: string): Promise<Ed25519KeyPair | undefined> {
  await ready();
  try {
    return readKeyFile(resolve(path));
  } catch (error) {
    // A file where a folder of the path should be: no key there ({@link keyFileCreationProblem}).
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Why no key file could be created at `path` (which holds none), or undefined when it can: the
 * nearest folder of the path that exists must be a folder this process may write in (the missing
 * ones are created). Checked before any key is created, so that a start does not create the log
 * key and then fail on the webhook key's path.
 *
 * @example
 * ```ts
 * keyFileCreationProblem('/etc/passwd/log-key.json'); // '/etc/passwd is a file, not a folder'
 * ```
 */
export function keyFileCreationProblem(path: string): string | undefined {
  let folder = dirname(resolve(path));
  for (;;) {
    let isFolder: boolean;
    try {
      isFolder = statSync(folder).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && dirname(folder) !== folder) {
        folder = dirname(folder);
        continue;
      }
      return `${folder} cannot be read (${code ?? String(error)})`;
    }
    if (!isFolder) return `${folder} is a file, not a folder`;
    try {
      accessSync(folder, fsConstants.W_OK | fsConstants.X_OK);
    } catch (error) {
      return `this process may not write in ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    return undefined;
  }
}

/**
 * Installs a key file's exact text (as read by {@link readKeyFileText}) at `path`, for a restore
 * from a backup: refused when the text is not a valid key file, and when another key already
 * lives there (the same key is fine). Atomic and durable like a newly created key.
 *
 * @throws Error naming the path when the text is not a key file or another key is in place.
 */
export async function installKeyFile(path: string, text: string): Promise<void> {
  await ready();
  const absolute = resolve(path);
  const incoming = parseKeyFile(text, `The backed-up key for ${absolute}`);
  const existing = readKeyFile(absolute);
  if (existing !== undefined) {
    if (!bytesEqual(existing.publicKey, incoming.publicKey)) {
      throw new Error(`Another key already lives at ${absolute}; move it away before restoring.`);
    }
    return;
  }
  linkKeyFile(absolute, text);
  const stored = readKeyFile(absolute);
  if (stored === undefined || !bytesEqual(stored.publicKey, incoming.publicKey)) {
    throw new Error(`Another key appeared at ${absolute} while restoring.`);
  }
}

/**
 * The text of the key file at `path` after checking it is a valid key file (for a backup), or
 * undefined when there is none.
 */
export async function readKeyFileText(path: string): Promise<string | undefined> {
  await ready();
  const absolute = resolve(path);
  if (readKeyFile(absolute) === undefined) return undefined;
  return readFileSync(absolute, 'utf8');
}

/**
 * Writes `text` under a temporary name (mode 0600, fsynced) and hard-links it into place, which
 * fails when a file is already there: then the existing file is kept and `false` returned.
 */
function linkKeyFile(absolute: string, text: string): boolean {
  mkdirSync(dirname(absolute), { recursive: true, mode: 0o700 });
  const temporary = `${absolute}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let linked = true;
  try {
    linkSync(temporary, absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    linked = false;
  } finally {
    unlinkSync(temporary);
  }
  syncFolder(dirname(absolute));
  return linked;
}

function readKeyFile(path: string): Ed25519KeyPair | undefined {
  let mode: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile() || stats.size > maxKeyFileBytes) {
      throw new Error(`${path} is not a key file written by the clearinghouse.`);
    }
    mode = stats.mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // A signing key others can read is a compromised key: refuse it, as ssh does, and say why.
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `The key file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it.`,
    );
  }
  return parseKeyFile(readFileSync(path, 'utf8'), `The key file ${path}`);
}

/** Parses a key file's text; `name` starts every error sentence ("The key file /x"). */
function parseKeyFile(text: string, name: string): Ed25519KeyPair {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON.`, { cause: error });
  }
  const file = parsed as Partial<KeyFile> | null;
  if (
    typeof file !== 'object' ||
    file === null ||
    file.kty !== 'OKP' ||
    file.crv !== 'Ed25519' ||
    typeof file.d !== 'string' ||
    typeof file.x !== 'string'
  ) {
    throw new Error(`${name} is not an Ed25519 private JWK.`);
  }
  let pair: Ed25519KeyPair;
  let publicKey: Uint8Array;
  try {
    pair = keyPairFromSeed(base64urlDecode(file.d));
    publicKey = base64urlDecode(file.x);
  } catch (error) {
    throw new Error(`${name} holds a malformed key.`, { cause: error });
  }
  if (!bytesEqual(pair.publicKey, publicKey)) {
    throw new Error(`${name} is inconsistent: its public key does not match its seed.`);
  }
  return pair;
}

/** Makes a new directory entry durable too (a crash right after creation keeps the file). */
export function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
