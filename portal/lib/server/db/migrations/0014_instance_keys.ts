import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The public keys every node of one database must share, recorded by the first node that starts
 * (`log/shared-key.ts`): a node that comes up with another webhook key (its key file missing, so
 * it made one of its own) would sign deliveries no receiver can verify, and each would end as a
 * "delivery failed" finding against the company. The log key needs no row: the sequencer checks
 * it against the stored checkpoint.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function instanceKeys(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('instance_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('x', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('instance_keys').execute();
    },
  };
}
