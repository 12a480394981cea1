/**
 * What the server writes to its standard output and error must never stop it. Its log lines
 * (pino's JSON), adapter-node's "Listening on" and a failure's `console.error` go to whatever the
 * process manager gave it: a file on a disk that may fill up, a pipe whose reader may stall or
 * go away. Found by an operator: with stdout's disk full, Node's `process.stdout` emitted an
 * unhandled `'error'` and the server ended at its first line; and pino's default destination
 * (sonic-boom 4) retried a failed write for ever when the process exited, in `Atomics.wait`, so the
 * server neither served nor ended (SIGTERM was ignored, a supervisor never restarted it). Log
 * lines are not the clearinghouse's records (those are in the database and the log): a line that
 * cannot be written is dropped and counted (`clearinghouse_log_lines_dropped`).
 */
import { writeSync } from 'node:fs';

/** A pino destination: a `write` for each line. */
export interface LineDestination {
  write(line: string): void;
  /** Lines not written (a full disk, a reader gone or stalled past the wait). */
  readonly dropped: number;
}

/** How long one line may wait for a stalled reader (EAGAIN), and in steps of how long. */
const stallWaitMs = 50;
const stallStepMs = 5;
/** After a line was dropped for a stalled reader, later lines do not wait for this long. */
const stallQuietMs = 1_000;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes each line to `fd` at once (as pino's synchronous default did); a partial write goes on
 * from where it stopped, and a line dropped after part of it went out is ended by the next line's
 * newline, so no two lines run into one. A reader that
 * is slow (`EAGAIN` on a non-blocking pipe) gets up to 50 ms per line, and after a line was
 * dropped so, a second without waiting: the server does not stall behind its log. Any other
 * failure (`ENOSPC`, `EPIPE`, `EIO`, …) drops the line.
 *
 * @example
 * ```ts
 * const logger = pino(options, lineDestination(1));
 * ```
 */
export function lineDestination(
  fd: number,
  options: {
    /** Writes (some of) `data`, returns how many bytes; `fs.writeSync` by default. */
    write?: (fd: number, data: string | Uint8Array) => number;
    now?: () => number;
    sleep?: (ms: number) => void;
  } = {},
): LineDestination {
  const write =
    options.write ??
    ((target, data) =>
      typeof data === 'string' ? writeSync(target, data) : writeSync(target, data));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => void Atomics.wait(sleepCell, 0, 0, ms));
  let dropped = 0;
  let quietUntil = 0;
  /** A line was dropped after part of it was written: the next one starts on a line of its own. */
  let unfinished = false;
  return {
    write(text) {
      const line = unfinished ? `\n${text}` : text;
      // The line goes out as it is; it becomes bytes only once a write fell short or failed.
      let rest: Uint8Array | undefined;
      let waited = 0;
      for (;;) {
        try {
          if (rest === undefined) {
            const written = write(fd, line);
            unfinished = false;
            if (written === Buffer.byteLength(line)) return;
            rest = Buffer.from(line, 'utf8').subarray(written);
            unfinished = true;
          } else {
            rest = rest.subarray(write(fd, rest));
            if (rest.length === 0) {
              unfinished = false;
              return;
            }
          }
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const stalled = code === 'EAGAIN' || code === 'EBUSY';
          if (stalled && waited < stallWaitMs && now() >= quietUntil) {
            sleep(stallStepMs);
            waited += stallStepMs;
            continue;
          }
          if (stalled) quietUntil = now() + stallQuietMs;
          dropped++;
          return;
        }
      }
    },
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
