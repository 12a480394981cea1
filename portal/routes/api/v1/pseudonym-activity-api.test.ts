/**
 * Issue 9 through the route handlers, on SQLite and PostgreSQL: a pseudonym's signed
 * relationships read (singly and in the batch) carries the uses of its data its company reported
 * ("when it last used which data for what") and its complaints with the regulator's decision.
 * Nobody else reads them.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { publicJwk } from '$protocol/keys';
import type { Payload, Scope } from '$protocol/messages';
import {
  claims,
  companyMessage,
  expectJson,
  expectProblem,
  get,
  newCompany,
  newPseudonym,
  newRegulator,
  openApiHarness,
  post,
  requestedScope,
  requestSignature,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
  type TestRegulator,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import { maxAccessEvents } from '$lib/server/pseudonym-activity';
import * as accessRoute from './access/+server';
import * as companiesRoute from './companies/+server';
import * as decisionsRoute from './complaint-decisions/+server';
import * as complaintsRoute from './complaints/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as relationshipsRoute from './pseudonyms/[pseudonym]/relationships/+server';
import * as batchRoute from './relationships/batch/+server';

const day = 86_400;

interface Receipt {
  sha256: string;
}

interface AccessEvent {
  at: number;
  purpose: string;
  dataCategories: string[];
  grantSha256: string;
  count: number;
  outOfScope: string | null;
}

interface Complaint {
  sha256: string;
  company: string;
  reasons: string[];
  receivedAt: number;
  decision: { sha256: string; jws: string; decision: string; decidedAt: number } | null;
}

interface Activity {
  accessEvents: AccessEvent[];
  complaints: Complaint[];
}

describe.each(testDialects)('a pseudonym reads its activity on %s', (dialect) => {
  let api: ApiHarness;
  let regulator: TestRegulator;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await newRegulator(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  function plainScope(): Scope {
    const scope = requestedScope(api.clock);
    const { timeWindows: _windows, ...conditions } = scope.conditions;
    return { ...scope, conditions };
  }

  /** A registered company and one pseudonym with a grant for product_launch (address, habits). */
  async function relationship(): Promise<{
    company: TestCompany;
    pseudonym: TestPseudonym;
    grant: string;
  }> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const registration = await sign('company', companyMessage(api.clock, company), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', registration), 201);
    const requestToken = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [plainScope()],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    );
    const request = await expectJson<Receipt>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', requestToken),
      201,
    );
    const pseudonym = newPseudonym(company.id);
    const grantToken = await sign(
      'grant',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256: request.sha256,
        scopes: [{ ...plainScope(), channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * day,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    const grant = await expectJson<Receipt>(
      await post(grantsRoute.POST, '/api/v1/grants', grantToken),
      201,
    );
    // Uses reported below lie after the grant (before it, every use is out of scope).
    api.clock.advance(3600);
    return { company, pseudonym, grant: grant.sha256 };
  }

  async function reportAccess(
    company: TestCompany,
    entries: Payload<'access'>['entries'],
  ): Promise<void> {
    const token = await sign(
      'access',
      { ...claims(api.clock, company.id, testOrigin), entries },
      company.keyPair,
    );
    const status = (await post(accessRoute.POST, '/api/v1/access', token)).status;
    expect(status).toBe(201);
  }

  async function complain(pseudonym: TestPseudonym, company: TestCompany, grant: string) {
    const offer = await sign(
      'offer',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        grantSha256: grant,
        purpose: 'product_launch',
        channel: 'newsletter',
        validUntil: api.clock.seconds() + 7 * day,
        sealed: base64urlEncode(new Uint8Array(randomBytes(96))),
      },
      company.keyPair,
    );
    const token = await sign(
      'complaint',
      {
        ...claims(api.clock, pseudonym.id, testOrigin),
        company: company.id,
        evidence: [{ kind: 'offer', jws: offer }],
        reasons: ['contact_cap_exceeded'],
      },
      pseudonym.keyPair,
    );
    return expectJson<Receipt>(await post(complaintsRoute.POST, '/api/v1/complaints', token), 201);
  }

  async function decide(complaint: string, decision: 'upheld' | 'dismissed') {
    const token = await sign(
      'complaint-decision',
      {
        ...claims(api.clock, regulator.id, testOrigin),
        complaintSha256: complaint,
        decision,
        reason: { de: 'Zu viele Kontakte belegt.', en: 'Too many contacts proven.' },
      },
      regulator.keyPair,
    );
    await expectJson(await post(decisionsRoute.POST, '/api/v1/complaint-decisions', token), 201);
  }

  const pathOf = (id: string) => `/api/v1/pseudonyms/${id}/relationships`;

  async function read(pseudonym: TestPseudonym): Promise<Activity> {
    return expectJson<Activity>(
      await get(relationshipsRoute.GET, pathOf(pseudonym.id), api.clock, pseudonym),
      200,
    );
  }

  it('answers no events and no complaints for a fresh relationship', async () => {
    const { pseudonym } = await relationship();
    expect(await read(pseudonym)).toMatchObject({ accessEvents: [], complaints: [] });
  });

  it('keeps the latest use per grant, purpose and categories, newest first, with the total count', async () => {
    const { company, pseudonym, grant } = await relationship();
    const t = api.clock.seconds();
    await reportAccess(company, [
      { grantSha256: grant, purpose: 'product_launch', dataCategories: ['address'], at: t - 300 },
      {
        grantSha256: grant,
        purpose: 'product_launch',
        // The same set in another order is the same use.
        dataCategories: ['preferences_habits', 'address'],
        at: t - 200,
        count: 3,
      },
    ]);
    api.clock.advance(60);
    await reportAccess(company, [
      {
        grantSha256: grant,
        purpose: 'product_launch',
        dataCategories: ['address', 'preferences_habits'],
        at: t - 100,
        count: 2,
      },
      // An older use reported later does not move the latest time back.
      { grantSha256: grant, purpose: 'product_launch', dataCategories: ['address'], at: t - 900 },
    ]);
    const { accessEvents } = await read(pseudonym);
    expect(accessEvents).toEqual([
      {
        at: t - 100,
        purpose: 'product_launch',
        dataCategories: ['address', 'preferences_habits'],
        grantSha256: grant,
        count: 5,
        outOfScope: null,
      },
      {
        at: t - 300,
        purpose: 'product_launch',
        dataCategories: ['address'],
        grantSha256: grant,
        count: 2,
        outOfScope: null,
      },
    ]);
  });

  it('shows a use outside the grant with the finding reason', async () => {
    const { company, pseudonym, grant } = await relationship();
    const t = api.clock.seconds();
    await reportAccess(company, [
      { grantSha256: grant, purpose: 'product_launch', dataCategories: ['health'], at: t - 10 },
    ]);
    const { accessEvents } = await read(pseudonym);
    expect(accessEvents).toEqual([
      {
        at: t - 10,
        purpose: 'product_launch',
        dataCategories: ['health'],
        grantSha256: grant,
        count: 1,
        outOfScope: 'categories-not-granted',
      },
    ]);
  });

  it(`carries at most ${maxAccessEvents} events, the newest`, async () => {
    const { company, pseudonym, grant } = await relationship();
    const t = api.clock.seconds();
    const categories = ['address', 'preferences_habits'] as const;
    // Out-of-scope uses (another purpose) are distinct events: 25 of them, one second apart.
    await reportAccess(
      company,
      Array.from({ length: 25 }, (_, i) => ({
        grantSha256: grant,
        purpose: 'service_support' as const,
        dataCategories: [categories[i % 2]!],
        at: t - 100 + i,
      })),
    );
    const { accessEvents } = await read(pseudonym);
    expect(accessEvents).toHaveLength(maxAccessEvents);
    expect(accessEvents[0]!.at).toBe(t - 100 + 24);
    expect(accessEvents.at(-1)!.at).toBe(t - 100 + 24 - (maxAccessEvents - 1));
  });

  it("lists the pseudonym's complaints with the regulator's signed decision", async () => {
    const { company, pseudonym, grant } = await relationship();
    const open = await complain(pseudonym, company, grant);
    api.clock.advance(10);
    const decided = await complain(pseudonym, company, grant);
    api.clock.advance(10);
    await decide(decided.sha256, 'dismissed');
    const { complaints } = await read(pseudonym);
    expect(complaints.map((c) => c.sha256)).toEqual([decided.sha256, open.sha256]);
    expect(complaints[0]).toMatchObject({
      company: company.id,
      reasons: ['contact_cap_exceeded'],
      decision: { decision: 'dismissed', decidedAt: api.clock.ms },
    });
    expect(complaints[1]!.decision).toBeNull();
    // The decision is the regulator's own message: its payload carries the reason in both languages.
    const payload = JSON.parse(
      Buffer.from(complaints[0]!.decision!.jws.split('.')[1]!, 'base64url').toString(),
    ) as { reason: { de: string; en: string }; complaintSha256: string };
    expect(payload).toMatchObject({
      complaintSha256: decided.sha256,
      reason: { de: 'Zu viele Kontakte belegt.', en: 'Too many contacts proven.' },
    });
  });

  it('answers the same activity in the batch, each pseudonym only its own', async () => {
    const a = await relationship();
    const b = await relationship();
    const t = api.clock.seconds();
    await reportAccess(a.company, [
      { grantSha256: a.grant, purpose: 'product_launch', dataCategories: ['address'], at: t },
    ]);
    const complaint = await complain(b.pseudonym, b.company, b.grant);
    const requests = [
      await requestSignature(api.clock, a.pseudonym, 'GET', pathOf(a.pseudonym.id)),
      // Another pseudonym's read: refused, and its activity is not in the answer.
      await requestSignature(api.clock, a.pseudonym, 'GET', pathOf(b.pseudonym.id)),
      await requestSignature(api.clock, b.pseudonym, 'GET', pathOf(b.pseudonym.id)),
    ];
    const body = await expectJson<{
      results: { status: number; relationships?: Activity; problem?: { code: string } }[];
    }>(
      await post(batchRoute.POST, '/api/v1/relationships/batch', JSON.stringify({ requests }), {
        'content-type': 'application/json',
      }),
      200,
    );
    expect(body.results.map((r) => r.status)).toEqual([200, 403, 200]);
    expect(body.results[0]!.relationships).toMatchObject({
      accessEvents: [{ at: t, grantSha256: a.grant, dataCategories: ['address'] }],
      complaints: [],
    });
    expect(body.results[1]).toEqual({
      status: 403,
      problem: expect.objectContaining({ code: 'ERR_NOT_AUTHORISED' }),
    });
    expect(body.results[2]!.relationships).toMatchObject({
      accessEvents: [],
      complaints: [{ sha256: complaint.sha256, decision: null }],
    });
  });

  it("refuses another pseudonym's or a company's single read", async () => {
    const a = await relationship();
    const b = await relationship();
    await expectProblem(
      await get(relationshipsRoute.GET, pathOf(a.pseudonym.id), api.clock, b.pseudonym),
      403,
      'ERR_NOT_AUTHORISED',
    );
    await expectProblem(
      await get(relationshipsRoute.GET, pathOf(a.pseudonym.id), api.clock, a.company),
      403,
      'ERR_NOT_AUTHORISED',
    );
  });
});
