/**
 * The public registry as the portal's pages show it (issue 9, "Public"): companies found by name
 * or domain, sorted by name, status or any trust figure, a page at a time; and a company's
 * figures over time.
 *
 * The trust figures come from `trust.ts`, their one definition, so the registry page, the API
 * and the consoles never disagree. There is no history table: the time series is computed from
 * what the consent tables already hold (their `created_at` / `received_at` columns), bucketed by
 * calendar week in UTC. Nothing here is estimated or invented.
 */
import { sql } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import type { CompanyStatus } from './db/schema';
import type { ServiceContext } from './message-store';
import { ackDueSql, trustFigures, type TrustFigures } from './trust';
import {
  registryLimits,
  type RegistryQuery,
  type RegistrySortKey,
} from '$lib/components/registry-query';

export {
  parseRegistryQuery,
  registryLimits,
  registryQueryString,
  registrySortKeys,
  type RegistryQuery,
  type RegistrySortKey,
  type SortDirection,
} from '$lib/components/registry-query';

/** One row of the registry table. */
export interface RegistryEntry {
  id: string;
  status: CompanyStatus;
  legalName: string;
  domain: string;
  trust: TrustFigures;
}

/** One page of the registry. */
export interface RegistryPage {
  query: RegistryQuery;
  entries: RegistryEntry[];
  /** All matches of the search, across pages. */
  total: number;
  pageCount: number;
}

/** The figures of one calendar week (Monday 00:00 UTC onwards). */
export interface WeekFigures {
  /** The week's first millisecond. */
  start: number;
  grants: number;
  refusals: number;
  revocations: number;
  /** Revocations received this week and acknowledged within the deadline. */
  acksOnTime: number;
  /** Revocations received this week, acknowledged late or still unacknowledged past the deadline. */
  acksOverdue: number;
}

/** A company's figures over time, oldest week first. */
export interface CompanyHistory {
  companyId: string;
  weeks: WeekFigures[];
}

export interface RegistryOptions {
  /** The revocation acknowledgement deadline (ms), as for the trust figures. */
  ackDeadlineMs: number;
}

export interface RegistryService {
  /** A page of companies matching `query`. */
  search(query: RegistryQuery): Promise<RegistryPage>;
  /** The last `weeks` calendar weeks of a company's figures (1..104), ending with this week. */
  history(companyId: string, weeks?: number): Promise<CompanyHistory>;
}

const weekMs = 7 * 24 * 60 * 60 * 1000;
/** 1970-01-05 was a Monday: weeks are counted from there. */
const mondayEpochMs = 4 * 24 * 60 * 60 * 1000;

/** The number a trust-figure sort compares. */
function figureOf(trust: TrustFigures, key: RegistrySortKey): number {
  switch (key) {
    case 'relationships':
      return trust.activeRelationships;
    case 'acksOnTime':
      return trust.revocationAcks.onTime;
    case 'acksOverdue':
      return trust.revocationAcks.overdue;
    case 'requestsOnTime':
      return trust.dataRequests.onTime;
    case 'requestsOverdue':
      return trust.dataRequests.overdue;
    case 'outOfScope':
      return trust.outOfScopeAccess;
    case 'complaints':
      return trust.upheldComplaints;
    case 'boycotts':
      return trust.boycotts;
    case 'refused':
      return trust.refusedRelayAttempts;
    default:
      return 0;
  }
}

/**
 * A case-insensitive substring pattern for LIKE (`escape '\\'`), its wildcards escaped so the
 * search text matches literally; compared with `lower(column)` (SQLite's LIKE ignores ASCII case,
 * PostgreSQL's does not).
 *
 * @example
 * ```ts
 * likePattern('100%_'); // '%100\\%\\_%'
 * ```
 */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Orders a company whose domain is not proved yet (`pending`) after the others. */
const provedFirst = sql`case when status = 'pending' then 1 else 0 end`;

/**
 * Creates the registry service on the API's service context.
 *
 * @example
 * ```ts
 * const registry = createRegistryService(services.context, { ackDeadlineMs: ackDeadlineFromEnv() });
 * const page = await registry.search(parseRegistryQuery(url.searchParams));
 * const { weeks } = await registry.history(page.entries[0].id);
 * ```
 */
export function createRegistryService(
  ctx: ServiceContext,
  options: RegistryOptions,
): RegistryService {
  const db = ctx.cdb.db;

  /** Figures of many companies, in chunks so no statement exceeds a dialect's parameter limit. */
  async function figures(
    rows: readonly { id: string; status: CompanyStatus }[],
  ): Promise<Map<string, TrustFigures>> {
    const all = new Map<string, TrustFigures>();
    const nowMs = ctx.now();
    for (let i = 0; i < rows.length; i += 500) {
      const part = await trustFigures(db, rows.slice(i, i + 500), nowMs, options.ackDeadlineMs);
      for (const [id, value] of part) all.set(id, value);
    }
    return all;
  }

  function matching(q: string) {
    let query = db.selectFrom('companies');
    if (q !== '') {
      const pattern = likePattern(q);
      query = query.where((eb) =>
        eb.or([
          eb(sql`lower(legal_name)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(domain)`, 'like', sql`${pattern} escape '\\'`),
        ]),
      );
    }
    return query;
  }

  return {
    async search(query) {
      const { pageSize } = registryLimits;
      const countRow = await matching(query.q)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const total = Number(countRow.n);
      const pageCount = Math.max(1, Math.ceil(total / pageSize));
      const offset = (query.page - 1) * pageSize;
      let page: { id: string; status: CompanyStatus; legal_name: string; domain: string }[];
      let trust: Map<string, TrustFigures>;

      if (query.sort === 'name' || query.sort === 'status') {
        // Name and status sort in SQL; only the page's figures are computed.
        let select = matching(query.q).select(['id', 'status', 'legal_name', 'domain']);
        const nameDir = query.sort === 'status' ? 'asc' : query.dir;
        if (query.sort === 'status') select = select.orderBy('status', query.dir);
        select = select
          .orderBy(sql`lower(legal_name)`, nameDir)
          // Of equal names, one whose domain is proved comes first: a registration that copies a
          // company's name and domain stays pending (it cannot prove the domain) and below it.
          .orderBy(provedFirst)
          .orderBy('id', nameDir)
          .limit(pageSize)
          .offset(offset);
        page = await select.execute();
        trust = await figures(page);
      } else {
        if (total > registryLimits.maxSortedByFigure) {
          throw new ProtocolError(
            'ERR_QUERY_INVALID',
            'Too many companies match to sort by a figure; narrow the search.',
            { parameter: 'q', limit: registryLimits.maxSortedByFigure },
          );
        }
        const rows = await matching(query.q)
          .select(['id', 'status', 'legal_name', 'domain'])
          .orderBy(sql`lower(legal_name)`)
          .orderBy(provedFirst)
          .orderBy('id')
          .execute();
        trust = await figures(rows);
        const sign = query.dir === 'asc' ? 1 : -1;
        // Equal figures keep name order whichever the direction, so the table reads naturally.
        const ranked = rows
          .map((row, index) => ({ row, index, value: figureOf(trust.get(row.id)!, query.sort) }))
          .sort((a, b) => sign * (a.value - b.value) || a.index - b.index);
        page = ranked.slice(offset, offset + pageSize).map((r) => r.row);
      }

      return {
        query,
        total,
        pageCount,
        entries: page.map((row) => ({
          id: row.id,
          status: row.status,
          legalName: row.legal_name,
          domain: row.domain,
          trust: trust.get(row.id)!,
        })),
      };
    },

    async history(companyId, weeks = 26) {
      if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) {
        throw new ProtocolError('ERR_QUERY_INVALID', 'weeks is a whole number from 1 to 104.', {
          parameter: 'weeks',
        });
      }
      const exists = await db
        .selectFrom('companies')
        .select('id')
        .where('id', '=', companyId)
        .executeTakeFirst();
      if (exists === undefined) {
        throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
      }
      const nowMs = ctx.now();
      const thisWeek = Math.floor((nowMs - mondayEpochMs) / weekMs);
      const from = mondayEpochMs + (thisWeek - weeks + 1) * weekMs;
      const series: WeekFigures[] = Array.from({ length: weeks }, (_, i) => ({
        start: from + i * weekMs,
        grants: 0,
        refusals: 0,
        revocations: 0,
        acksOnTime: 0,
        acksOverdue: 0,
      }));
      // Inlined integers (never user input) so the bucket expression is textually identical in
      // SELECT and GROUP BY: PostgreSQL refuses two differently numbered parameters there.
      const bucket = (column: string) =>
        sql<number>`(${sql.ref(column)} - ${sql.lit(from)}) / ${sql.lit(weekMs)}`;
      const add = (week: number, apply: (w: WeekFigures) => void) => {
        const target = series[Number(week)];
        if (target !== undefined) apply(target);
      };

      for (const table of ['grants', 'refusals'] as const) {
        const rows = await db
          .selectFrom(table)
          .select([bucket('created_at').as('week'), sql<number>`count(*)`.as('n')])
          .where('company_id', '=', companyId)
          .where('created_at', '>=', from)
          .where('created_at', '<=', nowMs)
          .groupBy(bucket('created_at'))
          .execute();
        for (const row of rows) {
          add(row.week, (w) => {
            w[table] = Number(row.n);
          });
        }
      }

      const due = ackDueSql(options.ackDeadlineMs);
      const now = sql.lit(nowMs);
      const revocations = await db
        .selectFrom('revocations')
        .select([
          bucket('received_at').as('week'),
          sql<number>`count(*)`.as('n'),
          sql<number>`sum(case when acked_at is not null and acked_at <= ${due} then 1 else 0 end)`.as(
            'on_time',
          ),
          sql<number>`sum(case when (acked_at is not null and acked_at > ${due}) or (acked_at is null and ${due} < ${now}) then 1 else 0 end)`.as(
            'overdue',
          ),
        ])
        .where('company_id', '=', companyId)
        .where('received_at', '>=', from)
        .where('received_at', '<=', nowMs)
        .groupBy(bucket('received_at'))
        .execute();
      for (const row of revocations) {
        add(row.week, (w) => {
          w.revocations = Number(row.n);
          w.acksOnTime = Number(row.on_time);
          w.acksOverdue = Number(row.overdue);
        });
      }
      return { companyId, weeks: series };
    },
  };
}
