#!/usr/bin/env node
/**
 * A throwaway PostgreSQL cluster for tests: a fresh data directory under the system temp dir,
 * listening on 127.0.0.1 at a free port, with its unix socket inside that directory, removed
 * again by `stop()`.
 *
 * Durability settings are left at PostgreSQL's defaults (fsync and synchronous_commit on): the
 * storage tests assert that an acknowledged write is committed, and that only means something
 * when the server actually syncs. Only `listen_addresses`, `port` and `unix_socket_directories`
 * are set.
 *
 * Root: initdb refuses to run as root, so when this process is root every PostgreSQL binary is
 * started with the uid/gid of the `postgres` system user (what `runuser -u postgres --` does,
 * without a shell in between), and the data directory is chowned to that user first.
 *
 * Leftovers: `stop()` is the normal path. If this Node process dies without calling it
 * (SIGKILL, crash), a small detached watchdog shell, started with the cluster, notices within
 * a second that this process is gone, stops the server (`pg_ctl stop -m immediate`) and removes
 * the directory; an `exit` handler does the same synchronously on an ordinary exit.
 *
 * Plain Node ESM with no dependencies: it runs before `npm install` has finished and from the
 * Vitest global setup alike.
 *
 * CLI: `node scripts/postgres.mjs start` starts a cluster, prints `DATABASE_URL=...` and keeps
 * it running until Ctrl-C (SIGINT) or SIGTERM.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const installHint =
  'PostgreSQL is not installed: run `apt-get install -y postgresql` as root (Debian), or put the directory holding initdb and pg_ctl on PATH.';

/** Name of the database created in the cluster and named by the returned URL. */
export const testDatabaseName = 'clearinghouse_test';

/**
 * Starts a throwaway PostgreSQL cluster and creates the database {@link testDatabaseName}.
 *
 * @param {{ port?: number, startTimeoutSeconds?: number, settings?: Record<string, string> }} [options]
 *   `port` defaults to a free loopback port; `startTimeoutSeconds` bounds the wait for the server
 *   (default 60); `settings` are further server settings (`-c name=value`), for diagnosing a
 *   benchmark (e.g. `{ log_lock_waits: 'on' }`), never for the tests' durability.
 * @returns {Promise<{ url: string, port: number, dataDir: string, stop: () => Promise<void> }>}
 * @throws {Error} with one sentence saying what to install when PostgreSQL's binaries are missing.
 *
 * @example
 * ```js
 * const pg = await startPostgres();
 * try { await runTests(pg.url); } finally { await pg.stop(); }
 * ```
 */
/**
 * `name=value` for the server's command line, refused unless both are plain words: pg_ctl passes
 * the line through /bin/sh.
 */
function checkedSetting(name, value) {
  if (!/^[a-z_][a-z0-9_.]*$/.test(name) || !/^[A-Za-z0-9_.,:-]*$/.test(String(value))) {
    throw new Error(
      `PostgreSQL setting ${name}=${value}: only letters, digits and _ . , : - allowed.`,
    );
  }
  return `${name}=${value}`;
}

export async function startPostgres(options = {}) {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error(installHint);
  const user = runAsUser();
  const timeout = options.startTimeoutSeconds ?? 60;
  const extra = Object.entries(options.settings ?? {})
    .map(([name, value]) => ` -c ${checkedSetting(name, value)}`)
    .join('');

  const dataDir = mkdtempSync(join(tmpdir(), 'clearinghouse-pg-'));
  if (user !== undefined) chownSync(dataDir, user.uid, user.gid);
  const pgdata = join(dataDir, 'data');
  const logFile = join(dataDir, 'server.log');
  let stopped = false;
  let watchdog;

  const cleanupSync = () => {
    if (stopped) return;
    stopped = true;
    // Immediate: this runs on process exit, where there is no time for a clean shutdown and the
    // data is thrown away anyway.
    spawnSync(join(bin, 'pg_ctl'), ['stop', '-D', pgdata, '-m', 'immediate', '-w'], {
      ...spawnOptions(user),
      stdio: 'ignore',
    });
    if (watchdog?.pid !== undefined) killQuietly(watchdog.pid);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    run(
      bin,
      'initdb',
      ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--no-locale'],
      user,
    );

    let port = options.port;
    for (let attempt = 1; ; attempt++) {
      port = options.port ?? (await freePort());
      // The free port is found by binding port 0 and closing it; another process may take it in
      // between, so a failed start is retried with a new port (unless the caller fixed the port).
      const started = spawnSync(
        join(bin, 'pg_ctl'),
        [
          'start',
          '-D',
          pgdata,
          '-l',
          logFile,
          '-w',
          '-t',
          String(timeout),
          '-o',
          // pg_ctl hands these to the server through /bin/sh; the temp path has no spaces or quotes.
          `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dataDir}${extra}`,
        ],
        { ...spawnOptions(user), encoding: 'utf8' },
      );
      if (started.status === 0) break;
      if (options.port !== undefined || attempt >= 3) {
        throw new Error(
          `PostgreSQL did not start: ${lastLines(started.stderr)} ${lastLines(readQuietly(logFile))}`.trim(),
        );
      }
    }

    watchdog = startWatchdog(bin, pgdata, dataDir, user);
    process.once('exit', cleanupSync);

    run(
      bin,
      'createdb',
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', testDatabaseName],
      user,
    );

    const url = `postgres://postgres@127.0.0.1:${port}/${testDatabaseName}`;
    return {
      url,
      port,
      dataDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', cleanupSync);
        if (watchdog?.pid !== undefined) killQuietly(watchdog.pid);
        await runAsync(
          join(bin, 'pg_ctl'),
          ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'],
          user,
        );
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener('exit', cleanupSync);
    cleanupSync();
    throw error;
  }
}

/**
 * The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout), else
 * the directory on PATH that holds both initdb and pg_ctl; undefined when there is none.
 *
 * @returns {string | undefined}
 */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (hasBinaries(bin)) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && hasBinaries(dir)) return dir;
  }
  return undefined;
}

function hasBinaries(dir) {
  return ['initdb', 'pg_ctl', 'createdb'].every((name) => existsSync(join(dir, name)));
}

/**
 * The user to run PostgreSQL as: undefined when this process is not root (run as ourselves),
 * else the `postgres` system user's ids.
 *
 * @returns {{ uid: number, gid: number } | undefined}
 */
function runAsUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const fields = line?.split(':');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) {
    throw new Error(
      'PostgreSQL cannot run as root and there is no `postgres` system user: run `apt-get install -y postgresql` (it creates one).',
    );
  }
  return { uid, gid };
}

function spawnOptions(user) {
  // HOME and the cwd must be readable by the postgres user, or initdb and psql complain.
  const env = { ...process.env, LC_ALL: 'C', PGTZ: 'UTC' };
  if (user === undefined) return { env };
  return { env: { ...env, HOME: tmpdir() }, uid: user.uid, gid: user.gid, cwd: tmpdir() };
}

function run(bin, name, args, user) {
  try {
    execFileSync(join(bin, name), args, {
      ...spawnOptions(user),
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    throw new Error(`PostgreSQL's ${name} failed: ${lastLines(error.stderr ?? String(error))}`);
  }
}

function runAsync(file, args, user) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...spawnOptions(user), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_ctl stop failed: ${lastLines(stderr)}`)),
    );
  });
}

/**
 * A detached shell that outlives this process: once our pid is gone it stops the server and
 * removes the directory. It runs as the invoking user (root may need to remove a directory the
 * postgres user filled), so pg_ctl inside it is switched to the postgres user with runuser.
 */
function startWatchdog(bin, pgdata, dataDir, user) {
  const pgCtl = `'${join(bin, 'pg_ctl')}' stop -D '${pgdata}' -m immediate -w`;
  const stopCommand = user === undefined ? pgCtl : `runuser -u postgres -- ${pgCtl}`;
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `${stopCommand} >/dev/null 2>&1`,
    `rm -rf '${dataDir}'`,
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    cwd: tmpdir(),
  });
  child.unref();
  return child;
}

function killQuietly(pid) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

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

function readQuietly(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(text, count = 5) {
  return String(text ?? '')
    .trim()
    .split('\n')
    .slice(-count)
    .join(' | ');
}

async function main(argv) {
  const command = argv[2];
  if (command !== 'start') {
    console.error(
      'usage: node scripts/postgres.mjs start   (runs a throwaway cluster until Ctrl-C)',
    );
    process.exitCode = 2;
    return;
  }
  const pg = await startPostgres();
  console.log(`DATABASE_URL=${pg.url}`);
  console.log('Throwaway PostgreSQL is running; press Ctrl-C to stop it and delete its data.');
  const shutdown = () => {
    pg.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error.message);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Keep the event loop alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv).catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
