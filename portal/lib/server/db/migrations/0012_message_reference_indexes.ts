import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * Indexes on the four columns that reference `messages.sha256` without one. Deleting a message
 * (an offer acknowledged or expired from the relay, issue 5's purge) makes the database check each
 * referencing column for the deleted hash; without an index that check scans the whole table, so
 * the cost of one delete grew with the number of pseudonyms (measured by bench:capacity on
 * SQLite: 1.4 / 26 / 113 ms per delete at 2,000 / 20,000 / 200,000 pseudonyms, 0.06 ms with the
 * index). Applies to SQLite and PostgreSQL alike (neither indexes a referencing column by itself).
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function messageReferenceIndexes(_dialect: DatabaseDialect): Migration {
  const indexes = [
    ['pseudonyms_bound_by_idx', 'pseudonyms', 'bound_by'],
    ['revocations_ack_sha256_idx', 'revocations', 'ack_sha256'],
    ['company_keys_added_by_idx', 'company_keys', 'added_by'],
    ['companies_registration_sha256_idx', 'companies', 'registration_sha256'],
  ] as const;
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      for (const [name, table, column] of indexes)
        await db.schema.createIndex(name).on(table).column(column).execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      for (const [name] of indexes) await db.schema.dropIndex(name).execute();
    },
  };
}
