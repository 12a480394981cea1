import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The URL a delivery was last attempted at (`webhook_deliveries.last_url`): a "delivery failed"
 * finding names the address that failed, not the one the company names now (or none, after it
 * removed its webhook). Null for rows written before: the finding then falls back to the
 * endpoint's current URL, as before.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function webhookAttemptUrl(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('webhook_deliveries').addColumn('last_url', 'text').execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('webhook_deliveries').dropColumn('last_url').execute();
    },
  };
}
