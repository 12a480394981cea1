/**
 * A PostgreSQL that cannot be reached gets clear answers: every route that reads the database,
 * not only the durable writer's, answers `503 ERR_STORAGE_UNAVAILABLE` problem+json (the
 * writer's code, and like the writer's answer without `Retry-After`), logged in one line rather
 * than a stack per request; an error of the code or the statement stays a 500 with its stack.
 * On the real test cluster: through a relay that is cut (a stopped server) and with
 * `pg_terminate_backend` (57P01), as connection-loss.test.ts.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { ready } from '$protocol/sodium';
import { GET as listCompanies } from '../../../routes/api/v1/companies/+server';
import { answer } from '../api-route';
import { proofFetcher, TestClock, testOrigin } from '../api-test-kit';
import { startLog, type ClearinghouseLog } from '../log/clearinghouse-log';
import { checkpointResponse } from '../log/http';
import { keyFolder, testLogConfig } from '../log/test-log';
import { logger } from '../observe';
import { problemFromError } from '../problem';
import { retryAfterHeaders } from '../rate-limits';
import { createServices, setServicesForTests } from '../services';
import { openDatabase, type ClearinghouseDb } from './database';
import { createDurableWriter, type DurableWriter } from './durable-writer';
import { migrateToLatest } from './migrate';
import { createPostgresDatabase } from './test-databases';
import { startCuttableRelay, terminateBackends, type CuttableRelay } from './test-outage';
import { isDatabaseUnreachable, reportUnreachableRequest } from './unreachable';
import { makeRecord } from '../log/test-log';

const companiesGet = (): Promise<Response> => {
  const url = new URL(`${testOrigin}/api/v1/companies`);
  return listCompanies({
    request: new Request(url),
    url,
    params: {},
  } as unknown as RequestEvent<Record<string, never>, '/api/v1/companies'>) as Promise<Response>;
};

async function expectUnavailable(response: Response): Promise<Record<string, unknown>> {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    status: 503,
    code: 'ERR_STORAGE_UNAVAILABLE',
    type: 'https://clearinghouse.invalid/problems/ERR_STORAGE_UNAVAILABLE',
  });
  // Nothing of the database's own error reaches the caller.
  expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminat|57P01/);
  return body;
}

describe('routes while PostgreSQL cannot be reached', () => {
  let postgresUrl: string;
  let relay: CuttableRelay;
  let cdb: ClearinghouseDb;
  let writer: DurableWriter;
  let log: ClearinghouseLog;
  let keys: ReturnType<typeof keyFolder>;

  beforeAll(async () => {
    await ready();
    postgresUrl = await createPostgresDatabase();
    relay = await startCuttableRelay(postgresUrl);
    cdb = await openDatabase({ url: relay.url });
    await migrateToLatest(cdb);
    writer = createDurableWriter(cdb, { maxWaitMs: 1 });
    const clock = new TestClock();
    setServicesForTests(
      await createServices({
        cdb,
        writer,
        origin: testOrigin,
        now: clock.now,
        fetchProof: proofFetcher(new Map()),
      }),
    );
    keys = keyFolder();
    // No loop: the log is created and read, and nothing else touches the database meanwhile.
    log = await startLog(cdb, testLogConfig(keys.dir));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await relay.restore();
  });

  afterAll(async () => {
    setServicesForTests(undefined);
    await log.stop();
    await writer.close();
    await cdb.close();
    await relay.close();
    keys.remove();
  });

  it('answers 503 ERR_STORAGE_UNAVAILABLE, as the writer does, while the server refuses connections', async () => {
    expect((await companiesGet()).status).toBe(200);
    expect((await checkpointResponse(log.service)).status).toBe(200);
    const stacks = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const warnings = vi.spyOn(logger, 'warn');

    await relay.cut();
    // The writer's own answer to the same outage: the code and headers every route must give.
    const refused = await writer.write(makeRecord()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
    const writerHeaders = retryAfterHeaders(refused);

    for (let i = 0; i < 5; i++) {
      const response = await companiesGet();
      await expectUnavailable(response);
      expect(response.headers.get('retry-after')).toBe(writerHeaders['retry-after'] ?? null);
    }
    const checkpoint = await checkpointResponse(log.service);
    await expectUnavailable(checkpoint);
    expect(checkpoint.headers.get('retry-after')).toBe(writerHeaders['retry-after'] ?? null);

    // The API's requests and the log's said it in one line each, without a stack (the log's
    // routes printed one per request before).
    expect(stacks.mock.calls).toEqual([]);
    const lines = (part: string) =>
      warnings.mock.calls.filter((call) => {
        const fields = call[0] as { event?: string; part?: string };
        return fields.event === 'database-unreachable' && fields.part === part;
      });
    expect(lines('api')).toHaveLength(1);
    expect(lines('log')).toHaveLength(1);
    expect(lines('api')[0]![1]).toContain('answered 503 ERR_STORAGE_UNAVAILABLE');

    await relay.restore();
    expect((await companiesGet()).status).toBe(200);
    expect((await checkpointResponse(log.service)).status).toBe(200);
  });

  it('answers 503 to a request whose backend is ended under its query (57P01)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // The request's query waits for a lock held here, so that its backend can be ended under it.
    const locker = new pg.Client({ connectionString: postgresUrl });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table companies in access exclusive mode');
      const pending = companiesGet();
      let ended = 0;
      for (let tries = 0; ended === 0 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ended = await terminateBackends(postgresUrl, `wait_event_type = 'Lock'`);
      }
      expect(ended).toBe(1);
      await expectUnavailable(await pending);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
    }
    // The pool recovers: a request soon after is answered again. Not necessarily the very next
    // one: the pool may hand out a connection whose end it has not yet seen (a 503, as above),
    // which a clean clone's run once met.
    let status = 0;
    for (let tries = 0; status !== 200 && tries < 20; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await companiesGet();
      status = response.status;
      if (status !== 200) await expectUnavailable(response);
    }
    expect(status).toBe(200);
  });

  it('keeps an error of the code or of the statement a 500 with its stack', async () => {
    const stacks = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bug = await answer(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    expect(bug.status).toBe(500);
    expect(await bug.json()).toMatchObject({ code: 'internal' });
    const statement = await answer(async () => {
      await sql`select * from no_such_table`.execute(cdb.db);
      return new Response('');
    });
    expect(statement.status).toBe(500);
    expect(stacks).toHaveBeenCalledTimes(2);
    expect(stacks.mock.calls[1]![0]).toMatchObject({ code: '42P01' });
  });
});

describe('isDatabaseUnreachable', () => {
  const withCode = (message: string, fields: Record<string, unknown>) =>
    Object.assign(new Error(message), fields);

  it('recognises lost and refused connections of PostgreSQL, pg, Node and SQLite', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', {
        code: 'ECONNREFUSED',
        syscall: 'connect',
      }),
      // Node's connect to every address of a name (autoSelectFamily): an AggregateError.
      Object.assign(
        new AggregateError([withCode('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })]),
        { code: 'ECONNREFUSED' },
      ),
      withCode('connect ENOENT /run/postgresql/.s.PGSQL.5432', {
        code: 'ENOENT',
        syscall: 'connect',
      }),
      withCode('terminating connection due to administrator command', { code: '57P01' }),
      withCode('the database system is shutting down', { code: '57P03' }),
      withCode('connection failure', { code: '08006' }),
      withCode('sorry, too many clients already', { code: '53300' }),
      withCode('could not extend file "base/16384/2619": No space left on device', {
        code: '53100',
      }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      withCode('database is locked', { code: 'SQLITE_BUSY' }),
      withCode('disk I/O error', { code: 'SQLITE_IOERR_SHORT_READ' }),
      new Error('wrapped', { cause: withCode('read ECONNRESET', { code: 'ECONNRESET' }) }),
      Object.assign(new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'x'), {
        cause: withCode('terminating connection due to administrator command', { code: '57P01' }),
      }),
    ]) {
      expect(isDatabaseUnreachable(error), String(error)).toBe(true);
      expect(problemFromError(error)).toMatchObject({ status: 503 });
    }
  });

  it('leaves programming errors, statements and our own closing alone', () => {
    for (const error of [
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new RangeError('int8 value 9007199254740993 does not fit a JavaScript number'),
      withCode('canceling statement due to statement timeout', { code: '57014' }),
      withCode('relation "x" does not exist', { code: '42P01' }),
      withCode('out of memory', { code: '53200' }),
      withCode('duplicate key value violates unique constraint', { code: '23505' }),
      withCode('UNIQUE constraint failed', { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      new Error('Connection terminated'),
      new Error('Client was closed and is not queryable'),
      new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'A flush failed.'),
      'ECONNREFUSED',
      undefined,
    ]) {
      expect(isDatabaseUnreachable(error), String(error)).toBe(false);
    }
    expect(problemFromError(new TypeError('x'))).toMatchObject({ status: 500, code: 'internal' });
  });
});

describe('the line about pages answered 503', () => {
  it('names the error page, not the API code pages never answer with', () => {
    const warnings = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      });
      reportUnreachableRequest('pages', refused, 1_000_000_000_000);
      const line = warnings.mock.calls.find(
        (call) => (call[0] as { part?: string }).part === 'pages',
      );
      expect(line?.[1]).toBe(
        'pages: the database cannot be reached; requests are answered 503 with the error page',
      );
    } finally {
      warnings.mockRestore();
    }
  });
});
