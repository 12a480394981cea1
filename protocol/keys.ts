/**
 * Ed25519 keys and the identifiers derived from them, exactly as SPECS "Identifiers and addresses"
 * fixes them: public JWKs (RFC 8037), RFC 7638 thumbprints as key ids, company ids, pseudonyms,
 * pairwise keys derived from the customer's master seed, and the master seed's recovery phrase.
 *
 * Randomness is injected (`randomBytes`), never taken from a global, so callers and tests decide
 * where it comes from. Functions that touch libsodium need `await ready()` (from `./sodium`) once;
 * thumbprints and identifiers are pure JavaScript and need nothing.
 */
import { sha256 as sha256Pure } from '@noble/hashes/sha2.js';
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { base64urlDecode, base64urlEncode, utf8Encode } from './encoding';
import { ProtocolError } from './errors';
import { genericHash, isValidEd25519Point, signSeedKeypair } from './sodium';

/** Source of cryptographically secure random bytes, e.g. `(n) => crypto.getRandomValues(new Uint8Array(n))`. */
export type RandomBytes = (length: number) => Uint8Array;

/**
 * An Ed25519 key pair in libsodium's layout: `publicKey` is 32 bytes, `privateKey` is 64 bytes
 * (the 32-byte seed followed by the public key).
 */
export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** The public JWK of an Ed25519 key (RFC 8037 section 2): exactly the members a thumbprint covers. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

/** A public key that passed `importPublicJwk`: its JWK, its raw 32 bytes and its key id. */
export interface ImportedPublicKey {
  readonly jwk: Ed25519PublicJwk;
  readonly publicKey: Uint8Array;
  /** RFC 7638 thumbprint, the `kid` of everything this key signs. */
  readonly kid: string;
}

const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
/** Domain separation of pairwise derivation (SPECS "pairwise key"); the 0x00 is appended below. */
const PAIRWISE_CONTEXT = 'consent-clearinghouse/pairwise/v1';
/** Company ids are `co_` + a 43-character thumbprint; anything much longer is not one. */
const MAX_COMPANY_ID_LENGTH = 256;
/** 24 words of at most 8 letters with single spaces; generous for stray whitespace. */
const MAX_PHRASE_LENGTH = 1024;

function keyInvalid(message: string, cause?: unknown): ProtocolError {
  const error = new ProtocolError('ERR_KEY_INVALID', message);
  if (cause !== undefined) error.cause = cause;
  return error;
}

function requireBytes(value: unknown, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw keyInvalid(`${what} must be ${length} bytes`);
  }
  return value;
}

/**
 * The Ed25519 key pair of a 32-byte seed (`crypto_sign_seed_keypair`). Needs `await ready()`.
 *
 * @example
 * ```ts
 * const pair = keyPairFromSeed(new Uint8Array(32).fill(1));
 * pair.publicKey.length // 32
 * ```
 */
export function keyPairFromSeed(seed: Uint8Array): Ed25519KeyPair {
  return signSeedKeypair(requireBytes(seed, SEED_BYTES, 'an Ed25519 seed'));
}

/**
 * A fresh Ed25519 key pair from injected randomness. Needs `await ready()`.
 *
 * @example
 * ```ts
 * const pair = generateKeyPair((n) => crypto.getRandomValues(new Uint8Array(n)));
 * ```
 */
export function generateKeyPair(randomBytes: RandomBytes): Ed25519KeyPair {
  return keyPairFromSeed(requireBytes(randomBytes(SEED_BYTES), SEED_BYTES, 'randomBytes(32)'));
}

/**
 * A fresh 32-byte master seed (the customer's root secret) from injected randomness.
 *
 * @example
 * ```ts
 * const master = generateMasterSeed((n) => crypto.getRandomValues(new Uint8Array(n)));
 * ```
 */
export function generateMasterSeed(randomBytes: RandomBytes): Uint8Array {
  // Copy, so a caller reusing its buffer cannot change our seed afterwards.
  return requireBytes(randomBytes(SEED_BYTES), SEED_BYTES, 'randomBytes(32)').slice();
}

/**
 * The public JWK of a raw 32-byte public key or of a key pair.
 *
 * @example
 * ```ts
 * publicJwk(pair) // { crv: 'Ed25519', kty: 'OKP', x: '...' }
 * ```
 */
export function publicJwk(key: Uint8Array | Ed25519KeyPair): Ed25519PublicJwk {
  const bytes = key instanceof Uint8Array ? key : key.publicKey;
  requireBytes(bytes, PUBLIC_KEY_BYTES, 'an Ed25519 public key');
  return { crv: 'Ed25519', kty: 'OKP', x: base64urlEncode(bytes) };
}

/**
 * The exact text RFC 7638 hashes for an Ed25519 key: the required members in lexicographic order,
 * no whitespace. `x` is canonical base64url, so it needs no JSON escaping.
 *
 * @example
 * ```ts
 * thumbprintInput(jwk) // '{"crv":"Ed25519","kty":"OKP","x":"11qYAYKx..."}'
 * ```
 */
export function thumbprintInput(jwk: Ed25519PublicJwk): string {
  const x = (jwk as { x?: unknown } | null)?.x;
  if (typeof x !== 'string' || x.length !== 43)
    throw keyInvalid('x must be a 32-byte base64url string');
  requireBytes(base64urlDecodeKey(x), PUBLIC_KEY_BYTES, 'x');
  return `{"crv":"Ed25519","kty":"OKP","x":"${x}"}`;
}

function base64urlDecodeKey(x: string): Uint8Array {
  try {
    return base64urlDecode(x);
  } catch (e) {
    throw keyInvalid('x is not canonical base64url', e);
  }
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url): the key id of an Ed25519 key. Pure; no
 * `ready()` needed.
 *
 * @example
 * ```ts
 * thumbprint({ crv: 'Ed25519', kty: 'OKP', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' (RFC 8037 appendix A.3)
 * ```
 */
export function thumbprint(jwk: Ed25519PublicJwk): string {
  return base64urlEncode(sha256Pure(utf8Encode(thumbprintInput(jwk))));
}

/**
 * A company's id: `co_` + the thumbprint of the key in its registration message. It never changes,
 * even when the company's keys rotate.
 *
 * @example
 * ```ts
 * companyId(publicJwk(companyPair)) // 'co_...'
 * ```
 */
export function companyId(jwk: Ed25519PublicJwk): string {
  return `co_${thumbprint(jwk)}`;
}

/**
 * A customer's pseudonym towards one company: `ps_` + the thumbprint of the pairwise public key.
 *
 * @example
 * ```ts
 * pseudonym(publicJwk(pairwiseKeyPair(master, 'co_...'))) // 'ps_...'
 * ```
 */
export function pseudonym(jwk: Ed25519PublicJwk): string {
  return `ps_${thumbprint(jwk)}`;
}

/**
 * The 32-byte seed of the pairwise key for `company`: BLAKE2b-256 keyed with the master seed over
 * `"consent-clearinghouse/pairwise/v1" || 0x00 || UTF-8(company id)`. The 0x00 separates the
 * context from the id, so no company id can be chosen to collide with another context string.
 * Needs `await ready()`.
 *
 * @example
 * ```ts
 * pairwiseSeed(master, 'co_...').length // 32
 * ```
 */
export function pairwiseSeed(masterSeed: Uint8Array, company: string): Uint8Array {
  requireBytes(masterSeed, SEED_BYTES, 'the master seed');
  if (
    typeof company !== 'string' ||
    company.length === 0 ||
    company.length > MAX_COMPANY_ID_LENGTH
  ) {
    throw keyInvalid('the company id must be a non-empty string of bounded length');
  }
  const context = utf8Encode(PAIRWISE_CONTEXT);
  const id = utf8Encode(company);
  const message = new Uint8Array(context.length + 1 + id.length);
  message.set(context, 0);
  message[context.length] = 0x00;
  message.set(id, context.length + 1);
  return genericHash(32, message, masterSeed);
}

/**
 * The customer's pairwise Ed25519 key pair for one company (SPECS "pairwise key"). Two companies
 * see unrelated keys, so they cannot link the customer. Needs `await ready()`.
 *
 * @example
 * ```ts
 * const pair = pairwiseKeyPair(master, 'co_kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
 * const ps = pseudonym(publicJwk(pair));
 * ```
 */
export function pairwiseKeyPair(masterSeed: Uint8Array, company: string): Ed25519KeyPair {
  return keyPairFromSeed(pairwiseSeed(masterSeed, company));
}

const OPTIONAL_JWK_MEMBERS: Readonly<Record<string, (value: unknown) => boolean>> = {
  // Informational members other tools add; harmless when their values agree with the key.
  use: (value) => value === 'sig',
  alg: (value) => value === 'EdDSA' || value === 'Ed25519',
};

/**
 * Parses an untrusted public JWK (from a registration, a `pseudonymKey` field, the registry).
 * Accepted: `kty: "OKP"`, `crv: "Ed25519"`, `x` canonical base64url of a valid Ed25519 point (not of
 * small order), and optionally `kid` (must equal the thumbprint), `use: "sig"`, `alg: "EdDSA"` or
 * `"Ed25519"`. Anything else, notably a private `d`, fails closed with `ERR_KEY_INVALID`.
 * Needs `await ready()` (the point check is libsodium's).
 *
 * @example
 * ```ts
 * const key = importPublicJwk(JSON.parse(body).pseudonymKey);
 * key.kid // thumbprint, compare with the message's header kid
 * ```
 */
export function importPublicJwk(jwk: unknown): ImportedPublicKey {
  const parsed = parsePublicJwk(jwk);
  return finishImport(parsed, isValidEd25519Point(parsed.publicKey));
}

/**
 * {@link importPublicJwk} with the point check done by `isValidPoint`, for a caller that runs it
 * elsewhere (the server: on a worker thread, off its event loop). The same checks in the same
 * order, the same result and the same errors; `isValidPoint` must answer what libsodium's
 * `crypto_core_ed25519_is_valid_point` answers.
 *
 * @example
 * ```ts
 * const key = await importPublicJwkAsync(jwk, (bytes) => pool.isValidPoint(bytes));
 * ```
 */
export async function importPublicJwkAsync(
  jwk: unknown,
  isValidPoint: (publicKey: Uint8Array) => Promise<boolean>,
): Promise<ImportedPublicKey> {
  const parsed = parsePublicJwk(jwk);
  return finishImport(parsed, await isValidPoint(parsed.publicKey.slice()));
}

/** The syntactic part of an import: everything but the point check and the thumbprint. */
interface ParsedJwk {
  readonly x: string;
  readonly publicKey: Uint8Array;
  readonly kid: unknown;
}

function parsePublicJwk(jwk: unknown): ParsedJwk {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw keyInvalid('a JWK must be a JSON object');
  }
  const members = jwk as Record<string, unknown>;
  for (const name of Object.keys(members)) {
    if (name === 'kty' || name === 'crv' || name === 'x' || name === 'kid') continue;
    const check = Object.prototype.hasOwnProperty.call(OPTIONAL_JWK_MEMBERS, name)
      ? OPTIONAL_JWK_MEMBERS[name]
      : undefined;
    if (check === undefined) throw keyInvalid(`JWK member "${name.slice(0, 32)}" is not allowed`);
    if (!check(members[name]))
      throw keyInvalid(`JWK member "${name}" has a value that does not fit an Ed25519 signing key`);
  }
  if (members.kty !== 'OKP') throw keyInvalid('kty must be "OKP"');
  if (members.crv !== 'Ed25519') throw keyInvalid('crv must be "Ed25519"');
  const x = members.x;
  if (typeof x !== 'string' || x.length !== 43)
    throw keyInvalid('x must be a 32-byte base64url string');
  const publicKey = requireBytes(base64urlDecodeKey(x), PUBLIC_KEY_BYTES, 'x');
  return { x, publicKey, kid: members.kid };
}

function finishImport(parsed: ParsedJwk, validPoint: boolean): ImportedPublicKey {
  if (!validPoint) throw keyInvalid('x is not a valid Ed25519 public key');
  const clean: Ed25519PublicJwk = { crv: 'Ed25519', kty: 'OKP', x: parsed.x };
  const kid = thumbprint(clean);
  if (parsed.kid !== undefined && parsed.kid !== kid)
    throw keyInvalid('kid does not match the key thumbprint');
  const imported: ImportedPublicKey = Object.freeze({
    jwk: Object.freeze(clean),
    publicKey: parsed.publicKey,
    kid,
  });
  importedKeys.add(imported);
  return imported;
}

/** Every key object {@link importPublicJwk} returned (frozen; its bytes are its caller's to keep). */
const importedKeys = new WeakSet<object>();

/**
 * True when `key` is an object {@link importPublicJwk} returned, so it needs no second check (the
 * point check costs about 100 µs); a look-alike object built elsewhere answers false.
 *
 * @example
 * ```ts
 * isImportedKey(importPublicJwk(jwk)); // true
 * isImportedKey({ ...importPublicJwk(jwk) }); // false
 * ```
 */
export function isImportedKey(key: unknown): key is ImportedPublicKey {
  return typeof key === 'object' && key !== null && importedKeys.has(key);
}

/**
 * The 24-word BIP-39 recovery phrase (English word list) of a 32-byte master seed. The phrase *is*
 * the seed (its entropy), not a BIP-39 PBKDF2 input: writing it down is backing up the identity.
 *
 * @example
 * ```ts
 * masterSeedToPhrase(new Uint8Array(32)) // 'abandon abandon ... art' (24 words)
 * ```
 */
export function masterSeedToPhrase(seed: Uint8Array): string {
  return entropyToMnemonic(requireBytes(seed, SEED_BYTES, 'the master seed'), english);
}

/**
 * The master seed of a 24-word recovery phrase. Case and surrounding or repeated whitespace are
 * forgiven (people type these); unknown words, a wrong word count or a failed checksum throw
 * `ERR_KEY_INVALID`.
 *
 * @example
 * ```ts
 * phraseToMasterSeed(masterSeedToPhrase(seed)) // equals seed
 * ```
 */
export function phraseToMasterSeed(phrase: string): Uint8Array {
  if (typeof phrase !== 'string' || phrase.length > MAX_PHRASE_LENGTH) {
    throw keyInvalid('the recovery phrase must be a string of at most 1024 characters');
  }
  const words = phrase.trim().toLowerCase().split(/\s+/);
  if (words.length !== 24) throw keyInvalid('the recovery phrase must have 24 words');
  let entropy: Uint8Array;
  try {
    entropy = mnemonicToEntropy(words.join(' '), english);
  } catch (e) {
    throw keyInvalid('the recovery phrase has an unknown word or a wrong checksum', e);
  }
  return requireBytes(entropy, SEED_BYTES, 'the recovered seed');
}
