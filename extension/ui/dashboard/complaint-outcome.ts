/**
 * What became of a complaint of the customer's own (`offers.complain`, `relationships.complain`)
 * that the background answered with an error. That answer carries a code alone, and the
 * background gives the same kind of answer whether the complaint failed or only the listing
 * that follows it did (extension/service: the complaint, then the listing). So the view reads
 * the list again and asks what the vault keeps of the complaint: submitted, under way (signed
 * and written before it was sent, extension/core/complaint-outbox), or neither.
 *
 * Under way, the code the outbox kept with it says why (extension/core/clearinghouse-failures
 * `failureOf`): `ERR_CLEARINGHOUSE_UNREACHABLE` for no answer, and also for an answer whose code
 * this version does not know (a gateway's 502, the clearinghouse's own `internal` 500), which the
 * outbox keeps with the answer's HTTP status (`answerStatus`): a gateway's 503 or a 500 is an
 * answer, so "busy"; a gateway's 502 or 504 (it did not reach the clearinghouse) and no status
 * (no answer, or a complaint kept before the status was) read as "not reached". Any other
 * code is the clearinghouse's own answer asking to come back later (429 `ERR_RATE_LIMITED`, 503
 * `ERR_STORAGE_UNAVAILABLE`, 500 `ERR_STORAGE_WRITE_FAILED`): a refusal ends the attempt and
 * leaves nothing under way. None kept: the answer was never written down (the background stopped,
 * or the vault failed after the clearinghouse took it). An answer that said how long to wait (a
 * 429 or 503 `Retry-After`) is kept beside the code as the time the Assistant may send it again
 * (`retryAt`), which the listing carries: {@link retryWaitMinutes} says how long that is from now.
 *
 * Pure: no browser API, no I/O.
 */
import { isProtocolError } from '../../../protocol/errors';
import { t, type Locale, type MessageKey } from '../../../protocol/i18n';

/** The complaint as the listing read again holds it: only what says its state. */
export interface StoredComplaint {
  readonly state: 'draft' | 'submitted' | 'discarded';
  /** Set while it is under way (signed, not answered yet). */
  readonly exp?: number;
  /** Why the last attempt did not go through (the outbox's code), if it says. */
  readonly error?: string;
  /** When the clearinghouse said it may be sent again (epoch seconds), if it said. */
  readonly retryAt?: number;
  /** The HTTP status of the last answer that did not take it (429, 5xx); absent: none came. */
  readonly answerStatus?: number;
}

/**
 * - `duplicate`: refused, one complaint per offer or disclosure (the form stays, saying so);
 * - `submitted`: it went through; only the listing after it failed;
 * - `unreachable`: under way, the clearinghouse gave no answer (the Assistant sends it again);
 * - `busy`: under way, the clearinghouse (or a gateway before it) answered "not now" (429 or
 *   5xx; sent again too);
 * - `underWay`: under way, and what the clearinghouse answered is not known;
 * - `refused`: not submitted, for the reason the error says (the form stays);
 * - `unconfirmed`: the listing could not be read again, so whether it went is not known.
 */
export type ComplaintOutcome =
  'duplicate' | 'submitted' | 'unreachable' | 'busy' | 'underWay' | 'refused' | 'unconfirmed';

/**
 * The outcome of a complaint that failed with `error`, given what the listing read after it
 * holds of it: `stored` (undefined: nothing; null: the listing could not be read again).
 *
 * @example
 * ```ts
 * const underWay = { state: 'draft', exp, error: 'ERR_RATE_LIMITED' } as const;
 * complaintOutcome(new ProtocolError('ERR_RATE_LIMITED', '…'), underWay); // 'busy'
 * complaintOutcome(new ProtocolError('ERR_VAULT_STORAGE_FAILED', '…'), { state: 'submitted' }); // 'submitted'
 * ```
 */
export function complaintOutcome(
  error: unknown,
  stored: StoredComplaint | undefined | null,
): ComplaintOutcome {
  if (isProtocolError(error, 'ERR_COMPLAINT_DUPLICATE')) return 'duplicate';
  if (stored === null) return 'unconfirmed';
  if (stored?.state === 'submitted') return 'submitted';
  if (stored?.state !== 'draft' || stored.exp === undefined) return 'refused';
  return underWayOutcome(stored);
}

/**
 * Why a complaint the vault keeps under way (state `draft` with an `exp`) is not taken yet, by
 * what the outbox kept with it: `unreachable` (no answer), `busy` (an answer, not taking it) or
 * `underWay` (nothing kept says). The complaints list says the same of each complaint under way.
 *
 * @example
 * ```ts
 * underWayOutcome({ state: 'draft', exp, error: 'ERR_CLEARINGHOUSE_UNREACHABLE' }); // 'unreachable'
 * underWayOutcome({ state: 'draft', exp, error: 'ERR_CLEARINGHOUSE_UNREACHABLE', answerStatus: 502 }); // 'busy'
 * ```
 */
export function underWayOutcome(stored: StoredComplaint): 'unreachable' | 'busy' | 'underWay' {
  // The kept code, not the thrown one: that may be the vault's, failing after the answer came.
  if (stored.error === undefined) return 'underWay';
  // An answer that named a wait (a gateway's 503 read as no answer included): the resend waits
  // for it, so "sent with the next check" would not be true.
  if (stored.retryAt !== undefined) return 'busy';
  if (stored.error !== 'ERR_CLEARINGHOUSE_UNREACHABLE') return 'busy';
  // A gateway's 503 (or a 500 whose code this version does not know) is an answer: "not now".
  // A gateway's 502 or 504 says it could not reach the clearinghouse, or got no answer in time:
  // not reached, as far as the Assistant can tell (the resend is the same token either way).
  return stored.answerStatus === undefined || gatewayNoAnswer.has(stored.answerStatus)
    ? 'unreachable'
    : 'busy';
}

/** A gateway's statuses for "the server behind me did not answer" (RFC 9110 §15.6.3, §15.6.5). */
const gatewayNoAnswer = new Set([502, 504]);

/** The catalog texts a view says a complaint under way with (see {@link underWayText}). */
export interface UnderWayTexts {
  readonly unreachable: MessageKey;
  readonly underWay: MessageKey;
  readonly busy: MessageKey;
  /** Busy with the minutes left of the wait the answer named (`{count}`). */
  readonly busyWait: MessageKey;
}

/**
 * What a view says, in `locale`, of a complaint the vault keeps under way: not reached, not
 * answered yet, or answered "not now" with the minutes left at `nowMs` (the listing's time) of
 * the wait the answer named; in the view's own `texts`.
 *
 * @example
 * ```ts
 * underWayText('en', { state: 'draft', exp, error: 'ERR_RATE_LIMITED', answerStatus: 429 }, now, texts);
 * ```
 */
export function underWayText(
  locale: Locale,
  stored: StoredComplaint,
  nowMs: number,
  texts: UnderWayTexts,
): string {
  const outcome = underWayOutcome(stored);
  if (outcome !== 'busy') return t(locale, texts[outcome]);
  const wait = retryWaitMinutes(stored, nowMs);
  return wait === undefined ? t(locale, texts.busy) : t(locale, texts.busyWait, { count: wait });
}

/**
 * How many minutes (whole, rounded up) are left at `nowMs` of the wait the clearinghouse asked
 * for before the complaint is sent again; undefined when it named none or the time has passed.
 *
 * @example
 * ```ts
 * retryWaitMinutes({ state: 'draft', exp, retryAt: 1_800_000_120 }, 1_800_000_000_000); // 2
 * retryWaitMinutes({ state: 'draft', exp }, 1_800_000_000_000); // undefined
 * ```
 */
export function retryWaitMinutes(
  stored: StoredComplaint | undefined | null,
  nowMs: number,
): number | undefined {
  if (stored?.retryAt === undefined) return undefined;
  const left = stored.retryAt * 1000 - nowMs;
  return left > 0 ? Math.ceil(left / 60_000) : undefined;
}

/**
 * The outcome of a complaint that failed with `error`, and the minutes left of a wait it named:
 * `reread` reads the listing again and returns what it holds of the complaint and its `now`
 * (epoch ms); a `reread` that fails makes the outcome `unconfirmed`.
 *
 * @example
 * ```ts
 * const { outcome, wait } = await failedComplaint(e, async () => {
 *   listing = await send({ type: 'offers.list', markSeen: false });
 *   return { stored: complaintAbout(id), nowMs: listing.now };
 * });
 * ```
 */
export async function failedComplaint(
  error: unknown,
  reread: () => Promise<{ stored: StoredComplaint | undefined; nowMs: number }>,
): Promise<{ outcome: ComplaintOutcome; wait: number | undefined }> {
  let stored: StoredComplaint | undefined | null;
  let nowMs = 0;
  try {
    ({ stored, nowMs } = await reread());
  } catch {
    // The listing as it was: what became of the complaint is not known.
    stored = null;
  }
  return { outcome: complaintOutcome(error, stored), wait: retryWaitMinutes(stored, nowMs) };
}
