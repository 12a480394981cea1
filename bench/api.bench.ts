/**
 * The clearinghouse API over HTTP (issue 5 "Benchmark", DESIGN section 9), on the BUILT server
 * (`node --no-allocation-site-pretenuring dist/portal/index.js`, as `npm start` runs it) on
 * loopback, once on a temporary SQLite database and once on a throwaway PostgreSQL cluster
 * (scripts/postgres.mjs):
 *
 *   npm run bench:api
 *
 * Per database, with autocannon (keep-alive connections) in this process and the server in its own:
 *
 * 1. `GET /api/v1/ping` (`{"ok":true}`, no database): the ceiling of a SvelteKit JSON endpoint.
 * Each maximum (ping, grants, offers, inbox) is the best rate at 32 and at 128 connections
 * (`BENCH_CONNECTIONS`): requests that share a group commit need enough of them in flight.
 *
 * 2. `POST /api/v1/grants` at the highest rate it sustains (each a new pseudonym's first grant:
 *    verify, bind the pseudonym, store durably, queue for the log), with p50/p99; then at half
 *    that rate, its p99, paced open-loop (request i due at `start + i / rate`, latency from when
 *    it was due; bench/load/paced.ts), not with autocannon's `overallRate`, which runs each
 *    connection at full speed until it has made its share of the second and so measures full
 *    load for half of every second. Bars: grants/ping >= 0.3; p99 at half rate <= 50 ms.
 * 3. `POST /api/v1/offers` (a sealed offer to a granted pseudonym: coverage, contact cap, stored).
 * 4. `GET /api/v1/pseudonyms/{ps}/inbox`, each with a fresh request signature.
 *
 * Every message is signed before its run (a fresh `jti` each), so the driver spends no CPU on
 * signatures during a measurement. Bulk signatures go through node:crypto (the same compact JWS
 * `signCompact` makes); the seeding messages through `signMessage`. Rate limits are set explicitly
 * high, so every request still passes the limiter (its per-node reserved blocks and the shared
 * database counter) without being refused; ping and grants share the server, so the same limits. Each measured maximum (about 10 s, `BENCH_SECONDS`) follows a probe and an unmeasured
 * warm-up of about 3 s (`BENCH_WARMUP_SECONDS`); each paced run (at half rate) follows a warm-up
 * of 2 s (or `BENCH_WARMUP_SECONDS` when shorter) at its own rate that flows straight into it on the same connections, so the whole
 * benchmark stays near ten minutes. Figures
 * go to docs/performance.md, section "API"; the exit code is non-zero when a bar fails or any
 * measured request did not succeed. `BENCH_SECONDS` and `BENCH_DATABASES`
 * (`sqlite,postgres`) shorten a run while working on it; `BENCH_RATE_LIMIT=0` switches the limiter
 * off to see what it costs. `BENCH_SERVER=/path/index.js` runs a server built elsewhere, and
 * `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles it (the server stops cleanly on
 * SIGTERM, so the profile is written); `npx tsx bench/api/profile-summary.ts <file>` sums it up.
 * `BENCH_PARTS=ping,grants` (of ping, pinghalf, grants, half, offers, inbox) measures only those.
 * `BENCH_PG_SETTINGS="name=value;name=value"` starts PostgreSQL with these settings, to diagnose
 * it (e.g. `shared_preload_libraries=pg_stat_statements`); figures printed so are not the bench's.
 * `BENCH_LATENCY_LOG=/tmp/dir` writes each paced run's measured requests (when due, epoch ms;
 * latency, ms; how late the generator sent it, ms) there as CSV, to see when in a run the slow
 * ones came. `BENCH_KEEP_LOGS=/tmp/dir` keeps each
 * server's log there (`sqlite/server.log`, `postgres/server.log`), e.g. with
 * `BENCH_NODE_ARGS=--trace-gc-nvp` to read its garbage collections afterwards.
 * `pinghalf` is a control, not a bar: the trivial endpoint paced at half its own maximum, the
 * latency floor of this machine for the grant bar's p99 at half rate. Besides
 * rates and latencies, each run prints the server's CPU time per request (its event-loop thread
 * and all its threads, from /proc), which other load on the machine hardly moves, and on
 * PostgreSQL the database processes' (`DB µs`: the server and the database share the two
 * cores). It also prints, for each part, the share of the run the event loop was on a core and
 * the share it was runnable but waited for one (from the main thread's schedstat): a trivial
 * endpoint's loop runs nearly all the time; a grant's maximum is held back where it does not.
 * `BENCH_THREADS=1` adds each server thread's share and the load generator's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { loadAverage, machine } from './machine';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateKeyPair, publicJwk } from '../protocol/keys';
import { parseMessage, type Scope } from '../protocol/messages';
import { sealTo } from '../protocol/seal';
import { signMessage } from '../protocol/signed';
import { ready } from '../protocol/sodium';
import { base64urlEncode } from '../protocol/encoding';
import { startPostgres } from '../scripts/postgres.mjs';
import {
  benchNodeArgs as nodeArgs,
  ensureBuilt,
  postgresCpu,
  postmasterPidOf,
  threadCpu,
  startServer,
  type RunningServer,
} from './load/built-server';
import { percentiles, runPaced } from './load/paced';
import { RawPool, serialiseRequest } from './load/raw-http';
import {
  fastKeyOf,
  fastSign,
  newFastKey,
  nowSeconds,
  sha256Of as sha256,
  type FastKey,
} from './load/fast-sign';

const runSeconds = Number(process.env.BENCH_SECONDS ?? 10);
/** Unmeasured load before each measured run. */
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
/**
 * Connection counts at which each maximum is measured (`BENCH_CONNECTIONS`, default 32 and 128):
 * an endpoint's maximum is its best rate among them. A trivial endpoint is CPU-bound at any of
 * them; one with a group commit serves more the more requests can share a commit, so one count
 * alone would measure it at that concurrency, not at its maximum. The paced runs use the largest,
 * so that no request waits for a free connection in the load generator.
 */
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '32,128').split(',').map((count) => {
  const n = Number(count.trim());
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new Error('BENCH_CONNECTIONS must list whole numbers from 1 to 1000, e.g. 32,128');
  return n;
});
const pacedConnections = Math.max(...connectionCounts);
/** Per minute, address and key alike; `BENCH_RATE_LIMIT=0` measures without the limiter. */
const rateLimit = process.env.BENCH_RATE_LIMIT ?? '1000000000';
/** `BENCH_DATABASES=sqlite` (or `postgres`) runs one of the two. */
const databases = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',');
const bars = { grantRatio: 0.3, p99AtHalfMs: 50 };
/** `BENCH_SERVER=/path/to/index.js`: a built server elsewhere (no build check). */
const serverEntry = process.env.BENCH_SERVER;
/** `BENCH_HALF_RATE=250`: the half-rate run at this rate, without measuring the maximum first (profiling it). */
const givenHalfRate =
  process.env.BENCH_HALF_RATE === undefined ? undefined : Number(process.env.BENCH_HALF_RATE);
if (givenHalfRate !== undefined && !(givenHalfRate > 0))
  throw new Error('BENCH_HALF_RATE must be positive');
/** `BENCH_PG_SETTINGS="auto_explain.log_min_duration=5;..."`: PostgreSQL started with these settings. */
const postgresSettings = Object.fromEntries(
  (process.env.BENCH_PG_SETTINGS ?? '')
    .split(';')
    .filter((pair) => pair.trim() !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`BENCH_PG_SETTINGS: ${pair} is not name=value`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    }),
);
/** `BENCH_LATENCY_LOG=/tmp/dir`: each paced run's measured requests (when due, latency, how late sent) as CSV there, to see when the slow ones came. */
const latencyLog = process.env.BENCH_LATENCY_LOG;
/** `BENCH_PARTS=ping,grants` measures only these (ping, pinghalf, grants, half, offers, inbox), e.g. to profile one. */
const parts = new Set(
  (process.env.BENCH_PARTS ?? 'ping,pinghalf,grants,half,offers,inbox')
    .split(',')
    .map((p) => p.trim()),
);

interface Measured {
  rate: number;
  /** For a maximum: the rate at each connection count tried, in order. */
  ladder?: { connections: number; rate: number }[];
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  seconds: number;
  /**
   * A paced run's: how late the load generator sent its requests, p99 in milliseconds (a
   * request's latency counts from when it was due, so the generator's own lag is in it).
   */
  lateP99?: number;
  /**
   * CPU time of the server per successful request, in microseconds: `loop` of its main thread
   * (the event loop, where every JavaScript line of a request runs), `all` of all its threads
   * (libuv's pool, V8's compiler and GC threads too). Unlike requests per second, these hardly
   * move when other processes load the machine; `undefined` where /proc is not available.
   */
  cpu?: {
    loop: number;
    /** The event loop's time runnable but without a core, per request (see `ProcessCpu`). */
    loopWait?: number;
    all: number;
    database?: number;
    /** With `BENCH_THREADS=1`: each server thread's CPU time per request, busiest first. */
    threads?: number[];
    /** This process's (the load generator's) CPU time per request. */
    generator?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding through the real API

interface Seeded {
  companyId: string;
  companyKey: FastKey;
  requestSha256: string;
  scope: Scope;
  proof: Server;
}

async function postJose(
  server: RunningServer,
  path: string,
  token: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: token,
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function seed(server: RunningServer): Promise<Seeded> {
  const keyPair = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
  const companyKey = fastKeyOf(keyPair);
  const companyId = `co_${companyKey.kid}`;
  // The domain proof, served on a loopback origin (SPECS "company origin").
  const proof = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [companyKey.kid], companyId }));
  });
  await new Promise<void>((resolve) => proof.listen(0, resolve));
  const domain = `http://localhost:${(proof.address() as AddressInfo).port}`;
  const iat = nowSeconds();
  const claims = (aud: string) => ({
    v: 1 as const,
    iss: companyId,
    aud,
    iat,
    exp: iat + 600,
    jti: randomUUID(),
  });
  await postJose(
    server,
    '/api/v1/companies',
    await signMessage(
      'company',
      {
        ...claims(server.origin),
        legalName: 'Bench GmbH',
        registerId: 'HRB 1, Amtsgericht München',
        domain,
        contact: { email: 'bench@bench.example' },
        keys: [publicJwk(keyPair)],
        purposes: ['product_launch'],
      },
      keyPair,
    ),
  );
  // Always covered: no time windows, a cap far above what one run sends to one pseudonym.
  const scope: Scope = {
    purpose: 'product_launch',
    channels: ['newsletter'],
    dataCategories: ['preferences_habits'],
    conditions: {
      timeZone: 'Europe/Berlin',
      maxContactsPerWeek: 1000,
      validUntil: iat + 365 * 86_400,
    },
    retentionDays: 365,
    onwardRecipients: [],
  };
  const request = await postJose(
    server,
    '/api/v1/grant-requests',
    await signMessage(
      'grant-request',
      { ...claims(server.origin), scopes: [scope], reason: { de: 'Neuigkeiten.', en: 'News.' } },
      keyPair,
    ),
  );
  return { companyId, companyKey, requestSha256: String(request.sha256), scope, proof };
}

interface Granted {
  pseudonym: string;
  key: FastKey;
  grantSha256: string;
}

function grants(seeded: Seeded, count: number): { tokens: string[]; granted: Granted[] } {
  const tokens: string[] = [];
  const granted: Granted[] = [];
  const iat = nowSeconds();
  for (let i = 0; i < count; i++) {
    const key = newFastKey();
    const pseudonym = `ps_${key.kid}`;
    const payload = {
      v: 1,
      iss: pseudonym,
      aud: seeded.companyId,
      iat,
      exp: iat + 600,
      jti: randomUUID(),
      requestSha256: seeded.requestSha256,
      scopes: [seeded.scope],
      preferredChannel: 'newsletter',
      until: iat + 300 * 86_400,
      pseudonymKey: { kty: 'OKP', crv: 'Ed25519', x: key.x },
    };
    if (i === 0) parseMessage('grant', payload); // the schema agrees, once
    const token = fastSign('grant', payload, key);
    tokens.push(token);
    granted.push({ pseudonym, key, grantSha256: sha256(token) });
  }
  return { tokens, granted };
}

function offers(seeded: Seeded, to: Granted[], count: number): string[] {
  const tokens: string[] = [];
  const iat = nowSeconds();
  const validUntil = iat + 7 * 86_400;
  for (let i = 0; i < count; i++) {
    const target = to[i % to.length]!;
    const common = {
      v: 1,
      iss: seeded.companyId,
      aud: target.pseudonym,
      iat,
      exp: validUntil,
      grantSha256: target.grantSha256,
      purpose: 'product_launch',
      channel: 'newsletter',
      validUntil,
    };
    const inner = fastSign(
      'offer-content',
      {
        ...common,
        jti: randomUUID(),
        brand: 'Bench Running',
        category: 'sports/running',
        title: 'Der neue Trailschuh ist da',
        body: 'Leicht, griffig und wasserabweisend. Jetzt mit 10 % Rabatt.',
        link: 'https://bench.example/trail',
        advertisement: true,
        unsubscribe: 'https://bench.example/abmelden',
      },
      seeded.companyKey,
    );
    const publicKey = new Uint8Array(Buffer.from(target.key.x, 'base64url'));
    const payload = {
      ...common,
      jti: randomUUID(),
      sealed: base64urlEncode(sealTo(publicKey, inner)),
    };
    if (i === 0) parseMessage('offer', payload);
    tokens.push(fastSign('offer', payload, seeded.companyKey));
  }
  return tokens;
}

function inboxRequests(
  origin: string,
  of: Granted[],
  count: number,
): { path: string; authorization: string }[] {
  const requests: { path: string; authorization: string }[] = [];
  const iat = nowSeconds();
  for (let i = 0; i < count; i++) {
    const target = of[i % of.length]!;
    const path = `/api/v1/pseudonyms/${target.pseudonym}/inbox`;
    const payload = {
      v: 1,
      iss: target.pseudonym,
      aud: origin,
      iat,
      exp: iat + 60,
      jti: randomUUID(),
      method: 'GET',
      path,
    };
    requests.push({ path, authorization: `Signature ${fastSign('request', payload, target.key)}` });
  }
  return requests;
}

// ---------------------------------------------------------------------------------------------
// Load

interface Load {
  method: 'GET' | 'POST';
  /** Keep-alive connections of the load generator (default: the first of `BENCH_CONNECTIONS`). */
  connections?: number;
  /** One request per item, in order; `undefined` items: `fixedPath` without a body. */
  items: { path: string; body?: string; authorization?: string }[];
}

/** The benchmark's own PostgreSQL cluster while it runs (its CPU is the `DB µs` column). */
let postmasterPid: number | undefined;

/** CPU readings of the server and of the PostgreSQL processes at one moment. */
function cpuNow(server: RunningServer): {
  server: ReturnType<RunningServer['cpu']>;
  database: number | undefined;
  threads: Map<string, number> | undefined;
  generator: number;
} {
  const usage = process.cpuUsage();
  return {
    server: server.cpu(),
    database: postgresCpu(postmasterPid),
    threads: process.env.BENCH_THREADS === '1' ? threadCpu(server.pid) : undefined,
    generator: usage.user + usage.system,
  };
}

/**
 * The server's CPU time per successful request between two readings (`{}` when unknown), and the
 * PostgreSQL processes' (absent on SQLite, where none ran).
 */
function cpuPerRequest(
  before: ReturnType<typeof cpuNow>,
  after: ReturnType<typeof cpuNow>,
  ok: number,
): Pick<Measured, 'cpu'> {
  if (before.server === undefined || after.server === undefined || ok === 0) return {};
  const database =
    before.database === undefined || after.database === undefined
      ? 0
      : (after.database - before.database) / ok;
  const threads =
    before.threads === undefined || after.threads === undefined
      ? undefined
      : [...after.threads]
          .map(([tid, micros]) => (micros - (before.threads!.get(tid) ?? 0)) / ok)
          .filter((micros) => micros > 0)
          .sort((a, b) => b - a);
  return {
    cpu: {
      loop: (after.server.loop - before.server.loop) / ok,
      ...(before.server.loopWait === undefined || after.server.loopWait === undefined
        ? {}
        : { loopWait: (after.server.loopWait - before.server.loopWait) / ok }),
      all: (after.server.all - before.server.all) / ok,
      ...(database > 0 ? { database } : {}),
      ...(threads === undefined ? {} : { threads }),
      generator: (after.generator - before.generator) / ok,
    },
  };
}

async function drive(server: RunningServer, load: Load): Promise<Measured> {
  let next = 0;
  let firstFailure: string | undefined;
  // The run's own clock and CPU readings, taken at its last response: autocannon notices the end
  // of an `amount` only at its next one-second sample, so its `duration` (and a rate from it)
  // comes out up to a second long and in whole seconds.
  let answered = 0;
  let lastAnswer: { at: number; cpu: ReturnType<typeof cpuNow> } | undefined;
  const cpuBefore = cpuNow(server);
  const started = performance.now();
  const connections = load.connections ?? connectionCounts[0]!;
  const result = await autocannon({
    url: server.url,
    connections,
    pipelining: 1,
    amount: load.items.length,
    timeout: 30,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          const item = load.items[Math.min(next++, load.items.length - 1)]!;
          return {
            ...request,
            method: load.method,
            path: item.path,
            headers: headersOf(item),
            body: item.body,
          };
        },
        onResponse: (status: number, body: string) => {
          answered += 1;
          if (answered === load.items.length) {
            lastAnswer = { at: performance.now(), cpu: cpuNow(server) };
          }
          if (status >= 300 && firstFailure === undefined) {
            firstFailure = `${status} ${body.slice(0, 300)}`;
            console.error(`bench:api: ${load.method} ${load.items[0]?.path}: ${firstFailure}`);
          }
        },
      },
    ],
  });
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  // Errors and timeouts have no response: then the run ended when autocannon says it did.
  const seconds = lastAnswer === undefined ? result.duration : (lastAnswer.at - started) / 1000;
  const cpuAfter = lastAnswer?.cpu ?? cpuNow(server);
  return {
    rate: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    failed,
    seconds,
    ...cpuPerRequest(cpuBefore, cpuAfter, ok),
  };
}

/** A request's headers: its body's type and its signature, where it has them. */
function headersOf(item: Load['items'][number]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (item.body !== undefined) headers['content-type'] = 'application/jose';
  if (item.authorization !== undefined) headers.authorization = item.authorization;
  return headers;
}

/**
 * `load` paced open-loop at `rate` requests per second (bench/load/paced.ts): request i is due at
 * `start + i / rate`, the first free of `connections` keep-alive connections sends it, and its
 * latency counts from when it was due. For the run at half rate: autocannon's `overallRate`
 * sends at full speed until each connection has made its share of the second, so its latencies
 * would be those of full load.
 *
 * The first `warm` items are a warm-up that flows straight into the measured run: the same
 * schedule, the same connections, every request's bytes prepared before the first is due. Only
 * the items after them are measured (latency, lag, CPU, rate). A warm-up run of its own, with
 * the measured run's messages signed and a new pool's connections opened after it, made the
 * measured run start from an idle server: up to about 50 of its 8,000-10,000 requests took over
 * 50 ms in its first 0.3 s alone (docs/performance.md "API", session 30). The CPU counters are
 * read about 10 ms before the first measured request is due (reading them takes the generator a
 * few milliseconds, which the warm-up absorbs), or before the clock starts without a warm-up.
 */
async function drivePaced(
  server: RunningServer,
  load: Load,
  rate: number,
  warm = 0,
): Promise<Measured> {
  const connections = pacedConnections;
  const latencies: number[] = [];
  const lags: number[] = [];
  const timeline: string[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  // Every request's bytes are prepared before the clock starts (bench/load/raw-http.ts: node:http
  // cost the shared cores 3-4 times as much per request, docs/performance.md "API").
  const pool = new RawPool(server.url, connections);
  const prepared = load.items.map((item) =>
    serialiseRequest(pool.host, {
      method: load.method,
      path: item.path,
      headers: headersOf(item),
      ...(item.body === undefined ? {} : { body: item.body }),
    }),
  );
  // When the first measured request was due, and the CPU counters at the start of the measured run.
  const measuredFrom: { due?: number; cpu?: ReturnType<typeof cpuNow> } = {};
  if (warm === 0) measuredFrom.cpu = cpuNow(server);
  const cpuTicket = warm === 0 ? -1 : Math.max(0, warm - Math.ceil(rate / 100));
  let firstWarmFailure: string | undefined;
  const noteFailure = (measured: boolean, failure: string) => {
    if (!measured) firstWarmFailure ??= failure;
    else {
      failed += 1;
      firstFailure ??= failure;
    }
  };
  await runPaced(
    { seconds: load.items.length / rate, rate, connections, limit: load.items.length },
    async (ticket, due) => {
      if (ticket === warm) measuredFrom.due = due;
      const measured = ticket >= warm;
      const lag = performance.now() - due;
      if (measured) lags.push(lag);
      try {
        const sending = pool.send(prepared[ticket]!);
        if (ticket === cpuTicket) measuredFrom.cpu = cpuNow(server);
        const answer = await sending;
        if (answer.status < 300) {
          if (!measured) return;
          latencies.push(performance.now() - due);
          if (latencyLog !== undefined)
            timeline.push(
              `${(performance.timeOrigin + due).toFixed(2)},${latencies.at(-1)!.toFixed(2)},${lag.toFixed(2)}`,
            );
          return;
        }
        noteFailure(measured, `${answer.status} ${answer.body.slice(0, 300)}`);
      } catch (error) {
        noteFailure(measured, error instanceof Error ? error.message : String(error));
      }
    },
  );
  const ended = performance.now();
  pool.close();
  if (measuredFrom.due === undefined || measuredFrom.cpu === undefined) {
    throw new Error('bench:api: a paced run measured nothing');
  }
  const seconds = (ended - measuredFrom.due) / 1000;
  if (latencyLog !== undefined) {
    mkdirSync(latencyLog, { recursive: true });
    writeFileSync(
      join(latencyLog, `paced-${rate.toFixed(0)}-${Date.now()}.csv`),
      'due_ms,latency_ms,sent_late_ms\n' + timeline.join('\n') + '\n',
    );
  }
  if (firstWarmFailure !== undefined) {
    console.error(
      `bench:api: ${load.method} ${load.items[0]?.path} (warm-up): ${firstWarmFailure}`,
    );
  }
  if (firstFailure !== undefined) {
    console.error(`bench:api: ${load.method} ${load.items[0]?.path}: ${firstFailure}`);
  }
  const cpuBefore = measuredFrom.cpu;
  const cpuAfter = cpuNow(server);
  const ok = latencies.length;
  const [p50, p99] = percentiles(latencies, [50, 99]);
  const [lateP99] = percentiles(lags, [99]);
  return {
    rate: ok / seconds,
    p50,
    p99,
    ok,
    failed,
    seconds,
    lateP99,
    ...cpuPerRequest(cpuBefore, cpuAfter, ok),
  };
}

/**
 * A short probe for the rate, a warm-up of about `warmupSeconds` at full speed (JIT, caches,
 * connection pools, the rate limiter's reserved blocks), then the measured run of about
 * `runSeconds`. Only the last one is reported.
 */
async function full(
  server: RunningServer,
  method: Load['method'],
  make: (count: number) => Load['items'],
  connections: number = connectionCounts[0]!,
): Promise<Measured> {
  const probe = await drive(server, { method, connections, items: make(400) });
  const warm = await drive(server, {
    method,
    connections,
    items: make(Math.max(200, Math.min(20_000, Math.round(probe.rate * warmupSeconds)))),
  });
  const count = Math.max(400, Math.min(60_000, Math.round(warm.rate * runSeconds)));
  return drive(server, { method, connections, items: make(count) });
}

/**
 * `make`'s requests paced at `rate` (the runs at half rate): a warm-up of at most 2 s
 * (`BENCH_WARMUP_SECONDS` when shorter) at the same rate flows straight into the measured run of
 * `runSeconds` (see {@link drivePaced}), so that it starts in its steady state.
 */
function paced(
  server: RunningServer,
  method: Load['method'],
  make: (count: number) => Load['items'],
  rate: number,
): Promise<Measured> {
  const warm = Math.round(rate * Math.min(warmupSeconds, 2));
  return drivePaced(
    server,
    { method, items: make(warm + Math.round(rate * runSeconds)) },
    rate,
    warm,
  );
}

/** The endpoint's maximum: its best {@link full} run among `BENCH_CONNECTIONS`. */
async function maximum(
  server: RunningServer,
  method: Load['method'],
  make: (count: number) => Load['items'],
): Promise<Measured> {
  let best: Measured | undefined;
  const ladder: { connections: number; rate: number }[] = [];
  for (const connections of connectionCounts) {
    const measured = await full(server, method, make, connections);
    ladder.push({ connections, rate: measured.rate });
    if (best === undefined || measured.rate > best.rate) best = measured;
  }
  return { ...best!, ladder };
}

// ---------------------------------------------------------------------------------------------

interface DatabaseFigures {
  database: string;
  /** Each absent when `BENCH_PARTS` left it out. */
  ping?: Measured;
  /** The control: ping paced at half its own maximum. */
  pingHalf?: Measured;
  grants?: Measured;
  grantsHalf?: Measured;
  offers?: Measured;
  inbox?: Measured;
}

async function benchDatabase(
  name: string,
  database: { url?: string; path?: string },
  dir: string,
): Promise<DatabaseFigures> {
  const server = await startServer(database, {
    dir,
    ...(serverEntry === undefined ? {} : { entry: serverEntry }),
    nodeArgs,
    // Explicit and high: every request passes the limiter and is counted, none is refused.
    env: { RATE_LIMIT_ADDRESS_PER_MINUTE: rateLimit, RATE_LIMIT_KEY_PER_MINUTE: rateLimit },
  });
  try {
    const seeded = await seed(server);
    try {
      const figures: DatabaseFigures = { database: name };
      // The same server, so the same rate limits: every ping is counted by the limiter too.
      if (parts.has('ping') || parts.has('pinghalf')) {
        figures.ping = await maximum(server, 'GET', (n) =>
          Array.from({ length: n }, () => ({ path: '/api/v1/ping' })),
        );
      }
      if (parts.has('pinghalf') && figures.ping !== undefined) {
        const rate = Math.max(1, Math.round(figures.ping.rate / 2));
        const pings = (n: number) => Array.from({ length: n }, () => ({ path: '/api/v1/ping' }));
        figures.pingHalf = await paced(server, 'GET', pings, rate);
      }
      const all: Granted[] = [];
      const grantItems = (n: number) => {
        const made = grants(seeded, n);
        all.push(...made.granted);
        return made.tokens.map((body) => ({ path: '/api/v1/grants', body }));
      };
      if (parts.has('grants') || (parts.has('half') && givenHalfRate === undefined)) {
        figures.grants = await maximum(server, 'POST', grantItems);
      }
      if (parts.has('half')) {
        const halfRate = givenHalfRate ?? Math.max(1, Math.round(figures.grants!.rate / 2));
        figures.grantsHalf = await paced(server, 'POST', grantItems, halfRate);
      }
      // Offers and inbox reads need granted pseudonyms.
      if (all.length === 0 && (parts.has('offers') || parts.has('inbox'))) {
        await drive(server, { method: 'POST', items: grantItems(500) });
      }
      if (parts.has('offers')) {
        figures.offers = await maximum(server, 'POST', (n) =>
          offers(seeded, all, n).map((body) => ({ path: '/api/v1/offers', body })),
        );
      }
      if (parts.has('inbox')) {
        figures.inbox = await maximum(server, 'GET', (n) => inboxRequests(server.origin, all, n));
      }
      return figures;
    } finally {
      seeded.proof.close();
    }
  } finally {
    await server.stop();
  }
}

function report(figures: DatabaseFigures): boolean {
  const micro = (value: number | undefined) =>
    (value === undefined ? '-' : Math.round(value).toLocaleString('en')).padStart(7);
  const row = (what: string, m: Measured | undefined) =>
    m === undefined
      ? `| ${what.padEnd(44)} | (not measured: BENCH_PARTS) |`
      : `| ${what.padEnd(44)} | ${Math.round(m.rate).toLocaleString('en').padStart(7)} | ${m.p50
          .toFixed(1)
          .padStart(
            6,
          )} | ${m.p99.toFixed(1).padStart(6)} | ${String(m.failed).padStart(6)} | ${micro(
          m.cpu?.loop,
        )} | ${micro(m.cpu?.all)} | ${micro(m.cpu?.database)} |`;
  const { ping, grants: grantsMax, grantsHalf } = figures;
  const ratio = ping && grantsMax ? grantsMax.rate / ping.rate : undefined;
  const ratioOk = ratio !== undefined && ratio >= bars.grantRatio;
  const p99Ok = grantsHalf !== undefined && grantsHalf.p99 <= bars.p99AtHalfMs;
  // What the ratio would be if the event loop alone bounded both rates: a figure other processes
  // on the machine hardly move (they steal time from both runs alike).
  const cpuRatio =
    ping?.cpu && grantsMax?.cpu && grantsMax.cpu.loop > 0
      ? ping.cpu.loop / grantsMax.cpu.loop
      : undefined;
  const measured = [ping, figures.pingHalf, grantsMax, grantsHalf, figures.offers, figures.inbox];
  const failures = measured.reduce((sum, m) => sum + (m?.failed ?? 0), 0);
  const halfLabel = grantsMax === undefined ? '?' : String(Math.round(grantsMax.rate / 2));
  const pingHalfLabel = ping === undefined ? '?' : String(Math.round(ping.rate / 2));
  console.log(`
### ${figures.database}

| what                                         |  req/s  | p50 ms | p99 ms | failed | loop µs | CPU µs |  DB µs  |
| -------------------------------------------- | ------: | -----: | -----: | -----: | ------: | -----: | ------: |
${row('GET /api/v1/ping (trivial JSON, ceiling)', ping)}
${row(`GET /api/v1/ping at half (${pingHalfLabel}/s), control`, figures.pingHalf)}
${row('POST /api/v1/grants, maximum', grantsMax)}
${row(`POST /api/v1/grants at half (${halfLabel}/s)`, grantsHalf)}
${row('POST /api/v1/offers (sealed, relayed)', figures.offers)}
${row('GET /api/v1/pseudonyms/{ps}/inbox', figures.inbox)}

(loop µs / CPU µs: the server's event-loop thread / all its threads, CPU time per successful
request; DB µs: the PostgreSQL processes' CPU time per successful request, - on SQLite)
${ladderLine(figures)}
${threadLines(figures)}

grants / ping = ${ratio === undefined ? 'not measured' : ratio.toFixed(3)} (bar >= ${bars.grantRatio}): ${ratioOk ? 'PASS' : 'FAIL'}
grant p99 at half rate = ${grantsHalf === undefined ? 'not measured' : `${grantsHalf.p99.toFixed(1)} ms`} (bar <= ${bars.p99AtHalfMs} ms): ${p99Ok ? 'PASS' : 'FAIL'}
ping p99 at half its own rate = ${figures.pingHalf === undefined ? 'not measured' : `${figures.pingHalf.p99.toFixed(1)} ms`} (the control: this machine's floor for the bar above; not a bar)
${lateLine(figures)}
event-loop time of a ping / of a grant = ${cpuRatio === undefined ? 'not measured' : cpuRatio.toFixed(2)} (the ratio a CPU-bound loop would reach; not a bar)
${loopShareLine(figures)}
requests that did not succeed: ${failures}`);
  return ratioOk && p99Ok && failures === 0;
}

/** Each part's name and figures, in the order measured. */
function partsOf(figures: DatabaseFigures): [string, Measured | undefined][] {
  return [
    ['ping', figures.ping],
    ['ping at half', figures.pingHalf],
    ['grants', figures.grants],
    ['grants at half', figures.grantsHalf],
    ['offers', figures.offers],
    ['inbox', figures.inbox],
  ];
}

/** How late the paced runs' requests left the load generator (its lag is in their latency). */
function lateLine(figures: DatabaseFigures): string {
  const paced = partsOf(figures).filter(([, m]) => m?.lateP99 !== undefined);
  if (paced.length === 0) return 'paced runs: none measured';
  return `paced runs, requests sent late by the load generator (p99): ${paced
    .map(([what, m]) => `${what} ${m!.lateP99!.toFixed(1)} ms`)
    .join(', ')}`;
}

/** Each maximum's rate at every connection count tried (the best is the table's). */
function ladderLine(figures: DatabaseFigures): string {
  const measured = partsOf(figures).filter(([, m]) => m?.ladder !== undefined);
  if (measured.length === 0) return 'maxima by connections: none measured';
  return `maxima by connections (per second): ${measured
    .map(
      ([what, m]) =>
        `${what} ${m!
          .ladder!.map(
            ({ connections, rate }) => `${Math.round(rate).toLocaleString('en')} at ${connections}`,
          )
          .join(', ')}`,
    )
    .join('; ')}`;
}

/**
 * Each part's event loop: the share of the run it was on a core and the share it was runnable but
 * waited for one (another thread of the server, the load generator or another process had both
 * cores). A maximum whose loop neither runs nor waits all the time is held back elsewhere (the
 * database, a worker, the generator).
 */
function loopShareLine(figures: DatabaseFigures): string {
  const shares = partsOf(figures)
    .filter(([, m]) => m?.cpu?.loopWait !== undefined)
    .map(([what, m]) => {
      const percent = (micros: number) => Math.round((micros * m!.rate) / 10_000);
      return `${what} ${percent(m!.cpu!.loop)} / ${percent(m!.cpu!.loopWait!)}`;
    });
  return shares.length === 0
    ? 'event loop on a core / waiting for one: not measured'
    : `event loop on a core / waiting for one, % of each run: ${shares.join(', ')}`;
}

/** With `BENCH_THREADS=1`, each part's CPU per request by server thread and of the generator. */
function threadLines(figures: DatabaseFigures): string {
  return partsOf(figures)
    .filter(([, m]) => m?.cpu?.threads !== undefined)
    .map(
      ([what, m]) =>
        `${what}: server threads ${m!
          .cpu!.threads!.map((micros) => Math.round(micros))
          .join(' / ')} µs, load generator ${Math.round(m!.cpu!.generator ?? 0)} µs per request`,
    )
    .join('\n');
}

/**
 * `BENCH_KEEP_LOGS`: copies each database's server log out of the run's folder before it goes. A
 * copy that fails is reported, never thrown: it runs in `main`'s `finally`, where it would hide the
 * run's own error and leave the folder behind.
 */
function keepServerLogs(runDir: string, keepDir: string | undefined): void {
  if (keepDir === undefined || keepDir === '') return;
  try {
    for (const database of ['sqlite', 'postgres']) {
      const log = join(runDir, database, 'server.log');
      if (!existsSync(log)) continue;
      mkdirSync(join(keepDir, database), { recursive: true });
      copyFileSync(log, join(keepDir, database, 'server.log'));
    }
    console.log(`server logs kept in ${keepDir}`);
  } catch (error) {
    console.error(
      `BENCH_KEEP_LOGS: could not keep the server logs in ${keepDir}: ${String(error)}`,
    );
  }
}

async function main(): Promise<void> {
  await ready();
  ensureBuilt('bench:api', serverEntry);
  console.log(
    `bench:api: ${machine()}, ${runSeconds} s per run, maxima at ${connectionCounts.join(' and ')} connections (the best), paced runs with up to ${pacedConnections}, rate limits ${rateLimit}/min`,
  );
  let pass = true;
  const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-bench-api-'));
  try {
    if (databases.includes('sqlite')) {
      const sqliteDir = join(dir, 'sqlite');
      mkdirSync(sqliteDir);
      const figures = await benchDatabase(
        'SQLite',
        { path: join(sqliteDir, 'bench.db') },
        sqliteDir,
      );
      pass = report(figures) && pass;
    }
    if (databases.includes('postgres')) {
      const postgres = (await startPostgres({ settings: postgresSettings })) as {
        url: string;
        dataDir: string;
        stop(): Promise<void>;
      };
      postmasterPid = postmasterPidOf(join(postgres.dataDir, 'data'));
      try {
        const postgresDir = join(dir, 'postgres');
        mkdirSync(postgresDir);
        if (Object.keys(postgresSettings).length > 0)
          console.log(`PostgreSQL settings (diagnostic): ${JSON.stringify(postgresSettings)}`);
        pass =
          report(await benchDatabase('PostgreSQL', { url: postgres.url }, postgresDir)) && pass;
      } finally {
        postmasterPid = undefined;
        await postgres.stop();
      }
    }
  } finally {
    console.log(`\nload average after the run: ${loadAverage()}`);
    keepServerLogs(dir, process.env.BENCH_KEEP_LOGS);
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = pass ? 0 : 1;
}

await main();
