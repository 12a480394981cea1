import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * `enrolments_company_idx`: the open invitations of a company's staff or of the regulators
 * (people.ts `openInvitationsOf`, which the consoles and `GET /api/v1/people/invitations` list)
 * read by company and role, newest first, instead of a scan of every link ever made (used ones
 * stay, as the record of who enrolled whom).
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function enrolmentLookup(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('enrolments_company_idx')
        .on('enrolments')
        .columns(['company_id', 'role', 'created_at'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('enrolments_company_idx').execute();
    },
  };
}
