import { Kysely, Migrator, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { dialectOf, withoutStatementTimeout, type ClearinghouseDb } from './database';
import type { Database } from './schema';
import { migrationsFor } from './migrations/index';

/**
 * The database holds a migration this release does not know: a newer release migrated it (a
 * rollback to an older release, or a backup of a newer one restored). The message says what to
 * do; the server's start and `npm run migrate` print it alone.
 */
export class NewerReleaseError extends Error {
  override name = 'NewerReleaseError';
  readonly code = 'ERR_NEWER_RELEASE';
  constructor(
    /** The first migration row this release has no file for, e.g. `0023_future`. */
    readonly migration: string,
    options?: ErrorOptions,
  ) {
    super(
      `This database was migrated by a newer release (${migration}): run that release, or restore a backup taken before the upgrade.`,
      options,
    );
  }
}

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
    // Kysely's refusal of a migration row this release has no file for: a rollback to an older
    // release (docs/operations.md "Backup and restore").
    const unknown = /previously executed migration (\S+) is missing/.exec(
      error instanceof Error ? error.message : '',
    )?.[1];
    if (unknown !== undefined) throw new NewerReleaseError(unknown, { cause: error });
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
