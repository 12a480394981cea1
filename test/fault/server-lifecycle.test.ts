/**
 * The built server's log says when it listens and when it stops (docs/operations.md "Logs and
 * metrics"): one JSON line once adapter-node's server is bound (where, the database's kind, the
 * release, Node, the pid), one when SIGTERM begins the stop and one when the stop is done, with
 * how long it took. Before December 2026 the log had neither: only adapter-node's plain
 * "Listening on …" on stdout.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../portal/lib/server/db/test-databases';
import { builtServer } from './built-server';

// The server inherits this process's environment (built-server.ts), whose VITEST makes its log
// silent unless LOG_LEVEL says otherwise.
const logLevel = process.env.LOG_LEVEL;
beforeAll(() => {
  process.env.LOG_LEVEL = 'info';
});
afterAll(() => {
  if (logLevel === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = logLevel;
});

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The JSON lines of the server's output (adapter-node's own plain line left out). */
function logLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the built server’s log at start and stop', () => {
  it.each(['sqlite', 'postgres'] as const)(
    'says on %s where it listens, on which database kind, release, Node and pid, then when the stop begins and ends',
    async (dialect) => {
      const dir = mkdtempSync(join(tmpdir(), 'server-lifecycle-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const postgresUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      const server = await builtServer(
        postgresUrl === undefined
          ? { dir, sqlitePath: join(dir, 'clearinghouse.db') }
          : { dir, postgresUrl },
      );
      cleanups.push(() => server.kill());
      await server.start();
      await server.stop();

      const lines = logLines(server.logFile);
      const listening = lines.filter((line) => line.event === 'listening');
      expect(listening).toHaveLength(1);
      const port = Number(new URL(server.url).port);
      expect(listening[0]).toMatchObject({
        level: 30,
        host: '127.0.0.1',
        port,
        database: dialect,
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        node: process.version,
        pid: expect.any(Number),
      });
      const pid = listening[0]!.pid;
      // Never the database's URL, which may carry a password.
      expect(JSON.stringify(listening[0])).not.toMatch(/postgres:\/\/|clearinghouse\.db/);

      const stopping = lines.filter((line) => line.event === 'stopping');
      const stopped = lines.filter((line) => line.event === 'stopped');
      expect(stopping).toEqual([
        expect.objectContaining({ reason: 'SIGTERM', shutdownTimeoutSeconds: 30, pid }),
      ]);
      expect(stopped).toEqual([expect.objectContaining({ ms: expect.any(Number), pid })]);
      expect(stopped[0]!.ms).toBeGreaterThanOrEqual(0);
      expect(stopped[0]!.ms).toBeLessThan(15_000);
      // In this order, and the stop's end is the last line the process wrote.
      const events = lines.map((line) => line.event ?? line.msg);
      expect(events.indexOf('listening')).toBeLessThan(events.indexOf('stopping'));
      expect(events.at(-1)).toBe('stopped');
    },
  );
});
