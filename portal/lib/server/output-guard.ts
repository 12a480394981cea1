/**
 * What the server writes to its standard output and error must never stop it. Its log lines
 * (pino's JSON), adapter-node's "Listening on" and a failure's `console.error` go to whatever the
 * process manager gave it: a file on a disk that may fill up, a pipe whose reader may stall or
 * go away. Found by an operator: with stdout's disk full, Node's `process.stdout` emitted an
 * unhandled `'error'` and the server ended at its first line; and pino's default destination
 * (sonic-boom 4) retried a failed write for ever when the process exited, in `Atomics.wait`, so the
 * server neither served nor ended (SIGTERM was ignored, a supervisor never restarted it). Log
 * lines are not the clearinghouse's records (those are in the database and the log): a line that
 * cannot be written is dropped and counted (`clearinghouse_log_lines_dropped`), and the log stops
 * until the next start.
 */
/** The part of pino's default destination (sonic-boom) the guard works with. */
export interface LogStream {
  write(data: string): unknown;
  flushSync?(): unknown;
  end?(): unknown;
  destroy?(): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * Lets pino's own destination (sonic-boom, writing off the event loop: a destination of ours
 * that wrote as it does cost the grants 100-150 µs of the event loop each in bench:api, for
 * reasons not found) fail without ending or hanging the process. On its first write error (a full
 * disk, a reader gone) the stream stops writing, as pino itself does for `EPIPE`: every later
 * line is dropped and counted, and its exit flush does nothing (sonic-boom retried that one for
 * ever). Logging resumes with the next start. Returns the count of dropped lines.
 *
 * @example
 * ```ts
 * const logged = guardLogStream(logger[pino.symbols.streamSym]);
 * logged.dropped; // 0 while every line was written
 * ```
 */
export function guardLogStream(stream: LogStream): { readonly dropped: number } {
  let dropped = 0;
  let stopped = false;
  stream.on('error', () => {
    if (stopped) return;
    stopped = true;
    dropped++; // the line whose write failed (its write may have held more: not known)
    stream.write = () => {
      dropped++;
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
