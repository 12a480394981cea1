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
