/**
 * The console's page links (pager.ts) keep the other lists' pages and the rest of the query, and
 * end in the list heading's fragment, so the next page opens at the list and not at the top.
 */
import { describe, expect, it } from 'vitest';
import { consoleLists } from '$lib/server/company-console';
import { listHeadings, pageLink } from './pager';

describe('pageLink', () => {
  it.each([
    ['', 'grants', 2, '?grants=2#grants-title'],
    ['grants=2', 'grants', 3, '?grants=3#grants-title'],
    ['grants=2', 'grants', 1, '?#grants-title'],
    ['offers=3&grants=2', 'grants', 1, '?offers=3#grants-title'],
    ['offers=3', 'dataRequests', 2, '?offers=3&dataRequests=2#data-requests-title'],
    ['refusals=4', 'refusals', 3, '?refusals=3#refusals-title'],
  ] as const)('links ?%s to page %s %i as %s', (query, list, n, link) => {
    expect(pageLink(new URLSearchParams(query), list, n)).toBe(link);
  });

  it('carries a hostile query encoded, never as markup or a second fragment', () => {
    const query = new URLSearchParams();
    query.set('<b>x</b>#y', '"&z');
    expect(pageLink(query, 'offers', 2)).toBe(
      `?${encodeURIComponent('<b>x</b>#y')}=${encodeURIComponent('"&z')}&offers=2#offers-title`,
    );
  });

  it('has a distinct heading for every paged list', () => {
    expect(Object.keys(listHeadings).sort()).toEqual([...consoleLists].sort());
    expect(new Set(Object.values(listHeadings)).size).toBe(consoleLists.length);
  });
});
