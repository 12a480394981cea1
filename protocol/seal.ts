/**
 * Sealed boxes for offers, disclosures, rewards and corrections (DESIGN promise 4: the relay cannot
 * read). A message is sealed with libsodium's `crypto_box_seal` to the X25519 form of the
 * recipient's Ed25519 key, a pairwise key or a company key (SPECS "sealing key"), so one key per
 * relationship both signs and receives. Sealing is anonymous and randomised; authenticity comes from
 * the company's JWS *inside* the box, which `openSealedSigned` verifies.
 *
 * All functions need `await ready()` (from `./sodium`) once.
 */
import { utf8Decode, utf8Encode } from './encoding';
import { ProtocolError } from './errors';
import {
  signCompact,
  verifyCompact,
  type SignOptions,
  type VerifiedJws,
  type VerifyOptions,
} from './jws';
import type { Ed25519KeyPair } from './keys';
import {
  boxSeal,
  boxSealOpen,
  ed25519PkToCurve25519,
  ed25519SkToCurve25519,
  isValidEd25519Point,
  SEAL_OVERHEAD,
} from './sodium';

/** Default bound of a sealed box in bytes (a disclosure's export is the largest content). */
export const DEFAULT_MAX_SEALED_LENGTH = 1024 * 1024;

/** Options of the opening functions. */
export interface OpenOptions {
  /** Largest sealed box accepted, in bytes; default 1 MiB. */
  readonly maxLength?: number;
}

/** A signed message sealed to its recipient. */
export interface SealedSigned {
  /** The sealed box to put into the outer message. */
  readonly sealed: Uint8Array;
  /** The compact JWS inside it (keep it: it is what the recipient will verify and may cite). */
  readonly token: string;
}

/** An opened and verified sealed message, with the compact JWS it carried. */
export interface OpenedSigned extends VerifiedJws {
  readonly token: string;
}

interface CurveKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

// Conversions cost a field inversion each; cache them per key object.
const curvePublicKeys = new WeakMap<Uint8Array, Uint8Array>();
const curveKeyPairs = new WeakMap<Uint8Array, CurveKeyPair>();

function keyInvalid(message: string): ProtocolError {
  return new ProtocolError('ERR_KEY_INVALID', message);
}

function curvePublicKeyOf(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw keyInvalid('an Ed25519 public key is 32 bytes');
  let curve = curvePublicKeys.get(publicKey);
  if (curve === undefined) {
    // Small-order or off-curve keys would give an X25519 key anyone can open for.
    if (!isValidEd25519Point(publicKey)) throw keyInvalid('not a valid Ed25519 public key');
    try {
      curve = ed25519PkToCurve25519(publicKey);
    } catch {
      throw keyInvalid('the key has no X25519 form');
    }
    curvePublicKeys.set(publicKey, curve);
  }
  return curve;
}

function curveKeyPairOf(recipient: Ed25519KeyPair): CurveKeyPair {
  const privateKey = (recipient as Partial<Ed25519KeyPair> | null)?.privateKey;
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 64) {
    throw keyInvalid("the recipient's private key must be libsodium's 64-byte Ed25519 secret key");
  }
  let pair = curveKeyPairs.get(privateKey);
  if (pair === undefined) {
    // The public half of libsodium's secret key is its last 32 bytes; convert that one, so a
    // mismatched `publicKey` member cannot make us open with inconsistent keys.
    pair = {
      publicKey: curvePublicKeyOf(privateKey.slice(32)),
      privateKey: ed25519SkToCurve25519(privateKey),
    };
    curveKeyPairs.set(privateKey, pair);
  }
  return pair;
}

function boundOf(options: OpenOptions | undefined): number {
  const max = options?.maxLength ?? DEFAULT_MAX_SEALED_LENGTH;
  return Number.isSafeInteger(max) && max > 0 ? max : DEFAULT_MAX_SEALED_LENGTH;
}

/**
 * Seals `plaintext` (bytes, or a string as UTF-8) to the X25519 form of an Ed25519 public key.
 * Randomised: sealing the same plaintext twice gives different boxes.
 *
 * @example
 * ```ts
 * const sealed = sealTo(pairwisePublicKey, utf8Encode('hello'));
 * ```
 */
export function sealTo(recipientPublicKey: Uint8Array, plaintext: Uint8Array | string): Uint8Array {
  const curve = curvePublicKeyOf(recipientPublicKey);
  const bytes = typeof plaintext === 'string' ? utf8Encode(plaintext) : plaintext;
  if (!(bytes instanceof Uint8Array))
    throw new ProtocolError('ERR_SEAL_CONTENT_INVALID', 'plaintext must be bytes or a string');
  if (bytes.length + SEAL_OVERHEAD > DEFAULT_MAX_SEALED_LENGTH) {
    throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'the plaintext is too large to seal');
  }
  return boxSeal(bytes, curve);
}

/**
 * Opens a sealed box with the recipient's Ed25519 key pair. A box sealed to another key, altered
 * in any bit, truncated or oversized fails with `ERR_SEAL_OPEN_FAILED`.
 *
 * @example
 * ```ts
 * const plaintext = openSealed(sealed, pairwiseKeyPair(master, companyId));
 * ```
 */
export function openSealed(
  sealed: Uint8Array,
  recipient: Ed25519KeyPair,
  options?: OpenOptions,
): Uint8Array {
  const curve = curveKeyPairOf(recipient);
  if (
    !(sealed instanceof Uint8Array) ||
    sealed.length < SEAL_OVERHEAD ||
    sealed.length > boundOf(options)
  ) {
    throw new ProtocolError('ERR_SEAL_OPEN_FAILED', 'not a sealed box of an acceptable size');
  }
  try {
    return boxSealOpen(sealed, curve.publicKey, curve.privateKey);
  } catch (e) {
    const error = new ProtocolError(
      'ERR_SEAL_OPEN_FAILED',
      'the sealed box does not open with this key',
    );
    error.cause = e;
    throw error;
  }
}

/**
 * Signs a message with `signCompact` and seals the compact JWS to the recipient (e.g. the inner
 * JWS of an offer, sealed to the customer's pairwise key).
 *
 * @example
 * ```ts
 * const { sealed, token } = await sealSigned(pairwisePublicKey, {
 *   kind: 'offer', keyPair: companyKeys, payload: { ...inner },
 * });
 * ```
 */
export async function sealSigned(
  recipientPublicKey: Uint8Array,
  sign: SignOptions,
): Promise<SealedSigned> {
  // Check the recipient first: no signature is produced for a box that cannot be sealed.
  curvePublicKeyOf(recipientPublicKey);
  const token = await signCompact(sign);
  return { sealed: sealTo(recipientPublicKey, token), token };
}

/**
 * Opens a sealed box and verifies the compact JWS inside with `verifyCompact`. A box that does not
 * open fails with `ERR_SEAL_OPEN_FAILED`; content that is not a compact JWS, or one that fails any
 * check, fails with `ERR_SEAL_CONTENT_INVALID`, the JWS failure's own code in `detail.reason`.
 *
 * @example
 * ```ts
 * const inner = await openSealedSigned(sealed, pairwiseKeys, {
 *   kind: 'offer', resolveKey: registry.keyOf, audience: pseudonym, now, asOf: 'iat',
 * });
 * ```
 */
export async function openSealedSigned(
  sealed: Uint8Array,
  recipient: Ed25519KeyPair,
  verify: VerifyOptions,
  options?: OpenOptions,
): Promise<OpenedSigned> {
  const plaintext = openSealed(sealed, recipient, options);
  let token: string;
  try {
    token = utf8Decode(plaintext);
  } catch {
    throw new ProtocolError('ERR_SEAL_CONTENT_INVALID', 'the sealed content is not text', {
      reason: 'ERR_ENCODING_INVALID',
    });
  }
  try {
    const verified = await verifyCompact(token, verify);
    // defineProperty rather than a spread: a spread would read (and so compute) the lazy sha256.
    return Object.defineProperty(verified, 'token', {
      value: token,
      enumerable: true,
    }) as OpenedSigned;
  } catch (e) {
    // Errors of the injected resolver or replay store are not content errors: let them through.
    if (!(e instanceof ProtocolError)) throw e;
    const error = new ProtocolError(
      'ERR_SEAL_CONTENT_INVALID',
      `the sealed message is not valid: ${e.message}`,
      {
        reason: e.code,
      },
    );
    error.cause = e;
    throw error;
  }
}
