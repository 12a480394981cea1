import { createPublicKey, verify } from 'node:crypto';
import type { SignatureVerifier } from '$protocol/jws';

/**
 * Ed25519 verification through node:crypto (OpenSSL), injected into protocol/jws on the server:
 * native code, about 15 % faster here than libsodium's WebAssembly (docs/performance.md), and off
 * the event loop.
 * Key objects are cached by the identity of the public-key array, which the key resolvers reuse.
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
 * Verifies on libuv's thread pool (node:crypto's `verify` with a callback): about 100 µs of
 * OpenSSL per signature that the event loop no longer spends, for a few µs of dispatch.
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
