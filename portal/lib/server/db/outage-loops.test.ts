/**
 * While PostgreSQL cannot be reached, the background loops (webhook worker, log election, log
 * sequencer, periodic purges) keep retrying and say so in one line when the database goes and
 * one when it answers again (db/unreachable.ts), instead of a stack per attempt; any other error
 * is still printed with its stack. On the real test cluster, through a relay that is cut (a
 * stopped server: open connections end, new ones are refused).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '$protocol/keys';
import { ready } from '$protocol/sodium';
import { testOrigin } from '../api-test-kit';
import { startLog } from '../log/clearinghouse-log';
import { createPostgresElection, type Leadership } from '../log/election';
import { keyFolder, testLogConfig } from '../log/test-log';
import { startPeriodicPurge } from '../periodic-purge';
import { createWebhookWorker, webhookSigner } from '../webhooks';
import { openDatabase, type ClearinghouseDb } from './database';
import { migrateToLatest } from './migrate';
import { createPostgresDatabase } from './test-databases';
import { recordingOutageLog, startCuttableRelay, type CuttableRelay } from './test-outage';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms until it holds, or fails after `withinMs`. */
async function until(condition: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await pause(20);
  }
}

describe('background loops while PostgreSQL cannot be reached', () => {
  let relay: CuttableRelay;
  let cdb: ClearinghouseDb;

  beforeAll(async () => {
    await ready();
    relay = await startCuttableRelay(await createPostgresDatabase());
    cdb = await openDatabase({ url: relay.url });
    await migrateToLatest(cdb);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await relay.restore();
  });

  afterAll(async () => {
    await cdb.close();
    await relay.close();
  });

  /**
   * Cuts the database off for `outageMs` and brings it back; returns once `lines` holds the line
   * of its return (or fails).
   */
  async function outage(
    lines: readonly unknown[],
    outageMs: number,
    before: () => boolean = () => true,
  ): Promise<void> {
    await until(before, 5_000, 'working before the outage');
    await relay.cut();
    await pause(outageMs);
    expect(lines).toHaveLength(1);
    await relay.restore();
    await until(() => lines.length >= 2, 10_000, 'the line of the return');
    // Still one line each after a few more rounds with the database back.
    await pause(200);
  }

  function expectOneLineEach(
    log: ReturnType<typeof recordingOutageLog>,
    part: string,
    minFailures: number,
  ): void {
    expect(log.lines.map((line) => [line.level, line.fields.part])).toEqual([
      ['unreachable', part],
      ['reachable', part],
    ]);
    expect(log.lines[0]!.fields).toMatchObject({ event: 'database-unreachable' });
    expect(log.lines[0]!.line).toMatch(new RegExp(`^${part}: the database cannot be reached \\(`));
    // Kept retrying all along, each attempt counted, not said.
    expect(log.lines[1]!.fields).toMatchObject({ event: 'database-reachable' });
    expect(log.lines[1]!.fields.failures).toBeGreaterThanOrEqual(minFailures);
  }

  /** A webhook worker on the test database, a round every 20 ms, its outage lines into `log`. */
  function quickWorker(log: ReturnType<typeof recordingOutageLog>) {
    return createWebhookWorker({
      db: cdb.db,
      origin: testOrigin,
      signer: webhookSigner(generateKeyPair((n) => new Uint8Array(randomBytes(n)))),
      intervalMs: 20,
      outageLog: log,
    });
  }

  it('webhook worker: one line when the database goes, one when it is back, no stacks', async () => {
    const stacks = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = recordingOutageLog();
    const worker = quickWorker(log);
    worker.start();
    try {
      await outage(log.lines, 600);
    } finally {
      await worker.stop();
    }
    expectOneLineEach(log, 'webhook worker', 5);
    expect(stacks).not.toHaveBeenCalled();
  });

  it('webhook worker: any other error still gets its stack, every round', async () => {
    const stacks = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = recordingOutageLog();
    const worker = quickWorker(log);
    await sql`alter table webhook_endpoints rename to webhook_endpoints_away`.execute(cdb.db);
    worker.start();
    try {
      await until(() => stacks.mock.calls.length >= 3, 5_000, 'three rounds');
    } finally {
      await worker.stop();
      await sql`alter table webhook_endpoints_away rename to webhook_endpoints`.execute(cdb.db);
    }
    expect(stacks.mock.calls[0]).toEqual([
      'webhook worker:',
      expect.objectContaining({ code: '42P01', stack: expect.any(String) }),
    ]);
    expect(log.lines).toEqual([]);
  });

  it('log election: one line each way, onError only for other errors; leads again after', async () => {
    const errors: unknown[] = [];
    const log = recordingOutageLog();
    const election = createPostgresElection(relay.url, {
      retryMs: 20,
      demotedBackoffMs: 20,
      key: [randomInt(1, 2 ** 31 - 1), 2],
      onError: (error) => errors.push(error),
      outageLog: log,
    });
    election.start();
    try {
      await outage(log.lines, 600, () => election.isLeader());
      expect(election.isLeader()).toBe(true);
    } finally {
      await election.stop();
    }
    expectOneLineEach(log, 'log election', 5);
    expect(errors).toEqual([]);
  });

  it('log sequencer: one line each way instead of a report at every retry', async () => {
    const errors: unknown[] = [];
    const log = recordingOutageLog();
    const keys = keyFolder();
    // Always the leader: the sequencer's own loop, without an election to stop it.
    const leadership: Leadership = {
      isLeader: () => true,
      fence: async () => undefined,
      onChange: () => () => undefined,
    };
    const started = await startLog(cdb, testLogConfig(keys.dir, { runSequencer: true }), {
      leadership,
      intervalMs: 20,
      onError: (error) => errors.push(error),
      outageLog: log,
    });
    try {
      // A few empty batches first; the loop retries a failed batch after a second.
      await pause(200);
      await outage(log.lines, 3_500);
    } finally {
      await started.stop();
      keys.remove();
    }
    expectOneLineEach(log, 'log sequencer', 2);
    expect(errors).toEqual([]);
  });

  it('periodic purge: one line each way; any other failure still logged every run', async () => {
    const logged: unknown[] = [];
    const log = recordingOutageLog();
    let runs = 0;
    const purge = startPeriodicPurge(
      async () => {
        runs++;
        await sql`select 1`.execute(cdb.db);
      },
      {
        name: 'test purge',
        intervalMs: 20,
        failure: 'test: purging failed:',
        log: (_message, error) => logged.push(error),
        outageLog: log,
      },
    );
    try {
      await outage(log.lines, 600, () => runs > 0);
    } finally {
      await purge.stop();
    }
    expectOneLineEach(log, 'test purge', 5);
    expect(logged).toEqual([]);

    const failing = startPeriodicPurge(
      async () => {
        await sql`select * from no_such_table`.execute(cdb.db);
      },
      {
        name: 'test purge',
        intervalMs: 20,
        failure: 'test: purging failed:',
        log: (_message, error) => logged.push(error),
        outageLog: log,
      },
    );
    try {
      await until(() => logged.length >= 3, 5_000, 'three failed runs');
    } finally {
      await failing.stop();
    }
    expect(logged[0]).toMatchObject({ code: '42P01' });
    expect(log.lines).toHaveLength(2);
  });
});
