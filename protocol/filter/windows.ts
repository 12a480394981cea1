/**
 * When does a held offer become deliverable? The earliest instant at or after `at` that lies
 * outside every quiet window of the customer (in the customer's zone) and inside a time window of
 * the grant (in the grant's zone), found by stepping from one possible change to the next.
 *
 * Whether an instant is inside a weekly window can only change where the local clock reaches a
 * window's `from` or `to` minute, or where the zone's offset changes. Offsets change on a
 * quarter hour of UTC in every zone in use, so the search visits each window edge and each UTC
 * quarter hour, evaluates `localTime` (grants.ts, `Intl` underneath) there, and stops at the
 * first instant that satisfies everything. That makes daylight-saving days exact: a quiet window
 * ending at 07:00 Berlin time ends at 05:00 UTC in summer and 06:00 UTC in winter, and a window
 * opening at 02:30 on the spring-forward night opens at 03:00 local, the first minute that exists.
 *
 * @example
 * ```ts
 * releaseTime(at, [{ zone: 'Europe/Berlin', windows: quiet, inside: false }], 8 * 86_400);
 * ```
 */
import { inWindow, localTime } from '../grants';
import type { TimeWindow } from '../messages/primitives';

/** One set of weekly windows in one zone, and whether an instant must be inside or outside. */
export interface WindowConstraint {
  readonly zone: string;
  readonly windows: readonly TimeWindow[];
  readonly inside: boolean;
}

const SLICE = 900;
/** A week of quarter hours plus every edge: the search never needs more steps than this. */
const MAX_STEPS = 8 * 96 * 4;

function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/**
 * True when `t` is inside (or outside, as asked) the constraint's windows.
 *
 * @example
 * ```ts
 * satisfied({ zone: 'UTC', windows: [{ days: [1], from: '09:00', to: '10:00' }], inside: true }, t);
 * ```
 */
export function satisfied(c: WindowConstraint, t: number): boolean {
  if (c.windows.length === 0) return !c.inside;
  const local = localTime(t, c.zone);
  let inside = false;
  for (let i = 0; i < c.windows.length && !inside; i++) inside = inWindow(c.windows[i]!, local);
  return inside === c.inside;
}

function nextChange(c: WindowConstraint, t: number): number {
  const { minute } = localTime(t, c.zone);
  // Zones in use have whole-minute offsets, so the local second equals the UTC second.
  const second = ((t % 60) + 60) % 60;
  let best = Infinity;
  for (const w of c.windows) {
    for (const edge of [minutesOf(w.from), minutesOf(w.to) % 1440]) {
      const ahead = (edge - minute + 1440) % 1440 || 1440;
      const candidate = t - second + ahead * 60;
      if (candidate < best) best = candidate;
    }
  }
  return best;
}

/**
 * The earliest instant in `[at, at + horizon]` satisfying every constraint, or `undefined`
 * when there is none (e.g. quiet hours around the clock).
 *
 * @example
 * ```ts
 * releaseTime(1_774_738_800, [{ zone: 'Europe/Berlin', windows: [{ days: [1,2,3,4,5,6,7], from: '22:00', to: '07:00' }], inside: false }], 86_400);
 * ```
 */
export function releaseTime(
  at: number,
  constraints: readonly WindowConstraint[],
  horizon: number,
): number | undefined {
  const end = at + horizon;
  let t = at;
  for (let step = 0; step < MAX_STEPS && t <= end; step++) {
    let ok = true;
    for (let i = 0; i < constraints.length && ok; i++) ok = satisfied(constraints[i]!, t);
    if (ok) return t;
    let next = (Math.floor(t / SLICE) + 1) * SLICE;
    for (const c of constraints) {
      if (c.windows.length > 0) next = Math.min(next, nextChange(c, t));
    }
    t = next;
  }
  return undefined;
}
