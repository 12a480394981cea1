/**
 * Which open database and dialect a Kysely handle belongs to, kept apart from `database.ts` so
 * that code run on the writer thread (`writer-thread.worker.ts`), which has no `openDatabase`,
 * can use the prepared statements without loading the drivers.
 */
import type { Kysely } from 'kysely';
import type { ClearinghouseDb } from './database';
import type { Database, DatabaseDialect } from './schema';

/** The dialect of every Kysely handle `openDatabase` created, for callers that hold only the handle. */
export const dialects = new WeakMap<Kysely<Database>, DatabaseDialect>();
/** The open database of every Kysely handle `openDatabase` created. */
export const databases = new WeakMap<Kysely<Database>, ClearinghouseDb>();

/**
 * The open database a handle belongs to, `undefined` for a handle created elsewhere: for parts
 * handed only the handle that need to know more (where a SQLite file's write-ahead log lives).
 *
 * @example
 * ```ts
 * const cdb = clearinghouseDbOf(db); // cdb?.location
 * ```
 */
export function clearinghouseDbOf(db: Kysely<Database>): ClearinghouseDb | undefined {
  return databases.get(db);
}

/**
 * The dialect of a handle opened by {@link openDatabase}.
 *
 * @throws {Error} for a handle created elsewhere: its dialect cannot be known reliably.
 *
 * @example
 * ```ts
 * const cdb = await openDatabase();
 * dialectOf(cdb.db); // 'sqlite'
 * ```
 */
export function dialectOf(db: Kysely<Database>): DatabaseDialect {
  const dialect = dialects.get(db);
  if (dialect === undefined)
    throw new Error('This Kysely handle was not opened by openDatabase().');
  return dialect;
}
