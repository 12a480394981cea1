/**
 * How often one company's pages may ask the Assistant for consent: at most
 * {@link maxRequestsPerCompanyPerMinute} requests a minute, with a window or without (a quiet
 * one, extension/core/declined-windows), refused with `ERR_RATE_LIMITED` beyond that.
 *
 * Kept in `storage.session` (memory only, gone when the browser closes, not readable by content
 * scripts), as the declined windows are: a browser stops an idle service worker after half a
 * minute, and a limit held in the worker's memory would start afresh each time, so a page that
 * waited for that could ask again and again. It names only companies and when they asked.
 * Without a cell (tests), in memory.
 */
import { ProtocolError } from '../../protocol/errors';
import type { ClockPort, SessionCell } from './ports';

/** How many requests of one company's pages are taken in a minute (windows and quiet ones). */
export const maxRequestsPerCompanyPerMinute = 3;

const minuteMs = 60_000;

/** At most this many companies remembered; those that asked longest ago are forgotten first. */
const maxRemembered = 500;

/** The stored form: company id → when its pages' requests of the last minute came (ms). */
type Recent = Record<string, number[]>;

/** A company id: `co_` and a JWK thumbprint (SPECS.md "Identifiers and addresses"). */
const companyId = /^co_[A-Za-z0-9_-]{43}$/;

/**
 * The stored requests still inside the minute before `now`, well-formed entries only. One
 * "later" than now (the clock set back) no longer counts: the limit must never hold a company
 * off for longer than its minute.
 */
function liveOf(value: unknown, now: number): Recent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const live: Recent = {};
  for (const [company, times] of Object.entries(value)) {
    if (!companyId.test(company) || !Array.isArray(times)) continue;
    const kept = times.filter(
      (at): at is number => typeof at === 'number' && at <= now && now - at < minuteMs,
    );
    if (kept.length > 0) live[company] = kept.slice(-maxRequestsPerCompanyPerMinute);
  }
  return live;
}

/**
 * The requests each company's pages made in the last minute.
 *
 * @example
 * ```ts
 * const limit = new RequestLimit({ cell: sessionValue('consent.requests'), clock });
 * await limit.take(company); // ERR_RATE_LIMITED past the limit
 * ```
 */
export class RequestLimit {
  private memory: unknown;
  /** Read-modify-writes one after the other (two tabs of a company may ask at once). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ports: { cell?: SessionCell<unknown>; clock: ClockPort }) {}

  /**
   * Counts one more request of `company`'s pages now, or refuses it with `ERR_RATE_LIMITED`
   * (then nothing is counted). A storage that cannot be read or written fails the request with
   * its error: what cannot be counted is not taken.
   */
  take(company: string): Promise<number> {
    return this.update((recent, now) => {
      const times = recent[company] ?? [];
      if (times.length >= maxRequestsPerCompanyPerMinute)
        throw new ProtocolError('ERR_RATE_LIMITED', 'this company asked too often');
      recent[company] = [...times, now];
      return now;
    });
  }

  /**
   * Gives back the request {@link take} counted at `at` (ms, what it returned): one refused
   * after all for a reason that is no request of the minute (its page had one open already, which
   * two tabs asking at once learn only when the window would open). Nothing when it is gone.
   */
  refund(company: string, at: number): Promise<void> {
    return this.update((recent) => {
      const times = recent[company] ?? [];
      const i = times.lastIndexOf(at);
      if (i >= 0) recent[company] = times.filter((_, j) => j !== i);
    });
  }

  /** Runs `change` on the live counts and stores them (read-modify-writes one after the other). */
  private update<T>(change: (recent: Recent, now: number) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const now = this.ports.clock.now();
      const stored = this.ports.cell === undefined ? this.memory : await this.ports.cell.read();
      const recent = liveOf(stored, now);
      const result = change(recent, now);
      const kept = Object.fromEntries(
        Object.entries(recent)
          .filter(([, times]) => times.length > 0)
          .sort(([, a], [, b]) => b.at(-1)! - a.at(-1)!)
          .slice(0, maxRemembered),
      );
      if (this.ports.cell === undefined) this.memory = kept;
      else await this.ports.cell.write(kept);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
