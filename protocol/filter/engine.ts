/**
 * The decision engine (DESIGN section 6, issue 8): for one verified offer, deliver, hold until a
 * given instant, or drop, with every reason that applied. Pure and deterministic: the time comes
 * in as an argument, the serendipity draw is a seeded hash of the offer's id.
 *
 * Like uBlock Origin compiles its filter lists, {@link compileFilter} turns the profile,
 * blacklist, grants and contact history into lookup structures once (sets, maps, sorted arrays of
 * contact times), so {@link decide} is a handful of lookups and comparisons per offer: no parsing,
 * no sorting, no `Intl` except once per quarter hour and zone (cached in grants.ts).
 *
 * The rules, in order (each that applies adds a {@link Reason}):
 * 1. outer/inner consistency, suspension, grant coverage as of the offer's `sentAt` (a failure is
 *    a violation), then whether the grant still holds now and the offer is still valid;
 * 2. the blacklist (company or brand), and the customer's pause of the company (`paused`, a
 *    drop until the pause's end: ./pause);
 * 3. the customer's channels, refused purposes and refused categories;
 * 4. quiet hours (customer's zone) and the grant's time windows (its zone): hold until both allow;
 * 5. the customer's weekly caps (overall and per company): hold until a contact leaves the week;
 * 6. the advertisement label and the unsubscribe route (a missing one is a violation);
 * 7. relevance: manual mode passes only opted-in categories; automatic mode scores with the
 *    learner against the threshold, and a serendipity share of never-seen categories passes.
 * A drop at a stage skips relevance (nothing to rank); all drop reasons of stages 1-6 are kept.
 *
 * @example
 * ```ts
 * const filter = compileFilter({ profile, blacklist, grants, history, learner, seed });
 * const decision = decide(filter, offer, nowSeconds);
 * if (decision.action === 'deliver') filter.record({ ...contact, outcome: 'delivered' });
 * ```
 */
import { ProtocolError } from '../errors';
import type { ActiveGrant } from '../grants';
import { checkCoverage, inWindow, localTime } from '../grants';
import { limits, type TimeWindow } from '../messages/primitives';
import {
  brandKey,
  defaultFilterThreshold,
  type BlacklistEntry,
  type ContactRecord,
  type FilterMode,
  type Profile,
} from '../profile';
import type { Learner } from './learner';
import { unitDraw } from './random';
import { reasonIds, type Reason, type ReasonId, type ReasonParams } from './reasons';
import { releaseTime, type WindowConstraint } from './windows';

const WEEK = 7 * 24 * 60 * 60;
/** How far ahead a hold may reach: windows are weekly, so a week and a day always suffices. */
const HOLD_HORIZON = 8 * 24 * 60 * 60;
/** Purposes whose messages are service, not advertising, so need no "advertisement" label. */
const serviceOnlyPurposes: ReadonlySet<string> = new Set(['service_support', 'predictive_service']);

/** A grant as the filter needs it: the active grant (with revocations) and its hash. */
export interface FilterGrant {
  /** SHA-256 of the grant's compact JWS (base64url), the `grantSha256` offers name. */
  readonly sha256: string;
  readonly active: ActiveGrant;
  /** The incentive type the grant request promised, a learner feature. */
  readonly incentive?: string;
}

/** The outer offer's routing fields (as the relay saw them) and when the company sent it. */
export interface OfferOuter {
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly grantSha256: string;
  readonly purpose: string;
  readonly channel: string;
  readonly validUntil: number;
}

/** The verified inner `offer-content` fields the engine reads. */
export interface OfferInner {
  readonly iss: string;
  readonly aud: string;
  readonly grantSha256: string;
  readonly purpose: string;
  readonly channel: string;
  readonly brand: string;
  readonly category: string;
  readonly validUntil: number;
  readonly advertisement: boolean;
  readonly unsubscribe: string;
}

/** A verified offer to decide on. */
export interface FilterOffer {
  /** Stable id (the outer `jti` or its SHA-256): keys the serendipity draw. */
  readonly id: string;
  readonly outer: OfferOuter;
  readonly inner: OfferInner;
  /** A price in minor units, when the content names one (a learner feature). */
  readonly price?: number;
  /**
   * The company's offers the relay accepted in the rolling week before it accepted this one (SPECS
   * "Consent conditions": a grant's cap counts at acceptance, not at delivery). When given, the
   * grant's weekly cap is judged with this count; otherwise with the delivered contacts of the
   * history at sending. The customer's own caps always count deliveries.
   */
  readonly acceptedBefore?: number;
}

export type DecisionAction = 'deliver' | 'hold' | 'drop';

/** The engine's answer. */
export interface Decision {
  readonly action: DecisionAction;
  /** For `hold`: when to decide again (epoch seconds). */
  readonly holdUntil?: number;
  readonly reasons: readonly Reason[];
  /** The learner's score in automatic mode, when it was consulted. */
  readonly score?: number;
  /** Passed as "something new" (serendipity). */
  readonly novel?: boolean;
}

/** What {@link compileFilter} reads. */
export interface FilterInput {
  readonly profile: Profile;
  readonly blacklist: readonly BlacklistEntry[];
  readonly grants: readonly FilterGrant[];
  readonly history: readonly ContactRecord[];
  /** Required in automatic mode. */
  readonly learner?: Learner;
  /** Seeds the serendipity draw; default 0. */
  readonly seed?: number;
  /** Companies the regulator suspended (from the clearinghouse's registry). */
  readonly suspended?: readonly string[];
  /**
   * The customer's pauses (`activePauses` of ./pause): a company's offers are dropped while
   * `at < until`; from `until` on the pause does nothing, so it ends by itself.
   */
  readonly pauses?: readonly { readonly company: string; readonly until: number }[];
}

interface CompiledScope {
  readonly channels: ReadonlySet<string>;
  readonly validUntil: number;
  readonly revokedAt: number;
  readonly cap: number;
  readonly zone: string;
  readonly windows: readonly TimeWindow[] | undefined;
}

/**
 * One grant's answer for one purpose and channel, compiled once: the scopes of that purpose that
 * list the channel (at most `limits.scopesPerGrant`, so a covering set fits a bit mask) and the
 * delivery reasons, shared by every decision that delivers under it (reasons are plain data).
 */
interface CoverEntry {
  readonly scopes: readonly CompiledScope[];
  /** Every scope has time windows (then windows restrict delivery; else one scope does not). */
  readonly windowed: boolean;
  readonly covers: Reason;
  readonly allow: Reason;
  /** The learner's company, channel, purpose and incentive buckets, set on first use. */
  context: Int32Array | undefined;
}

interface CompiledGrant {
  readonly source: FilterGrant;
  readonly company: string;
  readonly iat: number;
  readonly until: number;
  readonly revokedAt: number;
  /** purpose → channel → entry; a missing entry covers nothing. */
  readonly byPurpose: ReadonlyMap<string, ReadonlyMap<string, CoverEntry>>;
}

interface CategoryInfo {
  readonly refused: string | undefined;
  /** Manual mode: the opted-in category (itself or a parent), if any. */
  readonly optedIn: string | undefined;
  /** The reasons this category's decisions share, built once. */
  readonly optedInReason: Reason | undefined;
  readonly serendipityReason: Reason;
  /** The learner's category buckets, set on first use. */
  part: Int32Array | undefined;
}

/** The compiled, queryable form of everything the engine reads. */
export interface CompiledFilter {
  readonly mode: FilterMode;
  readonly threshold: number;
  readonly serendipity: number;
  /** Records a contact (e.g. an offer just delivered) so caps and novelty see it. */
  record(contact: ContactRecord): void;
  /** Categories delivered at least once (novelty is "not in here"). */
  readonly seenCategories: ReadonlySet<string>;
  /** @internal the compiled state, read by {@link decide} */
  readonly internal: CompiledState;
}

interface CompiledState {
  readonly profile: Profile;
  readonly learner: Learner | undefined;
  readonly seed: number;
  readonly suspended: ReadonlySet<string>;
  readonly grants: ReadonlyMap<string, CompiledGrant>;
  readonly blockedCompanies: ReadonlySet<string>;
  /** brand key → companies it is blocked for (`*` for every company). */
  readonly blockedBrands: ReadonlyMap<string, ReadonlySet<string>>;
  /** company → the end of its pause (the latest, when listed twice). */
  readonly pausedUntil: ReadonlyMap<string, number>;
  readonly brandKeys: Map<string, string>;
  readonly allowedChannels: ReadonlySet<string>;
  readonly refusedPurposes: ReadonlySet<string>;
  readonly refusedCategories: ReadonlySet<string>;
  readonly optedIn: ReadonlySet<string>;
  readonly categories: Map<string, CategoryInfo>;
  readonly quiet: WindowConstraint;
  /** Quiet hours as a week of minutes (index (day - 1) * 1440 + minute; 1 = quiet). */
  readonly quietMinutes: Uint8Array | undefined;
  readonly capAll: number;
  readonly capCompany: ReadonlyMap<string, number>;
  readonly capDefault: number;
  /** Delivered contact times, ascending: all, and per company. */
  readonly deliveredAll: number[];
  readonly deliveredBy: Map<string, number[]>;
  readonly seen: Set<string>;
  /** The customer's local time at the last decision instant (a sync decides a batch at one `now`). */
  localAt: number;
  localDay: number;
  localMinute: number;
  /** Reused for every score: the learner reads it synchronously. */
  readonly parts: {
    category: Int32Array;
    brand: number;
    context: Int32Array;
    price: number | undefined;
    hour: number;
    weekday: number;
  };
}

function minOr(values: Iterable<number>, fallback: number): number {
  let m = fallback;
  for (const v of values) if (v < m) m = v;
  return m;
}

function compileGrant(g: FilterGrant): CompiledGrant {
  const { grant, revocations } = g.active;
  const whole = minOr(
    revocations.filter((r) => r.purposes === undefined).map((r) => r.at),
    Infinity,
  );
  const scopesByPurpose = new Map<string, CompiledScope[]>();
  for (const scope of grant.scopes) {
    const revokedAt = minOr(
      revocations.filter((r) => r.purposes?.includes(scope.purpose)).map((r) => r.at),
      Infinity,
    );
    const c = scope.conditions;
    const list = scopesByPurpose.get(scope.purpose) ?? [];
    list.push({
      channels: new Set(scope.channels),
      validUntil: c.validUntil ?? Infinity,
      revokedAt,
      cap: c.maxContactsPerWeek ?? Infinity,
      zone: c.timeZone,
      windows: c.timeWindows,
    });
    scopesByPurpose.set(scope.purpose, list);
  }
  const byPurpose = new Map<string, Map<string, CoverEntry>>();
  for (const [purpose, list] of scopesByPurpose) {
    const byChannel = new Map<string, CoverEntry>();
    const channels = new Set(list.flatMap((sc) => [...sc.channels]));
    for (const channel of channels) {
      const scopes = list.filter((sc) => sc.channels.has(channel)).slice(0, 31);
      byChannel.set(channel, {
        scopes,
        windowed: scopes.every((sc) => sc.windows !== undefined),
        covers: Object.freeze(reason('grant_covers', Object.freeze({ purpose, channel }))),
        allow: Object.freeze(reason('settings_allow', Object.freeze({ channel }))),
        context: undefined,
      });
    }
    byPurpose.set(purpose, byChannel);
  }
  return {
    source: g,
    company: grant.aud,
    iat: grant.iat,
    until: grant.until,
    revokedAt: whole,
    byPurpose,
  };
}

function insertSorted(list: number[], t: number): void {
  let i = list.length;
  list.push(t);
  while (i > 0 && list[i - 1]! > t) {
    list[i] = list[i - 1]!;
    i--;
  }
  list[i] = t;
}

/**
 * Index of the first element >= t in an ascending list (also the Assistant's count of the relay's
 * acceptances, extension/core/offers.ts).
 */
export function lowerBound(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Contacts in `[t - week, t)`, the rolling week of SPECS "Consent conditions". */
function countInWeek(list: readonly number[] | undefined, t: number): number {
  if (list === undefined || list.length === 0) return 0;
  return lowerBound(list, t) - lowerBound(list, t - WEEK);
}

/**
 * The customer's own count at `t`: contacts in `[t - week, t]`. A delivery recorded at the very
 * instant of a decision counts (the Assistant decides a sync's offers at one instant and records
 * each delivery at it, so the next one must see it); the grant's count stays `[t - week, t)`, the
 * relay's at acceptance.
 */
function deliveredThrough(list: readonly number[] | undefined, t: number): number {
  if (list === undefined || list.length === 0) return 0;
  return lowerBound(list, t + 1) - lowerBound(list, t - WEEK);
}

/** The first instant >= t at which fewer than `cap` contacts lie in the customer's rolling week. */
function capFreeAt(list: readonly number[] | undefined, t: number, cap: number): number {
  if (list === undefined) return t;
  const count = deliveredThrough(list, t);
  if (count < cap) return t;
  // The (count - cap + 1)-th oldest contact of the week must leave it: at its time + one week + 1 s
  // (`[t - week, t)` still holds a contact exactly a week old).
  const first = lowerBound(list, t - WEEK);
  return list[first + count - cap]! + WEEK + 1;
}

/**
 * Compiles the inputs once; decide many offers against the result.
 *
 * @throws ProtocolError `ERR_PROFILE_INVALID` (path `learner`) in automatic mode without a learner.
 * @example
 * ```ts
 * const filter = compileFilter({ profile, blacklist, grants: [{ sha256, active }], history: [] });
 * ```
 */
export function compileFilter(input: FilterInput): CompiledFilter {
  const { profile, learner } = input;
  if (profile.mode === 'automatic' && learner === undefined) {
    throw new ProtocolError('ERR_PROFILE_INVALID', 'automatic mode needs a learner', {
      path: 'learner',
    });
  }
  const grants = new Map<string, CompiledGrant>();
  for (const g of input.grants) grants.set(g.sha256, compileGrant(g));

  const blockedCompanies = new Set<string>();
  const blockedBrands = new Map<string, Set<string>>();
  for (const e of input.blacklist) {
    if (e.target.kind === 'company') {
      blockedCompanies.add(e.target.company);
      continue;
    }
    const key = brandKey(e.target.brand);
    const set = blockedBrands.get(key) ?? new Set<string>();
    set.add(e.target.company ?? '*');
    blockedBrands.set(key, set);
  }

  const pausedUntil = new Map<string, number>();
  for (const p of input.pauses ?? []) {
    pausedUntil.set(p.company, Math.max(p.until, pausedUntil.get(p.company) ?? -Infinity));
  }

  const deliveredAll: number[] = [];
  const deliveredBy = new Map<string, number[]>();
  const seen = new Set<string>();
  const addContact = (c: ContactRecord): void => {
    if (c.outcome !== 'delivered') return;
    seen.add(c.category);
    insertSorted(deliveredAll, c.at);
    let list = deliveredBy.get(c.company);
    if (list === undefined) deliveredBy.set(c.company, (list = []));
    insertSorted(list, c.at);
  };
  // Sorting once beats inserting a long history one by one.
  const sortedHistory = [...input.history].sort((a, b) => a.at - b.at);
  for (const c of sortedHistory) addContact(c);

  const capCompany = new Map<string, number>();
  for (const c of profile.companies) {
    if (c.maxContactsPerWeek !== null) capCompany.set(c.company, c.maxContactsPerWeek);
  }

  const state: CompiledState = {
    profile,
    learner,
    seed: (input.seed ?? 0) >>> 0,
    suspended: new Set(input.suspended ?? []),
    grants,
    blockedCompanies,
    blockedBrands,
    pausedUntil,
    brandKeys: new Map(),
    allowedChannels: new Set(profile.channels.allowed),
    refusedPurposes: new Set(profile.refusedPurposes ?? []),
    refusedCategories: new Set(profile.refusedCategories ?? []),
    optedIn: new Set(profile.interests.filter((i) => i.weight > 0).map((i) => i.category)),
    categories: new Map(),
    quiet: { zone: profile.quiet.timeZone, windows: profile.quiet.windows, inside: false },
    quietMinutes: weekOfMinutes(profile.quiet.windows),
    capAll: profile.caps.perWeek ?? Infinity,
    capCompany,
    capDefault: profile.caps.perCompanyPerWeek ?? Infinity,
    deliveredAll,
    deliveredBy,
    seen,
    localAt: -1,
    localDay: 0,
    localMinute: 0,
    parts: {
      category: new Int32Array(0),
      brand: 0,
      context: new Int32Array(0),
      price: undefined,
      hour: 0,
      weekday: 0,
    },
  };
  return {
    mode: profile.mode,
    threshold: profile.threshold ?? defaultFilterThreshold,
    serendipity: profile.serendipity,
    seenCategories: seen,
    record: addContact,
    internal: state,
  };
}

const CACHE_LIMIT = 4096;

function categoryInfo(s: CompiledState, category: string): CategoryInfo {
  let info = s.categories.get(category);
  if (info === undefined) {
    let refused: string | undefined;
    let optedIn: string | undefined;
    // `sports/running/trail` → `sports`, `sports/running`, `sports/running/trail`.
    let end = -1;
    do {
      end = category.indexOf('/', end + 1);
      const prefix = end === -1 ? category : category.slice(0, end);
      if (refused === undefined && s.refusedCategories.has(prefix)) refused = prefix;
      if (s.optedIn.has(prefix)) optedIn = prefix;
    } while (end !== -1);
    info = {
      refused,
      optedIn,
      optedInReason:
        optedIn === undefined
          ? undefined
          : Object.freeze(reason('opted_in', Object.freeze({ category: optedIn }))),
      serendipityReason: Object.freeze(reason('serendipity', Object.freeze({ category }))),
      part: undefined,
    };
    if (s.categories.size >= CACHE_LIMIT) s.categories.clear();
    s.categories.set(category, info);
  }
  return info;
}

function keyOfBrand(s: CompiledState, brand: string): string {
  let key = s.brandKeys.get(brand);
  if (key === undefined) {
    key = brandKey(brand);
    if (s.brandKeys.size >= CACHE_LIMIT) s.brandKeys.clear();
    s.brandKeys.set(brand, key);
  }
  return key;
}

/** Unsubscribe routes must be a web address the customer can follow (requirement 13). */
function isUnsubscribeRoute(url: string): boolean {
  return (
    typeof url === 'string' &&
    url.length > 8 &&
    (url.startsWith('https://') ||
      url.startsWith('http://localhost') ||
      url.startsWith('http://127.0.0.1'))
  );
}

function mismatchedFields(outer: OfferOuter, inner: OfferInner): string {
  // The common case (all agree) costs six comparisons and allocates nothing.
  if (
    outer.iss === inner.iss &&
    outer.aud === inner.aud &&
    outer.grantSha256 === inner.grantSha256 &&
    outer.purpose === inner.purpose &&
    outer.channel === inner.channel &&
    outer.validUntil === inner.validUntil
  ) {
    return '';
  }
  const fields: string[] = [];
  if (outer.iss !== inner.iss) fields.push('iss');
  if (outer.aud !== inner.aud) fields.push('aud');
  if (outer.grantSha256 !== inner.grantSha256) fields.push('grantSha256');
  if (outer.purpose !== inner.purpose) fields.push('purpose');
  if (outer.channel !== inner.channel) fields.push('channel');
  if (outer.validUntil !== inner.validUntil) fields.push('validUntil');
  return fields.join(',');
}

function reason(id: ReasonId, params?: ReasonParams): Reason {
  return params === undefined ? { id } : { id, params };
}

/**
 * The scopes of `entry` that cover its purpose and channel at `t` with the company's count
 * (`counted`, or the delivered contacts in the week before `t`), as a bit mask over
 * `entry.scopes` (0: none). No array is built per decision.
 */
function coverMask(
  s: CompiledState,
  g: CompiledGrant,
  entry: CoverEntry,
  t: number,
  counted: number | undefined,
): number {
  if (t >= g.revokedAt || t < g.iat || t >= g.until) return 0;
  const scopes = entry.scopes;
  let mask = 0;
  for (let i = 0; i < scopes.length; i++) {
    const scope = scopes[i]!;
    if (t >= scope.revokedAt || t >= scope.validUntil) continue;
    if (
      scope.cap !== Infinity &&
      (counted ?? countInWeek(s.deliveredBy.get(g.company), t)) >= scope.cap
    ) {
      continue;
    }
    mask |= 1 << i;
  }
  return mask;
}

function validAt(at: number): number {
  if (!Number.isSafeInteger(at) || at < 0 || at > limits.maxEpochSeconds) {
    throw new ProtocolError('ERR_COVERAGE_QUERY_INVALID', 'decision time must be whole seconds', {
      field: 'at',
    });
  }
  return at;
}

/**
 * Decides one verified offer at instant `at` (epoch seconds).
 *
 * @throws ProtocolError `ERR_COVERAGE_QUERY_INVALID` for an `at` that is not whole seconds in range.
 * @example
 * ```ts
 * const d = decide(filter, offer, 1_767_290_000);
 * d.action; // 'hold'
 * d.holdUntil; // when the customer's quiet hours end
 * explainDecision(d, 'en', { timeZone: profile.quiet.timeZone }).text;
 * ```
 */
export function decide(filter: CompiledFilter, offer: FilterOffer, at: number): Decision {
  validAt(at);
  const s = filter.internal;
  const { outer, inner } = offer;
  const company = inner.iss;
  // Drop reasons go into `reasons`; no closure here: the hot path must not allocate functions.
  const reasons: Reason[] = [];

  // 1. Consistency, suspension, coverage (as of sending: a failure is the company's), validity now.
  const fields = mismatchedFields(outer, inner);
  if (fields !== '') reasons.push(reason('outer_inner_mismatch', { fields }));
  if (s.suspended.size > 0 && s.suspended.has(company)) {
    reasons.push(reason('company_suspended', { company }));
  }
  const grant = s.grants.get(inner.grantSha256);
  let entry: CoverEntry | undefined;
  let mask = 0;
  if (
    grant === undefined ||
    grant.company !== company ||
    grant.source.active.grant.iss !== inner.aud
  ) {
    reasons.push(reason('grant_missing'));
  } else {
    const sentAt = Math.min(outer.iat, at);
    // The relay's count is that of the acceptance, whenever the offer is decided.
    const counted = offer.acceptedBefore;
    entry = grant.byPurpose.get(inner.purpose)?.get(inner.channel);
    mask = entry === undefined ? 0 : coverMask(s, grant, entry, sentAt, counted);
    if (mask === 0) {
      // The compiled check said no; grants.ts is the authority on which rule failed and says why.
      const coverage = checkCoverage(grant.source.active, {
        purpose: inner.purpose,
        channel: inner.channel,
        at: sentAt,
        contactsInLast7Days: counted ?? countInWeek(s.deliveredBy.get(company), sentAt),
      });
      reasons.push(
        reason('grant_not_covered', { rule: coverage.covered ? 'purpose' : coverage.rule }),
      );
    } else if (sentAt !== at && coverMask(s, grant, entry!, at, counted) === 0) {
      // Lawfully sent, but the customer revoked (or the grant ran out) since: not a violation.
      const coverage = checkCoverage(grant.source.active, {
        purpose: inner.purpose,
        channel: inner.channel,
        at,
        contactsInLast7Days: counted ?? countInWeek(s.deliveredBy.get(company), at),
      });
      reasons.push(reason('grant_ended', { rule: coverage.covered ? 'expired' : coverage.rule }));
    }
  }
  if (inner.validUntil <= at) reasons.push(reason('offer_expired'));

  // 2. Blacklist and pause.
  if (s.blockedCompanies.size > 0 && s.blockedCompanies.has(company)) {
    reasons.push(reason('blacklisted_company', { company }));
  }
  if (s.blockedBrands.size > 0) {
    const blocked = s.blockedBrands.get(keyOfBrand(s, inner.brand));
    if (blocked !== undefined && (blocked.has('*') || blocked.has(company))) {
      reasons.push(reason('blacklisted_brand', { brand: inner.brand }));
    }
  }
  if (s.pausedUntil.size > 0) {
    const until = s.pausedUntil.get(company);
    if (until !== undefined && at < until) reasons.push(reason('paused', { company, until }));
  }

  // 3. The customer's settings.
  if (!s.allowedChannels.has(inner.channel)) {
    reasons.push(reason('channel_not_allowed', { channel: inner.channel }));
  }
  if (s.refusedPurposes.size > 0 && s.refusedPurposes.has(inner.purpose)) {
    reasons.push(reason('purpose_refused', { purpose: inner.purpose }));
  }
  const info = categoryInfo(s, inner.category);
  if (info.refused !== undefined)
    reasons.push(reason('category_refused', { category: info.refused }));

  // 6 (checked before holding: a violating offer is never held). Label and unsubscribe route.
  if (!inner.advertisement && !serviceOnlyPurposes.has(inner.purpose)) {
    reasons.push(reason('advertisement_label_missing'));
  }
  if (!isUnsubscribeRoute(inner.unsubscribe)) reasons.push(reason('unsubscribe_missing'));

  if (reasons.length > 0) return { action: 'drop', reasons: order(reasons) };
  // Every drop reason of stage 1 is absent, so the grant covers: `entry` and `mask` are set.
  const cover = entry!;

  // 4 + 5. Quiet hours, the grant's windows, the customer's caps: deliver now or hold.
  let release = at;
  let quietHold = false;
  let windowHold = false;
  let capHold = false;
  const quietNow = s.quietMinutes !== undefined && !inQuietFree(s, at);
  // Only when every covering scope has windows do windows restrict the time (else one does not).
  // Plain loops over the mask's bits: nothing is allocated per decision on this path.
  const windowed = cover.windowed || allWindowed(cover, mask);
  let windowNow = windowed;
  if (windowed) {
    for (let i = 0; i < cover.scopes.length; i++) {
      if ((mask & (1 << i)) !== 0 && inScopeWindow(cover.scopes[i]!, at)) windowNow = false;
    }
  }
  const companyList = s.deliveredBy.get(company);
  const capCompany =
    s.capCompany.size > 0 ? (s.capCompany.get(company) ?? s.capDefault) : s.capDefault;
  const overCap =
    (s.capAll !== Infinity && deliveredThrough(s.deliveredAll, at) >= s.capAll) ||
    (capCompany !== Infinity && deliveredThrough(companyList, at) >= capCompany);
  if (quietNow || windowNow || overCap) {
    // Alternate until quiet hours, windows and caps all allow the same instant (a cap frees at a
    // time that may be quiet, and so on); a few rounds always settle or run past the horizon.
    let t: number | undefined = at;
    for (let round = 0; round < 8 && t !== undefined; round++) {
      const from: number = t;
      let open: number | undefined;
      if (windowed) {
        for (let i = 0; i < cover.scopes.length; i++) {
          if ((mask & (1 << i)) === 0) continue;
          const r = releaseTime(from, [s.quiet, scopeConstraint(cover.scopes[i]!)], HOLD_HORIZON);
          if (r !== undefined && (open === undefined || r < open)) open = r;
        }
      } else {
        open = releaseTime(from, [s.quiet], HOLD_HORIZON);
      }
      if (open === undefined) {
        t = undefined;
        break;
      }
      const free = Math.max(
        capFreeAt(s.deliveredAll, open, s.capAll),
        capFreeAt(companyList, open, capCompany),
      );
      if (free === open) {
        t = open;
        break;
      }
      t = free;
    }
    if (t === undefined || t > at + HOLD_HORIZON * 2 || t >= inner.validUntil) {
      reasons.push(reason('no_window_before_expiry'));
      return { action: 'drop', reasons: order(reasons) };
    }
    release = t;
    quietHold = quietNow;
    windowHold = windowNow;
    capHold = overCap;
  }

  // 7. Relevance.
  reasons.push(cover.covers, cover.allow);
  if (quietHold) reasons.push(reason('quiet_hours', { until: release }));
  if (windowHold) reasons.push(reason('grant_time_window', { until: release }));
  if (capHold) reasons.push(reason('contact_cap', { until: release }));
  const action: DecisionAction = release > at ? 'hold' : 'deliver';
  if (filter.mode === 'manual') {
    if (info.optedIn === undefined) {
      reasons.push(reason('not_opted_in', { category: inner.category }));
      return { action: 'drop', reasons };
    }
    reasons.push(info.optedInReason!);
    return action === 'hold' ? { action, holdUntil: release, reasons } : { action, reasons };
  }
  const learner = s.learner!;
  localAt(s, at);
  // The same features as `learner.features(…)` of the offer, from parts cached per category and
  // per grant scope: one Map lookup (the brand) instead of six.
  const parts = s.parts;
  parts.category = info.part ??= learner.categoryPart(inner.category);
  parts.brand = learner.brandPart(inner.brand);
  parts.context = cover.context ??= learner.contextPart(
    company,
    inner.channel,
    inner.purpose,
    grant!.source.incentive,
  );
  parts.price = offer.price;
  parts.hour = (s.localMinute / 60) | 0;
  parts.weekday = s.localDay;
  const score = learner.score(learner.compose(parts));
  const threshold = filter.threshold;
  let novel = false;
  if (score >= threshold) {
    reasons.push({ id: 'score_above_threshold', params: { score, threshold } });
  } else if (
    filter.serendipity > 0 &&
    !s.seen.has(inner.category) &&
    unitDraw(offer.id, s.seed) < filter.serendipity
  ) {
    novel = true;
    reasons.push(info.serendipityReason);
  } else {
    reasons.push({ id: 'score_below_threshold', params: { score, threshold } });
    return { action: 'drop', reasons, score };
  }
  if (action === 'hold') {
    return novel
      ? { action, holdUntil: release, reasons, score, novel }
      : { action, holdUntil: release, reasons, score };
  }
  return novel ? { action, reasons, score, novel } : { action, reasons, score };
}

function allWindowed(cover: CoverEntry, mask: number): boolean {
  for (let i = 0; i < cover.scopes.length; i++) {
    if ((mask & (1 << i)) !== 0 && cover.scopes[i]!.windows === undefined) return false;
  }
  return true;
}

/** Sets the customer's local day and minute at `at` (once per instant: a batch shares `now`). */
function localAt(s: CompiledState, at: number): void {
  if (s.localAt === at) return;
  const local = localTime(at, s.quiet.zone);
  s.localAt = at;
  s.localDay = local.day;
  s.localMinute = local.minute;
}

const stageOrder = Object.fromEntries(reasonIds.map((id, i) => [id, i])) as Record<
  ReasonId,
  number
>;

/** Reasons in the order of the rules (stage 6 is checked early but listed in its place). */
function order(reasons: Reason[]): Reason[] {
  return reasons.length < 2 ? reasons : reasons.sort((a, b) => stageOrder[a.id] - stageOrder[b.id]);
}

function inQuietFree(s: CompiledState, at: number): boolean {
  if (s.quietMinutes === undefined) return true;
  localAt(s, at);
  return s.quietMinutes[(s.localDay - 1) * 1440 + s.localMinute] === 0;
}

/**
 * Compiles weekly windows into one byte per minute of the week (10 KiB), evaluated with grants.ts's
 * own `inWindow`, so the hot path answers "quiet now?" with one lookup and the same semantics.
 */
function weekOfMinutes(windows: readonly TimeWindow[]): Uint8Array | undefined {
  if (windows.length === 0) return undefined;
  const week = new Uint8Array(7 * 1440);
  for (let day = 1; day <= 7; day++) {
    for (let minute = 0; minute < 1440; minute++) {
      const local = { day, minute };
      week[(day - 1) * 1440 + minute] = windows.some((w) => inWindow(w, local)) ? 1 : 0;
    }
  }
  return week;
}

function inScopeWindow(scope: CompiledScope, at: number): boolean {
  if (scope.windows === undefined) return true;
  const local = localTime(at, scope.zone);
  return scope.windows.some((w) => inWindow(w, local));
}

function scopeConstraint(scope: CompiledScope): WindowConstraint {
  return { zone: scope.zone, windows: scope.windows ?? [], inside: true };
}
