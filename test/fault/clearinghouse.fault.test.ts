import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type ClearinghouseDb } from '../../portal/lib/server/db/database';
import { createPostgresDatabase } from '../../portal/lib/server/db/test-databases';
import type { DatabaseDialect } from '../../portal/lib/server/db/schema';
import { builtServer, sleep, type BuiltServer } from './built-server';
import { loggedKinds, runLoad, seededRandom, type Submission } from './load';
import {
  checkConsistentWithFinal,
  currentCheckpoint,
  logIdentity,
  pollCheckpoints,
  readEntries,
  runVerifierCli,
  waitForLogSize,
} from './log-audit';

/**
 * Issue 12 "Crashes": the BUILT clearinghouse under a load of grants, revocations and offers is
 * killed with SIGKILL at random moments and started again, on SQLite and on PostgreSQL. Afterwards
 * every acknowledged message is stored exactly once and sits in the log under exactly one index,
 * every checkpoint seen during the run is consistent with the final one, and the auditor's
 * verifier (`npm run verify -- --full`) passes.
 *
 * Sizes: 2,000 messages and 2 kills in `npm test`; 20,000 and 5 with `FAULT_FULL=1` or
 * `TEST_FULL=1` (`npm run test:full`). `FAULT_SEED=<n>` repeats a run's choices (which messages,
 * when the kills come); the seed is printed at the start.
 */
const full = process.env.FAULT_FULL === '1' || process.env.TEST_FULL === '1';
const size = full ? { messages: 20_000, kills: 5 } : { messages: 2_000, kills: 2 };
const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const dialects: DatabaseDialect[] = ['sqlite', 'postgres'];

describe.each(dialects)('the built clearinghouse killed under load, on %s', (dialect) => {
  let dir: string | undefined;
  let server: BuiltServer | undefined;

  afterEach(async () => {
    await server?.kill();
    server = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it(
    `loses and duplicates nothing acknowledged and never forks the log across ${size.kills} SIGKILLs in ${size.messages} messages`,
    async () => {
      const random = seededRandom(seed + (dialect === 'sqlite' ? 0 : 1));
      console.log(`fault test on ${dialect}: seed ${seed} (FAULT_SEED repeats it)`);
      dir = mkdtempSync(join(tmpdir(), `clearinghouse-fault-${dialect}-`));
      const sqlitePath = join(dir, 'clearinghouse.db');
      const postgresUrl = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
      server = await builtServer(
        dialect === 'sqlite' ? { dir, sqlitePath } : { dir, postgresUrl: postgresUrl! },
      );
      const running = server;
      const phases = phaseClock();
      await running.start();
      const identity = await logIdentity(running.url);
      const poller = pollCheckpoints(running.url, 50);

      // Kill points: after a random number of settled messages, plus a few milliseconds, so the
      // kill lands in a request, a group commit or a sequencer batch at random.
      const killAt = Array.from({ length: size.kills }, () =>
        Math.floor(size.messages * (0.1 + 0.8 * random())),
      ).sort((a, b) => a - b);
      let settled = 0;
      let loadDone = false;
      const supervisor = (async () => {
        for (const point of killAt) {
          while (settled < point && !loadDone) await sleep(2);
          if (loadDone) throw new Error(`the load ended before the kill at ${point} messages`);
          await sleep(Math.floor(random() * 25));
          await running.kill();
          await running.start();
        }
      })();

      const load = await runLoad({
        url: running.url,
        origin: running.origin,
        messages: size.messages,
        concurrency: 16,
        random,
        onSettled: (count) => (settled = count),
      }).finally(() => (loadDone = true));
      await supervisor;
      phases.mark('load');
      expect(running.starts).toBe(size.kills + 1);

      // Every message was answered in the end, and never with a server error or a refusal.
      expect(load.serverErrors).toEqual([]);
      const refused = load.submissions.filter((s) => s.status !== 201 && s.status !== 200);
      expect(refused.map((s) => `${s.kind} ${s.status} ${s.problem}`)).toEqual([]);
      const created = load.submissions.filter((s) => s.status === 201);
      const logged = load.submissions.filter((s) => loggedKinds.has(s.kind));
      const offers = load.submissions.filter((s) => s.kind === 'offer');
      expect(load.submissions).toHaveLength(size.messages + 2);
      expect(new Set(load.submissions.map((s) => s.sha256)).size).toBe(load.submissions.length);
      console.log(
        `fault test on ${dialect}: ${created.length} answered 201, ${load.submissions.length - created.length} 200 on a resend, ` +
          `${load.submissions.filter((s) => s.attempts > 1).length} resent; ${logged.length} logged, ${offers.length} offers`,
      );

      // The sequencer catches up with everything stored (within a second of each 201, SPECS).
      const final = await waitForLogSize(running.url, identity, logged.length);
      const notes = await poller.stop();
      phases.mark('sequencer catching up');
      expect(final.size).toBe(logged.length);

      // The public log: each logged message under exactly one index, nothing else in it.
      const entries = await readEntries(running.url, final);
      const indices = indexBySha256(entries.map((entry) => entry.sha256));
      expect(indices.size).toBe(entries.length);
      expect(logged.filter((s) => indices.get(s.sha256)?.length !== 1)).toEqual([]);
      const kindOf = new Map(logged.map((s) => [s.sha256, s.kind]));
      expect(entries.filter((entry) => entry.kind !== kindOf.get(entry.sha256))).toEqual([]);

      // Every checkpoint seen while the server was killed and restarted is a prefix of the final one.
      expect(notes.length).toBeGreaterThan(size.kills);
      for (const note of notes) await checkConsistentWithFinal(running.url, identity, note, final);
      phases.mark(`entries and ${notes.length} checkpoints`);

      // The auditor's verifier, from the earliest checkpoint seen, every entry and tile.
      const earliest = notes
        .map((note) => ({ note, size: Number(note.split('\n')[1]) }))
        .sort((a, b) => a.size - b.size)[0]?.note;
      const verified = await runVerifierCli(running.url, identity, dir, earliest);
      expect(verified.output).toContain('OK');
      expect(verified.code, verified.output).toBe(0);
      expect((await currentCheckpoint(running.url, identity)).checkpoint.size).toBe(final.size);
      phases.mark('verify --full');

      // The database, after a clean stop: each message stored once, each effect applied once.
      await running.stop();
      const cdb = await openDatabase(dialect === 'sqlite' ? { sqlitePath } : { url: postgresUrl! });
      try {
        await expectStoredOnce(cdb, load.submissions, final.size);
      } finally {
        await cdb.close();
      }
      phases.mark('database');
      console.log(`fault test on ${dialect}: ${phases.report()}`);
    },
    full ? 3_600_000 : 600_000,
  );
});

/** Seconds per phase, for the log line (the test asserts behaviour, never time). */
function phaseClock(): { mark(name: string): void; report(): string } {
  let last = performance.now();
  const marks: string[] = [];
  return {
    mark(name) {
      const now = performance.now();
      marks.push(`${name} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    },
    report: () => marks.join(', '),
  };
}

function indexBySha256(shas: readonly string[]): Map<string, number[]> {
  const indices = new Map<string, number[]>();
  shas.forEach((sha256, index) => {
    const list = indices.get(sha256) ?? [];
    list.push(index);
    indices.set(sha256, list);
  });
  return indices;
}

async function expectStoredOnce(
  cdb: ClearinghouseDb,
  submissions: readonly Submission[],
  logSize: number,
): Promise<void> {
  const db = cdb.db;
  const messages = await db.selectFrom('messages').select(['sha256', 'kind']).execute();
  const stored = new Map(messages.map((row) => [row.sha256, row.kind]));
  expect(messages).toHaveLength(stored.size);
  expect(submissions.filter((s) => stored.get(s.sha256) !== s.kind)).toEqual([]);

  // Each logged message got exactly one leaf, the leaves are 0..size-1, and nothing waits.
  const leaves = await db.selectFrom('log_leaves').select(['sha256', 'idx']).execute();
  expect(leaves).toHaveLength(logSize);
  expect(new Set(leaves.map((leaf) => leaf.idx)).size).toBe(logSize);
  expect(Math.max(...leaves.map((leaf) => leaf.idx))).toBe(logSize - 1);
  const leafCount = indexBySha256(leaves.map((leaf) => leaf.sha256));
  const logged = submissions.filter((s) => loggedKinds.has(s.kind));
  expect(logged.filter((s) => leafCount.get(s.sha256)?.length !== 1)).toEqual([]);
  const queued = await db
    .selectFrom('log_queue')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(queued.n)).toBe(0);

  // Effects: one grant row per grant, each revocation applied, one contact per offer.
  const grants = await db.selectFrom('grants').select(['sha256', 'revoked_at']).execute();
  const grantSent = submissions.filter((s) => s.kind === 'grant');
  expect(grants.map((g) => g.sha256).sort()).toEqual(grantSent.map((s) => s.sha256).sort());
  const revocations = await db.selectFrom('revocations').select('sha256').execute();
  expect(revocations.map((r) => r.sha256).sort()).toEqual(
    submissions
      .filter((s) => s.kind === 'revocation')
      .map((s) => s.sha256)
      .sort(),
  );
  expect(grants.filter((g) => g.revoked_at !== null)).toHaveLength(revocations.length);
  const contacts = await db.selectFrom('relay_contacts').select('offer_sha256').execute();
  expect(contacts.map((c) => c.offer_sha256).sort()).toEqual(
    submissions
      .filter((s) => s.kind === 'offer')
      .map((s) => s.sha256)
      .sort(),
  );
}
