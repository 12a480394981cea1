/**
 * The built server (`node <server-node-args> dist/portal/index.js`, as `npm start` runs it) on a
 * port another program holds: it ends at once with one sentence and exit code 1, and leaves no
 * database or key file behind (before, adapter-node's listen failed after the start had created
 * both, with "Unhandled 'error' event" and a stack).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { serverArgv } from '../../scripts/server-node-args.mjs';
import { builtServerEntry, serverEnvironment } from './built-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a port in use ends the start with one sentence before anything is created', async () => {
  expect(existsSync(builtServerEntry), 'npm test builds the portal first').toBe(true);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
  cleanups.push(() => new Promise((resolve) => holder.close(resolve)));
  const port = (holder.address() as { port: number }).port;
  const dir = await mkdtemp(join(tmpdir(), 'listen-refusal-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));

  const child = spawn(process.execPath, serverArgv(builtServerEntry), {
    cwd: root,
    env: {
      ...serverEnvironment(port, { dir, sqlitePath: join(dir, 'clearinghouse.db') }),
      // As npm start runs it: under Vitest the start's refusal is thrown to the test instead.
      VITEST: undefined,
      METRICS_PORT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  expect(code).toBe(1);
  expect(stderr).toBe(
    `The clearinghouse cannot start: Another program already listens on port ${port} (HOST 127.0.0.1): stop it, or set PORT to a free port; nothing was created or started.\n`,
  );
  expect(await readdir(dir)).toEqual([]);
});
