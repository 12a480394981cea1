/**
 * PostgreSQL's `statement_timeout` on the server's pool (db/database.ts): a statement stuck
 * behind another connection's lock fails with PostgreSQL's own error instead of holding its
 * request for ever, and so do the lookups that were waiting to share the next statement of its
 * kind (db/batched-lookup.ts); once the lock is gone, lookups work again. Migrations run on a
 * pool of their own without it. Real PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { anyOf, lookupByKey } from './batched-lookup';
import { defaultStatementTimeoutMs, statementTimeoutFromEnv } from './database';
import { migrateToLatest } from './migrate';
import type { Database } from './schema';
import { openTestDatabase, type TestDatabase } from './test-databases';

describe('statementTimeoutFromEnv', () => {
  it('reads PG_STATEMENT_TIMEOUT_MS, 0 for none, and names the variable when it cannot', () => {
    expect(statementTimeoutFromEnv({})).toBe(defaultStatementTimeoutMs);
    expect(statementTimeoutFromEnv({ PG_STATEMENT_TIMEOUT_MS: ' ' })).toBe(30_000);
    expect(statementTimeoutFromEnv({ PG_STATEMENT_TIMEOUT_MS: '0' })).toBe(0);
    expect(statementTimeoutFromEnv({ PG_STATEMENT_TIMEOUT_MS: '1500' })).toBe(1500);
    for (const bad of ['-1', '1.5', '30s', '86400001', '1e3']) {
      expect(() => statementTimeoutFromEnv({ PG_STATEMENT_TIMEOUT_MS: bad })).toThrow(
        /PG_STATEMENT_TIMEOUT_MS must be a whole number/,
      );
    }
  });
});

interface Row {
  id: string;
  v: string;
}
/** The test's own table, which the schema type does not know. */
type TestDb = Kysely<{ t: Row }>;

describe('statement_timeout on PostgreSQL', () => {
  let tdb: TestDatabase | undefined;
  let locker: pg.Client | undefined;
  afterEach(async () => {
    await locker?.end();
    locker = undefined;
    await tdb?.dispose();
    tdb = undefined;
  });

  /**
   * A fresh database whose pool cancels statements after `statementTimeoutMs`, and `locker`, a
   * connection of its own without the limit (to set up on a loaded machine, and to hold locks).
   */
  async function openWithLocker(
    statementTimeoutMs: number,
  ): Promise<{ opened: TestDatabase; db: Kysely<Database>; other: pg.Client }> {
    const opened = await openTestDatabase('postgres', { statementTimeoutMs });
    tdb = opened;
    locker = new pg.Client({ connectionString: opened.postgresUrl });
    await locker.connect();
    return { opened, db: opened.cdb.db, other: locker };
  }

  it('fails a lookup stuck behind a lock, and those waiting to share the next statement, then works again', async () => {
    const { db, other } = await openWithLocker(300);
    await other.query('create table t (id text primary key, v text not null)');
    await other.query("insert into t (id, v) values ('a', 'A'), ('b', 'B')");
    const rows = (keys: string[]) =>
      sql<Row>`select id, v from t where id = ${anyOf(keys)}`.execute(db);
    const lookup = lookupByKey({
      build: (d, key) =>
        (d as unknown as TestDb).selectFrom('t').select(['id', 'v']).where('id', '=', key),
      keyOf: (args: { id: string }) => args.id,
      rowKey: (row) => row.id,
    });
    expect((await rows(['a'])).rows).toEqual([{ id: 'a', v: 'A' }]);

    // Another connection holds the table: every read of it waits.
    await other.query('begin');
    await other.query('lock table t in access exclusive mode');
    const first = lookup.first(db, { id: 'a' }).then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    // Asked once the first statement is under way (PostgreSQL shows it waiting for the lock;
    // its statistics are a snapshot per transaction, `other` is in one: cleared each time), the
    // second key waits for the next statement.
    await expect
      .poll(
        async () => {
          await other.query('select pg_stat_clear_snapshot()');
          const { rows: waiting } = await other.query(
            "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%from \"t\"%'",
          );
          return (waiting[0] as { n: number }).n;
        },
        { interval: 5, timeout: 10_000 },
      )
      .toBe(1);
    let secondSettled = false;
    const second = lookup.first(db, { id: 'b' }).then(
      () => 'answered',
      (error: { code?: string }) => error.code,
    );
    void second.finally(() => (secondSettled = true));
    // PostgreSQL's query_canceled, not a hang.
    expect(await first).toBe('57014');
    // The second key went into a statement of its own, still waiting a moment after the first
    // failed (one that had joined the first would have failed with it, in the same turn; a turn
    // of the event loop passes first, as microtasks alone would not tell the two apart).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondSettled).toBe(false);
    expect(await second).toBe('57014');

    await other.query('rollback');
    expect(await lookup.first(db, { id: 'b' })).toEqual({ id: 'b', v: 'B' });
    expect(await Promise.all(['a', 'b', 'zz'].map((id) => lookup.first(db, { id })))).toEqual([
      { id: 'a', v: 'A' },
      { id: 'b', v: 'B' },
      undefined,
    ]);
  });

  it('migrates without it, waiting for another process’s migration lock, while a request’s statement is held to it', async () => {
    const { opened, db, other } = await openWithLocker(100);
    // Another process holds Kysely's migration lock for 400 ms: the migration waits for it,
    // longer than the pool lets a statement run.
    await other.query('select pg_advisory_lock(3853314791062309107)');
    // A default on the database applies to every new connection unless one says otherwise.
    const name = new URL(opened.postgresUrl!).pathname.slice(1);
    await other.query(`alter database "${name}" set statement_timeout = '100ms'`);
    let unlockedAt = Number.POSITIVE_INFINITY;
    const released = new Promise((resolve) => setTimeout(resolve, 400)).then(async () => {
      unlockedAt = performance.now();
      await other.query('select pg_advisory_unlock(3853314791062309107)');
    });
    const { applied } = await migrateToLatest(opened.cdb);
    // It did wait for the lock (were Kysely's lock id to change, this would catch it).
    expect(performance.now()).toBeGreaterThan(unlockedAt);
    await released;
    expect(applied.length).toBeGreaterThan(0);
    await expect(sql`select pg_sleep(0.3)`.execute(db)).rejects.toMatchObject({ code: '57014' });
    expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
  });
});
