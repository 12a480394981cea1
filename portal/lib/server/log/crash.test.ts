import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCheckpoint, parseVerifierKey, treeHash } from '../../../../protocol/tlog';
import { migrateToLatest } from '../db/migrate';
import { openTestDatabase, testDialects, type TestDatabase } from '../db/test-databases';
import { startLog } from './clearinghouse-log';
import { nodeSha256 } from './sequencer';
import { keyFolder, referenceTree, spawnSequencer, targetOf, testLogConfig } from './test-log';

const rounds = 4;

/**
 * The crash test of issue 3: a portal process writing messages under load while its sequencer
 * integrates them is killed with SIGKILL at an arbitrary moment, several times in a row. After
 * each kill the log is reopened from the database alone and must hold every acknowledged message
 * exactly once, at dense indices, and every checkpoint any of the killed processes published must
 * be a prefix of the current tree (no published root ever changes).
 */
describe.each(testDialects)('log crash safety on %s', (dialect) => {
  let tdb: TestDatabase;
  let keys: ReturnType<typeof keyFolder>;

  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
    keys = keyFolder();
  });

  afterEach(async () => {
    await tdb.dispose();
    keys.remove();
  });

  it('SIGKILL under load never loses an acknowledged entry, never duplicates one, never rewrites a checkpoint', async () => {
    const acknowledged = new Set<string>();
    const checkpointsSeen: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const child = spawnSequencer(targetOf(tdb), keys.dir, 'crash');
      await child.ready;
      // Kill at a different point each round: after 150..600 acknowledgements, plus a few ms.
      const target = 150 + Math.floor(Math.random() * 450);
      while (child.acks.length < target) {
        const exit = await Promise.race([
          child.exited,
          new Promise<undefined>((resolve) => setTimeout(resolve, 5)),
        ]);
        if (exit !== undefined) throw new Error(`the child died on its own: ${exit.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20)));
      child.child.kill('SIGKILL');
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');
      for (const sha256 of child.acks) acknowledged.add(sha256);
      for (const commit of child.commits) checkpointsSeen.push(commit.checkpoint);

      // Restart from the database alone, and let it catch up with what was queued.
      const log = await startLog(tdb.cdb, testLogConfig(keys.dir));
      const head = await log.sequencer.flush();
      await log.stop();

      const reference = await referenceTree(tdb.cdb); // throws on a gap in the indices
      expect(reference.sha256s).toHaveLength(head.size);
      expect(new Set(reference.sha256s).size).toBe(head.size);
      const logged = new Set(reference.sha256s);
      const missing = [...acknowledged].filter((sha256) => !logged.has(sha256));
      expect(missing).toEqual([]);
      expect(head.rootHash).toEqual(reference.root);

      const verifier = parseVerifierKey(log.description.logVerifierKey, nodeSha256);
      for (const note of checkpointsSeen) {
        const checkpoint = openCheckpoint(note, verifier, 'localhost:3000/log');
        expect(checkpoint.size).toBeLessThanOrEqual(head.size);
        expect(checkpoint.rootHash).toEqual(
          await treeHash(nodeSha256, checkpoint.size, reference.tree),
        );
      }
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(rounds * 150);
    expect(checkpointsSeen.length).toBeGreaterThan(0);
  }, 120_000);
});
