/**
 * A purge that runs at once and then every `intervalMs`: the relay's expired inbox items
 * (relay.ts), the replay records of expired messages (db/seen-jtis.ts). Runs never overlap; a
 * failed run is logged and the next one tries again. The timer does not keep the process alive.
 */

/** The running purge of {@link startPeriodicPurge}. */
export interface PeriodicPurge {
  /** Resolves after the first purge (the one at start) finished, whether it purged or failed. */
  readonly started: Promise<void>;
  /** Stops the timer and waits for a purge in progress. */
  stop(): Promise<void>;
}

export interface PeriodicPurgeOptions {
  intervalMs: number;
  /** What a failed run logs, e.g. `relay: purging expired inbox items failed:`. */
  failure: string;
  log?: (message: string, error?: unknown) => void;
}

/**
 * Runs `purge` now and every `options.intervalMs` (see the module's comment).
 *
 * @example
 * ```ts
 * const purge = startPeriodicPurge(() => purgeSeenJtis(cdb, nowSeconds), { intervalMs, failure: 'jtis:' });
 * process.once('sveltekit:shutdown', () => void purge.stop());
 * ```
 */
export function startPeriodicPurge(
  purge: () => Promise<unknown>,
  options: PeriodicPurgeOptions,
): PeriodicPurge {
  const log = options.log ?? ((message, error) => console.error(message, error ?? ''));
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running ??= purge()
      .then(
        () => undefined,
        (error: unknown) => log(options.failure, error),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const started = run();
  const timer = setInterval(() => void run(), options.intervalMs);
  timer.unref();
  return {
    started,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
