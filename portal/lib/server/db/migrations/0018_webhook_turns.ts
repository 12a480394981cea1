import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * `webhook_endpoints.busy_until` (milliseconds): the lease of the node sending to the company now.
 * Each node sent one attempt at a time per company, but several nodes could send to one company at
 * once, each a delivery of its own: a receiver was promised one request at a time. A node takes
 * the company's turn by setting it, moves it forward with each delivery it claims, and clears it
 * when the turn ends; a node that dies frees it when the lease runs out. Null: nobody's turn.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function webhookTurns(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('webhook_endpoints').addColumn('busy_until', 'bigint').execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('webhook_endpoints').dropColumn('busy_until').execute();
    },
  };
}
