import { existsSync, fdatasync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRecord } from '../log/test-log';
import { startCheckpointer } from './checkpointer';
import { openDatabase, type ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import { createDurableWriter } from './durable-writer';
import { migrateToLatest } from './migrate';

const flushData = promisify(fdatasync);

/** What a file's own connection would read: the rows of `t` (0 when the table is missing). */
function rowsOutside(path: string): number[] {
  const other = new SqliteDatabase(path, { readonly: true });
  try {
    return (other.prepare('select x from t order by x').all() as { x: number }[]).map(
      (row) => row.x,
    );
  } finally {
    other.close();
  }
}

describe('a failed flush of the SQLite write-ahead log', () => {
  let dir: string;
  let path: string;
  let cdb: ClearinghouseDb;
  /** Set to make the next flush fail as a disk's write-back error would (EIO). */
  let failNext: boolean;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'storage-failure-'));
    path = join(dir, 'test.db');
    failNext = false;
    cdb = await openDatabase({
      sqlitePath: path,
      flushWal: async (descriptor) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        }
        await flushData(descriptor);
      },
    });
    await migrateToLatest(cdb);
    await sql`create table t (x integer not null)`.execute(cdb.db);
  });

  afterEach(async () => {
    await cdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (x: number) =>
    durableTransaction(cdb, async (trx) => {
      await sql`insert into t (x) values (${x})`.execute(trx);
    });

  it('stops every write until the database is opened again, and keeps the log for recovery', async () => {
    await insert(1);
    expect(cdb.storageFailure!()).toBeUndefined();

    failNext = true;
    await expect(insert(2)).rejects.toThrow('EIO');
    expect(cdb.storageFailure!()?.message).toBe('EIO: i/o error, fdatasync');

    // Nothing more is written, whichever way: a durable transaction (its work never runs), a
    // plain statement, a message for the durable writer (its batch for the writer thread).
    let ran = false;
    await expect(
      durableTransaction(cdb, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
    expect(ran).toBe(false);
    await expect(sql`insert into t (x) values (3)`.execute(cdb.db)).rejects.toMatchObject({
      code: 'ERR_STORAGE_UNAVAILABLE',
    });
    const writer = createDurableWriter(cdb);
    await expect(writer.write(makeRecord())).rejects.toMatchObject({
      code: 'ERR_STORAGE_UNAVAILABLE',
    });
    await writer.close();
    // A flush that is asked for again fails too: no later commit can look durable.
    await expect(cdb.syncWal!()).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });

    // Reads go on.
    const { rows } = await sql<{ n: number }>`select count(*) as n from messages`.execute(cdb.db);
    expect(Number(rows[0]!.n)).toBe(0);
    expect(rowsOutside(path)).toContain(1);

    // Closing leaves the write-ahead log to SQLite's recovery at the next start: the last close
    // would otherwise copy it into the database file and delete it.
    await cdb.close();
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    // Opened again (as after a restart), it writes.
    cdb = await openDatabase({ sqlitePath: path });
    expect(cdb.storageFailure!()).toBeUndefined();
    await insert(4);
    expect(rowsOutside(path)).toEqual(expect.arrayContaining([1, 4]));
  });

  it('rolls back a transaction whose commit comes after the failure', async () => {
    await expect(
      cdb.db.transaction().execute(async (trx) => {
        await sql`insert into t (x) values (5)`.execute(trx);
        // The flush of another commit fails while this transaction is open.
        failNext = true;
        await expect(cdb.syncWal!()).rejects.toThrow('EIO');
      }),
    ).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
    expect(rowsOutside(path)).not.toContain(5);
  });

  it('stops the checkpointer, so that nothing copies the log into the database file', async () => {
    const checkpointer = await startCheckpointer(cdb, { intervalMs: 20 });
    try {
      expect(checkpointer!.mode).toBe('worker');
      await insert(6);
      failNext = true;
      await expect(insert(7)).rejects.toThrow('EIO');
      await expect.poll(() => checkpointer!.mode, { timeout: 10_000 }).toBe('inline');
      await expect(checkpointer!.nextCheckpoint()).rejects.toThrow('not running');
    } finally {
      await checkpointer?.stop();
    }
  });

  it('does not count a flush refused because the database is closing', async () => {
    await cdb.close();
    await expect(cdb.syncWal!()).rejects.toThrow(/closed; nothing was flushed/);
    expect(cdb.storageFailure!()).toBeUndefined();
    cdb = await openDatabase({ sqlitePath: path });
  });
});
