/**
 * How the Assistant tells a clearinghouse that did not answer from one that refused (the inbox's
 * sync, extension/core/offers, and the complaints it sends, extension/core/complaint-outbox): a
 * request without an answer may be sent again as it is; a refusal ends the attempt.
 *
 * Pure: it classifies errors the ports threw (STYLE habit 2).
 */
import { ApiProblem } from '../../protocol/client';
import {
  isProtocolError,
  ProtocolError,
  protocolErrorCodes,
  type ProtocolErrorCode,
} from '../../protocol/errors';

/**
 * A failure to reach the clearinghouse at all (no answer), as opposed to an answer refusing.
 *
 * @example
 * ```ts
 * isNetworkFailure(new TypeError('fetch failed')); // true
 * isNetworkFailure(new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' })); // false
 * ```
 */
export function isNetworkFailure(e: unknown): boolean {
  return !(e instanceof ApiProblem) && !isProtocolError(e);
}

/**
 * A refusal is a 4xx answer that waiting cannot change (408 and 429 ask to come back later).
 *
 * @example
 * ```ts
 * isRefusal(new ApiProblem(409, { code: 'ERR_COMPLAINT_DUPLICATE' })); // true
 * isRefusal(new ApiProblem(429, { code: 'ERR_RATE_LIMITED' })); // false
 * ```
 */
export function isRefusal(e: unknown): e is ApiProblem {
  return (
    e instanceof ApiProblem && e.status >= 400 && e.status < 500 && ![408, 429].includes(e.status)
  );
}

/** `e` as `ERR_CLEARINGHOUSE_UNREACHABLE`, unless it is a protocol error already. */
function unreachable(e: unknown): ProtocolError {
  if (isProtocolError(e)) return e;
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    e instanceof ApiProblem ? e.message : 'the clearinghouse did not answer',
  );
  error.cause = e;
  return error;
}

/**
 * The clearinghouse's answer as a protocol error, with its own code where it is one of ours;
 * anything else (no answer, a code this version does not know) is `ERR_CLEARINGHOUSE_UNREACHABLE`.
 *
 * @example
 * ```ts
 * failureOf(new TypeError('fetch failed')).code; // 'ERR_CLEARINGHOUSE_UNREACHABLE'
 * failureOf(new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' })).code; // 'ERR_EVIDENCE_INVALID'
 * ```
 */
export function failureOf(e: unknown): ProtocolError {
  return e instanceof ApiProblem && (protocolErrorCodes as readonly string[]).includes(e.code)
    ? new ProtocolError(e.code as ProtocolErrorCode, e.message)
    : unreachable(e);
}
