/**
 * A purge that runs at once and then every `intervalMs`: the relay's expired inbox items
 * (relay.ts), the replay records of expired messages (db/seen-jtis.ts). Runs never overlap; a
 * failed run is logged and the next one tries again. A database that cannot be reached is said
 * once when a run first finds it so and once when a run works again (db/unreachable.ts), not at
 * every run. The timer does not keep the process alive.
 */
import { createOutageReporter, type OutageLog } from './db/unreachable';

/** The running purge of {@link startPeriodicPurge}. */
export interface PeriodicPurge {
  /** Resolves after the first purge (the one at start) finished, whether it purged or failed. */
  readonly started: Promise<void>;
  /** Stops the timer and waits for a purge in progress. */
  stop(): Promise<void>;
}

export interface PeriodicPurgeOptions {
  /** The purge's name in the lines of an unreachable database, e.g. `relay purge`. */
  name: string;
  intervalMs: number;
  /** What a failed run logs, e.g. `relay: purging expired inbox items failed:`. */
  failure: string;
  log?: (message: string, error?: unknown) => void;
  /** Where the lines of an unreachable database go (default the process's logger). */
  outageLog?: OutageLog;
}

/**
 * Runs `purge` now and every `options.intervalMs` (see the module's comment).
 *
 * @example
 * ```ts
 * const purge = startPeriodicPurge(() => purgeSeenJtis(cdb, nowSeconds), {
 *   name: 'seen jtis purge',
 *   intervalMs,
 *   failure: 'seen jtis: forgetting the jtis of expired messages failed:',
 * });
 * process.once('sveltekit:shutdown', () => void purge.stop());
 * ```
 */
export function startPeriodicPurge(
  purge: () => Promise<unknown>,
  options: PeriodicPurgeOptions,
): PeriodicPurge {
  const log = options.log ?? ((message, error) => console.error(message, error ?? ''));
  const outage = createOutageReporter(options.name, {
    ...(options.outageLog === undefined ? {} : { log: options.outageLog }),
  });
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running ??= purge()
      .then(
        () => outage.succeeded(),
        (error: unknown) => {
          if (!outage.failed(error)) log(options.failure, error);
        },
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
