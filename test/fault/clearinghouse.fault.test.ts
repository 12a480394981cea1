import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../portal/lib/server/db/database';
import { createPostgresDatabase } from '../../portal/lib/server/db/test-databases';
import type { DatabaseDialect } from '../../portal/lib/server/db/schema';
import { builtServer, sleep, type BuiltServer } from './built-server';
import { expectAllAcknowledged, expectLogConsistent, expectStoredOnce, phaseClock } from './checks';
import { runLoad, seededRandom } from './load';
import { logIdentity, pollCheckpoints } from './log-audit';

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

      const logged = expectAllAcknowledged(load, size.messages, `fault test on ${dialect}`);
      const final = await expectLogConsistent({
        url: running.url,
        identity,
        logged,
        notes: () => poller.stop(),
        minNotes: size.kills,
        dir,
        phases,
      });

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
