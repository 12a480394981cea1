import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { RequestEvent } from '@sveltejs/kit';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';
import { openTestDatabase } from './db/test-databases';
import { startLog } from './log/clearinghouse-log';
import { keyFolder, prepare, testLogConfig, writeMessages } from './log/test-log';
import {
  createMetrics,
  exposition,
  logLevelFromEnv,
  metricsPortFromEnv,
  observeRequests,
  serveMetrics,
} from './observe';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** A pino logger writing its JSON lines into an array. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function event(path: string, routeId: string | null, headers: Record<string, string> = {}) {
  return {
    request: new Request(`http://localhost${path}`, { headers }),
    url: new URL(`http://localhost${path}`),
    route: { id: routeId },
  } as unknown as RequestEvent;
}

describe('request logging and metrics', () => {
  const pseudonym = `ps_${'Q'.repeat(43)}`;

  it('logs the route pattern with a request id, never the path, the address or a header', async () => {
    const { log, lines } = capturedLogger();
    const metrics = createMetrics();
    const handle = observeRequests(() => metrics, log);
    const response = await handle({
      event: event(`/api/v1/inbox/${pseudonym}?since=1`, '/api/v1/inbox/[pseudonym]', {
        cookie: 'session=secret',
        'x-forwarded-for': '203.0.113.9',
      }),
      resolve: async () => new Response('{}', { status: 200 }),
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({ route: '/api/v1/inbox/[pseudonym]', status: 200, method: 'GET' });
    expect(response.headers.get('x-request-id')).toBe(line.requestId);
    const text = JSON.stringify(line);
    for (const secret of [pseudonym, 'secret', '203.0.113.9', 'since=1']) {
      expect(text).not.toContain(secret);
    }
    const scraped = await metrics.registry.metrics();
    expect(scraped).toMatch(
      /clearinghouse_http_requests_total\{route="\/api\/v1\/inbox\/\[pseudonym\]",method="GET",status="2xx"\} 1/,
    );
    expect(scraped).toMatch(/clearinghouse_http_request_duration_seconds_count\{[^}]*\} 1/);
  });

  it('keeps a well-formed request id from the proxy, replaces a malformed one, and counts a thrown route as 5xx', async () => {
    const { log, lines } = capturedLogger();
    const metrics = createMetrics();
    const handle = observeRequests(() => metrics, log);
    const kept = await handle({
      event: event('/', '/', { 'x-request-id': 'proxy-id-12345' }),
      resolve: async () => new Response('ok'),
    });
    expect(kept.headers.get('x-request-id')).toBe('proxy-id-12345');
    const replaced = await handle({
      event: event('/', '/', { 'x-request-id': 'bad id {"level":60}' }),
      resolve: async () => new Response('ok'),
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await expect(
      handle({
        event: event('/boom', null),
        resolve: async () => {
          throw new Error('broken');
        },
      }),
    ).rejects.toThrow('broken');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.status)).toEqual([200, 200, 500]);
    expect(lines[2]).toMatchObject({ level: 50, route: '(no route)' });
    expect(await metrics.registry.metrics()).toMatch(
      /clearinghouse_http_requests_total\{route="\(no route\)",method="GET",status="5xx"\} 1/,
    );
  });

  it('serves the log size, the sequencer lag and the findings in the Prometheus format on its own port', async () => {
    const tdb = await openTestDatabase('sqlite');
    const keys = keyFolder();
    cleanup.push(
      () => keys.remove(),
      () => tdb.dispose(),
    );
    const writer = await prepare(tdb.cdb);
    const log = await startLog(tdb.cdb, testLogConfig(keys.dir));
    cleanup.push(
      () => writer.close(),
      () => log.stop(),
    );
    await writeMessages(writer, 12);
    await log.sequencer.flush();
    await writeMessages(writer, 5); // durable, not yet sequenced
    const metrics = createMetrics(
      { cdb: tdb.cdb, sequencer: log.sequencer, now: () => Date.now() + 10_000 },
      { execArgv: ['--inspect', '--no-allocation-site-pretenuring'] },
    );
    const server = (await serveMetrics(metrics, 0))!;
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const answer = await fetch(`${base}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await answer.text();
    expect(text).toMatch(/^clearinghouse_log_size 12$/m);
    expect(text).toMatch(/^clearinghouse_sequencer_lag_entries 5$/m);
    expect(Number(/^clearinghouse_sequencer_lag_seconds (\S+)$/m.exec(text)![1])).toBeGreaterThan(
      9,
    );
    expect(text).toMatch(/^clearinghouse_findings\{kind="relay_refused"\} 0$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^clearinghouse_v8_allocation_site_pretenuring 0$/m);

    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('still serves the process and request figures while the database is down, and says so', async () => {
    // A PostgreSQL server that does not answer: nothing listens on port 1.
    const down = await openDatabase({ url: 'postgres://clearinghouse@127.0.0.1:1/clearinghouse' });
    cleanup.push(() => down.close());
    const metrics = createMetrics({ cdb: down });
    metrics.observeRequest('/api/v1/health', 'GET', 503, 0.002);
    const server = (await serveMetrics(metrics, 0))!;
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const answer = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    );
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).toMatch(/^clearinghouse_database_up 0$/m);
    for (const gauge of [
      'clearinghouse_log_size',
      'clearinghouse_sequencer_lag_entries',
      'clearinghouse_sequencer_lag_seconds',
      'clearinghouse_findings\\{kind="relay_refused"\\}',
    ]) {
      expect(text).toMatch(new RegExp(`^${gauge} NaN$`, 'm'));
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(
      /^clearinghouse_http_requests_total\{route="\/api\/v1\/health",method="GET",status="5xx"\} 1$/m,
    );
  });

  it("reports the event loop's delay as NaN, spelled NaN, when no sample was taken since the last scrape", async () => {
    const metrics = createMetrics();
    const figures = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'];
    const read = (text: string) =>
      figures.map((figure) => {
        const line = new RegExp(`^nodejs_eventloop_lag_${figure}_seconds (\\S+)$`, 'm').exec(text);
        expect(line, figure).not.toBeNull();
        return Number(line![1]);
      });
    await new Promise((resolve) => setTimeout(resolve, 60)); // samples every 10 ms
    let sawEmpty = false;
    let sawSamples = false;
    for (let attempt = 0; attempt < 20 && !(sawEmpty && sawSamples); attempt++) {
      // Two scrapes back to back: the second usually comes before the next sample.
      for (const text of [await exposition(metrics.registry), await exposition(metrics.registry)]) {
        expect(text).not.toMatch(/ Nan$/m);
        const values = read(text);
        if (values.every(Number.isNaN)) {
          sawEmpty = true;
          for (const figure of figures) {
            expect(text).toMatch(new RegExp(`^nodejs_eventloop_lag_${figure}_seconds NaN$`, 'm'));
          }
        } else {
          // Seconds, and consistent: no empty histogram's 2^63 ns minimum beside a maximum of 0.
          sawSamples = true;
          const [min, max, mean, , p50, , p99] = values as [number, ...number[]];
          for (const value of values) expect(value).toBeGreaterThanOrEqual(0);
          expect(min).toBeLessThanOrEqual(mean!);
          expect(mean).toBeLessThanOrEqual(max!);
          expect(p50).toBeLessThanOrEqual(p99!);
          expect(max).toBeLessThan(60);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect({ sawEmpty, sawSamples }).toEqual({ sawEmpty: true, sawSamples: true });
  });

  it('says the database answered when it did', async () => {
    const tdb = await openTestDatabase('sqlite');
    cleanup.push(() => tdb.dispose());
    await migrateToLatest(tdb.cdb);
    const text = await createMetrics({ cdb: tdb.cdb }).registry.metrics();
    expect(text).toMatch(/^clearinghouse_database_up 1$/m);
    expect(text).toMatch(/^clearinghouse_sequencer_lag_entries 0$/m);
  });

  it('reads METRICS_PORT, and refuses a malformed one with a sentence', () => {
    expect(metricsPortFromEnv({})).toBeUndefined();
    expect(metricsPortFromEnv({ METRICS_PORT: ' 9464 ' })).toBe(9464);
    expect(() => metricsPortFromEnv({ METRICS_PORT: 'abc' })).toThrow(
      /METRICS_PORT must be a port number between 1 and 65535, not "abc"/,
    );
    expect(() => metricsPortFromEnv({ METRICS_PORT: '70000' })).toThrow(/not "70000"/);
  });

  it('reads LOG_LEVEL, and refuses an unknown level with a sentence naming the variable', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ VITEST: 'true' })).toBe('silent');
    expect(logLevelFromEnv({ LOG_LEVEL: ' WARN ' })).toBe('warn');
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'verbose' })).toThrow(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose".',
    );
  });
});
