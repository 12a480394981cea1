import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * PostgreSQL: a grant's pseudonym must be bound to the grant's company, checked by the database
 * (`grants (pseudonym, company_id)` references `pseudonyms (pseudonym, company_id)`). The API
 * checked it before storing, and still does; the constraint lets a group commit store grants,
 * their bindings and their feed events as ONE statement without a transaction around it
 * (db/postgres-batch.ts), and still fail as a whole when another node bound a pseudonym to another
 * company meanwhile, which a statement's own snapshot cannot see but a foreign key check does.
 *
 * SQLite keeps the check in the transaction (`grant-effects.ts`): adding a foreign key there means
 * rebuilding the table, and its writes are one transaction on one connection anyway.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function grantBinding(dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      await db.schema
        .alterTable('pseudonyms')
        .addUniqueConstraint('pseudonyms_pseudonym_company_key', ['pseudonym', 'company_id'])
        .execute();
      await db.schema
        .alterTable('grants')
        .addForeignKeyConstraint(
          'grants_pseudonym_company_fk',
          ['pseudonym', 'company_id'],
          'pseudonyms',
          ['pseudonym', 'company_id'],
        )
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      if (dialect !== 'postgres') return;
      await db.schema.alterTable('grants').dropConstraint('grants_pseudonym_company_fk').execute();
      await db.schema
        .alterTable('pseudonyms')
        .dropConstraint('pseudonyms_pseudonym_company_key')
        .execute();
    },
  };
}
