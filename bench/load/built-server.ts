/**
 * The BUILT clearinghouse (`node <server-node-args.mjs> dist/portal/index.js`, as `npm start` runs
 * it) as the benchmarks' child process on loopback (bench:api, bench:load), on a SQLite file or a
 * PostgreSQL URL, plus what the benchmarks read about a process from /proc (CPU time, resident
 * memory).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from '../../scripts/fingerprint.mjs';
import { serverArgv } from '../../scripts/server-node-args.mjs';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the portal unless `dist/portal` matches the sources (the build stamp), or `entry` names a
 * server built elsewhere (then nothing is checked).
 *
 * @throws Error when `npm run build:portal` fails.
 * @example
 * ```ts
 * ensureBuilt('bench:load', process.env.BENCH_SERVER);
 * ```
 */
export function ensureBuilt(tag: string, entry?: string): void {
  if (entry !== undefined) return console.log(`${tag}: the server is ${entry}`);
  const stamp = join(root, 'dist', '.portal-build-stamp');
  const fingerprint = sourceFingerprint(root) as string;
  const fresh =
    existsSync(join(root, 'dist', 'portal', 'index.js')) &&
    [stamp, join(root, 'dist', '.build-stamp')].some(
      (file) => existsSync(file) && readFileSync(file, 'utf8') === fingerprint,
    );
  if (fresh) return console.log(`${tag}: the portal build is up to date`);
  console.log(`${tag}: building the portal (npm run build:portal) ...`);
  const built = spawnSync('npm', ['run', 'build:portal'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build:portal failed; see above.');
  writeFileSync(stamp, fingerprint);
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** CPU time of a process so far, microseconds (see {@link processCpu}). */
export interface ProcessCpu {
  /** The main thread's (the event loop's) time on a core. */
  loop: number;
  /**
   * The main thread's time runnable but waiting for a core (schedstat's second field): what the
   * other threads and processes on the machine cost the event loop. `undefined` when the kernel
   * does not say.
   */
  loopWait?: number;
  /** All threads' time on a core. */
  all: number;
}

/**
 * CPU time of process `pid` from /proc, microseconds: `loop` and `loopWait` from the main
 * thread's schedstat (nanoseconds on the CPU, nanoseconds waiting on a run queue), `all` from
 * stat's utime + stime of all threads (clock ticks, taken as 100 per second, the kernel's USER_HZ
 * on every Linux architecture Node runs on). `undefined` without /proc or once the process is
 * gone.
 */
export function processCpu(pid: number | undefined): ProcessCpu | undefined {
  if (pid === undefined) return undefined;
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ');
    const loopNs = Number(onCpu);
    const waitNs = Number(waiting);
    const ticks = statTicks(pid);
    if (!Number.isFinite(loopNs) || ticks === undefined) return undefined;
    return {
      loop: loopNs / 1000,
      ...(Number.isFinite(waitNs) ? { loopWait: waitNs / 1000 } : {}),
      all: ticks.own * 10_000,
    };
  } catch {
    return undefined;
  }
}

/**
 * Fields of /proc/<pid>/stat (or of one thread's, /proc/<pid>/task/<tid>/stat) in clock ticks:
 * `own` = utime + stime, `children` = cutime + cstime (children that ended and were waited for),
 * and the parent's pid.
 */
export function statTicks(
  pid: number,
  tid?: string,
): { own: number; children: number; ppid: number } | undefined {
  try {
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    const stat = readFileSync(
      tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
      'utf8',
    );
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14-17.
    const own = Number(fields[11]) + Number(fields[12]);
    const children = Number(fields[13]) + Number(fields[14]);
    const ppid = Number(fields[1]);
    return Number.isFinite(own) ? { own, children, ppid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of each thread of process `pid` so far, microseconds by thread id (utime + stime of
 * /proc/<pid>/task/<tid>/stat); `undefined` without /proc or once the process is gone.
 */
export function threadCpu(pid: number | undefined): Map<string, number> | undefined {
  if (pid === undefined) return undefined;
  const threads = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      // undefined: the thread ended between the listing and the read.
      const ticks = statTicks(pid, tid);
      if (ticks !== undefined) threads.set(tid, ticks.own * 10_000);
    }
  } catch {
    return undefined;
  }
  return threads;
}

/**
 * CPU time of one PostgreSQL cluster so far, microseconds: its postmaster's (with its children
 * that ended: cutime + cstime) and that of its living children, the backends and background
 * processes (clock ticks taken as 100 per second). `undefined` without /proc or once the
 * postmaster is gone.
 */
export function postgresCpu(postmasterPid: number | undefined): number | undefined {
  if (postmasterPid === undefined) return undefined;
  const postmaster = statTicks(postmasterPid);
  if (postmaster === undefined) return undefined;
  let ticks = postmaster.own + postmaster.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statTicks(Number(entry));
    if (child !== undefined && child.ppid === postmasterPid) ticks += child.own;
  }
  return ticks * 10_000;
}

/** The postmaster's pid from a cluster's data directory (`postmaster.pid`), `undefined` if none. */
export function postmasterPidOf(pgdata: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory of `pid` in bytes (VmRSS of /proc/<pid>/status); `undefined` when gone. */
export function residentBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

export interface RunningServer {
  /** `http://localhost:<port>`: the public origin (`aud` of company messages and requests). */
  origin: string;
  /** `http://127.0.0.1:<port>`: where requests go. */
  url: string;
  pid: number | undefined;
  /** `http://127.0.0.1:<port>/metrics` when started with `metrics: true`. */
  metricsUrl: string | undefined;
  /** CPU time the server used so far, microseconds; `undefined` without /proc (not Linux). */
  cpu(): ProcessCpu | undefined;
  /** SIGTERM (the server stops cleanly: a `--cpu-prof` profile is written), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`: extra flags for the server's node, after
 * the ones `npm start` gives it (scripts/server-node-args.mjs), so the later of two opposite V8 flags
 * wins (`BENCH_NODE_ARGS=--allocation-site-pretenuring` measures the server with V8's default).
 */
export const benchNodeArgs = (process.env.BENCH_NODE_ARGS ?? '')
  .split(' ')
  .filter((arg) => arg !== '');

export interface ServerOptions {
  /** Where the server's output goes (`server.log`) and its key files live. */
  dir: string;
  /** The built server (default dist/portal/index.js). */
  entry?: string;
  /** Extra flags for node, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Extra environment (rate limits, ...), over the defaults below. */
  env?: Record<string, string>;
  /** Serve Prometheus metrics on a free loopback port (`METRICS_PORT`). */
  metrics?: boolean;
}

/**
 * Starts the built server on a free loopback port on `database` (a SQLite `path` or a PostgreSQL
 * `url`) and resolves once `/api/v1/health` answers.
 *
 * @throws Error when the server exits or stays silent for 60 s (its log tail in the message).
 * @example
 * ```ts
 * const server = await startServer({ path: join(dir, 'bench.db') }, { dir, metrics: true });
 * ```
 */
export async function startServer(
  database: { url?: string; path?: string },
  options: ServerOptions,
): Promise<RunningServer> {
  const port = await freePort();
  const metricsPort = options.metrics === true ? await freePort() : undefined;
  const origin = `http://localhost:${port}`;
  const logFile = join(options.dir, 'server.log');
  // The server writes its log to the file itself: piped through this process, every log line
  // would cost the load generator, which shares the machine's cores, a read and a write.
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, serverArgv(options.entry, options.nodeArgs), {
    cwd: root,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ORIGIN: origin,
      DATABASE_URL: database.url ?? '',
      ...(database.path === undefined ? {} : { DATABASE_PATH: database.path }),
      LOG_KEY_PATH: join(options.dir, 'log-key.json'),
      WEBHOOK_KEY_PATH: join(options.dir, 'webhook-key.json'),
      WEBHOOKS: 'off',
      METRICS_PORT: metricsPort === undefined ? '' : String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      ...options.env,
    },
  });
  closeSync(log);
  // Never leave a server behind when the benchmark itself ends early.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the server exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8').slice(-4000)}`,
      );
    }
    const up = await fetch(`${url}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('the server did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    url,
    pid: child.pid,
    metricsUrl: metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}/metrics`,
    cpu: () => processCpu(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', orphanGuard);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/**
 * One scrape of a Prometheus text endpoint: every sample without labels (and the sum over label
 * sets for labelled ones), by metric name. Empty when the scrape fails.
 *
 * @example
 * ```ts
 * const heap = (await scrapeMetrics(server.metricsUrl)).get('nodejs_heap_size_used_bytes');
 * ```
 */
export async function scrapeMetrics(url: string | undefined): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  if (url === undefined) return values;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return values;
    text = await response.text();
  } catch {
    return values;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    values.set(match[1]!, (values.get(match[1]!) ?? 0) + value);
  }
  return values;
}
