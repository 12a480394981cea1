import { sql, type Kysely, type Migration } from 'kysely';
import { peekClaims } from '../../auth/signatures';
import { evidenceKeyOf, evidenceKindsOf } from '../../complaint-evidence';
import type { DatabaseDialect } from '../schema';

/**
 * What the oversight pages and the complaint route need without reading every complaint's signed
 * message (up to 256 KiB each):
 *
 * - `complaints.evidence_kinds` (a JSON array of the evidence's kinds, in its order): the company
 *   console lists a company's complaints with what their evidence is.
 * - `complaints.evidence_key` (complaint-evidence.ts) and the unique index
 *   `complaints_open_evidence_idx` on (company_id, pseudonym, evidence_key) of open complaints:
 *   one pseudonym cannot file the same complaint again while the first waits for a decision (each
 *   copy counted on the regulator's dashboard). Of open complaints stored twice before this
 *   migration the first keeps its key, the later ones get none.
 * - `suspensions_company_idx` (company_id, received_at): a company's suspension in force is read
 *   by company, newest first; without it each read scans every company's history.
 *
 * Complaints stored before get both columns from their message here, a page at a time; a message
 * that cannot be read gives `[]` and no key.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function complaintEvidenceKinds(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('complaints').addColumn('evidence_kinds', 'text').execute();
      await db.schema.alterTable('complaints').addColumn('evidence_key', 'text').execute();
      for (;;) {
        const rows: { sha256: string; jws: string }[] = await db
          .selectFrom('complaints')
          .innerJoin('messages', 'messages.sha256', 'complaints.sha256')
          .select(['complaints.sha256', 'messages.jws'])
          .where('complaints.evidence_kinds', 'is', null)
          .orderBy('complaints.sha256')
          .limit(200)
          .execute();
        if (rows.length === 0) break;
        for (const row of rows) {
          let evidence: unknown;
          try {
            evidence = peekClaims(row.jws).payload.evidence;
          } catch {
            evidence = undefined;
          }
          await db
            .updateTable('complaints')
            .set({
              evidence_kinds: JSON.stringify(evidenceKindsOf(evidence)),
              evidence_key: evidenceKeyOf(evidence),
            })
            .where('sha256', '=', row.sha256)
            .execute();
        }
      }
      await sql`update complaints set evidence_key = null
        where decision is null and exists (
          select 1 from complaints earlier
          where earlier.company_id = complaints.company_id
            and earlier.pseudonym = complaints.pseudonym
            and earlier.evidence_key = complaints.evidence_key
            and earlier.decision is null
            and (earlier.received_at < complaints.received_at
              or (earlier.received_at = complaints.received_at
                and earlier.sha256 < complaints.sha256)))`.execute(db);
      await db.schema
        .createIndex('complaints_open_evidence_idx')
        .unique()
        .on('complaints')
        .columns(['company_id', 'pseudonym', 'evidence_key'])
        .where(sql.ref('decision'), 'is', null)
        .execute();
      await db.schema
        .createIndex('suspensions_company_idx')
        .on('suspensions')
        .columns(['company_id', 'received_at'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('suspensions_company_idx').execute();
      await db.schema.dropIndex('complaints_open_evidence_idx').execute();
      await db.schema.alterTable('complaints').dropColumn('evidence_key').execute();
      await db.schema.alterTable('complaints').dropColumn('evidence_kinds').execute();
    },
  };
}
