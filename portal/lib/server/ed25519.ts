import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import type { SignatureVerifier } from '$protocol/jws';
import { onOffFromEnv } from './settings';

/**
 * The Ed25519 verification the server injects into protocol/jws ({@link serverEd25519Verify}):
 * libsodium compiled natively when it loads, else node:crypto (OpenSSL) on libuv's thread pool.
 * Key objects of the latter are cached by the identity of the public-key array, which the key
 * resolvers reuse.
 */
const keyObjectOf = createKeyObjectCache((publicKey) =>
  createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  }),
);

/**
 * A cache of key objects by the identity of the public-key array, which keeps a key object only
 * from the second time its array is asked for.
 *
 * A key object holds a native handle, and a WeakMap's value lives at least until the next full
 * garbage collection, however briefly its key lives: every young-generation collection on the way
 * treats it as alive and finally moves it to the old generation. A new pseudonym's key signs one
 * grant and is never asked for again, so caching it on first use moved one key object per grant
 * into the old generation, and each full collection then had to finalize thousands of native
 * handles at once (38 ms of a 56 ms pause under bench:api at half rate, from `--trace-gc-nvp`). Asked for once, a
 * key object is now made and dropped young; arrays that are asked for again (company keys, the
 * bound keys `keyFromX` keeps) are cached from their second use.
 *
 * @example
 * ```ts
 * const keyObjectOf = createKeyObjectCache((publicKey) => createPublicKey({ key: jwkOf(publicKey), format: 'jwk' }));
 * verify(null, message, keyObjectOf(publicKey), signature, callback);
 * ```
 */
export function createKeyObjectCache<K extends object>(
  create: (publicKey: Uint8Array) => K,
): (publicKey: Uint8Array) => K {
  const cached = new WeakMap<Uint8Array, K>();
  const seenOnce = new WeakSet<Uint8Array>();
  return (publicKey) => {
    let key = cached.get(publicKey);
    if (key !== undefined) return key;
    key = create(publicKey);
    if (seenOnce.has(publicKey)) cached.set(publicKey, key);
    else seenOnce.add(publicKey);
    return key;
  };
}

/**
 * Verifies on libuv's thread pool (node:crypto's `verify` with a callback): the OpenSSL time per
 * signature is not spent on the event loop, for the dispatch and the hop back. The server's
 * verifier when native libsodium does not load.
 */
export const nodeEd25519Verify: SignatureVerifier = (signature, message, publicKey) => {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const key = keyObjectOf(publicKey);
  return new Promise<boolean>((resolve, reject) => {
    verify(null, message, key, signature, (error, valid) => {
      if (error) reject(error);
      else resolve(valid);
    });
  });
};

/** What the server needs of `sodium-native`: libsodium's detached Ed25519 verification. */
export interface NativeSodiumVerify {
  crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
}

/**
 * libsodium compiled natively (`sodium-native`, the library the point check's worker uses), or
 * `undefined` when it does not load or `VERIFY_NATIVE=off`.
 */
export function loadNativeSodiumVerify(
  env: Readonly<Record<string, string | undefined>> = process.env,
  load: () => unknown = () => createRequire(import.meta.url)('sodium-native'),
): NativeSodiumVerify | undefined {
  if (!onOffFromEnv(env, 'VERIFY_NATIVE')) return undefined;
  try {
    const sodium = load() as Partial<NativeSodiumVerify> | undefined;
    return typeof sodium?.crypto_sign_verify_detached === 'function'
      ? (sodium as NativeSodiumVerify)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The server's Ed25519 verifier: libsodium's `crypto_sign_verify_detached`, natively compiled and
 * called on the event loop, when `native` is given; else {@link nodeEd25519Verify}.
 *
 * libsodium is what `protocol/`'s default runs in the browser and the extension (as WebAssembly),
 * so the server and the Assistant accept exactly the same signatures (OpenSSL accepts some that
 * libsodium refuses, such as a small-order `R`). Natively it took about 44 µs a signature on the
 * benchmark machine, OpenSSL 75 µs (an ad hoc loop); under `bench:api` the server spent less CPU
 * per grant than with the thread pool, at the same event-loop time (docs/performance.md "API",
 * session 35).
 *
 * @example
 * ```ts
 * const verifySignature = createServerVerifier(loadNativeSodiumVerify());
 * await verifyCompact(token, { ...options, verifySignature });
 * ```
 */
export function createServerVerifier(native: NativeSodiumVerify | undefined): SignatureVerifier {
  if (native === undefined) return nodeEd25519Verify;
  return (signature, message, publicKey) =>
    signature.length === 64 &&
    publicKey.length === 32 &&
    native.crypto_sign_verify_detached(signature, message, publicKey);
}

/** The verifier every server route injects into `verifyCompact` (see {@link createServerVerifier}). */
export const serverEd25519Verify: SignatureVerifier = createServerVerifier(nativeAtLoad());

/**
 * {@link loadNativeSodiumVerify} when this module loads, before the server's start check: a
 * `VERIFY_NATIVE` it refuses (`0`, `false`) is read as unset here, so that the start check
 * (instance.ts `checkStartSettings`, the same parser) ends the start with its sentence instead of
 * this module's load with a stack.
 */
function nativeAtLoad(): NativeSodiumVerify | undefined {
  try {
    return loadNativeSodiumVerify();
  } catch {
    return loadNativeSodiumVerify({});
  }
}
