/**
 * `batchedLookup` (db/batched-lookup.ts) on a real PostgreSQL and SQLite: concurrent lookups on
 * PostgreSQL share one statement, each caller still gets its own row, a key asked for while a
 * statement is under way waits for the next one (so it sees every commit before it asked), an
 * error reaches the callers of its statement only, and transactions and SQLite keep the one-row
 * statement.
 */
import { sql, type Kysely, type LogEvent } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { anyOf, batchedLookup } from './batched-lookup';
import { prepared, type PreparedStatement } from './prepared';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

interface Row {
  id: string;
  owner: string;
  v: string;
}
/** The test's own table, which the schema type does not know. */
type TestDb = Kysely<{ t: Row }>;

const one = prepared<{ id: string; owner: string }, Row>((db, arg) =>
  (db as unknown as TestDb)
    .selectFrom('t')
    .select(['id', 'owner', 'v'])
    .where('id', '=', arg('id'))
    .where('owner', '=', arg('owner')),
);
const many = prepared<{ keys: string[] }, Row>((db, arg) =>
  (db as unknown as TestDb)
    .selectFrom('t')
    .select(['id', 'owner', 'v'])
    .where('id', '=', anyOf(arg('keys'))),
);

function lookupWith(
  statement: PreparedStatement<{ keys: string[] }, Row>,
  maxKeys?: number,
  single: typeof one = one,
) {
  return batchedLookup(single, {
    keyOf: (args) => args.id,
    many: statement,
    rowKey: (row) => row.id,
    accepts: (row, args) => row.owner === args.owner,
    ...(maxKeys === undefined ? {} : { maxKeys }),
  });
}

/** A promise and its opener. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * `many`, recording the keys of each run; its first run has read its rows before it waits for
 * `hold` (if set), and then fails with `failFirst` (if set).
 */
function recorded(hold?: Promise<void>, failFirst?: Error) {
  const runs: string[][] = [];
  const read = { count: 0 };
  const statement: PreparedStatement<{ keys: string[] }, Row> = {
    ...many,
    async execute(executor, args) {
      runs.push([...args.keys]);
      const first = runs.length === 1;
      const result = await many.execute(executor, args);
      read.count += 1;
      if (first && hold !== undefined) await hold;
      if (first && failFirst !== undefined) throw failFirst;
      return result;
    },
  };
  return { runs, read, statement };
}

/**
 * `one`, recording the id of each run; each run has read its row before it waits for `hold`:
 * a lone caller's statement (or a key asked again on its own) kept under way.
 */
function heldOne(hold: Promise<void>) {
  const singles: string[] = [];
  const read = { count: 0 };
  const statement: typeof one = {
    ...one,
    async first(executor, args) {
      singles.push(args.id);
      const row = await one.first(executor, args);
      read.count += 1;
      await hold;
      return row;
    },
  };
  return { singles, read, statement };
}

describe.each(testDialects)('batchedLookup on %s', (dialect) => {
  let tdb: TestDatabase | undefined;
  afterEach(async () => {
    await tdb?.dispose();
    tdb = undefined;
  });

  async function open(log?: (event: LogEvent) => void): Promise<TestDatabase> {
    tdb = await openTestDatabase(dialect, log === undefined ? {} : { log });
    const db = tdb.cdb.db;
    await sql`create table t (id text primary key, owner text not null, v text not null)`.execute(
      db,
    );
    await sql`insert into t (id, owner, v) values ('a', 'o1', 'A'), ('b', 'o1', 'B'), ('c', 'o2', 'C')`.execute(
      db,
    );
    return tdb;
  }

  it('answers each caller with its own row: a missing key, another owner and a repeated key included', async () => {
    const { cdb } = await open();
    const lookup = lookupWith(many);
    const asked = [
      { id: 'a', owner: 'o1' },
      { id: 'b', owner: 'o1' },
      { id: 'c', owner: 'o1' }, // c belongs to o2: the one-row statement finds nothing
      { id: 'zz', owner: 'o1' },
      { id: 'a', owner: 'o1' },
      { id: 'c', owner: 'o2' },
    ];
    const rows = await Promise.all(asked.map((args) => lookup.first(cdb.db, args)));
    expect(rows.map((row) => row?.v)).toEqual(['A', 'B', undefined, undefined, 'A', 'C']);
    // The same answers as the one-row statement gives.
    const single = await Promise.all(asked.map((args) => one.first(cdb.db, args)));
    expect(rows.map((row) => row?.v)).toEqual(single.map((row) => row?.v));
    const checks = await Promise.all(asked.map((args) => lookup.firstForWrite(cdb.db, args)));
    expect(checks.map((row) => row?.v)).toEqual(['A', 'B', undefined, undefined, 'A', 'C']);
  });

  it(
    dialect === 'postgres'
      ? 'runs concurrent lookups as shared statements: the first alone on its own, the rest together'
      : 'runs each lookup as its own one-row statement (SQLite reads on the event loop at once)',
    async () => {
      const statements: string[] = [];
      const { cdb } = await open((event) => {
        if (event.level === 'query' && /from "t"/.test(event.query.sql))
          statements.push(event.query.sql);
      });
      const lookup = lookupWith(many);
      const ids = ['a', 'b', 'a', 'zz', 'b', 'a', 'b', 'zz', 'a', 'b'];
      const rows = await Promise.all(ids.map((id) => lookup.first(cdb.db, { id, owner: 'o1' })));
      expect(rows.map((row) => row?.v ?? null)).toEqual(
        ids.map((id) => (id === 'zz' ? null : id.toUpperCase())),
      );
      if (dialect === 'postgres') {
        // The lone first caller runs the one-row statement (its plan PostgreSQL keeps).
        expect(statements).toHaveLength(2);
        expect(statements[0]).not.toContain('any(');
        expect(statements[1]).toContain('= any(');
      } else {
        expect(statements).toHaveLength(ids.length);
        expect(statements.some((text) => text.includes('any('))).toBe(false);
      }
    },
  );

  it('keeps the one-row statement inside a transaction, which sees its own uncommitted rows', async () => {
    const statements: string[] = [];
    const { cdb } = await open((event) => {
      if (event.level === 'query' && /from "t"/.test(event.query.sql))
        statements.push(event.query.sql);
    });
    const { runs, statement } = recorded();
    const lookup = lookupWith(statement);
    const seen = await cdb.db.transaction().execute(async (trx) => {
      await sql`insert into t (id, owner, v) values ('d', 'o1', 'D')`.execute(trx);
      return lookup.first(trx, { id: 'd', owner: 'o1' });
    });
    expect(seen?.v).toBe('D');
    expect(runs).toEqual([]);
    expect(statements.some((text) => text.includes('any('))).toBe(false);
  });
});

describe('batchedLookup on postgres, while a statement is under way', () => {
  let tdb: TestDatabase | undefined;
  afterEach(async () => {
    await tdb?.dispose();
    tdb = undefined;
  });

  /** Rows a and b of owner o1; the text of each statement on `t` goes to `statements`. */
  async function open(statements: string[] = []): Promise<TestDatabase> {
    tdb = await openTestDatabase('postgres', {
      log: (event) => {
        if (/from "t"/.test(event.query.sql)) statements.push(event.query.sql);
      },
    });
    await sql`create table t (id text primary key, owner text not null, v text not null)`.execute(
      tdb.cdb.db,
    );
    await sql`insert into t (id, owner, v) values ('a', 'o1', 'A'), ('b', 'o1', 'B')`.execute(
      tdb.cdb.db,
    );
    return tdb;
  }

  it('never adds a key to a statement already sent: one asked for later waits, and sees a commit made meanwhile', async () => {
    const { cdb } = await open();
    const hold = gate();
    const single = heldOne(hold.opened);
    const { runs, statement } = recorded();
    const lookup = lookupWith(statement, undefined, single.statement);
    const first = lookup.first(cdb.db, { id: 'a', owner: 'o1' });
    await expect.poll(() => single.read.count).toBe(1);
    // Committed after the first statement has read its row, before the next lookups are asked
    // for: a lookup added to that statement would not find it.
    await sql`insert into t (id, owner, v) values ('n', 'o1', 'N')`.execute(cdb.db);
    const later = ['n', 'a', 'n'].map((id) => lookup.first(cdb.db, { id, owner: 'o1' }));
    expect(single.singles).toEqual(['a']);
    expect(runs).toEqual([]);
    hold.open();
    expect((await first)?.v).toBe('A');
    expect((await Promise.all(later)).map((row) => row?.v)).toEqual(['N', 'A', 'N']);
    expect(runs).toEqual([['n', 'a']]);
    expect(single.singles).toEqual(['a']);
  });

  it('asks each key again on its own when the shared statement fails for a value; the next statement runs', async () => {
    const { cdb } = await open();
    const hold = gate();
    const single = heldOne(hold.opened);
    const refused = Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    const { runs, statement } = recorded(undefined, refused);
    const lookup = lookupWith(statement, undefined, single.statement);
    const alone = lookup.first(cdb.db, { id: 'b', owner: 'o1' }); // under way, on its own
    const first = lookup.first(cdb.db, { id: 'a', owner: 'o1' });
    const next = lookup.first(cdb.db, { id: 'a', owner: 'o1' });
    hold.open();
    expect((await alone)?.v).toBe('B');
    expect((await first)?.v).toBe('A');
    expect((await next)?.v).toBe('A');
    // The two callers of `a` shared the statement that failed, then each was asked on its own.
    expect(runs).toEqual([['a']]);
    expect(single.singles).toEqual(['b', 'a', 'a']);
    // Nothing stays queued: a lookup afterwards is answered too.
    expect((await lookup.first(cdb.db, { id: 'a', owner: 'o1' }))?.v).toBe('A');
  });

  it('fails every caller of a shared statement that fails for another cause, without asking each key again', async () => {
    const { cdb } = await open();
    const hold = gate();
    const single = heldOne(hold.opened);
    const lost = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
    });
    const { runs, statement } = recorded(undefined, lost);
    const lookup = lookupWith(statement, undefined, single.statement);
    const alone = lookup.first(cdb.db, { id: 'b', owner: 'o1' }); // under way, on its own
    const first = lookup.first(cdb.db, { id: 'a', owner: 'o1' }).catch((error: unknown) => error);
    const next = lookup.first(cdb.db, { id: 'a', owner: 'o1' }).catch((error: unknown) => error);
    hold.open();
    expect((await alone)?.v).toBe('B');
    expect(await first).toBe(lost);
    expect(await next).toBe(lost);
    expect(runs).toEqual([['a']]);
    // No one-row statement was sent for the failed key.
    expect(single.singles).toEqual(['b']);
    // The next statement runs.
    expect((await lookup.first(cdb.db, { id: 'a', owner: 'o1' }))?.v).toBe('A');
  });

  it('fails only the caller of a key PostgreSQL refuses, not the others sharing its statement', async () => {
    const statements: string[] = [];
    const { cdb } = await open(statements);
    const lookup = lookupWith(many);
    const hold = lookup.first(cdb.db, { id: 'b', owner: 'o1' }); // the first statement, on its own
    // A NUL byte cannot be in a PostgreSQL text value: the shared statement fails as a whole.
    const settled = await Promise.allSettled(
      ['a', 'x\u0000y', 'b'].map((id) => lookup.first(cdb.db, { id, owner: 'o1' })),
    );
    expect((await hold)?.v).toBe('B');
    expect(
      settled.map((result) => (result.status === 'fulfilled' ? result.value?.v : 'refused')),
    ).toEqual(['A', 'refused', 'B']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/byte sequence|0x00/i);
    // The lone first one, the shared statement of the three, then each again on its own.
    expect(statements.filter((text) => text.includes('= any('))).toHaveLength(1);
    expect(statements.filter((text) => !text.includes('any('))).toHaveLength(4);
  });

  it('refuses a maxKeys below 1', () => {
    expect(() => lookupWith(many, 0)).toThrow(RangeError);
  });

  it('sends at most maxKeys keys per statement', async () => {
    const { cdb } = await open();
    const hold = gate();
    const { runs, statement } = recorded(hold.opened);
    const lookup = lookupWith(statement, 3);
    const ids = ['a', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    const answers = Promise.all(ids.map((id) => lookup.first(cdb.db, { id, owner: 'o1' })));
    hold.open();
    expect((await answers).map((row) => row?.v ?? null)).toEqual([
      'A',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    // `a` and `k7`, each alone in its turn, ran the one-row statement.
    expect(runs).toEqual([
      ['k1', 'k2', 'k3'],
      ['k4', 'k5', 'k6'],
    ]);
  });
});
