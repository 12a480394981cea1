import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * Contact caps count per company (DESIGN section 6, as the Assistant counts them): every contact
 * of the company with the pseudonym, whichever of its grants the offer named. A pseudonym belongs
 * to one company, so the count is by pseudonym, which this index serves (the relay's count under
 * the mailbox lock, and the regulator's review).
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function relayContactsPseudonym(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('relay_contacts_pseudonym_idx')
        .on('relay_contacts')
        .columns(['pseudonym', 'accepted_at'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('relay_contacts_pseudonym_idx').execute();
    },
  };
}
