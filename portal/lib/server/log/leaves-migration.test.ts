import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../db/migrate';
import { migrationsFor } from '../db/migrations';
import { openTestDatabase, testDialects, type TestDatabase } from '../db/test-databases';
import { makeRecord } from './test-log';

/**
 * Migration 0008_log_speed rebuilds `log_leaves` around an arrival-ordered index: a log that was
 * sequenced under 0002 must keep every leaf, gain each message's `received_at`, and stay unique.
 */
describe.each(testDialects)('migration 0008_log_speed on %s', (dialect) => {
  let tdb: TestDatabase;

  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    const migrations = migrationsFor(dialect);
    const migrator = new Migrator({
      db: tdb.cdb.db,
      provider: { getMigrations: async () => migrations },
    });
    const { error } = await migrator.migrateTo('0007_obligations');
    if (error !== undefined) throw error;
  });

  afterEach(async () => {
    await tdb.dispose();
  });

  /** Stores `count` messages and gives them leaves in the 0002 layout (idx, sha256). */
  async function oldLeaves(count: number): Promise<{ sha256: string; receivedAt: number }[]> {
    const leaves = Array.from({ length: count }, (_, i) => ({
      record: makeRecord(),
      receivedAt: 1_767_225_600_000 + 7 * i,
    }));
    for (const [idx, { record, receivedAt }] of leaves.entries()) {
      await tdb.cdb.db
        .insertInto('messages')
        .values({
          sha256: record.sha256,
          kind: record.kind,
          signer: record.signer,
          company_id: record.companyId,
          pseudonym: record.pseudonym ?? null,
          jws: record.jws,
          iat: record.iat,
          exp: record.exp,
          received_at: receivedAt,
        })
        .execute();
      await sql`insert into log_leaves (idx, sha256) values (${idx}, ${record.sha256})`.execute(
        tdb.cdb.db,
      );
    }
    return leaves.map(({ record, receivedAt }) => ({ sha256: record.sha256, receivedAt }));
  }

  it('keeps every leaf of an existing log and adds its message arrival time', async () => {
    const before = await oldLeaves(5);
    expect(await migrateToLatest(tdb.cdb)).toMatchObject({
      applied: expect.arrayContaining(['0008_log_speed']),
    });
    const rows = await tdb.cdb.db.selectFrom('log_leaves').selectAll().orderBy('idx').execute();
    expect(
      rows.map((row) => ({
        idx: Number(row.idx),
        received_at: Number(row.received_at),
        sha256: row.sha256,
      })),
    ).toEqual(
      before.map(({ sha256, receivedAt }, idx) => ({ idx, received_at: receivedAt, sha256 })),
    );
  });

  it('refuses a second leaf for the same message after the rebuild', async () => {
    const [first] = await oldLeaves(1);
    await migrateToLatest(tdb.cdb);
    await expect(
      tdb.cdb.db
        .insertInto('log_leaves')
        .values({ idx: 1, received_at: first!.receivedAt, sha256: first!.sha256 })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
  });

  it('stops, leaving the old table intact, when a leaf has lost its message', async () => {
    await oldLeaves(2);
    await sql`insert into log_leaves (idx, sha256) values (2, 'orphan')`.execute(tdb.cdb.db);
    await expect(migrateToLatest(tdb.cdb)).rejects.toThrow(/0008_log_speed.*1 log leaves/);
    const left = await sql<{
      n: number | string;
    }>`select count(*) as n from log_leaves`.execute(tdb.cdb.db);
    expect(Number(left.rows[0]!.n)).toBe(3);
  });
});
