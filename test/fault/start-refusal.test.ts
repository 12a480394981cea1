/**
 * The built server (`node <server-node-args> dist/portal/index.js`, as `npm start` runs it) with a
 * setting adapter-node reads when its handler module loads, before the `init` hook's start check:
 * one sentence and exit code 1, nothing created (before, adapter-node's "Invalid ORIGIN" with a
 * stack, about an ORIGIN that `npm start` had made of `PORT=abc`). Also a switch read when a
 * module loads (`VERIFY_NATIVE`), and `npm start` itself with a PORT that is no port.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { serverArgv } from '../../scripts/server-node-args.mjs';
import { builtServerEntry } from './built-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The operator's own environment: PATH and HOME, and the server's files under `dir`. */
function operatorEnv(dir: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
    LOG_KEY_PATH: join(dir, 'data', 'log-key.json'),
    WEBHOOK_KEY_PATH: join(dir, 'data', 'webhook-key.json'),
    METRICS_PORT: '',
  };
}

/** Runs `node args` with only the operator's own environment and `variables`. */
async function run(
  args: readonly string[],
  variables: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'start-refusal-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...operatorEnv(dir),
      ...variables,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr, dir };
}

const cases: [Record<string, string>, string][] = [
  [{ PORT: 'abc' }, 'PORT must be a port number from 1 to 65535, not "abc".'],
  [{ PORT: '99999' }, 'PORT must be a port number from 1 to 65535, not "99999".'],
  [
    { ORIGIN: 'notaurl' },
    'ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "notaurl".',
  ],
  [
    { ORIGIN: 'ftp://x.example' },
    'ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "ftp://x.example".',
  ],
  [
    { SHUTDOWN_TIMEOUT: 'abc' },
    'SHUTDOWN_TIMEOUT must be a whole number of seconds from 0 to 2147483 (default 30) that a stop waits for open connections, not "abc".',
  ],
  [
    // More than a timer can wait: adapter-node's stop would cut every connection after 1 ms.
    { SHUTDOWN_TIMEOUT: '9999999' },
    'SHUTDOWN_TIMEOUT must be a whole number of seconds from 0 to 2147483 (default 30) that a stop waits for open connections, not "9999999".',
  ],
  [{ VERIFY_NATIVE: '0' }, 'VERIFY_NATIVE must be on or off (unset: on), not "0".'],
];

it.each(cases)(
  'the built server with %j ends with one sentence before anything is created',
  async (variables, sentence) => {
    const result = await run(serverArgv(builtServerEntry), {
      PORT: '3491',
      HOST: '127.0.0.1',
      ...variables,
    });
    expect(result.stderr).toBe(`The clearinghouse cannot start: ${sentence}\n`);
    expect(result.code).toBe(1);
    expect(await readdir(result.dir)).toEqual([]);
  },
);

it("npm start with PORT=abc refuses it with the server's sentence before it makes ORIGIN of it (and before the build)", async () => {
  const result = await run(['scripts/start.mjs'], { PORT: 'abc' });
  expect(result.stderr).toBe(
    'The clearinghouse cannot start: PORT must be a port number from 1 to 65535, not "abc".\n',
  );
  expect(result.stdout).toBe('');
  expect(result.code).toBe(1);
});

it('the built server takes a setting that is set but empty as unset (ORIGIN=, SHUTDOWN_TIMEOUT=, as a compose file writes an unset variable)', async () => {
  // Failed before: the start check took '' as unset and adapter-node then threw "Invalid
  // ORIGIN: ''" with a stack (and read SHUTDOWN_TIMEOUT='' as NaN).
  const dir = await mkdtemp(join(tmpdir(), 'start-empty-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, serverArgv(builtServerEntry), {
    cwd: root,
    env: {
      ...operatorEnv(dir),
      PORT: '3493',
      HOST: '127.0.0.1',
      ORIGIN: '',
      SHUTDOWN_TIMEOUT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await closed;
  });
  let health: Response | undefined;
  for (let i = 0; i < 150 && health === undefined && child.exitCode === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    health = await fetch('http://127.0.0.1:3493/api/v1/health').catch(() => undefined);
  }
  expect(output).not.toContain('Invalid ORIGIN');
  expect(health?.status, output).toBe(200);
  child.kill('SIGTERM');
  expect(await closed).toBe(0);
}, 60_000);
