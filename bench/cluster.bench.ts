/**
 * Measured scaling (issue 13): the mixed workload of bench/load/workload.ts through the local
 * cluster's proxy (scripts/cluster-lib.mjs) against 1, 2 and 3 portal nodes on one PostgreSQL
 * server, and where the time goes:
 *
 *   npm run bench:cluster
 *
 * Per node count, on a fresh database of the same PostgreSQL server: the cluster starts (every
 * node the built dist/portal/index.js with explicit, high rate limits), the workload seeds
 * companies and customers through the proxy and warms up, then runs open loop (every connection
 * sends its next request when the last is answered) for `BENCH_CLUSTER_SECONDS` (30). Printed:
 * throughput, p50/p99 and errors; and, sampled over the measured run from /proc, the CPU each
 * node used (all its threads, and its event-loop thread alone), the CPU of PostgreSQL (the
 * postmaster and all its backends and helpers), the CPU of this process (the load generator and
 * the proxy, which run here), the whole machine's busy time, and the sequencer lag
 * (`clearinghouse_sequencer_lag_entries` / `_seconds` of the nodes' /metrics, every 2 s).
 *
 * **Where the bottleneck sits** is read from those shares, one line per node count: a node whose
 * event loop ran more than 90 % of the time is CPU-bound in JavaScript; a sequencer lag over 1 s
 * means the log's single sequencer falls behind; otherwise the largest consumer among nodes,
 * PostgreSQL and the driver, and whether the machine's two cores were saturated (then adding
 * nodes only moves the same CPU around; the curve on a bigger machine is what the shares
 * predict). No bar: the issue asks for the curve and the analysis (docs/performance.md
 * "Cluster", docs/scaling.md).
 *
 * `BENCH_CLUSTER_NODES` (`1,2,3`), `BENCH_CLUSTER_SECONDS`, `BENCH_CLUSTER_WARMUP_SECONDS` (5),
 * `BENCH_CLUSTER_CONNECTIONS` (32), `BENCH_LOAD_PSEUDONYMS` (400 seeded grants),
 * `BENCH_RATE_LIMIT`, `BENCH_SERVER` (a server built elsewhere).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadAverage, machine } from './machine';
import pg from 'pg';
import { startCluster } from '../scripts/cluster-lib.mjs';
import { startPostgres } from '../scripts/postgres.mjs';
import { ensureBuilt, processCpu, scrapeMetrics, statTicks } from './load/built-server';
import { formatRun, Workload, type RunResult } from './load/workload';

const env = process.env;
const nodeCounts = (env.BENCH_CLUSTER_NODES ?? '1,2,3').split(',').map((n) => Number(n.trim()));
const runSeconds = Number(env.BENCH_CLUSTER_SECONDS ?? 30);
const warmupSeconds = Number(env.BENCH_CLUSTER_WARMUP_SECONDS ?? 5);
const connections = Number(env.BENCH_CLUSTER_CONNECTIONS ?? 32);
const pseudonyms = Number(env.BENCH_LOAD_PSEUDONYMS ?? 400);
const rateLimit = env.BENCH_RATE_LIMIT ?? '1000000000';
const serverEntry = env.BENCH_SERVER;
/** Clock ticks per second (USER_HZ), as in built-server.ts. */
const ticksPerSecond = 100;

interface Cluster {
  url: string;
  origin: string;
  nodes: { index: number; pid: number | undefined; metricsUrl: string | undefined }[];
  sequencer(): Promise<{ index: number } | undefined>;
  stop(): Promise<void>;
}

/** Busy and total jiffies of the whole machine (/proc/stat, first line). */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const values = fields.map(Number);
  const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
  const idle = values[3]! + values[4]!; // idle + iowait
  return { busy: total - idle, total };
}

/**
 * CPU ticks of PostgreSQL: the postmaster's own, those of its children that ended (cutime), and
 * those of every live child (backends, WAL writer, checkpointer, ...).
 */
function postgresTicks(postmaster: number): number {
  const own = statTicks(postmaster);
  if (own === undefined) return 0;
  let ticks = own.own + own.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statTicks(Number(entry));
    if (child !== undefined && child.ppid === postmaster) ticks += child.own;
  }
  return ticks;
}

async function postmasterPid(databaseUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return statTicks(result.rows[0]!.pid)?.ppid;
  } finally {
    await client.end();
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

interface Shares {
  seconds: number;
  /** CPU per node, in cores (1 = one core busy all the time): all threads and the event loop. */
  nodes: { index: number; all: number; loop: number }[];
  postgres: number;
  driver: number;
  machine: number;
  lagEntriesMax: number;
  lagSecondsMax: number;
  sequencer: number | undefined;
}

/** Runs `work` while sampling the CPU shares and the sequencer lag. */
async function measured(
  cluster: Cluster,
  postmaster: number | undefined,
  work: () => Promise<RunResult>,
): Promise<{ result: RunResult; shares: Shares }> {
  const pids = cluster.nodes.map((node) => node.pid);
  const nodesBefore = pids.map((pid) => processCpu(pid));
  const pgBefore = postmaster === undefined ? 0 : postgresTicks(postmaster);
  const driverBefore = process.cpuUsage();
  const machineBefore = machineTicks();
  const started = performance.now();
  let lagEntriesMax = 0;
  let lagSecondsMax = 0;
  const lag = setInterval(() => {
    void scrapeMetrics(cluster.nodes[0]?.metricsUrl).then((values) => {
      lagEntriesMax = Math.max(
        lagEntriesMax,
        values.get('clearinghouse_sequencer_lag_entries') ?? 0,
      );
      lagSecondsMax = Math.max(
        lagSecondsMax,
        values.get('clearinghouse_sequencer_lag_seconds') ?? 0,
      );
    });
  }, 2_000);
  let result: RunResult;
  try {
    result = await work();
  } finally {
    clearInterval(lag);
  }
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineTicks();
  const driver = process.cpuUsage(driverBefore);
  const pgAfter = postmaster === undefined ? 0 : postgresTicks(postmaster);
  const nodesAfter = pids.map((pid) => processCpu(pid));
  const cores = cpus().length;
  const sequencer = (await cluster.sequencer())?.index;
  return {
    result,
    shares: {
      seconds,
      nodes: cluster.nodes.map((node, i) => {
        const before = nodesBefore[i];
        const after = nodesAfter[i];
        return before === undefined || after === undefined
          ? { index: node.index, all: 0, loop: 0 }
          : {
              index: node.index,
              all: (after.all - before.all) / 1e6 / seconds,
              loop: (after.loop - before.loop) / 1e6 / seconds,
            };
      }),
      postgres: (pgAfter - pgBefore) / ticksPerSecond / seconds,
      driver: (driver.user + driver.system) / 1e6 / seconds,
      machine:
        ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) *
        cores,
      lagEntriesMax,
      lagSecondsMax,
      sequencer,
    },
  };
}

/**
 * One sentence: where the bottleneck sits, from the shares. In this order: a node's event loop
 * busy nearly all the time; the machine's cores saturated (then the largest consumer among ours
 * names what a bigger machine would need more of); the sequencer lag over 1 s with CPU to spare;
 * otherwise waiting, not CPU.
 */
function bottleneck(shares: Shares): string {
  const cores = cpus().length;
  const nodes = shares.nodes.reduce((sum, n) => sum + n.all, 0);
  const others = Math.max(0, shares.machine - nodes - shares.postgres - shares.driver);
  const consumers = [
    { name: 'the portal nodes', cores: nodes },
    { name: 'PostgreSQL', cores: shares.postgres },
    { name: 'the load generator and proxy', cores: shares.driver },
  ].sort((a, b) => b.cores - a.cores);
  const largest = `${consumers[0]!.name} (${consumers[0]!.cores.toFixed(2)} cores)`;
  const lag = `sequencer lag up to ${shares.lagSecondsMax.toFixed(1)} s`;
  const hotLoop = shares.nodes.find((n) => n.loop >= 0.9);
  if (hotLoop !== undefined) {
    return `node CPU: node ${hotLoop.index}'s event loop is busy ${(100 * hotLoop.loop).toFixed(0)} % of the time (JavaScript per request); largest consumer ${largest}; ${lag}`;
  }
  if (shares.machine >= 0.9 * cores) {
    return `machine CPU: the ${cores} cores are saturated (${shares.machine.toFixed(2)} busy, ${others.toFixed(2)} of it other processes), so more nodes share the same CPU; of this benchmark's processes ${largest} uses most; ${lag}`;
  }
  if (shares.lagSecondsMax > 1) {
    return `the sequencer: ${lag} with CPU to spare (${shares.machine.toFixed(2)} of ${cores} cores busy)`;
  }
  return `waiting, not CPU (${shares.machine.toFixed(2)} of ${cores} cores busy): database round trips, row locks or the single durable writer; largest consumer ${largest}; ${lag}`;
}

async function benchNodes(
  count: number,
  databaseUrl: string,
): Promise<{ count: number; result: RunResult; shares: Shares }> {
  const cluster = (await startCluster({
    nodes: count,
    databaseUrl,
    ...(serverEntry === undefined ? {} : { entry: serverEntry }),
    env: {
      WEBHOOKS: 'off',
      RATE_LIMIT_ADDRESS_PER_MINUTE: rateLimit,
      RATE_LIMIT_KEY_PER_MINUTE: rateLimit,
    },
  })) as unknown as Cluster;
  try {
    const postmaster = await postmasterPid(databaseUrl);
    const workload = await Workload.create(
      { url: cluster.url, origin: cluster.origin },
      { pseudonyms },
    );
    try {
      if (warmupSeconds > 0) await workload.run({ seconds: warmupSeconds, connections });
      const { result, shares } = await measured(cluster, postmaster, () =>
        workload.run({ seconds: runSeconds, connections }),
      );
      const cores = (value: number) => value.toFixed(2);
      console.log(`
### ${count} node${count === 1 ? '' : 's'}

${formatRun(result)}

CPU over the run, in cores (1.00 = one core all the time): ${shares.nodes
        .map(
          (n) =>
            `node ${n.index}${n.index === shares.sequencer ? ' (sequencer)' : ''} ${cores(n.all)} (event loop ${cores(n.loop)})`,
        )
        .join(', ')}; PostgreSQL ${cores(shares.postgres)}; load generator + proxy ${cores(
        shares.driver,
      )}; whole machine ${cores(shares.machine)} of ${cpus().length}
sequencer lag: up to ${shares.lagEntriesMax} entries, ${shares.lagSecondsMax.toFixed(2)} s
bottleneck: ${bottleneck(shares)}`);
      if (result.errors > 0) console.log(`errors: ${result.errorSamples.join('\n        ')}`);
      return { count, result, shares };
    } finally {
      await workload.close();
    }
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  ensureBuilt('bench:cluster', serverEntry);
  console.log(
    `bench:cluster: ${machine()}, nodes ${nodeCounts.join(', ')}, ${runSeconds} s open loop each, ${connections} connections`,
  );
  const postgres = (await startPostgres()) as { url: string; stop(): Promise<void> };
  const rows: { count: number; result: RunResult; shares: Shares }[] = [];
  let errors = 0;
  try {
    for (const count of nodeCounts) {
      // A fresh database per node count, on the same PostgreSQL server.
      const url = await createDatabase(postgres.url, `clearinghouse_cluster_${count}`);
      const row = await benchNodes(count, url);
      rows.push(row);
      errors += row.result.errors;
    }
  } finally {
    await postgres.stop();
  }
  const base = rows[0]?.result.throughput ?? 0;
  console.log(`
### The curve

| nodes |  ops/s | vs ${rows[0]?.count ?? 1} | p50 ms | p99 ms | errors | nodes CPU | PostgreSQL CPU | driver CPU | machine | lag max |
| ----: | -----: | ---: | -----: | -----: | -----: | --------: | -------------: | ---------: | ------: | ------: |
${rows
  .map(
    ({ count, result, shares }) =>
      `| ${count} | ${result.throughput.toFixed(1)} | ${(base > 0 ? result.throughput / base : 0).toFixed(2)} | ${result.total.p50.toFixed(
        1,
      )} | ${result.total.p99.toFixed(1)} | ${result.errors} | ${shares.nodes
        .reduce((sum, n) => sum + n.all, 0)
        .toFixed(
          2,
        )} | ${shares.postgres.toFixed(2)} | ${shares.driver.toFixed(2)} | ${shares.machine.toFixed(
        2,
      )} | ${shares.lagSecondsMax.toFixed(2)} s |`,
  )
  .join('\n')}

(CPU in cores over the measured run; load average after the run: ${loadAverage()})`);
  // No bar on the figures; a run with errors is not a measurement.
  process.exitCode = errors === 0 ? 0 : 1;
}

await main();
