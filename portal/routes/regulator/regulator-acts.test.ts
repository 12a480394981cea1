/**
 * The regulator's signed acts as their pages show them afterwards, on SQLite and PostgreSQL: a
 * company's suspensions and reinstatements with each one's reason and who signed it, and a
 * complaint's decision with its reason (in both languages, as signed) and who decided. Each page
 * is loaded by its route's `load` with a regulator's session and rendered on the server in German
 * and English; the acts are signed through the API's route handlers, by two regulators.
 */
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t, type Locale } from '$protocol/i18n';
import {
  claims,
  expectJson,
  expectProblem,
  newRegulator,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestRegulator,
} from '$lib/server/api-test-kit';
import { complaintDesk, enrolPerson, registerCompany } from '$lib/server/api-test-world';
import { formatDay, formatDayTime } from '$lib/components/format';
import { testDialects } from '$lib/server/db/test-databases';
import type { Ed25519KeyPair } from '$protocol/keys';
import * as suspensionsRoute from '../api/v1/suspensions/+server';
import CompanyPage from './companies/[companyId]/+page.svelte';
import * as companyServer from './companies/[companyId]/+page.server';
import ReviewPage from './complaints/[sha256]/+page.svelte';
import * as reviewServer from './complaints/[sha256]/+page.server';

type Signer = Pick<TestRegulator, 'id' | 'keyPair'>;

/** Rendered markup without Svelte's scoping classes, to compare with the markup written. */
const plain = (html: string) =>
  html.replace(/ class="svelte-[\w-]+"/g, '').replace(/ svelte-[\w-]+"/g, '"');

describe.each(testDialects)("the regulator's acts, their reasons and signers, on %s", (dialect) => {
  let api: ApiHarness;
  /** The regulator looking at the pages (with a session), who signs too. */
  let rita: { keyPair: Ed25519KeyPair; signer: string; session: string };
  /** Another regulator, who signs without looking. */
  let otto: TestRegulator;
  let company: TestCompany;
  let quiet: TestCompany;

  const asSigner = (): Signer => ({ id: rita.signer, keyPair: rita.keyPair });

  /** Signs a suspension or reinstatement of `target` through the API's route handler. */
  async function act(
    by: Signer,
    target: TestCompany,
    action: 'suspend' | 'reinstate',
    reason: { de: string; en: string },
  ): Promise<Response> {
    const token = await sign(
      'suspension',
      { ...claims(api.clock, by.id, testOrigin), company: target.id, action, reason },
      by.keyPair,
    );
    return post(suspensionsRoute.POST, '/api/v1/suspensions', token);
  }

  /** Runs a page's `load` as Rita, with `params`, at `path`. */
  async function load(
    server: { load: (event: never) => unknown },
    path: string,
    params: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const event = {
      url: new URL(testOrigin + path),
      params,
      cookies: {
        get: (name: string) => (name === 'session' ? rita.session : undefined),
        getAll: () => [],
        set() {},
        delete() {},
      },
      setHeaders() {},
      locals: {},
    };
    return (await server.load(event as never)) as Record<string, unknown>;
  }

  const companyPage = async (target: TestCompany) => {
    const path = `/regulator/companies/${target.id}`;
    const loaded = await load(companyServer, path, { companyId: target.id });
    const html = (locale: Locale) =>
      render(CompanyPage, {
        props: { data: { ...loaded, locale, version: '1', path } } as never,
      }).body;
    return { loaded, html: (locale: Locale) => plain(html(locale)) };
  };

  const reviewPage = async (sha256: string) => {
    const path = `/regulator/complaints/${sha256}`;
    const loaded = await load(reviewServer, path, { sha256 });
    const html = (locale: Locale) =>
      render(ReviewPage, {
        props: { data: { ...loaded, locale, version: '1', path } } as never,
      }).body;
    return { loaded, html: (locale: Locale) => plain(html(locale)) };
  };

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    rita = await enrolPerson(
      api,
      (
        await api.services.people.createEnrolment({
          role: 'regulator',
          name: 'Rita Rechtmann',
          createdBy: 'admin',
        })
      ).token,
    );
    otto = await newRegulator(api, 'Otto Oberaufsicht');
    company = (await registerCompany(api)).company;
    quiet = (await registerCompany(api)).company;
  });

  afterAll(async () => {
    await api?.close();
  });

  it("lists a company's suspensions and reinstatements, newest first, with reason and signer (failed before: none shown)", async () => {
    const suspendedAt = api.clock.now();
    await expectJson(
      await act(asSigner(), company, 'suspend', {
        de: 'Wiederholt ohne Einwilligung geschrieben.',
        en: 'Wrote repeatedly without consent.',
      }),
      201,
    );
    api.clock.advance(60);
    const reinstatedAt = api.clock.now();
    await expectJson(
      await act(otto, company, 'reinstate', {
        de: 'Mängel behoben.',
        en: 'Shortcomings remedied.',
      }),
      201,
    );

    const { loaded, html } = await companyPage(company);
    expect(loaded.suspensions).toEqual({
      entries: [
        expect.objectContaining({
          action: 'reinstate',
          at: reinstatedAt,
          reason: { de: 'Mängel behoben.', en: 'Shortcomings remedied.' },
          regulator: { signer: otto.id, name: 'Otto Oberaufsicht' },
        }),
        expect.objectContaining({
          action: 'suspend',
          at: suspendedAt,
          reason: {
            de: 'Wiederholt ohne Einwilligung geschrieben.',
            en: 'Wrote repeatedly without consent.',
          },
          regulator: { signer: rita.signer, name: 'Rita Rechtmann' },
        }),
      ],
      more: false,
    });
    for (const locale of ['de', 'en'] as const) {
      const history = html(locale).match(/data-testid="suspension-history".*?<\/ol>/s)?.[0] ?? '';
      const said = (key: 'suspend' | 'reinstate', at: number, name: string) =>
        t(locale, `portal.regulator.history.${key}`, { at: formatDayTime(locale, at), name });
      expect(history.indexOf(said('reinstate', reinstatedAt, 'Otto Oberaufsicht'))).toBeGreaterThan(
        -1,
      );
      expect(history.indexOf(said('suspend', suspendedAt, 'Rita Rechtmann'))).toBeGreaterThan(
        history.indexOf(said('reinstate', reinstatedAt, 'Otto Oberaufsicht')),
      );
      // Both languages as signed, each marked as the language it is in.
      expect(history).toContain('<dd lang="de">Wiederholt ohne Einwilligung geschrieben.</dd>');
      expect(history).toContain('<dd lang="en">Wrote repeatedly without consent.</dd>');
      expect(history).toContain(`<dt>${t(locale, 'portal.regulator.reasonText.de')}</dt>`);
    }
  });

  it('links the upheld complaints a suspension rests on to their review pages, in both languages (failed before: not shown)', async () => {
    const target = (await registerCompany(api)).company;
    const desk = complaintDesk(api, { id: otto.id, keyPair: otto.keyPair });
    const file = await desk.filer(target);
    const cited = [await file(), await file()];
    for (const sha256 of cited) await desk.decide(sha256, 'upheld');
    const token = await sign(
      'suspension',
      {
        ...claims(api.clock, otto.id, testOrigin),
        company: target.id,
        action: 'suspend',
        reason: { de: 'Bestätigte Beschwerden.', en: 'Upheld complaints.' },
        complaints: cited,
      },
      otto.keyPair,
    );
    await expectJson(await post(suspensionsRoute.POST, '/api/v1/suspensions', token), 201);

    const { loaded, html } = await companyPage(target);
    expect(
      (loaded.suspensions as { entries: { complaints: string[] }[] }).entries.map(
        (entry) => entry.complaints,
      ),
    ).toEqual([cited]);
    for (const locale of ['de', 'en'] as const) {
      const history = html(locale).match(/data-testid="suspension-history".*?<\/ol>/s)?.[0] ?? '';
      expect(history).toContain(t(locale, 'portal.regulator.history.cited'));
      for (const sha256 of cited) {
        expect(history).toContain(
          `<a href="/regulator/complaints/${sha256}"><code>${sha256.slice(0, 10)}…</code></a>`,
        );
      }
    }
  });

  it('says of a company never suspended that it never was, in both languages', async () => {
    const { loaded, html } = await companyPage(quiet);
    expect(loaded.suspensions).toEqual({ entries: [], more: false });
    for (const locale of ['de', 'en'] as const) {
      expect(html(locale)).toContain(t(locale, 'portal.regulator.history.none'));
    }
  });

  it('shows after two suspend at once the suspended company, and whose suspension stands (failed before: a stale page)', async () => {
    const target = (await registerCompany(api)).company;
    await expectJson(await act(otto, target, 'suspend', { de: 'Zuerst.', en: 'First.' }), 201);
    const late = await act(asSigner(), target, 'suspend', { de: 'Danach.', en: 'Later.' });
    await expectProblem(late, 409, 'ERR_SUSPENSION_CONFLICT');
    // What the page reloads after the refusal: the company suspended, by the one who came first.
    const { loaded, html } = await companyPage(target);
    expect((loaded.company as { status: string }).status).toBe('suspended');
    expect(
      (loaded.suspensions as { entries: { regulator: { name: string } }[] }).entries.map(
        (entry) => entry.regulator.name,
      ),
    ).toEqual(['Otto Oberaufsicht']);
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      expect(body).toContain(t(locale, 'portal.regulator.reinstate.submit'));
      expect(body).not.toContain(t(locale, 'portal.regulator.suspend.submit'));
      expect(body).toContain('<dd lang="en">First.</dd>');
      expect(body).not.toContain('Later.');
    }
  });

  it('shows a decided complaint with its reason in both languages and who decided (failed before: only the date)', async () => {
    const desk = complaintDesk(api, { id: otto.id, keyPair: otto.keyPair });
    const file = await desk.filer(company);
    const sha256 = await file();
    const open = await reviewPage(sha256);
    expect(open.loaded.decision).toBeNull();

    await desk.decide(sha256, 'dismissed');
    const { loaded, html } = await reviewPage(sha256);
    expect(loaded.decision).toEqual({
      reason: { de: 'Begründet.', en: 'Reasoned.' },
      regulator: { signer: otto.id, name: 'Otto Oberaufsicht' },
    });
    for (const locale of ['de', 'en'] as const) {
      const body = html(locale);
      const decision = body.match(/aria-labelledby="decision".*?<\/section>/s)?.[0] ?? '';
      expect(decision).toContain(
        t(locale, 'portal.regulator.decision.wasDismissed', {
          at: formatDay(locale, api.clock.now()),
        }),
      );
      expect(decision).toContain(
        t(locale, 'portal.regulator.decision.by', { name: 'Otto Oberaufsicht' }),
      );
      expect(decision).toContain('<dd lang="de" class="comment">Begründet.</dd>');
      expect(decision).toContain('<dd lang="en" class="comment">Reasoned.</dd>');
    }
  });
});

describe('a signer no person is known for', () => {
  it('is named by their signer id', () => {
    const companyId = 'co_' + 'C'.repeat(43);
    const signer = 'rg_' + 'k'.repeat(43);
    const at = Date.UTC(2026, 0, 5, 9);
    const body = render(CompanyPage, {
      props: {
        data: {
          locale: 'en',
          version: '1',
          path: `/regulator/companies/${companyId}`,
          person: { id: 'pe_x', kid: 'k', signer: 'rg_x' },
          company: {
            id: companyId,
            legalName: 'Schlamperei AG',
            domain: 'https://schlamperei.example',
            status: 'suspended',
            trust: {
              status: 'suspended',
              activeRelationships: 0,
              revocationAcks: { onTime: 0, overdue: 0, open: 0 },
              dataRequests: { onTime: 0, overdue: 0, open: 0 },
              outOfScopeAccess: 0,
              upheldComplaints: 0,
              boycotts: 0,
              refusedRelayAttempts: 0,
            },
          },
          boycott: { total: 0, confirmed: 0 },
          ackDeadlineHours: 72,
          findings: [],
          open: { items: [], paging: emptyPaging },
          decided: { items: [], paging: emptyPaging },
          upheld: { items: [], paging: emptyPaging },
          suspensions: {
            entries: [
              {
                sha256: 's'.repeat(43),
                action: 'suspend',
                at,
                reason: { de: 'Grund.', en: 'Reason.' },
                complaints: [],
                regulator: { signer, name: null },
              },
            ],
            more: true,
          },
        },
      } as never,
    }).body;
    expect(body).toContain(
      t('en', 'portal.regulator.history.suspend', { at: formatDayTime('en', at), name: signer }),
    );
    expect(body).toContain(t('en', 'portal.regulator.history.more', { count: '1' }));
  });
});

const emptyPaging = {
  pageSize: 50,
  total: 0,
  from: 1,
  to: 0,
  cursor: null,
  previous: null,
  next: null,
  last: null,
};
