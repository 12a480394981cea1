/**
 * The console's pagers (issue 10: long lists in pages, links that work without JavaScript). A
 * page link keeps the other lists where they are and ends in the fragment of its list's heading,
 * as the regulator's pager does (`#risk`): without one, SvelteKit (and a browser without
 * JavaScript) starts the new page at its top, with focus there, and a keyboard user has to find
 * the list again; with it, the heading becomes the point focus and scrolling continue from.
 */
import { pageHref, pageParam } from '$lib/components/regulator/paging';
import type { ConsoleList } from '$lib/server/company-console';

/** The id of each paged list's heading on the console page (`+page.svelte` gives them). */
export const listHeadings: Readonly<Record<ConsoleList, string>> = {
  revocations: 'revocations-title',
  grants: 'grants-title',
  refusals: 'refusals-title',
  dataRequests: 'data-requests-title',
  corrections: 'corrections-title',
  offers: 'offers-title',
  complaints: 'complaints-title',
};

/**
 * The link to page `n` of `list`, given the page's current query: the other parameters as they
 * are (encoded), `list` set to `n` (left out for page 1), then the list heading's fragment. The
 * regulator's pagers build their links the same way, so both share one builder
 * (regulator/paging.ts `pageHref`).
 *
 * @example
 * ```ts
 * pageLink(new URLSearchParams('offers=3'), 'grants', 2); // '?offers=3&grants=2#grants-title'
 * ```
 */
export function pageLink(query: URLSearchParams, list: ConsoleList, n: number): string {
  return pageHref(query, list, pageParam(n), listHeadings[list]);
}
