/**
 * Grant coverage: does this grant allow purpose P on channel C at time T, given its time
 * windows (in their IANA time zone), contact caps, `until` and revocations? When it does not,
 * say which rule failed (DESIGN section 6 step 1, SPECS "Consent conditions").
 *
 * The input is either a parsed grant payload (`GrantPayload`, from `protocol/messages`) or an
 * {@link ActiveGrant}: that payload plus the revocations the holder has seen. Nothing here
 * re-validates the payload: parse it first (`parseMessage('grant', ...)`), which is what makes
 * this check cheap enough for the relay's and the Assistant's hot paths.
 *
 * Semantics, all in whole seconds:
 * - the grant is valid on `[iat, until)`, and each scope additionally until its
 *   `conditions.validUntil` (exclusive);
 * - a revocation is effective from its own `iat` (`at` below), inclusive;
 * - a time window is wall-clock time in the scope's zone, evaluated with `Intl.DateTimeFormat`
 *   for the exact instant, so daylight-saving changes shift it as a person would expect; a
 *   window whose `to` is before its `from` runs past midnight into the next day;
 * - contacts in the rolling 7 × 24 hours before `at` must be fewer than `maxContactsPerWeek`;
 *   when a scope has a cap and the count is not supplied, the answer is "not covered"
 *   (fail closed: an unknown count must never let an offer through).
 *
 * @example
 * ```ts
 * const grant = parseMessage('grant', payload);
 * const result = checkCoverage(grant, { purpose: 'product_launch', channel: 'newsletter',
 *   at: nowSeconds, contactsInLast7Days: 1 });
 * if (!result.covered) console.log(result.rule); // e.g. 'time_window'
 * ```
 */
import { ProtocolError } from './errors';
import type { GrantPayload, RevocationPayload } from './messages';
import type { Scope, TimeWindow } from './messages/primitives';
import { limits } from './messages/primitives';
import type { Channel, Purpose } from './vocabulary';

/** Every rule coverage can fail on. */
export const coverageRules = [
  'revoked',
  'not_yet_valid',
  'expired',
  'purpose',
  'channel',
  'time_window',
  'contact_cap',
] as const;
export type CoverageRule = (typeof coverageRules)[number];

export type Coverage =
  | { readonly covered: true }
  | { readonly covered: false; readonly rule: CoverageRule; readonly detail: string };

export interface CoverageQuery {
  /** The purpose asked about; a string that is no purpose simply is not covered. */
  readonly purpose: Purpose | string;
  readonly channel: Channel | string;
  /** The instant, in whole seconds since the epoch. */
  readonly at: number;
  /**
   * Contacts by this company with this pseudonym, under any of its grants, in the 7 × 24 hours
   * before `at` (caps count per company, DESIGN section 6).
   */
  readonly contactsInLast7Days?: number;
}

/** A revocation as it applies to one grant: from `at` on, for some purposes or all. */
export interface GrantRevocation {
  readonly at: number;
  /** Absent: the whole grant. */
  readonly purposes?: readonly string[];
}

/** A grant payload together with the revocations that apply to it. */
export interface ActiveGrant {
  readonly grant: GrantPayload;
  readonly revocations: readonly GrantRevocation[];
}

/**
 * Builds an {@link ActiveGrant} from a grant, its hash and the revocation payloads seen for the
 * same pseudonym. Revocations by another signer or to another company are ignored: they cannot
 * speak for this grant; so is a revocation of `all` signed before the grant.
 *
 * @example
 * ```ts
 * const active = activeGrant(grant, grantSha256, [revocation]);
 * checkCoverage(active, query);
 * ```
 */
export function activeGrant(
  grant: GrantPayload,
  grantSha256: string,
  revocations: readonly RevocationPayload[] = [],
): ActiveGrant {
  const applying: GrantRevocation[] = [];
  for (const r of revocations) {
    if (r.iss !== grant.iss || r.aud !== grant.aud) continue;
    if (r.grants === 'all') {
      // "All" is every grant given by then: a grant given later (the customer asked again and
      // granted) is not revoked by it, as the clearinghouse revokes only the grants it holds.
      if (grant.iat <= r.iat) applying.push({ at: r.iat });
      continue;
    }
    for (const g of r.grants) {
      if (g.grantSha256 !== grantSha256) continue;
      applying.push(g.purposes === undefined ? { at: r.iat } : { at: r.iat, purposes: g.purposes });
    }
  }
  return { grant, revocations: applying };
}

/**
 * Checks whether `grant` covers `query`. Among the scopes for the asked purpose, the one that
 * got furthest decides which rule is reported, so the answer names the most specific reason.
 *
 * @throws ProtocolError `ERR_COVERAGE_QUERY_INVALID` when `at` or the count is not a whole,
 *   non-negative number in range; `ERR_MESSAGE_INVALID` when a time zone in the grant cannot be
 *   evaluated (a grant that was not parsed).
 * @example
 * ```ts
 * checkCoverage(grant, { purpose: 'win_back', channel: 'email', at: 1_767_598_200 });
 * // { covered: false, rule: 'purpose', detail: "purpose 'win_back' is not granted" }
 * ```
 */
export function checkCoverage(grant: GrantPayload | ActiveGrant, query: CoverageQuery): Coverage {
  const { grant: payload, revocations } = isActiveGrant(grant)
    ? grant
    : { grant, revocations: [] as readonly GrantRevocation[] };
  const { at, contactsInLast7Days } = validQuery(query);

  const whole = revocations.find((r) => r.purposes === undefined && r.at <= at);
  if (whole !== undefined) return notCovered('revoked', `grant revoked at ${whole.at}`);
  if (at < payload.iat) return notCovered('not_yet_valid', `grant valid from ${payload.iat}`);
  if (at >= payload.until) return notCovered('expired', `grant ended at ${payload.until}`);

  const forPurpose = payload.scopes.filter((s) => s.purpose === query.purpose);
  if (forPurpose.length === 0) {
    return notCovered('purpose', `purpose '${short(query.purpose)}' is not granted`);
  }

  // Evaluate each candidate scope; keep the failure that got furthest.
  let furthest: { rule: CoverageRule; detail: string } | undefined;
  for (const scope of forPurpose) {
    const failure = scopeFailure(scope, query, at, contactsInLast7Days, revocations);
    if (failure === undefined) return { covered: true };
    if (furthest === undefined || stage(failure.rule) > stage(furthest.rule)) furthest = failure;
  }
  // forPurpose is non-empty, so some failure was recorded.
  const { rule, detail } = furthest as { rule: CoverageRule; detail: string };
  return notCovered(rule, detail);
}

/**
 * Like {@link checkCoverage}, but throws when not covered.
 *
 * @throws ProtocolError `ERR_GRANT_NOT_COVERED` with `detail.rule` (and the errors of
 *   `checkCoverage`).
 * @example
 * ```ts
 * assertCoverage(grant, { purpose: offer.purpose, channel: offer.channel, at: now, contactsInLast7Days });
 * ```
 */
export function assertCoverage(grant: GrantPayload | ActiveGrant, query: CoverageQuery): void {
  const result = checkCoverage(grant, query);
  if (!result.covered) {
    throw new ProtocolError('ERR_GRANT_NOT_COVERED', `Not covered by the grant: ${result.detail}`, {
      rule: result.rule,
      detail: result.detail,
    });
  }
}

// ---------------------------------------------------------------------------------------------

/** The order in which a scope's own rules are checked (see `scopeFailure`). */
const SCOPE_RULE_ORDER: readonly CoverageRule[] = [
  'revoked',
  'channel',
  'expired',
  'time_window',
  'contact_cap',
];

/** How far a scope got before failing: later rules are more specific reasons. */
function stage(rule: CoverageRule): number {
  return SCOPE_RULE_ORDER.indexOf(rule);
}

function scopeFailure(
  scope: Scope,
  query: CoverageQuery,
  at: number,
  contacts: number | undefined,
  revocations: readonly GrantRevocation[],
): { rule: CoverageRule; detail: string } | undefined {
  const revoked = revocations.find((r) => r.at <= at && r.purposes?.includes(scope.purpose));
  if (revoked !== undefined) {
    return { rule: 'revoked', detail: `purpose '${scope.purpose}' revoked at ${revoked.at}` };
  }
  if (!(scope.channels as readonly string[]).includes(query.channel)) {
    return { rule: 'channel', detail: `channel '${short(query.channel)}' is not granted` };
  }
  const { validUntil, timeWindows, timeZone, maxContactsPerWeek } = scope.conditions;
  if (validUntil !== undefined && at >= validUntil) {
    return { rule: 'expired', detail: `scope ended at ${validUntil}` };
  }
  if (timeWindows !== undefined) {
    const local = localTime(at, timeZone);
    if (!timeWindows.some((w) => inWindow(w, local))) {
      return {
        rule: 'time_window',
        detail: `outside the time windows (${timeZone}, day ${local.day}, ${hhmm(local.minute)})`,
      };
    }
  }
  if (maxContactsPerWeek !== undefined) {
    if (contacts === undefined) {
      return { rule: 'contact_cap', detail: 'contact count not supplied for a capped scope' };
    }
    if (contacts >= maxContactsPerWeek) {
      return {
        rule: 'contact_cap',
        detail: `${contacts} contacts in 7 days, at most ${maxContactsPerWeek} allowed`,
      };
    }
  }
  return undefined;
}

function isActiveGrant(grant: GrantPayload | ActiveGrant): grant is ActiveGrant {
  return 'grant' in grant && 'revocations' in grant;
}

function validQuery(query: CoverageQuery): { at: number; contactsInLast7Days: number | undefined } {
  const { at, contactsInLast7Days } = query;
  if (!Number.isSafeInteger(at) || at < 0 || at > limits.maxEpochSeconds) {
    throw new ProtocolError('ERR_COVERAGE_QUERY_INVALID', 'Coverage time must be whole seconds', {
      field: 'at',
    });
  }
  if (
    contactsInLast7Days !== undefined &&
    (!Number.isSafeInteger(contactsInLast7Days) || contactsInLast7Days < 0)
  ) {
    throw new ProtocolError('ERR_COVERAGE_QUERY_INVALID', 'Contact count must be a whole number', {
      field: 'contactsInLast7Days',
    });
  }
  return { at, contactsInLast7Days };
}

function notCovered(rule: CoverageRule, detail: string): Coverage {
  return { covered: false, rule, detail };
}

/** Attacker-chosen strings go into `detail`: keep them short. */
function short(s: string): string {
  return String(s).slice(0, 64);
}

// ---------------------------------------------------------------------------------------------
// Wall-clock time in a zone

/** ISO weekday (1 = Monday .. 7 = Sunday) and minute of the day (0..1439). */
export interface LocalTime {
  readonly day: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        hourCycle: 'h23',
      });
    } catch (_e) {
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'Unknown time zone in grant', {
        issues: ['scopes.conditions.timeZone'],
      });
    }
    // Zones come from parsed grants (a few hundred names at most); the cap is a backstop.
    if (formatters.size < 1024) formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's UTC offset at `at`, in seconds, straight from `Intl` (~10 µs). */
function intlOffset(at: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at * 1000))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  const wall = Date.UTC(
    year ?? NaN,
    (month ?? NaN) - 1,
    day ?? NaN,
    (hour ?? NaN) % 24,
    minute ?? NaN,
    second ?? NaN,
  );
  const offset = wall / 1000 - at;
  // Real offsets lie within ±26 h; anything else means the engine answered something unexpected.
  if (!Number.isInteger(offset) || Math.abs(offset) > 26 * 3600) {
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'Time zone could not be evaluated', {
      issues: ['scopes.conditions.timeZone'],
    });
  }
  return offset;
}

/**
 * Offsets cached per zone and 15-minute slice of UTC time. Asking `Intl` for every offer would
 * cost ~10 µs; the relay and the Assistant ask about the same few slices over and over. A slice
 * is cached only when the offset at its first and its last second agree, so a slice holding a
 * transition (which in practice fall on quarter hours anyway) is always computed exactly.
 */
const SLICE_SECONDS = 900;
const offsetSlices = new Map<string, Map<number, number>>();

function zoneOffset(at: number, timeZone: string): number {
  const slice = Math.floor(at / SLICE_SECONDS);
  let slices = offsetSlices.get(timeZone);
  const cached = slices?.get(slice);
  if (cached !== undefined) return cached;
  const start = slice * SLICE_SECONDS;
  const first = intlOffset(start, timeZone);
  if (first !== intlOffset(start + SLICE_SECONDS - 1, timeZone)) return intlOffset(at, timeZone);
  if (slices === undefined) {
    if (offsetSlices.size >= 1024) offsetSlices.clear();
    slices = new Map();
    offsetSlices.set(timeZone, slices);
  }
  if (slices.size >= 4096) slices.clear();
  slices.set(slice, first);
  return first;
}

/**
 * The wall-clock weekday and minute at `at` in `timeZone`. Pure for a given instant and tz
 * database: the zone's offset *at that instant* comes from `Intl` (cached per quarter hour),
 * which is what makes daylight-saving transitions come out right.
 *
 * @example
 * ```ts
 * localTime(1_774_765_800, 'Europe/Berlin'); // Sunday 2026-03-29 08:30 CEST: { day: 7, minute: 510 }
 * ```
 */
export function localTime(at: number, timeZone: string): LocalTime {
  const local = at + zoneOffset(at, timeZone);
  const days = Math.floor(local / 86_400);
  const secondOfDay = local - days * 86_400;
  // 1970-01-01 was a Thursday (ISO weekday 4).
  const day = ((((days + 3) % 7) + 7) % 7) + 1;
  return { day, minute: Math.floor(secondOfDay / 60) };
}

function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/**
 * True when `local` falls in window `w`: `[from, to)` on one of its days, or, for a window that
 * crosses midnight, from `from` on one of its days through `to` on the following day.
 */
export function inWindow(w: TimeWindow, local: LocalTime): boolean {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to); // '24:00' gives 1440, the end of the day
  if (from < to) return w.days.includes(local.day) && local.minute >= from && local.minute < to;
  const previousDay = local.day === 1 ? 7 : local.day - 1;
  return (
    (w.days.includes(local.day) && local.minute >= from) ||
    (w.days.includes(previousDay) && local.minute < to)
  );
}
