import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db/database';
import { openTestDatabase } from './db/test-databases';
import type { DatabaseDialect } from './db/schema';
import { startLog } from './log/clearinghouse-log';
import { keyFolder, prepare, testLogConfig, writeMessages } from './log/test-log';
import { createMetrics } from './observe';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

const dialects: DatabaseDialect[] = ['sqlite', 'postgres'];

/**
 * Issue 13: on a node that does not sequence (a standby of the election, docs/scaling.md), the
 * in-memory head of its sequencer is the log's size when it started; `clearinghouse_log_size`
 * must show the log's current size all the same.
 */
describe.each(dialects)(
  'clearinghouse_log_size on a node that does not sequence (%s)',
  (dialect) => {
    it('shows the size of the latest stored checkpoint, not the size the node started with', async () => {
      const tdb = await openTestDatabase(dialect);
      const keys = keyFolder();
      cleanup.push(
        () => keys.remove(),
        () => tdb.dispose(),
      );
      const writer = await prepare(tdb.cdb);
      cleanup.push(() => writer.close());
      // The standby: its own database handle, as another process would have, and no loop.
      const standbyDb = await openDatabase(
        dialect === 'sqlite' ? { sqlitePath: tdb.sqlitePath! } : { url: tdb.postgresUrl! },
      );
      cleanup.push(() => standbyDb.close());
      const standby = await startLog(standbyDb, testLogConfig(keys.dir));
      cleanup.push(() => standby.stop());
      const metrics = createMetrics({ cdb: standbyDb, sequencer: standby.sequencer });
      expect(await metrics.registry.metrics()).toMatch(/^clearinghouse_log_size 0$/m);

      // The sequencing node (here: the test's own log on the first handle) moves the log on.
      const leader = await startLog(tdb.cdb, testLogConfig(keys.dir));
      cleanup.push(() => leader.stop());
      await writeMessages(writer, 12);
      expect((await leader.sequencer.flush()).size).toBe(12);

      expect(standby.sequencer.head().size).toBe(0); // what the gauge used to read
      expect(await metrics.registry.metrics()).toMatch(/^clearinghouse_log_size 12$/m);
      await writeMessages(writer, 3);
      await leader.sequencer.flush();
      expect(await metrics.registry.metrics()).toMatch(/^clearinghouse_log_size 15$/m);
    });
  },
);
