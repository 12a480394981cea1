/**
 * A PostgreSQL connection that its server ends while a query runs on it (a restart, a failover,
 * `pg_terminate_backend`) fails that query and nothing else: the process stays up and the next
 * query gets a new connection. pg emits 'error' on a client that is checked out of the pool, where
 * the pool's own listener is not attached; unhandled, that event ended the whole server.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from './test-databases';
import { terminateBackends } from './test-outage';

describe('a PostgreSQL backend ended under a running query', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await test.dispose();
  });

  /** Ends, from a second connection, every backend of the database but its own. */
  const terminateOthers = (where: string) => terminateBackends(test.postgresUrl!, where);

  /** Runs `step` with uncaught exceptions collected instead of ending the test run. */
  async function collectingUncaught(step: () => Promise<void>): Promise<unknown[]> {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await step();
      // Let the client's 'error' event be emitted and handled (or not) before looking.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    return uncaught;
  }

  it('fails a transaction whose connection is checked out between statements, and nothing else', async () => {
    const uncaught = await collectingUncaught(async () => {
      let ended = 0;
      const outcome = await test.cdb.db
        .transaction()
        .execute(async (trx) => {
          await sql`select 1`.execute(trx);
          // Checked out, no query running: as the writer's connection between its statements.
          ended = await terminateOthers(`state like 'idle in transaction%'`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await sql`select 2`.execute(trx);
          return 'committed';
        })
        .catch((error: Error) => error.message);
      expect(ended).toBe(1);
      expect(outcome).not.toBe('committed');
    });
    expect(uncaught).toEqual([]);
    const next = await sql<{ one: number }>`select 1 as one`.execute(test.cdb.db);
    expect(next.rows).toEqual([{ one: 1 }]);
  });

  it('fails a query its backend was ended under, and serves the next one', async () => {
    const uncaught = await collectingUncaught(async () => {
      const running = sql`select pg_sleep(10)`.execute(test.cdb.db).then(
        () => 'finished',
        (error: Error) => error.message,
      );
      let ended = 0;
      for (let tries = 0; ended === 0 && tries < 100; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ended = await terminateOthers(`query like '%pg_sleep%'`);
      }
      expect(ended).toBe(1);
      expect(await running).toMatch(/terminat/i);
    });
    expect(uncaught).toEqual([]);
    const next = await sql<{ one: number }>`select 1 as one`.execute(test.cdb.db);
    expect(next.rows).toEqual([{ one: 1 }]);
  });
});
