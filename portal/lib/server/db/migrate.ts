import { Kysely, Migrator, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { dialectOf, withoutStatementTimeout, type ClearinghouseDb } from './database';
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
  return runMigrations(target, (migrator) => migrator.migrateToLatest());
}

/**
 * Applies the pending migrations up to and including `name` and no further (a restore brings a
 * fresh database to the backup's schema before loading its rows, then to the latest).
 *
 * @throws {Error} naming the failed migration, or an unknown `name`.
 */
export async function migrateUpTo(
  target: ClearinghouseDb | Kysely<Database>,
  name: string,
): Promise<MigrationReport> {
  const dialect = target instanceof Kysely ? dialectOf(target) : target.dialect;
  if (!(name in migrationsFor(dialect))) {
    throw new Error(`This release does not know the migration ${name}.`);
  }
  return runMigrations(target, (migrator) => migrator.migrateTo(name));
}

async function runMigrations(
  target: ClearinghouseDb | Kysely<Database>,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrationReport> {
  const db = target instanceof Kysely ? target : target.db;
  const dialect = target instanceof Kysely ? dialectOf(target) : target.dialect;
  const location =
    target instanceof Kysely ? `${dialect} database` : `${dialect} database at ${target.location}`;
  const migrations = migrationsFor(dialect);
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // On PostgreSQL on a connection of its own without statement_timeout: a migration may rewrite
  // a large table, and waits for another process's migration lock as long as that takes.
  const { error, results } = await withoutStatementTimeout(db, (own) =>
    run(new Migrator({ db: own, provider })),
  );
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
