/**
 * The seeding clients' signatures for the regulator fixture: the same compact JWS that
 * `protocol/signed.ts` `signMessage` makes (payload parsed by the kind's schema, header
 * `{alg: "EdDSA", typ: "<kind>+jws", kid}`), signed with node:crypto's Ed25519 on a `KeyObject`
 * made once per key instead of WebCrypto's asynchronous import and sign per message (about a
 * tenth of the cost; Ed25519 is deterministic, so {@link checkSigner} compares both byte for
 * byte before any seeding starts).
 */
import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { fastKeyOf } from '../../load/fast-sign';
import {
  keyPairFromSeed,
  publicJwk,
  thumbprint,
  type Ed25519PublicJwk,
} from '../../../protocol/keys';
import { parseMessage, type MessageKind, type Payload } from '../../../protocol/messages';
import { signMessage } from '../../../protocol/signed';

/** An Ed25519 key of a seeding client. */
export interface ClientKey {
  readonly privateKey: KeyObject;
  readonly jwk: Ed25519PublicJwk;
  /** The RFC 7638 thumbprint: the JWS `kid`, and the id after `ps_` or `co_`. */
  readonly kid: string;
  /** The 32-byte seed, to hand the key to another thread ({@link clientKey} takes it back). */
  readonly seed: Uint8Array;
}

/**
 * The key of a 32-byte seed, as `keyPairFromSeed` (libsodium's `crypto_sign_seed_keypair`)
 * derives it; node:crypto only imports the pair (as a JWK with `x` and `d`) to sign with it.
 * Needs `await ready()`.
 *
 * Keys are never made by node:crypto's `generateKeyPairSync` and exported: on Node 20 a garbage
 * collection during an export can finalise the generation job, whose destructor waits for the
 * mutex the export holds (a bench hung twice that way, see bench/load/fast-sign.ts). Importing a
 * libsodium pair is also faster (about 120 µs against 190 µs, measured here).
 *
 * @example
 * ```ts
 * const key = clientKey(pairwiseSeed(master, companyId));
 * const ps = `ps_${key.kid}`;
 * ```
 */
export function clientKey(seed: Uint8Array): ClientKey {
  const pair = keyPairFromSeed(seed);
  const jwk = publicJwk(pair);
  return { privateKey: fastKeyOf(pair).privateKey, jwk, kid: thumbprint(jwk), seed };
}

/**
 * A fresh random key: what a new customer's pairwise key is to the clearinghouse (a key derived
 * from an unknown master seed). Needs `await ready()`.
 *
 * @example
 * ```ts
 * const key = freshKey();
 * const again = clientKey(key.seed); // the same key
 * ```
 */
export function freshKey(): ClientKey {
  return clientKey(new Uint8Array(randomBytes(32)));
}

/**
 * Signs `payload` as a message of `kind`, byte for byte what `signMessage` would return.
 *
 * @throws ProtocolError `ERR_MESSAGE_INVALID` when the payload does not parse as `kind`.
 * @example
 * ```ts
 * const token = signWith('grant', { ...claims, requestSha256, scopes, pseudonymKey: key.jwk }, key);
 * ```
 */
export function signWith<K extends MessageKind>(
  kind: K,
  payload: Payload<K>,
  key: ClientKey,
): string {
  const parsed = parseMessage(kind, payload);
  const header = Buffer.from(
    JSON.stringify({ alg: 'EdDSA', typ: `${kind}+jws`, kid: key.kid }),
  ).toString('base64url');
  const input = `${header}.${Buffer.from(JSON.stringify(parsed)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/**
 * Throws unless {@link clientKey} and {@link signWith} agree with the protocol's own
 * `keyPairFromSeed` and `signMessage` on `payload` (needs `await ready()`).
 */
export async function checkSigner<K extends MessageKind>(
  kind: K,
  payload: (jwk: Ed25519PublicJwk, kid: string) => Payload<K>,
  seed: Uint8Array,
): Promise<void> {
  const key = clientKey(seed);
  const pair = keyPairFromSeed(seed);
  if (thumbprint(publicJwk(pair)) !== key.kid)
    throw new Error('node:crypto and libsodium derive different keys from one seed');
  const expected = await signMessage(kind, payload(publicJwk(pair), key.kid), pair);
  if (signWith(kind, payload(key.jwk, key.kid), key) !== expected)
    throw new Error(`the fixture's ${kind} signature differs from signMessage's`);
}
