/**
 * The trust figures of overdue data-request answers and out-of-scope access, on SQLite and
 * PostgreSQL: counted by the rule of the findings they stand for (`data-request-overdue`,
 * `access-out-of-scope`), shown in the public registry entry, per company, in a fixed number of
 * statements whatever the number of companies.
 */
import type { LogEvent } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Payload } from '$protocol/messages';
import {
  claims,
  companyMessage,
  expectJson,
  get,
  newCompany,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
} from './api-test-kit';
import { grantRequestToken, grantedPseudonym } from './api-test-world';
import { testDialects } from './db/test-databases';
import { createRegistryService } from './registry';
import { defaultAckDeadlineMs, trustFigures, type TrustFigures } from './trust';
import * as accessRoute from '../../routes/api/v1/access/+server';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as companyRoute from '../../routes/api/v1/companies/[companyId]/+server';
import * as findingsRoute from '../../routes/api/v1/companies/me/findings/+server';
import * as answersRoute from '../../routes/api/v1/data-request-answers/+server';
import * as dataRequestsRoute from '../../routes/api/v1/data-requests/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';

const day = 86_400;

describe.each(testDialects)('trust figures of data requests and access on %s', (dialect) => {
  let api: ApiHarness;
  let statements: string[];

  beforeAll(async () => {
    statements = [];
    api = await openApiHarness(dialect, {
      log: (event: LogEvent) => {
        if (event.level === 'query') statements.push(event.query.sql);
      },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A registered company, one pseudonym holding a grant of it, and that grant. */
  async function relationship(legalName = 'Beispiel Sport GmbH'): Promise<{
    company: TestCompany;
    pseudonym: TestPseudonym;
    grantSha256: string;
  }> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const registration = await sign(
      'company',
      companyMessage(api.clock, company, { legalName }),
      company.keyPair,
    );
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', registration), 201);
    const request = await expectJson<{ sha256: string }>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await grantRequestToken(api, company),
      ),
      201,
    );
    const { pseudonym, grantSha256 } = await grantedPseudonym({
      api,
      company,
      requestSha256: request.sha256,
    });
    return { company, pseudonym, grantSha256 };
  }

  /** An erasure request of `pseudonym`; its receipt names the deadline (ms). */
  async function dataRequest(
    pseudonym: TestPseudonym,
    companyId: string,
  ): Promise<{ sha256: string; deadline: number }> {
    const token = await sign(
      'data-request',
      { ...claims(api.clock, pseudonym.id, companyId), type: 'erasure' },
      pseudonym.keyPair,
    );
    return expectJson(await post(dataRequestsRoute.POST, '/api/v1/data-requests', token), 201);
  }

  async function answer(
    company: TestCompany,
    pseudonym: TestPseudonym,
    requestSha256: string,
  ): Promise<{ onTime: boolean }> {
    const token = await sign(
      'data-request-answer',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        requestSha256,
        outcome: 'erased',
        dataCategories: ['address'],
        erasedAt: api.clock.seconds(),
      },
      company.keyPair,
    );
    return expectJson(await post(answersRoute.POST, '/api/v1/data-request-answers', token), 201);
  }

  async function reportAccess(
    company: TestCompany,
    entries: Payload<'access'>['entries'],
  ): Promise<{ accepted: number; outOfScope: number }> {
    const token = await sign(
      'access',
      { ...claims(api.clock, company.id, testOrigin), entries },
      company.keyPair,
    );
    return expectJson(await post(accessRoute.POST, '/api/v1/access', token), 201);
  }

  /** The public trust object of the registry entry (`GET /api/v1/companies/{companyId}`). */
  async function publicTrust(companyId: string): Promise<TrustFigures> {
    const body = await expectJson<{ trust: TrustFigures }>(
      await get(companyRoute.GET, `/api/v1/companies/${companyId}`, api.clock),
      200,
    );
    return body.trust;
  }

  /** How many findings of `type` the company's own findings list holds. */
  async function findingsOf(company: TestCompany, type: string): Promise<number> {
    const body = await expectJson<{ findings: { type: string }[] }>(
      await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
      200,
    );
    return body.findings.filter((f) => f.type === type).length;
  }

  beforeEach(() => {
    statements.length = 0;
  });

  it('counts a request unanswered past its deadline as overdue, exactly when it becomes a finding', async () => {
    const { company, pseudonym } = await relationship();
    const request = await dataRequest(pseudonym, company.id);
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 0,
      overdue: 0,
      open: 1,
    });
    // Due by the deadline's last millisecond: still open then, overdue one later.
    api.clock.ms = request.deadline;
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 0,
      overdue: 0,
      open: 1,
    });
    expect(await findingsOf(company, 'data-request-overdue')).toBe(0);
    api.clock.ms = request.deadline + 1;
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 0,
      overdue: 1,
      open: 0,
    });
    expect(await findingsOf(company, 'data-request-overdue')).toBe(1);
    // A late answer leaves it overdue, as the finding stays.
    expect((await answer(company, pseudonym, request.sha256)).onTime).toBe(false);
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 0,
      overdue: 1,
      open: 0,
    });
    expect(await findingsOf(company, 'data-request-overdue')).toBe(1);
  });

  it('reproduces the report: 40 days after an unanswered access request, trust shows it', async () => {
    const { company, pseudonym } = await relationship();
    const token = await sign(
      'data-request',
      { ...claims(api.clock, pseudonym.id, company.id), type: 'access' },
      pseudonym.keyPair,
    );
    await expectJson(await post(dataRequestsRoute.POST, '/api/v1/data-requests', token), 201);
    api.clock.advance(40 * day);
    expect(await findingsOf(company, 'data-request-overdue')).toBe(1);
    expect((await publicTrust(company.id)).dataRequests.overdue).toBe(1);
  });

  it('counts an answer by the deadline as on time and an unanswered request within it as open', async () => {
    const { company, pseudonym } = await relationship();
    const answered = await dataRequest(pseudonym, company.id);
    const waiting = await dataRequest(pseudonym, company.id);
    expect(waiting.deadline).toBe(answered.deadline);
    // Answered in the deadline's last millisecond: on time, as the answer's receipt says.
    api.clock.ms = answered.deadline;
    expect((await answer(company, pseudonym, answered.sha256)).onTime).toBe(true);
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 1,
      overdue: 0,
      open: 1,
    });
    // Past the deadline the answered one stays on time; the other is overdue now.
    api.clock.ms = answered.deadline + 1;
    expect((await publicTrust(company.id)).dataRequests).toEqual({
      onTime: 1,
      overdue: 1,
      open: 0,
    });
    expect(await findingsOf(company, 'data-request-overdue')).toBe(1);
  });

  it('counts each out-of-scope access entry, one per finding, and no in-scope one', async () => {
    const { company, grantSha256 } = await relationship();
    const now = api.clock.seconds();
    const use: Payload<'access'>['entries'][number] = {
      grantSha256,
      purpose: 'product_launch',
      dataCategories: ['address'],
      at: now,
    };
    expect(await reportAccess(company, [use, { ...use, count: 5 }])).toMatchObject({
      accepted: 6,
      outOfScope: 0,
    });
    expect((await publicTrust(company.id)).outOfScopeAccess).toBe(0);
    expect(await findingsOf(company, 'access-out-of-scope')).toBe(0);

    // Five uses in one entry are one finding, and one figure.
    expect(
      await reportAccess(company, [{ ...use, purpose: 'market_research', count: 5 }]),
    ).toMatchObject({ accepted: 0, outOfScope: 5 });
    expect((await publicTrust(company.id)).outOfScopeAccess).toBe(1);
    expect(await findingsOf(company, 'access-out-of-scope')).toBe(1);
  });

  it('keeps each company to its own figures in the same statements for one company or many, and sorts the registry by them', async () => {
    // Named so that name order differs from each figure's order.
    const tag = `trust${Math.floor(Math.random() * 1e6)}`;
    const careless = await relationship(`C ${tag} Schlamperei AG`);
    const careful = await relationship(`A ${tag} Sorgfalt GmbH`);
    const pending = await relationship(`B ${tag} Wartet KG`);
    await dataRequest(careless.pseudonym, careless.company.id);
    await reportAccess(careless.company, [
      {
        grantSha256: careless.grantSha256,
        purpose: 'product_launch',
        dataCategories: ['health'],
        at: api.clock.seconds(),
      },
    ]);
    const answered = await dataRequest(careful.pseudonym, careful.company.id);
    await answer(careful.company, careful.pseudonym, answered.sha256);
    api.clock.advance(40 * day);
    await dataRequest(pending.pseudonym, pending.company.id);

    const companies = [careless, careful, pending].map(({ company }) => ({
      id: company.id,
      status: 'active' as const,
    }));
    const db = api.tdb.cdb.db;
    const nowMs = api.clock.ms;
    statements.length = 0;
    const one = await trustFigures(db, companies.slice(0, 1), nowMs, defaultAckDeadlineMs);
    const forOne = statements.length;
    statements.length = 0;
    const all = await trustFigures(db, companies, nowMs, defaultAckDeadlineMs);
    expect(statements.length).toBe(forOne);
    expect(statements.filter((text) => /\bdata_requests\b/.test(text))).toHaveLength(1);
    expect(statements.filter((text) => /\baccess_findings\b/.test(text))).toHaveLength(1);

    expect(one.get(careless.company.id)).toEqual(all.get(careless.company.id));
    expect(all.get(careless.company.id)).toMatchObject({
      dataRequests: { onTime: 0, overdue: 1, open: 0 },
      outOfScopeAccess: 1,
    });
    expect(all.get(careful.company.id)).toMatchObject({
      dataRequests: { onTime: 1, overdue: 0, open: 0 },
      outOfScopeAccess: 0,
    });
    expect(all.get(pending.company.id)).toMatchObject({
      dataRequests: { onTime: 0, overdue: 0, open: 1 },
      outOfScopeAccess: 0,
    });

    // The registry sorts by them (equal figures in name order).
    const registry = createRegistryService(api.services.context, {
      ackDeadlineMs: defaultAckDeadlineMs,
    });
    const order = async (
      sort: 'requestsOnTime' | 'requestsOverdue' | 'outOfScope',
      dir: 'asc' | 'desc',
    ) => (await registry.search({ q: tag, sort, dir, page: 1 })).entries.map((e) => e.id);
    const [c, a, b] = [careless, careful, pending].map(({ company }) => company.id);
    expect(await order('requestsOnTime', 'asc')).toEqual([b, c, a]);
    expect(await order('requestsOverdue', 'desc')).toEqual([c, a, b]);
    expect(await order('outOfScope', 'desc')).toEqual([c, a, b]);
  });
});
