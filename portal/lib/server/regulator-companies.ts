/**
 * The regulator's index of companies (`/regulator/companies`): every registered company, found
 * by name, id or domain and filtered by status, a page at a time, so a company with no findings
 * (and so in none of the dashboard's rankings) is still within reach, above all a suspended one
 * whose suspension is to be lifted.
 *
 * Read-only. The search text is bounded as the public registry bounds it
 * (registry-query.ts `parseRegistryQuery`), and matches as a case-insensitive substring, as
 * there (registry.ts), here also of the id. The index pages by number, like the dashboard's risk
 * ranking (dashboard-review.ts `requestedPage`): companies are never removed and rarely change
 * status, so a page does not move under its reader as the open complaints do. Its links go
 * through the regulator's shared pager (Pager.svelte), whose cursors are page numbers here.
 */
import { sql, type Kysely } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { maxListPage, pageParam, type KeysetPaging } from '$lib/components/regulator/paging';
import { parseRegistryQuery } from '$lib/components/registry-query';
import { companyFilters, type CompanyFilter } from '$lib/components/regulator/company-filters';
import { requestedPage } from './dashboard-review';
import { likePattern } from './registry';
import type { CompanyStatus, Database } from './db/schema';

export { companyFilters, type CompanyFilter };

/** Companies per page of the index. */
export const companyIndexPageSize = 50;

/** A parsed, bounded query of the index (`?q=&status=&page=`). */
export interface CompanyIndexQuery {
  /** Search text (name, id or domain, case-insensitive substring); empty: all. */
  q: string;
  status: CompanyFilter;
  /** 1-based page number. */
  page: number;
}

/** One company as the index lists it. */
export interface CompanyIndexEntry {
  id: string;
  legalName: string;
  domain: string;
  status: CompanyStatus;
}

/** One page of the index. */
export interface CompanyIndexPage {
  /** The query as answered: its page is the one shown (the last, for a page past the end). */
  query: CompanyIndexQuery;
  items: CompanyIndexEntry[];
  /** Where the page stands; its cursors are page numbers (null: the first page). */
  paging: KeysetPaging;
}

/**
 * The index's query from a link's parameters. The address bar is the reader's to edit: an
 * unknown status lists all, a malformed page number is page 1 (as the risk ranking's), and a
 * search text the registry would refuse (too long, control characters) is refused here too:
 * `invalid` carries its error code, and the query searches nothing.
 *
 * @example
 * ```ts
 * parseCompanyIndexQuery(new URLSearchParams('q=sport&status=suspended&page=2'));
 * // { query: { q: 'sport', status: 'suspended', page: 2 }, invalid: null }
 * ```
 */
export function parseCompanyIndexQuery(params: URLSearchParams): {
  query: CompanyIndexQuery;
  invalid: string | null;
} {
  const raw = params.get('status');
  const status = (companyFilters as readonly (string | null)[]).includes(raw)
    ? (raw as CompanyFilter)
    : 'all';
  const page = requestedPage(params.get('page'));
  try {
    const { q } = parseRegistryQuery(new URLSearchParams({ q: params.get('q') ?? '' }));
    return { query: { q, status, page }, invalid: null };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { query: { q: '', status, page }, invalid: error.code };
  }
}

function matching(db: Kysely<Database>, query: CompanyIndexQuery) {
  let select = db.selectFrom('companies');
  if (query.status !== 'all') select = select.where('status', '=', query.status);
  if (query.q !== '') {
    const pattern = sql`${likePattern(query.q)} escape '\\'`;
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    select = select.where((eb) =>
      eb.or([
        eb(sql`lower(legal_name)`, 'like', pattern),
        eb(sql`lower(id)`, 'like', pattern),
        eb(sql`lower(domain)`, 'like', pattern),
      ]),
    );
  }
  return select;
}

/**
 * One page of the companies `query` asks for, sorted by name (then id), with where it stands.
 * A page past the end shows the last page, and says so in its `query`.
 *
 * @example
 * ```ts
 * const page = await companyIndexPage(db, { q: '', status: 'suspended', page: 1 });
 * page.items[0]; // { id: 'co_…', legalName: 'Schlamperei AG', domain: 'https://…', status: 'suspended' }
 * ```
 */
export async function companyIndexPage(
  db: Kysely<Database>,
  query: CompanyIndexQuery,
  pageSize = companyIndexPageSize,
): Promise<CompanyIndexPage> {
  const counted = await matching(db, query)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const total = Number(counted.n);
  const pages = Math.min(maxListPage, Math.max(1, Math.ceil(total / pageSize)));
  const page = Math.min(query.page, pages);
  const rows = await matching(db, query)
    .select(['id', 'legal_name', 'domain', 'status'])
    .orderBy(sql`lower(legal_name)`)
    .orderBy('id')
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .execute();
  const from = (page - 1) * pageSize + 1;
  const to = from - 1 + rows.length;
  return {
    query: { ...query, page },
    items: rows.map((row) => ({
      id: row.id,
      legalName: row.legal_name,
      domain: row.domain,
      status: row.status,
    })),
    paging: {
      pageSize,
      total,
      from,
      to,
      cursor: pageParam(page),
      // Page 1 as '1', not null: the pager draws no link to a null neighbour.
      previous: page > 1 ? String(page - 1) : null,
      next: page < pages ? String(page + 1) : null,
      last: page < pages ? String(pages) : null,
    },
  };
}
