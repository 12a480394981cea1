import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * `relay_contacts.signer` and `signed_at`: the key that signed an accepted offer and the offer's
 * `iat`. A contact outlives its offer (the JWS goes on delivery), so without them a company key
 * declared compromised could not void the contacts a thief's offers counted against a grant's cap
 * (compromise.ts). Rows stored before this migration keep null: such a contact is voided only
 * while its offer is still stored.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function relayContactSigner(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('relay_contacts').addColumn('signer', 'text').execute();
      await db.schema.alterTable('relay_contacts').addColumn('signed_at', 'bigint').execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('relay_contacts').dropColumn('signed_at').execute();
      await db.schema.alterTable('relay_contacts').dropColumn('signer').execute();
    },
  };
}
