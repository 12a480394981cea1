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
 * 2. the blacklist (company or brand);
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
}

interface CompiledScope {
  readonly channels: ReadonlySet<string>;
  readonly validUntil: number;
  readonly revokedAt: number;
  readonly cap: number;
  readonly zone: string;
  readonly windows: readonly TimeWindow[] | undefined;
}

interface CompiledGrant {
  readonly source: FilterGrant;
  readonly company: string;
  readonly iat: number;
  readonly until: number;
  readonly revokedAt: number;
  readonly byPurpose: ReadonlyMap<string, readonly CompiledScope[]>;
}

interface CategoryInfo {
  readonly refused: string | undefined;
  /** Manual mode: the opted-in category (itself or a parent), if any. */
  readonly optedIn: string | undefined;
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
  const byPurpose = new Map<string, CompiledScope[]>();
  for (const scope of grant.scopes) {
    const revokedAt = minOr(
      revocations.filter((r) => r.purposes?.includes(scope.purpose)).map((r) => r.at),
      Infinity,
    );
    const c = scope.conditions;
    const list = byPurpose.get(scope.purpose) ?? [];
    list.push({
      channels: new Set(scope.channels),
      validUntil: c.validUntil ?? Infinity,
      revokedAt,
      cap: c.maxContactsPerWeek ?? Infinity,
      zone: c.timeZone,
      windows: c.timeWindows,
    });
    byPurpose.set(scope.purpose, list);
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

/** Index of the first element >= t. */
function lowerBound(list: readonly number[], t: number): number {
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

/** The first instant >= t at which fewer than `cap` contacts lie in the rolling week. */
function capFreeAt(list: readonly number[] | undefined, t: number, cap: number): number {
  if (list === undefined) return t;
  const count = countInWeek(list, t);
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
    info = { refused, optedIn };
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

/** Scopes of the grant that cover purpose and channel at `t` with the company's count at `t`. */
function coveringScopes(
  s: CompiledState,
  g: CompiledGrant,
  purpose: string,
  channel: string,
  t: number,
): CompiledScope[] | undefined {
  if (t >= g.revokedAt || t < g.iat || t >= g.until) return undefined;
  const scopes = g.byPurpose.get(purpose);
  if (scopes === undefined) return undefined;
  let out: CompiledScope[] | undefined;
  for (const scope of scopes) {
    if (t >= scope.revokedAt || !scope.channels.has(channel) || t >= scope.validUntil) continue;
    if (scope.cap !== Infinity && countInWeek(s.deliveredBy.get(g.company), t) >= scope.cap) {
      continue;
    }
    (out ??= []).push(scope);
  }
  return out;
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
  if (s.suspended.has(company)) reasons.push(reason('company_suspended', { company }));
  const grant = s.grants.get(inner.grantSha256);
  let scopes: CompiledScope[] | undefined;
  if (
    grant === undefined ||
    grant.company !== company ||
    grant.source.active.grant.iss !== inner.aud
  ) {
    reasons.push(reason('grant_missing'));
  } else {
    const sentAt = Math.min(outer.iat, at);
    scopes = coveringScopes(s, grant, inner.purpose, inner.channel, sentAt);
    if (scopes === undefined) {
      // The compiled check said no; grants.ts is the authority on which rule failed and says why.
      const coverage = checkCoverage(grant.source.active, {
        purpose: inner.purpose,
        channel: inner.channel,
        at: sentAt,
        contactsInLast7Days: countInWeek(s.deliveredBy.get(company), sentAt),
      });
      reasons.push(
        reason('grant_not_covered', { rule: coverage.covered ? 'purpose' : coverage.rule }),
      );
    } else if (coveringScopes(s, grant, inner.purpose, inner.channel, at) === undefined) {
      // Lawfully sent, but the customer revoked (or the grant ran out) since: not a violation.
      const coverage = checkCoverage(grant.source.active, {
        purpose: inner.purpose,
        channel: inner.channel,
        at,
        contactsInLast7Days: countInWeek(s.deliveredBy.get(company), at),
      });
      reasons.push(reason('grant_ended', { rule: coverage.covered ? 'expired' : coverage.rule }));
    }
  }
  if (inner.validUntil <= at) reasons.push(reason('offer_expired'));

  // 2. Blacklist.
  if (s.blockedCompanies.has(company)) reasons.push(reason('blacklisted_company', { company }));
  if (s.blockedBrands.size > 0) {
    const blocked = s.blockedBrands.get(keyOfBrand(s, inner.brand));
    if (blocked !== undefined && (blocked.has('*') || blocked.has(company))) {
      reasons.push(reason('blacklisted_brand', { brand: inner.brand }));
    }
  }

  // 3. The customer's settings.
  if (!s.allowedChannels.has(inner.channel)) {
    reasons.push(reason('channel_not_allowed', { channel: inner.channel }));
  }
  if (s.refusedPurposes.has(inner.purpose)) {
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

  // 4 + 5. Quiet hours, the grant's windows, the customer's caps: deliver now or hold.
  let release = at;
  const holds: Reason[] = [];
  const quietNow = s.quiet.windows.length > 0 && !inQuietFree(s, at);
  // Only when every covering scope has windows do windows restrict the time (else one does not).
  // Plain loops, no callbacks: nothing is allocated per decision on this path.
  let windowed = true;
  for (const sc of scopes!) if (sc.windows === undefined) windowed = false;
  let windowNow = windowed;
  if (windowed) for (const sc of scopes!) if (inScopeWindow(sc, at)) windowNow = false;
  const companyList = s.deliveredBy.get(company);
  const capCompany = s.capCompany.get(company) ?? s.capDefault;
  const overCap =
    countInWeek(s.deliveredAll, at) >= s.capAll || countInWeek(companyList, at) >= capCompany;
  if (quietNow || windowNow || overCap) {
    // Alternate until quiet hours, windows and caps all allow the same instant (a cap frees at a
    // time that may be quiet, and so on); a few rounds always settle or run past the horizon.
    let t: number | undefined = at;
    for (let round = 0; round < 8 && t !== undefined; round++) {
      const from: number = t;
      const open: number | undefined = windowed
        ? earliestOf(
            scopes!.map((sc) => releaseTime(from, [s.quiet, scopeConstraint(sc)], HOLD_HORIZON)),
          )
        : releaseTime(from, [s.quiet], HOLD_HORIZON);
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
    if (quietNow) holds.push(reason('quiet_hours', { until: release }));
    if (windowNow) holds.push(reason('grant_time_window', { until: release }));
    if (overCap) holds.push(reason('contact_cap', { until: release }));
  }

  // 7. Relevance.
  reasons.push(reason('grant_covers', { purpose: inner.purpose, channel: inner.channel }));
  reasons.push(reason('settings_allow', { channel: inner.channel }));
  for (const h of holds) reasons.push(h);
  let score: number | undefined;
  let novel = false;
  let irrelevant = false;
  if (filter.mode === 'manual') {
    if (info.optedIn === undefined) {
      reasons.push(reason('not_opted_in', { category: inner.category }));
      irrelevant = true;
    } else {
      reasons.push(reason('opted_in', { category: info.optedIn }));
    }
  } else {
    const learner = s.learner!;
    const local = localTime(at, s.quiet.zone);
    score = learner.score(
      learner.features({
        category: inner.category,
        brand: inner.brand,
        company,
        channel: inner.channel,
        purpose: inner.purpose,
        incentive: grant!.source.incentive,
        price: offer.price,
        hour: (local.minute / 60) | 0,
        weekday: local.day,
      }),
    );
    const threshold = filter.threshold;
    if (score >= threshold) {
      reasons.push(reason('score_above_threshold', { score, threshold }));
    } else if (
      filter.serendipity > 0 &&
      !s.seen.has(inner.category) &&
      unitDraw(offer.id, s.seed) < filter.serendipity
    ) {
      novel = true;
      reasons.push(reason('serendipity', { category: inner.category }));
    } else {
      reasons.push(reason('score_below_threshold', { score, threshold }));
      irrelevant = true;
    }
  }
  const extra = score === undefined ? {} : { score };
  if (irrelevant) return { action: 'drop', reasons, ...extra };
  const action: DecisionAction = release > at ? 'hold' : 'deliver';
  return {
    action,
    ...(action === 'hold' ? { holdUntil: release } : {}),
    reasons,
    ...extra,
    ...(novel ? { novel } : {}),
  };
}

const stageOrder = Object.fromEntries(reasonIds.map((id, i) => [id, i])) as Record<
  ReasonId,
  number
>;

/** Reasons in the order of the rules (stage 6 is checked early but listed in its place). */
function order(reasons: Reason[]): Reason[] {
  return reasons.length < 2 ? reasons : reasons.sort((a, b) => stageOrder[a.id] - stageOrder[b.id]);
}

function earliestOf(values: readonly (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || v < best)) best = v;
  return best;
}

function inQuietFree(s: CompiledState, at: number): boolean {
  if (s.quietMinutes === undefined) return true;
  const local = localTime(at, s.quiet.zone);
  return s.quietMinutes[(local.day - 1) * 1440 + local.minute] === 0;
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
