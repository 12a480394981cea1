#!/usr/bin/env node
/**
 * `npm start`: installs what is missing, builds what changed, and starts the clearinghouse
 * on its embedded default (SQLite under ./data/, no other server). The server migrates the
 * database itself when it starts. A second run reuses the install and the build.
 *
 * Environment: PORT (3000), HOST (127.0.0.1), ORIGIN (http://localhost:PORT),
 * DATABASE_URL (postgres://… to use PostgreSQL), DATABASE_PATH (SQLite file).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceFingerprint } from './fingerprint.mjs';
import { serverArgv } from './server-node-args.mjs';
// The server's own rule and sentence for PORT, checked before ORIGIN is made of it: adapter-node
// refused the `http://localhost:abc` made of `PORT=abc` with a stack about an ORIGIN never set.
import { portProblem } from '../portal/lib/server/port-setting.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The exit code of `npm start` for the server's end: the server's own code; 0 when it was ended
 * by the signal this process forwarded to it on request (SIGINT or SIGTERM: a stop that was
 * asked for); otherwise 128 + the signal's number, as a shell reports it (137 for SIGKILL, e.g.
 * the kernel's out-of-memory killer), so that a supervisor that restarts on failure restarts it.
 *
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 * @param {NodeJS.Signals | undefined} forwarded the signal passed on to the server, if any
 * @returns {number}
 */
export function exitCodeOf(code, signal, forwarded) {
  if (code !== null) return code;
  if (signal === null) return 1;
  if (signal === forwarded) return 0;
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Passes SIGINT and SIGTERM on to the server and ends this process with {@link exitCodeOf} the
 * server's end.
 *
 * @param {import('node:child_process').ChildProcess} server
 * @returns {import('node:child_process').ChildProcess}
 */
export function superviseServer(server) {
  /** @type {NodeJS.Signals | undefined} */
  let forwarded;
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.on(signal, () => {
      forwarded = signal;
      server.kill(signal);
    });
  }
  server.on('exit', (code, signal) => process.exit(exitCodeOf(code, signal, forwarded)));
  return server;
}

/**
 * Runs `command` with its output in the file `logPath` rather than on the terminal (the first
 * build printed about 370 lines of bundler output before the server's own): says what it does
 * and where the output goes, a line every `progressMs` while it runs, and, when it fails, the
 * last `tailLines` lines of the output with the file's name. Resolves with the exit code (1 for
 * a command that could not be started or was ended by a signal).
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{cwd: string, logPath: string, label: string, progressMs?: number, tailLines?: number,
 *   say?: (line: string) => void, warn?: (line: string) => void}} options
 * @returns {Promise<number>}
 *
 * @example
 * ```js
 * const code = await runQuietly('npm', ['run', 'build'], { cwd: root, logPath: 'dist/build.log', label: 'building' });
 * ```
 */
export async function runQuietly(command, args, options) {
  const say = options.say ?? ((line) => console.log(line));
  const warn = options.warn ?? ((line) => console.error(line));
  // Named as from the project's folder when inside it, else in full.
  const inside = relative(options.cwd, options.logPath);
  const shown = inside === '' || inside.startsWith('..') ? options.logPath : inside;
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = openSync(options.logPath, 'w');
  const started = Date.now();
  say(`start: ${options.label} (its output goes to ${shown})`);
  const timer = setInterval(
    () => say(`start: still ${options.label} (${Math.round((Date.now() - started) / 1000)} s)`),
    options.progressMs ?? 30_000,
  );
  const code = await new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', log, log] });
    child.on('error', (error) => {
      writeFileSync(log, `\n${command} could not be started: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  }).finally(() => {
    clearInterval(timer);
    closeSync(log);
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (code === 0) {
    say(`start: done ${options.label} in ${seconds} s`);
    return 0;
  }
  const lines = readFileSync(options.logPath, 'utf8').trimEnd().split('\n');
  const tail = lines.slice(-(options.tailLines ?? 40));
  warn(tail.join('\n'));
  warn(
    `start: ${options.label} failed after ${seconds} s (exit code ${code}); the last ${tail.length} lines of ${shown} are above, the whole output is in it.`,
  );
  return code;
}

async function main() {
  // Before the install and the build, which take a while: the server would refuse it anyway.
  const problem = portProblem(process.env);
  if (problem !== undefined) {
    process.stderr.write(`The clearinghouse cannot start: ${problem}\n`);
    process.exit(1);
  }

  function step(command, args) {
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`start: "${command} ${args.join(' ')}" failed; see the output above.`);
      process.exit(result.status ?? 1);
    }
  }

  step(process.execPath, ['scripts/setup.mjs', '--for=start']);

  const stampFile = join(root, 'dist', '.build-stamp');
  const fingerprint = sourceFingerprint(root);
  const built =
    existsSync(join(root, 'dist', 'portal', 'index.js')) &&
    existsSync(join(root, 'dist', 'extension', 'chromium', 'manifest.json')) &&
    // The auditor's verifier, which build:portal writes after vite build (scripts/build-verifier.mjs).
    existsSync(join(root, 'dist', 'verifier', 'clearinghouse-verify.mjs')) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === fingerprint;
  if (built) {
    console.log('start: the build is up to date');
  } else {
    const code = await runQuietly('npm', ['run', 'build'], {
      cwd: root,
      logPath: join(root, 'dist', 'build.log'),
      label: 'building the clearinghouse and the Assistant (a few minutes the first time)',
    });
    if (code !== 0) process.exit(code);
    writeFileSync(stampFile, fingerprint);
  }

  const port = process.env.PORT?.trim() || '3000';
  const env = {
    ...process.env,
    PORT: port,
    // Set but empty is unset (as the server takes it).
    HOST: process.env.HOST?.trim() || '127.0.0.1',
    ORIGIN: process.env.ORIGIN?.trim() || `http://localhost:${port}`,
  };
  console.log(`
  Clearinghouse:   ${env.ORIGIN}  (bound to ${env.HOST}:${port})
  Database:        ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : (env.DATABASE_PATH ?? 'data/clearinghouse.db') + ' (SQLite)'}
  Assistant:       load ${join(root, 'dist/extension/chromium')} in Chromium (chrome://extensions, developer mode, "Load unpacked")
                   or ${join(root, 'dist/extension/firefox/manifest.json')} in Firefox (about:debugging, "Load Temporary Add-on")
`);

  superviseServer(spawn(process.execPath, serverArgv(), { cwd: root, env, stdio: 'inherit' }));
}

/** Whether this file is the program node runs (`npm start`), not a module a test imported. */
function isMain() {
  try {
    return pathToFileURL(realpathSync(process.argv[1] ?? '')).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMain()) void main();
