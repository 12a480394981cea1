/**
 * The regulator's index of companies (`/regulator/companies`, regulator-companies.ts) on SQLite
 * and PostgreSQL: its `load` for a regulator (and for no one, or a staff member), every company
 * listed whether or not it has findings, found by name, id or domain, filtered by status and
 * paged; the page rendered from it in German and English; and the dashboard's tiles that lead
 * there (failed before: no index, the "suspended" tile no link, two tiles named "suspended" and
 * "open").
 */
import { isHttpError, isRedirect } from '@sveltejs/kit';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import { openApiHarness, testOrigin, type ApiHarness } from '$lib/server/api-test-kit';
import { enrolPerson, registerCompany } from '$lib/server/api-test-world';
import type { DashboardFigures } from '$lib/server/dashboard';
import { testDialects } from '$lib/server/db/test-databases';
import {
  companyIndexPage,
  parseCompanyIndexQuery,
  type CompanyIndexPage,
} from '$lib/server/regulator-companies';
import DashboardPage from './+page.svelte';
import IndexPage from './companies/+page.svelte';
import * as server from './companies/+page.server';

type Loaded = { person: { name: string }; result: CompanyIndexPage; invalid: string | null };

describe.each(testDialects)('the index of companies on %s', (dialect) => {
  let api: ApiHarness;
  let session: string;
  /** Registered in this order; renamed so that name order differs from it. */
  const ids: string[] = [];

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    const link = await api.services.people.createEnrolment({
      role: 'regulator',
      name: 'Rita Regulator',
      createdBy: 'admin',
    });
    session = (await enrolPerson(api, link.token)).session;
    const names = ['Zebra Sport', 'achtsam & Co', 'Mittel_Stand 100%', 'Beispiel AG'];
    for (const name of names) {
      const { company } = await registerCompany(api);
      await api.tdb.cdb.db
        .updateTable('companies')
        .set({ legal_name: name })
        .where('id', '=', company.id)
        .execute();
      ids.push(company.id);
    }
    await api.services.companies.setStatus(ids[0]!, 'suspended');
    await api.services.companies.setStatus(ids[3]!, 'pending');
  });
  afterAll(async () => {
    await api?.close();
  });

  /** `load` as SvelteKit calls it for `/regulator/companies?…`, with the session `cookie` (none: undefined). */
  async function load(search: string, cookie: string | undefined): Promise<Loaded> {
    const url = new URL(`${testOrigin}/regulator/companies${search}`);
    const event = {
      url,
      params: {},
      cookies: {
        get: (name: string) => (name === 'session' ? cookie : undefined),
        getAll: () => [],
        set() {},
        delete() {},
      },
      setHeaders() {},
      locals: {},
    };
    return (await server.load(event as never)) as Loaded;
  }
  const refusal = (search: string, cookie: string | undefined) =>
    load(search, cookie).then(
      () => undefined,
      (error: unknown) => error,
    );
  const names = (data: Loaded) => data.result.items.map((item) => item.legalName);

  it('is for regulators only: the logged-out go to the login, staff are refused', async () => {
    const out = await refusal('?status=suspended', undefined);
    expect(isRedirect(out)).toBe(true);
    expect((out as { location: string }).location).toBe(
      `/login?next=${encodeURIComponent('/regulator/companies?status=suspended')}`,
    );
    const { company, staffToken } = await registerCompany(api);
    // Named past the others, so the lists below hold it last or not at all.
    await api.tdb.cdb.db
      .updateTable('companies')
      .set({ legal_name: 'Zz Staffed' })
      .where('id', '=', company.id)
      .execute();
    const staff = await enrolPerson(api, staffToken, 'Stefan Staff');
    const refused = await refusal('', staff.session);
    expect(isHttpError(refused) && refused.status).toBe(403);
  });

  it('lists every company by name, none with findings needed, each with its status', async () => {
    const data = await load('', session);
    expect(names(data).slice(0, 4)).toEqual([
      'achtsam & Co',
      'Beispiel AG',
      'Mittel_Stand 100%',
      'Zebra Sport',
    ]);
    expect(data.result.items.find((item) => item.id === ids[0])?.status).toBe('suspended');
    expect(data.invalid).toBeNull();
  });

  it('filters by status: the suspended company alone, or all the active ones', async () => {
    const suspended = await load('?status=suspended', session);
    expect(suspended.result.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(suspended.result.query.status).toBe('suspended');
    const active = await load('?status=active', session);
    expect(active.result.items.map((item) => item.id)).not.toContain(ids[0]);
    expect(active.result.items.map((item) => item.id)).toEqual(
      expect.arrayContaining(ids.slice(1, 3)),
    );
    expect(active.result.items.map((item) => item.id)).not.toContain(ids[3]);
    // The registrations whose domain is not proved yet (a copy of another's name among them).
    const pending = await load('?status=pending', session);
    expect(pending.result.items.map((item) => item.id)).toContain(ids[3]);
    expect(pending.result.items.every((item) => item.status === 'pending')).toBe(true);
    // A status the index does not know lists all.
    expect((await load('?status=pending;drop', session)).result.query.status).toBe('all');
  });

  it.each([
    ['a name, in any case', 'BEISPIEL', [3]],
    ['a wildcard taken literally', '_stand 100%', [2]],
    ['an id', '', [1]],
    ['a domain', '', [2]],
  ] as const)('finds a company by %s', async (what, text, expected) => {
    let q: string = text;
    if (what === 'an id') q = ids[1]!.slice(5, 30);
    if (what === 'a domain') {
      q = (
        await api.tdb.cdb.db
          .selectFrom('companies')
          .select('domain')
          .where('id', '=', ids[2]!)
          .executeTakeFirstOrThrow()
      ).domain;
    }
    const data = await load(`?q=${encodeURIComponent(q)}`, session);
    expect(data.result.items.map((item) => item.id)).toEqual(expected.map((i) => ids[i]));
    expect(data.result.query.q).toBe(q);
  });

  it('combines the search with the status filter', async () => {
    expect(names(await load('?q=zebra&status=active', session))).toEqual([]);
    expect(names(await load('?q=zebra&status=suspended', session))).toEqual(['Zebra Sport']);
  });

  it('refuses a search text the registry refuses, and lists all instead', async () => {
    const data = await load(`?q=${'x'.repeat(101)}`, session);
    expect(data.invalid).toBe('ERR_QUERY_INVALID');
    expect(data.result.query.q).toBe('');
    expect(data.result.items.length).toBeGreaterThanOrEqual(4);
  });

  it('pages by number, a page past the end showing the last one', async () => {
    const db = api.tdb.cdb.db;
    const query = parseCompanyIndexQuery(new URLSearchParams('status=active')).query;
    const total = (await companyIndexPage(db, query)).paging.total;
    expect(total).toBeGreaterThanOrEqual(3);
    const first = await companyIndexPage(db, query, 2);
    expect(first.paging).toMatchObject({ from: 1, to: 2, total, cursor: null, previous: null });
    expect(first.paging.next).toBe('2');
    const second = await companyIndexPage(db, { ...query, page: 2 }, 2);
    expect(second.paging).toMatchObject({ from: 3, cursor: '2', previous: '1' });
    expect(second.items.map((i) => i.id)).not.toContain(first.items[0]!.id);
    const beyond = await companyIndexPage(db, { ...query, page: 999 }, 2);
    expect(beyond.query.page).toBe(Math.ceil(total / 2));
    expect(beyond.paging.next).toBeNull();
    expect(beyond.items.length).toBeGreaterThan(0);
  });

  it.each(['de', 'en'] as const)(
    'shows in %s each company linked to its page, in a named scroll region, with a labelled search',
    async (locale) => {
      const data = await load('?status=suspended', session);
      const body = render(IndexPage, {
        props: { data: { ...data, locale, version: '1', path: '/regulator/companies' } } as never,
      }).body;
      expect(body).toContain(`href="/regulator/companies/${ids[0]}">Zebra Sport</a>`);
      expect(body).toContain(t(locale, 'portal.status.suspended'));
      const name = t(locale, 'portal.table.scrollRegion', {
        name: t(locale, 'portal.regulator.companies.caption'),
      });
      expect(body).toMatch(
        new RegExp(
          `role="region" aria-label="${name.replace(/[()]/g, '\\$&')}" tabindex="0"[^>]*>\\s*<table data-testid="companies"`,
        ),
      );
      expect(body).toContain(
        `<label for="companies-q">${t(locale, 'portal.regulator.companies.search.label')}</label>`,
      );
      expect(body).toMatch(/<option value="suspended" selected/);
      expect(body).toContain(t(locale, 'portal.regulator.companies.count', { count: 1 }));
      expect(body).toContain(t(locale, 'portal.regulator.companies.reset'));
      const empty = render(IndexPage, {
        props: {
          data: { ...(await load('?q=nobody', session)), locale, version: '1', path: '/x' },
        } as never,
      }).body;
      expect(empty).toContain(t(locale, 'portal.regulator.companies.empty'));
    },
  );

  it('links the pages of a long list, keeping the search and the filter', () => {
    const data: Loaded = {
      person: { name: 'Rita' },
      invalid: null,
      result: {
        query: { q: 'sport & co', status: 'active', page: 2 },
        items: [
          { id: ids[1]!, legalName: 'achtsam & Co', domain: 'https://a.example', status: 'active' },
        ],
        paging: {
          pageSize: 50,
          total: 120,
          from: 51,
          to: 100,
          cursor: '2',
          previous: '1',
          next: '3',
          last: '3',
        },
      },
    };
    const body = render(IndexPage, {
      props: {
        data: { ...data, locale: 'en', version: '1', path: '/regulator/companies' },
      } as never,
    }).body;
    expect(body).toContain('data-testid="companies-pager"');
    // Failed before: the shared pager called the companies "Complaints 51–100 of 120".
    expect(body).toContain(
      `data-testid="companies-pager-position">${t('en', 'portal.regulator.paging.rows.companies', { from: 51, to: 100, total: 120 })}</span>`,
    );
    expect(body).toContain('Companies 51–100 of 120');
    expect(body).not.toContain('Complaints 51');
    expect(body).toContain(
      'href="?q=sport%20%26%20co&amp;status=active&amp;page=3#companies-list" rel="next"',
    );
    expect(body).toContain(
      'href="?q=sport%20%26%20co&amp;status=active&amp;page=1#companies-list" rel="prev"',
    );
  });
});

describe("the dashboard's tiles", () => {
  const figures: DashboardFigures = {
    at: Date.UTC(2026, 0, 5),
    totals: { companies: 7, suspended: 2, grants: 0, refusals: 0, revocations: 3 },
    weeks: [],
    overdue: [],
    complaints: { byReason: [], open: 4, upheld: 0, dismissed: 0 },
    boycotts: { total: 0, byReason: [], companies: [] },
    refusedRelay: { total: 0, byRule: [] },
    risk: [],
    riskPaging: { page: 1, pageSize: 50, total: 0 },
  };
  const html = (locale: Locale) =>
    render(DashboardPage, {
      props: {
        data: {
          locale,
          version: '1',
          path: '/regulator',
          person: { name: 'Anna' },
          figures,
          open: {
            items: [],
            paging: {
              pageSize: 50,
              total: 0,
              from: 1,
              to: 0,
              cursor: null,
              previous: null,
              next: null,
              last: null,
            },
          },
        },
      } as never,
    }).body;

  it.each([
    ['de', 'Ausgesetzte Unternehmen', 'Offene Beschwerden'],
    ['en', 'Suspended companies', 'Open complaints'],
  ] as const)(
    'names in %s what each tile counts and links the company tiles to the index',
    (locale, suspended, open) => {
      const totals = html(locale).match(/data-testid="regulator-totals".*?<\/dl>/s)![0];
      expect(totals).toContain(`<a href="/regulator/companies?status=suspended">${suspended}</a>`);
      expect(totals).toContain(
        `<a href="/regulator/companies">${t(locale, 'portal.regulator.totals.companies')}</a>`,
      );
      expect(totals).toContain(`<a href="#open-complaints">${open}</a>`);
      // No tile is named by a bare state any more.
      expect(totals).not.toMatch(/<dt>(ausgesetzt|suspended|offen|open)<\/dt>/);
    },
  );

  it('offers the index of companies among the regulator’s places, in both languages', () => {
    for (const locale of ['de', 'en'] as const) {
      const places = html(locale).match(/data-testid="regulator-places".*?<\/ul>/s)![0];
      expect(places).toContain(
        `<a href="/regulator/companies">${t(locale, 'portal.regulator.companies.open')}</a>`,
      );
    }
  });
});
