/**
 * Named (prepared) statements on PostgreSQL (db/named-statements.ts), on a real cluster: which
 * texts PostgreSQL keeps prepared per connection, the cap, the fallback after a migration changed
 * a prepared query's columns, and the switch that turns it off.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database';
import { withNamedStatements } from './named-statements';
import { createPostgresDatabase } from './test-databases';

/** The statements the connection of `db` (a one-connection pool) holds prepared. */
async function preparedOn(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`select statement from pg_prepared_statements order by statement`.execute(db);
  return rows.map((row) => row.statement);
}

describe('named statements on PostgreSQL', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()!();
    delete process.env.PG_NAMED_STATEMENTS;
  });

  /** What openDatabase's connection holds prepared after one query ran twice on it. */
  async function preparedAfterRepeating(): Promise<string[]> {
    const cdb = await openDatabase({ url: await createPostgresDatabase() });
    cleanup.push(() => cdb.close());
    return cdb.db.transaction().execute(async (trx) => {
      await sql`select 1 as one`.execute(trx);
      await sql`select 1 as one`.execute(trx);
      return preparedOn(trx as unknown as Kysely<unknown>);
    });
  }

  async function oneConnection(maxNames?: number) {
    const url = await createPostgresDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const named = withNamedStatements(pool, maxNames === undefined ? {} : { maxNames });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: named }) });
    cleanup.push(() => db.destroy());
    return { db, named };
  }

  it('prepares a data statement on its second sighting and binds it again; one-offs, DDL and scripts stay unnamed', async () => {
    const { db, named } = await oneConnection();
    await sql`create table t (id int primary key, v text)`.execute(db);
    await sql`insert into t values (1, 'one'), (2, 'two')`.execute(db);
    for (const id of [1, 2, 1]) {
      const { rows } = await sql<{ v: string }>`select v from t where id = ${id}`.execute(db);
      expect(rows).toEqual([{ v: id === 1 ? 'one' : 'two' }]);
    }
    expect(named.namedTexts).toBe(1);
    const statements = await preparedOn(db);
    expect(statements).toEqual(['select v from t where id = $1']);
    await sql.raw('update t set v = v; update t set v = v').execute(db);
    await sql.raw('update t set v = v; update t set v = v').execute(db);
    await sql`create index t_v on t (v)`.execute(db);
    await sql`drop index t_v`.execute(db);
    await sql`create index t_v on t (v)`.execute(db);
    // The listing, now seen twice, is the only other name.
    expect(await preparedOn(db)).toEqual([
      'select statement from pg_prepared_statements order by statement',
      'select v from t where id = $1',
    ]);
  });

  it('names at most maxNames texts; later ones run unnamed and still answer', async () => {
    const { db, named } = await oneConnection(1);
    for (let i = 0; i < 2; i++) await sql`select 1 as one`.execute(db);
    for (let i = 0; i < 2; i++) {
      const { rows } = await sql<{ two: number }>`select 2 as two`.execute(db);
      expect(rows).toEqual([{ two: 2 }]);
    }
    expect(named.namedTexts).toBe(1);
    expect(await preparedOn(db)).toEqual(['select 1 as one']);
  });

  it('a query whose columns a migration changed fails, then runs unnamed; no other text takes its name', async () => {
    const { db, named } = await oneConnection();
    await sql`create table t (id int primary key)`.execute(db);
    await sql`insert into t values (1)`.execute(db);
    const all = () => sql<Record<string, unknown>>`select * from t`.execute(db);
    const one = () => sql<{ id: number }>`select id from t where id = ${1}`.execute(db);
    for (let i = 0; i < 2; i++) {
      expect((await all()).rows).toEqual([{ id: 1 }]);
      expect((await one()).rows).toEqual([{ id: 1 }]);
    }
    expect(named.namedTexts).toBe(2);
    await sql`alter table t add column v text default 'x'`.execute(db);
    await expect(all()).rejects.toMatchObject({ code: '0A000' });
    expect((await all()).rows).toEqual([{ id: 1, v: 'x' }]);
    expect(named.namedTexts).toBe(1);
    // A text named after the fallback gets a name of its own: the connection still holds the
    // other two prepared, and a reused name would fail here ("must be unique").
    for (let i = 0; i < 2; i++) {
      expect((await sql<{ v: string }>`select v from t`.execute(db)).rows).toEqual([{ v: 'x' }]);
      expect((await one()).rows).toEqual([{ id: 1 }]);
    }
    expect(named.namedTexts).toBe(2);
  });

  it('PG_NAMED_STATEMENTS=off sends every query unnamed', async () => {
    process.env.PG_NAMED_STATEMENTS = 'off';
    expect(await preparedAfterRepeating()).toEqual([]);
  });

  it('is on by default in openDatabase', async () => {
    expect(await preparedAfterRepeating()).toContain('select 1 as one');
  });
});
