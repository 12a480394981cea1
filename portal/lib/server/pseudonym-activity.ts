/**
 * What happened with a pseudonym's data and complaints, for the pseudonym itself (issue 9, "when
 * it last used which data for what" and the complaints' state on /me). It travels inside the
 * pseudonym's signed relationships read (relationships.ts, singly and in the batch), so asking
 * for it takes no extra signature and links no pseudonyms beyond what that read already does.
 *
 * - Access uses: companies report uses in `access` batches (obligations.ts); each in-scope entry
 *   updates one row per grant, purpose and set of categories in `access_uses` (the latest time,
 *   the total count), so the table grows with distinct uses, not with reports. Out-of-scope
 *   entries are findings (`access_findings`) and show too, flagged with their reason.
 * - Complaints: the pseudonym's own complaints with the regulator's decision, if any.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './db/schema';
import type { AccessScopeViolation } from './obligations';

/** The most access events one relationship answer carries (newest first). */
export const maxAccessEvents = 20;
/** The most complaints one relationship answer carries (newest first). */
export const maxPseudonymComplaints = 100;

/** One reported use of the pseudonym's data. */
export interface AccessEvent {
  /** When the company used the data (epoch seconds, the latest use of this kind). */
  at: number;
  purpose: string;
  dataCategories: string[];
  grantSha256: string;
  /** Uses of this kind reported in total. */
  count: number;
  /** Why the use lay outside its grant, or null when it was covered. */
  outOfScope: AccessScopeViolation | null;
}

/** One of the pseudonym's complaints and, once decided, the regulator's signed decision. */
export interface PseudonymComplaint {
  sha256: string;
  company: string;
  reasons: string[];
  /** Milliseconds since the epoch. */
  receivedAt: number;
  decision: {
    sha256: string;
    /** The regulator's `complaint-decision` JWS (its payload carries the reason, de and en). */
    jws: string;
    decision: 'upheld' | 'dismissed';
    /** Milliseconds since the epoch. */
    decidedAt: number;
  } | null;
}

/** What {@link pseudonymActivity} answers per pseudonym. */
export interface PseudonymActivity {
  accessEvents: AccessEvent[];
  complaints: PseudonymComplaint[];
}

/** One in-scope access entry whose grant is known. */
export interface AccessUse {
  pseudonym: string;
  grantSha256: string;
  purpose: string;
  dataCategories: readonly string[];
  at: number;
  count: number;
}

/**
 * The `access_uses` row a use counts in: `<grant sha256>:<purpose>:<categories sorted,
 * comma-separated>`.
 */
function accessUseId(use: {
  grantSha256: string;
  purpose: string;
  dataCategories: readonly string[];
}): string {
  return `${use.grantSha256}:${use.purpose}:${[...use.dataCategories].sort().join(',')}`;
}

/**
 * Stores the in-scope uses of one access report inside its transaction: one row per grant,
 * purpose and category set, keeping the latest time and summing the counts (entries of the same
 * kind within the report are merged first: one statement may touch a row once).
 *
 * @example
 * ```ts
 * await recordAccessUses(trx, { reportSha256, companyId }, uses);
 * ```
 */
export async function recordAccessUses(
  trx: Transaction<Database> | Kysely<Database>,
  report: { reportSha256: string; companyId: string },
  uses: readonly AccessUse[],
): Promise<void> {
  const rows = new Map<string, Database['access_uses']>();
  for (const use of uses) {
    const categories = [...use.dataCategories].sort();
    const id = accessUseId(use);
    const seen = rows.get(id);
    if (seen !== undefined) {
      seen.at = Math.max(seen.at, use.at);
      seen.count += use.count;
      continue;
    }
    rows.set(id, {
      id,
      pseudonym: use.pseudonym,
      company_id: report.companyId,
      grant_sha256: use.grantSha256,
      purpose: use.purpose,
      data_categories: JSON.stringify(categories),
      at: use.at,
      count: use.count,
      report_sha256: report.reportSha256,
    });
  }
  if (rows.size === 0) return;
  // In the order of their ids, as a compromise's voiding holds them (PostgreSQL: no deadlock).
  const sorted = [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Each report's share of each use, so that a report voided later (compromise.ts) can be taken
  // out of the sums again.
  await trx
    .insertInto('access_use_reports')
    .values(
      sorted.map((row) => ({
        use_id: row.id,
        report_sha256: report.reportSha256,
        at: row.at,
        count: row.count,
      })),
    )
    .onConflict((oc) => oc.columns(['use_id', 'report_sha256']).doNothing())
    .execute();
  const at = sql.ref('access_uses.at');
  await trx
    .insertInto('access_uses')
    .values(sorted)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        // Every SET expression reads the old row, in SQLite and PostgreSQL alike.
        at: sql<number>`CASE WHEN excluded.at > ${at} THEN excluded.at ELSE ${at} END`,
        count: sql<number>`${sql.ref('access_uses.count')} + excluded.count`,
        report_sha256: sql<string>`CASE WHEN excluded.at >= ${at} THEN excluded.report_sha256 ELSE ${sql.ref('access_uses.report_sha256')} END`,
      }),
    )
    .execute();
}

const rank = (partition: string, order: string) =>
  sql<number>`row_number() over (partition by ${sql.ref(partition)} order by ${sql.ref(order)} desc)`;

/**
 * The access events and complaints of each of `pseudonyms` (newest first, at most
 * {@link maxAccessEvents} and {@link maxPseudonymComplaints} each), in three queries whatever
 * their number: the batch read asks for up to 100 at once.
 *
 * @example
 * ```ts
 * const activity = (await pseudonymActivity(db, [pseudonym])).get(pseudonym);
 * ```
 */
export async function pseudonymActivity(
  db: Kysely<Database>,
  pseudonyms: readonly string[],
): Promise<Map<string, PseudonymActivity>> {
  const out = new Map<string, PseudonymActivity>(
    pseudonyms.map((p) => [p, { accessEvents: [], complaints: [] }]),
  );
  if (pseudonyms.length === 0) return out;
  const list = [...new Set(pseudonyms)];
  const [uses, findings, complaints] = await Promise.all([
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('access_uses')
          .select([
            'pseudonym',
            'grant_sha256',
            'purpose',
            'data_categories',
            'at',
            'count',
            rank('pseudonym', 'at').as('n'),
          ])
          .where('pseudonym', 'in', list)
          .as('u'),
      )
      .selectAll()
      .where('n', '<=', maxAccessEvents)
      .execute(),
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('access_findings')
          .select([
            'pseudonym',
            'grant_sha256',
            'purpose',
            'data_categories',
            'at',
            'count',
            'reason',
            rank('pseudonym', 'at').as('n'),
          ])
          .where('pseudonym', 'in', list)
          .as('f'),
      )
      .selectAll()
      .where('n', '<=', maxAccessEvents)
      .execute(),
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('complaints')
          .leftJoin('messages as d', 'd.sha256', 'complaints.decision_sha256')
          .select([
            'complaints.sha256',
            'complaints.company_id',
            'complaints.pseudonym',
            'complaints.reasons',
            'complaints.received_at',
            'complaints.decision_sha256',
            'complaints.decision',
            'complaints.decided_at',
            'd.jws as decision_jws',
            rank('complaints.pseudonym', 'complaints.received_at').as('n'),
          ])
          .where('complaints.pseudonym', 'in', list)
          .as('c'),
      )
      .selectAll()
      .where('n', '<=', maxPseudonymComplaints)
      .execute(),
  ]);
  const events = new Map<string, AccessEvent[]>();
  const push = (pseudonym: string, event: AccessEvent) => {
    const list = events.get(pseudonym) ?? [];
    list.push(event);
    events.set(pseudonym, list);
  };
  for (const row of uses)
    push(row.pseudonym, {
      at: Number(row.at),
      purpose: row.purpose,
      dataCategories: JSON.parse(row.data_categories) as string[],
      grantSha256: row.grant_sha256,
      count: Number(row.count),
      outOfScope: null,
    });
  for (const row of findings)
    if (row.pseudonym !== null)
      push(row.pseudonym, {
        at: Number(row.at),
        purpose: row.purpose,
        dataCategories: JSON.parse(row.data_categories) as string[],
        grantSha256: row.grant_sha256,
        count: Number(row.count),
        outOfScope: row.reason as AccessScopeViolation,
      });
  for (const [pseudonym, list] of events) {
    const activity = out.get(pseudonym);
    if (activity === undefined) continue;
    // Newest first; equal times in a fixed order, so every reader sees the same list.
    list.sort(
      (a, b) =>
        b.at - a.at ||
        (a.grantSha256 < b.grantSha256 ? -1 : a.grantSha256 > b.grantSha256 ? 1 : 0) ||
        (a.purpose < b.purpose ? -1 : a.purpose > b.purpose ? 1 : 0),
    );
    activity.accessEvents = list.slice(0, maxAccessEvents);
  }
  const sorted = [...complaints].sort(
    (a, b) =>
      Number(b.received_at) - Number(a.received_at) ||
      (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0),
  );
  for (const row of sorted) {
    out.get(row.pseudonym)?.complaints.push({
      sha256: row.sha256,
      company: row.company_id,
      reasons: JSON.parse(row.reasons) as string[],
      receivedAt: Number(row.received_at),
      decision:
        row.decision_sha256 === null || row.decision === null || row.decision_jws === null
          ? null
          : {
              sha256: row.decision_sha256,
              jws: row.decision_jws,
              decision: row.decision,
              decidedAt: Number(row.decided_at),
            },
    });
  }
  return out;
}
