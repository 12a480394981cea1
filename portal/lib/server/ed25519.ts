import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { SignatureVerifier } from '$protocol/jws';

/**
 * Ed25519 verification through node:crypto (OpenSSL), injected into protocol/jws on the server:
 * native code, about 15 % faster here than libsodium's WebAssembly (docs/performance.md), and off
 * the event loop.
 * Key objects are cached by the identity of the public-key array, which the key resolvers reuse.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObjectOf(publicKey: Uint8Array): KeyObject {
  let key = keyObjects.get(publicKey);
  if (key === undefined) {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
    keyObjects.set(publicKey, key);
  }
  return key;
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
