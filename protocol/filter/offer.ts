/**
 * Opening an offer as the Assistant receives it (SPECS "JWS", DESIGN promise 4): the outer JWS
 * from the relay, the sealed box inside it, the company's signed `offer-content` inside that.
 *
 * The inner JWS is always verified (`openMessage`, replay-checked when a store is given): it is
 * what the customer reads and what a complaint cites. The outer JWS repeats the routing fields
 * (issuer, pseudonym, grant, purpose, channel, validity); while they agree with the verified
 * inner ones, its signature adds nothing the inner one does not already prove, so it is verified
 * only when they disagree, which is exactly when the outer becomes evidence of a mismatch. That
 * keeps opening an offer to one signature check and one sealed-box open (the bar of DESIGN
 * section 9). An outer that disagrees and does not verify was altered after the company signed
 * it: the error is thrown, nothing is blamed on the company.
 *
 * @example
 * ```ts
 * const opened = await openOffer(outerToken, pairwiseKeys, {
 *   resolveKey: registry.keyOf(companyId), now, replay,
 * });
 * const decision = decide(filter, opened.offer, now);
 * ```
 */
import { base64urlDecode, utf8Decode } from '../encoding';
import { ProtocolError } from '../errors';
import type { VerifyOptions } from '../jws';
import { MAX_WINDOW_SECONDS } from '../jws';
import type { Ed25519KeyPair } from '../keys';
import type { OfferContentPayload, OfferPayload } from '../messages';
import { openSealed } from '../seal';
import { openMessage } from '../signed';
import type { FilterOffer } from './engine';

/** Verification options for both JWS of an offer; `kind` and `audience` are set here. */
export type OpenOfferOptions = Omit<VerifyOptions, 'kind' | 'audience' | 'maxWindowSeconds'> & {
  /** The pseudonym the offer must be addressed to; default the outer's `aud` (checked by the seal). */
  readonly audience?: string;
};

/** An opened offer: the parts, the evidence, and the engine's input. */
export interface OpenedOffer {
  /** The outer's routing fields; verified and fully parsed only when `outerVerified`. */
  readonly outer: OuterFields;
  readonly inner: OfferContentPayload;
  /** The inner compact JWS (evidence for a complaint). */
  readonly innerToken: string;
  /** SHA-256 of the inner JWS (base64url), computed on first read (complaints cite it). */
  readonly innerSha256: string;
  /** True when the outer signature was checked (only when outer and inner disagree). */
  readonly outerVerified: boolean;
  /** Ready for `decide`. */
  readonly offer: FilterOffer;
}

/** Bound on the outer token, in characters: the largest sealed box plus headroom. */
const MAX_OUTER_LENGTH = 1024 * 1024;

/** The outer fields the Assistant reads before anything is verified. */
type OuterFields = Pick<
  OfferPayload,
  'iss' | 'aud' | 'iat' | 'jti' | 'grantSha256' | 'purpose' | 'channel' | 'validUntil' | 'sealed'
>;

const stringFields = ['iss', 'aud', 'jti', 'grantSha256', 'purpose', 'channel', 'sealed'] as const;

/**
 * Reads the outer payload *without* the full schema: each field is only compared with the
 * verified inner one (then the inner's schema has checked the value) or, on a mismatch, the whole
 * outer is verified and parsed by `openMessage`. Types and sizes are still checked, so nothing
 * unbounded reaches the comparison or the box opener.
 */
function decodeOuter(token: string): OuterFields {
  if (typeof token !== 'string' || token.length > MAX_OUTER_LENGTH) {
    throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'the offer is too large');
  }
  // Only the payload is read here: no split into three strings, the signature is never touched.
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) {
    throw new ProtocolError('ERR_JWS_MALFORMED', 'not a compact JWS');
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(base64urlDecode(token.slice(first + 1, second))));
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('ERR_JWS_MALFORMED', 'the offer payload is not JSON');
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const bad: string[] = [];
  for (const f of stringFields) {
    const value = o[f];
    if (typeof value !== 'string' || value.length === 0 || (f !== 'sealed' && value.length > 200)) {
      bad.push(f);
    }
  }
  for (const f of ['iat', 'validUntil'] as const) {
    if (!Number.isSafeInteger(o[f]) || (o[f] as number) < 0) bad.push(f);
  }
  if (bad.length > 0) {
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'the offer is not valid', { issues: bad });
  }
  return o as unknown as OuterFields;
}

function agree(outer: OuterFields, inner: OfferContentPayload): boolean {
  return (
    outer.iss === inner.iss &&
    outer.aud === inner.aud &&
    outer.grantSha256 === inner.grantSha256 &&
    outer.purpose === inner.purpose &&
    outer.channel === inner.channel &&
    outer.validUntil === inner.validUntil
  );
}

/**
 * Opens, verifies and prepares one offer for the engine.
 *
 * @throws ProtocolError from parsing the outer (`ERR_JWS_MALFORMED`, `ERR_MESSAGE_INVALID`),
 *   opening the box (`ERR_SEAL_OPEN_FAILED`), verifying the inner (`ERR_JWS_*`,
 *   `ERR_MESSAGE_INVALID`) and, when the parts disagree, verifying the outer.
 * @example
 * ```ts
 * const { offer, innerToken } = await openOffer(token, keys, { resolveKey, now });
 * ```
 */
export async function openOffer(
  outerToken: string,
  recipient: Ed25519KeyPair,
  options: OpenOfferOptions,
): Promise<OpenedOffer> {
  const outer = decodeOuter(outerToken);
  const audience = options.audience ?? outer.aud;
  const plaintext = openSealed(base64urlDecode(outer.sealed), recipient);
  let innerToken: string;
  try {
    innerToken = utf8Decode(plaintext);
  } catch {
    throw new ProtocolError('ERR_SEAL_CONTENT_INVALID', 'the sealed offer is not text');
  }
  const verify = { ...options, audience, maxWindowSeconds: MAX_WINDOW_SECONDS };
  const inner = await openMessage('offer-content', innerToken, verify);
  let outerVerified = false;
  if (!agree(outer, inner.payload)) {
    // Evidence needs the company's own signature on the disagreeing envelope.
    await openMessage('offer', outerToken, { ...verify, replay: undefined, asOf: 'iat' });
    outerVerified = true;
  }
  const c = inner.payload;
  return {
    outer,
    inner: c,
    innerToken,
    // Lazy: hashing the token costs as much as a tenth of the whole open, and most offers are
    // never cited.
    get innerSha256() {
      return inner.sha256;
    },
    outerVerified,
    offer: {
      id: outer.jti,
      outer: {
        iss: outer.iss,
        aud: outer.aud,
        iat: outer.iat,
        grantSha256: outer.grantSha256,
        purpose: outer.purpose,
        channel: outer.channel,
        validUntil: outer.validUntil,
      },
      inner: {
        iss: c.iss,
        aud: c.aud,
        grantSha256: c.grantSha256,
        purpose: c.purpose,
        channel: c.channel,
        brand: c.brand,
        category: c.category,
        validUntil: c.validUntil,
        advertisement: c.advertisement,
        unsubscribe: c.unsubscribe,
      },
    },
  };
}
