import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from './migrate';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

/**
 * Deleting a message (the relay's acknowledged and expired offers) makes the database look up
 * every column that references `messages`; an unindexed one is a scan of its whole table per
 * delete (migration 0012). This reads the migrated schema itself, so a future reference to
 * `messages` without an index fails here.
 */
interface Reference {
  table: string;
  column: string;
  indexed: boolean;
}

async function referencesToMessages(db: TestDatabase): Promise<Reference[]> {
  const { cdb } = db;
  if (cdb.dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
      cdb.db,
    );
    const found: Reference[] = [];
    for (const { name } of tables.rows) {
      const keys = await sql<{ table: string; from: string }>`
        select "table", "from" from pragma_foreign_key_list(${name})`.execute(cdb.db);
      const leading = await sql<{ column: string }>`
        select (select ii.name from pragma_index_info(il.name) ii where ii.seqno = 0) as "column"
        from pragma_index_list(${name}) il`.execute(cdb.db);
      const first = new Set(leading.rows.map((r) => r.column));
      for (const key of keys.rows)
        if (key.table === 'messages')
          found.push({ table: name, column: key.from, indexed: first.has(key.from) });
    }
    return found;
  }
  const rows = await sql<{ table: string; column: string; indexed: boolean }>`
    select c.conrelid::regclass::text as "table", a.attname as "column",
      exists (
        select 1 from pg_index i
        where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1]
      ) as indexed
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = 'messages'::regclass`.execute(cdb.db);
  return rows.rows;
}

describe.each(testDialects)('columns referencing messages (%s)', (dialect) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.dispose();
    db = undefined;
  });

  it('are all indexed, so deleting a relayed message never scans a table', async () => {
    db = await openTestDatabase(dialect);
    await migrateToLatest(db.cdb);
    const references = await referencesToMessages(db);
    // The four of migration 0012 at least, and the test sees them (it cannot pass by finding none).
    expect(references.map((r) => `${r.table}.${r.column}`)).toEqual(
      expect.arrayContaining([
        'pseudonyms.bound_by',
        'revocations.ack_sha256',
        'company_keys.added_by',
        'companies.registration_sha256',
      ]),
    );
    expect(references.filter((r) => !r.indexed)).toEqual([]);
  });
});
