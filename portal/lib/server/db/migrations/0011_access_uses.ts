import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * "When it last used which data for what" (issue 9, portal/lib/server/pseudonym-activity.ts):
 * `access_reports` keeps only a batch's counts, so a pseudonym could not learn about the uses of
 * its data. `access_uses` keeps, per grant, purpose and set of data categories, the latest time
 * a company reported using them in scope and how often in total: bounded by the distinct uses,
 * not by the number of reports (out-of-scope uses stay in `access_findings`).
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function accessUses(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('access_uses')
        // `<grant sha256>:<purpose>:<categories sorted, comma-separated>`.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pseudonym', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text', (c) => c.notNull().references('companies.id'))
        .addColumn('grant_sha256', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('data_categories', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('report_sha256', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('access_uses_pseudonym_idx')
        .on('access_uses')
        .columns(['pseudonym', 'at'])
        .execute();
      await db.schema
        .createIndex('access_findings_pseudonym_idx')
        .on('access_findings')
        .columns(['pseudonym', 'at'])
        .execute();
      await db.schema
        .createIndex('complaints_pseudonym_idx')
        .on('complaints')
        .column('pseudonym')
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('complaints_pseudonym_idx').execute();
      await db.schema.dropIndex('access_findings_pseudonym_idx').execute();
      await db.schema.dropTable('access_uses').execute();
    },
  };
}
