/**
 * One clearinghouse process per SQLite file (database-lock.ts): a second server on the file is
 * refused, so is a restore while a server runs on it (the operator moved the files away under a
 * running server, whose acknowledged writes then went into the moved file), and a lock whose
 * process is gone is taken over. Each server is a process of its own, started as the server's
 * `init` hook starts it (`getInstance()`), without Vitest's environment.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runAsOperator } from '../test-child';
import { liveSqliteLockHolder, sqliteLockPath, takeSqliteLock } from './database-lock';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'database-lock-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function settingsIn(dir: string, name = 'data') {
  return {
    DATABASE_PATH: join(dir, name, 'clearinghouse.db'),
    LOG_KEY_PATH: join(dir, name, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(dir, name, 'webhook-key.json'),
    LOG_SEQUENCER: 'off',
    WEBHOOKS: 'off',
    // Its worker does not load under tsx (a line on stderr); the start does not need it.
    SQLITE_CHECKPOINTER: 'off',
  };
}

function operatorEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return { ...env, ...variables };
}

/** Starts the instance once and stops it again (a clean stop). */
async function startAndStop(variables: Record<string, string>) {
  const code = `import { getInstance, stopInstance } from './portal/lib/server/instance.ts';
await getInstance();
console.log('started');
await stopInstance();`;
  return runAsOperator(['--import', 'tsx', '--input-type=module', '-e', code], variables, {
    timeoutMs: 20_000,
  });
}

/** A running server: started, and stopped cleanly when its stdin ends. */
async function runningServer(variables: Record<string, string>): Promise<{
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  stop: () => Promise<string>;
}> {
  const code = `import { getInstance, stopInstance } from './portal/lib/server/instance.ts';
await getInstance();
console.log('started');
process.stdin.on('end', () => void stopInstance().then(() => console.log('stopped')));
process.stdin.resume();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: root,
    env: operatorEnv(variables),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  cleanup.push(() => {
    clearTimeout(kill);
    child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.includes('started')) resolve();
      else if (child.exitCode !== null) reject(new Error(`the server did not start: ${stderr}`));
      else setTimeout(check, 50);
    };
    check();
  });
  return {
    child,
    async stop() {
      child.stdin.end();
      await closed;
      return stdout;
    },
  };
}

async function admin(args: string[], variables: Record<string, string>) {
  return runAsOperator(['--import', 'tsx', 'scripts/admin.ts', ...args], variables, {
    timeoutMs: 60_000,
  });
}

/** A pid no process has: one that has just ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe('the SQLite database lock', () => {
  it('refuses a second server on the same file with one sentence naming the first one', async () => {
    const dir = folder();
    const settings = settingsIn(dir);
    const first = await runningServer(settings);
    const second = await startAndStop(settings);
    expect(second.stderr).toBe(
      `The clearinghouse cannot start: Another clearinghouse process (pid ${first.child.pid}) uses DATABASE_PATH ${settings.DATABASE_PATH} (it holds ${settings.DATABASE_PATH}.lock since ${
        (
          JSON.parse(readFileSync(`${settings.DATABASE_PATH}.lock`, 'utf8')) as {
            startedAt: string;
          }
        ).startedAt
      }): stop it first. If pid ${first.child.pid} is no clearinghouse (its number can pass to another program after a crash), delete ${settings.DATABASE_PATH}.lock.\n`,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).not.toMatch(/^\s+at /m);
    // The first one's lock stays, and goes with its clean stop.
    expect(existsSync(sqliteLockPath(settings.DATABASE_PATH))).toBe(true);
    expect(await first.stop()).toContain('stopped');
    expect(existsSync(sqliteLockPath(settings.DATABASE_PATH))).toBe(false);
  }, 60_000);

  it('takes over a lock whose process is gone (a SIGKILL, a crash)', async () => {
    const dir = folder();
    const settings = settingsIn(dir);
    const first = await startAndStop(settings);
    expect(first.stderr).toBe('');
    const pid = await deadPid();
    writeFileSync(
      sqliteLockPath(settings.DATABASE_PATH),
      JSON.stringify({ pid, startedAt: '2026-12-01T00:00:00.000Z' }),
    );
    expect(liveSqliteLockHolder(settings.DATABASE_PATH)).toBeUndefined();
    const again = await startAndStop(settings);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('started');
    expect(again.code).toBe(0);
    expect(existsSync(sqliteLockPath(settings.DATABASE_PATH))).toBe(false);
  }, 60_000);

  it('refuses a restore into the file of a running server, even after its files were moved away', async () => {
    const dir = folder();
    // A backup of another database, as the operator restores it.
    const source = settingsIn(dir, 'source');
    expect((await startAndStop(source)).code).toBe(0);
    const backupFile = join(dir, 'backup.jsonl.gz');
    const backup = await admin(['backup', backupFile], source);
    expect(backup.code, backup.stderr).toBe(0);

    const settings = settingsIn(dir);
    const server = await runningServer(settings);
    const path = settings.DATABASE_PATH;
    // What the operator did: the database files moved away under the running server.
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${path}.old${suffix}`);
    }
    const restore = await admin(['restore', backupFile], {
      ...settings,
      LOG_KEY_PATH: join(dir, 'restored', 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'restored', 'webhook-key.json'),
    });
    expect(restore.stderr).toContain(
      `A clearinghouse process (pid ${server.child.pid}) uses the SQLite database at ${path} (DATABASE_PATH): stop the server first, then restore into a new, empty database (move ${path} away with its -wal and -shm files, or set DATABASE_PATH to a new file); nothing was written.`,
    );
    expect(restore.code).toBe(1);
    expect(restore.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, 'restored', 'log-key.json'))).toBe(false);
    await server.stop();
  }, 120_000);

  it('a restore refused for a cut-off backup leaves neither the database file nor its folder', async () => {
    const dir = folder();
    const source = settingsIn(dir, 'source');
    expect((await startAndStop(source)).code).toBe(0);
    const backupFile = join(dir, 'backup.jsonl.gz');
    expect((await admin(['backup', backupFile], source)).code).toBe(0);
    // Cut off after its first line (the header holds the keys, so it is most of the file).
    truncateSync(backupFile, statSync(backupFile).size - 40);
    const settings = {
      ...settingsIn(dir, 'fresh'),
      LOG_KEY_PATH: join(dir, 'keys', 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'keys', 'webhook-key.json'),
    };
    const restore = await admin(['restore', backupFile], settings);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/cut off|does not add up|does not end/);
    expect(existsSync(settings.DATABASE_PATH)).toBe(false);
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  }, 120_000);

  it('creates the data folder 0700 and the database file 0600', async () => {
    const dir = folder();
    const settings = settingsIn(dir);
    expect((await startAndStop(settings)).code).toBe(0);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(settings.DATABASE_PATH).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('takes over a lock whose pid runs but was taken before this boot or by a process started at another tick', async () => {
    // Failed before: any live pid held the lock, so after a power cut a pid reused by another
    // program refused every start.
    const dir = folder();
    const path = join(dir, 'reused.db');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {
      stdio: 'ignore',
    });
    cleanup.push(() => void other.kill());
    await new Promise((resolve) => other.on('spawn', resolve));
    const ownTick = readFileSync(`/proc/${other.pid}/stat`, 'utf8')
      .slice(readFileSync(`/proc/${other.pid}/stat`, 'utf8').lastIndexOf(')') + 2)
      .split(' ')[19]!;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const lock = (fields: object) =>
      writeFileSync(
        sqliteLockPath(path),
        JSON.stringify({ pid: other.pid, startedAt: '2026-12-01T00:00:00.000Z', ...fields }),
      );
    // The live process as it took the lock: held.
    lock({ bootId, processStart: ownTick });
    expect(liveSqliteLockHolder(path)).toMatchObject({ pid: other.pid });
    expect(() => takeSqliteLock(path)).toThrow(
      `Another clearinghouse process (pid ${other.pid}) uses DATABASE_PATH ${path}`,
    );
    // Taken before the last boot, or by a process that started at another tick: stale.
    for (const fields of [
      { bootId: 'another-boot', processStart: ownTick },
      { bootId, processStart: `${Number(ownTick) + 1}` },
    ]) {
      lock(fields);
      expect(liveSqliteLockHolder(path)).toBeUndefined();
      const release = takeSqliteLock(path);
      expect(JSON.parse(readFileSync(sqliteLockPath(path), 'utf8'))).toMatchObject({
        pid: process.pid,
        bootId,
      });
      release();
      expect(existsSync(sqliteLockPath(path))).toBe(false);
    }
  });

  it('is linked into place whole, refuses a live holder, leaves it on release and no draft behind', () => {
    // The lock appears with its content (a draft file linked into place): before, it was created
    // empty and then written, so a second taker reading it in between judged it stale.
    const dir = folder();
    const path = join(dir, 'race.db');
    const release = takeSqliteLock(path);
    const text = readFileSync(sqliteLockPath(path), 'utf8');
    expect(JSON.parse(text)).toMatchObject({ pid: process.pid });
    // A holder that is alive and not this process: the lock of another taker, as it appears.
    const holder = { ...JSON.parse(text), pid: process.ppid, processStart: undefined };
    writeFileSync(sqliteLockPath(path), JSON.stringify(holder));
    expect(() => takeSqliteLock(path)).toThrow(`(pid ${process.ppid})`);
    expect(JSON.parse(readFileSync(sqliteLockPath(path), 'utf8'))).toMatchObject({
      pid: process.ppid,
    });
    // The first release leaves a lock that is no longer its own alone.
    release();
    expect(existsSync(sqliteLockPath(path))).toBe(true);
    // No draft or moved-aside file is left beside it.
    expect(readdirSync(dir).sort()).toEqual(['race.db.lock']);
  });

  it("is this process's own after a restart with the same pid (a container's pid 1)", () => {
    const dir = folder();
    const path = join(dir, 'own.db');
    writeFileSync(
      sqliteLockPath(path),
      JSON.stringify({ pid: process.pid, startedAt: '2026-12-01T00:00:00.000Z' }),
    );
    const release = takeSqliteLock(path);
    expect(JSON.parse(readFileSync(sqliteLockPath(path), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    release();
    expect(existsSync(sqliteLockPath(path))).toBe(false);
  });
});
