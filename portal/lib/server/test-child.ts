import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The repository's root: where tsx finds tsconfig.json (its `$protocol` and `$lib` paths). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Starts a TypeScript script as a Node process of its own (`node --import tsx <script> <args>`,
 * one process, so a signal or an exit code is the script's own), from the repository's root,
 * without the caller's `NODE_OPTIONS` (a warning it causes would land on stderr). Tests use it for
 * what only a separate process shows: a crash, an exit code, whether the process ends by itself.
 *
 * @example
 * ```ts
 * const child = spawnScript(new URL('./sequencer.child.ts', import.meta.url), [target]);
 * ```
 */
export function spawnScript(
  script: URL,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script), ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
}

/**
 * Runs a script to its end ({@link spawnScript}): its exit code (null when it was killed after
 * `timeoutMs`, e.g. because something kept it alive) and what it printed.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runScript(new URL('./x.child.ts', import.meta.url), [], { timeoutMs: 15_000 });
 * ```
 */
export async function runScript(
  script: URL,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnScript(script, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  });
  return { code, stdout, stderr };
}

/**
 * {@link runScript} with a new temporary folder of its own as its first argument (e.g. for its
 * database file), removed once it has ended.
 *
 * @example
 * ```ts
 * const { code } = await runScriptInFolder(new URL('./x.child.ts', import.meta.url), ['stop']);
 * ```
 */
export async function runScriptInFolder(
  script: URL,
  args: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'script-'));
  try {
    return await runScript(script, [folder, ...args], options);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Runs `node <nodeArgs>` as an operator would: from `cwd` (default the repository's root), with
 * only `PATH`, `HOME`, `LANG` and `TMPDIR` of this process's environment and `variables` (none of
 * Vitest's), killed after `timeoutMs`. Resolves with its exit code (null when killed) and output.
 *
 * @example
 * ```ts
 * const { code, stderr } = await runAsOperator(['--import', 'tsx', 'scripts/admin.ts', 'restore'], { DATABASE_URL: url });
 * ```
 */
export async function runAsOperator(
  nodeArgs: readonly string[],
  variables: Readonly<Record<string, string>>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  const child = spawn(process.execPath, nodeArgs, {
    cwd: options.cwd ?? root,
    env: { ...env, ...variables },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
