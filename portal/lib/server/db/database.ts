import {
  close as closeFd,
  closeSync,
  existsSync,
  fdatasync,
  fsync,
  mkdirSync,
  open as openFd,
  openSync,
  readFileSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
  type DialectAdapter,
  type LogEvent,
} from 'kysely';
import pg from 'pg';
import { ProtocolError } from '../../../../protocol/errors';
import { databases, dialects } from './handles';
import { withNamedStatements } from './named-statements';
import { statementCacheSize, withStatementCache } from './statement-cache';
import { startWriterThread, type WriterThread } from './writer-thread';
import type { Database, DatabaseDialect } from './schema';
import { onOffFromEnv } from '../settings';

export { clearinghouseDbOf, dialectOf } from './handles';
export { statementCacheSize, withStatementCache } from './statement-cache';

/** An open clearinghouse database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface ClearinghouseDb {
  readonly db: Kysely<Database>;
  readonly dialect: DatabaseDialect;
  /** Where it lives, for logs: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
  /**
   * SQLite file only: for a command that refused before it wrote anything (a restore of a backup
   * that is cut off): when the handle is closed, the database file (with its -wal and -shm files)
   * and the folders this open created are removed, if it created the file and no table was made
   * in it by then. A file that was there before is left as it is; the handle stays usable.
   */
  discardCreated?(): void;
  /**
   * SQLite only: runs one statement at once on the connection, without queueing for it behind
   * its holder (mostly a group commit waiting for its flush), when no transaction is open on it;
   * `undefined` when one is (and on PostgreSQL, whose pool has no such queue), and for a write
   * while a batch is on the writer thread (it would wait for SQLite's write lock). A read may see a
   * commit whose flush is still running, so it is only for the checks of a write (see
   * `PreparedStatement.firstForWrite`), never for an answer that shows stored data. A write
   * commits by itself under `synchronous = NORMAL`, without a flush: only for what is worth
   * nothing after a crash (rate-limit counts). Returns the rows (none for a write without
   * `returning`).
   */
  runNow?(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
  /**
   * SQLite file only: runs one statement at once on the rate limits' own file
   * (`<file>-limits`, {@link sqliteLimitsPath}), which holds the `rate_limits` table: a count
   * takes that file's write lock, never the database's, so it waits neither for a group commit
   * nor for its flush. Committed without a flush (`synchronous = OFF`): the counts describe the
   * current minute and are worth nothing after a crash. Several processes on one database file
   * share it, as they share the database. Returns the rows (none for a write without
   * `returning`).
   */
  countNow?(sql: string, parameters: readonly unknown[]): unknown[];
  /**
   * SQLite file only: flushes its write-ahead log (`fdatasync`), off the event loop, making every
   * frame committed so far durable (see `durableTransaction`). Rejects when the flush failed.
   */
  syncWal?(): Promise<void>;
  /**
   * SQLite file only: the writer thread (`writer-thread.ts`) that runs the durable writer's group
   * commits on a connection of its own, started at the first call; `undefined` when it is
   * switched off (`SQLITE_WRITER_THREAD=off`), outside Vite (no bundled thread code), or did
   * not start or has failed, and then the server's own connection commits. Each batch holds the
   * server's connection (no other write of the process then waits for SQLite's write lock on
   * the event loop), and while one is under way `runNow` refuses writes for the same reason.
   */
  writerThread?(): Promise<WriterThread | undefined>;
  /**
   * SQLite file only: the error of a failed flush of the write-ahead log, `undefined` while none
   * has failed. Linux reports a failed write-back once and may drop the pages it could not write:
   * later flushes then succeed, while the failed commit's frames, which every later commit follows
   * in the log, may be missing from the disk, and recovery after a power cut stops at them (later
   * commits lost too). So after one failed flush the database takes no more writes until the
   * process restarts, as PostgreSQL stops itself: every write and COMMIT on the server's connection
   * and every batch for the writer thread is refused with `ERR_STORAGE_UNAVAILABLE` (503), reads
   * go on, no more checkpoints copy the log into the database file, and closing the database
   * leaves the log as it is for SQLite's recovery at the next start.
   */
  storageFailure?(): Error | undefined;
  /** SQLite file only: calls `listener` once when a flush fails (at once if one has). */
  onStorageFailure?(listener: () => void): void;
}

/** A flush asked for after the database closed: nothing was flushed, and the disk did not fail. */
export class WalClosedError extends Error {
  override readonly name = 'WalClosedError';
}

/**
 * The file beside a SQLite database that says a flush of its write-ahead log failed (see
 * `ClearinghouseDb.storageFailure`); while it exists, the database is not opened.
 */
export function storageFailedMarkerPath(path: string): string {
  return `${path}-storage-failed`;
}

/**
 * Connections opened when a flush failed, open until the process ends (see
 * `ClearinghouseDb.storageFailure`); held here so that none is collected and closed.
 */
const keepers = new Set<SqliteDatabase.Database>();

/**
 * The refusal of a write once a flush has failed (see `ClearinghouseDb.storageFailure`): 503.
 */
export function storageFailedError(): ProtocolError {
  return new ProtocolError(
    'ERR_STORAGE_UNAVAILABLE',
    "A flush of the database's write-ahead log failed; nothing is written until the server restarts.",
  );
}

/**
 * Leaves the marker of a failed flush beside the database (best effort: the disk is failing).
 * A plain restart would not be safe: the pages the disk did not take usually stay in the page
 * cache, marked written, so SQLite's recovery would read them from memory and later commits
 * would follow frames that are not on the disk. The marker stops the next open until the
 * operator has rebooted (or dropped the page cache) and removed it.
 */
function markStorageFailed(path: string, error: Error): void {
  try {
    writeFileSync(
      storageFailedMarkerPath(path),
      `${new Date().toISOString()} A flush of the write-ahead log failed: ${error.message}\n`,
    );
  } catch {
    // The stderr line says what to do as well.
  }
}

/** Refuses to open a database whose marker of a failed flush is there (see `markStorageFailed`). */
function refuseAfterFailedFlush(path: string): void {
  const marker = storageFailedMarkerPath(path);
  if (!existsSync(marker)) return;
  let what = '';
  try {
    what = ` (${readFileSync(marker, 'utf8').trim()})`;
  } catch {
    // The sentence below stands without it.
  }
  throw new Error(
    `A flush of the write-ahead log of ${path} failed${what}. Check the disk, then reboot the machine (or drop the page cache: sync; echo 1 > /proc/sys/vm/drop_caches) so that SQLite recovers from what is on the disk, not from memory, and delete ${marker} to start again (docs/operations.md "When a flush fails").`,
  );
}

export interface OpenDatabaseOptions {
  /** A `postgres://` or `postgresql://` URL. Wins over everything else. */
  url?: string;
  /** A SQLite file (created with its folder when missing), or `:memory:` for a throwaway one. */
  sqlitePath?: string;
  /**
   * SQLite file only: open an existing file or fail with a sentence naming it, creating neither
   * the file nor its folder (a backup of a mistyped `DATABASE_PATH` must not make an empty one).
   */
  mustExist?: boolean;
  /**
   * Called after every statement (Kysely's `log` option), e.g. to count a request's statements
   * in a test. Not set in production: it would time every query.
   */
  log?: (event: LogEvent) => void;
  /**
   * PostgreSQL only: the longest a statement may run, in milliseconds, before PostgreSQL
   * cancels it (`statement_timeout`); 0 for none. Default: `PG_STATEMENT_TIMEOUT_MS`, else
   * {@link defaultStatementTimeoutMs}. Migrations run without it.
   */
  statementTimeoutMs?: number;
  /**
   * SQLite file only, for tests: how the write-ahead log is flushed (default `fdatasync`), so that
   * a test can make a flush fail.
   */
  flushWal?: (descriptor: number) => Promise<void>;
}

/**
 * How long a statement may run on PostgreSQL by default (30 s): a statement stuck behind a lock
 * fails with a clear error instead of holding its request, and its pooled connection, for ever.
 * Concurrent lookups of one kind share a statement (db/batched-lookup.ts), so a stuck one would
 * otherwise hold every later lookup of its kind too.
 */
export const defaultStatementTimeoutMs = 30_000;

/**
 * `PG_STATEMENT_TIMEOUT_MS` as a number of milliseconds (0: none), or the default.
 *
 * @throws Error naming the variable when it is not a whole number from 0 to 86,400,000.
 */
export function statementTimeoutFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env.PG_STATEMENT_TIMEOUT_MS?.trim();
  if (raw === undefined || raw === '') return defaultStatementTimeoutMs;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value > 86_400_000) {
    throw new Error(
      `PG_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds from 0 (no limit) to 86400000, not "${raw}".`,
    );
  }
  return value;
}

/** Which database `openDatabase` will open. */
export type DatabaseTarget =
  { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; path: string };

/** The embedded default, relative to the working directory (`npm start` runs in the repository). */
export const defaultSqlitePath = 'data/clearinghouse.db';

/** How long SQLite waits for another process's write lock before failing with SQLITE_BUSY. */
const sqliteBusyTimeoutMs = 5_000;

const postgresUrlPattern = /^postgres(ql)?:\/\//i;

/**
 * Decides which database to open: `options.url`, else `options.sqlitePath`, else the
 * `DATABASE_URL` environment variable when it is a PostgreSQL URL, else SQLite at
 * `DATABASE_PATH`, else at `./data/clearinghouse.db`. The server, `npm run admin` and
 * `npm run migrate` all open the database this way. A `DATABASE_URL` that is set but names
 * anything other than PostgreSQL is refused rather than silently replaced by SQLite: a typo there
 * would otherwise send production writes to a local file.
 *
 * @example
 * ```ts
 * resolveDatabaseTarget({}, { DATABASE_URL: 'postgres://db/ch' }); // { dialect: 'postgres', url: 'postgres://db/ch' }
 * resolveDatabaseTarget({}, {}, '/srv/ch'); // { dialect: 'sqlite', path: '/srv/ch/data/clearinghouse.db' }
 * ```
 */
export function resolveDatabaseTarget(
  options: OpenDatabaseOptions = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): DatabaseTarget {
  if (options.url !== undefined) {
    if (!postgresUrlPattern.test(options.url)) {
      throw new Error('The database URL must start with postgres:// or postgresql://.');
    }
    return { dialect: 'postgres', url: options.url };
  }
  if (options.sqlitePath !== undefined) {
    return { dialect: 'sqlite', path: sqlitePathFrom(options.sqlitePath, cwd) };
  }
  const fromEnv = env.DATABASE_URL?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!postgresUrlPattern.test(fromEnv)) {
      throw new Error(
        'DATABASE_URL must start with postgres:// or postgresql://; unset it to use the embedded SQLite database.',
      );
    }
    return { dialect: 'postgres', url: fromEnv };
  }
  const pathFromEnv = env.DATABASE_PATH?.trim();
  if (pathFromEnv !== undefined && pathFromEnv !== '') {
    return { dialect: 'sqlite', path: sqlitePathFrom(pathFromEnv, cwd) };
  }
  return { dialect: 'sqlite', path: resolve(cwd, defaultSqlitePath) };
}

function sqlitePathFrom(path: string, cwd: string): string {
  return path === ':memory:' ? path : resolve(cwd, path);
}

/**
 * Opens the clearinghouse database (see {@link resolveDatabaseTarget} for which one). It does
 * not migrate: call `migrateToLatest` once at start-up.
 *
 * SQLite is opened with `journal_mode=WAL` (readers never block the writer),
 * `synchronous=FULL` (a commit is on disk when it returns, which is what a `201` promises),
 * `foreign_keys=ON` and a busy timeout. PostgreSQL goes through a `pg.Pool` whose `int8`
 * values are parsed into numbers for this pool only.
 *
 * @example
 * ```ts
 * const cdb = await openDatabase();
 * await migrateToLatest(cdb);
 * const rows = await cdb.db.selectFrom('messages').selectAll().execute();
 * await cdb.close();
 * ```
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<ClearinghouseDb> {
  const target = resolveDatabaseTarget(options);
  // Read on SQLite too, so a value the server cannot read stops its start there as well.
  const statementTimeoutMs = options.statementTimeoutMs ?? statementTimeoutFromEnv();
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new RangeError('statementTimeoutMs must be a whole number of milliseconds, 0 for none.');
  }
  const cdb =
    target.dialect === 'postgres'
      ? openPostgres(target.url, options.log, statementTimeoutMs)
      : openSqlite(target.path, options.log, options.flushWal, options.mustExist === true);
  databases.set(cdb.db, cdb);
  return cdb;
}

function openSqlite(
  path: string,
  log: OpenDatabaseOptions['log'],
  flushWal: OpenDatabaseOptions['flushWal'],
  mustExist = false,
): ClearinghouseDb {
  if (path !== ':memory:' && mustExist && !existsSync(path)) {
    throw new Error(
      `There is no SQLite database at ${path}: set DATABASE_PATH to the clearinghouse's database file (or DATABASE_URL to its PostgreSQL database).`,
    );
  }
  let sqlite: SqliteDatabase.Database;
  /** The first folder of the path this open created, and whether it created the file. */
  let createdFolder: string | undefined;
  let createdFile = false;
  try {
    if (path !== ':memory:') {
      if (!mustExist) {
        // Like the key files and backups: the database holds every stored message.
        createdFolder = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        createdFile = createPrivately(path);
      }
      refuseAfterFailedFlush(path);
    }
    sqlite = new SqliteDatabase(path, { fileMustExist: mustExist });
  } catch (error) {
    throw sqliteOpenError(path, error);
  }
  try {
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true });
    if (path !== ':memory:' && String(mode).toLowerCase() !== 'wal') {
      throw new Error(`SQLite refused WAL mode for ${path} (it reports ${String(mode)}).`);
    }
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  } catch (error) {
    sqlite.close();
    // SQLite's own (a folder it may not write its -wal in): with the file's name.
    throw (error as { name?: unknown }).name === 'SqliteError'
      ? sqliteOpenError(path, error)
      : error;
  }
  /** The first failed flush of the write-ahead log: no writes from then on. */
  let storageFailure: Error | undefined;
  /** Told once when a flush fails (the checkpointer stops). */
  const failureListeners = new Set<() => void>();
  const refusal = () => (storageFailure === undefined ? undefined : storageFailedError());
  /** The first failed flush: no more writes, the log kept as it is, and everyone told. */
  const failStorage = (error: Error) => {
    storageFailure = error;
    markStorageFailed(path, error);
    // Another connection stays open to the end of the process, so that no close (this one's
    // included) is the last one, whose checkpoint would copy the log, the frames the disk may
    // have lost among it, into the database file and delete it. The next start recovers from
    // what is on disk.
    try {
      const keeper = new SqliteDatabase(path, { fileMustExist: true });
      // A connection takes its share of the log's index at its first read.
      keeper.prepare('select count(*) from sqlite_master').get();
      keepers.add(keeper);
    } catch {
      // Nothing more to do: the refusal of every write stands.
    }
    console.error(
      `[sqlite] A flush of the write-ahead log of ${path} failed; the server takes no more writes. Before it starts again, reboot the machine (or drop the page cache) and delete ${storageFailedMarkerPath(path)} (docs/operations.md "When a flush fails"):`,
      error,
    );
    for (const listener of failureListeners) listener();
  };
  const cached = withStatementCache(sqlite, statementCacheSize, refusal);
  const wal = path === ':memory:' ? undefined : walFile(sqliteWalPath(path), flushWal);
  const db = new Kysely<Database>({
    dialect: new TransactionalDdlSqliteDialect({ database: cached }),
    ...(log === undefined ? {} : { log }),
  });
  dialects.set(db, 'sqlite');
  let closed: Promise<void> | undefined;
  /** Whether {@link ClearinghouseDb.discardCreated} was asked (and this open made the file). */
  let discardOnClose = false;
  let writer: Promise<WriterThread | undefined> | undefined;
  let thread: WriterThread | undefined;
  let limits: ReturnType<typeof withStatementCache> | undefined;
  const writerWanted = wal !== undefined && onOffFromEnv(process.env, 'SQLITE_WRITER_THREAD');
  return {
    db,
    dialect: 'sqlite',
    location: path,
    runNow(text, parameters) {
      if (!sqlite.open || sqlite.inTransaction) return undefined;
      const statement = cached.prepare(text) as unknown as SqliteDatabase.Statement;
      // A write would wait for the thread's write lock here, on the event loop: queue it instead.
      if (thread?.busy === true && !statement.readonly) return undefined;
      const started = log === undefined ? 0 : performance.now();
      let rows: unknown[];
      if (statement.readonly) rows = statement.all(...parameters) as unknown[];
      else {
        // Synchronous from here to the end: nothing else can run on the connection in between.
        // The two switches by `exec`: better-sqlite3's `pragma` prepares a statement object each
        // time, whose native handle the garbage collector must then finalize. The reading stays a
        // `pragma`: SQLite bakes a pragma's value into the statement when it prepares it.
        const previous = Number(sqlite.pragma('synchronous', { simple: true }));
        sqlite.exec('pragma synchronous = NORMAL');
        try {
          rows = statement.reader ? (statement.all(...parameters) as unknown[]) : [];
          if (!statement.reader) statement.run(...parameters);
        } finally {
          sqlite.exec(`pragma synchronous = ${previous}`);
        }
      }
      // Counted like every statement Kysely runs (tests count a request's statements).
      log?.({
        level: 'query',
        query: CompiledQuery.raw(text, [...parameters]),
        queryDurationMillis: performance.now() - started,
      });
      return rows;
    },
    ...(wal === undefined
      ? {}
      : {
          async syncWal() {
            if (storageFailure !== undefined) throw storageFailedError();
            try {
              await wal.sync();
            } catch (error) {
              // A flush refused because the database has closed is not the disk's failure; one
              // that fails while it closes is.
              if (!(error instanceof WalClosedError) && storageFailure === undefined) {
                failStorage(error instanceof Error ? error : new Error(String(error)));
              }
              throw error;
            }
          },
          storageFailure: () => storageFailure,
          onStorageFailure(listener: () => void) {
            if (storageFailure !== undefined) listener();
            else failureListeners.add(listener);
          },
        }),
    ...(writerWanted
      ? {
          async writerThread() {
            if (closed !== undefined) return undefined;
            writer ??= startSqliteWriter(path, db, log, refusal).then(
              (started) => (thread = started),
            );
            const current = await writer;
            return current?.running === true ? current : undefined;
          },
        }
      : {}),
    ...(wal === undefined
      ? {}
      : {
          countNow(text, parameters) {
            if (closed !== undefined) throw new Error('The database is closed.');
            limits ??= openLimits(sqliteLimitsPath(path));
            const started = log === undefined ? 0 : performance.now();
            const statement = limits.prepare(text) as unknown as SqliteDatabase.Statement;
            const rows = statement.reader
              ? (statement.all(...parameters) as unknown[])
              : (statement.run(...parameters), []);
            log?.({
              level: 'query',
              query: CompiledQuery.raw(text, [...parameters]),
              queryDurationMillis: performance.now() - started,
            });
            return rows;
          },
        }),
    close,
    discardCreated() {
      discardOnClose = createdFile;
    },
  };

  function close(): Promise<void> {
    closed ??= (async () => {
      let discard = false;
      if (discardOnClose && sqlite.open) {
        const row = sqlite.prepare('select count(*) as tables from sqlite_master').get() as {
          tables: number;
        };
        discard = row.tables === 0;
      }
      limits?.close();
      await (await writer)?.stop();
      await db.destroy();
      // Kysely only closes a handle it has used; close it ourselves when no query ever ran.
      if (sqlite.open) sqlite.close();
      await wal?.close();
      if (discard) removeCreated();
    })();
    return closed;
  }

  /** The file, its -wal and -shm files, and the folders this open made, innermost first. */
  function removeCreated(): void {
    for (const file of [path, sqliteWalPath(path), `${path}-shm`, `${path}-journal`]) {
      rmSync(file, { force: true });
    }
    for (
      let folder = dirname(path);
      createdFolder !== undefined && folder.startsWith(createdFolder);
      folder = dirname(folder)
    ) {
      try {
        rmdirSync(folder); // only while it is empty
      } catch {
        break;
      }
    }
  }
}

/**
 * The writer thread on `path`, or `undefined` (with the reason on stderr, except outside Vite,
 * where the thread's code does not exist and the server's connection writing is expected).
 */
async function startSqliteWriter(
  path: string,
  db: Kysely<Database>,
  log: OpenDatabaseOptions['log'],
  refusal: () => Error | undefined,
): Promise<WriterThread | undefined> {
  let source: string;
  try {
    // The id `writer-thread-bundle.ts` provides (a literal: that module loads Vite).
    source = (await import('virtual:sqlite-writer-thread')).default;
  } catch (error) {
    // Outside Vite the id means nothing to Node: expected, and quiet. Anything else is a fault.
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_UNSUPPORTED_ESM_URL_SCHEME' && code !== 'ERR_MODULE_NOT_FOUND') {
      console.error(
        '[sqlite writer thread] its code did not load; committing on the server connection:',
        error,
      );
    }
    return undefined;
  }
  try {
    return await startWriterThread({
      path,
      source,
      busyTimeoutMs: sqliteBusyTimeoutMs,
      cacheSize: statementCacheSize,
      // Each batch holds the server's connection, as a transaction on it would; none is sent
      // once a flush has failed (checked while holding it: a flush on the server's connection
      // also holds it until it is done, so none can fail while a batch is on the thread).
      hold: (work) =>
        db.connection().execute(() => {
          const refused = refusal();
          if (refused !== undefined) throw refused;
          return work();
        }),
      ...(log === undefined ? {} : { log }),
    });
  } catch (error) {
    console.error(
      '[sqlite writer thread] did not start; committing on the server connection:',
      error,
    );
    return undefined;
  }
}

/**
 * A SQLite file that cannot be opened (or its folder made), as a sentence naming the file, what
 * the system or SQLite said, and the variable that chooses it; the marker of a failed flush
 * ({@link refuseAfterFailedFlush}) keeps its own sentence. A file SQLite reads but finds damaged
 * (`SQLITE_CORRUPT`) or not a database at all (`SQLITE_NOTADB`: overwritten, or `DATABASE_PATH`
 * names another file) gets its own sentence: permission advice would send the operator the wrong
 * way (before December 2026 it said "Check that its folder exists…" for those too).
 */
function sqliteOpenError(path: string, error: unknown): Error {
  if (!(error instanceof Error) || error.message.includes(storageFailedMarkerPath(path))) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    const what = code.startsWith('SQLITE_NOTADB')
      ? `is not a SQLite database, or its first page is damaged (${error.message}, ${code}): if DATABASE_PATH names the wrong file, set it to the clearinghouse's database; if this is the database,`
      : `is damaged (${error.message}, ${code}):`;
    return new Error(
      `The SQLite database ${path} ${what} move it away (with its -wal and -shm files) and restore the last backup into a new file at DATABASE_PATH (npm run admin -- restore <backup>, docs/operations.md "Backup and restore").`,
      { cause: error },
    );
  }
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? `no permission to create ${dirname(path)}`
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? `a part of ${dirname(path)} is not a folder`
          : `${error.message}${typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : ''}`;
  return new Error(
    `The SQLite database ${path} cannot be opened: ${why}. Check that its folder exists and this process may write there (for the file and its -wal and -shm files), or set DATABASE_PATH to another file.`,
    { cause: error },
  );
}

/**
 * Creates the SQLite file `path` empty with mode 0600 when there is none (SQLite would create it
 * with the umask's 0644, readable by every user of the machine; its -wal and -shm files take the
 * database file's mode). An existing file keeps its mode. Returns whether it created the file.
 */
function createPrivately(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** The rate limits' own SQLite file beside the database file `path` (see `countNow`). */
export function sqliteLimitsPath(path: string): string {
  return `${path}-limits`;
}

/**
 * Opens (and creates) the rate limits' file: the `rate_limits` table of migration 0009, in WAL
 * mode (several processes may count at once), `synchronous = OFF`.
 */
function openLimits(path: string): ReturnType<typeof withStatementCache> {
  createPrivately(path);
  const limits = new SqliteDatabase(path);
  try {
    limits.pragma('journal_mode = WAL');
    limits.pragma('synchronous = OFF');
    limits.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
    limits.exec(`create table if not exists rate_limits (
      bucket text primary key, window_start bigint not null, count integer not null);
      create index if not exists rate_limits_window_idx on rate_limits (window_start);`);
  } catch (error) {
    limits.close();
    throw error;
  }
  return withStatementCache(limits);
}

/** Where SQLite keeps the write-ahead log of the database file `path`. */
export function sqliteWalPath(path: string): string {
  return `${path}-wal`;
}

const openDescriptor = promisify(openFd);
const flushDescriptor = promisify(fdatasync);
const fsyncDescriptor = promisify(fsync);
const closeDescriptor = promisify(closeFd);

/**
 * The write-ahead log's flushes through one descriptor, opened at the first flush and kept until
 * the database closes. Opening the file by name for every commit cost the event loop about as
 * much as a small group commit's statements (a FileHandle to open, to close and, being a native
 * handle, to finalize), and a commit's flush is on every write's path. Keeping it open is safe:
 * SQLite removes or replaces the WAL only when its last connection closes, and this connection is
 * open until `close`, which closes the descriptor after it (once the flushes under way are done,
 * so no flush can reach a descriptor number the process has reused).
 *
 * The flush is `fdatasync`, as PostgreSQL flushes its own WAL on Linux: the file's data and the
 * metadata needed to read it back (its size), without its timestamps. It flushes the file, not the
 * descriptor, so every frame written through SQLite's own descriptor is durable after it. The
 * first flush also flushes the folder, so that the WAL's own name survives a power cut (what
 * SQLite does itself under `synchronous = FULL` for a file it has just created).
 *
 * A failed flush rejects, and its caller must not report the commit durable; the descriptor is
 * closed and the next flush opens the file again. That does not bring back what the failed flush
 * lost (Linux reports a write-back error once and may drop the pages): the commits it covered
 * may be gone after a power cut even if later flushes succeed.
 *
 * @example
 * ```ts
 * const wal = walFile(`${path}-wal`);
 * await wal.sync(); // after a COMMIT under synchronous = NORMAL
 * await wal.close();
 * ```
 */
export function walFile(
  path: string,
  flushData: (descriptor: number) => Promise<void> = flushDescriptor,
): { sync(): Promise<void>; close(): Promise<void> } {
  let descriptor: Promise<number> | undefined;
  let folderFlushed = false;
  let closed = false;
  const flushing = new Set<Promise<void>>();

  async function flush(): Promise<void> {
    if (closed)
      throw new WalClosedError(`The write-ahead log ${path} is closed; nothing was flushed.`);
    const current = (descriptor ??= openDescriptor(path, 'r'));
    try {
      await flushData(await current);
      if (!folderFlushed) {
        await flushFolder(dirname(path));
        folderFlushed = true;
      }
    } catch (error) {
      // Only the flush that takes the descriptor away closes it: never one number twice.
      if (descriptor === current) {
        descriptor = undefined;
        await closeQuietly(current);
      }
      throw error;
    }
  }

  return {
    sync() {
      const done = flush();
      flushing.add(done);
      void done.then(
        () => flushing.delete(done),
        () => flushing.delete(done),
      );
      return done;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...flushing]);
      const current = descriptor;
      descriptor = undefined;
      if (current !== undefined) await closeQuietly(current);
    },
  };
}

async function closeQuietly(descriptor: Promise<number>): Promise<void> {
  const fd = await descriptor.catch(() => undefined);
  if (fd !== undefined) await closeDescriptor(fd).catch(() => undefined);
}

/** fsync of a folder, so that the names in it survive a power cut. */
async function flushFolder(folder: string): Promise<void> {
  const fd = await openDescriptor(folder, 'r');
  try {
    await fsyncDescriptor(fd);
  } finally {
    await closeDescriptor(fd);
  }
}

/**
 * SQLite has transactional DDL, but Kysely's adapter says otherwise (a few statements such as
 * VACUUM cannot run in a transaction), so its Migrator would apply SQLite migrations without
 * one and a failure half-way would leave a half-built schema that the next start cannot
 * migrate. Our migrations use no such statement: let them run in a transaction as on
 * PostgreSQL.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

function openPostgres(
  url: string,
  log: OpenDatabaseOptions['log'],
  statementTimeoutMs: number,
  /** Set `statement_timeout = 0` on each connection, over a role's or database's default. */
  unlimited = false,
): ClearinghouseDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A down server must surface as an error (and a false health check), not a hung request.
    connectionTimeoutMillis: 5_000,
    // And a stuck statement as an error too (set for each connection as it opens).
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    types: { getTypeParser: typeParser },
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would crash
  // the process. The next query reconnects or fails with its own error.
  pool.on('error', () => {});
  // A checked-out client has no pool listener (pg-pool detaches it while the client is out), and
  // one whose server ends it between two statements of a transaction (a restart, a failover,
  // `pg_terminate_backend`) emits 'error' there: that ended the whole server. Its transaction
  // fails with the error of its next statement; the pool drops the broken client on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  // pg sends no statement_timeout of 0, so a default set on the role or database would still
  // apply: say it on each new connection (queued before any query of the pool's).
  if (unlimited) {
    pool.on('connect', (client) => {
      client.query('set statement_timeout = 0').catch(() => {});
    });
  }
  // Repeated queries as prepared statements (db/named-statements.ts); off for poolers that
  // cannot keep a connection's statements.
  const namedOff = !onOffFromEnv(process.env, 'PG_NAMED_STATEMENTS');
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: namedOff ? pool : withNamedStatements(pool) }),
    ...(log === undefined ? {} : { log }),
  });
  dialects.set(db, 'postgres');
  postgresUrls.set(db, url);
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect: 'postgres',
    location: redactPassword(url),
    close() {
      // Kysely creates its driver at the first query, and destroying one that never ran leaves
      // the pool open, usable by a later query: end it here too, so a closed handle stays closed.
      closed ??= db.destroy().then(() => (pool.ended ? undefined : pool.end()));
      return closed;
    },
  };
}

/**
 * Runs `work` on a PostgreSQL pool of its own without `statement_timeout`, closed afterwards
 * (migrations: a rewrite of a large table, or the wait for another process's migration lock,
 * may take longer than any statement of a request). SQLite, or a handle `openDatabase` did not
 * open: `work(db)` itself.
 *
 * @example
 * ```ts
 * await withoutStatementTimeout(cdb.db, (db) => new Migrator({ db, provider }).migrateToLatest());
 * ```
 */
export async function withoutStatementTimeout<T>(
  db: Kysely<Database>,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const url = postgresUrls.get(db);
  if (url === undefined) return work(db);
  const own = openPostgres(url, undefined, 0, true);
  try {
    return await work(own.db);
  } finally {
    await own.close();
  }
}

/** The URL each PostgreSQL handle was opened with (kept out of `location`: it has the password). */
const postgresUrls = new WeakMap<Kysely<Database>, string>();

/**
 * The full URL a PostgreSQL database was opened with, `undefined` for SQLite: for the few parts
 * that need a connection of their own outside the pool (the log's leader election holds one).
 *
 * @example
 * ```ts
 * const url = postgresUrlOf(cdb); // 'postgres://ch:secret@db/ch' or undefined
 * ```
 */
export function postgresUrlOf(cdb: ClearinghouseDb): string | undefined {
  return postgresUrls.get(cdb.db);
}

const int8Oid = 20;

/** `int8` as a JavaScript number, scoped to our pool (pg's global parsers stay untouched). */
const typeParser = ((oid: number, format?: string) => {
  if (oid === int8Oid && (format === undefined || format === 'text')) return parseInt8;
  return pg.types.getTypeParser(oid, format as 'text');
}) as typeof pg.types.getTypeParser;

function parseInt8(value: string): number {
  const parsed = Number(value);
  // Rounding would silently corrupt an id or a time; fail the query instead.
  if (!Number.isSafeInteger(parsed))
    throw new RangeError(`int8 value ${value} does not fit a JavaScript number`);
  return parsed;
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * True when the database answers `select 1` within `timeoutMs`; false otherwise (closed,
 * unreachable, slow). Never throws: the health endpoint reports the answer as is.
 *
 * @example
 * ```ts
 * const body = { version, database: (await checkReachable(cdb)) ? 'reachable' : 'unreachable' };
 * ```
 */
export async function checkReachable(
  target: ClearinghouseDb | Kysely<Database>,
  options: { timeoutMs?: number } = {},
): Promise<boolean> {
  const db = target instanceof Kysely ? target : target.db;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), options.timeoutMs ?? 2_000);
  });
  const answered = sql<{ one: number }>`select 1 as one`
    .execute(db)
    .then((result) => Number(result.rows[0]?.one) === 1)
    .catch(() => false);
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Codes of a PostgreSQL database the server cannot reach or may not use, as pg reports them. */
const postgresConnectCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  '3D000', // invalid_catalog_name: the database does not exist
  '28000', // invalid_authorization_specification: the role does not exist
  '28P01', // invalid_password
  '42501', // insufficient_privilege (e.g. no CONNECT on the database)
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);

/**
 * The sentence for a start that could not use its PostgreSQL database (nothing listens, an
 * unknown host, a database or role that does not exist, a wrong password): the URL with its
 * password masked, `DATABASE_URL`, and the cause in plain words; `undefined` for any other error
 * (a migration that failed on a database it reached keeps its own report).
 *
 * @example
 * ```ts
 * postgresStartProblem('postgres://u:***@127.0.0.1:3499/db', error);
 * // 'The PostgreSQL database postgres://u:***@127.0.0.1:3499/db (DATABASE_URL) cannot be used: nothing accepts connections at 127.0.0.1:3499 (ECONNREFUSED). …'
 * ```
 */
export function postgresStartProblem(location: string, error: unknown): string | undefined {
  let found:
    | { code?: unknown; message?: unknown; address?: unknown; port?: unknown; hostname?: unknown }
    | undefined;
  let timedOut = false;
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string' && postgresConnectCodes.has(code)) {
      found = at as typeof found;
      break;
    }
    // pg-pool's own wording when connectionTimeoutMillis passes.
    if (/timeout exceeded when trying to connect|connection timeout/i.test(at.message)) {
      timedOut = true;
      break;
    }
    at = (at as { cause?: unknown }).cause;
  }
  const prefix = `The PostgreSQL database ${location} (DATABASE_URL) cannot be used:`;
  if (timedOut) {
    return `${prefix} it did not answer within 5 seconds. Check that PostgreSQL runs there and this machine may reach it, or correct DATABASE_URL.`;
  }
  if (found === undefined) return undefined;
  const code = String(found.code);
  const said = String(found.message ?? '');
  let host = '';
  try {
    const url = new URL(location);
    host = `${url.hostname}:${url.port || '5432'}`;
  } catch {
    host = 'its host';
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `${prefix} nothing accepts connections at ${host} (ECONNREFUSED). Start PostgreSQL there, or correct the host and port in DATABASE_URL.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${prefix} the host name ${typeof found.hostname === 'string' ? found.hostname : host} is not known (${code}). Correct the host in DATABASE_URL.`;
    case '3D000':
      return `${prefix} PostgreSQL says ${said} (3D000). Create it (as its owner: createdb <name>), or correct the database name in DATABASE_URL.`;
    case '28000':
    case '28P01':
      return `${prefix} PostgreSQL refused the login: ${said} (${code}). Correct the user name and password in DATABASE_URL, or create that role.`;
    default:
      return `${prefix} ${said || code} (${code}). Check that PostgreSQL runs there and takes this user, or correct DATABASE_URL.`;
  }
}
