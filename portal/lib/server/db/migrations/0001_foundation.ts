import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * The foundation's tables: messages, replay protection and the log queue (see `../schema.ts`).
 *
 * Migrations receive `Kysely<any>` on purpose: they must keep working when `Database` changes
 * later, so they may not depend on today's types.
 */
export function foundation(dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('messages')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('signer', 'text', (c) => c.notNull())
        .addColumn('company_id', 'text')
        .addColumn('pseudonym', 'text')
        .addColumn('jws', 'text', (c) => c.notNull())
        // bigint: PostgreSQL's integer is 32 bits and millisecond times overflow it; SQLite maps
        // the name to its 64-bit INTEGER affinity, so one spelling serves both.
        .addColumn('iat', 'bigint', (c) => c.notNull())
        .addColumn('exp', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('messages_company_idx')
        .on('messages')
        .columns(['company_id', 'received_at'])
        .execute();
      await db.schema
        .createIndex('messages_pseudonym_idx')
        .on('messages')
        .columns(['pseudonym', 'received_at'])
        .execute();

      await db.schema
        .createTable('seen_jtis')
        .addColumn('signer', 'text', (c) => c.notNull())
        .addColumn('jti', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('seen_jtis_pk', ['signer', 'jti'])
        .execute();
      await db.schema
        .createIndex('seen_jtis_expires_idx')
        .on('seen_jtis')
        .column('expires_at')
        .execute();

      // The queue's seq is the order in which entries reach the log, so it must only grow.
      // PostgreSQL: bigserial. SQLite: only `integer primary key` is an alias of the rowid (a
      // `bigint primary key` would not auto-increment), and AUTOINCREMENT forbids reusing the
      // numbers of rows the sequencer already deleted.
      await db.schema
        .createTable('log_queue')
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('sha256', 'text', (c) => c.notNull().unique().references('messages.sha256'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('log_queue').execute();
      await db.schema.dropTable('seen_jtis').execute();
      await db.schema.dropTable('messages').execute();
    },
  };
}
