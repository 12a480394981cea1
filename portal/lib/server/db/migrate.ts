import { Kysely, Migrator, type MigrationProvider } from 'kysely';
import { dialectOf, type ClearinghouseDb } from './database';
import type { Database } from './schema';
import { migrationsFor } from './migrations/index';

/** What a migration run did. */
export interface MigrationReport {
  /** Names of the migrations applied by this run, in order; empty when already up to date. */
  applied: string[];
}

/**
 * Applies every pending migration, each in its own transaction. Safe to call on every start:
 * an up-to-date database is left alone, and on PostgreSQL concurrent callers (several portal
 * processes) are serialised by Kysely's migration lock.
 *
 * Takes the `ClearinghouseDb` from `openDatabase`, or its `db` handle.
 *
 * @throws {Error} naming the failed migration, with the database's error as `cause`.
 *
 * @example
 * ```ts
 * const cdb = await openDatabase();
 * const { applied } = await migrateToLatest(cdb); // ['0001_foundation'] on a fresh database
 * ```
 */
export async function migrateToLatest(
  target: ClearinghouseDb | Kysely<Database>,
): Promise<MigrationReport> {
  const db = target instanceof Kysely ? target : target.db;
  const dialect = target instanceof Kysely ? dialectOf(target) : target.dialect;
  const location =
    target instanceof Kysely ? `${dialect} database` : `${dialect} database at ${target.location}`;
  const migrations = migrationsFor(dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed === undefined
        ? `Could not migrate the ${location}: ${reason}`
        : `Migration ${failed} failed on the ${location}: ${reason}`,
      { cause: error },
    );
  }
  return {
    applied: (results ?? [])
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName),
  };
}
