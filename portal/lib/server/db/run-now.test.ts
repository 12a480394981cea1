/**
 * `ClearinghouseDb.runNow` and `PreparedStatement.firstForWrite`: the checks of a write read at
 * once instead of queueing behind SQLite's one connection (held by a group commit for its flush),
 * but never see what an open transaction has not committed; answers keep queueing.
 */
import { sql, type LogEvent } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { durableTransaction } from './durable-transaction';
import { prepared } from './prepared';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

const valueOf = prepared<{ id: number }, { v: string }>((db, arg) =>
  // The table is made by the test; the schema type does not know it.
  (db as unknown as import('kysely').Kysely<{ t: { id: number; v: string } }>)
    .selectFrom('t')
    .select('v')
    .where('id', '=', arg('id')),
);

const synchronous = async (tdb: TestDatabase) =>
  Number(
    (await sql<{ synchronous: number }>`pragma synchronous`.execute(tdb.cdb.db)).rows[0]!
      .synchronous,
  );

/** A promise and its resolver. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('checks that read at once on a SQLite file', () => {
  let tdb: TestDatabase | undefined;
  afterEach(async () => {
    await tdb?.dispose();
    tdb = undefined;
  });

  async function open(log?: (event: LogEvent) => void): Promise<TestDatabase> {
    tdb = await openTestDatabase('sqlite', log === undefined ? {} : { log });
    await sql`create table t (id integer primary key, v text not null)`.execute(tdb.cdb.db);
    await sql`insert into t (id, v) values (1, 'committed')`.execute(tdb.cdb.db);
    return tdb;
  }

  it('read while the connection is held outside a transaction (a flush): the check at once, an answer after', async () => {
    const { cdb } = await open();
    const held = gate();
    const holding = gate();
    const holder = cdb.db.connection().execute(async () => {
      holding.open();
      await held.opened;
    });
    await holding.opened;
    const order: string[] = [];
    const answer = valueOf.first(cdb.db, { id: 1 }).then((row) => order.push(`answer ${row?.v}`));
    const check = valueOf
      .firstForWrite(cdb.db, { id: 1 })
      .then((row) => order.push(`check ${row?.v}`));
    await check;
    expect(order).toEqual(['check committed']);
    held.open();
    await Promise.all([holder, answer]);
    expect(order).toEqual(['check committed', 'answer committed']);
  });

  it('never sees what an open transaction has not committed: it waits, and sees a rollback as nothing', async () => {
    const { cdb } = await open();
    const inside = gate();
    const finish = gate();
    const transaction = cdb.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (id, v) values (2, 'uncommitted')`.execute(trx);
        inside.open();
        await finish.opened;
        throw new Error('rolled back');
      })
      .catch(() => 'rolled back');
    await inside.opened;
    expect(cdb.runNow?.('select v from t where id = ?', [2])).toBeUndefined();
    let seen: { v: string } | undefined | 'pending' = 'pending';
    const check = valueOf.firstForWrite(cdb.db, { id: 2 }).then((row) => (seen = row));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toBe('pending');
    finish.open();
    expect(await transaction).toBe('rolled back');
    await check;
    expect(seen).toBeUndefined();
  });

  it('inside a transaction a check is the transaction’s own read', async () => {
    const { cdb } = await open();
    const row = await cdb.db.transaction().execute(async (trx) => {
      await sql`insert into t (id, v) values (3, 'mine')`.execute(trx);
      return valueOf.firstForWrite(trx, { id: 3 });
    });
    expect(row).toEqual({ v: 'mine' });
  });

  it('a write at once commits without a flush and leaves the connection flushing (FULL), also while another holds it', async () => {
    const { cdb } = await open();
    expect(cdb.runNow?.('insert into t (id, v) values (?, ?) returning id', [4, 'count'])).toEqual([
      { id: 4 },
    ]);
    expect(cdb.runNow?.('update t set v = ? where id = ?', ['counted', 4])).toEqual([]);
    expect(await synchronous(tdb!)).toBe(2);
    // While a holder keeps the connection (as a group commit does for its flush), a count still
    // goes through at once, and the holder finds the connection as it left it.
    await cdb.db.connection().execute(async (conn) => {
      expect(cdb.runNow?.('insert into t (id, v) values (?, ?)', [5, 'during'])).toEqual([]);
      const inside = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn);
      expect(Number(inside.rows[0]!.synchronous)).toBe(2);
    });
    await durableTransaction(cdb, async (trx) => {
      await sql`insert into t (id, v) values (6, 'durable')`.execute(trx);
    });
    expect(await synchronous(tdb!)).toBe(2);
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(cdb.db);
    expect(Number(rows[0]!.n)).toBe(4);
  });

  it('a statement run at once is counted like any other (the log option)', async () => {
    const statements: string[] = [];
    const { cdb } = await open((event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    });
    statements.length = 0;
    await valueOf.firstForWrite(cdb.db, { id: 1 });
    expect(statements).toEqual([valueOf.sqlOf(cdb.db)]);
  });

  it('a malformed statement throws and leaves the connection as it was', async () => {
    const { cdb } = await open();
    expect(() => cdb.runNow?.('insert into nowhere values (?)', [1])).toThrow(/no such table/);
    expect(() => cdb.runNow?.('insert into t (id, v) values (?, ?)', [1, 'duplicate'])).toThrow(
      /UNIQUE/,
    );
    expect(await synchronous(tdb!)).toBe(2);
    expect(await valueOf.first(cdb.db, { id: 1 })).toEqual({ v: 'committed' });
  });
});

describe.each(testDialects)('firstForWrite on %s', (dialect) => {
  let tdb: TestDatabase;
  afterEach(() => tdb.dispose());

  it('answers as first does', async () => {
    tdb = await openTestDatabase(dialect);
    await sql`create table t (id integer primary key, v text not null)`.execute(tdb.cdb.db);
    await sql`insert into t (id, v) values (1, 'a')`.execute(tdb.cdb.db);
    expect(await valueOf.firstForWrite(tdb.cdb.db, { id: 1 })).toEqual({ v: 'a' });
    expect(await valueOf.firstForWrite(tdb.cdb.db, { id: 2 })).toBeUndefined();
    // PostgreSQL's pool has no queue to skip: nothing runs "at once" there.
    expect(tdb.cdb.runNow === undefined).toBe(dialect === 'postgres');
  });
});
