import type { Kysely, Migration } from 'kysely';
import { peekClaims } from '../../auth/signatures';
import type { DatabaseDialect } from '../schema';

/**
 * Two additions for the company console's oversight pages:
 *
 * - `complaints.evidence_kinds` (a JSON array of the evidence's kinds, in its order): the console
 *   lists a company's complaints with what their evidence is, and read it from each complaint's
 *   signed message, up to 256 KiB each and 50 a page. Complaints stored before this migration get
 *   it from their message here, a page at a time; a message that cannot be read gives `[]`.
 * - `suspensions_company_idx` (company_id, received_at): the console and the API read a company's
 *   suspension in force by company, newest first; without it each read scans the history of every
 *   company's suspensions.
 *
 * Migrations receive `Kysely<any>` on purpose (see 0001).
 */
export function complaintEvidenceKinds(_dialect: DatabaseDialect): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('complaints').addColumn('evidence_kinds', 'text').execute();
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
          await db
            .updateTable('complaints')
            .set({ evidence_kinds: JSON.stringify(evidenceKindsOfMessage(row.jws)) })
            .where('sha256', '=', row.sha256)
            .execute();
        }
      }
      await db.schema
        .createIndex('suspensions_company_idx')
        .on('suspensions')
        .columns(['company_id', 'received_at'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('suspensions_company_idx').execute();
      await db.schema.alterTable('complaints').dropColumn('evidence_kinds').execute();
    },
  };
}

/** The kinds of a stored complaint's evidence (`[{kind, jws}]`), in its order. */
function evidenceKindsOfMessage(jws: string): string[] {
  let evidence: unknown;
  try {
    evidence = peekClaims(jws).payload.evidence;
  } catch {
    return [];
  }
  if (!Array.isArray(evidence)) return [];
  return evidence
    .map((e: unknown) => (e as { kind?: unknown } | null)?.kind)
    .filter((kind): kind is string => typeof kind === 'string');
}
