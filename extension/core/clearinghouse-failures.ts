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

/**
 * The detail of a failure that came as an answer: its HTTP status (`status`; a gateway's page
 * too, so it is not told from no answer by its code alone), and how long it asked to wait
 * (`retryAfter`, from `ApiProblem.retryAfter`) when it said.
 */
function answerDetail(e: unknown): { status: number; retryAfter?: number } | undefined {
  if (!(e instanceof ApiProblem)) return undefined;
  return e.retryAfter === undefined
    ? { status: e.status }
    : { status: e.status, retryAfter: e.retryAfter };
}

/** `e` as `ERR_CLEARINGHOUSE_UNREACHABLE`, unless it is a protocol error already. */
function unreachable(e: unknown): ProtocolError {
  if (isProtocolError(e)) return e;
  const error = new ProtocolError(
    'ERR_CLEARINGHOUSE_UNREACHABLE',
    e instanceof ApiProblem ? e.message : 'the clearinghouse did not answer',
    // A gateway's 5xx is an answer all the same, and its 503 may say when to come back.
    answerDetail(e),
  );
  error.cause = e;
  return error;
}

/**
 * The clearinghouse's answer as a protocol error, with its own code where it is one of ours;
 * anything else (no answer, a code this version does not know) is `ERR_CLEARINGHOUSE_UNREACHABLE`.
 * An answer keeps its HTTP status in the error's `detail.status` (read with
 * {@link answerStatusOf}): a gateway's 502 is `ERR_CLEARINGHOUSE_UNREACHABLE` with a status, no
 * answer at all is without one. An answer that said how long to wait (a 429 or 503's
 * `Retry-After`) keeps it in `detail.retryAfter` (seconds; read with {@link retryAfterOf}).
 *
 * @example
 * ```ts
 * failureOf(new TypeError('fetch failed')).code; // 'ERR_CLEARINGHOUSE_UNREACHABLE'
 * failureOf(new ApiProblem(422, { code: 'ERR_EVIDENCE_INVALID' })).code; // 'ERR_EVIDENCE_INVALID'
 * failureOf(new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }, '45')).detail; // { status: 429, retryAfter: 45 }
 * failureOf(new ApiProblem(502, {})).detail; // { status: 502 }, code ERR_CLEARINGHOUSE_UNREACHABLE
 * ```
 */
export function failureOf(e: unknown): ProtocolError {
  return e instanceof ApiProblem && (protocolErrorCodes as readonly string[]).includes(e.code)
    ? new ProtocolError(e.code as ProtocolErrorCode, e.message, answerDetail(e))
    : unreachable(e);
}

/**
 * The HTTP status of the answer a failure from {@link failureOf} came as (400–599); undefined
 * when there was no answer (the request failed, timed out) or the failure is not one of an
 * answer.
 *
 * @example
 * ```ts
 * answerStatusOf(failureOf(new ApiProblem(502, {}))); // 502
 * answerStatusOf(failureOf(new TypeError('fetch failed'))); // undefined
 * ```
 */
export function answerStatusOf(failure: ProtocolError): number | undefined {
  const status = failure.detail?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : undefined;
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
