#!/usr/bin/env node
/**
 * `npm run cluster`: a local clearinghouse cluster on loopback (issue 13, docs/scaling.md "Local
 * cluster"): a throwaway PostgreSQL, three built portal processes on it and a round-robin proxy
 * in front (scripts/cluster-lib.mjs). Builds the portal first when dist/portal is missing. Prints
 * the proxy's URL (the cluster's origin) and each node's; Ctrl-C or SIGTERM stops everything and
 * removes the temporary directories (PostgreSQL's data included).
 *
 * Options: `--nodes N` (default 3), `--port P` (the proxy; default $PORT or 3000, 0 = a free
 * port), `--database-url postgres://…` (an existing database instead of the throwaway one; it is
 * kept), `--logs DIR` (keep the node logs there; default a temporary directory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtPortalEntry, startCluster } from './cluster-lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @param {string[]} argv */
function parseArguments(argv) {
  const options = {
    nodes: 3,
    port: Number(process.env.PORT ?? 3000),
    databaseUrl: undefined,
    logs: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) usage(`${name} needs a value`);
      return next;
    };
    if (name === '--nodes') options.nodes = Number(value());
    else if (name === '--port') options.port = Number(value());
    else if (name === '--database-url') options.databaseUrl = value();
    else if (name === '--logs') options.logs = value();
    else if (name === '--help' || name === '-h') usage();
    else usage(`unknown option ${name}`);
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 16) {
    usage('--nodes must be a whole number from 1 to 16');
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    usage('--port must be a port number (0 = a free one)');
  }
  return options;
}

/** @param {string} [problem] */
function usage(problem) {
  if (problem !== undefined) console.error(`cluster: ${problem}`);
  console.error(
    'usage: npm run cluster -- [--nodes N] [--port P] [--database-url postgres://…] [--logs DIR]',
  );
  process.exit(problem === undefined ? 0 : 2);
}

const options = parseArguments(process.argv.slice(2));

if (!existsSync(builtPortalEntry)) {
  console.log('cluster: dist/portal is missing; building it (npm run build:portal)');
  const built = spawnSync('npm', ['run', 'build:portal'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('cluster: the build failed; see the output above.');
    process.exit(built.status ?? 1);
  }
}

console.log(
  `cluster: starting ${options.databaseUrl === undefined ? 'a throwaway PostgreSQL, ' : ''}${options.nodes} portal nodes and the proxy …`,
);
let stopping = false;
let cluster;
try {
  cluster = await startCluster({
    nodes: options.nodes,
    proxyPort: options.port,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.logs === undefined ? {} : { logDir: options.logs }),
  });
} catch (error) {
  console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const leader = await cluster.sequencer().catch(() => undefined);
console.log(`
  Clearinghouse (proxy):  ${cluster.origin}  (bound to ${cluster.url})
  Database:               ${options.databaseUrl === undefined ? `${cluster.databaseUrl} (throwaway, deleted on exit)` : cluster.databaseUrl}
  Node logs:              ${cluster.logDir}${options.logs === undefined ? ' (deleted on exit; --logs DIR keeps them)' : ''}
${cluster.nodes
  .map(
    (node) =>
      `  Node ${node.index}:  ${node.url}  pid ${node.pid}  metrics ${node.metricsUrl ?? 'off'}${leader === node ? '  (sequencer)' : ''}`,
  )
  .join('\n')}

  Every node serves the whole API and the log; one of them sequences (PostgreSQL advisory lock).
  Press Ctrl-C to stop the cluster.
`);

/** @param {NodeJS.Signals} signal */
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\ncluster: ${signal}: stopping the nodes, the proxy and the database …`);
  cluster.stop().then(
    () => {
      console.log('cluster: stopped');
      process.exit(0);
    },
    (error) => {
      console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
// A node that dies on its own is reported (the cluster keeps serving through the others).
const reported = new Set();
const watch = setInterval(() => {
  for (const node of cluster.nodes) {
    if (node.alive() || stopping) reported.delete(node.index);
    else if (!reported.has(node.index)) {
      reported.add(node.index);
      console.error(`cluster: node ${node.index} is not running; see ${node.logFile}`);
    }
  }
}, 5_000);
process.once('exit', () => clearInterval(watch));
