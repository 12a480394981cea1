/**
 * Several portal processes on one PostgreSQL database: exactly one sequences (the election),
 * another takes over within 5 s when the leader's lock connection drops, and no accepted entry
 * is lost or logged twice across the hand-over (docs/scaling.md, "Sequencer election").
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type ClearinghouseDb } from '../db/database';
import type { DurableWriter } from '../db/durable-writer';
import { openTestDatabase, type TestDatabase } from '../db/test-databases';
import { startLog, type ClearinghouseLog } from './clearinghouse-log';
import { NotLeaderError, createPostgresElection, sequencerLockKey } from './election';
import { keyFolder, prepare, referenceTree, testLogConfig, writeMessages } from './test-log';

/** The backend holding the sequencer lock right now, per pg_locks (undefined: nobody). */
async function lockHolder(cdb: ClearinghouseDb): Promise<number | undefined> {
  const result = await sql<{ pid: number }>`
    select pid from pg_locks
    where locktype = 'advisory' and granted and objsubid = 2
      and classid = ${sequencerLockKey[0]}::int4::oid and objid = ${sequencerLockKey[1]}::int4::oid`.execute(
    cdb.db,
  );
  return result.rows[0]?.pid;
}

/** Polls `condition` every 20 ms; throws once `withinMs` have passed without it holding. */
async function within(
  withinMs: number,
  condition: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('sequencer election on PostgreSQL', () => {
  let tdb: TestDatabase;
  let second: ClearinghouseDb;
  let writer: DurableWriter;
  let keys: ReturnType<typeof keyFolder>;
  const logs: ClearinghouseLog[] = [];

  beforeEach(async () => {
    tdb = await openTestDatabase('postgres');
    writer = await prepare(tdb.cdb);
    second = await openDatabase({ url: tdb.postgresUrl! });
    keys = keyFolder();
  });

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.stop();
    await writer.close();
    await second.close();
    await tdb.dispose();
    keys.remove();
  });

  /** Two "nodes": two pools on one database, both with the sequencer loop on. */
  async function twoNodes(): Promise<[ClearinghouseLog, ClearinghouseLog]> {
    const config = testLogConfig(keys.dir, { runSequencer: true });
    const a = await startLog(tdb.cdb, config, { intervalMs: 20 });
    const b = await startLog(second, config, { intervalMs: 20 });
    logs.push(a, b);
    return [a, b];
  }

  it('elects one sequencer; when its lock connection drops another takes over within 5 s, nothing lost or doubled', async () => {
    const [a, b] = await twoNodes();
    await within(3_000, () => a.election!.isLeader() || b.election!.isLeader(), 'a leader');
    expect(a.election!.isLeader() && b.election!.isLeader()).toBe(false);
    const [leader, standby] = a.election!.isLeader() ? [a, b] : [b, a];
    expect(await lockHolder(tdb.cdb)).toBe(leader.election!.backendPid());

    // Only the leader sequences.
    const before = await writeMessages(writer, 300);
    for (const log of [a, b]) log.sequencer.notifyQueued(300);
    // The leader counts a batch only after its COMMIT returns, which may come after another
    // connection already sees the new size: wait for the counts as well as the size.
    const counted = () => leader.sequencer.stats.entries + standby.sequencer.stats.entries;
    await within(
      6_000,
      async () => (await a.service.size()) === 300 && counted() === 300,
      'the first 300 sequenced and counted',
    );
    expect(leader.sequencer.stats.entries).toBe(300);
    expect(standby.sequencer.stats.entries).toBe(0);

    // Entries keep arriving while the leader's lock connection is killed.
    const writing = (async () => {
      const shas: string[] = [];
      for (let round = 0; round < 15; round++) {
        shas.push(...(await writeMessages(writer, 20)));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return shas;
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killed = leader.election!.backendPid()!;
    await sql`select pg_terminate_backend(${killed}::int4, 5000)`.execute(tdb.cdb.db);
    await within(5_000, () => standby.election!.isLeader(), 'the standby takes over');
    expect(leader.election!.isLeader()).toBe(false);
    const holder = await lockHolder(tdb.cdb);
    expect(holder).toBe(standby.election!.backendPid());
    expect(holder).not.toBe(killed);
    const during = await writing;

    // A covering checkpoint within 6 s of the "201" (the durable write) of an entry after the take-over.
    const [last] = await writeMessages(writer, 1);
    const receipt = await b.service.receipt(last!, 6_000);
    expect(receipt.index).toBe(600);

    await within(
      6_000,
      async () => (await a.service.size()) === 601 && counted() === 601,
      'all 601 sequenced and counted',
    );
    const reference = await referenceTree(tdb.cdb);
    const accepted = [...before, ...during, last!];
    expect(reference.sha256s).toHaveLength(601);
    expect(new Set(reference.sha256s).size).toBe(601);
    expect(new Set(reference.sha256s)).toEqual(new Set(accepted));
    expect(standby.sequencer.stats.entries).toBeGreaterThan(0);
    const queue = await tdb.cdb.db
      .selectFrom('log_queue')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(queue.n)).toBe(0);
  });

  it('a stopped leader hands over: the other node sequences within 5 s', async () => {
    const [a, b] = await twoNodes();
    await within(3_000, () => a.election!.isLeader() || b.election!.isLeader(), 'a leader');
    const [leader, standby] = a.election!.isLeader() ? [a, b] : [b, a];
    await leader.stop();
    const shas = await writeMessages(writer, 50);
    standby.sequencer.notifyQueued(50);
    await within(5_000, () => standby.sequencer.stats.entries === 50, 'the standby sequences');
    expect(await standby.service.size()).toBe(50);
    expect((await referenceTree(tdb.cdb)).sha256s.sort()).toEqual([...shas].sort());
  });

  it('fences a paused old leader: once the lock has moved it cannot write a batch', async () => {
    // The old leader's election, as a process that was paused through the take-over sees it.
    const old = createPostgresElection(tdb.postgresUrl!, { retryMs: 60_000 });
    const next = createPostgresElection(tdb.postgresUrl!, { retryMs: 50 });
    try {
      old.start();
      await within(3_000, () => old.isLeader(), 'the first leader');
      await tdb.cdb.db.transaction().execute((trx) => old.fence(trx));

      next.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(next.isLeader()).toBe(false);
      await expect(tdb.cdb.db.transaction().execute((trx) => next.fence(trx))).rejects.toThrow(
        NotLeaderError,
      );

      // Its connection dies; it has not noticed yet when it next writes (retryMs is a minute).
      const pid = old.backendPid()!;
      await sql`select pg_terminate_backend(${pid}::int4, 5000)`.execute(second.db);
      await within(5_000, () => next.isLeader(), 'the new leader');
      await expect(tdb.cdb.db.transaction().execute((trx) => old.fence(trx))).rejects.toThrow(
        NotLeaderError,
      );
      await tdb.cdb.db.transaction().execute((trx) => next.fence(trx));
    } finally {
      await old.stop();
      await next.stop();
    }
  });

  it('a sequencer whose fence fails writes nothing and counts the batch as fenced', async () => {
    const config = testLogConfig(keys.dir, { runSequencer: true });
    // A leadership that believes it leads but whose lock is held elsewhere.
    const rival = createPostgresElection(tdb.postgresUrl!, { retryMs: 50 });
    rival.start();
    try {
      await within(3_000, () => rival.isLeader(), 'the rival leads');
      const stale = createPostgresElection(tdb.postgresUrl!, { retryMs: 60_000 });
      const believer = {
        isLeader: () => true,
        fence: stale.fence,
        onChange: stale.onChange,
      };
      // `stale` never started: its fence has no token and must refuse like a lost lock.
      const log = await startLog(tdb.cdb, config, { intervalMs: 20, leadership: believer });
      logs.push(log);
      await writeMessages(writer, 30);
      log.sequencer.notifyQueued(30);
      await within(3_000, () => log.sequencer.stats.fenced > 0, 'a fenced batch');
      expect(log.sequencer.stats.entries).toBe(0);
      expect(await log.service.size()).toBe(0);
    } finally {
      await rival.stop();
    }
  });
});
