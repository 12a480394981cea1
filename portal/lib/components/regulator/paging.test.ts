/**
 * The regulator's pagers (paging.ts, Pager.svelte): the page count and rows of a page, links that
 * keep the other lists' pages and land on the list, and the pager drawn only for more than one
 * page, with first and last links, in both languages.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import Pager from './Pager.svelte';
import { pageCount, pageHref, pageRange } from './paging';

describe('pageCount and pageRange', () => {
  it.each([
    [{ page: 1, pageSize: 50, total: 0 }, 1, { from: 1, to: 0 }],
    [{ page: 1, pageSize: 50, total: 50 }, 1, { from: 1, to: 50 }],
    [{ page: 2, pageSize: 50, total: 101 }, 3, { from: 51, to: 100 }],
    [{ page: 3, pageSize: 50, total: 101 }, 3, { from: 101, to: 101 }],
    // No link beyond the last page a list may be asked for (maxListPage).
    [{ page: 1, pageSize: 50, total: 50 * 10_000 + 1 }, 10_000, { from: 1, to: 50 }],
  ])('%o has %i pages and shows rows %o', (paging, pages, range) => {
    expect(pageCount(paging)).toBe(pages);
    expect(pageRange(paging)).toEqual(range);
  });
});

describe('pageHref', () => {
  it('keeps the other lists at their pages, leaves page 1 out and lands on the list', () => {
    expect(
      pageHref({ riskPage: 2, complaintsPage: 1 }, 'complaintsPage', 3, 'open-complaints'),
    ).toBe('?riskPage=2&complaintsPage=3#open-complaints');
    expect(
      pageHref({ riskPage: 1, complaintsPage: 3 }, 'complaintsPage', 1, 'open-complaints'),
    ).toBe('?#open-complaints');
  });
});

describe('Pager', () => {
  const html = (page: number, total: number, locale: 'de' | 'en' = 'en') =>
    render(Pager, {
      props: {
        list: 'Open complaints',
        paging: { page, pageSize: 50, total },
        href: (n: number) => `?p=${n}#list`,
        locale,
        testid: 'pager',
      },
    }).body;

  it('is not drawn for a single page', () => {
    expect(html(1, 50)).not.toContain('<nav');
  });

  it('links every neighbour, the first and the last page, and says which rows of how many', () => {
    const body = html(3, 230);
    expect(body).toContain('aria-label="Pages: Open complaints"');
    for (const [testid, n] of [
      ['first', 1],
      ['previous', 2],
      ['next', 4],
      ['last', 5],
    ] as const) {
      expect(body).toMatch(new RegExp(`href="\\?p=${n}#list"[^>]*data-testid="pager-${testid}"`));
    }
    expect(body).toContain(
      t('en', 'portal.regulator.paging.page', {
        page: 3,
        pages: 5,
        from: 101,
        to: 150,
        total: 230,
      }),
    );
    expect(html(3, 2300, 'de')).toContain('Seite 3 von 46: 101–150 von 2.300');
  });

  it('leaves out the links that would go nowhere on the first and last page', () => {
    const first = html(1, 230);
    expect(first).not.toContain('pager-previous');
    expect(first).not.toContain('pager-first');
    expect(first).toContain('pager-last');
    const last = html(5, 230);
    expect(last).not.toContain('pager-next');
    expect(last).not.toContain('pager-last');
    expect(last).toContain('pager-first');
  });
});
