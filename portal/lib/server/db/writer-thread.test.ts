import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import source from 'virtual:sqlite-writer-thread';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../rate-limits';
import { sqliteLimitsPath } from './database';
import { createDurableWriter, type DurableWriter, type MessageRecord } from './durable-writer';
import { migrateToLatest } from './migrate';
import { openTestDatabase, type TestDatabase } from './test-databases';
import { runScriptInFolder } from '../test-child';
import { startWriterThread, type WriterThread } from './writer-thread';

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A record shaped like a real one (an unsigned filler signature; the writer does not verify). */
function makeRecord(fields: Partial<MessageRecord> = {}): MessageRecord {
  const signer = randomBytes(32).toString('base64url');
  const jti = randomUUID();
  const header = b64(JSON.stringify({ alg: 'EdDSA', typ: 'grant+jws', kid: signer }));
  const payload = b64(JSON.stringify({ v: 1, jti, note: randomUUID() }));
  const jws = `${header}.${payload}.${b64(randomBytes(64))}`;
  return {
    sha256: createHash('sha256').update(jws, 'ascii').digest('base64url'),
    jws,
    kind: 'grant',
    signer,
    jti,
    iat: 1_750_000_000,
    exp: 1_750_000_300,
    logged: true,
    ...fields,
  };
}

/** What another connection to the file sees (the thread's commits are visible only once flushed). */
function countOutside(path: string, table: 'messages' | 'log_queue'): number {
  const other = new SqliteDatabase(path, { readonly: true });
  try {
    return (other.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    other.close();
  }
}

describe('the SQLite writer thread', () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let thread: WriterThread;

  beforeEach(async () => {
    tdb = await openTestDatabase('sqlite');
    await migrateToLatest(tdb.cdb);
    writer = createDurableWriter(tdb.cdb);
    const started = await tdb.cdb.writerThread?.();
    if (started === undefined) throw new Error('the writer thread did not start');
    thread = started;
  });
  afterEach(async () => {
    await writer.close();
    await tdb.dispose();
  });

  it("commits the writer's batches on its own connection: stored, queued for the log, visible outside", async () => {
    const records = Array.from({ length: 5 }, () => makeRecord());
    const results = await Promise.all(records.map((record) => writer.write(record)));
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('stored'));
    expect(thread.committed).toBe(1);
    expect(writer.stats.batches).toBe(1);
    expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(5);
    expect(countOutside(tdb.sqlitePath!, 'log_queue')).toBe(5);
    // A resend is a duplicate, a reused jti a replay: decided on the thread as on the connection.
    const again = await writer.write(records[0]!);
    const replay = await writer.write(
      makeRecord({ signer: records[1]!.signer, jti: records[1]!.jti }),
    );
    expect([again.status, replay.status]).toEqual(['duplicate', 'replayed']);
    expect(thread.committed).toBe(3);
  });

  it('runs on a WAL connection with synchronous = FULL and statement journals in memory', () => {
    // FULL (2): a COMMIT is flushed before the 201. MEMORY (2): a batch's multi-row inserts never
    // create a temporary file for their statement journal (docs/performance.md, session 20).
    expect(thread.settings).toEqual({ journalMode: 'wal', synchronous: 2, tempStore: 2 });
  });

  it("commits a record with its own `apply`, or an effect the thread does not know, on the server's connection", async () => {
    let applied = 0;
    const withApply = makeRecord({
      logged: false,
      apply: async (trx) => {
        applied++;
        await trx
          .insertInto('log_queue')
          .values({ sha256: withApply.sha256, kind: 'applied', created_at: 1 })
          .execute();
      },
    });
    expect((await writer.write(withApply)).status).toBe('stored');
    const unnamed = makeRecord({ effect: { run: async () => {}, item: 1 } });
    expect((await writer.write(unnamed)).status).toBe('stored');
    expect(applied).toBe(1);
    expect(thread.committed).toBe(0);
    expect(writer.stats.batches).toBe(2);
    expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(2);
  });

  /**
   * A batch held on the thread: a third connection takes SQLite's write lock first, so the
   * thread's batch waits for it (in its busy handler, on its own thread) until `release`.
   */
  async function pinnedBatch(): Promise<{ writing: Promise<unknown>; release: () => void }> {
    const pin = new SqliteDatabase(tdb.sqlitePath!);
    pin.exec('begin immediate');
    const writing = writer.write(makeRecord());
    while (!thread.busy) await new Promise((resolve) => setImmediate(resolve));
    return {
      writing,
      release: () => {
        pin.exec('rollback');
        pin.close();
      },
    };
  }

  it("retries a batch on the server's connection when the thread ends in the middle of it: stored once, answered", async () => {
    const { writing, release } = await pinnedBatch();
    // The thread waits for SQLite's write lock inside its batch; it ends as soon as it runs again.
    const killed = thread.kill();
    release();
    await killed;
    const result = (await writing) as { status: string };
    // Rolled back with the thread's connection and stored on the server's, or committed before
    // the thread ended and found stored by the retry.
    expect(['stored', 'duplicate']).toContain(result.status);
    expect(thread.running).toBe(false);
    expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(1);
    expect(countOutside(tdb.sqlitePath!, 'log_queue')).toBe(1);
    // Later batches commit on the server's connection.
    expect((await writer.write(makeRecord())).status).toBe('stored');
    expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(2);
    expect(thread.committed).toBe(0);
  });

  it('lets the checks read while it commits, and keeps their writes off the connection meanwhile', async () => {
    const { writing, release } = await pinnedBatch();
    const count =
      'insert into rate_limits (bucket, window_start, count) values (?, ?, ?) returning count';
    try {
      expect(tdb.cdb.runNow!('select count(*) as n from messages', [])).toEqual([{ n: 0 }]);
      expect(tdb.cdb.runNow!(count, ['test', 0, 1])).toBeUndefined();
    } finally {
      release();
    }
    expect(await writing).toMatchObject({ status: 'stored' });
    expect(thread.busy).toBe(false);
    expect(tdb.cdb.runNow!(count, ['test', 0, 1])).toEqual([{ count: 1 }]);
  });

  it("makes the server connection's other statements wait for the batch, without blocking the event loop", async () => {
    const { writing, release } = await pinnedBatch();
    const order: string[] = [];
    const other = tdb.cdb.db
      .insertInto('rate_limits')
      .values({ bucket: 'other', window_start: 0, count: 1 })
      .execute()
      .then(() => order.push('other write'));
    void writing.then(() => order.push('batch'));
    // The event loop goes on (these turns run), and the write waits for the batch.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    release();
    await Promise.all([writing, other]);
    expect(order).toEqual(['batch', 'other write']);
  });

  it("counts rate limits in their own file at once, while a batch holds the database's write lock", async () => {
    const limiter = createRateLimiter({
      db: tdb.cdb.db,
      config: { addressPerMinute: 100, keyPerMinute: 100 },
    });
    const { writing, release } = await pinnedBatch();
    let counted = false;
    try {
      const charging = limiter.chargeKey('k'.repeat(43)).then(() => (counted = true));
      // The batch cannot commit (pinned), the count does not wait for it.
      await charging;
      expect(counted).toBe(true);
      expect(thread.busy).toBe(true);
    } finally {
      release();
    }
    await writing;
    expect(tdb.cdb.countNow!('select bucket, count from rate_limits', [])).toEqual([
      { bucket: `k:${'k'.repeat(43)}`, count: 1 },
    ]);
    // Beside the database, not in it.
    expect(existsSync(sqliteLimitsPath(tdb.sqlitePath!))).toBe(true);
    expect(await tdb.cdb.db.selectFrom('rate_limits').selectAll().execute()).toEqual([]);
  });

  it("leaves the writer committing on the server's connection once the thread has stopped", async () => {
    await thread.stop();
    expect(thread.running).toBe(false);
    expect(await tdb.cdb.writerThread!()).toBeUndefined();
    expect((await writer.write(makeRecord())).status).toBe('stored');
    expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(1);
    await expect(thread.commit([], 0)).rejects.toMatchObject({ code: 'ERR_WRITER_THREAD_GONE' });
  });
});

describe('starting the SQLite writer thread', () => {
  it('fails with the reason when its driver does not load', async () => {
    const tdb = await openTestDatabase('sqlite');
    try {
      await migrateToLatest(tdb.cdb);
      await expect(
        startWriterThread({
          path: tdb.sqlitePath!,
          source,
          busyTimeoutMs: 100,
          cacheSize: 8,
          driver: '/nonexistent/better-sqlite3.js',
        }),
      ).rejects.toThrow(/Cannot find module/);
    } finally {
      await tdb.dispose();
    }
  });

  it('refuses a file that is not in WAL mode', async () => {
    const tdb = await openTestDatabase('sqlite');
    const path = `${tdb.sqlitePath!}-rollback.db`;
    const plain = new SqliteDatabase(path);
    plain.pragma('journal_mode = DELETE');
    plain.close();
    try {
      await expect(
        startWriterThread({ path, source, busyTimeoutMs: 100, cacheSize: 8 }),
      ).rejects.toThrow(/not in WAL mode/);
    } finally {
      await tdb.dispose();
    }
  });

  it('gives up on a thread that does not start in time', async () => {
    const tdb = await openTestDatabase('sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'writer-thread-'));
    // A driver whose load never returns (without spinning a core): the thread never says ready.
    const hanging = join(dir, 'hanging-driver.cjs');
    writeFileSync(hanging, 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n');
    try {
      await migrateToLatest(tdb.cdb);
      const options = { path: tdb.sqlitePath!, source, busyTimeoutMs: 100, cacheSize: 8 };
      await expect(
        startWriterThread({ ...options, driver: hanging, startTimeoutMs: 200 }),
      ).rejects.toThrow('The database writer thread did not start within 200 ms.');
      await expect(startWriterThread({ ...options, startTimeoutMs: 0 })).rejects.toThrow(
        RangeError,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await tdb.dispose();
    }
  });

  it("is not started when SQLITE_WRITER_THREAD=off: the server's connection commits", async () => {
    const before = process.env.SQLITE_WRITER_THREAD;
    process.env.SQLITE_WRITER_THREAD = 'off';
    const tdb = await openTestDatabase('sqlite');
    if (before === undefined) delete process.env.SQLITE_WRITER_THREAD;
    else process.env.SQLITE_WRITER_THREAD = before;
    try {
      await migrateToLatest(tdb.cdb);
      expect(tdb.cdb.writerThread).toBeUndefined();
      const writer = createDurableWriter(tdb.cdb);
      expect((await writer.write(makeRecord())).status).toBe('stored');
      await writer.close();
      expect(countOutside(tdb.sqlitePath!, 'messages')).toBe(1);
    } finally {
      await tdb.dispose();
    }
  });
});

describe('the SQLite writer thread in a process with nothing else to do', () => {
  let dir: string;
  let codeFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'writer-thread-alone-'));
    codeFile = join(dir, 'writer-thread.cjs');
    writeFileSync(codeFile, source);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs writer-thread-alone.child.ts once in `mode`, with a database file of its own. */
  const runAlone = (mode: 'stop' | 'leave' | 'fail', timeoutMs = 30_000) =>
    runScriptInFolder(
      new URL('./writer-thread-alone.child.ts', import.meta.url),
      [codeFile, mode],
      {
        timeoutMs,
      },
    );

  it('keeps the process alive until it has stopped', async () => {
    // An idle thread is unreferenced; stop() references it until it has exited, or the process
    // ended during stop() with exit code 13 (an await never settled) and nothing more printed.
    const runs = await Promise.all(Array.from({ length: 4 }, () => runAlone('stop')));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('started\nstopped\nclosed\n');
      expect(run.code).toBe(0);
    }
  }, 60_000);

  it("keeps the process alive when stopped between the thread's failure and its exit", async () => {
    // stop() after the thread's 'error' (it no longer runs) sends it nothing and waits for its
    // exit: the process then ends by itself, no batch is left waiting, and the stop is not
    // reported as an unexpected one.
    const run = await runAlone('fail');
    expect(run.stdout).toBe('started\nfailed\nstopped\nclosed\n');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      '[sqlite writer thread] failed; committing on the server connection',
    );
    expect(run.stderr).toContain('injected failure');
    expect(run.stderr).not.toContain('stopped (code');
  }, 30_000);

  it('does not keep the process alive while it is idle', async () => {
    const run = await runAlone('leave', 15_000);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started\n');
    expect(run.code).toBe(0);
  }, 30_000);
});
