import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * On PostgreSQL, no planner statistics for `messages.jws`: no query filters, joins or sorts on a
 * message's token (it is read by `sha256`), yet `analyze`, in autovacuum's rounds after a burst of
 * grants, read and detoasted a sample of tokens for them, most of its CPU time in that round
 * (docs/performance.md, "API": autovacuum's first round on the two cores). A column with
 * statistics target 0 is skipped by `analyze`; every other column keeps the default. On a
 * database that was analyzed before, the column's old row in `pg_stats` stays (`analyze` skips
 * the column without deleting it, and only a superuser could): harmless, as no plan reads it.
 * SQLite's `ANALYZE` looks at indexes only, so there is nothing to change there.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function messageStatistics(dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`alter table messages alter column jws set statistics 0`.execute(db);
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      await sql`alter table messages alter column jws set statistics -1`.execute(db);
    },
  };
}
