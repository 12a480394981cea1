import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * Webhooks (issue 4, docs/api.md "Webhooks"): where each company wants its feed events POSTed and
 * the persisted delivery queue, so deliveries survive a restart and several nodes can share them.
 *
 * - `webhook_endpoints`: one row per company with a webhook (copied from its latest `company`
 *   message by the worker), and `last_seq`, the feed counter up to which events are queued.
 * - `webhook_deliveries`: one row per (company, feed event); the id is `<company>:<seq>`, so two
 *   nodes queueing the same event insert it once. `next_attempt_at` doubles as the claim: a worker
 *   moves it forward by a lease before sending, so another node does not send it at the same time.
 *   `failed` rows are the company's findings.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function webhooks(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('company_id', 'text', (c) => c.primaryKey().references('companies.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_company_idx')
        .on('webhook_deliveries')
        .columns(['company_id', 'status'])
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('webhook_endpoints').execute();
    },
  };
}
