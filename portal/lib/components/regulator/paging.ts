/**
 * The regulator's paged lists and the links between their pages.
 *
 * Two kinds of paging meet on the regulator's pages. The risk ranking (dashboard.ts) is computed
 * as a whole and pages by number ({@link Paging}). The complaint lists (dashboard-review.ts
 * `complaintPage`) page by position ({@link KeysetPaging}): a link carries the place in the list
 * between two rows, not a page number, so a complaint decided (and so gone from the open list)
 * while the regulator reads one page never pushes another past the next page unseen.
 *
 * Every link to another page keeps the other lists where they are and lands on the list itself
 * (a fragment, so scroll and the sequential focus starting point stay at the list after the
 * navigation). The company console's pagers build their links here too (company/pager.ts).
 */

/** Where one page of a list paged by number stands: 1-based, its size, and the list's size. */
export interface Paging {
  page: number;
  pageSize: number;
  total: number;
}

/**
 * Where one page of a list paged by position stands. Its rows are numbered as the list stands
 * when the page is read: after a complaint above it was decided, the page that started at row 51
 * starts at row 50. So it says which rows of how many it shows, not "page 2 of 3", which would
 * number two different pages alike once the list has moved under the reader.
 */
export interface KeysetPaging {
  pageSize: number;
  /** How many rows the list holds. */
  total: number;
  /** The 1-based position of the first row shown (1 for an empty list). */
  from: number;
  /** The position of the last row shown (`from - 1` for an empty list). */
  to: number;
  /** The cursor that shows this page again; null for the first page. */
  cursor: string | null;
  /** The cursor of the rows just before the first one shown; null on the first page. */
  previous: string | null;
  /** The cursor of the rows just after the last one shown; null on the last page. */
  next: string | null;
  /** The cursor of the last page; null on it. */
  last: string | null;
}

/**
 * The last page the risk ranking may be asked for (dashboard.ts pages it by offset, so the bound
 * caps the work one request can ask for): the pager links no page beyond it, and
 * dashboard-review.ts `requestedPage` reads a page beyond it as page 1. The complaint lists need
 * no such cap: a page at any depth starts at its cursor, so it costs no more than the first.
 */
export const maxListPage = 10_000;

/**
 * The number of pages the risk pager offers: at least 1, so an empty list is "page 1 of 1", and
 * at most {@link maxListPage}.
 *
 * @example
 * ```ts
 * pageCount({ page: 1, pageSize: 50, total: 101 }); // 3
 * ```
 */
export function pageCount(paging: Paging): number {
  return Math.min(maxListPage, Math.max(1, Math.ceil(paging.total / paging.pageSize)));
}

/**
 * The query value of page `n` of a list paged by number: null (left out of the link) for page 1.
 *
 * @example
 * ```ts
 * pageParam(3); // '3'
 * pageParam(1); // null
 * ```
 */
export function pageParam(n: number): string | null {
  return n > 1 ? String(n) : null;
}

/**
 * The link that sets the query parameter `param` to `value` (or leaves it out, for null) and
 * keeps every other parameter of `current` as it is, all encoded, then lands on the element
 * `fragment`. `current` is the page's query (`URLSearchParams`) or the entries of each list's
 * value now shown (null: left out).
 *
 * @example
 * ```ts
 * pageHref(Object.entries({ riskPage: '2', complaints: null }), 'complaints', 'a1.x', 'list');
 * // '?riskPage=2&complaints=a1.x#list'
 * pageHref(new URLSearchParams('offers=3&grants=2'), 'grants', null, 'grants-title');
 * // '?offers=3#grants-title'
 * ```
 */
export function pageHref(
  current: Iterable<readonly [string, string | null]>,
  param: string,
  value: string | null,
  fragment: string,
): string {
  const entries = [...current].filter(
    (entry): entry is readonly [string, string] => entry[0] !== param && entry[1] !== null,
  );
  if (value !== null) entries.push([param, value]);
  const query = entries
    .map(([name, v]) => `${encodeURIComponent(name)}=${encodeURIComponent(v)}`)
    .join('&');
  return `?${query}#${encodeURIComponent(fragment)}`;
}
