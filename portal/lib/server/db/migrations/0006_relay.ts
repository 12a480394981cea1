import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The sealed relay (issue 5, docs/api.md "Relay"): offers and rewards waiting in a pseudonym's
 * inbox, corrections waiting for a company, the contact counts of the contact cap, and the offers
 * the relay refused.
 *
 * - `relay_mailboxes`: one counter per owner (`ps_…` inbox, `co_…` corrections), taken with an
 *   upsert inside the storing transaction; it holds the owner's row lock until commit, so items
 *   of one mailbox commit in cursor order (a reader paging with `after` never skips one) and
 *   concurrent offers to one pseudonym are counted against the cap one after the other.
 * - `relay_items` / `relay_corrections`: what waits to be fetched; acknowledged or expired rows
 *   are deleted (offers and rewards together with their `messages` row).
 * - `relay_contacts`: one row per accepted offer, kept when the offer is delivered and deleted
 *   (SPECS "Consent conditions": the counts are not deleted with the offers).
 * - `relay_refusals`: every refused offer (the company's findings and trust figure); the offer
 *   itself stays in `messages` as signed evidence.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function relay(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('relay_mailboxes')
        .addColumn('owner', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('relay_items')
        .addColumn('id', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('pseudonym', 'text', (c) => c.notNull().references('pseudonyms.pseudonym'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('grant_sha256', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('relay_items_inbox_idx')
        .on('relay_items')
        .columns(['pseudonym', 'seq'])
        .execute();
      await db.schema
        .createIndex('relay_items_expiry_idx')
        .on('relay_items')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('relay_contacts')
        .addColumn('offer_sha256', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('grant_sha256', 'text', (c) => c.notNull())
        .addColumn('accepted_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('relay_contacts_grant_idx')
        .on('relay_contacts')
        .columns(['grant_sha256', 'accepted_at'])
        .execute();

      await db.schema
        .createTable('relay_refusals')
        .addColumn('offer_sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('grant_sha256', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('refused_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('relay_refusals_company_idx')
        .on('relay_refusals')
        .columns(['company_id', 'refused_at'])
        .execute();

      await db.schema
        .createTable('relay_corrections')
        .addColumn('id', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull().references('pseudonyms.pseudonym'))
        .addColumn('data_category', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('relay_corrections_company_idx')
        .on('relay_corrections')
        .columns(['company_id', 'seq'])
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('relay_corrections').execute();
      await db.schema.dropTable('relay_refusals').execute();
      await db.schema.dropTable('relay_contacts').execute();
      await db.schema.dropTable('relay_items').execute();
      await db.schema.dropTable('relay_mailboxes').execute();
    },
  };
}
