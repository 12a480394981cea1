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
 * - `dataRequests.onTime`: access and erasure requests answered by their deadline (the one
 *   stored with each request on receipt, one month by default, obligations.ts);
 * - `dataRequests.overdue`: answered after the deadline, or still unanswered past it (each of
 *   these is also a `data-request-overdue` finding; both use {@link dataRequestStates});
 * - `dataRequests.open`: not yet answered, still within the deadline;
 * - `outOfScopeAccess`: entries of the company's access reports outside their grant's scope, each
 *   an `access-out-of-scope` finding (obligations.ts; an entry counts once whatever its `count`);
 * - `refusedRelayAttempts`: offers the relay refused (relay.ts, all time);
 * - `upheldComplaints`: complaints a regulator upheld (oversight.ts; each is a finding);
 * - `boycotts`: pseudonyms with a logged relationship holding a blacklist signal against the
 *   company or one of its brands (oversight.ts; withdrawn signals do not count);
 * - `status`: pending, active or suspended.
 */
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type SqlBool,
} from 'kysely';
import type { CompanyStatus, Database } from './db/schema';

export interface TrustFigures {
  status: CompanyStatus;
  activeRelationships: number;
  revocationAcks: { onTime: number; overdue: number; open: number };
  dataRequests: { onTime: number; overdue: number; open: number };
  outOfScopeAccess: number;
  upheldComplaints: number;
  boycotts: number;
  refusedRelayAttempts: number;
}

/**
 * When the acknowledgement of revocation `row` is due (ms): its own deadline, fixed when it was
 * stored; for a row stored before migration 0019, its receipt plus `ackDeadlineMs` (the setting).
 *
 * @example
 * ```ts
 * ackDueAt({ received_at: 0, ack_deadline: null }, defaultAckDeadlineMs); // 259200000
 * ```
 */
export function ackDueAt(
  row: { received_at: number; ack_deadline: number | null },
  ackDeadlineMs: number,
): number {
  return row.ack_deadline === null
    ? Number(row.received_at) + ackDeadlineMs
    : Number(row.ack_deadline);
}

/** {@link ackDueAt} in SQL, over the columns of `revocations`. */
export function ackDueSql(ackDeadlineMs: number): RawBuilder<number> {
  return sql<number>`coalesce(${sql.ref('revocations.ack_deadline')}, ${sql.ref('revocations.received_at')} + ${sql.lit(ackDeadlineMs)})`;
}

/** The default acknowledgement deadline of a revocation: 72 hours (issue 4). */
export const defaultAckDeadlineMs = 72 * 60 * 60 * 1000;

/**
 * Where each data request stands against its deadline at `nowMs`, as conditions on a
 * `data_requests` row: the one rule behind `dataRequests` and the `data-request-overdue`
 * findings. The deadline is the request's own, stored on receipt; due "by" it, so an answer at
 * the deadline's very millisecond is on time and an unanswered request turns overdue just after
 * it. Every request is in exactly one of the three states.
 *
 * @example
 * ```ts
 * db.selectFrom('data_requests').selectAll().where((eb) => dataRequestStates(eb, Date.now()).overdue);
 * ```
 */
export function dataRequestStates(
  eb: ExpressionBuilder<Database, 'data_requests'>,
  nowMs: number,
): { onTime: Expression<SqlBool>; overdue: Expression<SqlBool>; open: Expression<SqlBool> } {
  const answered = eb('answered_at', 'is not', null);
  const unanswered = eb('answered_at', 'is', null);
  return {
    onTime: eb.and([answered, eb('answered_at', '<=', eb.ref('deadline'))]),
    overdue: eb.or([
      eb.and([answered, eb('answered_at', '>', eb.ref('deadline'))]),
      eb.and([unanswered, eb('deadline', '<', nowMs)]),
    ]),
    open: eb.and([unanswered, eb('deadline', '>=', nowMs)]),
  };
}

/** The counts of a row of sums against a deadline (PostgreSQL sums bigints into strings). */
function deadlineCounts(row: {
  on_time: number | string;
  overdue: number | string;
  open: number | string;
}): TrustFigures['revocationAcks'] {
  return { onTime: Number(row.on_time), overdue: Number(row.overdue), open: Number(row.open) };
}

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
      dataRequests: { onTime: 0, overdue: 0, open: 0 },
      outOfScopeAccess: 0,
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

  const due = ackDueSql(ackDeadlineMs);
  const acks = await db
    .selectFrom('revocations')
    .select([
      'company_id',
      sql<number>`sum(case when acked_at is not null and acked_at <= ${due} then 1 else 0 end)`.as(
        'on_time',
      ),
      sql<number>`sum(case when (acked_at is not null and acked_at > ${due}) or (acked_at is null and ${due} < ${nowMs}) then 1 else 0 end)`.as(
        'overdue',
      ),
      sql<number>`sum(case when acked_at is null and ${due} >= ${nowMs} then 1 else 0 end)`.as(
        'open',
      ),
    ])
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of acks) result.get(row.company_id)!.revocationAcks = deadlineCounts(row);

  // Data requests and access findings (obligations.ts), over `data_requests_company_idx` and
  // `access_findings_company_idx` (migration 0007), both led by `company_id`.
  const requests = await db
    .selectFrom('data_requests')
    .select((eb) => {
      const state = dataRequestStates(eb, nowMs);
      const count = (condition: Expression<SqlBool>) =>
        sql<number>`sum(case when ${condition} then 1 else 0 end)`;
      return [
        'company_id',
        count(state.onTime).as('on_time'),
        count(state.overdue).as('overdue'),
        count(state.open).as('open'),
      ];
    })
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of requests) result.get(row.company_id)!.dataRequests = deadlineCounts(row);
  const outOfScope = await db
    .selectFrom('access_findings')
    .select((eb) => ['company_id', eb.fn.countAll<number>().as('n')])
    .where('company_id', 'in', ids)
    .groupBy('company_id')
    .execute();
  for (const row of outOfScope) result.get(row.company_id)!.outOfScopeAccess = Number(row.n);

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
    .select(['sha256', 'pseudonym', 'received_at', 'acked_at', 'ack_deadline'])
    .where('company_id', '=', companyId)
    .where((eb) =>
      eb.or([
        eb.and([eb('acked_at', 'is not', null), eb('acked_at', '>', ackDueSql(ackDeadlineMs))]),
        eb.and([eb('acked_at', 'is', null), eb(ackDueSql(ackDeadlineMs), '<', nowMs)]),
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
    deadline: ackDueAt(row, ackDeadlineMs),
    ackedAt: row.acked_at,
  }));
}
