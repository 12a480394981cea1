/**
 * Running it for real (issue 12): one JSON log line per request (pino) with a request id, and
 * Prometheus metrics on a separate port.
 *
 * **No personal data in logs.** A line names the route *pattern* (`/api/v1/pseudonyms/[pseudonym]/inbox`),
 * never the path (paths carry pseudonyms and hashes), never the client address, a query string,
 * a header, a cookie or a body. Errors log their message and stack only.
 *
 * **Metrics** (`METRICS_PORT`, bound to `METRICS_HOST`, default 127.0.0.1; off when unset):
 * requests and their latency by route pattern, method and status class (`499` for a client that
 * disconnected before its body was complete, client-abort.ts); the log's size and the
 * sequencer's lag (entries durable but not yet in a checkpoint, and the age of the oldest); the
 * findings stored so far by kind. Whoever can reach that port sees aggregate figures only. When
 * the database does not answer, a scrape still serves the process and request figures, with
 * `clearinghouse_database_up 0` and the database's gauges NaN.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Handle, RequestEvent } from '@sveltejs/kit';
import { pino, symbols as pinoSymbols, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'kysely';
import { clientClosedRequest } from './client-abort';
import type { ClearinghouseDb } from './db/database';
import type { Sequencer } from './log/sequencer';
import { allocationSitePretenuring, noPretenuringFlag } from './node-flags';
import { guardLogStream, standardStreamErrors, type LogStream } from './output-guard';

/** A request id we accept from a proxy: short and plain, so it cannot inject into a log line. */
const requestIdPattern = /^[A-Za-z0-9._-]{8,64}$/;

/** The levels `LOG_LEVEL` may name (pino's), most severe first. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * `LOG_LEVEL` as a pino level (default `info`, `silent` under Vitest).
 *
 * @throws Error naming the variable and the levels it may name, for any other value (pino's own
 *   error came from inside its internals, without the variable's name).
 * @example
 * ```ts
 * logLevelFromEnv({ LOG_LEVEL: 'warn' }); // 'warn'
 * ```
 */
export function logLevelFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): (typeof logLevels)[number] {
  const raw = env.LOG_LEVEL?.trim();
  if (raw === undefined || raw === '') return env.VITEST ? 'silent' : 'info';
  const level = logLevels.find((name) => name === raw.toLowerCase());
  if (level === undefined) {
    throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}, not "${raw}".`);
  }
  return level;
}

/**
 * The process's logger: JSON lines on stdout; `LOG_LEVEL` (default `info`, `silent` under Vitest).
 * A value it cannot read leaves it at `info` here; the server's start then stops with the
 * sentence of {@link logLevelFromEnv} (instance.ts `checkStartSettings`).
 *
 * @example
 * ```ts
 * logger.info({ event: 'started', port }, 'clearinghouse started');
 * ```
 */
export const logger: Logger = pino({
  level: (() => {
    try {
      return logLevelFromEnv();
    } catch {
      return 'info';
    }
  })(),
  base: { service: 'clearinghouse', pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  // Belt and braces: should anyone ever log a request or headers, these never reach the line.
  redact: {
    paths: ['req.headers', 'headers', 'cookie', 'authorization', 'body', 'jws', 'address', 'ip'],
    censor: '[removed]',
  },
});

/**
 * The logger's own destination (stdout, written off the event loop), guarded: a write error
 * stops the log instead of ending or hanging the server, and the first line 30 s later tries
 * again; when it succeeds, a warning says how many lines were lost and since when
 * (output-guard.ts).
 */
export const logDestination = guardLogStream(
  (logger as unknown as Record<symbol, LogStream>)[pinoSymbols.streamSym]!,
  {
    onResume: (dropped, stoppedAt) => {
      logger.warn(
        {
          event: 'log-resumed',
          droppedLines: dropped,
          stoppedAt: new Date(stoppedAt).toISOString(),
        },
        `the log could not be written from ${new Date(stoppedAt).toISOString()}; it resumes now, ${dropped} line(s) were dropped meanwhile`,
      );
    },
  },
);

/** The metrics of this process, in their own registry (tests create their own). */
export interface Metrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

/**
 * Creates the registry with request metrics, whether V8's allocation-site pretenuring is on
 * (node-flags.ts: it should not be) and, when `sources` are given, the log and findings gauges read
 * from the database at each scrape.
 */
export function createMetrics(
  sources?: {
    cdb: ClearinghouseDb;
    /**
     * Not read any more: the log size comes from the database, so that a standby node (one that
     * does not sequence, docs/scaling.md) shows the current size rather than its size at start-up.
     */
    sequencer?: Pick<Sequencer, 'head'>;
    now?: () => number;
  },
  options: {
    /** The node flags the process runs with (default `process.execArgv`). */
    execArgv?: readonly string[];
  } = {},
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  replaceEventLoopDelayFigures(registry);
  const requests = new Counter({
    name: 'clearinghouse_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status class.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'clearinghouse_http_request_duration_seconds',
    help: 'Time from request to response headers, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'clearinghouse_log_lines_dropped',
    help: 'Log lines (and writes to stdout or stderr) this process could not write since it started: a full disk, a reader gone or stalled (output-guard.ts).',
    registers: [registry],
    collect() {
      this.set(logDestination.dropped + standardStreamErrors());
    },
  });
  new Gauge({
    name: 'clearinghouse_v8_allocation_site_pretenuring',
    help: `1 when V8's allocation-site pretenuring is on in this process, 0 when node runs with ${noPretenuringFlag}, as it should (docs/operations.md).`,
    registers: [registry],
  }).set(allocationSitePretenuring(options.execArgv) ? 1 : 0);
  if (sources !== undefined) {
    const { cdb } = sources;
    const now = sources.now ?? Date.now;
    // prom-client collects all gauges of a scrape at once: they share one reading of the
    // database, and when it fails (the database is down) the scrape still answers, with the
    // process and request figures, `clearinghouse_database_up 0` and these gauges NaN.
    let reading: Promise<DatabaseFigures | undefined> | undefined;
    const figures = () => {
      reading ??= readDatabaseFigures(cdb)
        .catch((error: unknown) => {
          logger.warn(
            { event: 'metrics-database', err: error },
            'metrics: the database did not answer; its gauges are NaN in this scrape',
          );
          return undefined;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    };
    new Gauge({
      name: 'clearinghouse_database_up',
      help: 'Whether this scrape read the log and findings figures from the database (1), or the database did not answer (0: those gauges are NaN).',
      registers: [registry],
      async collect() {
        this.set((await figures()) === undefined ? 0 : 1);
      },
    });
    new Gauge({
      name: 'clearinghouse_log_size',
      help: "Entries in the log's latest signed checkpoint (the same on every node).",
      registers: [registry],
      // From the database (one row by primary key), not the sequencer's head: on a node that
      // does not sequence, the in-memory head is the size when it started.
      async collect() {
        // No row: the log was not created yet, so it has no entries.
        const read = await figures();
        this.set(read === undefined ? NaN : (read.logSize ?? 0));
      },
    });
    new Gauge({
      name: 'clearinghouse_sequencer_lag_entries',
      help: 'Messages durably stored but not yet in a signed checkpoint.',
      registers: [registry],
      async collect() {
        this.set((await figures())?.queued ?? NaN);
      },
    });
    new Gauge({
      name: 'clearinghouse_sequencer_lag_seconds',
      help: 'Age of the oldest message waiting for a checkpoint (0 when none waits).',
      registers: [registry],
      async collect() {
        const read = await figures();
        this.set(
          read === undefined
            ? NaN
            : read.oldestQueued === null
              ? 0
              : Math.max(0, (now() - read.oldestQueued) / 1000),
        );
      },
    });
    const findings = new Gauge({
      name: 'clearinghouse_findings',
      help: 'Stored findings by kind (out-of-scope access, refused relay attempts, upheld complaints).',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        const read = await figures();
        for (const kind of findingKinds) findings.set({ kind }, read?.findings[kind] ?? NaN);
      },
    });
  }
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      // A client abort keeps its own label: it is neither the server's error nor a refusal.
      const label = status === clientClosedRequest ? '499' : `${Math.floor(status / 100)}xx`;
      requests.inc({ route, method, status: label });
      latency.observe({ route, method }, seconds);
    },
  };
}

/** The figures prom-client reads from its event-loop delay histogram, by their metric's name. */
const eventLoopDelayFigures = {
  nodejs_eventloop_lag_min_seconds: {
    help: 'The minimum recorded event loop delay.',
    read: (h: IntervalHistogram) => h.min,
  },
  nodejs_eventloop_lag_max_seconds: {
    help: 'The maximum recorded event loop delay.',
    read: (h: IntervalHistogram) => h.max,
  },
  nodejs_eventloop_lag_mean_seconds: {
    help: 'The mean of the recorded event loop delays.',
    read: (h: IntervalHistogram) => h.mean,
  },
  nodejs_eventloop_lag_stddev_seconds: {
    help: 'The standard deviation of the recorded event loop delays.',
    read: (h: IntervalHistogram) => h.stddev,
  },
  nodejs_eventloop_lag_p50_seconds: {
    help: 'The 50th percentile of the recorded event loop delays.',
    read: (h: IntervalHistogram) => h.percentile(50),
  },
  nodejs_eventloop_lag_p90_seconds: {
    help: 'The 90th percentile of the recorded event loop delays.',
    read: (h: IntervalHistogram) => h.percentile(90),
  },
  nodejs_eventloop_lag_p99_seconds: {
    help: 'The 99th percentile of the recorded event loop delays.',
    read: (h: IntervalHistogram) => h.percentile(99),
  },
} as const;

/**
 * The event-loop delay figures since the last scrape, under prom-client's names, but honest when
 * the histogram holds no sample (a scrape within 10 ms of the last one, or of the start):
 * prom-client then served a minimum of 9223372036.854776 (the histogram's empty minimum,
 * 2^63 ns), a maximum of 0, percentiles of 5.11e-7 and a mean and deviation of NaN; these are
 * all NaN then, as the Prometheus clients report a summary without observations. prom-client's
 * own gauges are taken out of the registry (its collector still runs, on a histogram of its own).
 */
function replaceEventLoopDelayFigures(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const gauges = new Map<string, Gauge>();
  // prom-client collects a scrape's metrics in the order they were registered: the first gauge
  // reads the histogram for all of them, then starts it over.
  const collect = () => {
    const empty = histogram.count === 0;
    for (const [name, { read }] of Object.entries(eventLoopDelayFigures)) {
      gauges.get(name)!.set(empty ? NaN : read(histogram) / 1e9);
    }
    histogram.reset();
  };
  for (const [name, { help }] of Object.entries(eventLoopDelayFigures)) {
    registry.removeSingleMetric(name);
    const first = gauges.size === 0;
    gauges.set(
      name,
      new Gauge({ name, help, registers: [registry], ...(first ? { collect } : {}) }),
    );
  }
}

/**
 * The registry in the Prometheus text format, with NaN spelled as the format spells it:
 * prom-client 15 writes `Nan`, which Prometheus's own parser happens to accept and stricter ones
 * (OpenMetrics) refuse.
 *
 * @example
 * ```ts
 * response.end(await exposition(metrics.registry));
 * ```
 */
export async function exposition(registry: Registry): Promise<string> {
  return (await registry.metrics()).replace(/ Nan$/gm, ' NaN');
}

const findingKinds = ['access_out_of_scope', 'relay_refused', 'complaint_upheld'] as const;

/** What the metrics read from the database at a scrape. */
interface DatabaseFigures {
  /** The latest checkpoint's size; undefined before the log's first checkpoint. */
  logSize: number | undefined;
  queued: number;
  /** `created_at` (ms) of the oldest message waiting for a checkpoint, null when none waits. */
  oldestQueued: number | null;
  findings: Record<(typeof findingKinds)[number], number>;
}

async function readDatabaseFigures(cdb: ClearinghouseDb): Promise<DatabaseFigures> {
  const n = sql<number>`count(*)`.as('n');
  const count = async (query: Promise<{ n: number | string } | undefined>) =>
    Number((await query)?.n ?? 0);
  const [state, queue, outOfScope, relayRefused, upheld] = await Promise.all([
    cdb.db.selectFrom('log_state').select('size').where('id', '=', 1).executeTakeFirst(),
    cdb.db
      .selectFrom('log_queue')
      .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
      .executeTakeFirstOrThrow(),
    count(cdb.db.selectFrom('access_findings').select(n).executeTakeFirst()),
    count(cdb.db.selectFrom('relay_refusals').select(n).executeTakeFirst()),
    count(
      cdb.db.selectFrom('complaints').select(n).where('decision', '=', 'upheld').executeTakeFirst(),
    ),
  ]);
  return {
    logSize: state === undefined ? undefined : Number(state.size),
    queued: Number(queue.n),
    oldestQueued: queue.oldest === null ? null : Number(queue.oldest),
    findings: {
      access_out_of_scope: outOfScope,
      relay_refused: relayRefused,
      complaint_upheld: upheld,
    },
  };
}

/**
 * The SvelteKit handle that gives every request an id (`X-Request-Id`, taken from the proxy when
 * well-formed), logs one line when it is answered, and counts it.
 */
export function observeRequests(metrics: () => Metrics | undefined, log: Logger = logger): Handle {
  return async ({ event, resolve }) => {
    const started = process.hrtime.bigint();
    const incoming = event.request.headers.get('x-request-id');
    const requestId =
      incoming !== null && requestIdPattern.test(incoming) ? incoming : randomUUID();
    let status = 500;
    try {
      const response = await resolve(event);
      status = response.status;
      try {
        response.headers.set('x-request-id', requestId);
      } catch {
        // immutable headers (a fetched response passed through): the id is in the log anyway
      }
      return response;
    } finally {
      // The client closed the connection before its body was complete; whatever failed after
      // that failed for want of a body (a form action's 500 included): client-abort.ts.
      if (status >= 500 && event.request.signal.aborted) status = clientClosedRequest;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routePattern(event);
      metrics()?.observeRequest(route, event.request.method, status, seconds);
      log[status >= 500 ? 'error' : status === clientClosedRequest ? 'warn' : 'info'](
        {
          requestId,
          method: event.request.method,
          route,
          status,
          ms: Math.round(seconds * 1e4) / 10,
        },
        status === clientClosedRequest ? 'client aborted' : 'request',
      );
    }
  };
}

/** The route's pattern, never the concrete path (which may hold a pseudonym). */
function routePattern(event: Pick<RequestEvent, 'route'>): string {
  return event.route.id ?? '(no route)';
}

/**
 * Serves the registry in the Prometheus text format on `port` (loopback by default), or nothing
 * when `port` is undefined.
 */
export async function serveMetrics(
  metrics: Metrics,
  port: number | undefined,
  host = metricsHostFromEnv({}),
): Promise<Server | undefined> {
  if (port === undefined) return undefined;
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '/').split('?')[0] !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('Not found: try GET /metrics\n');
      return;
    }
    exposition(metrics.registry)
      .then((text) => {
        response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'metrics scrape failed');
        response.writeHead(503, { 'content-type': 'text/plain' }).end('Metrics unavailable\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return server;
}

/** `METRICS_HOST`, or the metrics' default address 127.0.0.1 (this machine alone). */
export function metricsHostFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return env.METRICS_HOST?.trim() || '127.0.0.1';
}

/** `METRICS_PORT` as a port number, undefined when unset; throws a sentence when malformed. */
export function metricsPortFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
) {
  const raw = env.METRICS_PORT?.trim();
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`METRICS_PORT must be a port number between 1 and 65535, not "${raw}".`);
  }
  return port;
}
