/**
 * Auto-lock after a configurable idle time (issue 6 "Vault"). The background records activity
 * (every request from the customer's pages) and an alarm asks, about once a minute, whether the
 * vault is due to lock. The last activity lives in a {@link SessionCell} (`storage.session`), so a
 * service-worker restart neither forgets it nor extends the idle time.
 */
import { ProtocolError } from '../../protocol/errors';
import type { ClockPort, SessionCell } from './ports';

/** Minutes the customer may choose; the default is what most password managers use. */
export const autoLockMinutes = { min: 1, max: 24 * 60, default: 15 } as const;

/**
 * The idle timer.
 *
 * @example
 * ```ts
 * const timer = new AutoLock({ clock, lastActivity: sessionCell('vault.activity'), minutes: () => settings.autoLockMinutes });
 * await timer.touch();
 * if (await timer.due()) vault.lock();
 * ```
 */
export class AutoLock {
  constructor(
    private readonly options: {
      readonly clock: ClockPort;
      readonly lastActivity: SessionCell<number>;
      readonly minutes: () => number | Promise<number>;
    },
  ) {}

  /** Records activity now. */
  async touch(): Promise<void> {
    await this.options.lastActivity.write(this.options.clock.now());
  }

  /** When the vault locks if nothing else happens (ms since the epoch), or null if never touched. */
  async deadline(): Promise<number | null> {
    const last = await this.options.lastActivity.read();
    if (typeof last !== 'number' || !Number.isFinite(last)) return null;
    const minutes = await this.options.minutes();
    if (
      !Number.isInteger(minutes) ||
      minutes < autoLockMinutes.min ||
      minutes > autoLockMinutes.max
    )
      throw new ProtocolError('ERR_PROFILE_INVALID', 'auto-lock minutes out of range');
    return last + minutes * 60_000;
  }

  /**
   * True when the idle time has passed. Without any recorded activity the answer is true: an
   * unlocked vault whose activity was lost must lock rather than stay open forever.
   */
  async due(): Promise<boolean> {
    const deadline = await this.deadline();
    return deadline === null || this.options.clock.now() >= deadline;
  }
}
