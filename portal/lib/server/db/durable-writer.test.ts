import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isProtocolError, ProtocolError } from '../../../../protocol/errors';
import {
  batchedEffect,
  createDurableWriter,
  maxJwsLength,
  writerOptionsFromEnv,
  type EffectRun,
  type DurableWriter,
  type MessageRecord,
} from './durable-writer';
import { migrateToLatest } from './migrate';
import { purgeExpiredJtis, purgeSeenJtis } from './seen-jtis';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const thumbprint = () => randomBytes(32).toString('base64url');

/** A record shaped like a real one: a compact JWS (unsigned filler signature) and its hash. */
function makeRecord(
  overrides: Partial<MessageRecord> & { payloadNote?: string } = {},
): MessageRecord {
  const { payloadNote, ...fields } = overrides;
  const signer = fields.signer ?? thumbprint();
  const jti = fields.jti ?? randomUUID();
  const kind = fields.kind ?? 'grant';
  const header = b64(JSON.stringify({ alg: 'EdDSA', typ: `${kind}+jws`, kid: signer }));
  const payload = b64(JSON.stringify({ v: 1, jti, note: payloadNote ?? randomUUID() }));
  const jws = fields.jws ?? `${header}.${payload}.${b64(randomBytes(64))}`;
  return {
    sha256: createHash('sha256').update(jws, 'ascii').digest('base64url'),
    jws,
    kind,
    signer,
    jti,
    companyId: `co_${thumbprint()}`,
    pseudonym: `ps_${thumbprint()}`,
    iat: 1_750_000_000,
    exp: 1_750_000_300,
    logged: true,
    ...fields,
  };
}

async function countRows(
  tdb: TestDatabase,
  table: 'messages' | 'seen_jtis' | 'log_queue',
): Promise<number> {
  const row = await tdb.cdb.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Refuses, inside the database, any message whose sha256 is `poisoned`: a realistic per-row failure. */
async function poison(tdb: TestDatabase, poisoned: string): Promise<void> {
  if (tdb.cdb.dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger poison before insert on messages when new.sha256 = '${poisoned}'
         begin select raise(abort, 'poisoned record'); end`,
      )
      .execute(tdb.cdb.db);
  } else {
    await sql
      .raw(
        `create function poison() returns trigger language plpgsql as $$
         begin if new.sha256 = '${poisoned}' then raise exception 'poisoned record'; end if; return new; end $$;
         create trigger poison before insert on messages for each row execute function poison();`,
      )
      .execute(tdb.cdb.db);
  }
}

/** Runs crash-writer.child.ts until it kills itself; resolves with the sha256s it saw acknowledged. */
function runCrashingWriter(target: string, acks: number): Promise<{ acknowledged: string[] }> {
  const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(
    tsx,
    [fileURLToPath(new URL('./crash-writer.child.ts', import.meta.url)), target, String(acks)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // tsx runs the script in a child of its own and reports that child's SIGKILL as 128 + 9.
      if (signal !== 'SIGKILL' && code !== 137)
        reject(new Error(`crash writer ended with code ${code}: ${stderr}`));
      else resolve({ acknowledged: stdout.split('\n').filter((line) => line !== '') });
    });
  });
}

describe.each(testDialects)('durable writer on %s', (dialect) => {
  let tdb: TestDatabase;
  let writer: DurableWriter;

  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
    writer = createDurableWriter(tdb.cdb, { maxWaitMs: 2 });
  });

  afterEach(async () => {
    await writer.close();
    await tdb.dispose();
  });

  it('stores the message, claims its jti and queues it for the log in one commit', async () => {
    const record = makeRecord();
    const result = await writer.write(record);
    expect(result).toMatchObject({ status: 'stored', sha256: record.sha256 });
    const message = await tdb.cdb.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(message).toEqual({
      sha256: record.sha256,
      kind: 'grant',
      signer: record.signer,
      company_id: record.companyId,
      pseudonym: record.pseudonym,
      jws: record.jws,
      iat: record.iat,
      exp: record.exp,
      received_at: result.status === 'stored' ? result.receivedAt : -1,
    });
    expect(await tdb.cdb.db.selectFrom('seen_jtis').selectAll().execute()).toEqual([
      { signer: record.signer, jti: record.jti, expires_at: record.exp },
    ]);
    expect(await tdb.cdb.db.selectFrom('log_queue').select(['sha256', 'kind']).execute()).toEqual([
      { sha256: record.sha256, kind: 'grant' },
    ]);
  });

  it('does not queue a message that is not logged', async () => {
    await writer.write(makeRecord({ kind: 'offer', logged: false, pseudonym: null }));
    expect(await countRows(tdb, 'messages')).toBe(1);
    expect(await countRows(tdb, 'log_queue')).toBe(0);
  });

  it('group-commits 500 writes from 50 concurrent callers in far fewer transactions, losing none', async () => {
    const records = Array.from({ length: 500 }, () => makeRecord());
    const callers = Array.from({ length: 50 }, async (_, caller) => {
      const mine = records.filter((_, index) => index % 50 === caller);
      const results = [];
      // Each caller waits for its own previous write, like a client awaiting its 201.
      for (const record of mine) results.push(await writer.write(record));
      return results;
    });
    const results = (await Promise.all(callers)).flat();
    expect(results.every((result) => result.status === 'stored')).toBe(true);
    expect(await countRows(tdb, 'messages')).toBe(500);
    expect(await countRows(tdb, 'seen_jtis')).toBe(500);
    expect(await countRows(tdb, 'log_queue')).toBe(500);
    const { batches, records: settled, stored } = writer.stats;
    expect(settled).toBe(500);
    expect(stored).toBe(500);
    expect(batches).toBeLessThan(500 / 5);
  });

  it('queues log entries in the order the writes arrived', async () => {
    const records = Array.from({ length: 40 }, () => makeRecord());
    await Promise.all(records.map((record) => writer.write(record)));
    const queued = await tdb.cdb.db
      .selectFrom('log_queue')
      .select(['seq', 'sha256'])
      .orderBy('seq')
      .execute();
    expect(queued.map((row) => row.sha256)).toEqual(records.map((record) => record.sha256));
    expect(new Set(queued.map((row) => row.seq)).size).toBe(40);
  });

  it('a resolved write is visible to a separate connection at once', async () => {
    const record = makeRecord();
    await writer.write(record);
    if (tdb.sqlitePath !== undefined) {
      const other = new SqliteDatabase(tdb.sqlitePath, { readonly: true });
      try {
        const row = other
          .prepare('select sha256 from messages where sha256 = ?')
          .get(record.sha256);
        expect(row).toEqual({ sha256: record.sha256 });
        const queued = other
          .prepare('select count(*) as n from log_queue where sha256 = ?')
          .get(record.sha256);
        expect(queued).toEqual({ n: 1 });
      } finally {
        other.close();
      }
    } else {
      const other = new pg.Client({ connectionString: tdb.postgresUrl });
      await other.connect();
      try {
        const { rows } = await other.query('select sha256 from messages where sha256 = $1', [
          record.sha256,
        ]);
        expect(rows).toEqual([{ sha256: record.sha256 }]);
        const queued = await other.query(
          'select count(*)::int as n from log_queue where sha256 = $1',
          [record.sha256],
        );
        expect(queued.rows).toEqual([{ n: 1 }]);
      } finally {
        await other.end();
      }
    }
  });

  it('keeps every acknowledged write when the writing process is killed right after acknowledging', async () => {
    const { acknowledged } = await runCrashingWriter(tdb.sqlitePath ?? tdb.postgresUrl ?? '', 60);
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    const stored = await tdb.cdb.db
      .selectFrom('messages')
      .select('sha256')
      .where('sha256', 'in', acknowledged)
      .execute();
    expect(stored).toHaveLength(acknowledged.length);
    const queued = await tdb.cdb.db
      .selectFrom('log_queue')
      .select('sha256')
      .where('sha256', 'in', acknowledged)
      .execute();
    expect(queued).toHaveLength(acknowledged.length);
  });

  it('answers duplicate for a second copy of a stored message, in the same batch and in a later one', async () => {
    const record = makeRecord();
    const [first, sameBatch] = await Promise.all([
      writer.write(record),
      writer.write({ ...record }),
    ]);
    expect(first.status).toBe('stored');
    expect(sameBatch).toEqual({ status: 'duplicate', sha256: record.sha256 });
    expect(await writer.write({ ...record })).toEqual({
      status: 'duplicate',
      sha256: record.sha256,
    });
    expect(await countRows(tdb, 'messages')).toBe(1);
    expect(await countRows(tdb, 'log_queue')).toBe(1);
  });

  it('answers replayed for another message reusing a signer and jti, in the same batch and in a later one', async () => {
    const signer = thumbprint();
    const jti = randomUUID();
    const original = makeRecord({ signer, jti });
    const replaySameBatch = makeRecord({ signer, jti });
    const [first, second] = await Promise.all([
      writer.write(original),
      writer.write(replaySameBatch),
    ]);
    expect(first.status).toBe('stored');
    expect(second).toEqual({ status: 'replayed', sha256: replaySameBatch.sha256 });
    const replayLater = makeRecord({ signer, jti });
    expect(await writer.write(replayLater)).toEqual({
      status: 'replayed',
      sha256: replayLater.sha256,
    });
    expect(await countRows(tdb, 'messages')).toBe(1);
  });

  it('answers duplicate for a resend of a stored message that comes in a batch after another message reusing its jti', async () => {
    const signer = thumbprint();
    const jti = randomUUID();
    const original = makeRecord({ signer, jti });
    expect((await writer.write(original)).status).toBe('stored');
    const reuse = makeRecord({ signer, jti });
    const [first, resend] = await Promise.all([writer.write(reuse), writer.write(original)]);
    expect(first).toEqual({ status: 'replayed', sha256: reuse.sha256 });
    expect(resend).toEqual({ status: 'duplicate', sha256: original.sha256 });
    expect(await countRows(tdb, 'messages')).toBe(1);
  });

  it('accepts the same jti from a different signer', async () => {
    const jti = randomUUID();
    const results = await Promise.all([
      writer.write(makeRecord({ jti })),
      writer.write(makeRecord({ jti })),
    ]);
    expect(results.map((result) => result.status)).toEqual(['stored', 'stored']);
  });

  it('settles duplicates and replays without failing the rest of their batch', async () => {
    const stored = makeRecord();
    await writer.write(stored);
    const replay = makeRecord({ signer: stored.signer, jti: stored.jti });
    const fresh = Array.from({ length: 10 }, () => makeRecord());
    const results = await Promise.all([
      writer.write(fresh[0]!),
      writer.write({ ...stored }),
      writer.write(replay),
      ...fresh.slice(1).map((record) => writer.write(record)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'stored',
      'duplicate',
      'replayed',
      ...Array(9).fill('stored'),
    ]);
    expect(writer.stats.fallbacks).toBe(0);
    expect(await countRows(tdb, 'messages')).toBe(11);
  });

  it('rejects only the record the database refuses; its batch mates are stored and the writer keeps serving', async () => {
    const bad = makeRecord();
    await poison(tdb, bad.sha256);
    const good = Array.from({ length: 8 }, () => makeRecord());
    const settled = await Promise.allSettled([
      ...good.slice(0, 4).map((record) => writer.write(record)),
      writer.write(bad),
      ...good.slice(4).map((record) => writer.write(record)),
    ]);
    const failure = settled[4];
    expect(failure?.status).toBe('rejected');
    expect(
      isProtocolError(
        failure?.status === 'rejected' ? failure.reason : undefined,
        'ERR_STORAGE_WRITE_FAILED',
      ),
    ).toBe(true);
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(8);
    expect(writer.stats.fallbacks).toBe(1);
    expect(writer.stats.failed).toBe(1);
    const stored = await tdb.cdb.db.selectFrom('messages').select('sha256').execute();
    expect(stored.map((row) => row.sha256).sort()).toEqual(
      good.map((record) => record.sha256).sort(),
    );
    // The refused record claimed nothing: its jti is free for a corrected message.
    expect(await countRows(tdb, 'seen_jtis')).toBe(8);
    expect((await writer.write(makeRecord())).status).toBe('stored');
  });

  it('runs a transaction PostgreSQL rolled back for another one (a deadlock) again, and stores it', async () => {
    let tries = 0;
    const record = makeRecord({
      apply: async () => {
        // As pg reports a deadlock: the error's SQLSTATE in `code`.
        if (++tries === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
    });
    // Failed before: 503 ERR_STORAGE_UNAVAILABLE for a valid message.
    expect((await writer.write(record)).status).toBe('stored');
    expect(tries).toBe(2);
    expect(writer.stats).toMatchObject({ retries: 1, fallbacks: 0, failed: 0 });
    expect(await countRows(tdb, 'messages')).toBe(1);
    // Not forever: a record that deadlocks every time fails after three tries.
    let always = 0;
    const stuck = makeRecord({
      apply: async () => {
        always++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
    });
    await expect(writer.write(stuck)).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
    expect(always).toBe(3);
  });

  it('runs a batched effect once per batch with the items of its stored records; a throwing one fails only its record', async () => {
    const calls: string[][] = [];
    const rows: EffectRun<{ sha256: string; bad: boolean }> = async (trx, items) => {
      calls.push(items.map((item) => item.sha256));
      // Written inside the batch's transaction: rolled back with it when this throws.
      await trx
        .insertInto('log_queue')
        .values(items.map((item) => ({ sha256: item.sha256, kind: 'effect', created_at: 1 })))
        .execute();
      if (items.some((item) => item.bad)) {
        throw new ProtocolError('ERR_PSEUDONYM_COMPANY_MISMATCH', 'refused by the effect');
      }
    };
    const records = Array.from({ length: 6 }, () => makeRecord({ logged: false }));
    const withEffect = records.map((record, index) => ({
      ...record,
      effect: batchedEffect(rows, { sha256: record.sha256, bad: index === 3 }),
    }));
    const settled = await Promise.allSettled(withEffect.map((record) => writer.write(record)));
    expect(settled.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({
      code: 'ERR_PSEUDONYM_COMPANY_MISMATCH',
    });
    // One call for the whole first batch (in arrival order), then one per record on the retry.
    expect(calls[0]).toEqual(records.map((record) => record.sha256));
    expect(calls.slice(1)).toEqual(records.map((record) => [record.sha256]));
    const effected = await tdb.cdb.db
      .selectFrom('log_queue')
      .select('sha256')
      .where('kind', '=', 'effect')
      .execute();
    expect(effected.map((row) => row.sha256).sort()).toEqual(
      records
        .filter((_, index) => index !== 3)
        .map((record) => record.sha256)
        .sort(),
    );
    expect(await countRows(tdb, 'messages')).toBe(5);
    // A duplicate is not applied again.
    await writer.write(withEffect[0]!);
    expect(calls).toHaveLength(7);
  });

  it('waits for company 2 ms on SQLite and 12 ms on PostgreSQL unless told otherwise', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const idle = createDurableWriter(tdb.cdb);
    try {
      expect((await idle.write(makeRecord())).status).toBe('stored');
      const waits = timers.mock.calls
        .filter(([callback]) => typeof callback === 'function' && callback.name === 'flushNow')
        .map(([, ms]) => ms);
      expect(waits).toEqual([dialect === 'postgres' ? 12 : 2]);
    } finally {
      timers.mockRestore();
      await idle.close();
    }
  });

  it('close() commits what is queued, then refuses new writes with ERR_STORAGE_UNAVAILABLE', async () => {
    const slow = createDurableWriter(tdb.cdb, { maxWaitMs: 200 });
    const pending = Array.from({ length: 5 }, () => slow.write(makeRecord()));
    await slow.close();
    const results = await Promise.all(pending);
    expect(results.every((result) => result.status === 'stored')).toBe(true);
    expect(await countRows(tdb, 'messages')).toBe(5);
    const refused = await slow.write(makeRecord()).catch((error: unknown) => error);
    expect(isProtocolError(refused, 'ERR_STORAGE_UNAVAILABLE')).toBe(true);
  });

  it('rejects every write with ERR_STORAGE_UNAVAILABLE once the database is gone, and never hangs', async () => {
    await tdb.cdb.close();
    const settled = await Promise.allSettled([
      writer.write(makeRecord()),
      writer.write(makeRecord()),
    ]);
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected');
      expect(
        isProtocolError(
          outcome.status === 'rejected' ? outcome.reason : undefined,
          'ERR_STORAGE_UNAVAILABLE',
        ),
      ).toBe(true);
    }
  });

  it('forgets only the jtis whose messages have expired', async () => {
    const expired = makeRecord({ iat: 1000, exp: 1300 });
    const current = makeRecord({ iat: 2000, exp: 2300 });
    await Promise.all([writer.write(expired), writer.write(current)]);
    expect(await purgeExpiredJtis(tdb.cdb.db, 2000, 10)).toBe(1);
    expect(await tdb.cdb.db.selectFrom('seen_jtis').select('jti').execute()).toEqual([
      { jti: current.jti },
    ]);
    // The message itself stays; a second copy is still a duplicate, not a new message.
    expect(await writer.write({ ...expired })).toEqual({
      status: 'duplicate',
      sha256: expired.sha256,
    });
  });

  it('forgets expired jtis in batches, keeping those within the clock skew of their exp', async () => {
    const expired = Array.from({ length: 7 }, (_, i) => makeRecord({ iat: 1000 + i, exp: 1300 }));
    const withinSkew = makeRecord({ iat: 1400, exp: 1650 });
    const current = makeRecord({ iat: 2000, exp: 2300 });
    await Promise.all([...expired, withinSkew, current].map((r) => writer.write(r)));
    // At 2000 s: exp 1300 is past by more than the 60 s skew and the 300 s margin, exp 1650 is
    // not. One batch takes at most its size; the purge then runs batches of 3 until one is short.
    expect(await purgeExpiredJtis(tdb.cdb.db, 1500, 3)).toBe(3);
    expect(await purgeSeenJtis(tdb.cdb, 2000, 3)).toBe(4);
    expect(
      (await tdb.cdb.db.selectFrom('seen_jtis').select('jti').execute()).map((r) => r.jti).sort(),
    ).toEqual([withinSkew.jti, current.jti].sort());
    expect(await purgeSeenJtis(tdb.cdb, 2000, 3)).toBe(0);
  });
});

describe('durable writer on postgres, when a batch committed but its check of unclaimed records failed', () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let failChecks = false;

  beforeEach(async () => {
    // Kysely rejects a query whose log callback throws: here the follow-up check of the records
    // whose jti was held, which runs after the batch's one statement committed.
    tdb = await openTestDatabase('postgres', {
      log: (event) => {
        if (failChecks && /^select "sha256" from "messages"/.test(event.query.sql))
          throw new Error('the connection went away');
      },
    });
    await migrateToLatest(tdb.cdb);
    writer = createDurableWriter(tdb.cdb, { maxWaitMs: 2 });
  });

  afterEach(async () => {
    await writer.close();
    await tdb.dispose();
  });

  it('settles what it stored and fails only the records it could not tell apart', async () => {
    const earlier = makeRecord();
    expect((await writer.write(earlier)).status).toBe('stored');
    failChecks = true;
    const fresh = makeRecord();
    const replay = makeRecord({ signer: earlier.signer, jti: earlier.jti });
    const fallbacks = writer.stats.fallbacks;
    const settled = await Promise.allSettled([writer.write(fresh), writer.write(replay)]);
    expect(settled[0]).toEqual({
      status: 'fulfilled',
      value: expect.objectContaining({ status: 'stored' }),
    });
    expect(settled[1]).toMatchObject({
      status: 'rejected',
      reason: { code: 'ERR_STORAGE_UNAVAILABLE' },
    });
    expect(writer.stats.fallbacks, 'not retried record by record').toBe(fallbacks);
    failChecks = false;
    expect(await countRows(tdb, 'messages')).toBe(2);
    // Nothing was stored for the replay: asked again, it is answered.
    expect((await writer.write(replay)).status).toBe('replayed');
  });
});

describe('durable writer input checks', () => {
  // Validation happens before anything touches the database, so no database is needed here.
  const writer = createDurableWriter({
    db: undefined as never,
    dialect: 'sqlite',
    location: 'none',
    close: async () => {},
  });

  const valid = makeRecord();
  it.each<[string, Partial<Record<keyof MessageRecord, unknown>>, string]>([
    [
      'a sha256 that is not the hash of the JWS',
      { sha256: makeRecord().sha256 },
      'ERR_MESSAGE_INVALID',
    ],
    ['a sha256 that is not base64url', { sha256: 'x'.repeat(43) + '=' }, 'ERR_MESSAGE_INVALID'],
    ['a JWS that is not compact serialization', { jws: 'not a jws' }, 'ERR_MESSAGE_INVALID'],
    ['a JWS beyond the size limit', { jws: 'a'.repeat(maxJwsLength + 1) }, 'ERR_MESSAGE_TOO_LARGE'],
    ['an unknown kind shape', { kind: 'Grant<script>' }, 'ERR_MESSAGE_INVALID'],
    ['a signer that is not a thumbprint', { signer: 'short' }, 'ERR_MESSAGE_INVALID'],
    ['an empty jti', { jti: '' }, 'ERR_MESSAGE_INVALID'],
    ['a jti with control characters', { jti: 'a\nb' }, 'ERR_MESSAGE_INVALID'],
    ['an overlong jti', { jti: 'j'.repeat(129) }, 'ERR_MESSAGE_INVALID'],
    ['a company id without its prefix', { companyId: thumbprint() }, 'ERR_MESSAGE_INVALID'],
    ['a pseudonym of the wrong form', { pseudonym: 'ps_x' }, 'ERR_MESSAGE_INVALID'],
    ['a fractional iat', { iat: 1.5 }, 'ERR_MESSAGE_INVALID'],
    ['an exp before iat', { exp: valid.iat - 1 }, 'ERR_MESSAGE_INVALID'],
    ['an exp beyond 2^40', { exp: 2 ** 41 }, 'ERR_MESSAGE_INVALID'],
    ['a missing logged flag', { logged: undefined }, 'ERR_MESSAGE_INVALID'],
  ])('rejects %s with %s before touching the database', async (_, change, code) => {
    const error = await writer
      .write({ ...valid, ...change } as MessageRecord)
      .catch((e: unknown) => e);
    expect(isProtocolError(error, code as never)).toBe(true);
    expect(writer.stats).toMatchObject({ batches: 0, records: 0 });
  });

  it('rejects a non-object record with ERR_MESSAGE_INVALID', async () => {
    const error = await writer.write(null as never).catch((e: unknown) => e);
    expect(isProtocolError(error, 'ERR_MESSAGE_INVALID')).toBe(true);
  });
});

describe('the writer options from the environment', () => {
  it('takes WRITER_MAX_WAIT_MS as milliseconds and leaves the default when it is unset or empty', () => {
    expect(writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: '8' })).toEqual({ maxWaitMs: 8 });
    expect(writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: ' 0 ' })).toEqual({ maxWaitMs: 0 });
    expect(writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: '1000' })).toEqual({ maxWaitMs: 1000 });
    expect(writerOptionsFromEnv({})).toEqual({});
    expect(writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: '' })).toEqual({});
  });

  it('refuses anything but a whole number from 0 to 1000, naming the variable', () => {
    for (const bad of ['-1', '2.5', '1001', '8ms', 'abc', '99999']) {
      expect(() => writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: bad })).toThrow(/WRITER_MAX_WAIT_MS/);
    }
  });
});
