/**
 * A company's trust figures, defined once (issue 4): the public registry, the company console and
 * the regulator's dashboard all show these numbers and nothing computed elsewhere.
 *
 * - `activeRelationships`: pseudonyms holding at least one grant to the company that is neither
 *   wholly revoked nor past its `until`;
 * - `revocationAcks.onTime`: revocations acknowledged within the deadline;
 * - `revocationAcks.overdue`: acknowledged after the deadline, or still unacknowledged past it
 *   (each of these is also a finding, see {@link overdueRevocations});
 * - `revocationAcks.open`: not yet acknowledged, still within the deadline;
 * - `refusedRelayAttempts`: offers the relay refused (relay.ts, all time);
 * - `upheldComplaints`: complaints a regulator upheld (oversight.ts; each is a finding);
 * - `boycotts`: pseudonyms with a logged relationship holding a blacklist signal against the
 *   company or one of its brands (oversight.ts; withdrawn signals do not count);
 * - `status`: pending, active or suspended.
 */
import { sql, type Kysely } from 'kysely';
import type { CompanyStatus, Database } from './db/schema';

export interface TrustFigures {
  status: CompanyStatus;
  activeRelationships: number;
  revocationAcks: { onTime: number; overdue: number; open: number };
  upheldComplaints: number;
  boycotts: number;
  refusedRelayAttempts: number;
}

/** The default acknowledgement deadline of a revocation: 72 hours (issue 4). */
export const defaultAckDeadlineMs = 72 * 60 * 60 * 1000;

/**
 * The trust figures of several companies in one query per figure, whatever their number.
 *
 * @example
 * ```ts
 * const figures = await trustFigures(db, [{ id, status: 'active' }], Date.now(), defaultAckDeadlineMs);
 * figures.get(id)?.revocationAcks.overdue;
 * ```
 */
export async function trustFigures(
  db: Kysely<Database>,
  companies: readonly { id: string; status: CompanyStatus }[],
  nowMs: number,
  ackDeadlineMs: number,
): Promise<Map<string, TrustFigures>> {
  const result = new Map<string, TrustFigures>();
  for (const { id, status } of companies) {
    result.set(id, {
      status,
      activeRelationships: 0,
      revocationAcks: { onTime: 0, overdue: 0, open: 0 },
      upheldComplaints: 0,
      boycotts: 0,
      refusedRelayAttempts: 0,
    });
  }
  if (companies.length === 0) return result;
  const ids = companies.map((c) => c.id);
  const nowSeconds = Math.floor(nowMs / 1000);

  const relationships = await db
    .selectFrom('grants')
    .select((eb) => ['company_id', eb.fn.count<number>('pseudonym').distinct().as('n')])
    .where('company_id', 'in', ids)
    .where('revoked_at', 'is', null)
    .where('until', '>', nowSeconds)
    .groupBy('company_id')
    .execute();
  for (const row of relationships) result.get(row.company_id)!.activeRelationships = Number(row.n);

  const deadline = sql<number>`${ackDeadlineMs}`;
  const acks = await db
    .selectFrom('revocations')
    .select([
      'company_id',
      sql<number>`sum(case when acked_at is not null and acked_at <= received_at + ${deadline} then 1 else 0 end)`.as(
        'on_time',
      ),
      sql<number>`sum(case when (acked_at is not null and acked_at > received_at + ${deadline}) or (acked_at is null and received_at + ${deadline} < ${nowMs}) then 1 else 0 end)`.as(
        'overdue',
      ),
      sql<number>`sum(case when acked_at is null and received_at + ${deadline} >= ${nowMs} then 1 else 0 end)`.as(
        'open',
      ),
    ])
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of acks) {
    result.get(row.company_id)!.revocationAcks = {
      onTime: Number(row.on_time),
      overdue: Number(row.overdue),
      open: Number(row.open),
    };
  }

  // Every offer the relay refused (relay.ts), all time: each is also a `relay-refused` finding.
  const refused = await db
    .selectFrom('relay_refusals')
    .select((eb) => ['company_id', eb.fn.countAll<number>().as('n')])
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of refused) result.get(row.company_id)!.refusedRelayAttempts = Number(row.n);

  // Complaints and blacklist signals (oversight.ts).
  const upheld = await db
    .selectFrom('complaints')
    .select((eb) => ['company_id', eb.fn.countAll<number>().as('n')])
    .where('company_id', 'in', ids)
    .where('decision', '=', 'upheld')
    .groupBy('company_id')
    .execute();
  for (const row of upheld) result.get(row.company_id)!.upheldComplaints = Number(row.n);
  const boycotts = await db
    .selectFrom('blacklist_signals')
    .select((eb) => ['company_id', eb.fn.count<number>('pseudonym').distinct().as('n')])
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of boycotts) result.get(row.company_id)!.boycotts = Number(row.n);
  return result;
}

/** A compliance finding about a revocation acknowledgement. */
export interface OverdueRevocation {
  type: 'revocation-ack-overdue';
  revocationSha256: string;
  pseudonym: string;
  /** When the clearinghouse stored the revocation (ms). */
  receivedAt: number;
  /** When the acknowledgement was due (ms). */
  deadline: number;
  /** When it came, or null while it is still missing. */
  ackedAt: number | null;
}

/**
 * The findings behind `revocationAcks.overdue`: each revocation acknowledged late or not at all
 * past its deadline, oldest first.
 *
 * @example
 * ```ts
 * const findings = await overdueRevocations(db, companyId, Date.now(), defaultAckDeadlineMs);
 * ```
 */
export async function overdueRevocations(
  db: Kysely<Database>,
  companyId: string,
  nowMs: number,
  ackDeadlineMs: number,
): Promise<OverdueRevocation[]> {
  const rows = await db
    .selectFrom('revocations')
    .select(['sha256', 'pseudonym', 'received_at', 'acked_at'])
    .where('company_id', '=', companyId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('acked_at', 'is not', null),
          eb('acked_at', '>', eb('received_at', '+', ackDeadlineMs)),
        ]),
        eb.and([eb('acked_at', 'is', null), eb('received_at', '<', nowMs - ackDeadlineMs)]),
      ]),
    )
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('received_at', 'desc')
    .orderBy('sha256', 'desc')
    .limit(1000)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'revocation-ack-overdue',
    revocationSha256: row.sha256,
    pseudonym: row.pseudonym,
    receivedAt: row.received_at,
    deadline: row.received_at + ackDeadlineMs,
    ackedAt: row.acked_at,
  }));
}
