import type { Kysely, Migration } from 'kysely';
import type { DatabaseDialect } from '../schema';

/**
 * `revocations.ack_deadline` (milliseconds): when the company's acknowledgement is due, fixed when
 * the revocation is stored, as `data_requests.deadline` is. The deadline was the received time
 * plus the setting of the moment (`REVOCATION_ACK_DEADLINE_HOURS`), so changing the setting
 * judged every past revocation again: an acknowledgement whose receipt said `onTime: true` could
 * turn into an overdue finding, and nodes started with different settings disagreed. Rows stored
 * before this migration keep null and are judged against the setting as before.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function revocationDeadline(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('revocations').addColumn('ack_deadline', 'bigint').execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('revocations').dropColumn('ack_deadline').execute();
    },
  };
}
