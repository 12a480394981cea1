import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './database';
import { durableTransaction } from './durable-transaction';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

describe.each(testDialects)('durableTransaction on %s', (dialect) => {
  let tdb: TestDatabase;
  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    await sql`create table t (id integer primary key, v text not null)`.execute(tdb.cdb.db);
  });
  afterEach(() => tdb.dispose());

  it('commits the work and answers its result; an independent connection sees it at once', async () => {
    const result = await durableTransaction(tdb.cdb, async (trx) => {
      await sql`insert into t (id, v) values (1, 'a')`.execute(trx);
      return 'done';
    });
    expect(result).toBe('done');
    if (tdb.sqlitePath !== undefined) {
      const other = new SqliteDatabase(tdb.sqlitePath, { readonly: true });
      try {
        expect(other.prepare('select v from t').all()).toEqual([{ v: 'a' }]);
      } finally {
        other.close();
      }
    }
  });

  it('rolls everything back when the work throws, and commits later work normally', async () => {
    await expect(
      durableTransaction(tdb.cdb, async (trx) => {
        await sql`insert into t (id, v) values (1, 'a')`.execute(trx);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(tdb.cdb.db);
    expect(Number(rows[0]!.n)).toBe(0);
    await durableTransaction(tdb.cdb, (trx) =>
      sql`insert into t (id, v) values (2, 'b')`.execute(trx),
    );
    const after = await sql<{ id: number }>`select id from t`.execute(tdb.cdb.db);
    expect(after.rows.map((row) => Number(row.id))).toEqual([2]);
  });
});

describe('durableTransaction on a SQLite file', () => {
  let tdb: TestDatabase;
  beforeEach(async () => {
    tdb = await openTestDatabase('sqlite');
    await sql`create table t (id integer primary key, v text not null)`.execute(tdb.cdb.db);
  });
  afterEach(() => tdb.dispose());

  it('leaves every other statement flushing in its own commit (synchronous = FULL), even after a failure', async () => {
    const synchronous = async () =>
      Number(
        (await sql<{ synchronous: number }>`pragma synchronous`.execute(tdb.cdb.db)).rows[0]!
          .synchronous,
      );
    await durableTransaction(tdb.cdb, async (trx) => {
      // Inside, the commit does not flush: the WAL is flushed after it, off the event loop.
      expect(
        Number(
          (await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]!
            .synchronous,
        ),
      ).toBe(1);
      await sql`insert into t (id, v) values (1, 'a')`.execute(trx);
    });
    expect(await synchronous()).toBe(2);
    await durableTransaction(tdb.cdb, async () => {
      throw new Error('refused');
    }).catch(() => undefined);
    expect(await synchronous()).toBe(2);
  });

  it('runs no other statement of the process between the commit and its flush', async () => {
    const order: string[] = [];
    const write = durableTransaction(tdb.cdb, async (trx) => {
      await sql`insert into t (id, v) values (1, 'a')`.execute(trx);
    }).then(() => order.push('durable'));
    // Queued while the transaction holds the one connection: it may only run after the flush,
    // so it can never report a row that a power loss could still take back.
    const read = sql<{ n: number }>`select count(*) as n from t`
      .execute(tdb.cdb.db)
      .then(({ rows }) => order.push(`read ${Number(rows[0]!.n)}`));
    await Promise.all([write, read]);
    expect(order).toEqual(['durable', 'read 1']);
  });

  it("reports SQLite's own error when SQLite has rolled the transaction back itself (a full disk)", async () => {
    const pages = Number(
      (await sql<{ page_count: number }>`pragma page_count`.execute(tdb.cdb.db)).rows[0]!
        .page_count,
    );
    expect(pages).toBeGreaterThan(0);
    // A database that may grow by three pages: an insert of 100 KB fills it, and SQLite then
    // rolls the whole transaction back itself; the ROLLBACK that follows must not hide why.
    await sql.raw(`pragma max_page_count = ${pages + 3}`).execute(tdb.cdb.db);
    await expect(
      durableTransaction(tdb.cdb, (trx) =>
        sql`insert into t (id, v) values (1, ${'x'.repeat(100_000)})`.execute(trx),
      ),
    ).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    await sql.raw('pragma max_page_count = 1073741823').execute(tdb.cdb.db);
    await durableTransaction(tdb.cdb, (trx) =>
      sql`insert into t (id, v) values (2, 'b')`.execute(trx),
    );
    const { rows } = await sql<{ id: number }>`select id from t`.execute(tdb.cdb.db);
    expect(rows.map((row) => Number(row.id))).toEqual([2]);
  });
});

describe('withStatementCache', () => {
  it('prepares each SQL text once, drops the least recently used beyond its size, and answers as before', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const prepared: string[] = [];
    const counting = new Proxy(sqlite, {
      get(target, name, receiver) {
        if (name === 'prepare') {
          return (text: string) => {
            prepared.push(text);
            return target.prepare(text);
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const cached = withStatementCache(counting, 2);
    try {
      cached.prepare('create table t (id integer primary key)').run([]);
      cached.prepare('insert into t (id) values (?)').run([1]);
      cached.prepare('insert into t (id) values (?)').run([2]);
      expect(cached.prepare('select id from t').all([])).toEqual([{ id: 1 }, { id: 2 }]);
      // The insert was used more recently than the create: the create went, the insert stayed.
      cached.prepare('insert into t (id) values (?)').run([3]);
      expect(prepared).toEqual([
        'create table t (id integer primary key)',
        'insert into t (id) values (?)',
        'select id from t',
      ]);
      // A schema change after preparing: SQLite re-prepares the cached statement by itself.
      cached.prepare('select id from t');
      sqlite.exec('alter table t add column v text');
      sqlite.exec("update t set v = 'x'");
      const before = prepared.length;
      expect(cached.prepare('select id from t').all([])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(prepared.length).toBe(before);
    } finally {
      cached.close();
    }
    expect(sqlite.open).toBe(false);
  });
});
