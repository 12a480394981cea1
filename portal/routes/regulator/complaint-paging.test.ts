/**
 * The regulator's complaint lists as the regulator pages through them, on SQLite and PostgreSQL:
 * each page loaded by its route's `load` with a regulator's session, rendered on the server, and
 * the next one reached by following the link the rendered pager holds, while complaints are
 * decided and filed through the API's route handlers in between. Deciding complaints while paging
 * is what the regulator does, and by page number it made every next page start one row later
 * (dashboard-review.ts `complaintPage` pages by cursor instead).
 */
import { randomUUID } from 'node:crypto';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openApiHarness,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from '$lib/server/api-test-kit';
import { complaintDesk, enrolPerson, registerCompany } from '$lib/server/api-test-world';
import { complaintList } from '$lib/server/dashboard-review';
import { testDialects } from '$lib/server/db/test-databases';
import type { Ed25519KeyPair } from '$protocol/keys';
import DashboardPage from './+page.svelte';
import * as dashboardServer from './+page.server';
import CompanyPage from './companies/[companyId]/+page.svelte';
import * as companyServer from './companies/[companyId]/+page.server';

/** One page as the regulator sees it: the rows of a list and the links of its pager. */
interface Seen {
  url: URL;
  html: string;
  rows: string[];
  /** The pager's links by their role (`next`, `previous`, `first`, `last`), resolved. */
  links: Map<string, URL>;
}

const complaintLink = /href="\/regulator\/complaints\/([A-Za-z0-9_-]{43})"/g;

function unescape(attribute: string): string {
  return attribute.replaceAll('&amp;', '&');
}

describe.each(testDialects)('paging complaint lists by their rendered links on %s', (dialect) => {
  let api: ApiHarness;
  let regulator: { keyPair: Ed25519KeyPair; signer: string; session: string };
  let a: TestCompany;
  let b: TestCompany;
  let fileAboutA: () => Promise<string>;

  /** Files complaints and decides them (dismissed), through the API's route handlers. */
  const desk = () => complaintDesk(api, { id: regulator.signer, keyPair: regulator.keyPair });
  const filer = (company: TestCompany) => desk().filer(company);
  const decide = (complaintSha256: string) => desk().decide(complaintSha256, 'dismissed');

  /** The open complaints as the list orders them, newest first. */
  async function openList(company?: TestCompany): Promise<string[]> {
    const rows = await complaintList(api.services, {
      state: 'open',
      limit: 1000,
      ...(company === undefined ? {} : { company: company.id }),
    });
    return rows.map((row) => row.sha256);
  }

  /** Loads and renders `url` (the dashboard or a company's page) as the regulator. */
  async function open(url: URL, list: 'dashboard' | 'company'): Promise<Seen> {
    const event = {
      url,
      params: list === 'company' ? { companyId: url.pathname.split('/').at(-1)! } : {},
      cookies: {
        get: (name: string) => (name === 'session' ? regulator.session : undefined),
        getAll: () => [],
        set() {},
        delete() {},
      },
      setHeaders() {},
      locals: {},
    };
    const server = list === 'dashboard' ? dashboardServer : companyServer;
    const loaded = (await server.load(event as never)) as Record<string, unknown>;
    const data = { ...loaded, locale: 'en', version: '1', path: url.pathname };
    const html = render(list === 'dashboard' ? DashboardPage : CompanyPage, {
      props: { data } as never,
    }).body;
    const listId = list === 'dashboard' ? 'open-complaints' : 'company-open-complaints';
    const block = new RegExp(`data-testid="${listId}".*?</(table|ul)>`, 's').exec(html)?.[0] ?? '';
    const rows = [...block.matchAll(complaintLink)].map((match) => match[1]!);
    const links = new Map<string, URL>();
    for (const role of ['first', 'previous', 'next', 'last']) {
      const link = new RegExp(
        `href="([^"]*)"[^>]*data-testid="open-complaints-pager-${role}"`,
      ).exec(html);
      if (link !== null) links.set(role, new URL(unescape(link[1]!), url));
    }
    return { url, html, rows, links };
  }

  const dashboard = () => new URL(`${testOrigin}/regulator`);
  const companyPage = (company: TestCompany) =>
    new URL(`${testOrigin}/regulator/companies/${company.id}`);

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await enrolPerson(
      api,
      (
        await api.services.people.createEnrolment({
          role: 'regulator',
          name: 'Rita R',
          createdBy: 'admin',
        })
      ).token,
    );
    a = (await registerCompany(api)).company;
    b = (await registerCompany(api)).company;
    fileAboutA = await filer(a);
    const fileAboutB = await filer(b);
    // A's first, then B's, newer: the dashboard's first page is B's alone.
    for (let i = 0; i < 120; i++) {
      // Some in the same millisecond: the list orders those by sha256.
      if (i % 3 === 0) api.clock.advance(1);
      await fileAboutA();
    }
    for (let i = 0; i < 60; i++) {
      api.clock.advance(1);
      await fileAboutB();
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows on the next page every complaint the page before did not, though one there was decided (failed before: one skipped)', async () => {
    const before = await openList();
    const one = await open(dashboard(), 'dashboard');
    expect(one.rows).toEqual(before.slice(0, 50));
    await decide(one.rows[0]!);
    const two = await open(one.links.get('next')!, 'dashboard');
    expect(two.rows).toEqual(before.slice(50, 100));
    expect(two.html).toContain('50–99 of 179');
  });

  it("walks a company's 120 open complaints both ways by the rendered links, each once, while complaints are decided and filed (failed before: rows skipped)", async () => {
    const original = await openList(a);
    expect(original).toHaveLength(120);
    // Forward, deciding the newest complaint of each page as it is read.
    const forward: Seen[] = [await open(companyPage(a), 'company')];
    const decided: string[] = [];
    for (;;) {
      const seen = forward.at(-1)!;
      decided.push(seen.rows[0]!);
      await decide(seen.rows[0]!);
      const next = seen.links.get('next');
      if (next === undefined) break;
      forward.push(await open(next, 'company'));
    }
    expect(forward).toHaveLength(3);
    expect(forward.flatMap((seen) => seen.rows)).toEqual(original);
    for (const seen of forward) {
      expect(seen.html).toContain('<h3 id="open-complaints"');
      for (const link of seen.links.values()) expect(link.hash).toBe('#open-complaints');
    }

    // Back from the last page, a complaint filed before each step.
    const remaining = original.filter((sha256) => !decided.includes(sha256));
    const filed: string[] = [];
    const backward: Seen[] = [
      await open(forward.at(-1)!.links.get('last') ?? forward.at(-1)!.url, 'company'),
    ];
    for (;;) {
      api.clock.advance(1);
      filed.push(await fileAboutA());
      const previous = backward[0]!.links.get('previous');
      if (previous === undefined) break;
      backward.unshift(await open(previous, 'company'));
    }
    expect(backward.length).toBeGreaterThanOrEqual(3);
    const seen = backward.flatMap((page) => page.rows);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((sha256) => original.includes(sha256))).toEqual(remaining);
    // Those filed before the newest page was loaded are on it (the last one came after).
    expect(seen.filter((sha256) => !original.includes(sha256))).toEqual(
      filed.slice(0, -1).reverse(),
    );
  });

  it("shows the first page for another company's link or a junk one, never an error (failed before: the other company's page 2)", async () => {
    const first = await open(companyPage(b), 'company');
    expect(first.rows).toHaveLength(50);
    const aNext = (await open(companyPage(a), 'company')).links.get('next')!;
    const foreign = new URL(companyPage(b));
    foreign.search = aNext.search;
    expect((await open(foreign, 'company')).rows).toEqual(first.rows);
    // Every parameter of a real link, set to junk.
    const bNext = first.links.get('next')!;
    for (const junk of ['', 'x', '0', '99999999', 'a1.b', `last${randomUUID()}`, '%00', '<b>']) {
      const url = new URL(bNext);
      for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, junk);
      expect((await open(url, 'company')).rows, junk).toEqual(first.rows);
    }
  });
});
