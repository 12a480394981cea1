/**
 * The shapes of what the Assistant knows about its owner (DESIGN section 4, SPECS "Shared
 * pieces"): the preference profile, the blacklist and the contact history. The extension stores
 * them encrypted; the filter engine (`protocol/filter`) reads them; they are defined once, here.
 *
 * Everything is attacker-controlled until parsed (a restored backup, a message from a page of
 * the extension): objects are strict, every string, array and number is bounded, and a failure
 * is a `ProtocolError` `ERR_PROFILE_INVALID`, never another exception.
 *
 * Project decisions where issue 6 is silent:
 * - Interests are offer categories (the `category` an offer carries, `shopping/shoes`), each with
 *   a weight in [-1, 1]: negative means "less of this", which the automatic mode learns too.
 * - Contact caps are per rolling week (SPECS "Consent conditions"); `null` means no cap of ours
 *   (the grant's own cap still applies).
 * - Quiet hours are weekly windows in the customer's own time zone, the same shape as a grant's
 *   time windows, so one evaluator serves both.
 * - The serendipity share is a fraction in [0, 0.5]: more than half "novel" would no longer be a
 *   filter.
 *
 * @example
 * ```ts
 * const profile = parseProfile(JSON.parse(text));
 * const entry = parseBlacklistEntry({ id, target: { kind: 'brand', brand: 'Acme' }, reason: 'too_frequent', at });
 * ```
 */
import * as v from 'valibot';
import { ProtocolError } from './errors';
import { locales, type Locale } from './i18n';
import { blacklistReasons } from './messages/rights';
import { offerCategory } from './messages/relay';
import {
  boundedInteger,
  channel,
  companyId,
  distinct,
  epochSeconds,
  limits,
  purpose,
  relationshipType,
  text,
  timeWindow,
  timeZone,
} from './messages/primitives';
import { channelIds, purposeIds } from './vocabulary';

/** The version of these shapes; stored beside each record so a later change can migrate. */
export const profileSchemaVersion = 1;

/** Bounds, written down once so the extension and its tests can refer to them. */
export const profileLimits = {
  interests: 500,
  companies: 5_000,
  quietWindows: 14,
  /** Blacklist entries: the dashboard is measured with 10,000 (issue 6 "Benchmark"). */
  blacklistEntries: 50_000,
  /** Contact history kept on the device; older entries are pruned first. */
  contactHistory: 20_000,
  maxContactsPerWeek: limits.maxContactsPerWeek,
  maxSerendipity: 0.5,
  /** The automatic mode's threshold stays strictly inside (0, 1): 0 or 1 would switch it off. */
  minThreshold: 0.05,
  maxThreshold: 0.95,
  brandChars: 100,
  noteChars: 500,
} as const;

/** The two modes of requirement 001:715-718: a third of people want manual control. */
export const filterModes = ['manual', 'automatic'] as const;
export type FilterMode = (typeof filterModes)[number];

/** The automatic mode's threshold when the profile sets none: an even chance of being wanted. */
export const defaultFilterThreshold = 0.5;

/** Whether to send the anonymous `blacklist` signal: asked once (`ask` = not asked yet). */
export const blacklistSignalChoices = ['ask', 'send', 'never'] as const;
export type BlacklistSignalChoice = (typeof blacklistSignalChoices)[number];

const weight = v.pipe(v.number(), v.finite(), v.minValue(-1), v.maxValue(1));
const weeklyCap = v.nullable(boundedInteger(0, profileLimits.maxContactsPerWeek));

/** One interest: an offer category with how much the customer wants it. */
export const interest = v.strictObject({ category: offerCategory, weight });

/** What the customer wants from one company (requirements.md section 3, requirements 22-25). */
export const companyPreference = v.strictObject({
  company: companyId,
  relationship: relationshipType,
  /** This company's cap per rolling week; `null` falls back to `caps.perCompanyPerWeek`. */
  maxContactsPerWeek: weeklyCap,
});

function allDistinct(keys: readonly string[]): boolean {
  return new Set(keys).size === keys.length;
}

/** The preference profile. */
export const profile = v.pipe(
  v.strictObject({
    v: v.literal(profileSchemaVersion),
    interests: v.pipe(
      v.array(interest),
      v.maxLength(profileLimits.interests),
      v.check(
        (items) => allDistinct(items.map((i) => i.category)),
        'interests must name distinct categories',
      ),
    ),
    channels: v.strictObject({
      allowed: distinct(channel, 0, channelIds.length),
      preferred: v.nullable(channel),
    }),
    quiet: v.strictObject({
      timeZone,
      windows: v.pipe(v.array(timeWindow), v.maxLength(profileLimits.quietWindows)),
    }),
    caps: v.strictObject({ perWeek: weeklyCap, perCompanyPerWeek: weeklyCap }),
    companies: v.pipe(
      v.array(companyPreference),
      v.maxLength(profileLimits.companies),
      v.check((items) => allDistinct(items.map((c) => c.company)), 'companies must be distinct'),
    ),
    language: v.picklist(locales),
    mode: v.picklist(filterModes),
    serendipity: v.pipe(
      v.number(),
      v.finite(),
      v.minValue(0),
      v.maxValue(profileLimits.maxSerendipity),
    ),
    blacklistSignal: v.picklist(blacklistSignalChoices),
    /*
     * Added for the filter engine (issue 8), optional so every stored version-1 profile still
     * parses: purposes the customer never wants to be contacted for, categories they never want
     * (a parent refuses its children: `sports` refuses `sports/running`), and the automatic
     * mode's threshold on the model's score (default `defaultFilterThreshold`).
     */
    refusedPurposes: v.optional(distinct(purpose, 0, purposeIds.length)),
    refusedCategories: v.optional(
      v.pipe(
        v.array(offerCategory),
        v.maxLength(profileLimits.interests),
        v.check((items) => allDistinct(items), 'refused categories must be distinct'),
      ),
    ),
    threshold: v.optional(
      v.pipe(
        v.number(),
        v.finite(),
        v.minValue(profileLimits.minThreshold),
        v.maxValue(profileLimits.maxThreshold),
      ),
    ),
  }),
  v.check(
    (p) => p.channels.preferred === null || p.channels.allowed.includes(p.channels.preferred),
    'the preferred channel must be one of the allowed channels',
  ),
);

/** What a blacklist entry names: a whole company, or one brand (optionally of a known company). */
export const blacklistTarget = v.variant('kind', [
  v.strictObject({ kind: v.literal('company'), company: companyId }),
  v.strictObject({
    kind: v.literal('brand'),
    brand: text(profileLimits.brandChars),
    company: v.optional(companyId),
  }),
]);

/** A blacklist entry's id: 16 random bytes as 32 lower-case hex digits. */
export const blacklistEntryId = v.pipe(v.string(), v.length(32), v.regex(/^[0-9a-f]{32}$/));

/** One blacklist entry: whom, why (the reasons of the `blacklist` message) and since when. */
export const blacklistEntry = v.strictObject({
  id: blacklistEntryId,
  target: blacklistTarget,
  reason: v.picklist(blacklistReasons),
  note: v.optional(text(profileLimits.noteChars)),
  at: epochSeconds,
});

/** The whole blacklist, as the filter reads it. */
export const blacklist = v.pipe(
  v.array(blacklistEntry),
  v.maxLength(profileLimits.blacklistEntries),
  v.check((items) => allDistinct(items.map((e) => e.id)), 'blacklist entry ids must be distinct'),
);

/** What the Assistant did with an offer, and what the customer did with it afterwards. */
export const contactOutcomes = ['delivered', 'held', 'hidden'] as const;
/**
 * `blocked` is "not this brand"; `ignored` (added for issue 8) is an offer the customer saw and
 * left alone until it expired, the weakest negative the learner takes.
 */
export const contactFeedbacks = ['opened', 'liked', 'dismissed', 'blocked', 'ignored'] as const;

/** One contact by a company, as the caps and the learner need it. */
export const contactRecord = v.strictObject({
  company: companyId,
  brand: v.optional(text(profileLimits.brandChars)),
  channel,
  category: offerCategory,
  at: epochSeconds,
  outcome: v.picklist(contactOutcomes),
  feedback: v.optional(v.picklist(contactFeedbacks)),
});

export const contactHistory = v.pipe(
  v.array(contactRecord),
  v.maxLength(profileLimits.contactHistory),
);

export type Interest = v.InferOutput<typeof interest>;
export type CompanyPreference = v.InferOutput<typeof companyPreference>;
export type Profile = v.InferOutput<typeof profile>;
export type BlacklistTarget = v.InferOutput<typeof blacklistTarget>;
export type BlacklistEntry = v.InferOutput<typeof blacklistEntry>;
export type BlacklistReason = (typeof blacklistReasons)[number];
export type ContactRecord = v.InferOutput<typeof contactRecord>;
export type ContactOutcome = (typeof contactOutcomes)[number];
export type ContactFeedback = (typeof contactFeedbacks)[number];

function parseWith<S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((p) => String((p as { key?: unknown }).key)).join('.') ?? '';
  throw new ProtocolError('ERR_PROFILE_INVALID', `${what} is not valid`, {
    // The path names a field, never the value: the value may be personal.
    ...(path === '' ? {} : { path: path.slice(0, 200) }),
  });
}

/**
 * Parses an untrusted profile. Throws `ERR_PROFILE_INVALID` (with the failing field's path in
 * `detail.path`) for anything that is not a valid {@link Profile}.
 *
 * @example
 * ```ts
 * parseProfile(defaultProfile('de', 'Europe/Berlin')).mode // 'manual'
 * parseProfile({ v: 1 }) // throws ERR_PROFILE_INVALID
 * ```
 */
export function parseProfile(value: unknown): Profile {
  return parseWith(profile, value, 'the profile');
}

/**
 * Parses one untrusted blacklist entry; throws `ERR_PROFILE_INVALID`.
 *
 * @example
 * ```ts
 * parseBlacklistEntry({ id: '0'.repeat(32), target: { kind: 'brand', brand: 'Acme' }, reason: 'other', at: 0 })
 * ```
 */
export function parseBlacklistEntry(value: unknown): BlacklistEntry {
  return parseWith(blacklistEntry, value, 'the blacklist entry');
}

/**
 * Parses an untrusted whole blacklist (at most {@link profileLimits}.blacklistEntries, distinct
 * ids); throws `ERR_PROFILE_INVALID`.
 *
 * @example
 * ```ts
 * parseBlacklist([]) // []
 * ```
 */
export function parseBlacklist(value: unknown): BlacklistEntry[] {
  return parseWith(blacklist, value, 'the blacklist');
}

/**
 * Parses an untrusted contact history; throws `ERR_PROFILE_INVALID`.
 *
 * @example
 * ```ts
 * parseContactHistory([{ company, channel: 'email', category: 'travel', at, outcome: 'delivered' }])
 * ```
 */
export function parseContactHistory(value: unknown): ContactRecord[] {
  return parseWith(contactHistory, value, 'the contact history');
}

/**
 * The profile of a new Assistant: manual mode (only what the customer chooses passes), no
 * channel allowed yet, no quiet hours, no caps of its own, a small serendipity share that only
 * matters once the customer switches to automatic mode, and the signal question not yet asked.
 *
 * @example
 * ```ts
 * defaultProfile('en', 'Europe/Berlin').channels // { allowed: [], preferred: null }
 * ```
 */
export function defaultProfile(language: Locale, zone: string): Profile {
  return parseProfile({
    v: profileSchemaVersion,
    interests: [],
    channels: { allowed: [], preferred: null },
    quiet: { timeZone: zone, windows: [] },
    caps: { perWeek: null, perCompanyPerWeek: null },
    companies: [],
    language,
    mode: 'manual',
    serendipity: 0.1,
    blacklistSignal: 'ask',
  });
}

/**
 * The blacklist entry that excludes an offer from `company` under `brand`, if any: a company
 * entry for that company, or a brand entry whose brand matches (case- and width-insensitively,
 * so "ACME" and "Acme" are one brand) and that names no other company.
 *
 * @example
 * ```ts
 * blacklistMatch(entries, 'co_…', 'Acme')?.reason // 'too_frequent'
 * ```
 */
export function blacklistMatch(
  entries: readonly BlacklistEntry[],
  company: string,
  brand?: string,
): BlacklistEntry | undefined {
  const wanted = brand === undefined ? undefined : brandKey(brand);
  return entries.find((e) => {
    if (e.target.kind === 'company') return e.target.company === company;
    if (wanted === undefined || brandKey(e.target.brand) !== wanted) return false;
    return e.target.company === undefined || e.target.company === company;
  });
}

/**
 * A brand name's comparison key: NFKC (full-width and compatibility forms fold), trimmed, inner
 * whitespace collapsed, lower case.
 *
 * @example
 * ```ts
 * brandKey(' ＡCME  Shoes ') === brandKey('acme shoes') // true
 * ```
 */
export function brandKey(brand: string): string {
  return brand.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * How many contacts from `company` (or from anyone, when `company` is undefined) were delivered
 * in the rolling 7 × 24 hours before `at` (SPECS "Consent conditions"). Held and hidden offers
 * did not reach the customer and do not count.
 *
 * @example
 * ```ts
 * contactsInLastWeek(history, 1_700_000_000, 'co_…') // 2
 * ```
 */
export function contactsInLastWeek(
  history: readonly ContactRecord[],
  at: number,
  company?: string,
): number {
  const since = at - 7 * 24 * 60 * 60;
  let count = 0;
  for (const c of history) {
    if (c.outcome !== 'delivered' || c.at < since || c.at >= at) continue;
    if (company !== undefined && c.company !== company) continue;
    count++;
  }
  return count;
}

/**
 * The weekly cap that applies to `company`: its own entry's cap, else the profile's per-company
 * cap; `null` when the profile sets none.
 *
 * @example
 * ```ts
 * companyCap(profile, 'co_…') // 3
 * ```
 */
export function companyCap(p: Profile, company: string): number | null {
  const own = p.companies.find((c) => c.company === company)?.maxContactsPerWeek;
  return own ?? p.caps.perCompanyPerWeek;
}
