import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../protocol/errors';
import { healthOf } from '../health';
import { makeRecord, prepare } from '../log/test-log';
import { openDatabase, type ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import type { DurableWriter } from './durable-writer';
import { reportUnreachableRequest } from './unreachable';
import {
  noteWriteRefused,
  noteWriteStored,
  refusalMemoryMs,
  storageRefusalCode,
  writeRefusal,
} from './write-refusals';

const withCode = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields);

describe('storageRefusalCode', () => {
  it('finds a full or failing disk in the error, its cause or an AggregateError', () => {
    expect(storageRefusalCode(withCode('database or disk is full', { code: 'SQLITE_FULL' }))).toBe(
      'SQLITE_FULL',
    );
    expect(storageRefusalCode(withCode('disk I/O error', { code: 'SQLITE_IOERR_WRITE' }))).toBe(
      'SQLITE_IOERR_WRITE',
    );
    expect(
      storageRefusalCode(
        Object.assign(new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'x'), {
          cause: withCode('could not extend file', { code: '53100' }),
        }),
      ),
    ).toBe('53100');
    expect(storageRefusalCode(new AggregateError([withCode('no space', { code: 'ENOSPC' })]))).toBe(
      'ENOSPC',
    );
  });

  it('leaves every other failure alone', () => {
    for (const error of [
      withCode('UNIQUE constraint failed', { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      withCode('database is locked', { code: 'SQLITE_BUSY' }),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
      withCode('out of memory', { code: '53200' }),
      withCode('canceling statement due to statement timeout', { code: '57014' }),
      new TypeError('x'),
      'SQLITE_FULL',
      undefined,
    ]) {
      expect(storageRefusalCode(error), String(error)).toBeUndefined();
    }
  });
});

describe('the health of a node whose writes the disk refuses', () => {
  let dir: string;
  let cdb: ClearinghouseDb;
  let writer: DurableWriter;

  const threadSetting = process.env.SQLITE_WRITER_THREAD;
  beforeEach(async () => {
    noteWriteStored();
    // The limit below is the connection's own: the writer's batches on this one, not a thread's.
    process.env.SQLITE_WRITER_THREAD = 'off';
    dir = mkdtempSync(join(tmpdir(), 'write-refusals-'));
    cdb = await openDatabase({ sqlitePath: join(dir, 'clearinghouse.db') });
    writer = await prepare(cdb);
  });

  afterEach(async () => {
    await writer.close();
    await cdb.close();
    rmSync(dir, { recursive: true, force: true });
    noteWriteStored();
    if (threadSetting === undefined) delete process.env.SQLITE_WRITER_THREAD;
    else process.env.SQLITE_WRITER_THREAD = threadSetting;
  });

  /** Lets the database grow by `pages` pages at most (SQLite's own limit: a full disk to it). */
  async function roomFor(pages: number): Promise<void> {
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(cdb.db);
    await sql.raw(`pragma max_page_count = ${Number(rows[0]!.page_count) + pages}`).execute(cdb.db);
  }

  /** A grant record of about 20 KB: each needs pages of its own. */
  const bigRecord = () =>
    makeRecord({ jws: `e30.${Buffer.alloc(20_000, 'x').toString('base64url')}.c2ln` });

  it('says writable: false once a grant is refused for a full disk, and true once one is stored', async () => {
    expect(await healthOf(cdb)).toMatchObject({
      status: 200,
      body: { database: { reachable: true, writable: true } },
    });

    await roomFor(0);
    const refused = await writer.write(bigRecord()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
    expect(storageRefusalCode(refused)).toBe('SQLITE_FULL');
    const { atMs } = writeRefusal()!;
    expect(await healthOf(cdb)).toMatchObject({
      status: 503,
      body: { status: 'unavailable', database: { reachable: true, writable: false } },
    });
    // Without a newer refusal it is forgotten after a while (a node out of rotation gets none).
    expect(await healthOf(cdb, atMs + refusalMemoryMs - 1)).toMatchObject({ status: 503 });
    expect(await healthOf(cdb, atMs + refusalMemoryMs)).toMatchObject({
      status: 200,
      body: { database: { writable: true } },
    });

    // Room again: the next stored grant clears it at once.
    await roomFor(1_000);
    expect((await writer.write(bigRecord())).status).toBe('stored');
    expect(writeRefusal()).toBeUndefined();
    expect(await healthOf(cdb)).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('counts a durable transaction refused for a full disk, and one committed after it', async () => {
    await sql`create table t (v text not null)`.execute(cdb.db);
    await roomFor(1);
    await expect(
      durableTransaction(cdb, (trx) =>
        sql`insert into t (v) values (${'x'.repeat(100_000)})`.execute(trx),
      ),
    ).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    expect(writeRefusal()?.code).toBe('SQLITE_FULL');
    expect((await healthOf(cdb)).status).toBe(503);

    await roomFor(1_000);
    await durableTransaction(cdb, (trx) => sql`insert into t (v) values ('y')`.execute(trx));
    expect((await healthOf(cdb)).status).toBe(200);
  });

  it('keeps writable: true for a refusal that is not the disk (a constraint)', async () => {
    await sql`create table u (v text not null unique)`.execute(cdb.db);
    await durableTransaction(cdb, (trx) => sql`insert into u (v) values ('a')`.execute(trx));
    await expect(
      durableTransaction(cdb, (trx) => sql`insert into u (v) values ('a')`.execute(trx)),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(writeRefusal()).toBeUndefined();
    expect((await healthOf(cdb)).status).toBe(200);
  });

  it("takes a full PostgreSQL disk from a request's report as well", async () => {
    reportUnreachableRequest(
      'api',
      withCode('could not extend file "base/16384/2619": No space left on device', {
        code: '53100',
      }),
    );
    expect(writeRefusal()?.code).toBe('53100');
    expect((await healthOf(cdb)).body.database.writable).toBe(false);
    noteWriteRefused(new TypeError('not the disk'));
    expect(writeRefusal()?.code).toBe('53100');
  });
});
