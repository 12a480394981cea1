/**
 * The one wrapper around libsodium for `protocol/` (STYLE habit 8: low-level crypto sits in one
 * module per side). libsodium-wrappers-sumo is WebAssembly: it must be instantiated once with
 * `await ready()`; after that every function here is synchronous, which is what makes the verify
 * and open paths fast (no promise per signature, no thread-pool hop).
 *
 * Everything else in `protocol/` goes through `keys`, `jws` and `seal`; only they import this.
 *
 * ⚠ These are raw primitives. They do not check lengths for you beyond what libsodium does and
 * throw plain libsodium errors; the callers in `keys`, `jws` and `seal` validate input and turn
 * every failure into a `ProtocolError`.
 */
import sodium from 'libsodium-wrappers-sumo';
import { ProtocolError } from './errors';

let loaded = false;
let loading: Promise<void> | undefined;

/**
 * Instantiates libsodium. Idempotent and cheap after the first call; await it once at start-up
 * (and in `beforeAll` of tests) before calling any synchronous function of `keys`, `jws` or `seal`.
 *
 * @example
 * ```ts
 * await ready();
 * const pair = keyPairFromSeed(seed);
 * ```
 */
export function ready(): Promise<void> {
  loading ??= sodium.ready.then(() => {
    loaded = true;
  });
  return loading;
}

/** True once `ready()` has resolved. */
export function isReady(): boolean {
  return loaded;
}

function lib(): typeof sodium {
  if (!loaded) {
    throw new ProtocolError(
      'ERR_CRYPTO_NOT_READY',
      'libsodium is not initialised: await ready() first',
    );
  }
  return sodium;
}

/** Ed25519 key pair from a 32-byte seed; `privateKey` is libsodium's 64 bytes (seed || public key). */
export function signSeedKeypair(seed: Uint8Array): {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
} {
  const { publicKey, privateKey } = lib().crypto_sign_seed_keypair(seed);
  return { publicKey, privateKey };
}

/** Detached Ed25519 signature (64 bytes). */
export function signDetached(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return lib().crypto_sign_detached(message, privateKey);
}

/**
 * Ed25519 verification. libsodium is stricter than bare RFC 8032: it rejects non-canonical `S`,
 * small-order public keys and small-order `R`, so malleated signatures fail here as well.
 */
export function verifyDetached(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  return lib().crypto_sign_verify_detached(signature, message, publicKey);
}

/**
 * True when the 32 bytes are a canonical encoding of a point in Ed25519's main subgroup that is not
 * of small order (`crypto_core_ed25519_is_valid_point`): what a public key must be.
 */
export function isValidEd25519Point(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && lib().crypto_core_ed25519_is_valid_point(publicKey);
}

/** Keyed BLAKE2b (`crypto_generichash`) with an output of `length` bytes. */
export function genericHash(
  length: number,
  message: Uint8Array,
  key: Uint8Array | null,
): Uint8Array {
  return lib().crypto_generichash(length, message, key);
}

/** SHA-256 (`crypto_hash_sha256`): synchronous and faster than the pure-JS fallback. */
export function sha256(message: Uint8Array): Uint8Array {
  return lib().crypto_hash_sha256(message);
}

/** X25519 public key of an Ed25519 public key; throws for points that have no such form. */
export function ed25519PkToCurve25519(publicKey: Uint8Array): Uint8Array {
  return lib().crypto_sign_ed25519_pk_to_curve25519(publicKey);
}

/** X25519 secret key of an Ed25519 secret key (libsodium's 64-byte form). */
export function ed25519SkToCurve25519(privateKey: Uint8Array): Uint8Array {
  return lib().crypto_sign_ed25519_sk_to_curve25519(privateKey);
}

/** Anonymous sealed box to an X25519 public key (randomised: a fresh ephemeral key each time). */
export function boxSeal(message: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return lib().crypto_box_seal(message, publicKey);
}

/** Opens a sealed box; throws when it was not sealed to this key or was altered. */
export function boxSealOpen(
  sealed: Uint8Array,
  publicKey: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  return lib().crypto_box_seal_open(sealed, publicKey, privateKey);
}

/** Overhead of a sealed box: ephemeral public key (32) + Poly1305 tag (16). */
export const SEAL_OVERHEAD = 48;

/**
 * ⚠ TEST VECTORS ONLY. A sealed box built with a *chosen* ephemeral key, byte-for-byte what
 * `crypto_box_seal` produces (ephemeral public key || crypto_box_easy(message, nonce =
 * BLAKE2b-192(epk || pk), pk, esk)), so the vector files can be regenerated identically. Reusing an
 * ephemeral seed for real messages destroys the sender's anonymity and the box's security.
 */
export function boxSealWithEphemeralSeedForTestVectors(
  message: Uint8Array,
  recipientPublicKey: Uint8Array,
  ephemeralSeed: Uint8Array,
): Uint8Array {
  const s = lib();
  const ephemeral = s.crypto_box_seed_keypair(ephemeralSeed);
  const nonceInput = new Uint8Array(64);
  nonceInput.set(ephemeral.publicKey, 0);
  nonceInput.set(recipientPublicKey, 32);
  const nonce = s.crypto_generichash(s.crypto_box_NONCEBYTES, nonceInput, null);
  const box = s.crypto_box_easy(message, nonce, recipientPublicKey, ephemeral.privateKey);
  const out = new Uint8Array(32 + box.length);
  out.set(ephemeral.publicKey, 0);
  out.set(box, 32);
  return out;
}
