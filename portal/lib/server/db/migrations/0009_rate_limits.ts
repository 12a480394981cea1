import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * Rate limits (issue 5, docs/api.md "Limits"): one fixed-window counter per bucket (`a:<address>`
 * or `k:<kid>`), updated by one atomic upsert, so several portal processes on the same database
 * share the budgets (portal/lib/server/rate-limits.ts).
 *
 * On PostgreSQL the table is UNLOGGED: its rows are worth nothing after a crash (they describe the
 * current minute), and a transaction that touches only unlogged tables commits without waiting
 * for a WAL flush, so counting a request costs no disk sync. SQLite has no such table type.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function rateLimits(dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      let table = db.schema.createTable('rate_limits');
      if (dialect === 'postgres') table = table.modifyFront(sql`unlogged`);
      await table
        .addColumn('bucket', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
      // The purge deletes by age.
      await db.schema
        .createIndex('rate_limits_window_idx')
        .on('rate_limits')
        .column('window_start')
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('rate_limits').execute();
    },
  };
}
