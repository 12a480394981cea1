import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The aggregates of the consent API (issue 4, docs/api.md): companies and their keys, the binding
 * of pseudonyms to their pairwise keys, grant requests, grants, refusals, revocations and the
 * per-company feed. Each row points at the signed message it came from (`messages.sha256`); the
 * message itself stays the source of truth, these tables are what the API queries.
 *
 * No customer name, e-mail, address or device id is stored here: customers appear only as
 * pseudonyms (`ps_…`) and their public keys. Times: `*_at` in milliseconds (the server's clock),
 * message times (`iat`, `until`, `ask_again_after`, `retired_at`, `compromised_since`, and
 * `grants.revoked_at`, the revoking message's time) in seconds.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function consent(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('companies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('legal_name', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        // The registration's fields without the JWS claims (company data, public in the registry).
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('registration_sha256', 'text', (c) => c.notNull().references('messages.sha256'))
        // The feed counter: taken with an UPDATE inside the storing transaction, so events of one
        // company commit in counter order and a reader never skips one that commits later.
        .addColumn('feed_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('domain_verified_at', 'bigint')
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('companies_status_idx')
        .on('companies')
        .columns(['status', 'id'])
        .execute();

      await db.schema
        .createTable('company_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('x', 'text', (c) => c.notNull())
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull().references('messages.sha256'))
        .addColumn('retired_at', 'bigint')
        .addColumn('compromised_since', 'bigint')
        .execute();
      await db.schema
        .createIndex('company_keys_company_idx')
        .on('company_keys')
        .column('company_id')
        .execute();

      await db.schema
        .createTable('pseudonyms')
        .addColumn('pseudonym', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('x', 'text', (c) => c.notNull())
        .addColumn('bound_at', 'bigint', (c) => c.notNull())
        .addColumn('bound_by', 'text', (c) => c.notNull().references('messages.sha256'))
        .execute();

      await db.schema
        .createTable('grant_requests')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text')
        .addColumn('signer', 'text', (c) => c.notNull())
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('grant_requests_pseudonym_idx')
        .on('grant_requests')
        .columns(['pseudonym', 'created_at'])
        .execute();

      await db.schema
        .createTable('grants')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull().references('pseudonyms.pseudonym'))
        .addColumn('request_sha256', 'text', (c) => c.notNull().references('grant_requests.sha256'))
        .addColumn('purposes', 'text', (c) => c.notNull())
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('until', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_purposes', 'text')
        .execute();
      await db.schema
        .createIndex('grants_pseudonym_idx')
        .on('grants')
        .column('pseudonym')
        .execute();
      await db.schema
        .createIndex('grants_company_idx')
        .on('grants')
        .columns(['company_id', 'revoked_at'])
        .execute();

      await db.schema
        .createTable('refusals')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull().references('pseudonyms.pseudonym'))
        .addColumn('request_sha256', 'text', (c) => c.notNull().references('grant_requests.sha256'))
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('ask_again_after', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('refusals_pseudonym_idx')
        .on('refusals')
        .columns(['pseudonym', 'company_id'])
        .execute();

      await db.schema
        .createTable('revocations')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull().references('pseudonyms.pseudonym'))
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('ack_sha256', 'text', (c) => c.references('messages.sha256'))
        .addColumn('acked_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('revocations_company_idx')
        .on('revocations')
        .columns(['company_id', 'acked_at'])
        .execute();
      await db.schema
        .createIndex('revocations_pseudonym_idx')
        .on('revocations')
        .column('pseudonym')
        .execute();

      await db.schema
        .createTable('consent_events')
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull().unique().references('messages.sha256'))
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('consent_events_pk', ['company_id', 'seq'])
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      for (const table of [
        'consent_events',
        'revocations',
        'refusals',
        'grants',
        'grant_requests',
        'pseudonyms',
        'company_keys',
        'companies',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
