import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * Obligations of companies and the regulator's oversight (issue 5, docs/api.md "Obligations and
 * oversight"). The signed messages themselves live in `messages`; these tables hold what the API
 * needs to answer quickly and to compute findings and trust figures.
 *
 * - `disclosures`: every disclosure (the newest per company and pseudonym is the current one).
 * - `data_requests`: access and erasure requests with their deadline and, once given, the answer.
 * - `access_reports`: one row per accepted `access` batch (stored and counted, not logged).
 * - `access_findings`: each entry of a batch that lay outside its grant's scope.
 * - `complaints`: complaints with the regulator's decision once made.
 * - `suspensions`: the regulator's suspensions and reinstatements, as history.
 * - `blacklist_signals`: one row per (pseudonym, company, brand) while not withdrawn; `brand` is
 *   the empty string for the company as a whole (a primary key column cannot be null).
 *
 * Times named `*_at` and `deadline` are milliseconds of the server's clock; `iat` and `at` are
 * message seconds. Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function obligations(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('disclosures')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('grant_sha256', 'text')
        .addColumn('data_request_sha256', 'text')
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('disclosures_pseudonym_idx')
        .on('disclosures')
        .columns(['pseudonym', 'created_at'])
        .execute();

      await db.schema
        .createTable('data_requests')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('deadline', 'bigint', (c) => c.notNull())
        .addColumn('answer_sha256', 'text')
        .addColumn('outcome', 'text')
        .addColumn('answered_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('data_requests_company_idx')
        .on('data_requests')
        .columns(['company_id', 'received_at'])
        .execute();
      await db.schema
        .createIndex('data_requests_pseudonym_idx')
        .on('data_requests')
        .column('pseudonym')
        .execute();

      await db.schema
        .createTable('access_reports')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('accepted', 'bigint', (c) => c.notNull())
        .addColumn('out_of_scope', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('access_findings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('report_sha256', 'text', (c) => c.notNull())
        .addColumn('grant_sha256', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('data_categories', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('access_findings_company_idx')
        .on('access_findings')
        .columns(['company_id', 'received_at'])
        .execute();

      await db.schema
        .createTable('complaints')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('decision_sha256', 'text')
        .addColumn('decision', 'text')
        .addColumn('decided_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('complaints_company_idx')
        .on('complaints')
        .columns(['company_id', 'received_at'])
        .execute();

      await db.schema
        .createTable('suspensions')
        .addColumn('sha256', 'text', (c) => c.primaryKey().references('messages.sha256'))
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('regulator', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('blacklist_signals')
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('brand', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('blacklist_signals_pk', ['pseudonym', 'company_id', 'brand'])
        .execute();
      await db.schema
        .createIndex('blacklist_signals_company_idx')
        .on('blacklist_signals')
        .column('company_id')
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      for (const table of [
        'blacklist_signals',
        'suspensions',
        'complaints',
        'access_findings',
        'access_reports',
        'data_requests',
        'disclosures',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
