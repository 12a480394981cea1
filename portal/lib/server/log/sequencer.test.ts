import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base64Encode } from '../../../../protocol/encoding';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  tileHashReader,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../../../protocol/tlog';
import { openDatabase, type ClearinghouseDb } from '../db/database';
import type { DurableWriter } from '../db/durable-writer';
import { openTestDatabase, testDialects, type TestDatabase } from '../db/test-databases';
import { startLog, type ClearinghouseLog } from './clearinghouse-log';
import type { BatchCommit } from './sequencer';
import { nodeSha256 } from './sequencer';
import { databaseTileReader, storedHashReader } from './tile-store';
import {
  keyFolder,
  prepare,
  referenceTree,
  spawnSequencer,
  targetOf,
  testLogConfig,
  writeMessages,
} from './test-log';

const sha256 = nodeSha256;

async function count(
  cdb: ClearinghouseDb,
  table: 'log_queue' | 'log_leaves' | 'log_tiles' | 'log_bundles',
): Promise<number> {
  const row = await cdb.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A second, independent connection to the same database (another process, as far as locks go). */
async function secondConnection(tdb: TestDatabase): Promise<ClearinghouseDb> {
  return tdb.postgresUrl !== undefined
    ? openDatabase({ url: tdb.postgresUrl })
    : openDatabase({ sqlitePath: tdb.sqlitePath! });
}

/** Makes inserting `poisoned` into log_leaves fail inside the database, mid-batch. */
async function poisonLeaf(cdb: ClearinghouseDb, poisoned: string): Promise<void> {
  if (cdb.dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger poison before insert on log_leaves when new.sha256 = '${poisoned}'
         begin select raise(abort, 'poisoned leaf'); end`,
      )
      .execute(cdb.db);
  } else {
    await sql
      .raw(
        `create function poison() returns trigger language plpgsql as $$
         begin if new.sha256 = '${poisoned}' then raise exception 'poisoned leaf'; end if; return new; end $$;
         create trigger poison before insert on log_leaves for each row execute function poison();`,
      )
      .execute(cdb.db);
  }
}

async function unpoison(cdb: ClearinghouseDb): Promise<void> {
  await sql
    .raw(cdb.dialect === 'sqlite' ? 'drop trigger poison' : 'drop trigger poison on log_leaves')
    .execute(cdb.db);
}

describe.each(testDialects)('log sequencer on %s', (dialect) => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let keys: ReturnType<typeof keyFolder>;
  let log: ClearinghouseLog;
  const extra: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    tdb = await openTestDatabase(dialect);
    writer = await prepare(tdb.cdb);
    keys = keyFolder();
    log = await startLog(tdb.cdb, testLogConfig(keys.dir));
  });

  afterEach(async () => {
    for (const cleanup of extra.splice(0)) await cleanup();
    await log.stop();
    await writer.close();
    await tdb.dispose();
    keys.remove();
  });

  it('starts an empty log with a signed checkpoint of size 0', async () => {
    const head = log.sequencer.head();
    expect(head.size).toBe(0);
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    const checkpoint = openCheckpoint(head.checkpoint, verifier, 'localhost:3000/log');
    expect(checkpoint.size).toBe(0);
    expect(base64Encode(checkpoint.rootHash)).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('sequences queued messages in queue order, with dense indices, and empties the queue', async () => {
    await writeMessages(writer, 600);
    const queued = (
      await tdb.cdb.db.selectFrom('log_queue').select('sha256').orderBy('seq').execute()
    ).map((row) => row.sha256);
    const head = await log.sequencer.flush();
    expect(head.size).toBe(600);
    const reference = await referenceTree(tdb.cdb);
    expect(reference.sha256s).toEqual(queued);
    expect(await count(tdb.cdb, 'log_queue')).toBe(0);
    expect(await count(tdb.cdb, 'log_leaves')).toBe(600);
    expect(head.rootHash).toEqual(reference.root);
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    const checkpoint = openCheckpoint(head.checkpoint, verifier, 'localhost:3000/log');
    expect(checkpoint.size).toBe(600);
    expect(checkpoint.rootHash).toEqual(reference.root);
  });

  it.each([
    {
      name: 'one round of 256 per transaction',
      options: { maxTransactionEntries: 256 },
      commits: [
        [0, 256],
        [256, 512],
        [512, 600],
      ],
    },
    {
      name: 'rounds of 100 joined up to 250 entries per transaction',
      options: { maxBatch: 100, maxTransactionEntries: 250 },
      commits: [
        [0, 200],
        [200, 400],
        [400, 600],
      ],
    },
    {
      name: 'the defaults: a backlog drained in rounds of 256 inside one transaction',
      options: {},
      commits: [[0, 600]],
    },
    {
      name: 'no new round once the time budget is spent',
      options: { transactionBudgetMs: 0 },
      commits: [
        [0, 256],
        [256, 512],
        [512, 600],
      ],
    },
  ])(
    'writes each transaction as one commit with its own checkpoint: 600 entries, $name',
    async ({ options, commits: expected }) => {
      await log.stop();
      log = await startLog(tdb.cdb, testLogConfig(keys.dir), options);
      await writeMessages(writer, 600);
      const commits: BatchCommit[] = [];
      log.sequencer.onCommit((commit) => commits.push(commit));
      await log.sequencer.flush();
      expect(commits.map((commit) => [commit.firstIndex, commit.head.size])).toEqual(expected);
      expect(log.sequencer.stats).toMatchObject({ batches: expected.length, entries: 600 });
      const reference = await referenceTree(tdb.cdb);
      for (const commit of commits) {
        expect(commit.head.rootHash).toEqual(
          await treeHash(sha256, commit.head.size, reference.tree),
        );
        expect(commit.sha256s).toEqual(
          reference.sha256s.slice(commit.firstIndex, commit.head.size),
        );
      }
    },
  );

  it('stores full tiles, the partial right edge, and bundles whose leaves hash to the tiles', async () => {
    await writeMessages(writer, 600);
    await log.sequencer.flush();
    const tiles = await tdb.cdb.db
      .selectFrom('log_tiles')
      .select(['level', 'idx', 'width'])
      .orderBy('level')
      .orderBy('idx')
      .execute();
    expect(tiles.map((t) => [Number(t.level), Number(t.idx), Number(t.width)])).toEqual([
      [0, 0, 256],
      [0, 1, 256],
      [0, 2, 88],
      [1, 0, 2],
    ]);
    const bundles = await tdb.cdb.db
      .selectFrom('log_bundles')
      .select(['idx', 'width'])
      .orderBy('idx')
      .execute();
    expect(bundles.map((b) => [Number(b.idx), Number(b.width)])).toEqual([
      [0, 256],
      [1, 256],
      [2, 88],
    ]);
    const reference = await referenceTree(tdb.cdb);
    const level0 = await databaseTileReader(tdb.cdb.db)({ level: 0, index: 2, width: 88 });
    expect(level0).toEqual(
      new Uint8Array(
        Buffer.concat(reference.entries.slice(512).map((entry) => leafHash(sha256, entry))),
      ),
    );
    // The level-1 tile holds the roots of the two full level-0 tiles.
    const level1 = await databaseTileReader(tdb.cdb.db)({ level: 1, index: 0, width: 2 });
    const [root0, root1] = await reference.tree.readHashes([
      { level: 8, index: 0 },
      { level: 8, index: 1 },
    ]);
    expect(level1).toEqual(new Uint8Array(Buffer.concat([root0!, root1!])));
  });

  it('a batch that fails half-way leaves tiles, bundles, leaves, queue and checkpoint untouched', async () => {
    const sha256s = await writeMessages(writer, 300);
    await log.sequencer.flush(); // a committed first batch, so "untouched" is not "empty"
    const before = log.sequencer.head();
    const more = await writeMessages(writer, 300);
    const poisoned = more[150]!;
    await poisonLeaf(tdb.cdb, poisoned);
    const snapshot = async () => ({
      queue: await count(tdb.cdb, 'log_queue'),
      leaves: await count(tdb.cdb, 'log_leaves'),
      tiles: await tdb.cdb.db
        .selectFrom('log_tiles')
        .selectAll()
        .orderBy('level')
        .orderBy('idx')
        .execute(),
      bundles: await tdb.cdb.db.selectFrom('log_bundles').selectAll().orderBy('idx').execute(),
      state: await tdb.cdb.db.selectFrom('log_state').select(['size', 'checkpoint']).execute(),
    });
    const expected = await snapshot();
    // The poisoned leaf is the 151st of the next batch: that batch must fail as a whole.
    await expect(log.sequencer.flush()).rejects.toThrow();
    expect(await snapshot()).toEqual(expected);
    expect(log.sequencer.head()).toEqual(before);

    await unpoison(tdb.cdb);
    const head = await log.sequencer.flush();
    expect(head.size).toBe(600);
    const reference = await referenceTree(tdb.cdb);
    expect(new Set(reference.sha256s.slice(0, 300))).toEqual(new Set(sha256s));
    expect(new Set(reference.sha256s.slice(300))).toEqual(new Set(more));
    expect(head.rootHash).toEqual(reference.root);
  });

  it('resumes after a restart from the database alone: same root, and it keeps appending', async () => {
    await writeMessages(writer, 300);
    const first = await log.sequencer.flush();
    await log.stop();

    const other = await secondConnection(tdb);
    extra.push(() => other.close());
    const restarted = await startLog(other, testLogConfig(keys.dir));
    extra.push(() => restarted.stop());
    expect(restarted.sequencer.head()).toEqual(first);

    await writeMessages(writer, 333);
    const second = await restarted.sequencer.flush();
    expect(second.size).toBe(633);
    const reference = await referenceTree(tdb.cdb);
    expect(second.rootHash).toEqual(reference.root);
    // The old checkpoint is a prefix of the new one.
    const proof = await consistencyProof(
      sha256,
      300,
      633,
      tileHashReader(sha256, 633, databaseTileReader(tdb.cdb.db)),
    );
    verifyConsistency(sha256, {
      size1: 300,
      size2: 633,
      root1: first.rootHash,
      root2: second.rootHash,
      proof,
    });
  });

  it('stores every complete subtree hash, inside tiles too, exactly as the reference tree has it', async () => {
    await writeMessages(writer, 700);
    await log.sequencer.flush();
    const reference = await referenceTree(tdb.cdb);
    const nodes = [];
    for (let level = 0; 2 ** level <= 700; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 700; index++) nodes.push({ level, index });
    }
    const stored = await storedHashReader(tdb.cdb.db).readHashes(nodes);
    expect(stored).toEqual(await reference.tree.readHashes(nodes));
    // A subtree that is not complete yet is refused, not answered with a zero slot.
    await expect(
      storedHashReader(tdb.cdb.db).readHashes([{ level: 3, index: 87 }]),
    ).rejects.toThrow();
  });

  it('builds inclusion proofs from the tiles that verify against the checkpoint root', async () => {
    await writeMessages(writer, 700);
    const head = await log.sequencer.flush();
    const reference = await referenceTree(tdb.cdb);
    const reader = tileHashReader(sha256, head.size, databaseTileReader(tdb.cdb.db));
    for (const index of [0, 1, 255, 256, 511, 512, 699]) {
      const proof = await inclusionProof(sha256, index, head.size, reader);
      verifyInclusion(sha256, {
        leafHash: leafHash(sha256, reference.entries[index]!),
        index,
        size: head.size,
        proof,
        root: head.rootHash,
      });
    }
  });

  it('a sequencer in another process waits while this one holds the log lock, then continues its history', async () => {
    await writeMessages(writer, 100);
    await log.sequencer.flush();
    await writeMessages(writer, 50);

    // Hold the lock the way a sequencer does, in a transaction of this process.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = tdb.cdb.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('log_state')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where('id', '=', 1)
        .execute();
      locked();
      await released;
    });
    await isLocked;
    const other = spawnSequencer(targetOf(tdb), keys.dir, 'sequence');
    extra.push(async () => {
      other.child.kill('SIGTERM');
      const { stderr } = await other.exited;
      if (stderr !== '') console.log('child stderr:', stderr);
    });
    // Opening the log only reads, so the other process gets ready and then finds 50 entries waiting.
    await other.ready;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(other.commits).toEqual([]);
    // (No query on this process's connection here: on SQLite it is the held transaction's.)
    release();
    await holder;
    await until(
      () => other.commits.at(-1)?.size === 150,
      () => other.child.kill('SIGTERM'),
    );
    expect(other.commits[0]!.firstIndex).toBe(100);

    // The other process stops, so the last 10 are this one's to append: it notices that the log
    // moved (a resync) and appends after the other's entries, instead of forking.
    other.child.kill('SIGTERM');
    await other.exited;
    await writeMessages(writer, 10);
    const after = await log.sequencer.flush();
    expect(after.size).toBe(160);
    expect(log.sequencer.stats.resyncs).toBe(1);
    expect(await count(tdb.cdb, 'log_queue')).toBe(0);
    const reference = await referenceTree(tdb.cdb);
    expect(reference.sha256s).toHaveLength(160);
    expect(await log.service.size()).toBe(160);
  });

  it('two sequencers in two processes never interleave: their batches tile the index range exactly', async () => {
    const other = spawnSequencer(targetOf(tdb), keys.dir, 'sequence');
    extra.push(async () => {
      other.child.kill('SIGTERM');
      await other.exited;
    });
    await other.ready;
    const commits: { firstIndex: number; size: number; checkpoint: string }[] = [];
    log.sequencer.onCommit((commit) =>
      commits.push({
        firstIndex: commit.firstIndex,
        size: commit.head.size,
        checkpoint: commit.head.checkpoint,
      }),
    );
    for (let round = 0; round < 8; round++) {
      await writeMessages(writer, 150);
      if (round % 2 === 0) {
        // The two race for the same entries.
        await log.sequencer.flush();
      } else {
        // The other process takes this round on its own (so both surely sequence something).
        await until(async () => (await count(tdb.cdb, 'log_queue')) === 0);
      }
    }
    // The other process's last commit line may still be on its way through the pipe.
    const reported = () =>
      Math.max(0, ...commits.map((c) => c.size), ...other.commits.map((c) => c.size));
    await until(async () => (await count(tdb.cdb, 'log_queue')) === 0 && reported() === 1200);
    const reference = await referenceTree(tdb.cdb);
    expect(reference.sha256s).toHaveLength(1200);
    expect(new Set(reference.sha256s).size).toBe(1200);
    const all = [...commits, ...other.commits].sort((a, b) => a.firstIndex - b.firstIndex);
    expect(other.commits.length).toBeGreaterThan(0);
    let next = 0;
    const verifier = parseVerifierKey(log.description.logVerifierKey, sha256);
    for (const commit of all) {
      expect(commit.firstIndex).toBe(next);
      next = commit.size;
      // Every checkpoint either process published is a prefix of the final tree.
      const checkpoint = openCheckpoint(commit.checkpoint, verifier, 'localhost:3000/log');
      expect(checkpoint.rootHash).toEqual(await treeHash(sha256, commit.size, reference.tree));
    }
    expect(next).toBe(1200);
  });
});

/** Polls `condition` every 20 ms until it holds (the test timeout bounds the wait). */
async function until(
  condition: () => boolean | Promise<boolean>,
  onTimeout?: () => void,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      onTimeout?.();
      throw new Error('condition not reached within 20 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
