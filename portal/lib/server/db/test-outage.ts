/**
 * Test fixture (imported by *.test.ts only): a PostgreSQL outage on the real test cluster without
 * stopping it (other test files share it). The database is reached through a TCP relay of the
 * test's own; `cut()` ends every connection through it and stops listening (as a stopped server:
 * open connections end, "Connection terminated unexpectedly", new ones get ECONNREFUSED), and
 * `restore()` listens again on the same port. A backend ended by `pg_terminate_backend` (57P01)
 * is the other way, as in connection-loss.test.ts.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import type { OutageLog } from './unreachable';

/** A relay to the database of `postgresUrl`; `url` is the same database through it. */
export interface CuttableRelay {
  readonly url: string;
  /** Ends every connection through the relay and refuses new ones. */
  cut(): Promise<void>;
  /** Takes connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a relay to the PostgreSQL server of `postgresUrl` on a free loopback port.
 *
 * @example
 * ```ts
 * const relay = await startCuttableRelay(await createPostgresDatabase());
 * const cdb = await openDatabase({ url: relay.url });
 * await relay.cut(); // the database is "down"
 * ```
 */
export async function startCuttableRelay(postgresUrl: string): Promise<CuttableRelay> {
  const target = new URL(postgresUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  async function listen(): Promise<void> {
    const opened = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      opened.once('error', reject);
      opened.listen(port, '127.0.0.1', () => resolve());
    });
    port = (opened.address() as { port: number }).port;
    server = opened;
  }

  await listen();
  const url = new URL(postgresUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  async function cut(): Promise<void> {
    const closing = server;
    server = undefined;
    const closed = new Promise<void>((resolve) => {
      if (closing === undefined) resolve();
      else closing.close(() => resolve());
    });
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  }

  return {
    url: url.toString(),
    cut,
    async restore() {
      if (server === undefined) await listen();
    },
    close: cut,
  };
}

/**
 * Ends, from a connection of its own, every backend of the database of `postgresUrl` that
 * matches `where` (SQL over pg_stat_activity), as connection-loss.test.ts; returns how many.
 */
export async function terminateBackends(postgresUrl: string, where: string): Promise<number> {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    const result = await admin.query<{ ended: boolean }>(
      `select pg_terminate_backend(pid) as ended from pg_stat_activity
        where pid <> pg_backend_pid() and datname = current_database() and ${where}`,
    );
    return result.rows.filter((row) => row.ended).length;
  } finally {
    await admin.end();
  }
}

/** An {@link OutageLog} that keeps its lines, for tests. */
export function recordingOutageLog(): OutageLog & {
  lines: { level: 'unreachable' | 'reachable'; fields: Record<string, unknown>; line: string }[];
} {
  const lines: {
    level: 'unreachable' | 'reachable';
    fields: Record<string, unknown>;
    line: string;
  }[] = [];
  return {
    lines,
    unreachable: (fields, line) => lines.push({ level: 'unreachable', fields, line }),
    reachable: (fields, line) => lines.push({ level: 'reachable', fields, line }),
  };
}
