import { sql, type Kysely, type Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * What a company key declared compromised voids must be found again later (compromise.ts):
 *
 * - `relay_contacts.signer` and `signed_at`: the key that signed an accepted offer and the
 *   offer's `iat`, indexed by both. A contact outlives its offer (the JWS goes on delivery), so
 *   without them the contacts a thief's offers counted against a grant's cap could not be voided.
 *   Rows stored before this migration keep null: such a contact is voided only while its offer
 *   is still stored.
 * - `access_use_reports`: each access report's share of each row of `access_uses`, which keeps
 *   only a sum and the latest time, so that a voided report can be taken out of it again. Each
 *   row stored before this migration gets one share, its whole sum under its latest report.
 * - `access_findings_report_idx`: a voided report's findings, found by the report.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function compromiseVoiding(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('relay_contacts').addColumn('signer', 'text').execute();
      await db.schema.alterTable('relay_contacts').addColumn('signed_at', 'bigint').execute();
      await db.schema
        .createIndex('relay_contacts_signer_idx')
        .on('relay_contacts')
        .columns(['signer', 'signed_at'])
        .execute();

      await db.schema
        .createTable('access_use_reports')
        .addColumn('use_id', 'text', (c) => c.notNull())
        .addColumn('report_sha256', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_use_reports_pk', ['use_id', 'report_sha256'])
        .execute();
      await db.schema
        .createIndex('access_use_reports_report_idx')
        .on('access_use_reports')
        .column('report_sha256')
        .execute();
      await sql`insert into access_use_reports (use_id, report_sha256, at, count)
        select id, report_sha256, at, count from access_uses`.execute(db);

      await db.schema
        .createIndex('access_findings_report_idx')
        .on('access_findings')
        .column('report_sha256')
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('access_findings_report_idx').execute();
      await db.schema.dropTable('access_use_reports').execute();
      await db.schema.dropIndex('relay_contacts_signer_idx').execute();
      await db.schema.alterTable('relay_contacts').dropColumn('signed_at').execute();
      await db.schema.alterTable('relay_contacts').dropColumn('signer').execute();
    },
  };
}
