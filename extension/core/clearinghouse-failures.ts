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

/** The detail of a failure whose answer said how long to wait (`ApiProblem.retryAfter`). */
function retryDetail(e: unknown): { retryAfter: number } | undefined {
  return e instanceof ApiProblem && e.retryAfter !== undefined
    ? { retryAfter: e.retryAfter }
    : undefined;
}

/** `e` as `ERR_CLEARINGHOUSE_UNREACHABLE`, unless it is a protocol error already. */
function unreachable(e: unknown): ProtocolError {
  if (isProtocolError(e)) return e;
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    e instanceof ApiProblem ? e.message : 'the clearinghouse did not answer',
    // A gateway's 503 may say when to come back too.
    retryDetail(e),
  );
  error.cause = e;
  return error;
}

/**
 * The clearinghouse's answer as a protocol error, with its own code where it is one of ours;
 * anything else (no answer, a code this version does not know) is `ERR_CLEARINGHOUSE_UNREACHABLE`.
 * An answer that said how long to wait (a 429 or 503's `Retry-After`) keeps it in the error's
 * `detail.retryAfter` (seconds; read with {@link retryAfterOf}).
 *
 * @example
 * ```ts
 * failureOf(new TypeError('fetch failed')).code; // 'ERR_CLEARINGHOUSE_UNREACHABLE'
 * failureOf(new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' })).code; // 'ERR_EVIDENCE_INVALID'
 * failureOf(new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }, '45')).detail; // { retryAfter: 45 }
 * ```
 */
export function failureOf(e: unknown): ProtocolError {
  return e instanceof ApiProblem && (protocolErrorCodes as readonly string[]).includes(e.code)
    ? new ProtocolError(e.code as ProtocolErrorCode, e.message, retryDetail(e))
    : unreachable(e);
}

/**
 * The seconds a failure from {@link failureOf} asks to wait before the next try; undefined when
 * the answer did not say (or there was none).
 *
 * @example
 * ```ts
 * retryAfterOf(failureOf(new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }, '45'))); // 45
 * retryAfterOf(failureOf(new TypeError('fetch failed'))); // undefined
 * ```
 */
export function retryAfterOf(failure: ProtocolError): number | undefined {
  const seconds = failure.detail?.retryAfter;
  return typeof seconds === 'number' ? seconds : undefined;
}
