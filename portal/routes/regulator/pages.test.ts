/**
 * The regulator's pages rendered on the server, in German and English: the dashboard's open
 * complaints with their pager, a company's page with its section links, its paged complaint
 * lists and the paged list of upheld complaints to cite, and a complaint's evidence in the page's
 * words (no property names, vocabulary ids or evidence kind ids).
 */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { t, type Locale } from '$protocol/i18n';
import type { ComplaintListEntry, ComplaintPage } from '$lib/server/dashboard-review';
import type { DashboardFigures } from '$lib/server/dashboard';
import type { TrustFigures } from '$lib/server/trust';
import DashboardPage from './+page.svelte';
import CompanyPage from './companies/[companyId]/+page.svelte';
import ReviewPage from './complaints/[sha256]/+page.svelte';

const day = Date.UTC(2026, 0, 5);
const companyId = 'co_' + 'C'.repeat(43);

function complaint(i: number, decision: ComplaintListEntry['decision']): ComplaintListEntry {
  return {
    sha256: String(i).padStart(43, 'h'),
    company: companyId,
    companyName: 'Schlamperei AG',
    reasons: ['wrong_channel'],
    receivedAt: day - i * 86_400_000,
    decision,
  };
}

/** The page of a list of `total` starting at row `from`, with stand-in cursors (`a50`: after row 50). */
function listPage(
  from: number,
  total: number,
  decision: ComplaintListEntry['decision'],
): ComplaintPage {
  const count = Math.max(0, Math.min(50, total - from + 1));
  const to = from - 1 + count;
  return {
    items: Array.from({ length: count }, (_, i) => complaint(from - 1 + i, decision)),
    paging: {
      pageSize: 50,
      total,
      from,
      to,
      cursor: from === 1 ? null : `a${from - 1}`,
      previous: from > 1 ? `b${from}` : null,
      next: to < total ? `a${to}` : null,
      last: to < total ? 'last' : null,
    },
  };
}

const figures: DashboardFigures = {
  at: day,
  totals: { companies: 1, suspended: 0, grants: 0, refusals: 0, revocations: 0 },
  weeks: [],
  overdue: [],
  complaints: { byReason: [], open: 120, upheld: 0, dismissed: 0 },
  boycotts: { total: 0, byReason: [], companies: [] },
  refusedRelay: { total: 0, byRule: [] },
  risk: [],
  riskPaging: { page: 2, pageSize: 50, total: 120 },
};

describe('the dashboard', () => {
  const html = (locale: Locale, open: ComplaintPage, shown: DashboardFigures = figures) =>
    render(DashboardPage, {
      props: {
        data: {
          locale,
          version: '1',
          path: '/regulator',
          person: { name: 'Anna' },
          figures: shown,
          open,
        },
      } as never,
    }).body;

  it('pages through the open complaints by cursor, keeping the risk page, landing on the list', () => {
    const body = html('en', listPage(51, 120, null));
    expect(body).toContain('data-testid="open-complaints-pager"');
    expect(body).toContain(
      t('en', 'portal.regulator.paging.rows', { from: 51, to: 100, total: 120 }),
    );
    expect(body).toContain('href="?riskPage=2&amp;complaints=a100#open-complaints" rel="next"');
    expect(body).toContain('href="?riskPage=2&amp;complaints=b51#open-complaints" rel="prev"');
    // The risk pager keeps the complaints list where it is in turn.
    expect(body).toContain('href="?complaints=a50#risk" rel="prev"');
    expect(body).toContain('href="?complaints=a50&amp;riskPage=3#risk" rel="next"');
    expect(body.match(/data-testid="open-complaints".*?<\/table>/s)![0]).toContain(
      complaint(50, null).sha256,
    );
  });

  it.each([
    ['en', 'Page 2 of 3 (120 companies)', 'In the last week: grants 1,200, refusals 1,'],
    ['de', 'Seite 2 von 3 (120 Unternehmen)', 'In der letzten Woche: Einwilligungen 1.200, '],
  ] as const)(
    'says in %s the risk page with its companies, and the chart of a single week in the singular',
    (locale, page, summary) => {
      const week = {
        start: day,
        grants: 1200,
        refusals: 1,
        revocations: 0,
        refusedRelayAttempts: 2,
      };
      const body = html(locale, listPage(1, 3, null), { ...figures, weeks: [week] });
      expect(body.match(/data-testid="risk-pager".*?<\/nav>/s)![0]).toContain(page);
      expect(body).toContain(summary);
    },
  );

  it('names the weeks of a longer chart in the plural', () => {
    const week = (i: number) => ({
      start: day + i * 7 * 86_400_000,
      grants: 1,
      refusals: 0,
      revocations: 0,
      refusedRelayAttempts: 0,
    });
    expect(html('en', listPage(1, 3, null), { ...figures, weeks: [week(0), week(1)] })).toContain(
      'In the last 2 weeks: grants 2, refusals 0, revocations 0, refused relay attempts 0.',
    );
  });

  it.each(['de', 'en'] as const)(
    'scrolls each wide table in a region of its own, named apart from its section, in %s (failed before: the open complaints had none, the risk one shared its name)',
    (locale) => {
      const risky = {
        id: companyId,
        legalName: 'Schlamperei AG',
        domain: 'https://schlamperei.example',
        status: 'active' as const,
        score: 3,
        figures: {
          acksOverdue: 1,
          answersOverdue: 0,
          complaintsUpheld: 0,
          complaintsOpen: 1,
          accessOutOfScope: 0,
          refusedRelayAttempts: 0,
          boycotts: 0,
        },
      };
      const body = html(locale, listPage(1, 3, null), { ...figures, risk: [risky] });
      for (const [section, table] of [
        ['portal.regulator.openComplaints', 'open-complaints'],
        ['portal.regulator.risk', 'risk-ranking'],
      ] as const) {
        const name = t(locale, 'portal.table.scrollRegion', { name: t(locale, section) });
        expect(name).not.toBe(t(locale, section));
        const region = new RegExp(
          `<div class="scroll[^"]*" role="region" aria-label="${name.replace(/[()]/g, '\\$&')}" tabindex="0"[^>]*>\\s*<table data-testid="${table}"`,
        );
        expect(body).toMatch(region);
      }
      expect(body).not.toMatch(/role="region" aria-labelledby="risk"/);
    },
  );

  it('draws no pager for one page of open complaints', () => {
    expect(html('de', listPage(1, 3, null))).not.toContain('open-complaints-pager');
    expect(html('de', listPage(1, 3, null))).toContain('href="?riskPage=3#risk" rel="next"');
  });

  it.each(['de', 'en'] as const)(
    'says in %s what each empty boycott table would list (failed before: both "No boycotts.")',
    (locale) => {
      const body = html(locale, listPage(1, 3, null));
      const empty = (testid: string) =>
        body.match(new RegExp(`<p class="empty[^"]*" data-testid="${testid}">(.*?)</p>`, 's'))?.[1];
      const byReason = t(locale, 'portal.regulator.boycotts.byReason.none');
      const byCompany = t(locale, 'portal.regulator.boycotts.byCompany.none');
      expect(empty('boycotts-by-reason')).toBe(byReason);
      expect(empty('boycotts-by-company')).toBe(byCompany);
      expect(byReason).not.toBe(byCompany);
    },
  );
});

describe("a company's page", () => {
  const trust: TrustFigures = {
    status: 'active',
    activeRelationships: 1,
    revocationAcks: { onTime: 0, overdue: 0, open: 0 },
    dataRequests: { onTime: 0, overdue: 0, open: 0 },
    outOfScopeAccess: 0,
    upheldComplaints: 70,
    boycotts: 0,
    refusedRelayAttempts: 0,
  };
  const html = (locale: Locale, boycott = { total: 0, confirmed: 0 }) =>
    render(CompanyPage, {
      props: {
        data: {
          locale,
          version: '1',
          path: `/regulator/companies/${companyId}`,
          person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
          company: {
            id: companyId,
            legalName: 'Schlamperei AG',
            domain: 'https://schlamperei.example',
            status: 'active',
            trust,
          },
          boycott,
          ackDeadlineHours: 72,
          findings: Array.from({ length: 3 }, (_, i) => ({
            type: 'relay-refused',
            refusedAt: day + i,
            rule: 'revoked',
          })),
          open: listPage(1, 2, null),
          decided: listPage(51, 80, 'upheld'),
          upheld: listPage(1, 70, 'upheld'),
          suspensions: { entries: [], more: false },
        },
      } as never,
    }).body;

  it('links its sections at the top, before the long lists, in both languages', () => {
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      const toc = body.match(/data-testid="regulator-company-toc".*?<\/nav>/s)![0];
      for (const [fragment, text] of [
        ['figures', t(locale, 'portal.company.figures')],
        ['findings', t(locale, 'portal.regulator.jump.findings', { count: 3 })],
        [
          'company-complaints',
          t(locale, 'portal.regulator.jump.complaints', { open: 2, decided: 80 }),
        ],
        ['suspension', t(locale, 'portal.regulator.suspend.title')],
      ]) {
        expect(toc).toContain(`href="#${fragment}">${text}</a>`);
      }
      expect(body.indexOf('regulator-company-toc')).toBeLessThan(
        body.indexOf('data-testid="findings"'),
      );
    }
  });

  it('says how many boycotting pseudonyms the company itself addressed, in both languages', () => {
    for (const locale of ['de', 'en'] as const) {
      const figures = html(locale, { total: 1200, confirmed: 3 }).match(
        /<section aria-labelledby="figures">.*?<\/section>/s,
      )![0];
      expect(figures).toContain(
        t(locale, 'portal.regulator.boycotts.confirmed', {
          count: 3,
          total: locale === 'de' ? '1.200' : '1,200',
        }),
      );
    }
    expect(html('en')).not.toContain('data-testid="boycott-confirmed"');
  });

  it.each([
    [
      'en',
      'Boycotting pseudonyms: 1,200. 1 of them has a relationship the company itself confirmed: it sent that pseudonym',
    ],
    [
      'de',
      'Boykottierende Pseudonyme: 1.200. Davon hat 1 eine Beziehung, die das Unternehmen selbst bestätigt hat: Es hat ihm',
    ],
  ] as const)('says in %s of a single addressed pseudonym that it has one', (locale, said) => {
    expect(html(locale, { total: 1200, confirmed: 1 })).toContain(said);
  });

  it('pages the decided complaints and the upheld ones to cite by cursor, each keeping the others', () => {
    const body = html('en');
    expect(body).not.toContain('data-testid="open-complaints-pager"');
    expect(body).toContain('href="?decided=b51#decided-complaints" rel="prev"');
    expect(body).toContain(
      t('en', 'portal.regulator.paging.rows', { from: 51, to: 80, total: 80 }),
    );
    expect(body).toContain('href="?decided=a50&amp;upheld=a50#cite-complaints" rel="next"');
    const cite = body.match(/data-testid="cite-complaints".*?<\/fieldset>/s)![0];
    expect(cite.match(/type="checkbox"/g)).toHaveLength(50);
    expect(cite).toContain(t('en', 'portal.regulator.suspend.cited', { count: 0, max: 64 }));
    expect(cite).toContain('data-testid="cite-complaints-pager"');
  });
});

describe("a complaint's review", () => {
  const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));
  const jws = (payload: unknown) => `${part({ alg: 'EdDSA' })}.${part(payload)}.c2ln`;
  const iat = day / 1000 + 13 * 3600;
  const offer = jws({
    iss: companyId,
    iat,
    purpose: 'product_launch',
    channel: 'newsletter',
    validUntil: iat + 7 * 86_400,
    advertisement: false,
  });
  const rendered = (locale: Locale) =>
    render(ReviewPage, {
      props: {
        data: {
          locale,
          version: '1',
          path: '/regulator/complaints/x',
          person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
          material: {
            origin: 'http://localhost:3000',
            complaint: {
              sha256: 's'.repeat(43),
              jws: jws({ evidence: [{ kind: 'offer-content', jws: offer }], reasons: ['other'] }),
              company: companyId,
              pseudonym: 'ps_' + 'p'.repeat(43),
              reasons: ['other'],
              receivedAt: day,
              decision: null,
            },
            company: {
              id: companyId,
              legalName: 'Schlamperei AG',
              status: 'active',
              keys: [],
              staffKeys: [],
            },
            pseudonymKey: null,
            grants: [null],
          },
          decision: null,
        },
      } as never,
    });
  const html = (locale: Locale) => rendered(locale).body;

  it('says in its title that it is a regulator page, as the others do (failed before: no " · Aufsicht")', () => {
    for (const locale of ['de', 'en'] as const) {
      const title = [
        t(locale, 'portal.regulator.complaint.title'),
        t(locale, 'portal.regulator.title'),
        t(locale, 'common.appName'),
      ].join(' · ');
      expect(rendered(locale).head).toContain(`<title>${title}</title>`);
    }
  });

  it('names the evidence and its fields in the page’s language (failed before: raw ids and English property names)', () => {
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      const evidence = body
        .match(/aria-labelledby="evidence".*?<\/section>/s)![0]
        .replace(/ class="[^"]*"/g, '');
      expect(evidence).toContain(
        t(locale, 'portal.regulator.evidence.item', {
          index: 1,
          kind: t(locale, 'portal.console.complaints.evidence.offer-content'),
        }),
      );
      for (const [field, value] of [
        ['purpose', t(locale, 'vocabulary.purpose.product_launch')],
        ['channel', t(locale, 'vocabulary.channel.newsletter')],
        ['advertisement', t(locale, 'portal.regulator.evidence.no')],
      ] as const) {
        expect(evidence).toContain(
          `<dt>${t(locale, `portal.regulator.evidence.field.${field}`)}</dt> <dd>${value}</dd>`,
        );
      }
      for (const raw of ['offer-content', 'product_launch', 'newsletter', '>false<', '>iat<']) {
        expect(evidence).not.toContain(raw);
      }
    }
    expect(html('de')).toContain('05.01.2026, 13:00:00 UTC');
    expect(html('en')).toContain('5 Jan 2026, 13:00:00 UTC');
  });

  it('offers both outcomes with neither chosen (failed before: "upheld" was preselected)', () => {
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      const radios = body.match(/<input[^>]*type="radio"[^>]*>/g) ?? [];
      expect(radios.map((r) => /value="(\w+)"/.exec(r)?.[1])).toEqual(['upheld', 'dismissed']);
      for (const radio of radios) expect(radio).not.toMatch(/\schecked/);
      expect(body).toContain(t(locale, 'portal.regulator.decision.upheld'));
      expect(body).toContain(t(locale, 'portal.regulator.decision.dismissed'));
    }
  });
});
