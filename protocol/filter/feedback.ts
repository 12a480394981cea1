/**
 * What the customer's answers do (issue 8): feedback trains the learner and, for "not this
 * brand", also blacklists the brand; a company whose offers keep being ignored or dismissed is
 * suggested for a cool-down or a refusal (requirements.md point 2, implicit negatives); an
 * offer's unsubscribe action narrows the grant by that channel.
 *
 * @example
 * ```ts
 * const effect = applyFeedback(learner, features, 'blocked', { brand: 'Acme', company });
 * if (effect.blacklist) blacklist.push({ id, target: effect.blacklist, reason: 'not_interested', at });
 * const suggestions = suggestImplicitNegatives(history, now);
 * ```
 */
import type { Channel, Purpose } from '../vocabulary';
import type { GrantPayload } from '../messages';
import type { Scope } from '../messages/primitives';
import type { BlacklistTarget, ContactFeedback, ContactRecord } from '../profile';
import type { Learner, OfferFeatures } from './learner';

/** What one piece of feedback asks the Assistant to do besides learning. */
export interface FeedbackEffect {
  /** The score the offer had before this feedback was learned. */
  readonly scoreBefore: number;
  /** For "not this brand": the blacklist target to add. */
  readonly blacklist?: BlacklistTarget;
}

/**
 * Learns one piece of the customer's feedback and says what else follows from it.
 *
 * @example
 * ```ts
 * applyFeedback(learner, offerFeatures, 'liked').scoreBefore; // 0.42
 * ```
 */
export function applyFeedback(
  learner: Learner,
  offer: OfferFeatures,
  feedback: ContactFeedback,
): FeedbackEffect {
  const scoreBefore = learner.learn(learner.features(offer), feedback);
  if (feedback !== 'blocked') return { scoreBefore };
  return {
    scoreBefore,
    blacklist: { kind: 'brand', brand: offer.brand, company: offer.company },
  };
}

/** A suggestion to the customer about one company. */
export interface ImplicitNegative {
  readonly company: string;
  /** `cool_down`: pause the company for `days`; `refuse`: revoke the grant. */
  readonly action: 'cool_down' | 'refuse';
  /** Negative answers (ignored, dismissed, blocked) among the `of` most recent delivered offers. */
  readonly negatives: number;
  readonly of: number;
  readonly days: number;
}

/** Thresholds of {@link suggestImplicitNegatives}; the defaults are project decisions. */
export interface ImplicitNegativeOptions {
  /** How many of the company's most recent delivered offers are looked at (default 10). */
  readonly window?: number;
  /** At least this many must carry feedback before anything is suggested (default 5). */
  readonly minAnswered?: number;
  /** Share of negatives that suggests a cool-down (default 0.8). */
  readonly coolDownShare?: number;
  /** Dismissals/blocks (explicit "no"s) among them that suggest a refusal instead (default 4). */
  readonly refuseDismissals?: number;
  /** Only offers delivered within this many days count (default 60). */
  readonly days?: number;
  /** The cool-down suggested, in days (default 30). */
  readonly coolDownDays?: number;
  /**
   * When the customer last answered a suggestion about a company (paused, refused or dismissed
   * it; `protocol/filter/pause.ts`): only offers delivered after that count, so an answered
   * suggestion comes back only on new evidence, never from what the customer already saw.
   */
  readonly answered?: readonly { readonly company: string; readonly at: number }[];
}

const negativeFeedbacks: ReadonlySet<ContactFeedback> = new Set([
  'ignored',
  'dismissed',
  'blocked',
]);

/**
 * Companies the customer keeps turning away. Looks at each company's most recent delivered
 * offers with feedback (after the customer's last answer about it, if any); when most are
 * negative and none was opened or liked, suggests a cool-down, or a refusal when several were
 * explicit dismissals. Sorted by company id.
 *
 * @example
 * ```ts
 * suggestImplicitNegatives(history, now); // [{ company: 'co_…', action: 'cool_down', negatives: 5, of: 5, days: 30 }]
 * ```
 */
export function suggestImplicitNegatives(
  history: readonly ContactRecord[],
  at: number,
  options: ImplicitNegativeOptions = {},
): ImplicitNegative[] {
  const window = options.window ?? 10;
  const minAnswered = options.minAnswered ?? 5;
  const share = options.coolDownShare ?? 0.8;
  const refuseDismissals = options.refuseDismissals ?? 4;
  const since = at - (options.days ?? 60) * 86_400;
  const coolDownDays = options.coolDownDays ?? 30;
  const answeredAt = new Map<string, number>();
  for (const a of options.answered ?? [])
    answeredAt.set(a.company, Math.max(a.at, answeredAt.get(a.company) ?? -Infinity));

  const byCompany = new Map<string, ContactRecord[]>();
  for (const c of history) {
    if (c.outcome !== 'delivered' || c.feedback === undefined || c.at < since || c.at > at)
      continue;
    if (c.at <= (answeredAt.get(c.company) ?? -Infinity)) continue;
    const list = byCompany.get(c.company) ?? [];
    list.push(c);
    byCompany.set(c.company, list);
  }
  const out: ImplicitNegative[] = [];
  for (const [company, list] of byCompany) {
    const recent = list.sort((a, b) => b.at - a.at).slice(0, window);
    if (recent.length < minAnswered) continue;
    if (recent.some((c) => c.feedback === 'opened' || c.feedback === 'liked')) continue;
    const negatives = recent.filter((c) => negativeFeedbacks.has(c.feedback!)).length;
    if (negatives / recent.length < share) continue;
    const explicit = recent.filter((c) => c.feedback === 'dismissed' || c.feedback === 'blocked');
    out.push({
      company,
      action: explicit.length >= refuseDismissals ? 'refuse' : 'cool_down',
      negatives,
      of: recent.length,
      days: coolDownDays,
    });
  }
  return out.sort((a, b) => (a.company < b.company ? -1 : a.company > b.company ? 1 : 0));
}

/** What unsubscribing from one channel changes in a grant. */
export interface UnsubscribeChange {
  /** The grant's scopes without that channel (scopes left with no channel are gone). */
  readonly scopes: Scope[];
  /** Purposes left with no channel at all: revoke them (a `revocation` naming these purposes). */
  readonly revokePurposes: Purpose[];
  /** The preferred channel for a narrowed grant: the old one unless it was the one removed. */
  readonly preferredChannel: Channel | undefined;
}

/**
 * What an offer's unsubscribe action does to its grant: that channel is taken out of every
 * scope; purposes left without a channel are revoked. The extension sends a narrowed grant (or
 * the revocation when nothing is left).
 *
 * @example
 * ```ts
 * unsubscribeChange(grant, 'newsletter'); // { scopes: [...email only], revokePurposes: [], preferredChannel: 'email' }
 * ```
 */
export function unsubscribeChange(grant: GrantPayload, channel: string): UnsubscribeChange {
  const scopes: Scope[] = [];
  const kept = new Set<Purpose>();
  const all = new Set<Purpose>();
  for (const scope of grant.scopes) {
    all.add(scope.purpose);
    const channels = scope.channels.filter((c) => c !== channel);
    if (channels.length === 0) continue;
    scopes.push({ ...scope, channels });
    kept.add(scope.purpose);
  }
  const remaining = scopes.flatMap((s) => s.channels);
  const preferredChannel =
    grant.preferredChannel !== channel && remaining.includes(grant.preferredChannel)
      ? grant.preferredChannel
      : remaining[0];
  return {
    scopes,
    revokePurposes: [...all].filter((p) => !kept.has(p)),
    preferredChannel,
  };
}
