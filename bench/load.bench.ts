/**
 * The clearinghouse under a mixed workload (issue 12 "Load"), on the BUILT server
 * (`node --no-allocation-site-pretenuring dist/portal/index.js`, as `npm start` runs it) on
 * loopback, once on a temporary SQLite database and once on a throwaway PostgreSQL cluster
 * (scripts/postgres.mjs):
 *
 *   npm run bench:load              # about 3 minutes per database
 *   npm run bench:load -- --soak    # 30 minutes per database at half the maximum, memory sampled
 *
 * Per database: the server starts with explicit, high rate limits (every request passes the
 * limiter and is counted, none is refused) and its Prometheus port on; the workload of
 * bench/load/workload.ts seeds companies and customers through the API, warms up, then
 *
 * 1. finds the maximum mixed rate: an open-loop probe (every connection sends its next request
 *    when the last is answered) of `BENCH_LOAD_PROBE_SECONDS` (10);
 * 2. runs at half of it for `BENCH_LOAD_SECONDS` (120), paced (latency from when a request was
 *    due), and prints throughput and p50/p99/p99.9 per operation and in total, the error count,
 *    and the server's CPU time per operation. **Bar: zero errors and a total p99 of at most
 *    100 ms**; PASS/FAIL per database, and the exit code is non-zero when either fails.
 *
 * `--soak` (or `BENCH_LOAD_SOAK=1`) replaces step 2 by `BENCH_SOAK_MINUTES` (30) at half the
 * maximum, in segments of at most 4 minutes (tokens expire after 10; each segment's are made just
 * before it, a pause of a second or two), sampling the server's resident memory (VmRSS of
 * /proc/<pid>/status) and V8 heap in use (`nodejs_heap_size_used_bytes` of its /metrics) every
 * 10 s. After the warm-up (the first `BENCH_SOAK_WARMUP_MINUTES`, 5; a third of the soak when that
 * is shorter than 1.5 times it) a least-squares line through each series gives its growth per
 * 10 minutes. **Bar: flat** = RSS and heap each grow by less than 5 % of their mean per 10
 * minutes, and the heap does not rise from third to third of the measured window (medians of
 * the three thirds strictly increasing with the last more than 2 % above the first).
 *
 * Other settings: `BENCH_DATABASES` (`sqlite,postgres`), `BENCH_LOAD_CONNECTIONS` (32),
 * `BENCH_RATE_LIMIT` (per minute, address and key alike; `0` switches the limiter off),
 * `BENCH_SERVER=/path/index.js` (a server built elsewhere), `BENCH_LOAD_PSEUDONYMS` (400 seeded
 * grants), `BENCH_PG_DIAGNOSE=1` (PostgreSQL's top statements and lock waits during the run at
 * half, bench/load/postgres-diagnosis.ts), `BENCH_NODE_ARGS` (extra flags for the server's node,
 * e.g. `--trace-gc`), `BENCH_LOAD_KEEP=1` (keep the run's directory with the server's log),
 * `BENCH_PG_SETTINGS="name=value ..."` (settings of the throwaway cluster, for a hypothesis).
 * Figures go to docs/performance.md, section "Load".
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { loadAverage, machine } from './machine';
import { join } from 'node:path';
import { startPostgres } from '../scripts/postgres.mjs';
import {
  benchNodeArgs,
  ensureBuilt,
  residentBytes,
  scrapeMetrics,
  startServer,
  type RunningServer,
} from './load/built-server';
import {
  diagnosePostgres,
  diagnosisSettings,
  type PostgresDiagnosis,
} from './load/postgres-diagnosis';
import { formatRun, Workload, type RunResult } from './load/workload';

const env = process.env;
const runSeconds = Number(env.BENCH_LOAD_SECONDS ?? 120);
const probeSeconds = Number(env.BENCH_LOAD_PROBE_SECONDS ?? 10);
const warmupSeconds = Number(env.BENCH_LOAD_WARMUP_SECONDS ?? 5);
const connections = Number(env.BENCH_LOAD_CONNECTIONS ?? 32);
const pseudonyms = Number(env.BENCH_LOAD_PSEUDONYMS ?? 400);
const rateLimit = env.BENCH_RATE_LIMIT ?? '1000000000';
const databases = (env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((d) => d.trim());
const serverEntry = env.BENCH_SERVER;
const diagnose = env.BENCH_PG_DIAGNOSE === '1';
/** `BENCH_LOAD_KEEP=1`: keep the run's directory (server.log, databases) and print where it is. */
const keep = env.BENCH_LOAD_KEEP === '1';
/**
 * `BENCH_PG_SETTINGS="name=value name=value"`: further settings of the throwaway cluster, to test
 * a hypothesis (e.g. `synchronous_commit=off` to see what the WAL flush costs); never a figure.
 */
const extraPostgresSettings = Object.fromEntries(
  (env.BENCH_PG_SETTINGS ?? '')
    .split(' ')
    .filter((setting) => setting !== '')
    .map((setting) => {
      const at = setting.indexOf('=');
      if (at < 1) throw new Error(`BENCH_PG_SETTINGS: "${setting}" is not name=value`);
      return [setting.slice(0, at), setting.slice(at + 1)];
    }),
);
const soak = process.argv.includes('--soak') || env.BENCH_LOAD_SOAK === '1';
const soakMinutes = Number(env.BENCH_SOAK_MINUTES ?? 30);
const soakWarmupMinutes = Number(env.BENCH_SOAK_WARMUP_MINUTES ?? 5);
const sampleSeconds = 10;
/** A paced segment stays well inside the 10-minute life of the tokens made before it. */
const segmentSeconds = 240;
const bars = { p99Ms: 100, growthPer10Min: 0.05, thirdsRise: 0.02 };

interface Sample {
  /** Seconds since the soak started. */
  at: number;
  rss: number | undefined;
  heap: number | undefined;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

/** Least-squares slope of `y` over `x`. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** The verdict on one memory series after the warm-up (see the file comment). */
function judgeSeries(
  name: string,
  samples: { at: number; value: number }[],
  risingThirdsCount: boolean,
): { line: string; pass: boolean } {
  if (samples.length < 6) {
    return { line: `${name}: too few samples (${samples.length}) after the warm-up`, pass: false };
  }
  const mean = samples.reduce((s, p) => s + p.value, 0) / samples.length;
  const per10Min = slope(samples.map((p) => ({ x: p.at, y: p.value }))) * 600;
  const third = Math.floor(samples.length / 3);
  const thirds = [
    median(samples.slice(0, third).map((p) => p.value)),
    median(samples.slice(third, 2 * third).map((p) => p.value)),
    median(samples.slice(2 * third).map((p) => p.value)),
  ] as const;
  const rising =
    thirds[0] < thirds[1] && thirds[1] < thirds[2] && thirds[2] > thirds[0] * (1 + bars.thirdsRise);
  const growthOk = per10Min < bars.growthPer10Min * mean;
  const pass = growthOk && !(risingThirdsCount && rising);
  const sign = per10Min >= 0 ? '+' : '-';
  return {
    line: `${name}: mean ${mib(mean)}, ${sign}${mib(Math.abs(per10Min))} per 10 min (${(
      (100 * per10Min) /
      mean
    ).toFixed(1)} %, bar < ${100 * bars.growthPer10Min} %); medians of the thirds ${thirds
      .map(mib)
      .join(
        ' → ',
      )}${risingThirdsCount ? (rising ? ' (rising)' : ' (not rising)') : ''}: ${pass ? 'PASS' : 'FAIL'}`,
    pass,
  };
}

function serverCpuLine(
  before: ReturnType<RunningServer['cpu']>,
  after: ReturnType<RunningServer['cpu']>,
  result: RunResult,
): string {
  if (before === undefined || after === undefined || result.total.ok === 0) return '';
  const per = (micro: number) => Math.round(micro / result.total.ok).toLocaleString('en');
  const busy = (after.all - before.all) / 1e6 / result.seconds;
  return `server CPU per operation: ${per(after.loop - before.loop)} µs event loop, ${per(
    after.all - before.all,
  )} µs all threads (${(100 * busy).toFixed(0)} % of one core on average)`;
}

async function benchDatabase(
  name: string,
  database: { url?: string; path?: string },
  dir: string,
  diagnosis?: PostgresDiagnosis,
): Promise<boolean> {
  const server = await startServer(database, {
    dir,
    ...(serverEntry === undefined ? {} : { entry: serverEntry }),
    metrics: true,
    nodeArgs: benchNodeArgs,
    env: { RATE_LIMIT_ADDRESS_PER_MINUTE: rateLimit, RATE_LIMIT_KEY_PER_MINUTE: rateLimit },
  });
  try {
    const seeding = performance.now();
    const workload = await Workload.create(
      { url: server.url, origin: server.origin },
      { pseudonyms },
    );
    try {
      console.log(
        `\n### ${name}\n\nseeded ${pseudonyms} grants of 4 companies in ${(
          (performance.now() - seeding) /
          1000
        ).toFixed(1)} s; log size ${workload.logSize}`,
      );
      if (warmupSeconds > 0) await workload.run({ seconds: warmupSeconds, connections });
      const probe = await workload.run({ seconds: probeSeconds, connections });
      console.log(
        `\nmaximum (open loop, ${connections} connections, ${probe.seconds.toFixed(1)} s): ${probe.throughput.toFixed(
          1,
        )} ops/s, p99 ${probe.total.p99.toFixed(1)} ms, ${probe.errors} errors\n\n${formatRun(probe)}`,
      );
      if (probe.errors > 0) console.log(`errors: ${probe.errorSamples.join('\n        ')}`);
      const half = Math.max(1, probe.throughput / 2);
      await diagnosis?.reset();
      const passed = soak
        ? await soakAt(server, workload, half)
        : await runAt(server, workload, half);
      if (diagnosis !== undefined) console.log(`\n${await diagnosis.report()}`);
      return passed;
    } finally {
      await workload.close();
    }
  } finally {
    await server.stop();
  }
}

/**
 * The server's event-loop delay since the last scrape (prom-client resets its
 * `monitorEventLoopDelay` histogram on every scrape): where a latency tail comes from a stalled
 * loop (a long synchronous step, a garbage collection) rather than from waiting on the database.
 */
async function loopDelayLine(server: RunningServer): Promise<string> {
  const metrics = await scrapeMetrics(server.metricsUrl).catch(() => new Map<string, number>());
  const ms = (name: string) => {
    const seconds = metrics.get(name);
    return seconds === undefined ? '?' : (seconds * 1000).toFixed(1);
  };
  return `server event-loop delay during the run: p50 ${ms('nodejs_eventloop_lag_p50_seconds')} ms, p99 ${ms('nodejs_eventloop_lag_p99_seconds')} ms, max ${ms('nodejs_eventloop_lag_max_seconds')} ms`;
}

async function runAt(server: RunningServer, workload: Workload, rate: number): Promise<boolean> {
  await loopDelayLine(server); // resets the server's loop-delay histogram
  const before = server.cpu();
  const segments: RunResult[] = [];
  for (let left = runSeconds; left > 0; left -= segmentSeconds) {
    segments.push(
      await workload.run({ seconds: Math.min(left, segmentSeconds), rate, connections }),
    );
  }
  // One segment for the default two minutes; longer runs print each and judge the worst.
  const result = segments.reduce((worst, s) => (s.total.p99 > worst.total.p99 ? s : worst));
  const errors = segments.reduce((sum, s) => sum + s.errors, 0);
  const after = server.cpu();
  const p99Ok = result.total.p99 <= bars.p99Ms;
  console.log(
    `\nat half the maximum (${rate.toFixed(1)} ops/s paced, ${connections} connections, ${runSeconds} s):\n`,
  );
  for (const segment of segments) console.log(`${formatRun(segment)}\n`);
  console.log(serverCpuLine(before, after, segments[0]!));
  console.log(await loopDelayLine(server));
  console.log(
    `p99 at half the maximum = ${result.total.p99.toFixed(1)} ms (bar <= ${bars.p99Ms} ms): ${p99Ok ? 'PASS' : 'FAIL'}`,
  );
  console.log(`errors = ${errors} (bar 0): ${errors === 0 ? 'PASS' : 'FAIL'}`);
  for (const segment of segments) {
    if (segment.errors > 0) console.log(`errors: ${segment.errorSamples.join('\n        ')}`);
  }
  return p99Ok && errors === 0;
}

async function soakAt(server: RunningServer, workload: Workload, rate: number): Promise<boolean> {
  const totalSeconds = soakMinutes * 60;
  const warmup =
    totalSeconds >= soakWarmupMinutes * 60 * 1.5 ? soakWarmupMinutes * 60 : totalSeconds / 3;
  console.log(
    `\nsoak: ${soakMinutes} min at ${rate.toFixed(1)} ops/s (half the maximum), memory every ${sampleSeconds} s, warm-up ${(
      warmup / 60
    ).toFixed(1)} min\n`,
  );
  const samples: Sample[] = [];
  const started = performance.now();
  const sample = async () => {
    const heap = (await scrapeMetrics(server.metricsUrl)).get('nodejs_heap_size_used_bytes');
    samples.push({
      at: (performance.now() - started) / 1000,
      rss: residentBytes(server.pid),
      heap,
    });
  };
  await sample();
  const timer = setInterval(() => void sample(), sampleSeconds * 1000);
  let errors = 0;
  let worstP99 = 0;
  console.log('| minute | ops/s | p50 ms | p99 ms | p99.9 ms | errors | RSS | heap used |');
  console.log('| -----: | ----: | -----: | -----: | -------: | -----: | --: | --------: |');
  try {
    for (let left = totalSeconds; left > 0; left -= segmentSeconds) {
      const result = await workload.run({
        seconds: Math.min(left, segmentSeconds),
        rate,
        connections,
      });
      errors += result.errors;
      worstP99 = Math.max(worstP99, result.total.p99);
      const last = samples[samples.length - 1];
      console.log(
        `| ${((performance.now() - started) / 60_000).toFixed(1).padStart(6)} | ${result.throughput.toFixed(1)} | ${result.total.p50.toFixed(
          1,
        )} | ${result.total.p99.toFixed(1)} | ${result.total.p999.toFixed(1)} | ${result.errors} | ${
          last?.rss === undefined ? '-' : mib(last.rss)
        } | ${last?.heap === undefined ? '-' : mib(last.heap)} |`,
      );
      if (result.errors > 0) console.log(`errors: ${result.errorSamples.join('\n        ')}`);
    }
  } finally {
    clearInterval(timer);
  }
  await sample();
  const measured = samples.filter((s) => s.at >= warmup);
  const rss = judgeSeries(
    'RSS',
    measured.flatMap((s) => (s.rss === undefined ? [] : [{ at: s.at, value: s.rss }])),
    false,
  );
  const heap = judgeSeries(
    'heap used',
    measured.flatMap((s) => (s.heap === undefined ? [] : [{ at: s.at, value: s.heap }])),
    true,
  );
  console.log(
    `\nmemory after the warm-up (${measured.length} samples over ${(
      ((measured[measured.length - 1]?.at ?? 0) - (measured[0]?.at ?? 0)) /
      60
    ).toFixed(1)} min):\n${rss.line}\n${heap.line}`,
  );
  console.log(`worst segment p99 = ${worstP99.toFixed(1)} ms (for information)`);
  console.log(`errors = ${errors} (bar 0): ${errors === 0 ? 'PASS' : 'FAIL'}`);
  console.log(`memory flat after warm-up: ${rss.pass && heap.pass ? 'PASS' : 'FAIL'}`);
  return rss.pass && heap.pass && errors === 0;
}

async function main(): Promise<void> {
  ensureBuilt('bench:load', serverEntry);
  console.log(
    `bench:load${soak ? ' --soak' : ''}: ${machine()}, probe ${probeSeconds} s, ${
      soak ? `soak ${soakMinutes} min` : `run ${runSeconds} s`
    }, ${connections} connections, rate limits ${rateLimit}/min`,
  );
  let pass = true;
  const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-bench-load-'));
  try {
    if (databases.includes('sqlite')) {
      const sqliteDir = join(dir, 'sqlite');
      mkdirSync(sqliteDir);
      pass =
        (await benchDatabase('SQLite', { path: join(sqliteDir, 'bench.db') }, sqliteDir)) && pass;
    }
    if (databases.includes('postgres')) {
      const postgres = (await startPostgres({
        settings: { ...(diagnose ? diagnosisSettings : {}), ...extraPostgresSettings },
      })) as {
        url: string;
        dataDir: string;
        stop(): Promise<void>;
      };
      const diagnosis = diagnose
        ? await diagnosePostgres(postgres.url, postgres.dataDir)
        : undefined;
      try {
        const postgresDir = join(dir, 'postgres');
        mkdirSync(postgresDir);
        pass =
          (await benchDatabase('PostgreSQL', { url: postgres.url }, postgresDir, diagnosis)) &&
          pass;
      } finally {
        await diagnosis?.close();
        await postgres.stop();
      }
    }
  } finally {
    console.log(`\nload average after the run: ${loadAverage()}`);
    if (keep) console.log(`kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nbench:load: ${pass ? 'PASS' : 'FAIL'}`);
  process.exitCode = pass ? 0 : 1;
}

await main();
