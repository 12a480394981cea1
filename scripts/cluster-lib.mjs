/**
 * A local clearinghouse cluster (issue 13, docs/scaling.md "Local cluster"): several BUILT portal
 * processes (`dist/portal/index.js`, as `npm start` runs them) on loopback, one PostgreSQL
 * database, and the round-robin proxy of scripts/cluster-proxy.mjs in front.
 *
 * Every node gets the same `ORIGIN` (the proxy's `http://localhost:<port>`, so the log origin and
 * the `aud` of messages are the cluster's), the same database, the same log and webhook key files
 * (docs/scaling.md: a node with another log key refuses to start), and runs the sequencer loop:
 * the PostgreSQL advisory-lock election (portal log/election.ts) picks the one that sequences.
 * Each node's connections carry `application_name` `clearinghouse-node-<index>` (PGAPPNAME), so
 * `pg_stat_activity` and {@link Cluster.sequencer} tell which node holds the sequencer lock.
 * The nodes trust `X-Forwarded-For` (TRUSTED_PROXY_HEADER) and the proxy appends the client's
 * address to it, so per-address rate limits see the real client, not the proxy. Nodes must then
 * only be reachable through the proxy (here: loopback).
 *
 * Node 0 starts first (it migrates the database and creates the key files), the others after it,
 * together. Node output goes to `<logDir>/node-<index>.log` (appended across restarts).
 *
 * Leftovers: `stop()` is the normal path. An `exit` handler SIGKILLs the nodes if this process
 * ends without it, and a detached watchdog shell per node process kills the node once this
 * process is gone (SIGKILL of the parent), the way scripts/postgres.mjs guards its server.
 *
 * Plain Node ESM with JSDoc types: `npm run cluster` (scripts/cluster.mjs), the cluster tests
 * (test/cluster/) and `npm run bench:cluster` import it.
 */
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startProxy } from './cluster-proxy.mjs';
import { startPostgres } from './postgres.mjs';
import { serverArgv } from './server-node-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What `npm run build:portal` produces. */
export const builtPortalEntry = join(root, 'dist', 'portal', 'index.js');

/** The sequencer's advisory lock (portal log/election.ts `sequencerLockKey`). */
const sequencerLockKey = [0x636c6872, 1];

/**
 * @typedef {object} ClusterNode
 * @property {number} index 0-based.
 * @property {string} url `http://127.0.0.1:<port>`: the node itself, bypassing the proxy.
 * @property {number} port
 * @property {number | undefined} pid The current process's pid (undefined while down).
 * @property {string | undefined} metricsUrl `http://127.0.0.1:<port>/metrics` (Prometheus), when metrics are on.
 * @property {string} logFile Where the node's output goes.
 * @property {number} starts How many times the process was started.
 * @property {() => boolean} alive Whether the process is running.
 * @property {(signal?: NodeJS.Signals) => Promise<void>} kill Sends `signal` (default SIGKILL) and resolves once the process is gone.
 * @property {() => Promise<void>} restart Starts the node again (stopping it gracefully first if it runs); resolves once healthy.
 * @property {() => Promise<void>} stop SIGTERM (graceful: the writer commits, the lock is released); SIGKILL after 15 s.
 */

/**
 * @typedef {object} Cluster
 * @property {string} url The proxy, `http://127.0.0.1:<port>`: where clients send requests.
 * @property {string} origin The cluster's public origin, `http://localhost:<proxy port>` (`ORIGIN` of every node, `aud` of company messages).
 * @property {string} databaseUrl
 * @property {ClusterNode[]} nodes
 * @property {string} logDir
 * @property {{ forwarded: number, retried: number, failed: number }} proxyStats
 * @property {() => Promise<ClusterNode | undefined>} sequencer The node whose election connection holds the sequencer lock now (from pg_locks), if any.
 * @property {() => Promise<void>} stop Stops the nodes, the proxy and (if started here) PostgreSQL; removes temporary directories.
 */

/**
 * @typedef {object} ClusterOptions
 * @property {number} [nodes] How many portal processes (default 3).
 * @property {string} [databaseUrl] An existing PostgreSQL database; omitted: a throwaway PostgreSQL (scripts/postgres.mjs), stopped by `stop()`.
 * @property {number} [proxyPort] The proxy's port (default 0: a free one).
 * @property {Record<string, string>} [env] Extra environment for every node (e.g. `RATE_LIMIT_KEY_PER_MINUTE`).
 * @property {string} [logDir] Where node logs go (kept); omitted: a temporary directory removed by `stop()`.
 * @property {boolean} [metrics] Give every node a Prometheus port (default true).
 * @property {string} [entry] The built server (default dist/portal/index.js).
 */

/**
 * Starts PostgreSQL (unless given), the proxy and `nodes` portal processes; resolves once every
 * node answers `/api/v1/health`.
 *
 * @param {ClusterOptions} [options]
 * @returns {Promise<Cluster>}
 * @throws {Error} when the build is missing or a node does not become healthy (everything
 *   started so far is stopped again).
 * @example
 * ```js
 * const cluster = await startCluster({ nodes: 3, env: { RATE_LIMIT_ADDRESS_PER_MINUTE: '0' } });
 * try {
 *   await fetch(cluster.url + '/api/v1/health');
 *   const leader = await cluster.sequencer();
 *   await leader?.kill();
 *   await leader?.restart();
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startCluster(options = {}) {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new Error('nodes must be a positive integer');
  const entry = options.entry ?? builtPortalEntry;
  if (!existsSync(entry)) {
    throw new Error(
      `The cluster needs the built portal at ${entry}: run \`npm run build:portal\` first.`,
    );
  }
  const withMetrics = options.metrics ?? true;
  const cleanups = [];
  const keyDir = mkdtempSync(join(tmpdir(), 'clearinghouse-cluster-keys-'));
  cleanups.push(() => rmSync(keyDir, { recursive: true, force: true }));
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'clearinghouse-cluster-logs-'));
  mkdirSync(logDir, { recursive: true });
  if (options.logDir === undefined) {
    cleanups.push(() => rmSync(logDir, { recursive: true, force: true }));
  }

  /** @type {ReturnType<typeof createNode>[]} */
  const nodes = [];
  let proxy;
  let postgres;
  const stopAll = async () => {
    await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)));
    await proxy?.close();
    await postgres?.stop().catch(() => undefined);
    for (const cleanup of cleanups) cleanup();
  };
  const killAllSync = () => {
    for (const node of nodes) node.killSync();
  };
  process.once('exit', killAllSync);

  try {
    let databaseUrl = options.databaseUrl;
    if (databaseUrl === undefined) {
      postgres = await startPostgres();
      databaseUrl = postgres.url;
    }
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    proxy = await startProxy({
      port: options.proxyPort ?? 0,
      upstreams: ports.map((port) => ({ port })),
      forwardedFor: true,
    });
    const origin = `http://localhost:${proxy.port}`;
    for (let index = 0; index < count; index++) {
      nodes.push(
        createNode({
          index,
          entry,
          port: ports[index],
          metricsPort: withMetrics ? await freePort() : undefined,
          logFile: join(logDir, `node-${index}.log`),
          env: {
            ...process.env,
            NODE_ENV: 'production',
            ORIGIN: origin,
            LOG_KEY_PATH: join(keyDir, 'log-key.json'),
            WEBHOOK_KEY_PATH: join(keyDir, 'webhook-key.json'),
            TRUSTED_PROXY_HEADER: 'x-forwarded-for',
            // Nodes keep idle connections longer (65 s) than the proxy's agent reuses them (30 s,
            // cluster-proxy.mjs): otherwise a node may close a connection the proxy is reusing
            // at that moment, and the request on it fails with ECONNRESET (a 502).
            KEEP_ALIVE_TIMEOUT: '65',
            ...options.env,
            // Per node and not to be overridden: where it listens and what it shares.
            PORT: String(ports[index]),
            HOST: '127.0.0.1',
            DATABASE_URL: databaseUrl,
            DATABASE_PATH: '',
            LOG_SEQUENCER: 'on',
            PGAPPNAME: `clearinghouse-node-${index}`,
          },
        }),
      );
    }
    // Node 0 migrates and creates the key files; the others then find both.
    await nodes[0].start();
    await Promise.all(nodes.slice(1).map((node) => node.start()));

    const url = databaseUrl;
    return {
      url: proxy.url,
      origin,
      databaseUrl: url,
      nodes: nodes.map((node) => node.api),
      logDir,
      proxyStats: proxy.stats,
      async sequencer() {
        const client = new pg.Client({ connectionString: url, application_name: 'cluster-probe' });
        await client.connect();
        try {
          const result = await client.query(
            `select a.application_name as name
             from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory'
               and l.database = (select oid from pg_database where datname = current_database())
               and l.classid = $1::int4::oid and l.objid = $2::int4::oid and l.objsubid = 2
               and l.granted`,
            sequencerLockKey,
          );
          const name = result.rows[0]?.name ?? '';
          const match = /^clearinghouse-node-(\d+)$/.exec(name);
          return match === null ? undefined : nodes[Number(match[1])]?.api;
        } finally {
          await client.end();
        }
      },
      async stop() {
        process.removeListener('exit', killAllSync);
        await stopAll();
      },
    };
  } catch (error) {
    process.removeListener('exit', killAllSync);
    await stopAll();
    throw error;
  }
}

/**
 * One node: its process, restartable on the same port with the same environment.
 *
 * @param {{ index: number, entry: string, port: number, metricsPort: number | undefined, logFile: string, env: NodeJS.ProcessEnv }} spec
 */
function createNode(spec) {
  const url = `http://127.0.0.1:${spec.port}`;
  const env = {
    ...spec.env,
    METRICS_PORT: spec.metricsPort === undefined ? '' : String(spec.metricsPort),
    METRICS_HOST: '127.0.0.1',
  };
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  /** @type {Promise<void>} */
  let exited = Promise.resolve();
  let starts = 0;
  const output = createWriteStream(spec.logFile, { flags: 'a' });

  const isRunning = () =>
    child !== undefined && child.exitCode === null && child.signalCode === null;

  async function start() {
    if (isRunning()) throw new Error(`node ${spec.index} is already running`);
    starts++;
    output.write(`\n--- start ${starts} ---\n`);
    const started = spawn(process.execPath, serverArgv(spec.entry), {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout.pipe(output, { end: false });
    started.stderr.pipe(output, { end: false });
    child = started;
    exited = new Promise((resolve) => {
      if (started.exitCode !== null || started.signalCode !== null) resolve(undefined);
      else started.once('exit', () => resolve(undefined));
    });
    if (started.pid !== undefined) watchdog(started.pid);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(
          `node ${spec.index} exited while starting (${started.exitCode ?? started.signalCode}); see ${spec.logFile}:\n${tail(spec.logFile)}`,
        );
      }
      const healthy = await fetch(`${url}/api/v1/health`, {
        signal: AbortSignal.timeout(5_000),
      }).then(
        (response) => response.status === 200,
        () => false,
      );
      if (healthy) return;
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(
          `node ${spec.index} did not become healthy within 60 s; see ${spec.logFile}`,
        );
      }
      await sleep(50);
    }
  }

  async function kill(signal = 'SIGKILL') {
    if (!isRunning()) return;
    child?.kill(signal);
    await exited;
  }

  async function stop() {
    if (!isRunning()) return;
    const running = child;
    running?.kill('SIGTERM');
    const timer = setTimeout(() => running?.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** @type {ClusterNode} */
  const api = {
    index: spec.index,
    url,
    port: spec.port,
    get pid() {
      return isRunning() ? child?.pid : undefined;
    },
    metricsUrl:
      spec.metricsPort === undefined ? undefined : `http://127.0.0.1:${spec.metricsPort}/metrics`,
    logFile: spec.logFile,
    get starts() {
      return starts;
    },
    alive: isRunning,
    kill,
    async restart() {
      await stop();
      await start();
    },
    stop,
  };

  return {
    api,
    start,
    async stop() {
      await stop();
      output.end();
    },
    killSync() {
      if (isRunning()) child?.kill('SIGKILL');
    },
  };
}

/**
 * A detached shell that SIGKILLs the node once this process is gone (this process was killed
 * without running its exit handler); it ends by itself when the node ends first.
 *
 * @param {number} pid
 */
function watchdog(pid) {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done`,
    `kill -9 ${pid} 2>/dev/null`,
    'exit 0',
  ].join('\n');
  const guard = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  guard.unref();
}

/** @returns {Promise<number>} A loopback port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** @param {string} file */
function tail(file) {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
