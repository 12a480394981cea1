/**
 * Test fixture (imported by *.test.ts only): fresh, empty databases of both dialects, so one
 * suite runs against SQLite and PostgreSQL alike (`describe.each(testDialects)`).
 *
 * PostgreSQL comes from the `server` project's global setup (test/setup/postgres.global.ts).
 * When it could not start, opening a PostgreSQL test database throws that reason, so every
 * PostgreSQL test fails instead of being skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type ClearinghouseDb, type OpenDatabaseOptions } from './database';
import type { DatabaseDialect } from './schema';

export const testDialects: DatabaseDialect[] = ['sqlite', 'postgres'];

/** A fresh database and how to reach it from a second, independent connection. */
export interface TestDatabase {
  cdb: ClearinghouseDb;
  /** The SQLite file, when the dialect is SQLite. */
  sqlitePath?: string;
  /** The database URL, when the dialect is PostgreSQL. */
  postgresUrl?: string;
  /** Closes the database and removes what it left behind. */
  dispose(): Promise<void>;
}

/** Opens a new, empty, unmigrated database of the dialect. */
export async function openTestDatabase(
  dialect: DatabaseDialect,
  options: Pick<OpenDatabaseOptions, 'log' | 'statementTimeoutMs'> = {},
): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-sqlite-'));
    const sqlitePath = join(dir, 'test.db');
    const cdb = await openDatabase({ sqlitePath, ...options });
    return {
      cdb,
      sqlitePath,
      async dispose() {
        await cdb.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const postgresUrl = await createPostgresDatabase();
  const cdb = await openDatabase({ url: postgresUrl, ...options });
  return {
    cdb,
    postgresUrl,
    async dispose() {
      await cdb.close();
      // The cluster is deleted as a whole when the run ends; no need to drop each database.
    },
  };
}

/** Creates a database with a random name in the test cluster and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const base = inject('postgresUrl');
  if (base === '') {
    throw new Error(
      `PostgreSQL is not available for the storage tests: ${inject('postgresError')}`,
    );
  }
  const name = `t_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    // The name is ours (hex), so interpolating it is safe; identifiers cannot be bound.
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
