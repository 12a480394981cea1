import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * People (issue 4, SPECS "People who sign", docs/api.md "People"): regulators and company staff,
 * who log in with passkeys and sign their actions with a WebCrypto Ed25519 key enrolled beside the
 * passkey. One-time enrolment links, WebAuthn challenges and sessions live here too, so several
 * portal processes share them.
 *
 * Secrets are never stored in clear: enrolment tokens and session tokens are kept as their
 * SHA-256 (a database dump does not let anyone enrol or log in). Times are milliseconds of the
 * server's clock. Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function people(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('people')
        // `pe_` + 16 random bytes: stable across re-enrolments (a regulator's `rg_` id is not).
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text', (c) => c.references('companies.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        // The WebAuthn user handle: random, so the authenticator learns nothing about the person.
        .addColumn('webauthn_user_id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('people_company_idx')
        .on('people')
        .columns(['company_id', 'role'])
        .execute();

      await db.schema
        .createTable('person_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
        .addColumn('x', 'text', (c) => c.notNull())
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('person_keys_person_idx')
        .on('person_keys')
        .column('person_id')
        .execute();

      await db.schema
        .createTable('passkeys')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
        // base64url COSE public key, as the authenticator returned it.
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('retired_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('passkeys_person_idx')
        .on('passkeys')
        .column('person_id')
        .execute();

      await db.schema
        .createTable('enrolments')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text', (c) => c.references('companies.id'))
        .addColumn('name', 'text')
        // Set for a recovery: the person who enrols again.
        .addColumn('person_id', 'text', (c) => c.references('people.id'))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('used_by', 'text')
        .execute();

      await db.schema
        .createTable('webauthn_challenges')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('challenge', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text')
        .addColumn('webauthn_user_id', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webauthn_challenges_expiry_idx')
        .on('webauthn_challenges')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sessions_person_idx')
        .on('sessions')
        .column('person_id')
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      for (const table of [
        'sessions',
        'webauthn_challenges',
        'enrolments',
        'passkeys',
        'person_keys',
        'people',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
