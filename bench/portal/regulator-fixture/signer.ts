/**
 * The seeding clients' signatures for the regulator fixture: the same compact JWS that
 * `protocol/signed.ts` `signMessage` makes (payload parsed by the kind's schema, header
 * `{alg: "EdDSA", typ: "<kind>+jws", kid}`), signed with node:crypto's Ed25519 on a `KeyObject`
 * made once per key instead of WebCrypto's asynchronous import and sign per message (about a
 * tenth of the cost; Ed25519 is deterministic, so {@link checkSigner} compares both byte for
 * byte before any seeding starts).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
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
}

/** PKCS #8 DER of an Ed25519 private key, before its 32-byte seed (RFC 8410). */
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Length of the SPKI DER prefix before the 32-byte public key (RFC 8410). */
const spkiPrefixLength = 12;

/**
 * The key of a 32-byte seed, as `keyPairFromSeed` (libsodium's `crypto_sign_seed_keypair`)
 * derives it.
 *
 * @example
 * ```ts
 * const key = clientKey(pairwiseSeed(master, companyId));
 * const ps = `ps_${key.kid}`;
 * ```
 */
export function clientKey(seed: Uint8Array): ClientKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([pkcs8Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return withPublic(privateKey, createPublicKey(privateKey));
}

function withPublic(privateKey: KeyObject, publicKey: KeyObject): ClientKey {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const jwk = publicJwk(new Uint8Array(spki.subarray(spkiPrefixLength)));
  return { privateKey, jwk, kid: thumbprint(jwk) };
}

/**
 * A fresh random key: what a new customer's pairwise key is to the clearinghouse (a key derived
 * from an unknown master seed). OpenSSL generates one about four times faster than it imports a
 * given seed, so the seeding's million customers are made this way.
 *
 * @example
 * ```ts
 * const key = freshKey();
 * const again = clientKey(seedOf(key)); // the same key
 * ```
 */
export function freshKey(): ClientKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return withPublic(privateKey, publicKey);
}

/** The 32-byte seed of a key, to hand it to another thread ({@link clientKey} takes it back). */
export function seedOf(key: ClientKey): Uint8Array {
  const { d } = key.privateKey.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(d!, 'base64url'));
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
  if (!Buffer.from(seedOf(key)).equals(seed)) throw new Error('seedOf does not return the seed');
  const pair = keyPairFromSeed(seed);
  if (thumbprint(publicJwk(pair)) !== key.kid)
    throw new Error('node:crypto and libsodium derive different keys from one seed');
  const expected = await signMessage(kind, payload(publicJwk(pair), key.kid), pair);
  if (signWith(kind, payload(key.jwk, key.kid), key) !== expected)
    throw new Error(`the fixture's ${kind} signature differs from signMessage's`);
}
