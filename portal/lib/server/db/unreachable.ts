/**
 * The one classification of "the database cannot be reached" (docs/operations.md, "When the
 * database is away"), shared by the API's error answers (`problem.ts`: 503
 * `ERR_STORAGE_UNAVAILABLE`, the writer's code for it) and the background loops (webhook
 * worker, log election and sequencer, periodic purges), which report an outage in one line when
 * it starts and one when it ends instead of a stack per attempt.
 *
 * It recognises a lost or refused connection, never the statement itself: a programming error,
 * a constraint, a bad value or a statement timeout (`57014`) stays what it was (500, a stack).
 */
import { ProtocolError } from '../../../../protocol/errors';
import { logger } from '../observe';
import { noteWriteRefused } from './write-refusals';

/** Node's errors of a socket that cannot reach, or lost, its peer (and of a name lookup). */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * PostgreSQL's SQLSTATEs of a server that ends or refuses sessions: class 08 (connection
 * exception), 57P01 admin_shutdown (a fast shutdown, `pg_terminate_backend`), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery), 53300
 * too_many_connections, and 53100 disk_full (a server that cannot write, as SQLite's FULL below).
 */
const postgresCodes = /^(08[0-9A-Z]{3}|57P0[123]|53[13]00)$/;

/**
 * SQLite's result codes of a file it cannot use right now: busy beyond its timeout, an I/O
 * error (every extended `SQLITE_IOERR_*`), a full disk, a file it cannot open.
 */
const sqliteCodes = /^SQLITE_(BUSY|IOERR|FULL|CANTOPEN)(_[A-Z_]+)?$/;

/**
 * The messages of node-postgres and pg-pool that carry no code (pg 8: lib/client.js,
 * pg-pool/index.js). "Connection terminated" without "unexpectedly" is our own `end()`, and "was
 * closed and is not queryable" a client used after we closed it: neither is an outage.
 */
const pgMessages = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
];

/**
 * Whether `error` says the database cannot be reached (or cannot be used at all right now), as
 * opposed to anything about the statement or the code that sent it. Follows `cause` and the
 * `errors` of an AggregateError (Node's connect to several addresses). A ProtocolError counts
 * only by its `cause` (the writer's 503 for a lost connection does, its 503 after a failed flush
 * of SQLite's write-ahead log does not: that is no lost connection and is printed as before).
 *
 * @example
 * ```ts
 * isDatabaseUnreachable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })); // true
 * isDatabaseUnreachable(new TypeError("Cannot read properties of undefined (reading 'id')")); // false
 * ```
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  return unreachable(error, 0);
}

function unreachable(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  // A verdict of ours (the writer's 503 after a failed flush, a refusal) only by its cause.
  if (error instanceof ProtocolError) return unreachable(error.cause, depth + 1);
  const { code, syscall, message, cause, errors } = error as {
    code?: unknown;
    syscall?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (socketCodes.has(code) || postgresCodes.test(code) || sqliteCodes.test(code)) return true;
    // Any failure of connect(2): ENOENT of a Unix socket whose server is gone, EACCES, ...
    if (syscall === 'connect') return true;
  }
  if (typeof message === 'string' && pgMessages.includes(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => unreachable(inner, depth + 1))) return true;
  return cause !== undefined && unreachable(cause, depth + 1);
}

/**
 * The error an API answer gives for an unreachable database: the writer's code (503), a detail
 * that reveals nothing of the database; the database's own error stays as `cause` (logs only).
 */
export function databaseUnavailableError(cause?: unknown): ProtocolError {
  const error = new ProtocolError(
    'ERR_STORAGE_UNAVAILABLE',
    'The database is unavailable; please try again.',
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** Where an {@link OutageReporter} writes its two lines (default: the process's pino logger). */
export interface OutageLog {
  /** The outage began: `fields` has `event: 'database-unreachable'`, `part`, `error`, `code`. */
  unreachable(fields: Record<string, unknown>, line: string): void;
  /** It ended: `fields` has `event: 'database-reachable'`, `part`, `downMs`, `failures`. */
  reachable(fields: Record<string, unknown>, line: string): void;
}

const defaultOutageLog: OutageLog = {
  unreachable: (fields, line) => logger.warn(fields, line),
  reachable: (fields, line) => logger.info(fields, line),
};

/**
 * One background loop's view of the database: it reports the first lost connection of an
 * outage in one line and the first success after it in another, and lets the loop report every
 * other error itself (with its stack, as before).
 */
export interface OutageReporter {
  /**
   * Takes `error` when it is a lost connection ({@link isDatabaseUnreachable}): logged when the
   * loop had reached the database until now, counted otherwise; returns true. Returns false,
   * logging nothing, for any other error: the caller reports it as it would have.
   */
  failed(error: unknown): boolean;
  /** The loop used the database: ends an outage in one line; nothing otherwise. */
  succeeded(): void;
  /** Whether the loop's last use of the database failed for want of a connection. */
  readonly down: boolean;
}

/**
 * An {@link OutageReporter} for the loop named `part` (e.g. `webhook worker`).
 *
 * @example
 * ```ts
 * const outage = createOutageReporter('webhook worker');
 * round().then(() => outage.succeeded(), (error) => { if (!outage.failed(error)) console.error(error); });
 * ```
 */
export function createOutageReporter(
  part: string,
  options: { log?: OutageLog; now?: () => number } = {},
): OutageReporter {
  const log = options.log ?? defaultOutageLog;
  const now = options.now ?? Date.now;
  let since: number | undefined;
  let failures = 0;
  return {
    failed(error) {
      if (!isDatabaseUnreachable(error)) return false;
      failures++;
      if (since === undefined) {
        since = now();
        const { message, code } = describe(error);
        log.unreachable(
          { event: 'database-unreachable', part, error: message, code },
          `${part}: the database cannot be reached (${message}); retrying, and saying so once it answers again`,
        );
      }
      return true;
    },
    succeeded() {
      if (since === undefined) return;
      const downMs = now() - since;
      const failed = failures;
      since = undefined;
      failures = 0;
      log.reachable(
        { event: 'database-reachable', part, downMs, failures: failed },
        `${part}: the database answers again after ${Math.round(downMs / 1000)} s (${failed} failed attempt${failed === 1 ? '' : 's'})`,
      );
    },
    get down() {
      return since !== undefined;
    },
  };
}

/** At most one line this often, per part, about requests answered 503 for an unreachable database. */
export const unreachableLineIntervalMs = 60_000;

/** Per part: when the last such line was written, and the requests answered so since. */
const requestLines = new Map<string, { at: number; since: number }>();

/**
 * Says that requests of `part` (`api`, `log`, `rate limits`, `pages`) found the database unreachable: one
 * `warn` line at the first, then at most one a minute with how many more came (the request lines
 * say which, with their 503); no stack, which would be one per request while the database is away
 * (docs/operations.md).
 *
 * @example
 * ```ts
 * if (isDatabaseUnreachable(error)) reportUnreachableRequest('api', error);
 * ```
 */
export function reportUnreachableRequest(part: string, error: unknown, nowMs = Date.now()): void {
  // A full or failing disk also makes the health route say the node takes no writes.
  noteWriteRefused(error, nowMs);
  const lines = requestLines.get(part) ?? { at: -Infinity, since: 0 };
  requestLines.set(part, lines);
  lines.since++;
  if (nowMs - lines.at < unreachableLineIntervalMs) return;
  logger.warn(
    {
      event: 'database-unreachable',
      part,
      error: describe(error).message,
      requests: lines.since,
    },
    `${part}: the database cannot be reached; requests are answered 503 ${
      part === 'pages' ? 'with the error page' : 'ERR_STORAGE_UNAVAILABLE'
    }`,
  );
  lines.at = nowMs;
  lines.since = 0;
}

/** The innermost error's message and code (an AggregateError has an empty message). */
function describe(error: unknown): { message: string; code: string | undefined } {
  let current = error as { message?: unknown; code?: unknown; errors?: unknown };
  const code = typeof current.code === 'string' ? current.code : undefined;
  if (
    (typeof current.message !== 'string' || current.message === '') &&
    Array.isArray(current.errors) &&
    current.errors.length > 0
  ) {
    current = current.errors[0] as typeof current;
  }
  const message =
    typeof current.message === 'string' && current.message !== '' ? current.message : String(error);
  return { message: message.split('\n')[0]!.slice(0, 300), code };
}
