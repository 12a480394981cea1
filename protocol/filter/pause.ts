/**
 * Pausing a company (a cool-down, requirements.md points 2 and 3): the customer asks the Assistant
 * to hide a company's offers until a given instant, after which they flow again by themselves, a
 * refusal with "a controlled reactivation later". The blacklist has no end, so the pause is its
 * own record beside it; the decision engine drops a paused company's offers with the reason
 * `paused` (not a hold: a break is not a delay, and a pile of held offers delivered at its end
 * would defeat it; the customer may still look at each with "show anyway").
 *
 * The same record remembers when the customer last *answered* a suggestion about a company
 * (paused, refused or dismissed it): {@link suggestImplicitNegatives} then counts only offers
 * delivered after that, so a dismissed suggestion stays away until new evidence builds up.
 *
 * Pure: the time is an argument (epoch seconds); every function returns a new record.
 *
 * @example
 * ```ts
 * let state = parseCompanyPauses(await store.get('profile', 'company-pauses'));
 * state = pauseCompany(state, 'co_…', 30, now);
 * compileFilter({ ...input, pauses: activePauses(state, now) });
 * ```
 */
import * as v from 'valibot';
import { ProtocolError } from '../errors';
import { companyId, epochSeconds } from '../messages/primitives';

/** Bounds of the record, written down once. */
export const pauseLimits = {
  /** Companies paused or answered at once (as many as the profile's company preferences). */
  companies: 5_000,
  /** The longest pause: a year (longer is a refusal, which the customer can also choose). */
  maxDays: 365,
} as const;

const DAY = 86_400;

/** One company's pause: offers are dropped from `from` until just before `until`. */
export const companyPause = v.pipe(
  v.strictObject({ company: companyId, from: epochSeconds, until: epochSeconds }),
  v.check((p) => p.until > p.from, 'a pause must end after it starts'),
);

/** The customer's last answer to a suggestion about one company. */
export const suggestionAnswer = v.strictObject({
  company: companyId,
  answer: v.picklist(['paused', 'refused', 'dismissed']),
  at: epochSeconds,
});

function distinctCompanies(items: readonly { company: string }[]): boolean {
  return new Set(items.map((i) => i.company)).size === items.length;
}

/** The vault record: pauses (at most one per company) and answers (the last per company). */
export const companyPauses = v.strictObject({
  v: v.literal(1),
  pauses: v.pipe(
    v.array(companyPause),
    v.maxLength(pauseLimits.companies),
    v.check((items) => distinctCompanies(items), 'one pause per company'),
  ),
  answers: v.pipe(
    v.array(suggestionAnswer),
    v.maxLength(pauseLimits.companies),
    v.check((items) => distinctCompanies(items), 'one answer per company'),
  ),
});

export type CompanyPause = v.InferOutput<typeof companyPause>;
export type SuggestionAnswer = v.InferOutput<typeof suggestionAnswer>;
export type CompanyPauses = v.InferOutput<typeof companyPauses>;

/** The record of an Assistant that never paused anyone. */
export const noPauses: CompanyPauses = Object.freeze({
  v: 1,
  pauses: [],
  answers: [],
}) as CompanyPauses;

/**
 * Parses the stored record (absent: {@link noPauses}).
 *
 * @throws ProtocolError `ERR_PROFILE_INVALID` for anything else.
 * @example
 * ```ts
 * parseCompanyPauses(undefined).pauses; // []
 * ```
 */
export function parseCompanyPauses(value: unknown): CompanyPauses {
  if (value === undefined) return noPauses;
  const result = v.safeParse(companyPauses, value);
  if (!result.success)
    throw new ProtocolError('ERR_PROFILE_INVALID', 'the company pauses are not valid', {
      path: 'pauses',
    });
  return result.output;
}

function validCompany(company: string): void {
  if (!v.is(companyId, company))
    throw new ProtocolError('ERR_PROFILE_INVALID', 'not a company id', { path: 'company' });
}

function validAt(at: number): void {
  if (!v.is(epochSeconds, at))
    throw new ProtocolError('ERR_PROFILE_INVALID', 'not a time in seconds', { path: 'at' });
}

function answered(
  state: CompanyPauses,
  company: string,
  answer: SuggestionAnswer['answer'],
  at: number,
): CompanyPauses['answers'] {
  const rest = state.answers.filter((a) => a.company !== company);
  if (rest.length >= pauseLimits.companies) rest.sort((a, b) => b.at - a.at).pop();
  return [...rest, { company, answer, at }];
}

/** Pauses that have ended are forgotten on every change (they no longer do anything). */
function running(state: CompanyPauses, at: number): CompanyPause[] {
  return state.pauses.filter((p) => p.until > at);
}

/**
 * Pauses `company` for `days` whole days from `at` (a running pause is replaced), and records
 * the answer, so the suggestion that led here does not come back from the same evidence.
 *
 * @throws ProtocolError `ERR_PROFILE_INVALID` (path `days`, `company` or `at`) for bad input, or
 *   (path `pauses`) when {@link pauseLimits}.companies are paused already.
 * @example
 * ```ts
 * pauseCompany(noPauses, 'co_…', 30, now).pauses; // [{ company: 'co_…', from: now, until: now + 30 * 86400 }]
 * ```
 */
export function pauseCompany(
  state: CompanyPauses,
  company: string,
  days: number,
  at: number,
): CompanyPauses {
  validCompany(company);
  validAt(at);
  if (!Number.isSafeInteger(days) || days < 1 || days > pauseLimits.maxDays)
    throw new ProtocolError('ERR_PROFILE_INVALID', 'a pause lasts 1 to 365 days', {
      path: 'days',
    });
  const others = running(state, at).filter((p) => p.company !== company);
  if (others.length >= pauseLimits.companies)
    throw new ProtocolError('ERR_PROFILE_INVALID', 'too many companies are paused', {
      path: 'pauses',
    });
  return {
    v: 1,
    pauses: [...others, { company, from: at, until: at + days * DAY }],
    answers: answered(state, company, 'paused', at),
  };
}

/**
 * Ends a company's pause now (the customer cancelled it). Nothing paused: unchanged.
 *
 * @example
 * ```ts
 * resumeCompany(state, 'co_…', now).pauses.some((p) => p.company === 'co_…'); // false
 * ```
 */
export function resumeCompany(state: CompanyPauses, company: string, at: number): CompanyPauses {
  validCompany(company);
  validAt(at);
  return { ...state, pauses: running(state, at).filter((p) => p.company !== company) };
}

/**
 * Records that the customer answered a suggestion about `company` without pausing it: they
 * refused (revoked the grant) or dismissed it ("keep receiving").
 *
 * @example
 * ```ts
 * answerSuggestion(state, 'co_…', 'dismissed', now);
 * ```
 */
export function answerSuggestion(
  state: CompanyPauses,
  company: string,
  answer: 'refused' | 'dismissed',
  at: number,
): CompanyPauses {
  validCompany(company);
  validAt(at);
  return { v: 1, pauses: running(state, at), answers: answered(state, company, answer, at) };
}

/**
 * The pauses in force at `at`, for the engine and the offers view. A pause ends by itself: from
 * its `until` on it is not listed.
 *
 * @example
 * ```ts
 * compileFilter({ ...input, pauses: activePauses(state, now) });
 * ```
 */
export function activePauses(state: CompanyPauses, at: number): CompanyPause[] {
  return running(state, at).sort((a, b) => a.until - b.until);
}
