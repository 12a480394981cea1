/**
 * The BUILT clearinghouse (`node <server-node-args.mjs> dist/portal/index.js`, as `npm start` runs
 * it) as a child process the fault test can kill with SIGKILL and start again on the same port,
 * database and key files.
 *
 * Every start appends the server's output to `server.log` in the run's folder, so a failure can be
 * read afterwards; the test prints its path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverArgv } from '../../scripts/server-node-args.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * What `npm run build:portal` produces; `npm test` builds it before Vitest runs.
 * `FAULT_SERVER=/path/to/index.js` runs a copy built elsewhere (a long run that must not see
 * dist/ rebuilt under it).
 */
export const builtServerEntry =
  process.env.FAULT_SERVER?.trim() || join(root, 'dist', 'portal', 'index.js');

/** Where the server keeps its state: SQLite file or PostgreSQL URL, and the key files. */
export interface ServerStorage {
  /** The run's folder: key files and server.log. */
  dir: string;
  sqlitePath?: string;
  postgresUrl?: string;
}

export interface BuiltServer {
  /** `http://localhost:<port>`: the public origin (log origin, `aud` of messages). */
  readonly origin: string;
  /** `http://127.0.0.1:<port>`: where requests go (the server binds the loopback address). */
  readonly url: string;
  readonly logFile: string;
  /** How many times the process was started. */
  readonly starts: number;
  /** Starts the process and resolves once `/api/v1/health` answers 200. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, nothing is flushed. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (graceful: the writer commits, the database closes). */
  stop(): Promise<void>;
}

/**
 * Prepares (does not start) the built server on a free loopback port.
 *
 * @throws Error when `dist/portal/index.js` is missing (a missing build fails the test, it never
 *   skips it).
 * @example
 * ```ts
 * const server = await builtServer({ dir, sqlitePath: join(dir, 'clearinghouse.db') });
 * await server.start();
 * await server.kill();
 * await server.start(); // same port, database and keys
 * ```
 */
export async function builtServer(storage: ServerStorage): Promise<BuiltServer> {
  if (!existsSync(builtServerEntry)) {
    throw new Error(
      `The fault test needs the built portal at ${builtServerEntry}: run \`npm run build:portal\` first (npm test does).`,
    );
  }
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(storage.dir, 'server.log');
  const env: NodeJS.ProcessEnv = {
    ...serverEnvironment(port, storage),
    WEBHOOKS: 'off',
    METRICS_PORT: '',
    // One client sends everything from one address and few keys; the limits have their own tests.
    RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
    RATE_LIMIT_KEY_PER_MINUTE: '0',
  };
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output: WriteStream | undefined;
  let starts = 0;

  const waitExit = (process: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (process.exitCode !== null || process.signalCode !== null) return resolve();
      process.once('exit', () => resolve());
    });

  return {
    origin,
    url,
    logFile,
    get starts() {
      return starts;
    },
    async start() {
      if (child !== undefined) throw new Error('the server is already running');
      starts++;
      output = createWriteStream(logFile, { flags: 'a' });
      output.write(`\n--- start ${starts} ---\n`);
      const started = spawn(process.execPath, serverArgv(builtServerEntry), {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.stdout!.pipe(output, { end: false });
      started.stderr!.pipe(output, { end: false });
      child = started;
      exited = waitExit(started);
      // Never leave a server behind when the test process itself ends early.
      const orphanGuard = () => started.kill('SIGKILL');
      process.once('exit', orphanGuard);
      void exited.then(() => process.removeListener('exit', orphanGuard));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (started.exitCode !== null || started.signalCode !== null) {
          child = undefined;
          throw new Error(
            `the built server exited while starting (${started.exitCode ?? started.signalCode}); see ${logFile}:\n${tail(logFile)}`,
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
          throw new Error(`the built server did not become healthy within 60 s; see ${logFile}`);
        }
        await sleep(50);
      }
    },
    async kill() {
      const running = child;
      if (running === undefined) return;
      running.kill('SIGKILL');
      await exited;
      child = undefined;
    },
    async stop() {
      const running = child;
      if (running === undefined) return;
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      child = undefined;
      output?.end();
    },
  };
}

/**
 * The environment `npm start` gives the built server, on loopback `port` with its state in
 * `storage` (this process's environment underneath; callers add or override the rest).
 *
 * @example
 * ```ts
 * spawn(process.execPath, serverArgv(builtServerEntry), {
 *   env: { ...serverEnvironment(port, { dir, sqlitePath }), METRICS_PORT: '' },
 * });
 * ```
 */
export function serverEnvironment(port: number, storage: ServerStorage): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    ORIGIN: `http://localhost:${port}`,
    DATABASE_URL: storage.postgresUrl ?? '',
    DATABASE_PATH: storage.sqlitePath ?? '',
    LOG_KEY_PATH: join(storage.dir, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(storage.dir, 'webhook-key.json'),
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
