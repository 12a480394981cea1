/**
 * Which companies the customer's own reasons (blacklist, a refusal's "ask me again after")
 * recently declined in a consent window, so that one company's page cannot pop a window on every
 * load. The first declined request of a company looks like any other: a window opens and tells the
 * customer why. Further requests of that company within {@link declinedWindowQuietMs} get no
 * window; the page learns `cancelled` after {@link quietCancelDelayMs}, as if the customer had
 * read a window and closed it (extension/service.ts, docs/architecture.md "The page bridge").
 *
 * Kept in `storage.session` (memory only, gone when the browser closes, not readable by content
 * scripts), so it holds while the vault is locked and across service-worker restarts, as the
 * site decisions of extension/core/open-web do: it names only companies, never why they were
 * declined. Without a cell (tests), in memory.
 */
import type { ClockPort, RandomBytesPort, SessionCell } from './ports';

/** How long after a company's declined window its further declined requests get none (a day). */
export const declinedWindowQuietMs = 24 * 60 * 60 * 1000;

/** At most this many companies remembered; the oldest are forgotten first. */
const maxRemembered = 500;

/** The shortest and longest delay before a quiet request says `cancelled` (ms). */
const quietDelayMinMs = 3_000;
const quietDelayMaxMs = 40_000;

/**
 * A random delay in [3 s, 40 s) before a request answered without a window says `cancelled`:
 * about the time a person takes to read a short window and close it. An instant answer would
 * tell the page that no one was asked.
 *
 * @example
 * ```ts
 * tickets.openQuiet(verified, tabId, clock.now() + quietCancelDelayMs(randomBytes));
 * ```
 */
export function quietCancelDelayMs(randomBytes: RandomBytesPort): number {
  const [a = 0, b = 0, c = 0, d = 0] = randomBytes(4);
  const fraction = (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) / 2 ** 32;
  return quietDelayMinMs + Math.floor(fraction * (quietDelayMaxMs - quietDelayMinMs));
}

/**
 * The stored form: company id → until when its further declined requests get no window (ms):
 * a day after its declined window, or the end of the customer's "ask me again after" if sooner.
 */
type Shown = Record<string, number>;

/** A company id: `co_` and a JWK thumbprint (SPECS.md "Identifiers and addresses"). */
const companyId = /^co_[A-Za-z0-9_-]{43}$/;

/** `value` as read from the cell, keeping only well-formed entries. */
function parseShown(value: unknown): Shown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      ([company, at]) => companyId.test(company) && typeof at === 'number' && Number.isFinite(at),
    ),
  );
}

/**
 * The companies whose declined window was shown lately.
 *
 * @example
 * ```ts
 * const declined = new DeclinedWindows({ cell: sessionValue('consent.declined'), clock });
 * if (await declined.shownRecently(company)) answerQuietly();
 * else await declined.note(company);
 * ```
 */
export class DeclinedWindows {
  private memory: unknown;
  /** Read-modify-writes one after the other (two tabs of a company may ask at once). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ports: { cell?: SessionCell<unknown>; clock: ClockPort }) {}

  private async read(): Promise<Shown> {
    return parseShown(this.ports.cell === undefined ? this.memory : await this.ports.cell.read());
  }

  private async write(shown: Shown): Promise<void> {
    if (this.ports.cell === undefined) this.memory = shown;
    else await this.ports.cell.write(shown);
  }

  /** The stored entries still running (one more than a day ahead, a clock set back, is not). */
  private async live(): Promise<Shown> {
    const now = this.ports.clock.now();
    return Object.fromEntries(
      Object.entries(await this.read()).filter(
        ([, until]) => until > now && until - now <= declinedWindowQuietMs,
      ),
    );
  }

  /** Runs `change` on the live entries and stores what it returns (the newest, at most 500). */
  private update(change: (shown: Shown) => Shown): Promise<void> {
    const run = this.queue.then(async () => {
      const kept = Object.entries(change(await this.live()))
        .sort(([, a], [, b]) => b - a)
        .slice(0, maxRemembered);
      await this.write(Object.fromEntries(kept));
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Whether `company`'s declined window was shown less than a day ago, and its reason may hold. */
  async shownRecently(company: string): Promise<boolean> {
    await this.queue;
    return Object.hasOwn(await this.live(), company);
  }

  /**
   * Records that `company`'s declined window is shown now (the first of the day is kept): its
   * further declined requests get none for a day, or only until `endsAt` (ms), when the reason
   * ends then (a refusal's "ask me again after": the vault may be locked by then, and the company
   * may ask again from that moment).
   */
  note(company: string, endsAt?: number): Promise<void> {
    const now = this.ports.clock.now();
    const until = Math.min(now + declinedWindowQuietMs, endsAt ?? Infinity);
    return this.update((shown) =>
      Object.hasOwn(shown, company) || until <= now ? shown : { ...shown, [company]: until },
    );
  }

  /**
   * Forgets `company` (its request passed the customer's checks again), or every company (null:
   * the blacklist changed, or the vault was wiped).
   */
  forget(company: string | null): Promise<void> {
    return this.update((shown) => {
      if (company === null) return {};
      const { [company]: _dropped, ...rest } = shown;
      return rest;
    });
  }
}
