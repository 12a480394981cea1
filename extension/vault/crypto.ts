/**
 * The one wrapper around libsodium for the vault (STYLE habit 8): Argon2id (`crypto_pwhash`) to
 * turn a passphrase into a key-encryption key, and XChaCha20-Poly1305-IETF for every record and
 * for the wrapped data key (SPECS "Vault"). Nothing else in extension/vault/ calls libsodium.
 *
 * ⚠ Raw primitives. Callers own the choice of associated data and must never reuse a nonce with
 * the same key: {@link encrypt} draws a fresh 24-byte random nonce on every call, which with
 * XChaCha's 192-bit nonces makes a collision negligible. {@link decrypt} throws
 * `ERR_VAULT_RECORD_DAMAGED` for any authentication failure; the caller decides whether that means
 * "wrong passphrase" (the key check) or "tampered record".
 */
import sodium from 'libsodium-wrappers-sumo';
import { ProtocolError } from '../../protocol/errors';
import type { Argon2Params } from '../build';

let loaded: Promise<void> | undefined;
let isLoaded = false;

/** Bytes of a data key, a key-encryption key and an Argon2id salt. */
export const keyBytes = 32;
export const saltBytes = 16;
export const nonceBytes = 24;
/** Poly1305 tag appended to every ciphertext. */
export const tagBytes = 16;
/** A passphrase longer than this is refused before Argon2 sees it (its cost does not grow, but a
 * message carrying megabytes of "passphrase" is not one). */
export const maxPassphraseChars = 1024;

/** Where libsodium's own limits sit; stored parameters outside them are refused as damage. */
export const argon2Bounds = {
  minOpslimit: 1,
  maxOpslimit: 64,
  minMemlimit: 8192,
  /** 1 GiB: more than any browser will give a service worker. */
  maxMemlimit: 1024 * 1024 * 1024,
} as const;

/**
 * Instantiates libsodium (WebAssembly) once; every other function here is synchronous after it.
 *
 * @example
 * ```ts
 * await ready();
 * const key = randomBytes(keyBytes);
 * ```
 */
export function ready(): Promise<void> {
  loaded ??= sodium.ready.then(() => {
    isLoaded = true;
  });
  return loaded;
}

function lib(): typeof sodium {
  if (!isLoaded)
    throw new ProtocolError('ERR_CRYPTO_NOT_READY', 'libsodium is not initialised: await ready()');
  return sodium;
}

/**
 * Cryptographically secure random bytes from the platform CSPRNG (`crypto.getRandomValues`, in
 * pages and service workers alike). Not libsodium's `randombytes_buf`: in the WebAssembly build
 * it asks JavaScript for 4 bytes at a time and costs ~130 µs per nonce, which made the nonce
 * the most expensive part of encrypting a record (bench/vault.bench.ts).
 *
 * @example
 * ```ts
 * const salt = randomBytes(saltBytes);
 * ```
 */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65_536)
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65_536)));
  return out;
}

const encoder = new TextEncoder();

/**
 * The passphrase's bytes: NFC-normalised UTF-8, so "é" typed as one code point or as e + accent
 * (which differ between keyboards and operating systems) unlocks the same vault.
 */
function passphraseBytes(passphrase: string): Uint8Array {
  if (
    typeof passphrase !== 'string' ||
    passphrase.length === 0 ||
    passphrase.length > maxPassphraseChars
  ) {
    throw new ProtocolError(
      'ERR_VAULT_PASSPHRASE_WRONG',
      'the passphrase has an impossible length',
    );
  }
  return encoder.encode(passphrase.normalize('NFC'));
}

/**
 * Checks Argon2id parameters read from storage or a backup: integers within libsodium's limits.
 * Throws `code` (the caller says whether bad parameters mean a damaged vault or a bad backup).
 */
export function checkArgon2Params(
  params: Argon2Params,
  code: 'ERR_VAULT_RECORD_DAMAGED' | 'ERR_VAULT_BACKUP_INVALID',
): Argon2Params {
  const { opslimit, memlimit } = params;
  if (
    !Number.isSafeInteger(opslimit) ||
    !Number.isSafeInteger(memlimit) ||
    opslimit < argon2Bounds.minOpslimit ||
    opslimit > argon2Bounds.maxOpslimit ||
    memlimit < argon2Bounds.minMemlimit ||
    memlimit > argon2Bounds.maxMemlimit
  ) {
    throw new ProtocolError(code, 'the stored Argon2id parameters are out of range');
  }
  return { opslimit, memlimit };
}

/**
 * The 32-byte key-encryption key of `passphrase` (Argon2id v1.3, `crypto_pwhash`). Synchronous
 * and deliberately slow: ~3 passes over 64 MiB at the shipped parameters.
 *
 * @example
 * ```ts
 * const kek = deriveKey('correct horse battery staple', salt, argon2Params);
 * ```
 */
export function deriveKey(passphrase: string, salt: Uint8Array, params: Argon2Params): Uint8Array {
  const s = lib();
  if (salt.length !== saltBytes)
    throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'bad salt length');
  const { opslimit, memlimit } = checkArgon2Params(params, 'ERR_VAULT_RECORD_DAMAGED');
  const bytes = passphraseBytes(passphrase);
  try {
    return s.crypto_pwhash(
      keyBytes,
      bytes,
      salt,
      opslimit,
      memlimit,
      s.crypto_pwhash_ALG_ARGON2ID13,
    );
  } finally {
    s.memzero(bytes);
  }
}

/** A sealed record: the nonce and the ciphertext with its tag. */
export interface Sealed {
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * Encrypts `plaintext` under `key` with a fresh random nonce, binding `associatedData` (the
 * record's `<table>/<id>/<schema version>`, SPECS "Vault"): a ciphertext moved to another id,
 * table or schema version no longer decrypts.
 *
 * @example
 * ```ts
 * const sealed = encrypt(dataKey, bytes, adFor('profile', 'current', 2));
 * ```
 */
export function encrypt(key: Uint8Array, plaintext: Uint8Array, associatedData: string): Sealed {
  const s = lib();
  const nonce = randomBytes(nonceBytes);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    // As bytes: the wrapper's own string conversion is twice as slow.
    encoder.encode(associatedData),
    null,
    nonce,
    key,
  );
  return { nonce, ciphertext };
}

/**
 * Decrypts and authenticates a {@link Sealed} record. Any mismatch (other key, other associated
 * data, a flipped bit, a wrong length) throws `ERR_VAULT_RECORD_DAMAGED`.
 *
 * @example
 * ```ts
 * const bytes = decrypt(dataKey, row, adFor('profile', 'current', 2));
 * ```
 */
export function decrypt(key: Uint8Array, sealed: Sealed, associatedData: string): Uint8Array {
  const s = lib();
  const { nonce, ciphertext } = sealed;
  if (
    !(nonce instanceof Uint8Array) ||
    nonce.length !== nonceBytes ||
    !(ciphertext instanceof Uint8Array) ||
    ciphertext.length < tagBytes
  ) {
    throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the record has an impossible shape');
  }
  try {
    return s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      encoder.encode(associatedData),
      nonce,
      key,
    );
  } catch (e) {
    const error = new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the record does not authenticate');
    error.cause = e;
    throw error;
  }
}

/**
 * BLAKE2b-256 keyed with `key`: the backup's digest over its records, so a record removed from
 * or added to a backup file is noticed, not only a record altered.
 *
 * @example
 * ```ts
 * const mac = keyedHash(macKey, concatenatedRecordBytes);
 * ```
 */
export function keyedHash(key: Uint8Array, message: Uint8Array): Uint8Array {
  return lib().crypto_generichash(32, message, key);
}

/**
 * Overwrites `bytes` with zeros (`sodium_memzero`): called when the vault locks, so the data key
 * does not linger in this buffer. (Copies the JavaScript engine made are beyond our reach.)
 *
 * @example
 * ```ts
 * wipeBytes(dataKey);
 * ```
 */
export function wipeBytes(bytes: Uint8Array): void {
  lib().memzero(bytes);
}

/**
 * Constant-time equality of two byte strings of the same length (`sodium_memcmp`).
 *
 * @example
 * ```ts
 * if (!equalBytes(expectedMac, actualMac)) throw …;
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && lib().memcmp(a, b);
}
