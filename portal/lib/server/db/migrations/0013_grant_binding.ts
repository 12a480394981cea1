import { sql, type Kysely, type Migration } from 'kysely';
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
      // The API never stored such a grant; should a database hold one anyway, the start stops
      // with their hashes rather than with the constraint's bare error.
      const { rows } = await sql<{ sha256: string }>`select g.sha256 from grants g
        join pseudonyms p on p.pseudonym = g.pseudonym
        where p.company_id <> g.company_id order by g.sha256 limit 6`.execute(db);
      if (rows.length > 0) {
        throw new Error(
          `Migration 0013: grants name a pseudonym bound to another company (${rows
            .slice(0, 5)
            .map((row) => row.sha256)
            .join(', ')}${rows.length > 5 ? ', ...' : ''}); correct them before upgrading.`,
        );
      }
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
