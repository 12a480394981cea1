import { sql } from 'kysely';
import pg from 'pg';
import { createOutageReporter, type OutageLog } from '../db/unreachable';
import type { LogQueryable } from './tile-store';

/**
 * Which process runs the sequencer loop, as the sequencer sees it (docs/scaling.md, "Sequencer
 * election"). SQLite needs none: it is one process.
 */
export interface Leadership {
  /** Whether this process holds the sequencer lock, as far as it knows right now. */
  isLeader(): boolean;
  /**
   * The fence: inside the sequencing transaction, after the `log_state` row lock, throws
   * {@link NotLeaderError} unless the lock is still held by this process's election connection.
   * A paused or partitioned old leader that still believes it leads therefore writes nothing once
   * another process holds the lock.
   */
  fence(trx: LogQueryable): Promise<void>;
  /** Calls `listener` on every change of `isLeader()`; returns the unsubscribe function. */
  onChange(listener: (leader: boolean) => void): () => void;
}

/** A leader election that runs until stopped. */
export interface LogElection extends Leadership {
  /** Starts trying for the lock (now, then every `retryMs`). Idempotent. */
  start(): void;
  /** Releases the lock (closing the connection) and stops trying. Idempotent. */
  stop(): Promise<void>;
  /** The backend pid of the connection holding the lock while leader (tests, metrics). */
  backendPid(): number | undefined;
}

/** The fence found that another process holds (or nobody holds) the sequencer lock. */
export class NotLeaderError extends Error {
  constructor() {
    super('This process no longer holds the log sequencer lock; the batch was not written.');
    this.name = 'NotLeaderError';
  }
}

/**
 * The advisory lock key pair, (`clhr`, 1): two int4 keys so that pg_locks shows them as
 * classid/objid with objsubid = 2, which the fence reads back.
 */
export const sequencerLockKey: readonly [number, number] = [0x636c6872, 1];

export interface ElectionOptions {
  /** How often a standby tries for the lock, and the leader checks its connection (default 1 s). */
  retryMs?: number;
  /**
   * How long a process that just lost the lock waits before trying again (default 3 × retryMs),
   * so a healthy standby, which tries every `retryMs`, gets it first.
   */
  demotedBackoffMs?: number;
  /** The lock key (default {@link sequencerLockKey}; tests use their own). */
  key?: readonly [number, number];
  /**
   * Where errors other than an unreachable database are reported (default: nothing; the election
   * retries on its own).
   */
  onError?: (error: unknown) => void;
  /**
   * Where a lost or refused connection is said (db/unreachable.ts): one line when a try first
   * finds the database unreachable, one when a try reaches it again, never one per try (default
   * the process's logger).
   */
  outageLog?: OutageLog;
}

/**
 * Elects the one sequencer among the portal processes on a PostgreSQL database with a
 * session-level `pg_try_advisory_lock` on a dedicated connection (not one of the pool's): the
 * lock lives exactly as long as that connection, so a process that dies, or whose connection
 * drops, releases it at once, and a standby's next try (every `retryMs`) takes over.
 *
 * The leader is identified by its connection's backend pid and start time (a fencing token that
 * cannot repeat); {@link Leadership.fence} checks both against `pg_locks` inside the sequencing
 * transaction. Between that check and the commit the lock may move on, but the new leader's
 * first batch then waits for the `log_state` row lock this transaction holds and re-reads the
 * committed size (the sequencer's resync), so nothing is sequenced twice or lost either way.
 *
 * @example
 * ```ts
 * const election = createPostgresElection(postgresUrlOf(cdb)!);
 * election.start();
 * const sequencer = createSequencer(cdb, { origin, signer, verifier, leadership: election });
 * ```
 */
export function createPostgresElection(url: string, options: ElectionOptions = {}): LogElection {
  const retryMs = options.retryMs ?? 1_000;
  const demotedBackoffMs = options.demotedBackoffMs ?? 3 * retryMs;
  const [key1, key2] = options.key ?? sequencerLockKey;
  const onError = options.onError ?? (() => {});
  const outage = createOutageReporter('log election', {
    ...(options.outageLog === undefined ? {} : { log: options.outageLog }),
  });
  /** A lost connection goes to `outage` (a line per outage), anything else to `onError`. */
  const report = (error: unknown): void => {
    if (!outage.failed(error)) onError(error);
  };
  const listeners = new Set<(leader: boolean) => void>();

  let running = false;
  let client: pg.Client | undefined;
  let token: { pid: number; started: string } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;

  function setLeader(next: typeof token): void {
    const was = token !== undefined;
    token = next;
    if (was === (next !== undefined)) return;
    for (const listener of listeners) {
      try {
        listener(next !== undefined);
      } catch (error) {
        onError(error);
      }
    }
  }

  /** Forgets the connection (and with it the lock); the next try opens a new one. */
  function drop(lost: pg.Client | undefined): void {
    if (lost === undefined || lost !== client) return;
    const wasLeader = token !== undefined;
    client = undefined;
    setLeader(undefined);
    lost.end().catch(() => {});
    if (wasLeader) reschedule(demotedBackoffMs);
  }

  async function attempt(): Promise<void> {
    let current = client;
    try {
      if (current === undefined) {
        // A query that hangs (a silent network loss) demotes this process after 5 s; the fence
        // covers the time until PostgreSQL itself notices and frees the lock.
        current = new pg.Client({
          connectionString: url,
          connectionTimeoutMillis: 5_000,
          query_timeout: 5_000,
          keepAlive: true,
        });
        const opened = current;
        // A dropped connection (server restart, pg_terminate_backend, network) surfaces here
        // while idle; unhandled it would crash the process.
        opened.on('error', (error) => {
          report(error);
          drop(opened);
        });
        opened.on('end', () => drop(opened));
        client = opened;
        await opened.connect();
      }
      if (token === undefined) {
        const result = await current.query<{ got: boolean; pid: number; started: string }>(
          `select pg_try_advisory_lock($1::int4, $2::int4) as got, pg_backend_pid() as pid,
             (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started`,
          [key1, key2],
        );
        const row = result.rows[0]!;
        if (row.got && client === current && running)
          setLeader({ pid: row.pid, started: row.started });
        else if (row.got)
          await current.query('select pg_advisory_unlock($1::int4, $2::int4)', [key1, key2]);
      } else {
        // The leader's heartbeat: a connection that died without an event shows up here.
        await current.query('select 1');
      }
      outage.succeeded();
    } catch (error) {
      report(error);
      drop(current);
    }
  }

  function reschedule(delayMs: number): void {
    if (!running) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
  }

  function tick(): void {
    timer = undefined;
    if (!running || inFlight !== undefined) return;
    inFlight = attempt().finally(() => {
      inFlight = undefined;
      if (timer === undefined) reschedule(retryMs);
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      reschedule(0);
    },

    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight;
      const closing = client;
      client = undefined;
      setLeader(undefined);
      // Ending the session releases its advisory lock.
      await closing?.end().catch(() => {});
    },

    isLeader: () => token !== undefined,

    backendPid: () => token?.pid,

    async fence(trx) {
      const held = token;
      if (held === undefined) throw new NotLeaderError();
      const row = await sql<{ held: number }>`
        select 1 as held
        from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory'
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid = ${key1}::int4::oid and l.objid = ${key2}::int4::oid and l.objsubid = 2
          and l.granted and l.pid = ${held.pid}::int4 and a.backend_start::text = ${held.started}`
        .execute(trx)
        .then((result) => result.rows[0]);
      if (row === undefined) {
        // The lock is gone although we thought we held it: the connection is not to be trusted.
        drop(client);
        throw new NotLeaderError();
      }
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
