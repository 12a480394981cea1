/**
 * Vitest global setup of the `server` project: one throwaway PostgreSQL cluster for the whole
 * run (scripts/postgres.mjs), its URL handed to the tests as `inject('postgresUrl')`, stopped
 * and deleted in `teardown`.
 *
 * `TEST_DATABASE_URL`, when set, names an existing PostgreSQL database to use instead (CI with
 * a service container); nothing is started or stopped then.
 *
 * When PostgreSQL cannot start, the reason is provided as `postgresError` instead of failing
 * the whole project here: the SQLite half of every storage suite still runs, and every
 * PostgreSQL test fails with that one sentence. A missing PostgreSQL is a failure, never a skip.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../scripts/postgres.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test PostgreSQL database; empty when it could not start (see postgresError). */
    postgresUrl: string;
    /** Why PostgreSQL is not available; empty when it is. */
    postgresError: string;
  }
}

let stop: (() => Promise<void>) | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.TEST_DATABASE_URL?.trim();
  if (external !== undefined && external !== '') {
    project.provide('postgresUrl', external);
    project.provide('postgresError', '');
    return;
  }
  try {
    const cluster = await startPostgres();
    stop = cluster.stop;
    project.provide('postgresUrl', cluster.url);
    project.provide('postgresError', '');
  } catch (error) {
    project.provide('postgresUrl', '');
    project.provide('postgresError', error instanceof Error ? error.message : String(error));
  }
}

export async function teardown(): Promise<void> {
  const stopping = stop;
  stop = undefined;
  await stopping?.();
}
