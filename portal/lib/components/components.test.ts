/**
 * The public pages' components and pages rendered on the server, in German and English: the
 * chart's summary and table carry the same numbers as the data, company-written text stays
 * text, a suspended company is flagged with the upheld complaints its suspension rests on, and the registry's sort links round-trip.
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import type { WeekFigures } from '$lib/server/registry';
import type { TrustFigures } from '$lib/server/trust';
import CompanyPage from '../../routes/companies/[companyId]/+page.svelte';
import RegistryPage from '../../routes/companies/+page.svelte';
import HistoryChart from './HistoryChart.svelte';
import TrustFigureList from './TrustFigureList.svelte';
import { formatDay } from './format';

const monday = Date.UTC(2026, 0, 5);
const weeks: WeekFigures[] = [0, 1, 2].map((i) => ({
  start: monday + i * 7 * 86_400_000,
  grants: [3, 0, 12][i]!,
  refusals: [1, 0, 0][i]!,
  revocations: [1, 2, 0][i]!,
  acksOnTime: [1, 0, 0][i]!,
  acksOverdue: [0, 2, 0][i]!,
}));
const trust: TrustFigures = {
  status: 'suspended',
  activeRelationships: 1234,
  revocationAcks: { onTime: 5, overdue: 2, open: 1 },
  dataRequests: { onTime: 13, overdue: 17, open: 19 },
  outOfScopeAccess: 23,
  upheldComplaints: 3,
  boycotts: 7,
  refusedRelayAttempts: 11,
};
const hostile = 'Evil <img src=x onerror=alert(1)> GmbH';

describe('HistoryChart', () => {
  it('summarises the totals for screen readers and lists every week in the table', () => {
    const body = render(HistoryChart, { props: { weeks, locale: 'en' } }).body;
    expect(body).toContain('role="img"');
    expect(body).toContain(
      'Chart over 3 weeks. Grants: 15; refusals: 1; revocations: 3, of which acknowledged late or not at all: 2.',
    );
    const rows = body.match(/<tr[\s>]/g) ?? [];
    expect(rows).toHaveLength(1 + weeks.length);
    expect(body).toContain('5 Jan 2026');
    expect(body).toMatch(/<td[^>]*>12<\/td>/);
    // One bar per non-zero value, none for zeros.
    const bars = body.match(/<rect/g) ?? [];
    expect(bars).toHaveLength(6);
  });

  it('speaks German', () => {
    const body = render(HistoryChart, { props: { weeks, locale: 'de' } }).body;
    expect(body).toContain(t('de', 'portal.chart.table'));
    expect(body).toContain('05.01.2026');
  });

  it.each([
    ['en', 'Chart over 1 week. Grants: 1,200;'],
    ['de', 'Diagramm über 1 Woche. Einwilligungen: 1.200;'],
  ] as const)(
    'names a single week in the singular in %s, and groups the totals’ digits',
    (locale, summary) => {
      const one = [{ ...weeks[0]!, grants: 1200 }];
      expect(render(HistoryChart, { props: { weeks: one, locale } }).body).toContain(summary);
    },
  );

  it('draws an empty history without dividing by zero', () => {
    const empty = weeks.map((w) => ({
      ...w,
      grants: 0,
      refusals: 0,
      revocations: 0,
      acksOnTime: 0,
      acksOverdue: 0,
    }));
    const body = render(HistoryChart, { props: { weeks: empty, locale: 'en' } }).body;
    expect(body).not.toContain('NaN');
    expect(body).not.toContain('Infinity');
    expect(body.match(/<rect/g)).toBeNull();
  });
});

describe('TrustFigureList', () => {
  it('shows every figure with its explanation and the deadline in hours', () => {
    const body = render(TrustFigureList, {
      props: { trust, locale: 'de', ackDeadlineHours: 72 },
    }).body;
    expect(body).toContain('1.234');
    for (const key of [
      'portal.trust.relationships',
      'portal.trust.acksOverdue',
      'portal.trust.complaints',
      'portal.trust.boycotts',
      'portal.trust.refused',
    ] as const) {
      expect(body).toContain(t('de', key));
    }
    expect(body).toContain(
      'Widerrufe, deren Umsetzung das Unternehmen innerhalb der Frist von 72 Stunden signiert bestätigt hat.',
    );
  });

  it.each([
    ['en', 'within the deadline of 1 hour.'],
    ['de', 'innerhalb der Frist von 1 Stunde signiert'],
  ] as const)('names a deadline of one hour in the singular in %s', (locale, said) => {
    const body = render(TrustFigureList, {
      props: { trust, locale, ackDeadlineHours: 1 },
    }).body;
    expect(body).toContain(said);
  });

  it.each([
    ['requestsOnTime', 13],
    ['requestsOverdue', 17],
    ['requestsOpen', 19],
    ['outOfScope', 23],
  ] as const)('shows %s, its value %d and its explanation in both languages', (key, value) => {
    for (const locale of ['de', 'en'] as const) {
      const body = render(TrustFigureList, {
        props: { trust, locale, ackDeadlineHours: 72 },
      }).body;
      const figure = new RegExp(`data-figure="${key}"[^>]*>([\\s\\S]*?)</div>`).exec(body)?.[1];
      expect(figure).toContain(`>${t(locale, `portal.trust.${key}`)}</dt>`);
      expect(figure).toMatch(new RegExp(`<dd class="value[^"]*">${value}</dd>`));
      expect(figure).toContain(t(locale, `portal.trust.${key}.explain`));
    }
  });
});

describe('the company page', () => {
  const company = {
    id: 'co_' + 'A'.repeat(43),
    status: 'suspended' as const,
    legalName: hostile,
    registerId: 'HRB <b>1</b>',
    domain: 'https://evil.example',
    purposes: ['product_launch', 'not_a_purpose'],
    brands: ['<i>Brand</i>'],
    registeredAt: monday,
    domainVerifiedAt: null,
    trust,
    contact: { email: 'privacy@evil.example' },
    keys: [
      { kid: 'k1', addedAt: monday, retiredAt: null, compromisedSince: null },
      // Declared compromised since 13:05:07 UTC that Monday.
      {
        kid: 'k2',
        addedAt: monday,
        retiredAt: monday / 1000,
        compromisedSince: monday / 1000 + 47_107,
      },
    ],
  };
  const html = (locale: 'de' | 'en') =>
    render(CompanyPage, {
      props: {
        data: { locale, version: '1', path: '/', company, weeks, ackDeadlineHours: 72 },
      } as never,
    }).body;

  it('renders company-written text as text', () => {
    const body = html('en');
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('<i>Brand</i>');
    expect(body).not.toContain('<b>1</b>');
    expect(body).toContain('Evil &lt;img');
  });

  it('flags a suspended company, labels purposes and marks compromised keys, in both languages', () => {
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      expect(body).toContain(t(locale, 'portal.company.suspended'));
      expect(body).toContain(t(locale, 'vocabulary.purpose.product_launch'));
      // An id outside the vocabulary is shown as itself rather than dropped.
      expect(body).toContain('not_a_purpose');
      expect(body).toContain(t(locale, 'portal.company.keys.current'));
      expect(body).toContain(t(locale, 'portal.company.notVerified'));
    }
    // The time too, to the second and marked UTC (failed before: the day only).
    expect(html('en')).toContain('compromised since 5 Jan 2026, 13:05:07 UTC: signatures');
    expect(html('de')).toContain('kompromittiert seit 05.01.2026, 13:05:07 UTC: Unterschriften');
  });

  it('names the upheld complaints the suspension in force rests on by short id, linking nowhere (failed before: not shown)', () => {
    const suspension = { at: monday, complaints: ['AbCdEfGhIj…', 'KlMnOpQrSt…'] };
    for (const locale of ['de', 'en'] as const) {
      const body = render(CompanyPage, {
        props: {
          data: {
            locale,
            version: '1',
            path: '/',
            company,
            suspension,
            weeks,
            ackDeadlineHours: 72,
          },
        } as never,
      }).body;
      expect(body).toContain(
        t(locale, 'portal.company.suspendedSince', { date: formatDay(locale, monday) }),
      );
      expect(body).toContain(t(locale, 'portal.company.suspendedCited'));
      const cited = body.match(/data-testid="suspension-cited".*?<\/ul>/s)?.[0] ?? '';
      expect(cited).toMatch(/<code[^>]*>AbCdEfGhIj…<\/code>.*<code[^>]*>KlMnOpQrSt…<\/code>/s);
      expect(cited).not.toContain('<a');
    }
    // A suspension that cites none shows no list of complaints.
    const none = render(CompanyPage, {
      props: {
        data: {
          locale: 'en',
          version: '1',
          path: '/',
          company,
          suspension: { at: monday, complaints: [] },
          weeks,
          ackDeadlineHours: 72,
        },
      } as never,
    }).body;
    expect(none).not.toContain('suspension-cited');
    expect(none).not.toContain(t('en', 'portal.company.suspendedCited'));
  });
});

describe('the registry page', () => {
  const entry = {
    id: 'co_' + 'B'.repeat(43),
    status: 'active' as const,
    legalName: hostile,
    domain: 'https://b.example',
    trust: { ...trust, status: 'active' as const },
  };
  const html = (
    query: Record<string, unknown>,
    invalid: string | null = null,
    { locale = 'en', total = 30 }: { locale?: 'de' | 'en'; total?: number } = {},
  ) =>
    render(RegistryPage, {
      props: {
        data: {
          locale,
          version: '1',
          path: '/companies',
          invalid,
          result: {
            query: { q: '', sort: 'name', dir: 'asc', page: 1, ...query },
            entries: [entry],
            total,
            pageCount: 2,
          },
        },
      } as never,
    }).body;

  it.each([
    ['en', 1, '', '1 company found.'],
    ['en', 1, 'b', '1 company found for “b”.'],
    ['en', 1234, '', '1,234 companies found.'],
    ['de', 1, 'b', '1 Unternehmen gefunden für „b“.'],
    ['de', 1234, '', '1.234 Unternehmen gefunden.'],
  ] as const)('says in %s how many companies it found: %i', (locale, total, q, said) => {
    const count = /data-testid="registry-count"[^>]*>([^<]*)</.exec(
      html({ q }, null, { locale, total }),
    )?.[1];
    expect(count?.trim()).toBe(said);
  });

  it('links each company, marks the sorted column and reverses it on the next click', () => {
    const body = html({ sort: 'acksOverdue', dir: 'desc', q: 'a&b' });
    expect(body).toContain(`href="/companies/${entry.id}"`);
    expect(body).toContain('aria-sort="descending"');
    // Clicking the sorted column reverses; another figure column starts with the largest.
    expect(body).toContain('href="/companies?q=a%26b&amp;sort=acksOverdue"');
    expect(body).toContain('href="/companies?q=a%26b&amp;sort=boycotts&amp;dir=desc"');
    expect(body).toContain(
      'href="/companies?q=a%26b&amp;sort=acksOverdue&amp;dir=desc&amp;page=2"',
    );
    expect(body).not.toContain('<img src=x');
  });

  it('shows overdue data requests and out-of-scope access as sortable columns', () => {
    const body = html({});
    for (const [key, value] of [
      ['requestsOnTime', 13],
      ['requestsOverdue', 17],
      ['outOfScope', 23],
    ] as const) {
      expect(body).toMatch(new RegExp(`<td[^>]*data-figure="${key}"[^>]*>${value}</td>`));
      expect(body).toContain(`href="/companies?sort=${key}&amp;dir=desc"`);
      expect(body).toContain(t('en', `portal.trust.${key}`));
    }
  });

  it.each([
    ['en', 'There is no page 7: the list has 2 pages.'],
    ['de', 'Seite 7 gibt es nicht: Die Liste hat 2 Seiten.'],
  ] as const)(
    'says in %s that a page past the end is none, with a link to the last',
    (locale, said) => {
      const body = render(RegistryPage, {
        props: {
          data: {
            locale,
            version: '1',
            path: '/companies',
            invalid: null,
            result: {
              query: { q: '', sort: 'name', dir: 'asc', page: 7 },
              entries: [],
              total: 30,
              pageCount: 2,
            },
          },
        } as never,
      }).body;
      const past = /data-testid="registry-past-end"[^>]*>([\s\S]*?)<\/p>/.exec(body)?.[1] ?? '';
      expect(past).toContain(said);
      expect(past).toContain('href="/companies?page=2"');
      // Not "no company matches" after "30 companies found".
      expect(body).not.toContain(t(locale, 'portal.registry.empty'));
    },
  );

  it('shows the error sentence of an invalid query', () => {
    const body = html({}, 'ERR_QUERY_INVALID');
    expect(body).toContain('role="alert"');
    expect(body).toContain(t('en', 'errors.ERR_QUERY_INVALID'));
  });
});
