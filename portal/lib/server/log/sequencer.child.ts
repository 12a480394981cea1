/**
 * Child process of the sequencer tests (run with `node --import tsx`, never imported): a second
 * portal process on the same database.
 *
 * Usage: node --import tsx sequencer.child.ts <sqlite path | postgres url> <key folder> <mode>
 *
 * - `sequence`: runs the sequencer loop (5 ms interval) and prints `commit <first> <size> <note>`
 *   (note in base64) after each batch it commits. SIGTERM stops it cleanly.
 * - `crash`: the same, plus writes messages through the durable writer under load and prints
 *   `ack <sha256>` the moment each write resolves (the moment the API would answer 201). The
 *   parent kills it with SIGKILL at a moment of its choosing: no exit handler runs.
 */
import { openDatabase } from '../db/database';
import { createDurableWriter } from '../db/durable-writer';
import { migrateToLatest } from '../db/migrate';
import { startLog } from './clearinghouse-log';
import { makeRecord, testLogConfig } from './test-log';

const [target = '', keyDir = '', mode = 'sequence'] = process.argv.slice(2);
const cdb = await openDatabase(
  target.startsWith('postgres') ? { url: target } : { sqlitePath: target },
);
await migrateToLatest(cdb);
const log = await startLog(cdb, testLogConfig(keyDir, { runSequencer: true }), {
  intervalMs: 5,
  onError: (error) =>
    process.stderr.write(
      `sequencer: ${String(error)} ${(error as { code?: string }).code ?? ''} ${new Date().toISOString()}\n`,
    ),
});
log.sequencer.onCommit((commit) => {
  process.stdout.write(
    `commit ${commit.firstIndex} ${commit.head.size} ${Buffer.from(commit.head.checkpoint).toString('base64')}\n`,
  );
});
process.stdout.write('ready\n');

process.on('SIGTERM', () => {
  void log.stop().then(async () => {
    await cdb.close();
    process.exit(0);
  });
});

if (mode === 'crash') {
  const writer = createDurableWriter(cdb, { maxWaitMs: 1 });
  // Overlapping groups of writes until the kill: some are always in flight when it lands.
  for (;;) {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const result = await writer.write(makeRecord());
        process.stdout.write(`ack ${result.sha256}\n`);
        log.sequencer.notifyQueued();
      }),
    );
  }
}
