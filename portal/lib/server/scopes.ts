/**
 * "Scopes no wider than requested" (issue 4): a grant may give less than the company asked for,
 * never more. Each granted scope must fit one requested scope of the same purpose:
 *
 * - channels, data categories and onward recipients are subsets;
 * - `retentionDays` not longer; `maxContactsPerWeek` not higher, and kept when one was asked;
 * - `validUntil` not later, and kept when one was asked;
 * - time windows inside the requested ones (same time zone; compared minute by minute over the
 *   week, so windows running past midnight are handled like any other), and present when some
 *   were asked.
 */
import { ProtocolError } from '$protocol/errors';
import type { Scope, TimeWindow } from '$protocol/messages';

/** Which rule a granted scope broke. */
export type ScopeRule =
  | 'purpose'
  | 'channels'
  | 'data_categories'
  | 'onward_recipients'
  | 'retention'
  | 'contact_cap'
  | 'valid_until'
  | 'time_windows'
  | 'time_zone';

const minutesPerWeek = 7 * 24 * 60;

/**
 * The rule `granted` breaks against `requested` (same purpose assumed), or `undefined` when it
 * fits.
 *
 * @example
 * ```ts
 * scopeExcess({ ...asked, channels: ['email'] }, asked); // undefined
 * scopeExcess({ ...asked, retentionDays: asked.retentionDays + 1 }, asked); // 'retention'
 * ```
 */
export function scopeExcess(granted: Scope, requested: Scope): ScopeRule | undefined {
  if (granted.purpose !== requested.purpose) return 'purpose';
  if (!subset(granted.channels, requested.channels)) return 'channels';
  if (!subset(granted.dataCategories, requested.dataCategories)) return 'data_categories';
  const askedRecipients = new Set(requested.onwardRecipients.map(recipientKey));
  if (!granted.onwardRecipients.every((r) => askedRecipients.has(recipientKey(r)))) {
    return 'onward_recipients';
  }
  if (granted.retentionDays > requested.retentionDays) return 'retention';
  const g = granted.conditions;
  const r = requested.conditions;
  if (
    r.maxContactsPerWeek !== undefined &&
    (g.maxContactsPerWeek === undefined || g.maxContactsPerWeek > r.maxContactsPerWeek)
  ) {
    return 'contact_cap';
  }
  if (r.validUntil !== undefined && (g.validUntil === undefined || g.validUntil > r.validUntil)) {
    return 'valid_until';
  }
  if (r.timeWindows !== undefined) {
    if (g.timeWindows === undefined) return 'time_windows';
    if (g.timeZone !== r.timeZone) return 'time_zone';
    const allowed = weekMinutes(r.timeWindows);
    const asked = weekMinutes(g.timeWindows);
    for (let minute = 0; minute < minutesPerWeek; minute++) {
      if (asked[minute] === 1 && allowed[minute] !== 1) return 'time_windows';
    }
  }
  return undefined;
}

/**
 * Checks every granted scope against the requested ones and the preferred channel against the
 * granted channels.
 *
 * @throws ProtocolError `ERR_SCOPE_WIDER_THAN_REQUESTED` with `detail.scope` (index in the grant)
 *   and `detail.rule`.
 * @example
 * ```ts
 * assertWithinRequest(grant.scopes, request.scopes, grant.preferredChannel);
 * ```
 */
export function assertWithinRequest(
  granted: readonly Scope[],
  requested: readonly Scope[],
  preferredChannel: string,
): void {
  granted.forEach((scope, index) => {
    const candidates = requested.filter((r) => r.purpose === scope.purpose);
    if (candidates.length === 0) wider(index, 'purpose');
    const rules = candidates.map((r) => scopeExcess(scope, r));
    if (!rules.includes(undefined)) wider(index, rules[0]!);
  });
  if (!granted.some((scope) => (scope.channels as readonly string[]).includes(preferredChannel))) {
    throw new ProtocolError(
      'ERR_SCOPE_WIDER_THAN_REQUESTED',
      'The preferred channel is not among the granted channels.',
      { rule: 'preferred_channel' },
    );
  }
}

function wider(scope: number, rule: ScopeRule): never {
  throw new ProtocolError(
    'ERR_SCOPE_WIDER_THAN_REQUESTED',
    `Granted scope ${scope} gives more than was asked (${rule}).`,
    { scope, rule },
  );
}

function subset(items: readonly string[], of: readonly string[]): boolean {
  const allowed = new Set(of);
  return items.every((item) => allowed.has(item));
}

function recipientKey(r: Scope['onwardRecipients'][number]): string {
  return JSON.stringify([r.name, r.company ?? null, r.country ?? null]);
}

/** The minutes of the week (Monday 00:00 = 0) the windows cover, as a 0/1 array. */
function weekMinutes(windows: readonly TimeWindow[]): Uint8Array {
  const minutes = new Uint8Array(minutesPerWeek);
  for (const w of windows) {
    const from = clock(w.from);
    const to = clock(w.to);
    const length = to > from ? to - from : 24 * 60 - from + to;
    for (const day of w.days) {
      const start = (day - 1) * 24 * 60 + from;
      for (let m = 0; m < length; m++) minutes[(start + m) % minutesPerWeek] = 1;
    }
  }
  return minutes;
}

function clock(text: string): number {
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}
