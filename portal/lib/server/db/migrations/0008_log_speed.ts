import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * `log_leaves` without a random-key index (issue 3's throughput bar; docs/performance.md "Log").
 *
 * 0002 gave `log_leaves` a unique index on `sha256`. A SHA-256 is a random key: every batch of
 * 256 entries inserted into that B-tree dirtied about 256 different pages, each written whole to
 * the WAL and again by the checkpoint, which made it the biggest single cost of sequencing once
 * the log held a few hundred thousand entries. Now:
 *
 * - `idx` is the table's key, and on SQLite it is `integer primary key`, the rowid itself: the
 *   entries of a batch are appended at the right edge of one B-tree (0002's `bigint` key was a
 *   second index beside the rowid).
 * - `received_at` (the message's, copied by the sequencer) leads the unique index
 *   `(received_at, sha256)`. Messages reach the queue in about the order they arrive, so this
 *   index also grows at its right edge. A receipt is still a point lookup: the message's primary
 *   key gives `received_at`, and `(received_at, sha256)` then finds the leaf
 *   (`log-service.ts`). As `received_at` is a function of `sha256` (one `messages` row per hash),
 *   the index is unique exactly when `sha256` is: still the last line of defence against
 *   sequencing a message twice.
 *
 * Existing leaves are copied with their message's `received_at`; a leaf whose message is gone
 * stops the migration (it would lose its receipt), rather than being dropped.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function logSpeed(dialect: DatabaseDialect): Migration {
  // SQLite: only `integer primary key` is the rowid (see 0001's log_queue).
  const key = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('log_leaves_0008')
        .addColumn('idx', key, (c) => c.primaryKey())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into log_leaves_0008 (idx, received_at, sha256)
        select l.idx, m.received_at, l.sha256 from log_leaves l
        inner join messages m on m.sha256 = l.sha256 order by l.idx`.execute(db);
      const counts = await sql<{ before: number | string; after: number | string }>`select
        (select count(*) from log_leaves) as before,
        (select count(*) from log_leaves_0008) as after`.execute(db);
      const row = counts.rows[0]!;
      if (Number(row.before) !== Number(row.after)) {
        throw new Error(
          `${Number(row.before) - Number(row.after)} log leaves have no message row; ` +
            'restore the messages table before migrating (their receipts would be lost).',
        );
      }
      await db.schema.dropTable('log_leaves').execute();
      await db.schema.alterTable('log_leaves_0008').renameTo('log_leaves').execute();
      await db.schema
        .createIndex('log_leaves_arrival_idx')
        .on('log_leaves')
        .columns(['received_at', 'sha256'])
        .unique()
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('log_leaves_0002')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .execute();
      await sql`insert into log_leaves_0002 (idx, sha256)
        select idx, sha256 from log_leaves order by idx`.execute(db);
      await db.schema.dropTable('log_leaves').execute();
      await db.schema.alterTable('log_leaves_0002').renameTo('log_leaves').execute();
    },
  };
}
