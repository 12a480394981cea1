/**
 * The registry page's query (issue 9, "Public"): what `/companies?q=&sort=&dir=&page=` may say,
 * parsed and bounded in one place for the server (registry.ts) and the page's links. Pure: no
 * database, usable in the browser.
 */
import { ProtocolError } from '$protocol/errors';

/** The columns the registry can be sorted by. */
export const registrySortKeys = [
  'name',
  'status',
  'relationships',
  'acksOnTime',
  'acksOverdue',
  'requestsOnTime',
  'requestsOverdue',
  'outOfScope',
  'complaints',
  'boycotts',
  'refused',
] as const;
export type RegistrySortKey = (typeof registrySortKeys)[number];
export type SortDirection = 'asc' | 'desc';

/** A parsed, bounded registry query. */
export interface RegistryQuery {
  /** Search text (name or domain, case-insensitive substring); empty = all. */
  q: string;
  sort: RegistrySortKey;
  dir: SortDirection;
  /** 1-based page number. */
  page: number;
}

/** Bounds of the registry query: longer search text or later pages are refused, not truncated. */
export const registryLimits = {
  queryLength: 100,
  maxPage: 10_000,
  pageSize: 25,
  /**
   * Sorting by a trust figure computes the figures of every match; past this many matches the
   * search must be narrowed (ERR_QUERY_INVALID) rather than the server doing unbounded work.
   */
  maxSortedByFigure: 20_000,
} as const;

/** The registry's first page, sorted by name. */
export const defaultRegistryQuery: RegistryQuery = { q: '', sort: 'name', dir: 'asc', page: 1 };

/**
 * Parses the registry page's query string (`q`, `sort`, `dir`, `page`). Absent parameters take
 * their defaults; a present but invalid one is refused.
 *
 * @throws {ProtocolError} `ERR_QUERY_INVALID` naming the parameter.
 * @example
 * ```ts
 * parseRegistryQuery(new URLSearchParams('q=sport&sort=acksOverdue&dir=desc'));
 * // { q: 'sport', sort: 'acksOverdue', dir: 'desc', page: 1 }
 * ```
 */
export function parseRegistryQuery(params: URLSearchParams): RegistryQuery {
  const invalid = (parameter: string, message: string) =>
    new ProtocolError('ERR_QUERY_INVALID', message, { parameter });
  const q = (params.get('q') ?? '').trim();
  if (q.length > registryLimits.queryLength || /\p{Cc}/u.test(q)) {
    throw invalid('q', `q is at most ${registryLimits.queryLength} printable characters.`);
  }
  const sort = params.get('sort') ?? defaultRegistryQuery.sort;
  if (!(registrySortKeys as readonly string[]).includes(sort)) {
    throw invalid('sort', `sort is one of ${registrySortKeys.join(', ')}.`);
  }
  const dir = params.get('dir') ?? defaultRegistryQuery.dir;
  if (dir !== 'asc' && dir !== 'desc') throw invalid('dir', 'dir is asc or desc.');
  const rawPage = params.get('page') ?? '1';
  const page = /^[1-9]\d{0,5}$/.test(rawPage) ? Number(rawPage) : Number.NaN;
  if (!(page >= 1 && page <= registryLimits.maxPage)) {
    throw invalid('page', `page is a whole number from 1 to ${registryLimits.maxPage}.`);
  }
  return { q, sort: sort as RegistrySortKey, dir, page };
}

/**
 * The query string of a registry query, without defaults (for links and the sort headers).
 *
 * @example
 * ```ts
 * registryQueryString({ q: 'sport', sort: 'name', dir: 'asc', page: 2 }); // 'q=sport&page=2'
 * ```
 */
export function registryQueryString(query: Partial<RegistryQuery>): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.sort !== undefined && query.sort !== defaultRegistryQuery.sort)
    params.set('sort', query.sort);
  if (query.dir !== undefined && query.dir !== defaultRegistryQuery.dir)
    params.set('dir', query.dir);
  if (query.page !== undefined && query.page !== 1) params.set('page', String(query.page));
  return params.toString();
}
