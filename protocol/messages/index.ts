/**
 * One valibot schema per message kind of DESIGN section 5; parsing is validation, and the types
 * are inferred from the schemas, so a payload that type-checks is one that parsed.
 *
 * Every function here fails closed with a `ProtocolError` and never throws anything else, for
 * any input: `ERR_MESSAGE_KIND_UNKNOWN`, `ERR_MESSAGE_TOO_LARGE` or `ERR_MESSAGE_INVALID` (whose
 * `detail.issues` lists the failing paths, never the offending values).
 *
 * @example
 * ```ts
 * import { parseJsonMessage } from './messages';
 * const grant = parseJsonMessage('grant', payloadText); // GrantPayload
 * grant.scopes[0].purpose;
 * ```
 */
import * as v from 'valibot';
import { ProtocolError } from '../errors';
import { company, companyKey } from './company';
import { grant, grantRequest, refusal, revocation, revocationAck } from './consent';
import { complaintDecision, suspension } from './oversight';
import { access, correction, disclosure, offer, offerContent, reward } from './relay';
import { request } from './request';
import { blacklist, complaint, dataRequest, dataRequestAnswer } from './rights';
import { limits } from './primitives';

export * from './primitives';
export { PROTOCOL_VERSION, clearinghouseAudience } from './claims';

/**
 * Raised whenever a message kind's schema starts to accept what it refused before, within the
 * same `v` (2: a `data-request-answer` that erased in part names what it kept, `retained`). A
 * reader that kept a message as invalid for its shape (`ERR_MESSAGE_INVALID`) under a lower
 * revision checks it again once: an Assistant that met a newer company's message before its own
 * update must not keep calling it invalid after it (extension/core/disclosures `toOpenAgain`).
 */
export const messageSchemaRevision = 2;
export { blacklistReasons, complaintReasons, evidenceKinds, maxComplaintLength } from './rights';
export { correctionContent, offerCategory, rewardContent } from './relay';

/** Every message kind; `typ` in the JWS header is `<kind>+jws`. */
export const messageKinds = [
  'company',
  'company-key',
  'grant-request',
  'grant',
  'refusal',
  'revocation',
  'revocation-ack',
  'offer',
  'offer-content',
  'disclosure',
  'access',
  'correction',
  'complaint',
  'blacklist',
  'data-request',
  'data-request-answer',
  'reward',
  'complaint-decision',
  'suspension',
  'request',
] as const;
export type MessageKind = (typeof messageKinds)[number];

/** The schema of each kind. */
export const schemas = {
  company,
  'company-key': companyKey,
  'grant-request': grantRequest,
  grant,
  refusal,
  revocation,
  'revocation-ack': revocationAck,
  offer,
  'offer-content': offerContent,
  disclosure,
  access,
  correction,
  complaint,
  blacklist,
  'data-request': dataRequest,
  'data-request-answer': dataRequestAnswer,
  reward,
  'complaint-decision': complaintDecision,
  suspension,
  request,
} as const satisfies Record<MessageKind, v.GenericSchema>;

/** The payload type of `kind`. */
export type Payload<K extends MessageKind> = v.InferOutput<(typeof schemas)[K]>;
/** Any payload, tagged by nothing but its schema: use `parseMessage` to get a specific one. */
export type AnyPayload = Payload<MessageKind>;

export type CompanyPayload = Payload<'company'>;
export type CompanyKeyPayload = Payload<'company-key'>;
export type GrantRequestPayload = Payload<'grant-request'>;
export type GrantPayload = Payload<'grant'>;
export type RefusalPayload = Payload<'refusal'>;
export type RevocationPayload = Payload<'revocation'>;
export type RevocationAckPayload = Payload<'revocation-ack'>;
export type OfferPayload = Payload<'offer'>;
export type OfferContentPayload = Payload<'offer-content'>;
export type DisclosurePayload = Payload<'disclosure'>;
export type AccessPayload = Payload<'access'>;
export type CorrectionPayload = Payload<'correction'>;
export type ComplaintPayload = Payload<'complaint'>;
export type BlacklistPayload = Payload<'blacklist'>;
export type DataRequestPayload = Payload<'data-request'>;
export type DataRequestAnswerPayload = Payload<'data-request-answer'>;
export type RewardPayload = Payload<'reward'>;
export type ComplaintDecisionPayload = Payload<'complaint-decision'>;
export type SuspensionPayload = Payload<'suspension'>;
export type RequestPayload = Payload<'request'>;

/** The most issue paths reported; the rest would only help someone probing the schema. */
const MAX_REPORTED_ISSUES = 10;

/**
 * True when `kind` names a message kind. Own-property check, so `'__proto__'` or `'toString'`
 * are not kinds.
 *
 * @example
 * ```ts
 * isMessageKind('grant'); // true
 * ```
 */
export function isMessageKind(kind: unknown): kind is MessageKind {
  return typeof kind === 'string' && (messageKinds as readonly string[]).includes(kind);
}

/**
 * Validates `value` as a payload of `kind` and returns it typed. The result is a fresh object:
 * unknown members were refused, so nothing the sender added survives.
 *
 * @throws ProtocolError `ERR_MESSAGE_KIND_UNKNOWN` for an unknown kind, `ERR_MESSAGE_INVALID`
 *   with `detail.issues` (dot paths, `$` for the root) when the value does not fit.
 * @example
 * ```ts
 * const refusal = parseMessage('refusal', JSON.parse(text));
 * refusal.requestSha256;
 * ```
 */
export function parseMessage<K extends MessageKind>(kind: K, value: unknown): Payload<K> {
  if (!isMessageKind(kind)) {
    throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown message kind', {
      kind: describeKind(kind),
    });
  }
  const schema: v.GenericSchema = schemas[kind];
  let result: v.SafeParseResult<v.GenericSchema>;
  try {
    result = v.safeParse(schema, value);
  } catch (_e) {
    // Only exotic inputs get here (a Proxy or getter that throws, a stack overflow):
    // they are invalid messages, not crashes.
    throw new ProtocolError('ERR_MESSAGE_INVALID', `Invalid ${kind} message`, {
      kind,
      issues: ['$'],
    });
  }
  if (!result.success) {
    const issues = result.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((issue) => v.getDotPath(issue) ?? '$');
    throw new ProtocolError('ERR_MESSAGE_INVALID', `Invalid ${kind} message`, {
      kind,
      issues: [...new Set(issues)],
    });
  }
  return result.output as Payload<K>;
}

/**
 * Parses JSON text (a JWS payload, a request body) as a payload of `kind`. The size is bounded
 * before parsing (`limits.jsonBytes`, 64 KiB of UTF-8), and a JSON syntax error is an invalid
 * message like any other.
 *
 * @throws ProtocolError `ERR_MESSAGE_TOO_LARGE`, `ERR_MESSAGE_KIND_UNKNOWN`, `ERR_MESSAGE_INVALID`.
 * @example
 * ```ts
 * const payload = parseJsonMessage('grant', new TextDecoder().decode(bytes));
 * ```
 */
export function parseJsonMessage<K extends MessageKind>(kind: K, text: string): Payload<K> {
  if (!isMessageKind(kind)) {
    throw new ProtocolError('ERR_MESSAGE_KIND_UNKNOWN', 'Unknown message kind', {
      kind: describeKind(kind),
    });
  }
  if (typeof text !== 'string') {
    throw new ProtocolError('ERR_MESSAGE_INVALID', `Invalid ${kind} message`, {
      kind,
      issues: ['$'],
    });
  }
  if (exceedsUtf8Bytes(text, limits.jsonBytes)) {
    throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', `The ${kind} message is too large`, {
      kind,
      limit: limits.jsonBytes,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (_e) {
    throw new ProtocolError('ERR_MESSAGE_INVALID', `Invalid ${kind} message: not JSON`, {
      kind,
      issues: ['$'],
    });
  }
  return parseMessage(kind, value);
}

/** A safe rendering of an unknown kind for error detail (bounded, never an object). */
function describeKind(kind: unknown): string {
  return typeof kind === 'string' ? kind.slice(0, 64) : typeof kind;
}

/**
 * True when the UTF-8 encoding of `text` is longer than `limit` bytes, without encoding it.
 * Lone surrogates count 3 bytes, as `TextEncoder` would write U+FFFD for them.
 */
export function exceedsUtf8Bytes(text: string, limit: number): boolean {
  if (text.length > limit) return true; // every UTF-16 unit is at least one byte
  if (text.length * 3 <= limit) return false; // and at most three
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
