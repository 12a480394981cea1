/**
 * The arithmetic and the links of the regulator's paged lists (dashboard-review.ts
 * `complaintPage`): how many pages, which rows a page shows, and the link to another page that
 * keeps the other lists where they are and lands on the list itself (a fragment, so scroll and
 * the sequential focus starting point stay at the list after the navigation).
 */

/** Where one page of a list stands: 1-based, its size, and how many items the list holds. */
export interface Paging {
  page: number;
  pageSize: number;
  total: number;
}

/**
 * The last page a list may be asked for (a bounded offset): the pager links no page beyond it,
 * and dashboard-review.ts answers a page beyond it as this one.
 */
export const maxListPage = 10_000;

/**
 * The number of pages the pager offers: at least 1, so an empty list is "page 1 of 1", and at
 * most {@link maxListPage}.
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
 * The 1-based positions of the first and last row a page shows (`from > to` when it shows none).
 *
 * @example
 * ```ts
 * pageRange({ page: 3, pageSize: 50, total: 101 }); // {from: 101, to: 101}
 * ```
 */
export function pageRange(paging: Paging): { from: number; to: number } {
  const from = (paging.page - 1) * paging.pageSize + 1;
  return { from, to: Math.min(paging.total, paging.page * paging.pageSize) };
}

/**
 * The link to page `n` of the list `param`, the other lists at their `current` pages (page 1
 * is left out), landing on the element `fragment`.
 *
 * @example
 * ```ts
 * pageHref({ riskPage: 2, complaintsPage: 1 }, 'complaintsPage', 3, 'open-complaints');
 * // '?riskPage=2&complaintsPage=3#open-complaints'
 * ```
 */
export function pageHref(
  current: Readonly<Record<string, number>>,
  param: string,
  n: number,
  fragment: string,
): string {
  const query = Object.entries({ ...current, [param]: n })
    .filter(([, page]) => page > 1)
    .map(([name, page]) => `${encodeURIComponent(name)}=${page}`)
    .join('&');
  return `?${query}#${encodeURIComponent(fragment)}`;
}
