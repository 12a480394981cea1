/**
 * The regulator's pagers (paging.ts, Pager.svelte): the risk ranking's page count, links that
 * keep the other lists where they are and land on the list, and the complaint lists' pager drawn
 * from cursors only for more than one page, with first and last links where they go further than
 * previous and next, and which rows of how many it shows, named by what the list holds (complaints or companies:
 * failed before, the companies' index said "Complaints 51–56 of 56"), in both languages.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import Pager from './Pager.svelte';
import { pageCount, pageHref, pageParam, type KeysetPaging } from './paging';

describe('pageCount', () => {
  it.each([
    [{ page: 1, pageSize: 50, total: 0 }, 1],
    [{ page: 1, pageSize: 50, total: 50 }, 1],
    [{ page: 2, pageSize: 50, total: 101 }, 3],
    // No link beyond the last page a list may be asked for (maxListPage).
    [{ page: 1, pageSize: 50, total: 50 * 10_000 + 1 }, 10_000],
  ])('%o has %i pages', (paging, pages) => {
    expect(pageCount(paging)).toBe(pages);
  });
});

describe('pageHref', () => {
  it('keeps the other lists where they are, leaves out what is at its start and lands on the list', () => {
    const shown = Object.entries({ riskPage: pageParam(2), complaints: null });
    expect(pageHref(shown, 'complaints', 'a17.x', 'open-complaints')).toBe(
      '?riskPage=2&complaints=a17.x#open-complaints',
    );
    expect(pageHref(shown, 'riskPage', pageParam(1), 'risk')).toBe('?#risk');
    expect(
      pageHref(Object.entries({ open: 'b1.y', decided: 'a2.z' }), 'open', null, 'open-complaints'),
    ).toBe('?decided=a2.z#open-complaints');
  });

  it('encodes a hostile value and fragment, never as markup or a second fragment', () => {
    expect(pageHref([['riskPage', '2']], 'open', '"<b>#&x', 'a b')).toBe(
      `?riskPage=2&open=${encodeURIComponent('"<b>#&x')}#a%20b`,
    );
  });
});

describe('Pager', () => {
  const paging = (from: number, to: number, total: number): KeysetPaging => ({
    pageSize: 50,
    total,
    from,
    to,
    cursor: from === 1 ? null : `a${from}`,
    previous: from > 1 ? `b${from}` : null,
    next: to < total ? `a${to}` : null,
    last: to < total ? 'last' : null,
  });
  const html = (
    shown: KeysetPaging,
    locale: 'de' | 'en' = 'en',
    rows: 'complaints' | 'companies' = 'complaints',
  ) =>
    render(Pager, {
      props: {
        list: 'Open complaints',
        rows,
        paging: shown,
        href: (cursor: string | null) => `?c=${cursor ?? ''}#list`,
        locale,
        testid: 'pager',
      },
    }).body;

  it('is not drawn for a single page', () => {
    expect(html(paging(1, 50, 50))).not.toContain('<nav');
    expect(html(paging(1, 0, 0))).not.toContain('<nav');
  });

  it('links the neighbours by their cursors, the first and the last page, and says which rows of how many', () => {
    const body = html(paging(101, 150, 230));
    expect(body).toContain('aria-label="Pages: Open complaints"');
    for (const [testid, cursor] of [
      ['first', ''],
      ['previous', 'b101'],
      ['next', 'a150'],
      ['last', 'last'],
    ] as const) {
      expect(body).toMatch(
        new RegExp(`href="\\?c=${cursor}#list"[^>]*data-testid="pager-${testid}"`),
      );
    }
    expect(body).toContain(
      t('en', 'portal.regulator.paging.rows', { from: 101, to: 150, total: 230 }),
    );
    expect(body).not.toMatch(/page 3/i);
    expect(html(paging(1001, 1050, 2300), 'de')).toContain('1.001–1.050 von 2.300');
  });

  it.each([
    ['complaints', 'en', 'Complaints 51–56 of 56'],
    ['complaints', 'de', 'Beschwerden 51–56 von 56'],
    ['companies', 'en', 'Companies 51–56 of 56'],
    ['companies', 'de', 'Unternehmen 51–56 von 56'],
  ] as const)('names the rows of a list of %s in %s', (rows, locale, position) => {
    expect(html(paging(51, 56, 56), locale, rows)).toContain(
      `data-testid="pager-position">${position}</span>`,
    );
  });

  it('leaves out the links that would go nowhere, or nowhere further than previous and next', () => {
    const first = html(paging(1, 50, 230));
    expect(first).not.toContain('pager-previous');
    expect(first).not.toContain('pager-first');
    expect(first).toContain('pager-last');
    const last = html(paging(201, 230, 230));
    expect(last).not.toContain('pager-next');
    expect(last).not.toContain('pager-last');
    expect(last).toContain('pager-first');
    // One complaint above was decided: the second page starts at row 50, and the first page is
    // the previous one.
    const second = html(paging(50, 99, 219));
    expect(second).toContain('pager-previous');
    expect(second).not.toContain('pager-first');
    expect(second).toContain('pager-last');
    expect(html(paging(51, 100, 150))).not.toContain('pager-last');
  });
});
