/**
 * What the server writes to its standard output and error must never stop it. Its log lines
 * (pino's JSON), adapter-node's "Listening on" and a failure's `console.error` go to whatever the
 * process manager gave it: a file on a disk that may fill up, a pipe whose reader may stall or
 * go away. Found by an operator: with stdout's disk full, Node's `process.stdout` emitted an
 * unhandled `'error'` and the server ended at its first line; and pino's default destination
 * (sonic-boom 4) retried a failed write for ever when the process exited, in `Atomics.wait`, so the
 * server neither served nor ended (SIGTERM was ignored, a supervisor never restarted it). Log
 * lines are not the clearinghouse's records (those are in the database and the log): a line that
 * cannot be written is dropped and counted (`clearinghouse_log_lines_dropped`), and the log stops;
 * it tries again with the first line at least `retryAfterMs` later (a disk that has room again).
 */
/** The part of pino's default destination (sonic-boom) the guard works with. */
export interface LogStream {
  write(data: string): unknown;
  flushSync?(): unknown;
  end?(): unknown;
  destroy?(): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** sonic-boom emits `'write'` after each write that went through. */
  once?(event: 'write', listener: () => void): unknown;
  removeListener?(event: 'write', listener: () => void): unknown;
}

/** When and how the log tries again after it stopped (see {@link guardLogStream}). */
export interface LogResumeOptions {
  /** How long after a write error the log stays stopped before a line tries again (30 s). */
  retryAfterMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /**
   * Called as the log resumes, before the line that resumed it: with the lines dropped while it
   * was stopped and when it stopped (epoch ms). What it writes to the stream is written first.
   */
  onResume?: (dropped: number, stoppedAt: number) => void;
}

/** The log stays stopped at least this long after a write error (docs/operations.md). */
export const logRetryAfterMs = 30_000;

/**
 * Lets pino's own destination (sonic-boom, writing off the event loop: a destination of ours
 * that wrote as it does cost the grants 100-150 µs of the event loop each in bench:api, for
 * reasons not found) fail without ending or hanging the process. On a write error (a full
 * disk, a reader gone) the stream stops writing, as pino itself does for `EPIPE`: every later
 * line is dropped and counted, and its exit flush does nothing (sonic-boom retried that one for
 * ever). The first line at least `retryAfterMs` after the error puts the stream's `write` back:
 * sonic-boom writes what it still held from before the error (the failed write's rest), then
 * `onResume`'s line, then that line; its exit flush comes back once a write went through.
 * Another error stops it again, for another `retryAfterMs`. No timer runs while it is stopped
 * (nothing is tried until a line comes). Returns the count of dropped lines since the start
 * (the failed write counts as one while it is held, and no more once it is written on a resume)
 * and whether the log is stopped now.
 *
 * @example
 * ```ts
 * const logged = guardLogStream(logger[pino.symbols.streamSym], {
 *   onResume: (dropped) => logger.warn({ event: 'log-resumed', dropped }, 'the log resumed'),
 * });
 * logged.dropped; // 0 while every line was written
 * ```
 */
export function guardLogStream(
  stream: LogStream,
  options: LogResumeOptions = {},
): { readonly dropped: number; readonly stopped: boolean } {
  const retryAfterMs = options.retryAfterMs ?? logRetryAfterMs;
  const now = options.now ?? Date.now;
  const own = {
    write: stream.write,
    flushSync: stream.flushSync,
    end: stream.end,
    destroy: stream.destroy,
  };
  let dropped = 0;
  /** When the log stopped, epoch ms; `undefined` while it writes. */
  let stoppedAt: number | undefined;
  /** Lines dropped since it last stopped (for `onResume`): not the failed write's own. */
  let droppedSinceStop = 0;

  /**
   * The exit flush, `end` and `destroy` come back only once a write went through after a
   * resume: sonic-boom's `flushSync` retries a failing write for ever, so while the disk may
   * still be full (the resumed write on its way) the process must not wait on it at exit.
   */
  function proven(): void {
    if (stoppedAt !== undefined) return;
    stream.flushSync = own.flushSync;
    stream.end = own.end;
    stream.destroy = own.destroy;
  }

  function resume(): void {
    const since = stoppedAt!;
    const lost = droppedSinceStop;
    stoppedAt = undefined;
    droppedSinceStop = 0;
    // What sonic-boom held from the failed write is written now, first: not dropped after all.
    dropped--;
    stream.write = own.write;
    stream.once?.('write', proven);
    try {
      options.onResume?.(lost, since);
    } catch {
      // The notice is a courtesy: its failure must not reach whoever logged the line.
    }
  }

  stream.on('error', () => {
    if (stoppedAt !== undefined) return;
    stream.removeListener?.('write', proven);
    stoppedAt = now();
    // The failed write: counted while it is held (it held one line or more: not known), and
    // written on a resume, so no longer counted then.
    dropped++;
    droppedSinceStop = 0;
    stream.write = (data: string) => {
      if (stoppedAt !== undefined && now() - stoppedAt >= retryAfterMs) {
        resume();
        return stream.write(data);
      }
      dropped++;
      droppedSinceStop++;
      return true;
    };
    stream.flushSync = () => undefined;
    stream.end = () => undefined;
    stream.destroy = () => undefined;
  });
  return {
    get dropped() {
      return dropped;
    },
    get stopped() {
      return stoppedAt !== undefined;
    },
  };
}

/**
 * Lets `process.stdout` and `process.stderr` fail without ending the process: a write error of
 * theirs (a full disk, a closed pipe) is counted instead of an unhandled `'error'` event. Node
 * ends a stream at its first error, and drops what is written to it afterwards without another:
 * the count is of the streams' failures, not of every line lost. Idempotent.
 */
export function guardStandardStreams(
  streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', () => {
      streamErrors++;
    });
  }
}

const guarded = new WeakSet<object>();
let streamErrors = 0;

/** Write errors of the standard streams since the process started (see guardStandardStreams). */
export function standardStreamErrors(): number {
  return streamErrors;
}
