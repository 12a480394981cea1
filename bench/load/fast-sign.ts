/**
 * Bulk signing for the benchmarks' clients (bench:api, bench:load, bench:cluster): the compact JWS
 * `signCompact` makes (header `{alg, typ, kid}`), signed through node:crypto with a prepared
 * `KeyObject`, so a driver spends tens of microseconds per message instead of jose's WebCrypto
 * round trip. The server verifies these exactly like the Assistant's and the companies' messages;
 * each driver checks the first payload of a kind against the schema (`parseMessage`).
 */
import {
  createHash,
  createPrivateKey,
  randomBytes,
  sign as nodeSign,
  type KeyObject,
} from 'node:crypto';
import { base64urlEncode } from '../../protocol/encoding';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import type { MessageKind } from '../../protocol/messages';

/** A key for bulk signing through node:crypto, with the `kid` signCompact would put in the header. */
export interface FastKey {
  kid: string;
  /** The public key, base64url (the JWK's `x`). */
  x: string;
  privateKey: KeyObject;
}

/**
 * The node:crypto form of a libsodium key pair (for keys that also sign through `signMessage`).
 *
 * @example
 * ```ts
 * const key = fastKeyOf(generateKeyPair((n) => new Uint8Array(randomBytes(n))));
 * ```
 */
export function fastKeyOf(keyPair: Ed25519KeyPair): FastKey {
  const jwk = publicJwk(keyPair);
  return {
    kid: thumbprint(jwk),
    x: jwk.x,
    privateKey: createPrivateKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: jwk.x,
        d: base64urlEncode(keyPair.privateKey.subarray(0, 32)),
      },
      format: 'jwk',
    }),
  };
}

/**
 * A new random Ed25519 key (a new customer's pairwise key, a new company's key).
 *
 * @example
 * ```ts
 * const pseudonym = `ps_${newFastKey().kid}`;
 * ```
 */
export function newFastKey(): FastKey {
  // Not node:crypto's generateKeyPairSync + export({ format: 'jwk' }): on Node 20 that can
  // deadlock (a garbage collection during the JWK export finalises the key's generation job,
  // whose destructor waits for the mutex the export holds; seen twice as a bench hanging with
  // its main thread in futex_wait under ExportJWKEdKey). libsodium makes the key; node:crypto
  // only imports it.
  return fastKeyOf(generateKeyPair((n) => new Uint8Array(randomBytes(n))));
}

/**
 * The compact JWS `signCompact` makes (header `{alg, typ, kid}`), signed with node:crypto.
 *
 * @example
 * ```ts
 * const token = fastSign('grant', payload, key);
 * ```
 */
export function fastSign(kind: MessageKind | 'request', payload: object, key: FastKey): string {
  const header = Buffer.from(
    JSON.stringify({ alg: 'EdDSA', typ: `${kind}+jws`, kid: key.kid }),
  ).toString('base64url');
  const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${nodeSign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** base64url SHA-256 of a compact JWS (SPECS "JWS": the id the server stores it under). */
export const sha256Of = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
