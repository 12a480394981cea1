import { existsSync, fdatasync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ready } from '../../../../protocol/sodium';
import { healthOf } from '../health';
import { startLog } from '../log/clearinghouse-log';
import { keyFolder, makeRecord, prepare, testLogConfig, writeMessages } from '../log/test-log';
import { storedBefore, type ServiceContext } from '../message-store';
import { startCheckpointer } from './checkpointer';
import { openDatabase, storageFailedMarkerPath, type ClearinghouseDb } from './database';
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
  beforeAll(() => ready());
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
    // Three messages in one batch are refused together, not retried one by one as after a
    // record's own failure.
    const writer = createDurableWriter(cdb);
    const writes = await Promise.allSettled([1, 2, 3].map(() => writer.write(makeRecord())));
    for (const write of writes) {
      expect(write).toMatchObject({
        status: 'rejected',
        reason: { code: 'ERR_STORAGE_UNAVAILABLE' },
      });
    }
    expect(writer.stats).toMatchObject({ failed: 3, fallbacks: 0, batches: 0 });
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

    // Not opened again (a restart) until the operator has rebooted and removed the marker: the
    // pages the disk did not take may still be in the page cache, where recovery would find them.
    const marker = storageFailedMarkerPath(path);
    expect(readFileSync(marker, 'utf8')).toContain('A flush of the write-ahead log failed: EIO');
    await expect(openDatabase({ sqlitePath: path })).rejects.toThrow(
      /failed \(.*EIO.*\)\. Check the disk, then reboot the machine .* delete .*-storage-failed/,
    );
    rmSync(marker);
    cdb = await openDatabase({ sqlitePath: path });
    expect(cdb.storageFailure!()).toBeUndefined();
    await insert(4);
    expect(rowsOutside(path)).toEqual(expect.arrayContaining([1, 4]));
  });

  it('says so on the health route, and never answers a resend as stored', async () => {
    const writer = createDurableWriter(cdb);
    const record = makeRecord();
    expect((await writer.write(record)).status).toBe('stored');
    await writer.close();
    const ctx = { cdb } as unknown as ServiceContext;
    expect(await storedBefore(ctx, record.jws, 'grant')).toMatchObject({ sha256: record.sha256 });
    expect(await healthOf(cdb)).toMatchObject({
      status: 200,
      body: { status: 'ok', database: { dialect: 'sqlite', reachable: true, writable: true } },
    });

    failNext = true;
    await expect(insert(1)).rejects.toThrow('EIO');
    expect(await storedBefore(ctx, record.jws, 'grant')).toBeUndefined();
    expect(await healthOf(cdb)).toMatchObject({
      status: 503,
      body: { status: 'unavailable', database: { reachable: true, writable: false } },
    });
  });

  it('stops the log, which says so once rather than at every retry', async () => {
    const keys = keyFolder();
    const errors: unknown[] = [];
    const writer = await prepare(cdb);
    const log = await startLog(cdb, testLogConfig(keys.dir, { runSequencer: true }), {
      intervalMs: 20,
      // One entry a batch, so that entries are still waiting after the failed one.
      maxBatch: 1,
      maxTransactionEntries: 1,
      onError: (error) => errors.push(error),
    });
    try {
      await writeMessages(writer, 1);
      await expect.poll(() => log.sequencer.head().size, { timeout: 10_000 }).toBe(1);
      // The next batch's flush fails; the retries for the entries still waiting (one a second)
      // are refused.
      failNext = true;
      await writeMessages(writer, 3);
      await expect.poll(() => cdb.storageFailure!() !== undefined, { timeout: 10_000 }).toBe(true);
      await expect.poll(() => log.sequencer.stats.failures, { timeout: 10_000 }).toBeGreaterThan(2);
      expect(errors.map((error) => (error as Error).message)).toEqual([
        'The log stops sequencing: a flush of the database failed, and nothing is written until the server restarts.',
      ]);
      expect(log.sequencer.head().size).toBe(1);
    } finally {
      await log.stop();
      await writer.close();
      keys.remove();
    }
  }, 20_000);

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

  it('counts a flush that fails while the database closes, but not one asked for after', async () => {
    await insert(8);
    // A flush under way when the close begins fails: the disk's failure all the same.
    failNext = true;
    const failing = cdb.syncWal!();
    const closing = cdb.close();
    await expect(failing).rejects.toThrow('EIO');
    await closing;
    expect(cdb.storageFailure!()?.message).toBe('EIO: i/o error, fdatasync');
    expect(existsSync(`${path}-wal`)).toBe(true);
    rmSync(storageFailedMarkerPath(path));
    cdb = await openDatabase({ sqlitePath: path });
  });

  it('does not count a flush refused because the database is closing', async () => {
    await cdb.close();
    await expect(cdb.syncWal!()).rejects.toThrow(/closed; nothing was flushed/);
    expect(cdb.storageFailure!()).toBeUndefined();
    cdb = await openDatabase({ sqlitePath: path });
  });
});
