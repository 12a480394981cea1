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

  async function oneConnection(maxNames?: number) {
    const url = await createPostgresDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const named = withNamedStatements(pool, maxNames === undefined ? {} : { maxNames });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: named }) });
    cleanup.push(() => db.destroy());
    return { db, named };
  }

  it('prepares a repeated data statement once and binds it again; DDL and scripts stay unnamed', async () => {
    const { db, named } = await oneConnection();
    await sql`create table t (id int primary key, v text)`.execute(db);
    await sql`insert into t values (1, 'one'), (2, 'two')`.execute(db);
    for (const id of [1, 2, 1]) {
      const { rows } = await sql<{ v: string }>`select v from t where id = ${id}`.execute(db);
      expect(rows).toEqual([{ v: id === 1 ? 'one' : 'two' }]);
    }
    const statements = await preparedOn(db);
    expect(statements).toContain('select v from t where id = $1');
    expect(statements).toContain("insert into t values (1, 'one'), (2, 'two')");
    expect(statements.some((text) => /create table/i.test(text))).toBe(false);
    // The listing itself was named too: three texts in all, the select counted once.
    expect(named.namedTexts).toBe(3);
    await sql.raw('update t set v = v; update t set v = v').execute(db);
    expect((await preparedOn(db)).some((text) => text.includes('update t'))).toBe(false);
  });

  it('names at most maxNames texts; later ones run unnamed and still answer', async () => {
    const { db, named } = await oneConnection(1);
    await sql`select 1 as one`.execute(db);
    const { rows } = await sql<{ two: number }>`select 2 as two`.execute(db);
    expect(rows).toEqual([{ two: 2 }]);
    expect(named.namedTexts).toBe(1);
    expect(await preparedOn(db)).toEqual(['select 1 as one']);
  });

  it('a query whose columns a migration changed fails once, then runs unnamed', async () => {
    const { db } = await oneConnection();
    await sql`create table t (id int primary key)`.execute(db);
    const all = () => sql<Record<string, unknown>>`select * from t`.execute(db);
    await sql`insert into t values (1)`.execute(db);
    expect((await all()).rows).toEqual([{ id: 1 }]);
    await sql`alter table t add column v text default 'x'`.execute(db);
    await expect(all()).rejects.toMatchObject({ code: '0A000' });
    expect((await all()).rows).toEqual([{ id: 1, v: 'x' }]);
  });

  it('PG_NAMED_STATEMENTS=off sends every query unnamed', async () => {
    process.env.PG_NAMED_STATEMENTS = 'off';
    const url = await createPostgresDatabase();
    const cdb = await openDatabase({ url });
    cleanup.push(() => cdb.close());
    const prepared = await cdb.db.transaction().execute(async (trx) => {
      await sql`select 1 as one`.execute(trx);
      await sql`select 1 as one`.execute(trx);
      return preparedOn(trx as unknown as Kysely<unknown>);
    });
    expect(prepared).toEqual([]);
  });

  it('is on by default in openDatabase', async () => {
    const url = await createPostgresDatabase();
    const cdb = await openDatabase({ url });
    cleanup.push(() => cdb.close());
    const prepared = await cdb.db.transaction().execute(async (trx) => {
      await sql`select 1 as one`.execute(trx);
      return preparedOn(trx as unknown as Kysely<unknown>);
    });
    expect(prepared).toContain('select 1 as one');
  });
});
