import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The regulator's dashboard (issue 10, portal/lib/server/dashboard.ts): its weekly series count
 * grants, refusals, revocations and refused relay attempts of the whole clearinghouse in a time
 * range. The earlier indexes all lead with a company or a pseudonym, so without these each series
 * was a full table scan (1,000,000 grants in bench/portal/regulator.ts); with them it is a range
 * scan of a narrow index that also answers the count on its own.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function dashboard(_dialect: DatabaseDialect): Migration {
  const indexes = [
    ['grants_created_idx', 'grants', 'created_at'],
    ['refusals_created_idx', 'refusals', 'created_at'],
    ['revocations_received_idx', 'revocations', 'received_at'],
    ['relay_refusals_refused_idx', 'relay_refusals', 'refused_at'],
  ] as const;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      for (const [name, table, column] of indexes) {
        await db.schema.createIndex(name).on(table).column(column).execute();
      }
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      for (const [name] of indexes) await db.schema.dropIndex(name).execute();
    },
  };
}
