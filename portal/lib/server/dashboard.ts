/**
 * The regulator's dashboard (issue 10, "Regulator"): the figures of the whole clearinghouse in a
 * handful of aggregate queries, whatever the number of companies and grants.
 *
 * Every figure is counted from the tables the API writes (nothing estimated, no history table):
 * grants, refusals and revocations per calendar week (UTC, Monday first, as registry.ts buckets a
 * single company); overdue revocation acknowledgements and data-request answers per company (the
 * same rules as trust.ts and obligations.ts); complaints by reason and state; the boycott figure;
 * refused relay attempts by rule and week. Companies are ranked by a risk score, a weighted sum
 * of their findings (weights in {@link riskWeights}, documented in docs/architecture.md
 * "Auditor and regulator consoles").
 *
 * Each statement is one `GROUP BY` over an index (migration 0010_dashboard), never one query per
 * company: with 10,000 companies and 1,000,000 grants the page stays one round of queries
 * (bench/portal/regulator.ts measures it).
 */
import { sql, type Kysely } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { complaintReasons } from '$protocol/messages';
import { maxListPage } from '$lib/components/regulator/paging';
import type { CompanyStatus, Database } from './db/schema';
import { ackDueSql, dataRequestStates } from './trust';

const weekMs = 7 * 24 * 60 * 60 * 1000;
/** 1970-01-05 was a Monday: weeks are counted from there (as registry.ts does). */
const mondayEpochMs = 4 * 24 * 60 * 60 * 1000;

/** How much one finding of each kind adds to a company's risk score. */
export const riskWeights = {
  acksOverdue: 2,
  answersOverdue: 3,
  complaintsUpheld: 5,
  complaintsOpen: 1,
  accessOutOfScope: 3,
  refusedRelayAttempts: 1,
  boycotts: 1,
} as const;

export type RiskFigure = keyof typeof riskWeights;

/** One calendar week of the whole clearinghouse. */
export interface DashboardWeek {
  /** The week's first millisecond (Monday 00:00 UTC). */
  start: number;
  grants: number;
  refusals: number;
  revocations: number;
  refusedRelayAttempts: number;
}

/** One company in the risk ranking. */
export interface RiskEntry {
  id: string;
  legalName: string;
  domain: string;
  status: CompanyStatus;
  score: number;
  figures: Record<RiskFigure, number>;
}

export interface DashboardFigures {
  /** Milliseconds: the moment the figures describe. */
  at: number;
  totals: {
    companies: number;
    suspended: number;
    grants: number;
    refusals: number;
    revocations: number;
  };
  weeks: DashboardWeek[];
  /** Companies with overdue acknowledgements or answers, most overdue first. */
  overdue: { id: string; legalName: string; acks: number; answers: number }[];
  /** Complaints per reason and state (a complaint with two reasons counts under both). */
  complaints: {
    byReason: { reason: string; open: number; upheld: number; dismissed: number }[];
    open: number;
    upheld: number;
    dismissed: number;
  };
  boycotts: {
    /** Distinct (pseudonym, company) pairs with a live signal. */
    total: number;
    /** Pseudonyms holding a signal with that reason (the field keeps its first name). */
    byReason: { reason: string; signals: number }[];
    companies: { id: string; legalName: string; pseudonyms: number }[];
  };
  refusedRelay: { total: number; byRule: { rule: string; attempts: number }[] };
  /** One page of the risk ranking, highest score first (score > 0 only). */
  risk: RiskEntry[];
  /** Where that page stands: 1-based, its size, and how many companies have a score > 0. */
  riskPaging: { page: number; pageSize: number; total: number };
}

export interface DashboardOptions {
  /** Milliseconds since the epoch: "now" for every deadline. */
  nowMs: number;
  /** The revocation acknowledgement deadline (ms), as for the trust figures. */
  ackDeadlineMs: number;
  /** Calendar weeks in the series, 1..104; default 26. */
  weeks?: number;
  /** Companies in the overdue and boycott lists, 1..200; default 25. */
  top?: number;
  /** The page of the risk ranking, 1..10,000; default 1. */
  riskPage?: number;
  /** Companies per page of the risk ranking, 1..200; default 50. */
  riskPageSize?: number;
}

type Db = Kysely<Database>;

function bounded(value: number | undefined, fallback: number, max: number, name: string) {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ProtocolError('ERR_QUERY_INVALID', `${name} is a whole number from 1 to ${max}.`, {
      parameter: name,
    });
  }
  return n;
}

/** `company_id → count` of one grouped statement. */
async function countsBy(
  rows: Promise<{ company_id: string; n: number | string | bigint }[]>,
): Promise<Map<string, number>> {
  return new Map((await rows).map((row) => [row.company_id, Number(row.n)]));
}

/**
 * The figures of the regulator's dashboard.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID` for `weeks` or `top` out of range.
 * @example
 * ```ts
 * const figures = await dashboardFigures(db, { nowMs: Date.now(), ackDeadlineMs: defaultAckDeadlineMs });
 * figures.risk[0]?.legalName;
 * ```
 */
export async function dashboardFigures(
  db: Db,
  options: DashboardOptions,
): Promise<DashboardFigures> {
  const weeks = bounded(options.weeks, 26, 104, 'weeks');
  const top = bounded(options.top, 25, 200, 'top');
  const riskPage = bounded(options.riskPage, 1, maxListPage, 'riskPage');
  const riskPageSize = bounded(options.riskPageSize, 50, 200, 'riskPageSize');
  const { nowMs, ackDeadlineMs } = options;
  const thisWeek = Math.floor((nowMs - mondayEpochMs) / weekMs);
  const from = mondayEpochMs + (thisWeek - weeks + 1) * weekMs;

  const series: DashboardWeek[] = Array.from({ length: weeks }, (_, i) => ({
    start: from + i * weekMs,
    grants: 0,
    refusals: 0,
    revocations: 0,
    refusedRelayAttempts: 0,
  }));
  // One count per week, all weeks in one statement: each is a range count over the time index of
  // migration 0010 (covering, so no table row is read). A GROUP BY on a bucket expression made
  // SQLite sort every row of the 26 weeks in a temporary B-tree first: about 7x slower with
  // 130,000 grants, and the cost grows with every grant (bench/portal/regulator.ts, 1,000,000).
  // Integers are inlined (never user input); the last week ends at `nowMs`.
  const weekly = (
    table: 'grants' | 'refusals' | 'revocations' | 'relay_refusals',
    column: 'created_at' | 'received_at' | 'refused_at',
  ) =>
    sql<{ week: number | string; n: number | string }>`${sql.join(
      series.map((week, i) => {
        const end = Math.min(week.start + weekMs, nowMs + 1);
        return sql`select ${sql.lit(i)} as week, (select count(*) from ${sql.table(table)} where ${sql.ref(column)} >= ${sql.lit(week.start)} and ${sql.ref(column)} < ${sql.lit(end)}) as n`;
      }),
      sql` union all `,
    )}`
      .execute(db)
      .then((result) => result.rows);
  const due = ackDueSql(ackDeadlineMs);
  const now = sql.lit(nowMs);

  const [
    companyTotals,
    grantTotal,
    refusalTotal,
    revocationTotal,
    grantWeeks,
    refusalWeeks,
    revocationWeeks,
    relayWeeks,
    acksOverdue,
    answersOverdue,
    complaintRows,
    accessOutOfScope,
    refusedRelay,
    relayRules,
    boycottPairs,
    boycottReasons,
  ] = await Promise.all([
    db
      .selectFrom('companies')
      .select([
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when status = 'suspended' then 1 else 0 end)`.as('suspended'),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('grants')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('refusals')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('revocations')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow(),
    weekly('grants', 'created_at'),
    weekly('refusals', 'created_at'),
    weekly('revocations', 'received_at'),
    weekly('relay_refusals', 'refused_at'),
    // trust.ts's rule: acknowledged late, or still unacknowledged past the deadline.
    countsBy(
      db
        .selectFrom('revocations')
        .select(['company_id', sql<number>`count(*)`.as('n')])
        .where(
          sql<boolean>`(acked_at is not null and acked_at > ${due}) or (acked_at is null and ${due} < ${now})`,
        )
        .groupBy('company_id')
        .execute(),
    ),
    // The findings' rule: answered after the deadline, or unanswered past it.
    countsBy(
      db
        .selectFrom('data_requests')
        .select(['company_id', sql<number>`count(*)`.as('n')])
        .where((eb) => dataRequestStates(eb, nowMs).overdue)
        .groupBy('company_id')
        .execute(),
    ),
    db
      .selectFrom('complaints')
      .select(['company_id', 'reasons', 'decision', sql<number>`count(*)`.as('n')])
      .groupBy(['company_id', 'reasons', 'decision'])
      .execute(),
    countsBy(
      db
        .selectFrom('access_findings')
        .select(['company_id', sql<number>`count(*)`.as('n')])
        .groupBy('company_id')
        .execute(),
    ),
    countsBy(
      db
        .selectFrom('relay_refusals')
        .select(['company_id', sql<number>`count(*)`.as('n')])
        .groupBy('company_id')
        .execute(),
    ),
    db
      .selectFrom('relay_refusals')
      .select(['rule', sql<number>`count(*)`.as('n')])
      .groupBy('rule')
      .orderBy('rule')
      .execute(),
    countsBy(
      db
        .selectFrom('blacklist_signals')
        .select((eb) => ['company_id', eb.fn.count<number>('pseudonym').distinct().as('n')])
        .groupBy('company_id')
        .execute(),
    ),
    // Pseudonyms, not signals: one holds a signal per brand it names, and must not count thrice.
    db
      .selectFrom('blacklist_signals')
      .select((eb) => ['reason', eb.fn.count<number>('pseudonym').distinct().as('n')])
      .groupBy('reason')
      .orderBy('reason')
      .execute(),
  ]);

  const fill = (
    rows: { week: number | string; n: number | string }[],
    key: Exclude<keyof DashboardWeek, 'start'>,
  ) => {
    for (const row of rows) {
      const target = series[Number(row.week)];
      if (target !== undefined) target[key] = Number(row.n);
    }
  };
  fill(grantWeeks, 'grants');
  fill(refusalWeeks, 'refusals');
  fill(revocationWeeks, 'revocations');
  fill(relayWeeks, 'refusedRelayAttempts');

  // Complaints: one row per distinct (company, reasons, decision); reasons are split here.
  const reasonCounts = new Map<string, { open: number; upheld: number; dismissed: number }>();
  const complaintsOpen = new Map<string, number>();
  const complaintsUpheld = new Map<string, number>();
  const states = { open: 0, upheld: 0, dismissed: 0 };
  for (const row of complaintRows) {
    const n = Number(row.n);
    const state = row.decision ?? 'open';
    states[state] += n;
    const perCompany =
      state === 'open' ? complaintsOpen : state === 'upheld' ? complaintsUpheld : undefined;
    perCompany?.set(row.company_id, (perCompany.get(row.company_id) ?? 0) + n);
    let reasons: unknown;
    try {
      reasons = JSON.parse(row.reasons);
    } catch {
      reasons = [];
    }
    for (const reason of Array.isArray(reasons) ? reasons : []) {
      if (typeof reason !== 'string') continue;
      const counts = reasonCounts.get(reason) ?? { open: 0, upheld: 0, dismissed: 0 };
      counts[state] += n;
      reasonCounts.set(reason, counts);
    }
  }
  const reasonOrder = new Map<string, number>(complaintReasons.map((r, i) => [r, i]));
  const byReason = [...reasonCounts]
    .map(([reason, counts]) => ({ reason, ...counts }))
    .sort(
      (a, b) =>
        (reasonOrder.get(a.reason) ?? 999) - (reasonOrder.get(b.reason) ?? 999) ||
        a.reason.localeCompare(b.reason),
    );

  const figureMaps: Record<RiskFigure, Map<string, number>> = {
    acksOverdue,
    answersOverdue,
    complaintsUpheld,
    complaintsOpen,
    accessOutOfScope,
    refusedRelayAttempts: refusedRelay,
    boycotts: boycottPairs,
  };
  const scores = new Map<string, number>();
  for (const [figure, counts] of Object.entries(figureMaps) as [
    RiskFigure,
    Map<string, number>,
  ][]) {
    for (const [id, n] of counts) scores.set(id, (scores.get(id) ?? 0) + n * riskWeights[figure]);
  }
  // Every company with a finding is scored anyway (the figures are grouped per company), so the
  // ranking is sorted whole and one page of it is named and shown.
  const rankedAll = [...scores]
    .filter(([, score]) => score > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const ranked = rankedAll.slice((riskPage - 1) * riskPageSize, riskPage * riskPageSize);

  const overdueIds = [...new Set([...acksOverdue.keys(), ...answersOverdue.keys()])]
    .map((id) => ({ id, acks: acksOverdue.get(id) ?? 0, answers: answersOverdue.get(id) ?? 0 }))
    .sort((a, b) => b.acks + b.answers - (a.acks + a.answers) || (a.id < b.id ? -1 : 1))
    .slice(0, top);
  const boycottTop = [...boycottPairs]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top);

  // Names of the companies shown, in one statement.
  const shown = [
    ...new Set([
      ...ranked.map(([id]) => id),
      ...overdueIds.map((o) => o.id),
      ...boycottTop.map(([id]) => id),
    ]),
  ];
  const names = new Map<string, { legalName: string; domain: string; status: CompanyStatus }>();
  for (let i = 0; i < shown.length; i += 500) {
    const rows = await db
      .selectFrom('companies')
      .select(['id', 'legal_name', 'domain', 'status'])
      .where('id', 'in', shown.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      names.set(row.id, { legalName: row.legal_name, domain: row.domain, status: row.status });
    }
  }
  const nameOf = (id: string) => names.get(id)?.legalName ?? id;
  const boycottTotal = [...boycottPairs.values()].reduce((sum, n) => sum + n, 0);

  return {
    at: nowMs,
    totals: {
      companies: Number(companyTotals.n),
      suspended: Number(companyTotals.suspended ?? 0),
      grants: Number(grantTotal.n),
      refusals: Number(refusalTotal.n),
      revocations: Number(revocationTotal.n),
    },
    weeks: series,
    overdue: overdueIds.map((o) => ({ ...o, legalName: nameOf(o.id) })),
    complaints: { byReason, ...states },
    boycotts: {
      total: boycottTotal,
      byReason: boycottReasons.map((row) => ({ reason: row.reason, signals: Number(row.n) })),
      companies: boycottTop.map(([id, pseudonyms]) => ({ id, legalName: nameOf(id), pseudonyms })),
    },
    refusedRelay: {
      total: [...refusedRelay.values()].reduce((sum, n) => sum + n, 0),
      byRule: relayRules.map((row) => ({ rule: row.rule, attempts: Number(row.n) })),
    },
    riskPaging: { page: riskPage, pageSize: riskPageSize, total: rankedAll.length },
    risk: ranked.map(([id, score]) => {
      const company = names.get(id);
      return {
        id,
        legalName: company?.legalName ?? id,
        domain: company?.domain ?? '',
        status: company?.status ?? 'pending',
        score,
        figures: Object.fromEntries(
          (Object.keys(riskWeights) as RiskFigure[]).map((f) => [f, figureMaps[f].get(id) ?? 0]),
        ) as Record<RiskFigure, number>,
      };
    }),
  };
}
