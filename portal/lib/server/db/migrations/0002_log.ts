import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The Merkle log's own tables (issue 3; see `portal/lib/server/log/` and docs/log.md):
 *
 * - `log_state`: one row (id 1) with the tree size, root and the latest signed checkpoint. The
 *   sequencer locks it first in every batch transaction, so two processes never sequence at once.
 * - `log_tiles`: hash tiles of C2SP tlog-tiles keyed (level, idx), holding the newest width; a
 *   narrower width of the same tile is its prefix, so older partial widths are served by slicing.
 *   Beside each tile, `subtrees` keeps the hashes of the complete subtrees *inside* it (the 7
 *   levels between two tile levels), which a client recomputes from the tile: stored, a proof is
 *   a few reads instead of hundreds of hashes (DESIGN section 9: p99 <= 2 ms at 1M entries).
 * - `log_bundles`: the entry bundles (level-0 tiles of entries), same idea.
 * - `log_leaves`: which message sits at which index, for receipts. The unique sha256 is the last
 *   line of defence against sequencing a message twice: such a batch fails as a whole.
 * - `log_rejects`: queued messages that cannot become a log entry (e.g. no company id: a bug in
 *   the API that accepted them). They leave the queue, in the batch's transaction, so one bad row
 *   cannot stall the log for everyone; operators see them here and in the error log.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function log(dialect: DatabaseDialect): Migration {
  // better-sqlite3 and pg both hand blobs back as Buffer (a Uint8Array).
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('log_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('root_hash', bytes, (c) => c.notNull())
        .addColumn('checkpoint', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('log_tiles')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('data', bytes, (c) => c.notNull())
        .addColumn('subtrees', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_tiles_pk', ['level', 'idx'])
        .execute();

      await db.schema
        .createTable('log_bundles')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('data', bytes, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('log_leaves')
        .addColumn('idx', 'bigint', (c) => c.primaryKey())
        .addColumn('sha256', 'text', (c) => c.notNull().unique())
        .execute();

      await db.schema
        .createTable('log_rejects')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('rejected_at', 'bigint', (c) => c.notNull())
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('log_rejects').execute();
      await db.schema.dropTable('log_leaves').execute();
      await db.schema.dropTable('log_bundles').execute();
      await db.schema.dropTable('log_tiles').execute();
      await db.schema.dropTable('log_state').execute();
    },
  };
}
