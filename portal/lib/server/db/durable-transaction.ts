import { sql, type Kysely, type Transaction } from 'kysely';
import { sqliteWalPath, storageFailedError, type ClearinghouseDb } from './database';
import type { Database } from './schema';
import { noteWriteRefused, noteWriteStored } from './write-refusals';

/**
 * Runs `work` in one transaction whose commit is on disk when this resolves, without blocking the
 * event loop for the disk flush.
 *
 * better-sqlite3 is synchronous: a `COMMIT` under `synchronous = FULL` fsyncs the write-ahead log
 * inside the call and freezes the whole server for that long (several ms; 10-30 ms on a busy
 * disk). On a SQLite file this commits with `synchronous = NORMAL` (the WAL frames are written,
 * not flushed) and then flushes the WAL on libuv's thread pool (`ClearinghouseDb.syncWal`): the
 * same file, its data and its size, so the commit is as durable when the promise resolves as
 * under FULL. The connection stays held until the flush is done, so no query that goes through
 * Kysely (SQLite has one connection) can read the committed rows before they are on disk, as
 * under FULL, where readers see a commit only after its flush. Meanwhile the event loop parses,
 * verifies and answers other requests; only database work waits, except the checks of writes,
 * which run at once outside any transaction (`ClearinghouseDb.runNow`, where it says why that is
 * safe), and the rate limiter's counts, which a SQLite file keeps in a file of their own
 * (`ClearinghouseDb.countNow`). The durable writer's batches mostly commit on the writer thread
 * instead (`writer-thread.ts`); this path is the sequencer's, the request signatures' claims' and
 * the writer's when the thread cannot take a batch.
 *
 * PostgreSQL and in-memory SQLite: a plain transaction (PostgreSQL flushes its WAL in COMMIT with
 * `synchronous_commit = on`, off the event loop anyway).
 *
 * @throws whatever `work` or the commit throws (nothing committed), or the flush's error (then
 *   the commit may or may not survive a power loss: the caller must not report it durable), or
 *   `ERR_STORAGE_UNAVAILABLE` without running `work` once a flush has failed.
 * @example
 * ```ts
 * const head = await durableTransaction(cdb, async (trx) => {
 *   await trx.updateTable('log_state').set({ size }).where('id', '=', 1).execute();
 *   return size;
 * });
 * ```
 */
export async function durableTransaction<T>(
  cdb: ClearinghouseDb,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  // Only a SQLite file has a WAL to flush. Without one (PostgreSQL, in-memory SQLite) a plain
  // transaction; so too on a file opened elsewhere, whose COMMIT then flushes under FULL.
  const syncWal = cdb.syncWal;
  try {
    const result =
      syncWal === undefined
        ? await cdb.db.transaction().execute(work)
        : await cdb.db.connection().execute(async (conn) => {
            // Nothing is committed once a flush has failed (`ClearinghouseDb.storageFailure`).
            if (cdb.storageFailure?.() !== undefined) throw storageFailedError();
            const committed = await withSynchronousNormal(conn, () =>
              conn.transaction().execute(work),
            );
            await syncWal();
            return committed;
          });
    noteWriteStored();
    return result;
  } catch (error) {
    // A full or failing disk: the health route says so until a write is stored again.
    noteWriteRefused(error);
    throw error;
  }
}

/** The write-ahead log of a SQLite file database, `undefined` for anything else. */
export function walPathOf(cdb: ClearinghouseDb): string | undefined {
  return cdb.dialect === 'sqlite' && cdb.location !== ':memory:'
    ? sqliteWalPath(cdb.location)
    : undefined;
}

/**
 * Runs `work` on a held SQLite connection with `synchronous = NORMAL`, then restores `FULL`, so
 * every statement outside such a call keeps flushing in its commit.
 */
async function withSynchronousNormal<T>(
  conn: Kysely<Database>,
  work: () => Promise<T>,
): Promise<T> {
  await sql`pragma synchronous = NORMAL`.execute(conn);
  try {
    return await work();
  } finally {
    await sql`pragma synchronous = FULL`.execute(conn);
  }
}
