/**
 * The built server (`node <server-node-args> dist/portal/index.js`, as `npm start` runs it) whose
 * standard output and error go to a full disk (`/dev/full`: every write fails with ENOSPC). It
 * serves, counts the lines it could not write, and ends on SIGTERM. Before (output-guard.ts), its
 * first line ("Listening on") ended it with an unhandled `'error'`, and with only pino's lines
 * failing it hung at exit retrying them for ever, ignoring SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { serverArgv } from '../../scripts/server-node-args.mjs';
import { builtServerEntry, freePort, serverEnvironment } from './built-server';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it.runIf(existsSync('/dev/full'))(
  'serves with stdout and stderr on a full disk, counts what it could not write, and ends on SIGTERM',
  async () => {
    expect(existsSync(builtServerEntry), 'npm test builds the portal first').toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'output-full-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [port, metricsPort] = [await freePort(), await freePort()];
    const full = openSync('/dev/full', 'w');
    cleanups.push(() => closeSync(full));
    const child = spawn(process.execPath, serverArgv(builtServerEntry), {
      cwd: root,
      env: {
        ...serverEnvironment(port, { dir, sqlitePath: join(dir, 'clearinghouse.db') }),
        VITEST: undefined,
        LOG_LEVEL: 'info',
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
      },
      stdio: ['ignore', full, full],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(() => void child.kill('SIGKILL'));

    // It answers (every request is logged, every line fails), again and again.
    const base = `http://127.0.0.1:${port}`;
    await expect
      .poll(async () => (await fetch(`${base}/api/v1/health`).catch(() => undefined))?.status, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`${base}/no-such-page`)).status).toBe(404);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const dropped = Number(/^clearinghouse_log_lines_dropped (\d+)$/m.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThanOrEqual(10);

    // A graceful stop ends it, with nothing left to retry.
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000)),
    ]);
    expect(code).toBe(0);
  },
);
