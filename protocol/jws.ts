/**
 * Compact JWS for every protocol message (RFC 7515, RFC 8037, RFC 9864; SPECS "JWS"): signing
 * with `jose`, verification with an allow-list of algorithms and header members, canonical
 * base64url, `typ` per kind, `aud`, the transport window with 60 s of skew, and `jti` replay through
 * an injected store. Evidence (an offer or disclosure inside a complaint) is verified as of its
 * `iat`, so it stays verifiable after `exp`.
 *
 * Why verification does not call jose's `compactVerify`: jose verifies through WebCrypto, which is
 * asynchronous (in Node a thread-pool hop per signature). Measured against raw `node:crypto`
 * Ed25519 verify in the same run on the 2-core machine: jose `compactVerify` with a cached key
 * 0.47-0.71x, bare `crypto.subtle.verify` 0.65-0.86x, libsodium's `crypto_sign_verify_detached`
 * 0.84-0.85x. The bar is 0.7 (DESIGN section 9), so verification uses libsodium: synchronous
 * WebAssembly, the same code in every runtime, and strict (it rejects non-canonical `S` and
 * small-order keys). Our own parser does the rest, and it is stricter than jose's anyway
 * (canonical base64url, exact header members). jose still signs. See docs/performance.md,
 * section "Protocol".
 *
 * `inspectCompact` hands out that parser's verdict without a key, so a server can refuse a token
 * that could never verify before it looks up what the token's unverified claims name: one
 * definition of the rules. Given that answer as `inspected`, `verifyCompact` takes up its parse
 * instead of making it again, and reads the payload anew from the bytes the signature covers.
 *
 * Every failure on the message's side is a `ProtocolError` with a stable code. Errors thrown by the
 * injected `resolveKey` or replay store propagate unchanged, so a database outage is not mistaken
 * for a bad message.
 */
import { CompactSign, importJWK } from 'jose';
import { base64urlDecode, base64urlEncode, bytesEqual, utf8Decode, utf8Encode } from './encoding';
import { ProtocolError, type ProtocolErrorCode } from './errors';
import {
  importPublicJwk,
  isImportedKey,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
  type Ed25519PublicJwk,
  type ImportedPublicKey,
} from './keys';
import { sha256, verifyDetached } from './sodium';

/** Allowed clock skew in seconds, both for `iat` in the future and for `exp` in the past. */
export const CLOCK_SKEW_SECONDS = 60;
/** Default transport window (`exp - iat`): 10 minutes. */
export const DEFAULT_MAX_WINDOW_SECONDS = 600;
/** The longest window any kind may ask for: offers, up to their `validUntil`, at most 90 days. */
export const MAX_WINDOW_SECONDS = 90 * 24 * 60 * 60;
/** Default size bound of a compact JWS, checked before anything is decoded. */
export const DEFAULT_MAX_TOKEN_LENGTH = 64 * 1024;

/** `alg` values accepted: `EdDSA` (RFC 8037, what we emit) and its RFC 9864 synonym `Ed25519`. */
const ALLOWED_ALGS: ReadonlySet<unknown> = new Set(['EdDSA', 'Ed25519']);
const ALLOWED_HEADER_MEMBERS: ReadonlySet<string> = new Set(['alg', 'typ', 'kid']);
const KIND_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const MAX_JTI_LENGTH = 128;
const jtiPattern = new RegExp(`^[\\x21-\\x7e]{1,${MAX_JTI_LENGTH}}$`);
const MAX_AUD_LENGTH = 2048;

/** The protected header of every protocol message: exactly these three members. */
export interface JwsHeader {
  readonly alg: 'EdDSA' | 'Ed25519';
  readonly typ: string;
  readonly kid: string;
}

/** The claims every kind carries; `verifyCompact` checks them, the kind's schema checks the rest. */
export interface CommonClaims {
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/** A verified message. `payload` is the whole JSON object, still to be parsed by its kind's schema. */
export interface VerifiedJws {
  readonly header: JwsHeader;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly claims: CommonClaims;
  /** The signer's key id (the header's `kid`, equal to the resolved key's thumbprint). */
  readonly kid: string;
  /** base64url SHA-256 over the ASCII of the compact JWS, as `sha256Of` computes it (on first read). */
  readonly sha256: string;
}

/**
 * A key as `resolveKey` may return it: an `importPublicJwk` result, a public JWK (validated on
 * first use) or the raw 32 bytes. Return the *same object* for the same key (e.g. from a cache) and
 * its validation is remembered; the resolver itself is asked every time, so a retired key stops
 * verifying at once.
 */
export type ResolvedKey = ImportedPublicKey | Ed25519PublicJwk | Uint8Array;

/** The injected `jti` store (SPECS "message id"). */
export interface ReplayStore {
  /**
   * Records `jti` for `signerKid` and answers `true` when it was not seen before, `false` for a
   * repeat. Keep the record at least until `rememberUntil` (epoch seconds: the message's `exp`
   * plus the clock skew, the last moment `verifyCompact` would accept it); it may be forgotten
   * after. Must be atomic per (signer, jti) when verifications run concurrently.
   */
  checkAndRemember(
    signerKid: string,
    jti: string,
    rememberUntil: number,
  ): boolean | Promise<boolean>;
}

/**
 * An Ed25519 signature check (RFC 8032): true when `signature` is valid for `message` under the
 * 32-byte `publicKey`. `verifyCompact` uses libsodium's when none is given; the server injects
 * node:crypto's (native OpenSSL), as `protocol/tlog` takes its SHA-256 (SPECS "Shared pieces").
 * Callers that resolve keys from a cache pass the same `publicKey` array each time, so an
 * implementation may cache its own key objects by that array's identity. It may answer with a
 * promise (the server's runs on libuv's thread pool, off the event loop).
 */
export type SignatureVerifier = (
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
) => boolean | Promise<boolean>;

/** Options of `verifyCompact`. */
export interface VerifyOptions {
  /** The Ed25519 primitive; default libsodium's `crypto_sign_verify_detached`. */
  readonly verifySignature?: SignatureVerifier;
  /** The expected message kind; the header `typ` must be `<kind>+jws`. */
  readonly kind: string;
  /** The signer's key for a `kid`, or `undefined` when there is none (unknown, retired, not bound). */
  readonly resolveKey: (kid: string) => ResolvedKey | undefined | Promise<ResolvedKey | undefined>;
  /** Our own audience; the payload's `aud` must equal it. */
  readonly audience: string;
  /** The current time in epoch seconds (injected clock). */
  readonly now: number;
  /** Replay protection; omit only where a repeat is harmless or checked elsewhere (evidence). */
  readonly replay?: ReplayStore;
  /** `'iat'`: evidence mode, the message is judged as of its own `iat`, so `exp` may have passed. */
  readonly asOf?: 'now' | 'iat';
  /** Longest `exp - iat` accepted: default 600 s; offers up to 90 days (`MAX_WINDOW_SECONDS`). */
  readonly maxWindowSeconds?: number;
  /** Size bound of the compact JWS in characters; default 64 KiB. */
  readonly maxLength?: number;
  /**
   * What `inspectCompact` answered for this same token, when the caller inspected it first: its
   * parse is then not done again. Given for another token, or for a kind or size bound under
   * which that parse would not hold, it is ignored and the token parsed anew.
   */
  readonly inspected?: InspectedJws;
}

/** Options of `inspectCompact`: the same `kind` and `maxLength` as `verifyCompact` takes. */
export type InspectOptions = Pick<VerifyOptions, 'kind' | 'maxLength'>;

/**
 * What `inspectCompact` read from a token whose signature nobody has checked: its header passed
 * the allow-lists and its payload is a JSON object, and that is all. Nothing here is trusted.
 */
export interface InspectedJws {
  readonly header: JwsHeader;
  /** The payload object, *not verified*: its claims may name anyone. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Options of `signCompact`: sign with a libsodium key pair, or with a WebCrypto Ed25519 key. */
export type SignOptions = {
  /** The message kind; the header `typ` becomes `<kind>+jws`. */
  readonly kind: string;
  /** The payload object, with at least `aud`, `iat`, `exp` and `jti`. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Size bound of the resulting token; default 64 KiB, the same bound `verifyCompact` applies. */
  readonly maxLength?: number;
} & (
  | {
      readonly keyPair: Ed25519KeyPair;
      /** Defaults to the key pair's thumbprint; when given it must equal it. */
      readonly kid?: string;
    }
  | {
      /** A WebCrypto Ed25519 private key (e.g. a person's non-extractable signing key). */
      readonly privateKey: CryptoKey;
      /** The thumbprint of the matching public key. */
      readonly kid: string;
    }
);

function fail(code: ProtocolErrorCode, message: string, cause?: unknown): never {
  const error = new ProtocolError(code, message);
  if (cause !== undefined) error.cause = cause;
  throw error;
}

function checkKind(kind: unknown): string {
  if (typeof kind !== 'string' || !KIND_PATTERN.test(kind)) {
    fail('ERR_MESSAGE_KIND_UNKNOWN', 'kind must be a lowercase message kind name');
  }
  return kind;
}

function isKid(value: unknown): value is string {
  // A SHA-256 thumbprint: 32 bytes, canonical base64url, 43 characters.
  if (typeof value !== 'string' || value.length !== 43) return false;
  try {
    base64urlDecode(value);
    return true;
  } catch {
    return false;
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function isEpochSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks the types of the common claims; time relations are checked by the caller. */
function readClaims(payload: Record<string, unknown>): CommonClaims {
  const { aud, iat, exp, jti } = payload;
  if (typeof aud !== 'string' || aud.length === 0 || aud.length > MAX_AUD_LENGTH) {
    fail('ERR_MESSAGE_INVALID', 'aud must be a non-empty string of at most 2048 characters');
  }
  if (!isEpochSeconds(iat)) fail('ERR_MESSAGE_INVALID', 'iat must be an integer number of seconds');
  if (!isEpochSeconds(exp)) fail('ERR_MESSAGE_INVALID', 'exp must be an integer number of seconds');
  // Printable ASCII: every jti SPECS names is a UUID, and the replay store keeps it as text
  // (PostgreSQL refuses U+0000 in text with an error, which must not become a retryable 503).
  if (typeof jti !== 'string' || !jtiPattern.test(jti)) {
    fail(
      'ERR_MESSAGE_INVALID',
      'jti must be 1 to 128 printable ASCII characters without spaces (SPECS: a UUID)',
    );
  }
  if (exp < iat) fail('ERR_MESSAGE_INVALID', 'exp is before iat');
  return { aud, iat, exp, jti };
}

function maxLengthOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isSafeInteger(value) || value <= 0)
    fail('ERR_MESSAGE_TOO_LARGE', 'maxLength must be a positive integer');
  return value;
}

function maxWindowOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_WINDOW_SECONDS;
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_WINDOW_SECONDS) {
    fail('ERR_JWS_WINDOW_TOO_LONG', 'maxWindowSeconds must be an integer from 1 to 90 days');
  }
  return value;
}

/** True for a string of printable ASCII only: a compact JWS never contains anything else. */
function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * base64url SHA-256 over the ASCII bytes of a compact JWS: the `sha256` of log entries, receipts
 * and references between messages (SPECS "Hashes of messages"). Needs `await ready()`.
 *
 * @example
 * ```ts
 * const hash = sha256Of(token); // 43 characters
 * ```
 */
export function sha256Of(token: string): string {
  if (typeof token !== 'string' || token.length === 0 || !isPrintableAscii(token)) {
    fail('ERR_JWS_MALFORMED', 'a compact JWS is printable ASCII');
  }
  return base64urlEncode(sha256(utf8Encode(token)));
}

// Validated keys by object identity. WeakMaps: a key the caller drops is collected with it.
const importedByObject = new WeakMap<object, ImportedPublicKey>();

function importResolvedKey(key: ResolvedKey): ImportedPublicKey {
  const cached = importedByObject.get(key);
  if (cached !== undefined) return cached;
  let imported: ImportedPublicKey;
  if (isImportedKey(key)) {
    imported = key; // validated when importPublicJwk made it
  } else if (key instanceof Uint8Array) {
    if (key.length !== 32) fail('ERR_KEY_INVALID', 'a public key is 32 bytes');
    imported = importPublicJwk(publicJwk(key));
  } else if (
    'publicKey' in key &&
    'kid' in key &&
    'jwk' in key &&
    key.publicKey instanceof Uint8Array
  ) {
    // Came from importPublicJwk already; check anyway that the parts belong together.
    imported = importPublicJwk(key.jwk);
    if (imported.kid !== key.kid) fail('ERR_KEY_INVALID', 'imported key and kid do not match');
  } else {
    imported = importPublicJwk(key);
  }
  importedByObject.set(key, imported);
  return imported;
}

/** The three decoded parts of a compact JWS whose header passed the allow-lists. */
interface ParsedCompact {
  readonly header: JwsHeader;
  readonly payloadBytes: Uint8Array;
  readonly signature: Uint8Array;
  /**
   * Where the signing input (`header.payload`) ends in the token. Only `verifyCompact` makes its
   * bytes, so `inspectCompact` does not copy the whole token for nothing.
   */
  readonly signedLength: number;
}

function parseCompact(token: unknown, maxLength: number, typ: string): ParsedCompact {
  if (typeof token !== 'string') fail('ERR_JWS_MALFORMED', 'a compact JWS is a string');
  if (token.length > maxLength)
    fail('ERR_MESSAGE_TOO_LARGE', `the message exceeds ${maxLength} characters`);
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) {
    fail('ERR_JWS_MALFORMED', 'a compact JWS has exactly three parts');
  }
  if (first === 0 || second === first + 1 || second === token.length - 1) {
    fail('ERR_JWS_MALFORMED', 'no part of a compact JWS may be empty');
  }
  // Canonical base64url in every part before anything is interpreted (SPECS "JWS").
  const headerBytes = base64urlDecode(token.slice(0, first));
  const payloadBytes = base64urlDecode(token.slice(first + 1, second));
  const signature = base64urlDecode(token.slice(second + 1));

  const header = parseJsonObject(headerBytes);
  if (header === undefined) fail('ERR_JWS_HEADER_INVALID', 'the header is not a JSON object');
  for (const name of Object.keys(header)) {
    // jwk, jku, x5u, x5c, crit, b64 and everything else: keys come from the registry, never
    // from the message itself, and no extension is understood.
    if (!ALLOWED_HEADER_MEMBERS.has(name)) {
      fail('ERR_JWS_HEADER_INVALID', `header member "${name.slice(0, 32)}" is not allowed`);
    }
  }
  const { alg, typ: headerTyp, kid } = header;
  if (alg === undefined) fail('ERR_JWS_HEADER_INVALID', 'the header has no alg');
  if (!ALLOWED_ALGS.has(alg)) fail('ERR_JWS_ALG_NOT_ALLOWED', 'alg must be EdDSA or Ed25519');
  if (typeof headerTyp !== 'string') fail('ERR_JWS_HEADER_INVALID', 'the header has no typ');
  if (headerTyp !== typ) fail('ERR_JWS_TYP_MISMATCH', `typ must be ${typ}`);
  if (!isKid(kid)) fail('ERR_JWS_HEADER_INVALID', 'kid must be a base64url SHA-256 thumbprint');

  return {
    // Frozen: the same object is handed to inspectCompact's caller and kept for verifyCompact,
    // which takes the kid and typ from it; a caller's change must not reach the verification.
    header: Object.freeze({ alg: alg as JwsHeader['alg'], typ: headerTyp, kid }),
    payloadBytes,
    signature,
    signedLength: second,
  };
}

/**
 * The payload as a JSON object. `verifyCompact` calls it only on bytes whose signature verified;
 * `inspectCompact` on bytes nobody verified, which is why its answer is marked as such.
 */
function payloadObject(bytes: Uint8Array): Record<string, unknown> {
  const body = parseJsonObject(bytes);
  if (body === undefined) fail('ERR_JWS_MALFORMED', 'the payload is not a JSON object');
  return body;
}

/** Runs `step`, turning anything but a ProtocolError into `code` (fail closed, never leak a TypeError). */
function guarded<T>(code: ProtocolErrorCode, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    return fail(code, 'unexpected failure while checking the message', e);
  }
}

/** `parseCompact` with the caller's `kind` and size bound, as both exports call it. */
function parseFor(token: unknown, options: InspectOptions): ParsedCompact {
  return guarded('ERR_JWS_MALFORMED', () =>
    parseCompact(token, maxLengthOf(options.maxLength), `${checkKind(options.kind)}+jws`),
  );
}

/**
 * The parse behind each answer of `inspectCompact`, for `verifyCompact` to take up instead of
 * parsing the same token again (a server inspects every signed message before its lookups, then
 * verifies it). Held beside the answer, not in it, so the caller sees only header and payload.
 */
const parsesOfInspected = new WeakMap<InspectedJws, { token: string; parsed: ParsedCompact }>();

/**
 * The parse `inspectCompact` kept for `inspected`, when it is a parse of `token` that `parseFor`
 * with `options` would give too: the parse depends on the token, and only the size bound and the
 * `typ` on the options. Otherwise undefined, and the caller parses.
 */
function inspectedParse(
  inspected: InspectedJws | undefined,
  token: string,
  options: VerifyOptions,
): ParsedCompact | undefined {
  if (inspected === undefined) return undefined;
  const kept = parsesOfInspected.get(inspected);
  if (kept === undefined || kept.token !== token) return undefined;
  if (typeof options.kind !== 'string' || kept.parsed.header.typ !== `${options.kind}+jws`) {
    return undefined;
  }
  // A bound maxLengthOf would refuse, or one this token exceeds, is left to parseFor's answer.
  const maxLength = options.maxLength === undefined ? DEFAULT_MAX_TOKEN_LENGTH : options.maxLength;
  if (!Number.isSafeInteger(maxLength) || maxLength <= 0 || token.length > maxLength) {
    return undefined;
  }
  return kept.parsed;
}

/**
 * Everything `verifyCompact` judges from the token alone, with its codes and in its order: size,
 * three parts, canonical base64url, header members and `alg`, `typ`, `kid` form; then the payload,
 * a JSON object (which `verifyCompact` checks only after the signature). It is the same code, so a
 * token refused here is refused there with the same code; a token passed here may still fail
 * there, from the key on.
 *
 * **Nothing returned is verified.** Use it to choose a key or an audience, or to refuse a
 * malformed token before a lookup its claims name (DESIGN section 3, promise 5), never to act on
 * a claim: only `verifyCompact`'s result may be believed. Needs no key and no `await ready()`.
 *
 * @throws ProtocolError `ERR_MESSAGE_KIND_UNKNOWN`, `ERR_MESSAGE_TOO_LARGE`, `ERR_JWS_MALFORMED`,
 *   `ERR_BASE64URL_NONCANONICAL`, `ERR_JWS_HEADER_INVALID`, `ERR_JWS_ALG_NOT_ALLOWED`,
 *   `ERR_JWS_TYP_MISMATCH`.
 * @example
 * ```ts
 * const { header, payload } = inspectCompact(token, { kind: 'grant' });
 * const binding = await bindingOf(payload.iss); // unverified: only to find the key
 * await verifyCompact(token, { kind: 'grant', resolveKey: () => binding?.key, ... });
 * ```
 */
export function inspectCompact(token: string, options: InspectOptions): InspectedJws {
  const parsed = parseFor(token, options);
  const inspected = { header: parsed.header, payload: payloadObject(parsed.payloadBytes) };
  parsesOfInspected.set(inspected, { token, parsed });
  return inspected;
}

/**
 * Verifies a compact JWS and its common claims. Checks, in this order: size, three parts,
 * canonical base64url, header members and `alg`, `typ`, key by `kid`, signature, payload JSON and
 * claim types, `aud`, `iat` not in the future (60 s skew), `exp - iat` within the window, `exp` not
 * passed (skipped with `asOf: 'iat'`), then replay. The kind's own fields are left to its schema.
 *
 * @example
 * ```ts
 * await ready();
 * const { payload, kid, sha256 } = await verifyCompact(token, {
 *   kind: 'grant',
 *   resolveKey: (kid) => keysByKid.get(kid),
 *   audience: 'http://localhost:3000',
 *   now: clock.nowSeconds(), // injected clock
 *   replay: jtiStore,
 * });
 * ```
 */
export async function verifyCompact(token: string, options: VerifyOptions): Promise<VerifiedJws> {
  // The same parse as inspectCompact's, minus the payload: that is read only once verified, from
  // the bytes the signature covers, never taken from the inspected answer (its caller holds that
  // object and may have changed it). A parse inspectCompact already made of this token is reused.
  const parsed = inspectedParse(options.inspected, token, options) ?? parseFor(token, options);
  const kid = parsed.header.kid;

  const resolved = await options.resolveKey(kid);
  if (resolved === undefined || resolved === null)
    fail('ERR_JWS_KID_UNKNOWN', 'no key is known for this kid');

  const key = guarded('ERR_JWS_MALFORMED', () => {
    const imported = importResolvedKey(resolved);
    // The kid is the key's thumbprint by definition; a resolver answering with another key is a
    // bug that must not turn into a signature under the wrong identity.
    if (imported.kid !== kid)
      fail('ERR_JWS_KID_UNKNOWN', 'the resolved key does not have this kid');
    return imported;
  });
  let verified = false;
  try {
    verified =
      parsed.signature.length === 64 &&
      (await (options.verifySignature ?? verifyDetached)(
        parsed.signature,
        // The token is printable ASCII here (canonical base64url and two dots), so its UTF-8
        // bytes are its ASCII bytes.
        utf8Encode(token.slice(0, parsed.signedLength)),
        key.publicKey,
      ));
  } catch (e) {
    fail('ERR_JWS_MALFORMED', 'unexpected failure while checking the message', e);
  }
  if (!verified) fail('ERR_JWS_SIGNATURE_INVALID', 'the signature does not verify');

  const { claims, payload } = guarded('ERR_JWS_MALFORMED', () => {
    const body = payloadObject(parsed.payloadBytes);
    const common = readClaims(body);
    // Each refusal says what was expected (public values only: the audience, the verifier's
    // clock, the window), never the offending value, so a sender can see what to fix.
    if (common.aud !== options.audience) {
      throw new ProtocolError(
        'ERR_JWS_AUD_MISMATCH',
        `the message is addressed to someone else: aud must be ${options.audience}`,
        { expected: options.audience },
      );
    }
    if (!Number.isFinite(options.now))
      fail('ERR_JWS_NOT_YET_VALID', 'now must be a number of seconds');
    if (common.iat > options.now + CLOCK_SKEW_SECONDS) {
      // An iat a thousand times too large was written in milliseconds, the usual slip.
      const milliseconds =
        common.iat > options.now * 100 ? ' (this one looks like milliseconds)' : '';
      throw new ProtocolError(
        'ERR_JWS_NOT_YET_VALID',
        `iat is in the future: it counts seconds since 1970${milliseconds} and may be at most ${CLOCK_SKEW_SECONDS} s ahead of the verifier's clock, now ${options.now}`,
        { now: options.now, skew: CLOCK_SKEW_SECONDS },
      );
    }
    const maxWindow = maxWindowOf(options.maxWindowSeconds);
    if (common.exp - common.iat > maxWindow) {
      throw new ProtocolError(
        'ERR_JWS_WINDOW_TOO_LONG',
        `exp is too far after iat: at most ${maxWindow} s for this message`,
        { maxWindowSeconds: maxWindow },
      );
    }
    if (options.asOf !== 'iat' && options.now > common.exp + CLOCK_SKEW_SECONDS) {
      throw new ProtocolError(
        'ERR_JWS_EXPIRED',
        `the message has expired: its exp lies more than ${CLOCK_SKEW_SECONDS} s before the verifier's clock, now ${options.now}`,
        { now: options.now, skew: CLOCK_SKEW_SECONDS },
      );
    }
    return { claims: common, payload: body };
  });

  if (options.replay !== undefined) {
    const fresh = await options.replay.checkAndRemember(
      kid,
      claims.jti,
      claims.exp + CLOCK_SKEW_SECONDS,
    );
    if (fresh !== true) fail('ERR_JWS_REPLAYED', 'this jti was seen before from this signer');
  }

  // The hash is computed on first read and then kept: it costs as much as a tenth of a
  // verification for a typical grant, and callers that only act on the content (the Assistant
  // opening an offer) never need it.
  let hash: string | undefined;
  return {
    header: parsed.header,
    payload,
    claims,
    kid,
    get sha256(): string {
      hash ??= base64urlEncode(sha256(utf8Encode(token)));
      return hash;
    },
  };
}

// jose key objects per libsodium key pair, so repeated signing imports once.
const signingKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function signingKeyOf(keyPair: Ed25519KeyPair): Promise<CryptoKey> {
  const { privateKey, publicKey } = keyPair;
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 64) {
    fail('ERR_KEY_INVALID', "privateKey must be libsodium's 64-byte Ed25519 secret key");
  }
  // libsodium's secret key ends with its public key; a pair whose halves disagree would sign
  // under a kid that names another key. Checked on every call: the cache is keyed by privateKey.
  if (!(publicKey instanceof Uint8Array) || !bytesEqual(privateKey.subarray(32), publicKey)) {
    fail('ERR_KEY_INVALID', 'publicKey does not belong to privateKey');
  }
  let key = signingKeys.get(privateKey);
  if (key === undefined) {
    const jwk = { ...publicJwk(publicKey), d: base64urlEncode(privateKey.subarray(0, 32)) };
    key = importJWK(jwk, 'EdDSA') as Promise<CryptoKey>;
    signingKeys.set(privateKey, key);
  }
  return key;
}

/**
 * Signs a payload as a compact JWS with header `{alg: "EdDSA", typ: "<kind>+jws", kid}`. The
 * payload must carry the common claims (`aud`, `iat`, `exp`, `jti`) with the types `verifyCompact`
 * demands, and the token must fit the size bound: we never sign what we would refuse.
 *
 * @example
 * ```ts
 * const token = await signCompact({
 *   kind: 'grant',
 *   keyPair: pairwiseKeyPair(master, companyId),
 *   payload: { v: 1, iss, aud: 'http://localhost:3000', iat, exp: iat + 300, jti, ... },
 * });
 * ```
 */
export async function signCompact(options: SignOptions): Promise<string> {
  const typ = `${checkKind(options.kind)}+jws`;
  const payload = options.payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    fail('ERR_MESSAGE_INVALID', 'the payload must be an object');
  }
  readClaims(payload as Record<string, unknown>);
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (e) {
    return fail('ERR_MESSAGE_INVALID', 'the payload is not serialisable as JSON', e);
  }

  let key: CryptoKey;
  let kid: string;
  try {
    if ('keyPair' in options) {
      kid = thumbprint(publicJwk(options.keyPair));
      if (options.kid !== undefined && options.kid !== kid)
        fail('ERR_KEY_INVALID', 'kid is not the thumbprint of keyPair');
      key = await signingKeyOf(options.keyPair);
    } else {
      if (!isKid(options.kid))
        fail('ERR_KEY_INVALID', 'kid must be a base64url SHA-256 thumbprint');
      kid = options.kid;
      key = options.privateKey;
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    return fail('ERR_KEY_INVALID', 'the signing key cannot be used', e);
  }

  let token: string;
  try {
    token = await new CompactSign(utf8Encode(json))
      .setProtectedHeader({ alg: 'EdDSA', typ, kid })
      .sign(key);
  } catch (e) {
    return fail('ERR_KEY_INVALID', 'signing failed: the key is not an Ed25519 private key', e);
  }
  if (token.length > maxLengthOf(options.maxLength)) {
    fail('ERR_MESSAGE_TOO_LARGE', 'the signed message exceeds the size bound');
  }
  return token;
}
