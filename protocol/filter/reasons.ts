/**
 * Every reason a decision can carry: a stable id (the extension stores it, the catalog renders
 * it), which way it pushes (`deliver`, `hold`, `drop`) and whether it is a *violation*, i.e.
 * evidence that the company broke the rules, which the extension turns into a complaint draft.
 *
 * The order of {@link reasonIds} is the order of the rules in issue 8: grant coverage and outer
 * /inner consistency; blacklist; the customer's channel, purpose and category settings; quiet
 * hours and windows; contact caps; advertisement label and unsubscribe route; relevance.
 *
 * @example
 * ```ts
 * reasonRules.grant_not_covered.violation; // true
 * ```
 */
import type { CoverageRule } from '../grants';

export const reasonIds = [
  // 1. signature, seal, grant coverage, outer/inner consistency
  'outer_inner_mismatch',
  'company_suspended',
  'grant_missing',
  'grant_not_covered',
  'grant_ended',
  'offer_expired',
  'grant_covers',
  // 2. blacklist, and the customer's pause of the company (a blacklist entry with an end)
  'blacklisted_company',
  'blacklisted_brand',
  'paused',
  // 3. the customer's settings
  'channel_not_allowed',
  'purpose_refused',
  'category_refused',
  'settings_allow',
  // 4. quiet hours and time windows
  'quiet_hours',
  'grant_time_window',
  'no_window_before_expiry',
  // 5. contact caps
  'contact_cap',
  // 6. advertisement label and unsubscribe route
  'advertisement_label_missing',
  'unsubscribe_missing',
  // 7. relevance
  'opted_in',
  'not_opted_in',
  'score_above_threshold',
  'score_below_threshold',
  'serendipity',
] as const;
export type ReasonId = (typeof reasonIds)[number];

export type ReasonEffect = 'deliver' | 'hold' | 'drop';

/** What each reason does to the decision, and whether it is evidence against the company. */
export const reasonRules: Readonly<
  Record<ReasonId, { readonly effect: ReasonEffect; readonly violation: boolean }>
> = {
  outer_inner_mismatch: { effect: 'drop', violation: true },
  company_suspended: { effect: 'drop', violation: true },
  grant_missing: { effect: 'drop', violation: true },
  grant_not_covered: { effect: 'drop', violation: true },
  grant_ended: { effect: 'drop', violation: false },
  offer_expired: { effect: 'drop', violation: false },
  grant_covers: { effect: 'deliver', violation: false },
  blacklisted_company: { effect: 'drop', violation: false },
  blacklisted_brand: { effect: 'drop', violation: false },
  paused: { effect: 'drop', violation: false },
  channel_not_allowed: { effect: 'drop', violation: false },
  purpose_refused: { effect: 'drop', violation: false },
  category_refused: { effect: 'drop', violation: false },
  settings_allow: { effect: 'deliver', violation: false },
  quiet_hours: { effect: 'hold', violation: false },
  grant_time_window: { effect: 'hold', violation: false },
  no_window_before_expiry: { effect: 'drop', violation: false },
  contact_cap: { effect: 'hold', violation: false },
  advertisement_label_missing: { effect: 'drop', violation: true },
  unsubscribe_missing: { effect: 'drop', violation: true },
  opted_in: { effect: 'deliver', violation: false },
  not_opted_in: { effect: 'drop', violation: false },
  score_above_threshold: { effect: 'deliver', violation: false },
  score_below_threshold: { effect: 'drop', violation: false },
  serendipity: { effect: 'deliver', violation: false },
};

/** Parameters a reason may carry; all plain data, safe to store and to render. */
export interface ReasonParams {
  readonly rule?: CoverageRule;
  /** The fields that disagree between the outer offer and its sealed content, comma-separated. */
  readonly fields?: string;
  readonly company?: string;
  readonly brand?: string;
  readonly channel?: string;
  readonly purpose?: string;
  readonly category?: string;
  /** Epoch seconds: when a held offer is released, or when a company's pause ends. */
  readonly until?: number;
  /** The weekly cap that was reached. */
  readonly cap?: number;
  /** The model's score and the customer's threshold, both in [0, 1]. */
  readonly score?: number;
  readonly threshold?: number;
}

/** One reason of a decision. */
export interface Reason {
  readonly id: ReasonId;
  readonly params?: ReasonParams;
}

/**
 * The reasons of `reasons` that are evidence against the company (for a complaint draft).
 *
 * @example
 * ```ts
 * violations(decision.reasons).map((r) => r.id); // ['advertisement_label_missing']
 * ```
 */
export function violations(reasons: readonly Reason[]): Reason[] {
  return reasons.filter((r) => reasonRules[r.id].violation);
}
