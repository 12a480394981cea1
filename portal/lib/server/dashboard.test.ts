/**
 * The regulator's dashboard figures (dashboard.ts) and complaint review material
 * (dashboard-review.ts) on SQLite and PostgreSQL, over data written through the API's own route
 * handlers: weekly series, overdue acknowledgements per company, complaints by reason and state,
 * the risk ranking, the bounds of the parameters, and review material the browser check accepts
 * for evidence a staff member signed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import { publicJwk, thumbprint } from '$protocol/keys';
import { ready } from '$protocol/sodium';
import { base64urlEncode } from '$protocol/encoding';
import { verifyEvidence } from '$lib/components/regulator/evidence';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  newPseudonym,
  newRegulator,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
  type TestRegulator,
} from './api-test-kit';
import { newStaff } from './api-test-world';
import { dashboardFigures, riskWeights } from './dashboard';
import { complaintList, reviewMaterial } from './dashboard-review';
import { testDialects } from './db/test-databases';
import { defaultAckDeadlineMs } from './trust';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as refusalsRoute from '../../routes/api/v1/refusals/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import * as complaintsRoute from '../../routes/api/v1/complaints/+server';
import * as decisionsRoute from '../../routes/api/v1/complaint-decisions/+server';
import * as blacklistRoute from '../../routes/api/v1/blacklist/+server';

describe.each(testDialects)('dashboard on %s', (dialect) => {
  let api: ApiHarness;
  let regulator: TestRegulator;
  let careful: TestCompany;
  let careless: TestCompany;
  let requestJws: string;
  let complainant: TestPseudonym;
  let complaintSha256: string;
  const figures = () =>
    dashboardFigures(api.tdb.cdb.db, { nowMs: api.clock.ms, ackDeadlineMs: defaultAckDeadlineMs });

  async function register(legalName: string): Promise<TestCompany> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign(
      'company',
      companyMessage(api.clock, company, { legalName }),
      company.keyPair,
    );
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  async function openRequest(company: TestCompany): Promise<{ sha256: string; jws: string }> {
    const jws = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [requestedScope(api.clock)],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    );
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', jws),
      201,
    );
    return { sha256, jws };
  }

  async function grant(
    company: TestCompany,
    requestSha256: string,
    who = newPseudonym(company.id),
  ) {
    const token = await sign(
      'grant',
      {
        ...claims(api.clock, who.id, company.id),
        requestSha256,
        scopes: [requestedScope(api.clock)],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * 86_400,
        pseudonymKey: publicJwk(who.keyPair),
      },
      who.keyPair,
    );
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(grantsRoute.POST, '/api/v1/grants', token),
      201,
    );
    return { who, sha256 };
  }

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await newRegulator(api);
    careful = await register('Sorgfalt GmbH');
    careless = await register('Schlamperei AG');
    const carefulRequest = await openRequest(careful);
    const carelessRequest = await openRequest(careless);
    requestJws = carelessRequest.jws;
    await grant(careful, carefulRequest.sha256);
    await grant(careful, carefulRequest.sha256);
    const given = await grant(careless, carelessRequest.sha256);
    complainant = given.who;
    const refuser = newPseudonym(careless.id);
    await expectJson(
      await post(
        refusalsRoute.POST,
        '/api/v1/refusals',
        await sign(
          'refusal',
          {
            ...claims(api.clock, refuser.id, careless.id),
            requestSha256: carelessRequest.sha256,
            pseudonymKey: publicJwk(refuser.keyPair),
          },
          refuser.keyPair,
        ),
      ),
      201,
    );
    // A revocation the careless company never acknowledges.
    await expectJson(
      await post(
        revocationsRoute.POST,
        '/api/v1/revocations',
        await sign(
          'revocation',
          {
            ...claims(api.clock, complainant.id, careless.id),
            grants: [{ grantSha256: given.sha256 }],
          },
          complainant.keyPair,
        ),
      ),
      201,
    );
    // A complaint about the request itself, as signed evidence.
    const complaint = await expectJson<{ sha256: string }>(
      await post(
        complaintsRoute.POST,
        '/api/v1/complaints',
        await sign(
          'complaint',
          {
            ...claims(api.clock, complainant.id, testOrigin),
            company: careless.id,
            evidence: [{ kind: 'grant-request', jws: requestJws }],
            reasons: ['misleading', 'other'],
          },
          complainant.keyPair,
        ),
      ),
      201,
    );
    complaintSha256 = complaint.sha256;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('counts grants, refusals and revocations in this week of the series and in the totals', async () => {
    const result = await figures();
    expect(result.totals).toMatchObject({
      companies: 2,
      suspended: 0,
      grants: 3,
      refusals: 1,
      revocations: 1,
    });
    expect(result.weeks).toHaveLength(26);
    const thisWeek = result.weeks.at(-1)!;
    expect(thisWeek).toMatchObject({
      grants: 3,
      refusals: 1,
      revocations: 1,
      refusedRelayAttempts: 0,
    });
    expect(result.weeks.slice(0, -1).every((w) => w.grants === 0)).toBe(true);
    // Weeks start on a Monday, 00:00 UTC.
    expect(new Date(thisWeek.start).getUTCDay()).toBe(1);
  });

  it('lists an unacknowledged revocation as overdue only after the deadline', async () => {
    expect((await figures()).overdue).toEqual([]);
    api.clock.advance(defaultAckDeadlineMs / 1000 + 60);
    const result = await figures();
    expect(result.overdue).toEqual([
      { id: careless.id, legalName: 'Schlamperei AG', acks: 1, answers: 0 },
    ]);
  });

  it('counts complaints by reason and state and ranks the company by risk', async () => {
    let result = await figures();
    expect(result.complaints).toMatchObject({ open: 1, upheld: 0, dismissed: 0 });
    expect(result.complaints.byReason).toEqual([
      { reason: 'misleading', open: 1, upheld: 0, dismissed: 0 },
      { reason: 'other', open: 1, upheld: 0, dismissed: 0 },
    ]);
    expect(result.risk.map((r) => r.id)).toEqual([careless.id]);
    expect(result.risk[0]!.score).toBe(riskWeights.acksOverdue + riskWeights.complaintsOpen);

    const decision = await sign(
      'complaint-decision',
      {
        ...claims(api.clock, regulator.id, testOrigin),
        complaintSha256,
        decision: 'upheld',
        reason: { de: 'Irreführend.', en: 'Misleading.' },
      },
      regulator.keyPair,
    );
    await expectJson(await post(decisionsRoute.POST, '/api/v1/complaint-decisions', decision), 201);
    result = await figures();
    expect(result.complaints).toMatchObject({ open: 0, upheld: 1, dismissed: 0 });
    expect(result.risk[0]).toMatchObject({
      id: careless.id,
      legalName: 'Schlamperei AG',
      score: riskWeights.acksOverdue + riskWeights.complaintsUpheld,
      figures: { acksOverdue: 1, complaintsUpheld: 1, complaintsOpen: 0 },
    });
  });

  it('counts boycotts per reason by pseudonym, however many brands one names', async () => {
    const before = await figures();
    const reasonCount = (result: typeof before, reason: string) =>
      result.boycotts.byReason.find((r) => r.reason === reason)?.signals ?? 0;
    for (const brand of ['Erste Marke', 'Zweite Marke', 'Dritte Marke']) {
      const token = await sign(
        'blacklist',
        {
          ...claims(api.clock, complainant.id, testOrigin),
          company: careless.id,
          action: 'add',
          reason: 'data_misuse',
          brand,
        },
        complainant.keyPair,
      );
      await expectJson(await post(blacklistRoute.POST, '/api/v1/blacklist', token), 201);
    }
    const after = await figures();
    expect(reasonCount(after, 'data_misuse') - reasonCount(before, 'data_misuse')).toBe(1);
    expect(after.boycotts.total - before.boycotts.total).toBe(1);
  });

  it('shows the risk ranking one page at a time, with the number ranked', async () => {
    const page = (riskPage: number) =>
      dashboardFigures(api.tdb.cdb.db, {
        nowMs: api.clock.ms,
        ackDeadlineMs: defaultAckDeadlineMs,
        riskPage,
        riskPageSize: 1,
      });
    const first = await page(1);
    expect(first.risk.map((r) => r.id)).toEqual([careless.id]);
    expect(first.riskPaging).toEqual({ page: 1, pageSize: 1, total: 1 });
    const second = await page(2);
    expect(second.risk).toEqual([]);
    expect(second.riskPaging).toEqual({ page: 2, pageSize: 1, total: 1 });
    expect((await figures()).riskPaging).toEqual({ page: 1, pageSize: 50, total: 1 });
  });

  it('gives the review the signed complaint, the company keys and the complainant key', async () => {
    const material = await reviewMaterial(api.services, complaintSha256, {
      id: regulator.personId,
      role: 'regulator',
      name: 'Anna Aufsicht',
      companyId: null,
      kid: regulator.kid,
      signer: regulator.id,
      createdAt: 0,
    });
    expect(material.complaint.sha256).toBe(complaintSha256);
    expect(material.company.keys.map((k) => k.kid)).toEqual([careless.kid]);
    expect(material.pseudonymKey).toEqual(publicJwk(complainant.keyPair));
    // A grant request names no grant.
    expect(material.grants).toEqual([null]);
    await expect(
      reviewMaterial(api.services, 'not-a-hash', {
        id: regulator.personId,
        role: 'regulator',
        name: 'x',
        companyId: null,
        kid: regulator.kid,
        signer: regulator.id,
        createdAt: 0,
      }),
    ).rejects.toMatchObject({ code: 'ERR_COMPLAINT_UNKNOWN' });
  });

  it('gives the review the person keys of the staff who signed its evidence, which the browser check accepts', async () => {
    // Failed before: the material carried no staff keys, so the browser check refused the
    // disclosure the server had accepted (ERR_JWS_KID_UNKNOWN).
    const enrolledAt = api.clock.ms;
    const staff = await newStaff(api, careless);
    await newStaff(api, careless); // signs nothing here, so stays out of the material
    const disclosure = await sign(
      'disclosure',
      {
        ...claims(api.clock, careless.id, complainant.id),
        holdings: [
          {
            dataCategory: 'address',
            sources: ['direct'],
            purposes: ['product_launch'],
            retentionDays: 365,
            recipients: [],
          },
        ],
      },
      staff.keyPair,
    );
    const answer = await sign(
      'data-request-answer',
      {
        ...claims(api.clock, careless.id, complainant.id),
        requestSha256: complaintSha256,
        outcome: 'refused',
        reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
      },
      careless.keyPair,
    );
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(
        complaintsRoute.POST,
        '/api/v1/complaints',
        await sign(
          'complaint',
          {
            ...claims(api.clock, complainant.id, testOrigin),
            company: careless.id,
            evidence: [
              { kind: 'disclosure', jws: disclosure },
              { kind: 'data-request-answer', jws: answer },
            ],
            reasons: ['undisclosed_data'],
          },
          complainant.keyPair,
        ),
      ),
      201,
    );
    const review = () =>
      reviewMaterial(api.services, sha256, {
        id: regulator.personId,
        role: 'regulator',
        name: 'Anna Aufsicht',
        companyId: null,
        kid: regulator.kid,
        signer: regulator.id,
        createdAt: 0,
      });
    const staffKey = {
      kid: thumbprint(publicJwk(staff.keyPair)),
      jwk: publicJwk(staff.keyPair),
      addedAt: enrolledAt,
    };
    await ready();
    let material = await review();
    expect(material.company.staffKeys).toEqual([{ ...staffKey, retiredAt: null, removedAt: null }]);
    expect((await verifyEvidence(material, api.clock.seconds())).authentic).toBe(true);

    // Removed later, the member's times come along, and what they signed before still verifies.
    api.clock.advance(CLOCK_SKEW_SECONDS + 1);
    const removedAt = api.clock.ms;
    await api.services.people.remove(
      { type: 'company', id: careless.id, kid: careless.kid },
      staff.personId,
    );
    material = await review();
    expect(material.company.staffKeys).toEqual([{ ...staffKey, retiredAt: removedAt, removedAt }]);
    expect((await verifyEvidence(material, api.clock.seconds())).authentic).toBe(true);
  });

  it.each([
    [{ weeks: 0 }, 'weeks'],
    [{ weeks: 105 }, 'weeks'],
    [{ top: 1.5 }, 'top'],
    [{ riskPage: 0 }, 'riskPage'],
    [{ riskPageSize: 201 }, 'riskPageSize'],
  ])('refuses %o with ERR_QUERY_INVALID', async (extra, parameter) => {
    const run = dashboardFigures(api.tdb.cdb.db, {
      nowMs: api.clock.ms,
      ackDeadlineMs: defaultAckDeadlineMs,
      ...extra,
    });
    await expect(run).rejects.toBeInstanceOf(ProtocolError);
    await expect(run).rejects.toMatchObject({ code: 'ERR_QUERY_INVALID', detail: { parameter } });
  });
  /** Files a complaint of `who` about the careless company with `evidence`. */
  async function complain(
    who: TestPseudonym,
    evidence: { kind: 'grant-request' | 'offer'; jws: string }[],
  ): Promise<string> {
    const token = await sign(
      'complaint',
      {
        ...claims(api.clock, who.id, testOrigin),
        company: careless.id,
        evidence,
        reasons: ['other'],
      },
      who.keyPair,
    );
    return (
      await expectJson<{ sha256: string }>(
        await post(complaintsRoute.POST, '/api/v1/complaints', token),
        201,
      )
    ).sha256;
  }

  async function revoke(who: TestPseudonym, grantSha256: string): Promise<string> {
    const token = await sign(
      'revocation',
      { ...claims(api.clock, who.id, careless.id), grants: [{ grantSha256 }] },
      who.keyPair,
    );
    return (
      await expectJson<{ sha256: string }>(
        await post(revocationsRoute.POST, '/api/v1/revocations', token),
        201,
      )
    ).sha256;
  }

  it("lists a company's newest complaints first (failed before: the oldest of the limit)", async () => {
    const request = await openRequest(careless);
    const filed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { who } = await grant(careless, request.sha256);
      api.clock.advance(1);
      filed.push(await complain(who, [{ kind: 'grant-request', jws: request.jws }]));
    }
    const newest = await complaintList(api.services, {
      state: 'open',
      limit: 2,
      company: careless.id,
    });
    expect(newest.map((c) => c.sha256)).toEqual([filed[2], filed[1]]);
    expect(newest[0]).toMatchObject({
      company: careless.id,
      companyName: 'Schlamperei AG',
      reasons: ['other'],
      decision: null,
    });
  });

  it("gives the review only the complainant's revocations stored after the grant its evidence names", async () => {
    const request = await openRequest(careless);
    const { who, sha256: earlier } = await grant(careless, request.sha256);
    await revoke(who, earlier);
    api.clock.advance(1);
    const { sha256: later } = await grant(careless, request.sha256, who);
    api.clock.advance(1);
    const ended = await revoke(who, later);
    api.clock.advance(1);
    const offer = await sign(
      'offer',
      {
        ...claims(api.clock, careless.id, who.id),
        grantSha256: later,
        purpose: 'product_launch',
        channel: 'newsletter',
        validUntil: api.clock.seconds() + 86_400,
        sealed: base64urlEncode(new Uint8Array(96)),
      },
      careless.keyPair,
    );
    const material = await reviewMaterial(
      api.services,
      await complain(who, [{ kind: 'offer', jws: offer }]),
      {
        id: regulator.personId,
        role: 'regulator',
        name: 'Anna Aufsicht',
        companyId: null,
        kid: regulator.kid,
        signer: regulator.id,
        createdAt: 0,
      },
    );
    expect(material.grants.map((g) => g?.revocations.map((r) => r.sha256))).toEqual([[ended]]);
  });
});
