import { openDatabase, type ClearinghouseDb } from './db/database';
import { migrateToLatest } from './db/migrate';

/**
 * The running clearinghouse: one database handle per process, opened and migrated
 * once at server start (hooks.server.ts `init`), shared by every request.
 *
 * Configuration comes from the environment: `DATABASE_URL` (postgres://…) selects
 * PostgreSQL, otherwise SQLite at `DATABASE_PATH` (default `./data/clearinghouse.db`).
 */
export interface Instance {
  readonly database: ClearinghouseDb;
}

let current: Promise<Instance> | undefined;

export function getInstance(): Promise<Instance> {
  current ??= start().catch((error: unknown) => {
    current = undefined; // let the next request try again rather than caching the failure
    throw error;
  });
  return current;
}

async function start(): Promise<Instance> {
  const url = process.env.DATABASE_URL;
  const database = await openDatabase(
    url ? { url } : process.env.DATABASE_PATH ? { sqlitePath: process.env.DATABASE_PATH } : {},
  );
  await migrateToLatest(database.db);
  return { database };
}

/** Closes the database (graceful shutdown and tests). */
export async function stopInstance(): Promise<void> {
  const instance = await current?.catch(() => undefined);
  current = undefined;
  await instance?.database.close();
}
