/**
 * Obligations and oversight (issue 5) through the route handlers, on SQLite and PostgreSQL:
 * disclosures, data requests and their answers, access reports, complaints with evidence, the
 * regulator's decisions and suspensions, blacklist signals, and the findings they produce. Each
 * endpoint: its success, its rejections by problem code, and who may call it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClientFetch } from '$protocol/client';
import { base64urlEncode } from '$protocol/encoding';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import { publicJwk } from '$protocol/keys';
import type { Payload, Scope } from '$protocol/messages';
import {
  beforeItsWrite,
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
  sign,
  signRaw,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
  type TestRegulator,
  blockedOrSettled,
  compromisedWhile,
} from '$lib/server/api-test-kit';
import { newStaff } from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import {
  maxOpenDataRequests,
  maxViewedAnsweredRequests,
  maxViewedDisclosures,
  oneMonthAfter,
} from '$lib/server/obligations';
import * as accessRoute from './access/+server';
import * as blacklistRoute from './blacklist/+server';
import * as companiesRoute from './companies/+server';
import * as companyRoute from './companies/[companyId]/+server';
import * as boycottRoute from './companies/[companyId]/boycott/+server';
import * as companyFindingsRoute from './companies/[companyId]/findings/+server';
import * as dataRequestListRoute from './companies/me/data-requests/+server';
import * as eventsRoute from './companies/me/events/+server';
import * as findingsRoute from './companies/me/findings/+server';
import * as decisionsRoute from './complaint-decisions/+server';
import * as complaintsRoute from './complaints/+server';
import * as complaintRoute from './complaints/[sha256]/+server';
import * as answersRoute from './data-request-answers/+server';
import * as dataRequestsRoute from './data-requests/+server';
import * as disclosuresRoute from './disclosures/+server';
import * as keysRoute from './companies/me/keys/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as offersRoute from './offers/+server';
import * as relationshipsRoute from './pseudonyms/[pseudonym]/relationships/+server';
import * as refusalsRoute from './refusals/+server';
import * as revocationsRoute from './revocations/+server';
import * as suspensionsRoute from './suspensions/+server';

const day = 86_400;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Module = Record<string, (event: any) => Response | Promise<Response>>;
const clientRoutes: [RegExp, Module, string[]][] = [
  [/^\/api\/v1\/disclosures$/, disclosuresRoute, []],
  [/^\/api\/v1\/data-requests$/, dataRequestsRoute, []],
  [/^\/api\/v1\/data-request-answers$/, answersRoute, []],
  [/^\/api\/v1\/companies\/me\/data-requests$/, dataRequestListRoute, []],
  [/^\/api\/v1\/access$/, accessRoute, []],
  [/^\/api\/v1\/complaints$/, complaintsRoute, []],
  [/^\/api\/v1\/complaints\/([^/]+)$/, complaintRoute, ['sha256']],
  [/^\/api\/v1\/complaint-decisions$/, decisionsRoute, []],
  [/^\/api\/v1\/suspensions$/, suspensionsRoute, []],
  [/^\/api\/v1\/blacklist$/, blacklistRoute, []],
  [/^\/api\/v1\/companies\/([^/]+)\/boycott$/, boycottRoute, ['companyId']],
  [/^\/api\/v1\/companies\/([^/]+)\/findings$/, companyFindingsRoute, ['companyId']],
];

/** A fetch that hands the request to the matching +server.ts handler, as SvelteKit would. */
const routedFetch: ClientFetch = async (href, init) => {
  const url = new URL(href);
  for (const [pattern, module, names] of clientRoutes) {
    const match = pattern.exec(url.pathname);
    if (match === null) continue;
    const handler = module[init.method];
    if (handler === undefined) return new Response(null, { status: 405 });
    const params = Object.fromEntries(
      names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
    );
    return handler({ request: new Request(url, init), url, params });
  }
  return new Response(null, { status: 404 });
};

interface Receipt {
  sha256: string;
  status: string;
}

type Finding = Record<string, unknown> & { type: string };

describe.each(testDialects)('obligations and oversight API on %s', (dialect) => {
  let api: ApiHarness;
  let regulator: TestRegulator;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await newRegulator(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  // ----- helpers on the shared harness ---------------------------------------------------------

  /** Purpose product_launch, categories address + preferences_habits, no time windows. */
  function plainScope(): Scope {
    const scope = requestedScope(api.clock);
    const { timeWindows: _windows, ...conditions } = scope.conditions;
    return { ...scope, conditions };
  }

  async function register(
    company: TestCompany = newCompany(),
    options: { proof?: boolean; brands?: string[] } = {},
  ): Promise<TestCompany> {
    if (options.proof !== false) api.proofs.set(company.domain, { keys: [company.kid] });
    const extra = options.brands === undefined ? {} : { brands: options.brands };
    const token = await sign('company', companyMessage(api.clock, company, extra), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  /** An open grant request of `company`, or one targeted at the pseudonym `aud`. */
  function grantRequest(company: TestCompany, aud = testOrigin): Promise<Response> {
    return sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, aud),
        scopes: [plainScope()],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    ).then((token) => post(grantRequestsRoute.POST, '/api/v1/grant-requests', token));
  }

  /** A company with one pseudonym holding one grant (or, with `refuse`, one refusal). */
  async function relationship(
    options: { company?: TestCompany; refuse?: boolean; validUntil?: number } = {},
  ): Promise<{ company: TestCompany; pseudonym: TestPseudonym; grantSha256: string }> {
    const company = options.company ?? (await register());
    const request = await expectJson<Receipt>(await grantRequest(company), 201);
    const pseudonym = newPseudonym(company.id);
    if (options.refuse === true) {
      const token = await sign(
        'refusal',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256: request.sha256,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      await expectJson(await post(refusalsRoute.POST, '/api/v1/refusals', token), 201);
      return { company, pseudonym, grantSha256: '' };
    }
    const token = await sign(
      'grant',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256: request.sha256,
        scopes: [
          {
            ...plainScope(),
            channels: ['newsletter'],
            ...(options.validUntil === undefined
              ? {}
              : {
                  conditions: { ...plainScope().conditions, validUntil: options.validUntil },
                }),
          },
        ],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * day,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    const grant = await expectJson<Receipt>(
      await post(grantsRoute.POST, '/api/v1/grants', token),
      201,
    );
    return { company, pseudonym, grantSha256: grant.sha256 };
  }

  const sealedBox = (bytes = 96) => base64urlEncode(new Uint8Array(randomBytes(bytes)));

  function disclosurePayload(
    company: TestCompany,
    pseudonym: string,
    extra: Partial<Payload<'disclosure'>> = {},
  ): Payload<'disclosure'> {
    return {
      ...claims(api.clock, company.id, pseudonym),
      holdings: [
        {
          dataCategory: 'address',
          sources: ['direct'],
          purposes: ['product_launch'],
          retentionDays: 365,
          recipients: [],
        },
      ],
      export: sealedBox(),
      ...extra,
    };
  }

  async function disclose(
    company: TestCompany,
    pseudonym: string,
    extra: Partial<Payload<'disclosure'>> = {},
    keyPair = company.keyPair,
  ): Promise<Response> {
    const token = await sign('disclosure', disclosurePayload(company, pseudonym, extra), keyPair);
    return post(disclosuresRoute.POST, '/api/v1/disclosures', token);
  }

  async function dataRequest(
    pseudonym: TestPseudonym,
    companyId: string,
    type: 'access' | 'erasure' = 'access',
    dataCategories?: Payload<'data-request'>['dataCategories'],
  ): Promise<Response> {
    const token = await sign(
      'data-request',
      {
        ...claims(api.clock, pseudonym.id, companyId),
        type,
        ...(dataCategories === undefined ? {} : { dataCategories }),
      },
      pseudonym.keyPair,
    );
    return post(dataRequestsRoute.POST, '/api/v1/data-requests', token);
  }

  type AnswerBody =
    | { outcome: 'disclosure'; requestSha256: string; disclosureSha256: string }
    | {
        outcome: 'erased';
        requestSha256: string;
        dataCategories?: string[];
        retained?: { dataCategories: string[]; reason: { de: string; en: string } };
      }
    | { outcome: 'refused'; requestSha256: string };

  function answerToken(
    company: TestCompany,
    pseudonym: string,
    body: AnswerBody,
    keyPair = company.keyPair,
  ): Promise<string> {
    const base = claims(api.clock, company.id, pseudonym);
    const payload =
      body.outcome === 'erased'
        ? { ...base, dataCategories: ['address'], erasedAt: api.clock.seconds(), ...body }
        : body.outcome === 'refused'
          ? { ...base, ...body, reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' } }
          : { ...base, ...body };
    return sign('data-request-answer', payload as Payload<'data-request-answer'>, keyPair);
  }

  async function answerRequest(
    company: TestCompany,
    pseudonym: string,
    body: AnswerBody,
    keyPair = company.keyPair,
  ): Promise<Response> {
    const token = await answerToken(company, pseudonym, body, keyPair);
    return post(answersRoute.POST, '/api/v1/data-request-answers', token);
  }

  /** The pseudonym's Relationships view: its disclosures and data requests (200 expected). */
  async function obligationsView(pseudonym: TestPseudonym): Promise<{
    disclosures: { sha256: string; current: boolean }[];
    dataRequests: { sha256: string; answer: { sha256: string } | null }[];
  }> {
    return expectJson(
      await get(
        relationshipsRoute.GET,
        `/api/v1/pseudonyms/${pseudonym.id}/relationships`,
        api.clock,
        pseudonym,
      ),
      200,
    );
  }

  /** Changes a key of `company` (`company-key`, signed by `keyPair`): 201 expected. */
  function changeKeyOf(company: TestCompany) {
    return async (body: Record<string, unknown>, keyPair = company.keyPair) =>
      expectJson(
        await post(
          keysRoute.POST,
          '/api/v1/companies/me/keys',
          await sign(
            'company-key',
            { ...claims(api.clock, company.id, testOrigin), ...body } as Payload<'company-key'>,
            keyPair,
          ),
        ),
        201,
      );
  }

  /** An access entry: `purpose` of the customer's address under `grantSha256`, used now. */
  function useNow(
    grantSha256: string,
    purpose: Payload<'access'>['entries'][number]['purpose'],
  ): Payload<'access'>['entries'][number] {
    return { grantSha256, purpose, dataCategories: ['address'], at: api.clock.seconds() };
  }

  async function reportAccess(
    company: TestCompany,
    entries: Payload<'access'>['entries'],
  ): Promise<Response> {
    const token = await sign(
      'access',
      { ...claims(api.clock, company.id, testOrigin), entries },
      company.keyPair,
    );
    return post(accessRoute.POST, '/api/v1/access', token);
  }

  /** An offer the company signed for the pseudonym: complaint evidence. */
  function offerEvidence(
    company: TestCompany,
    pseudonym: string,
    grantSha256: string,
    keyPair = company.keyPair,
    sealedBytes = 96,
  ): Promise<string> {
    return sign(
      'offer',
      {
        ...claims(api.clock, company.id, pseudonym),
        grantSha256,
        purpose: 'product_launch',
        channel: 'newsletter',
        validUntil: api.clock.seconds() + 7 * day,
        sealed: sealedBox(sealedBytes),
      },
      keyPair,
    );
  }

  async function complain(
    pseudonym: TestPseudonym,
    companyId: string,
    evidence: { kind: 'offer' | 'disclosure' | 'data-request-answer'; jws: string }[],
  ): Promise<Response> {
    const token = await sign(
      'complaint',
      {
        ...claims(api.clock, pseudonym.id, testOrigin),
        company: companyId,
        evidence,
        reasons: ['contact_cap_exceeded'],
      },
      pseudonym.keyPair,
    );
    return post(complaintsRoute.POST, '/api/v1/complaints', token);
  }

  async function decide(
    complaintSha256: string,
    decision: 'upheld' | 'dismissed' = 'upheld',
    signer: { id: string; keyPair: TestRegulator['keyPair'] } = regulator,
  ): Promise<Response> {
    const token = await sign(
      'complaint-decision',
      {
        ...claims(api.clock, signer.id, testOrigin),
        complaintSha256,
        decision,
        reason: { de: 'Belegt.', en: 'Proven.' },
      },
      signer.keyPair,
    );
    return post(decisionsRoute.POST, '/api/v1/complaint-decisions', token);
  }

  async function suspension(
    companyId: string,
    action: 'suspend' | 'reinstate',
    complaints?: string[],
  ): Promise<Response> {
    const token = await sign(
      'suspension',
      {
        ...claims(api.clock, regulator.id, testOrigin),
        company: companyId,
        action,
        reason: { de: 'Wiederholte Verstöße.', en: 'Repeated violations.' },
        ...(complaints === undefined ? {} : { complaints }),
      },
      regulator.keyPair,
    );
    return post(suspensionsRoute.POST, '/api/v1/suspensions', token);
  }

  async function blacklist(
    pseudonym: TestPseudonym,
    companyId: string,
    action: 'add' | 'withdraw' = 'add',
    extra: Partial<Payload<'blacklist'>> = {},
  ): Promise<Response> {
    const token = await sign(
      'blacklist',
      {
        ...claims(api.clock, pseudonym.id, testOrigin),
        company: companyId,
        action,
        reason: 'too_frequent',
        ...extra,
      },
      pseudonym.keyPair,
    );
    return post(blacklistRoute.POST, '/api/v1/blacklist', token);
  }

  async function companyFindings(company: TestCompany): Promise<Finding[]> {
    const body = await expectJson<{ findings: Finding[] }>(
      await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
      200,
    );
    return body.findings;
  }

  async function trust(companyId: string): Promise<Record<string, unknown>> {
    const body = await expectJson<{ trust: Record<string, unknown>; status: string }>(
      await get(companyRoute.GET, `/api/v1/companies/${companyId}`, api.clock),
      200,
    );
    return { ...body.trust, status: body.status };
  }

  // ----- disclosures ---------------------------------------------------------------------------

  describe('POST /api/v1/disclosures', () => {
    it('logs a disclosure; the newest per pseudonym supersedes older ones in its Relationships view', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const first = await expectJson<Receipt>(
        await disclose(company, pseudonym.id, { grantSha256 }),
        201,
      );
      expect(first.status).toBe('pending');
      api.clock.advance(1);
      const second = await expectJson<Receipt>(await disclose(company, pseudonym.id), 201);
      const view = await obligationsView(pseudonym);
      expect(view.disclosures.map((d) => [d.sha256, d.current])).toEqual([
        [first.sha256, false],
        [second.sha256, true],
      ]);
      const row = await api.tdb.cdb.db
        .selectFrom('log_queue')
        .select('kind')
        .where('sha256', '=', second.sha256)
        .executeTakeFirst();
      expect(row?.kind).toBe('disclosure');
    });

    it('carries the newest ten disclosures in the Relationships view, however many were stored', async () => {
      const { company, pseudonym } = await relationship();
      const stored: string[] = [];
      for (let i = 0; i < maxViewedDisclosures + 2; i++) {
        stored.push((await expectJson<Receipt>(await disclose(company, pseudonym.id), 201)).sha256);
        // Every other one in the same millisecond as the one before: ordered by hash then.
        if (i % 2 === 1) api.clock.advance(1);
      }
      const view = await obligationsView(pseudonym);
      const ordered = (
        await api.tdb.cdb.db
          .selectFrom('disclosures')
          .select('sha256')
          .where('pseudonym', '=', pseudonym.id)
          .orderBy('created_at')
          .orderBy('sha256')
          .execute()
      ).map((row) => row.sha256);
      expect([...ordered].sort()).toEqual([...stored].sort());
      expect(view.disclosures.map((d) => d.sha256)).toEqual(ordered.slice(2));
      expect(view.disclosures.filter((d) => d.current).map((d) => d.sha256)).toEqual([
        ordered.at(-1),
      ]);
    });

    it('answers a resend of the same disclosure with 200 and the same receipt', async () => {
      const { company, pseudonym } = await relationship();
      const token = await sign(
        'disclosure',
        disclosurePayload(company, pseudonym.id),
        company.keyPair,
      );
      const first = await expectJson<Receipt>(
        await post(disclosuresRoute.POST, '/api/v1/disclosures', token),
        201,
      );
      const again = await expectJson<Receipt>(
        await post(disclosuresRoute.POST, '/api/v1/disclosures', token),
        200,
      );
      expect(again.sha256).toBe(first.sha256);
    });

    it('refuses a disclosure to a pseudonym of another company, of an unknown grant or data request', async () => {
      const { company, pseudonym } = await relationship();
      const other = await relationship();
      await expectProblem(
        await disclose(company, other.pseudonym.id),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      await expectProblem(
        await disclose(company, pseudonym.id, { grantSha256: other.grantSha256 }),
        422,
        'ERR_GRANT_UNKNOWN',
      );
      await expectProblem(
        await disclose(company, pseudonym.id, { dataRequestSha256: other.grantSha256 }),
        404,
        'ERR_DATA_REQUEST_UNKNOWN',
      );
    });

    it("refuses a disclosure signed with another company's key or by a pseudonym", async () => {
      const { company, pseudonym } = await relationship();
      const other = await register();
      await expectProblem(
        await disclose(company, pseudonym.id, {}, other.keyPair),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      const forged = await sign(
        'disclosure',
        disclosurePayload(company, pseudonym.id),
        pseudonym.keyPair,
      );
      await expectProblem(
        await post(disclosuresRoute.POST, '/api/v1/disclosures', forged),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('refuses a body over 256 KiB before reading it, and a non-JOSE content type', async () => {
      await expectProblem(
        await post(disclosuresRoute.POST, '/api/v1/disclosures', 'x', {
          'content-type': 'application/jose',
          'content-length': String(256 * 1024 + 1),
        }),
        413,
        'ERR_MESSAGE_TOO_LARGE',
      );
      await expectProblem(
        await post(disclosuresRoute.POST, '/api/v1/disclosures', '{}', {
          'content-type': 'application/json',
        }),
        415,
        'ERR_CONTENT_TYPE_UNSUPPORTED',
      );
    });
  });

  // ----- data requests and answers -------------------------------------------------------------

  describe('POST /api/v1/data-requests', () => {
    it('logs the request with a deadline of one month and puts it in the company feed', async () => {
      const { company, pseudonym } = await relationship();
      const body = await expectJson<Receipt & { deadline: number }>(
        await dataRequest(pseudonym, company.id),
        201,
      );
      // Stored on 1 January 2026 (the test clock): due at the end of 1 February, UTC.
      expect(body.deadline).toBe(oneMonthAfter(api.clock.now()));
      expect(new Date(body.deadline).toISOString()).toBe('2026-02-01T23:59:59.999Z');
      const feed = await expectJson<{ events: { kind: string; sha256: string }[] }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, company),
        200,
      );
      expect(feed.events.at(-1)).toMatchObject({ kind: 'data-request', sha256: body.sha256 });
    });

    it('refuses an unbound pseudonym, one of another company, and a company signing', async () => {
      const { company } = await relationship();
      const other = await relationship();
      await expectProblem(
        await dataRequest(newPseudonym(company.id), company.id),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      await expectProblem(
        await dataRequest(other.pseudonym, company.id),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
      await expectProblem(
        await dataRequest(other.pseudonym, `co_${other.pseudonym.kid}`),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
    });
  });

  describe('POST /api/v1/data-request-answers', () => {
    it('answers an access request with a stored disclosure, on time', async () => {
      const { company, pseudonym } = await relationship();
      const request = await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201);
      const disclosure = await expectJson<Receipt>(
        await disclose(company, pseudonym.id, { dataRequestSha256: request.sha256 }),
        201,
      );
      const answer = await expectJson<Receipt & { onTime: boolean }>(
        await answerRequest(company, pseudonym.id, {
          outcome: 'disclosure',
          requestSha256: request.sha256,
          disclosureSha256: disclosure.sha256,
        }),
        201,
      );
      expect(answer.onTime).toBe(true);
      const view = await obligationsView(pseudonym);
      expect(view.dataRequests).toMatchObject([
        { sha256: request.sha256, answer: { sha256: answer.sha256 } },
      ]);
    });

    it('opens a request again, and keeps a disclosure from being current, once the key that signed them is declared compromised from before', async () => {
      const { company, pseudonym } = await relationship();
      const second = newCompany();
      const keyChange = changeKeyOf(company);
      await keyChange({ action: 'add', key: publicJwk(second.keyPair) });
      const honest = await expectJson<Receipt>(await disclose(company, pseudonym.id), 201);
      api.clock.advance(10);
      const since = api.clock.seconds();
      const request = await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201);
      // A thief with the first key answers and discloses.
      const forged = await expectJson<Receipt>(
        await disclose(company, pseudonym.id, { dataRequestSha256: request.sha256 }),
        201,
      );
      await expectJson(
        await answerRequest(company, pseudonym.id, {
          outcome: 'disclosure',
          requestSha256: request.sha256,
          disclosureSha256: forged.sha256,
        }),
        201,
      );
      api.clock.advance(10);
      await keyChange({ action: 'compromised', kid: company.kid, since }, second.keyPair);
      const view = () => obligationsView(pseudonym);
      const after = await view();
      // Failed before: the forged answer kept the request answered, the forged disclosure current.
      expect(after.dataRequests).toMatchObject([{ sha256: request.sha256, answer: null }]);
      expect(after.disclosures.map((d) => [d.sha256, d.current])).toEqual([
        [honest.sha256, true],
        [forged.sha256, false],
      ]);
      // The company answers again with its good key.
      const withSecond = { ...company, keyPair: second.keyPair };
      const fresh = await expectJson<Receipt>(
        await disclose(
          withSecond,
          pseudonym.id,
          { dataRequestSha256: request.sha256 },
          second.keyPair,
        ),
        201,
      );
      const answer = await expectJson<Receipt>(
        await answerRequest(
          withSecond,
          pseudonym.id,
          { outcome: 'disclosure', requestSha256: request.sha256, disclosureSha256: fresh.sha256 },
          second.keyPair,
        ),
        201,
      );
      const last = await view();
      expect(last.dataRequests).toMatchObject([{ answer: { sha256: answer.sha256 } }]);
      expect(last.disclosures.filter((d) => d.current).map((d) => d.sha256)).toEqual([
        fresh.sha256,
      ]);
    });

    it.runIf(dialect === 'postgres')(
      'refuses an answer whose key a compromise declared void while the answer was being stored',
      async () => {
        const { company, pseudonym } = await relationship();
        const second = newCompany();
        await changeKeyOf(company)({ action: 'add', key: publicJwk(second.keyPair) });
        const request = await expectJson<Receipt>(
          await dataRequest(pseudonym, company.id, 'erasure'),
          201,
        );
        const since = api.clock.seconds();
        // The compromise commits while the answer, checked against the key before, is on its
        // way to be stored.
        const answer = await compromisedWhile(api.tdb.cdb.db, company.kid, since, () =>
          answerRequest(company, pseudonym.id, {
            outcome: 'erased',
            requestSha256: request.sha256,
          }),
        );
        // Failed before: stored, the request answered for good by a voided key.
        await expectProblem(answer, 401, 'ERR_JWS_KID_UNKNOWN');
        expect((await obligationsView(pseudonym)).dataRequests).toMatchObject([
          { sha256: request.sha256, answer: null },
        ]);
      },
    );

    it('refuses an unknown disclosure, an unknown request, a second answer and a mismatched outcome', async () => {
      const { company, pseudonym } = await relationship();
      const request = await expectJson<Receipt>(
        await dataRequest(pseudonym, company.id, 'erasure'),
        201,
      );
      const access = await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201);
      await expectProblem(
        await answerRequest(company, pseudonym.id, {
          outcome: 'disclosure',
          requestSha256: access.sha256,
          disclosureSha256: request.sha256,
        }),
        422,
        'ERR_DISCLOSURE_UNKNOWN',
      );
      await expectProblem(
        await answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: company.kid,
        }),
        404,
        'ERR_DATA_REQUEST_UNKNOWN',
      );
      await expectProblem(
        await answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: access.sha256,
        }),
        400,
        'ERR_MESSAGE_INVALID',
      );
      await expectJson(
        await answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: request.sha256,
        }),
        201,
      );
      await expectProblem(
        await answerRequest(company, pseudonym.id, {
          outcome: 'refused',
          requestSha256: request.sha256,
        }),
        409,
        'ERR_DATA_REQUEST_ALREADY_ANSWERED',
      );
    });

    it('takes an erasure answer only when it accounts for each category asked: erased, or retained with the reason', async () => {
      const { company, pseudonym } = await relationship();
      const request = await expectJson<Receipt>(
        await dataRequest(pseudonym, company.id, 'erasure', ['address', 'purchase_history']),
        201,
      );
      const answer = (body: Partial<Extract<AnswerBody, { outcome: 'erased' }>>) =>
        answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: request.sha256,
          ...body,
        });
      // Silent on purchase_history: refused, and nothing stored.
      const silent = await expectProblem(
        await answer({ dataCategories: ['address'] }),
        400,
        'ERR_MESSAGE_INVALID',
      );
      expect(silent.detail_data).toEqual({
        issues: ['dataCategories'],
        missing: ['purchase_history'],
      });
      expect((await obligationsView(pseudonym)).dataRequests).toMatchObject([
        { sha256: request.sha256, answer: null },
      ]);
      // A category both erased and retained is no answer either (signed as sent, unchecked).
      const both = await expectProblem(
        await post(
          answersRoute.POST,
          '/api/v1/data-request-answers',
          await signRaw(
            'data-request-answer',
            {
              ...claims(api.clock, company.id, pseudonym.id),
              requestSha256: request.sha256,
              outcome: 'erased',
              dataCategories: ['address', 'purchase_history'],
              erasedAt: api.clock.seconds(),
              retained: {
                dataCategories: ['purchase_history'],
                reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
              },
            },
            company.keyPair,
          ),
        ),
        400,
        'ERR_MESSAGE_INVALID',
      );
      expect(both.detail_data).toMatchObject({ issues: ['retained.dataCategories'] });
      // Erased in part, the rest retained with the reason: the answer.
      const partial = await expectJson<Receipt>(
        await answer({
          dataCategories: ['address'],
          retained: {
            dataCategories: ['purchase_history'],
            reason: { de: 'Aufbewahrungspflicht (§ 147 AO).', en: 'Retention duty (tax law).' },
          },
        }),
        201,
      );
      expect((await obligationsView(pseudonym)).dataRequests).toMatchObject([
        { sha256: request.sha256, answer: { sha256: partial.sha256 } },
      ]);
      // A request naming no categories is answered by whatever the company erased.
      const all = await expectJson<Receipt>(
        await dataRequest(pseudonym, company.id, 'erasure'),
        201,
      );
      await expectJson(
        await answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: all.sha256,
        }),
        201,
      );
    });

    it("refuses another company's answer to someone else's request", async () => {
      const { company, pseudonym } = await relationship();
      const other = await register();
      const request = await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201);
      await expectProblem(
        await answerRequest(other, pseudonym.id, {
          outcome: 'refused',
          requestSha256: request.sha256,
        }),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
    });

    it('makes an overdue answer a finding, before and after a late answer', async () => {
      const { company, pseudonym } = await relationship();
      const request = await expectJson<Receipt & { deadline: number }>(
        await dataRequest(pseudonym, company.id, 'erasure'),
        201,
      );
      const overdue = (findings: Finding[]) =>
        findings.filter((f) => f.type === 'data-request-overdue');
      expect(overdue(await companyFindings(company))).toEqual([]);
      // Due to the end of its last day, overdue a moment after.
      api.clock.ms = request.deadline;
      expect(overdue(await companyFindings(company))).toEqual([]);
      api.clock.ms = request.deadline + 1;
      expect(overdue(await companyFindings(company))).toMatchObject([
        { dataRequestSha256: request.sha256, requestType: 'erasure', answeredAt: null },
      ]);
      const late = await expectJson<{ onTime: boolean }>(
        await answerRequest(company, pseudonym.id, {
          outcome: 'erased',
          requestSha256: request.sha256,
        }),
        201,
      );
      expect(late.onTime).toBe(false);
      expect(overdue(await companyFindings(company))).toMatchObject([
        { dataRequestSha256: request.sha256, answeredAt: api.clock.now() },
      ]);
    });
  });

  describe('GET /api/v1/companies/me/data-requests', () => {
    it('refuses an eleventh unanswered request of one pseudonym, storing nothing, until one is answered', async () => {
      const { company, pseudonym } = await relationship();
      const open: string[] = [];
      for (let i = 0; i < maxOpenDataRequests; i++) {
        open.push(
          (await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201)).sha256,
        );
      }
      const refused = await expectProblem(
        await dataRequest(pseudonym, company.id, 'erasure'),
        429,
        'ERR_TOO_MANY_OPEN_REQUESTS',
      );
      expect(refused).toMatchObject({ detail_data: { limit: maxOpenDataRequests } });
      expect((await obligationsView(pseudonym)).dataRequests).toHaveLength(maxOpenDataRequests);
      await expectJson(
        await answerRequest(company, pseudonym.id, { outcome: 'refused', requestSha256: open[0]! }),
        201,
      );
      await expectJson(await dataRequest(pseudonym, company.id, 'erasure'), 201);
    });

    it.runIf(dialect === 'postgres')(
      'counts the open requests of a pseudonym after another node storing one of its requests commits',
      async () => {
        const { company, pseudonym } = await relationship();
        const open: string[] = [];
        for (let i = 0; i < maxOpenDataRequests; i++) {
          open.push(
            (await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201)).sha256,
          );
        }
        await expectJson(
          await answerRequest(company, pseudonym.id, {
            outcome: 'refused',
            requestSha256: open[0]!,
          }),
          201,
        );
        // Another node's transaction, holding the pseudonym as storing a data request does, makes
        // the tenth open request (here by opening the answered one again) and commits last.
        let attempt: Promise<Response> | undefined;
        await api.tdb.cdb.db.transaction().execute(async (trx) => {
          await trx
            .selectFrom('pseudonyms')
            .select('pseudonym')
            .where('pseudonym', '=', pseudonym.id)
            .forNoKeyUpdate()
            .execute();
          await trx
            .updateTable('data_requests')
            .set({ answer_sha256: null, outcome: null, answered_at: null })
            .where('sha256', '=', open[0]!)
            .execute();
          attempt = dataRequest(pseudonym, company.id, 'erasure');
          await blockedOrSettled(api.tdb.cdb.db, attempt);
        });
        // Failed before: the request counted nine open ones and was stored as the eleventh.
        await expectProblem(await attempt!, 429, 'ERR_TOO_MANY_OPEN_REQUESTS');
        expect((await obligationsView(pseudonym)).dataRequests).toHaveLength(maxOpenDataRequests);
      },
    );

    it('carries every open request and the newest answered ones in the Relationships view', async () => {
      const { company, pseudonym } = await relationship();
      const answered: string[] = [];
      while (answered.length < maxViewedAnsweredRequests + maxOpenDataRequests) {
        const round: string[] = [];
        for (let i = 0; i < maxOpenDataRequests; i++) {
          round.push(
            (await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201)).sha256,
          );
          api.clock.advance(1);
        }
        for (const requestSha256 of round) {
          await expectJson(
            await answerRequest(company, pseudonym.id, { outcome: 'refused', requestSha256 }),
            201,
          );
        }
        answered.push(...round);
      }
      const open = [
        (await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201)).sha256,
        (await expectJson<Receipt>(await dataRequest(pseudonym, company.id, 'erasure'), 201))
          .sha256,
      ].sort(); // the same millisecond: ordered by hash
      const view = await obligationsView(pseudonym);
      expect(view.dataRequests.map((r) => r.sha256)).toEqual([
        ...answered.slice(-maxViewedAnsweredRequests),
        ...open,
      ]);
      expect(view.dataRequests.filter((r) => r.answer === null).map((r) => r.sha256)).toEqual(open);
    });

    it('lists open requests to the company only, pages with a cursor, and lists all on request', async () => {
      const { company, pseudonym } = await relationship();
      const first = await expectJson<Receipt>(await dataRequest(pseudonym, company.id), 201);
      api.clock.advance(1);
      const second = await expectJson<Receipt>(
        await dataRequest(pseudonym, company.id, 'erasure'),
        201,
      );
      await expectJson(
        await answerRequest(company, pseudonym.id, {
          outcome: 'refused',
          requestSha256: first.sha256,
        }),
        201,
      );
      const open = await expectJson<{ dataRequests: { sha256: string }[]; next: null }>(
        await get(
          dataRequestListRoute.GET,
          '/api/v1/companies/me/data-requests',
          api.clock,
          company,
        ),
        200,
      );
      expect(open.dataRequests.map((r) => r.sha256)).toEqual([second.sha256]);
      const page = await expectJson<{ dataRequests: { sha256: string }[]; next: string }>(
        await get(
          dataRequestListRoute.GET,
          '/api/v1/companies/me/data-requests?state=all&limit=1',
          api.clock,
          company,
        ),
        200,
      );
      expect(page.dataRequests.map((r) => r.sha256)).toEqual([first.sha256]);
      const rest = await expectJson<{ dataRequests: { sha256: string }[] }>(
        await get(
          dataRequestListRoute.GET,
          `/api/v1/companies/me/data-requests?state=all&after=${page.next}`,
          api.clock,
          company,
        ),
        200,
      );
      expect(rest.dataRequests.map((r) => r.sha256)).toEqual([second.sha256]);
      const stranger = await register();
      const none = await expectJson<{ dataRequests: unknown[] }>(
        await get(
          dataRequestListRoute.GET,
          '/api/v1/companies/me/data-requests?state=all',
          api.clock,
          stranger,
        ),
        200,
      );
      expect(none.dataRequests).toEqual([]);
    });

    it('refuses anonymous callers, pseudonyms, regulators and malformed queries', async () => {
      const { company, pseudonym } = await relationship();
      const path = '/api/v1/companies/me/data-requests';
      await expectProblem(
        await get(dataRequestListRoute.GET, path, api.clock),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(dataRequestListRoute.GET, path, api.clock, pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(dataRequestListRoute.GET, path, api.clock, regulator),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(dataRequestListRoute.GET, `${path}?state=closed`, api.clock, company),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await get(dataRequestListRoute.GET, `${path}?after=12`, api.clock, company),
        400,
        'ERR_QUERY_INVALID',
      );
    });
  });

  // ----- access --------------------------------------------------------------------------------

  describe('POST /api/v1/access', () => {
    it('counts uses within scope and makes every use outside it a finding', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship();
      const now = api.clock.seconds();
      const body = await expectJson<{ accepted: number; outOfScope: number }>(
        await reportAccess(company, [
          {
            grantSha256,
            purpose: 'product_launch',
            dataCategories: ['address'],
            at: now,
            count: 3,
          },
          { grantSha256, purpose: 'market_research', dataCategories: ['address'], at: now },
          { grantSha256, purpose: 'product_launch', dataCategories: ['health'], at: now },
          {
            grantSha256,
            purpose: 'product_launch',
            dataCategories: ['address'],
            at: now - 10 * day,
          },
          {
            grantSha256: other.grantSha256,
            purpose: 'product_launch',
            dataCategories: ['address'],
            at: now,
          },
        ]),
        201,
      );
      expect(body).toMatchObject({ accepted: 3, outOfScope: 4 });
      const findings = (await companyFindings(company)).filter(
        (f) => f.type === 'access-out-of-scope',
      );
      expect(findings.map((f) => [f.entry, f.reason, f.pseudonym])).toEqual([
        [1, 'purpose-not-granted', pseudonym.id],
        [2, 'categories-not-granted', pseudonym.id],
        [3, 'before-grant', pseudonym.id],
        [4, 'grant-unknown', null],
      ]);
    });

    it('makes a use after a revocation a finding', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      api.clock.advance(60);
      const body = await expectJson<{ accepted: number; outOfScope: number }>(
        await reportAccess(company, [useNow(grantSha256, 'product_launch')]),
        201,
      );
      expect(body).toMatchObject({ accepted: 0, outOfScope: 1 });
      expect(
        (await companyFindings(company)).filter((f) => f.type === 'access-out-of-scope'),
      ).toMatchObject([{ grantSha256, reason: 'after-revocation' }]);
    });

    it('voids the findings and uses of a report signed with a key since declared compromised, and counts the others again', async () => {
      const { company, grantSha256 } = await relationship();
      const second = newCompany();
      const keyChange = changeKeyOf(company);
      await keyChange({ action: 'add', key: publicJwk(second.keyPair) });
      const use = (at: number, count: number) => ({
        grantSha256,
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
        at,
        count,
      });
      const honestAt = api.clock.seconds();
      const honest = await expectJson<Receipt>(
        await reportAccess(company, [use(honestAt, 2)]),
        201,
      );
      api.clock.advance(10);
      const since = api.clock.seconds();
      // A thief with the key reports the same use later and more often, and a use out of scope.
      await expectJson(
        await reportAccess(company, [
          use(since, 5),
          { ...use(since, 1), purpose: 'market_research' },
        ]),
        201,
      );
      const uses = () =>
        api.tdb.cdb.db
          .selectFrom('access_uses')
          .select(['at', 'count', 'report_sha256'])
          .where('grant_sha256', '=', grantSha256)
          .execute();
      const withSecond = { ...company, keyPair: second.keyPair };
      const outOfScope = async () =>
        (await companyFindings(withSecond)).filter((f) => f.type === 'access-out-of-scope');
      expect(await uses()).toMatchObject([{ at: since, count: 7 }]);
      expect(await outOfScope()).toHaveLength(1);

      api.clock.advance(10);
      await keyChange({ action: 'compromised', kid: company.kid, since }, second.keyPair);
      // Failed before: the thief's finding counted against the company, its uses for the customer.
      expect(await outOfScope()).toEqual([]);
      expect(await uses()).toEqual([{ at: honestAt, count: 2, report_sha256: honest.sha256 }]);
      // Reports with the good key count on from there.
      const laterAt = api.clock.seconds();
      const later = await expectJson<Receipt>(
        await reportAccess(withSecond, [use(laterAt, 1)]),
        201,
      );
      expect(await uses()).toEqual([{ at: laterAt, count: 3, report_sha256: later.sha256 }]);

      // A second compromise, of the second key: only its report goes; the thief's report voided
      // before stays out of the sums, and its use out of scope stays no use at all.
      const third = newCompany();
      await keyChange({ action: 'add', key: publicJwk(third.keyPair) }, second.keyPair);
      api.clock.advance(10);
      await keyChange({ action: 'compromised', kid: second.kid, since: laterAt }, third.keyPair);
      expect(await uses()).toEqual([{ at: honestAt, count: 2, report_sha256: honest.sha256 }]);
      const withThird = { ...company, keyPair: third.keyPair };
      expect(
        (await companyFindings(withThird)).filter((f) => f.type === 'access-out-of-scope'),
      ).toEqual([]);
      expect(
        await api.tdb.cdb.db
          .selectFrom('access_uses')
          .select('id')
          .where('grant_sha256', '=', grantSha256)
          .where('purpose', '=', 'market_research')
          .execute(),
      ).toEqual([]);
    });

    it.runIf(dialect === 'postgres')(
      "keeps another key's use stored while a compromise's voiding sums the uses again",
      async () => {
        const { company, grantSha256 } = await relationship();
        const second = newCompany();
        const keyChange = changeKeyOf(company);
        await keyChange({ action: 'add', key: publicJwk(second.keyPair) });
        const since = api.clock.seconds();
        const use = {
          grantSha256,
          purpose: 'product_launch' as const,
          dataCategories: ['address' as const],
          at: since,
          count: 5,
        };
        // The thief's report, to be voided.
        await expectJson(await reportAccess(company, [use]), 201);
        const id = `${grantSha256}:product_launch:address`;
        api.clock.advance(10);
        // Another key's report of the same use is being stored (its share and its sum, as
        // recordAccessUses writes them) while the compromise is declared.
        let declared: Promise<unknown> | undefined;
        await api.tdb.cdb.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('access_use_reports')
            .values({ use_id: id, report_sha256: 'other-report', at: since + 5, count: 2 })
            .execute();
          await trx
            .updateTable('access_uses')
            .set({ count: 7, at: since + 5, report_sha256: 'other-report' })
            .where('id', '=', id)
            .execute();
          declared = keyChange({ action: 'compromised', kid: company.kid, since }, second.keyPair);
          await blockedOrSettled(api.tdb.cdb.db, declared);
        });
        await declared;
        // Failed before: the voiding summed the shares it had read (none left) and deleted the
        // use, the other report's share with it.
        expect(
          await api.tdb.cdb.db
            .selectFrom('access_uses')
            .select(['count', 'report_sha256'])
            .where('id', '=', id)
            .execute(),
        ).toEqual([{ count: 2, report_sha256: 'other-report' }]);
      },
    );

    it.runIf(dialect === 'postgres')(
      'refuses a report whose key a compromise declared void while it was being stored, counting nothing',
      async () => {
        const { company, grantSha256 } = await relationship();
        const since = api.clock.seconds();
        const response = await compromisedWhile(api.tdb.cdb.db, company.kid, since, () =>
          reportAccess(company, [
            { grantSha256, purpose: 'product_launch', dataCategories: ['address'], at: since },
            { grantSha256, purpose: 'market_research', dataCategories: ['address'], at: since },
          ]),
        );
        // Failed before: its use and its finding stored after the compromise voided the others.
        await expectProblem(response, 401, 'ERR_JWS_KID_UNKNOWN');
        const stored = async (table: 'access_uses' | 'access_findings') =>
          api.tdb.cdb.db
            .selectFrom(table)
            .select('id')
            .where('grant_sha256', '=', grantSha256)
            .execute();
        expect(await stored('access_uses')).toEqual([]);
        expect(await stored('access_findings')).toEqual([]);
      },
    );

    it('judges a report by the grants as they are when it is stored: a revocation committed after its checks counts', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: [{ grantSha256 }] },
        pseudonym.keyPair,
      );
      api.clock.advance(60);
      const entry = {
        grantSha256,
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
        at: api.clock.seconds(),
      };
      // The revocation commits while the report, its checks passed, waits for the writer.
      let revoked = 0;
      const response = await beforeItsWrite(
        api,
        async () => {
          revoked = (await post(revocationsRoute.POST, '/api/v1/revocations', revocation)).status;
        },
        () => reportAccess(company, [entry]),
        'access',
      );
      expect(revoked).toBe(201);
      expect(await expectJson(response, 201)).toMatchObject({ accepted: 0, outOfScope: 1 });
      expect(
        (await companyFindings(company)).filter((f) => f.type === 'access-out-of-scope'),
      ).toMatchObject([{ grantSha256, reason: 'after-revocation' }]);
    });

    it('refuses a report with an entry dated after the report was signed, storing nothing', async () => {
      const { company, grantSha256 } = await relationship();
      const entry = {
        grantSha256,
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
        at: api.clock.seconds() + CLOCK_SKEW_SECONDS + 1,
      };
      const body = await expectProblem(
        await reportAccess(company, [{ ...entry, at: api.clock.seconds() }, entry]),
        400,
        'ERR_MESSAGE_INVALID',
      );
      expect(body).toMatchObject({ detail_data: { issues: ['entries.1.at'] } });
      const stored = await api.tdb.cdb.db
        .selectFrom('access_reports')
        .select('sha256')
        .where('company_id', '=', company.id)
        .execute();
      expect(stored).toEqual([]);
      // Within the clock skew it is taken.
      await expectJson(
        await reportAccess(company, [{ ...entry, at: api.clock.seconds() + CLOCK_SKEW_SECONDS }]),
        201,
      );
    });

    it('lists the newest findings of a type when there are more than a page holds', async () => {
      const { company } = await relationship();
      const unknownUse = (n: number) => ({
        grantSha256: base64urlEncode(new Uint8Array(32).fill(n % 256)),
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
        at: api.clock.seconds(),
      });
      // Four full reports of harmless unknown-grant entries: 1,024 findings, more than listed.
      for (let report = 0; report < 4; report++) {
        api.clock.advance(1);
        const entries = Array.from({ length: 256 }, (_, i) => unknownUse(i));
        await expectJson(await reportAccess(company, entries), 201);
      }
      api.clock.advance(1);
      const last = await expectJson<{ sha256: string }>(
        await reportAccess(company, [unknownUse(7)]),
        201,
      );
      const access = (await companyFindings(company)).filter(
        (f) => f.type === 'access-out-of-scope',
      );
      expect(access).toHaveLength(1000);
      // Oldest first within the page, ending with the report just made.
      expect(access.at(-1)).toMatchObject({ accessSha256: last.sha256, entry: 0 });
      const times = access.map((f) => Number(f.receivedAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it('judges a use by its own time against a revocation that names the grant', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const before = api.clock.seconds();
      api.clock.advance(60);
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: [{ grantSha256 }] },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      api.clock.advance(60);
      const use = {
        grantSha256,
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
      };
      const body = await expectJson<{ accepted: number; outOfScope: number }>(
        await reportAccess(company, [
          { ...use, at: before },
          { ...use, at: api.clock.seconds() },
        ]),
        201,
      );
      expect(body).toMatchObject({ accepted: 1, outOfScope: 1 });
      expect(
        (await companyFindings(company))
          .filter((f) => f.type === 'access-out-of-scope')
          .map((f) => [f.entry, f.reason]),
      ).toEqual([[1, 'after-revocation']]);
    });

    it("makes a use after its scope's validUntil a finding, though the grant runs on", async () => {
      const validUntil = api.clock.seconds() + 10 * day;
      const { company, grantSha256 } = await relationship({ validUntil });
      const use = {
        grantSha256,
        purpose: 'product_launch' as const,
        dataCategories: ['address' as const],
      };
      api.clock.advance(20 * day);
      const body = await expectJson<{ accepted: number; outOfScope: number }>(
        await reportAccess(company, [
          { ...use, at: validUntil - 1 },
          { ...use, at: validUntil },
        ]),
        201,
      );
      expect(body).toMatchObject({ accepted: 1, outOfScope: 1 });
      expect(
        (await companyFindings(company))
          .filter((f) => f.type === 'access-out-of-scope')
          .map((f) => [f.entry, f.reason]),
      ).toEqual([[1, 'after-expiry']]);
    });

    it('refuses a report signed by a pseudonym or by another company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await register();
      const entries = [
        {
          grantSha256,
          purpose: 'product_launch' as const,
          dataCategories: ['address' as const],
          at: api.clock.seconds(),
        },
      ];
      const byPseudonym = await signRaw(
        'access',
        { ...claims(api.clock, pseudonym.id, testOrigin), entries },
        pseudonym.keyPair,
      );
      await expectProblem(
        await post(accessRoute.POST, '/api/v1/access', byPseudonym),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
      const forged = await sign(
        'access',
        { ...claims(api.clock, company.id, testOrigin), entries },
        other.keyPair,
      );
      await expectProblem(
        await post(accessRoute.POST, '/api/v1/access', forged),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });
  });

  // ----- complaints and decisions --------------------------------------------------------------

  describe('POST /api/v1/complaints', () => {
    it('accepts signed evidence verified as of its iat, logs it and tells the accused company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      api.clock.advance(3 * day); // long after the evidence's own exp
      const body = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      const feed = await expectJson<{ events: { kind: string; sha256: string }[] }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, company),
        200,
      );
      expect(feed.events.at(-1)).toMatchObject({ kind: 'complaint', sha256: body.sha256 });
    });

    it('takes two pieces of evidence of the largest size an offer may have', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      // 24,000 bytes: 32,000 characters of sealed box, the most an offer may carry.
      const large = () =>
        offerEvidence(company, pseudonym.id, grantSha256, company.keyPair, 24_000);
      const evidence = [
        { kind: 'offer' as const, jws: await large() },
        { kind: 'offer' as const, jws: await large() },
      ];
      const token = await sign(
        'complaint',
        {
          ...claims(api.clock, pseudonym.id, testOrigin),
          company: company.id,
          evidence,
          reasons: ['contact_cap_exceeded'],
        },
        pseudonym.keyPair,
      );
      expect(token.length).toBeGreaterThan(64 * 1024);
      await expectJson(await post(complaintsRoute.POST, '/api/v1/complaints', token), 201);
    });

    it('refuses the same evidence again while the first complaint waits for a decision, not after it', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const offer = await offerEvidence(company, pseudonym.id, grantSha256);
      const other = await offerEvidence(company, pseudonym.id, grantSha256);
      const first = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: offer }]),
        201,
      );
      // A new message (its own jti) with the same evidence, twice over in another order.
      const again = await expectProblem(
        await complain(pseudonym, company.id, [
          { kind: 'offer', jws: offer },
          { kind: 'offer', jws: offer },
        ]),
        409,
        'ERR_COMPLAINT_DUPLICATE',
      );
      expect(again).toMatchObject({ detail_data: { complaintSha256: first.sha256 } });
      // Other evidence is another complaint.
      await expectJson(await complain(pseudonym, company.id, [{ kind: 'offer', jws: other }]), 201);
      const stored = await api.tdb.cdb.db
        .selectFrom('complaints')
        .select('sha256')
        .where('company_id', '=', company.id)
        .execute();
      expect(stored).toHaveLength(2);
      await expectJson(await decide(first.sha256, 'dismissed'), 201);
      await expectJson(await complain(pseudonym, company.id, [{ kind: 'offer', jws: offer }]), 201);
    });

    it('refuses evidence with a bad signature, a foreign signature, or from another company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const [head, payload, signature] = evidence.split('.') as [string, string, string];
      const flipped = `${head}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      const cases: [string, string][] = [
        [flipped, 'ERR_JWS_SIGNATURE_INVALID'],
        [
          await offerEvidence(company, pseudonym.id, grantSha256, other.company.keyPair),
          'ERR_JWS_KID_UNKNOWN',
        ],
        [
          await offerEvidence(other.company, pseudonym.id, grantSha256),
          'ERR_MESSAGE_ISSUER_MISMATCH',
        ],
        [await offerEvidence(company, other.pseudonym.id, grantSha256), 'ERR_JWS_AUD_MISMATCH'],
      ];
      for (const [jws, cause] of cases) {
        const problem = await expectProblem(
          await complain(pseudonym, company.id, [{ kind: 'offer', jws }]),
          422,
          'ERR_EVIDENCE_INVALID',
        );
        expect(problem.detail_data ?? problem).toMatchObject({ index: 0, cause });
      }
      // Evidence of another kind than it claims is not evidence either.
      await expectProblem(
        await complain(pseudonym, company.id, [{ kind: 'disclosure', jws: evidence }]),
        422,
        'ERR_EVIDENCE_INVALID',
      );
    });

    it('verifies evidence signed by a key retired since, and refuses evidence signed once its key was compromised', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const second = newCompany();
      const keyChange = changeKeyOf(company);
      await keyChange({ action: 'add', key: publicJwk(second.keyPair) });
      const beforeRetirement = await offerEvidence(company, pseudonym.id, grantSha256);
      api.clock.advance(10);
      await keyChange({ action: 'retire', kid: company.kid }, second.keyPair);
      api.clock.advance(10);
      await expectJson(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: beforeRetirement }]),
        201,
      );
      // The second key signs an offer, then is declared compromised from before that offer.
      const third = newCompany();
      const withSecond = { ...company, keyPair: second.keyPair };
      await keyChange({ action: 'add', key: publicJwk(third.keyPair) }, second.keyPair);
      const since = api.clock.seconds();
      api.clock.advance(10);
      const forged = await offerEvidence(withSecond, pseudonym.id, grantSha256, second.keyPair);
      api.clock.advance(10);
      await keyChange({ action: 'compromised', kid: second.kid, since }, third.keyPair);
      const problem = await expectProblem(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: forged }]),
        422,
        'ERR_EVIDENCE_INVALID',
      );
      expect(problem.detail_data ?? problem).toMatchObject({ cause: 'ERR_JWS_KID_UNKNOWN' });
    });

    it('verifies a disclosure or answer a staff member signed while on the staff, also after they left', async () => {
      const { company, pseudonym } = await relationship();
      const staff = await newStaff(api, company);
      const disclosure = await sign(
        'disclosure',
        disclosurePayload(company, pseudonym.id),
        staff.keyPair,
      );
      await expectJson(await post(disclosuresRoute.POST, '/api/v1/disclosures', disclosure), 201);
      const request = await expectJson<Receipt>(
        await dataRequest(pseudonym, company.id, 'erasure'),
        201,
      );
      const answer = await answerToken(
        company,
        pseudonym.id,
        { outcome: 'erased', requestSha256: request.sha256 },
        staff.keyPair,
      );
      await expectJson(await post(answersRoute.POST, '/api/v1/data-request-answers', answer), 201);
      await expectJson(
        await complain(pseudonym, company.id, [
          { kind: 'disclosure', jws: disclosure },
          { kind: 'data-request-answer', jws: answer },
        ]),
        201,
      );
      // From a browser whose clock runs ahead, as far as the server accepts.
      const ahead = api.clock.seconds() + CLOCK_SKEW_SECONDS - 10;
      const fastClock = await sign(
        'disclosure',
        disclosurePayload(company, pseudonym.id, { iat: ahead, exp: ahead + 300 }),
        staff.keyPair,
      );
      await expectJson(await post(disclosuresRoute.POST, '/api/v1/disclosures', fastClock), 201);
      // Removed, the member's key is retired from that moment: what it signed before still
      // verifies (an accepted `iat` ahead of the removal too), what it signs once the clock skew
      // has passed does not.
      api.clock.advance(10);
      await api.services.people.remove(
        { type: 'company', id: company.id, kid: company.kid },
        staff.personId,
      );
      api.clock.advance(CLOCK_SKEW_SECONDS + 1);
      await expectJson(
        await complain(pseudonym, company.id, [
          { kind: 'disclosure', jws: disclosure },
          { kind: 'disclosure', jws: fastClock },
        ]),
        201,
      );
      const afterLeaving = await sign(
        'disclosure',
        disclosurePayload(company, pseudonym.id),
        staff.keyPair,
      );
      const problem = await expectProblem(
        await complain(pseudonym, company.id, [{ kind: 'disclosure', jws: afterLeaving }]),
        422,
        'ERR_EVIDENCE_INVALID',
      );
      expect(problem.detail_data ?? problem).toMatchObject({
        index: 0,
        cause: 'ERR_JWS_KID_UNKNOWN',
      });
    });

    it("takes a staff key only for what staff sign, of the member's own company, from their enrolment on", async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship();
      const staff = await newStaff(api, company);
      const otherStaff = await newStaff(api, other.company);
      await expectJson(
        await complain(pseudonym, company.id, [
          {
            kind: 'disclosure',
            jws: await sign('disclosure', disclosurePayload(company, pseudonym.id), staff.keyPair),
          },
        ]),
        201,
      );
      const iat = api.clock.seconds() - 120; // before the member enrolled, beyond the skew
      const cases: [string, { kind: 'offer' | 'disclosure'; jws: string }][] = [
        [
          'an offer (company keys only)',
          {
            kind: 'offer',
            jws: await offerEvidence(company, pseudonym.id, grantSha256, staff.keyPair),
          },
        ],
        [
          "another company's staff",
          {
            kind: 'disclosure',
            jws: await sign(
              'disclosure',
              disclosurePayload(company, pseudonym.id),
              otherStaff.keyPair,
            ),
          },
        ],
        [
          'a regulator',
          {
            kind: 'disclosure',
            jws: await sign(
              'disclosure',
              disclosurePayload(company, pseudonym.id),
              regulator.keyPair,
            ),
          },
        ],
        [
          'signed before the enrolment',
          {
            kind: 'disclosure',
            jws: await sign(
              'disclosure',
              disclosurePayload(company, pseudonym.id, { iat, exp: iat + 300 }),
              staff.keyPair,
            ),
          },
        ],
      ];
      for (const [name, evidence] of cases) {
        const problem = await expectProblem(
          await complain(pseudonym, company.id, [evidence]),
          422,
          'ERR_EVIDENCE_INVALID',
        );
        expect(problem.detail_data ?? problem, name).toMatchObject({
          index: 0,
          cause: 'ERR_JWS_KID_UNKNOWN',
        });
      }
    });

    it('refuses a complaint about a company the pseudonym has no relationship with', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship();
      const evidence = await offerEvidence(other.company, pseudonym.id, grantSha256);
      await expectProblem(
        await complain(pseudonym, other.company.id, [{ kind: 'offer', jws: evidence }]),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
      await expectProblem(
        await complain(newPseudonym(company.id), company.id, [{ kind: 'offer', jws: evidence }]),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
    });
  });

  describe('GET /api/v1/complaints and /api/v1/complaints/{sha256}', () => {
    it('shows a complaint to the regulator, the complainant and the accused company only', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const { sha256 } = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      const path = `/api/v1/complaints/${sha256}`;
      for (const reader of [regulator, pseudonym, company]) {
        expect(
          await expectJson(await get(complaintRoute.GET, path, api.clock, reader), 200),
        ).toMatchObject({ sha256, company: company.id, pseudonym: pseudonym.id, decision: null });
      }
      const stranger = await relationship();
      for (const reader of [stranger.company, stranger.pseudonym]) {
        await expectProblem(
          await get(complaintRoute.GET, path, api.clock, reader),
          403,
          'ERR_NOT_AUTHORISED',
        );
      }
      await expectProblem(await get(complaintRoute.GET, path, api.clock), 401, 'ERR_AUTH_MISSING');
      await expectProblem(
        await get(complaintRoute.GET, `/api/v1/complaints/${company.kid}`, api.clock, regulator),
        404,
        'ERR_COMPLAINT_UNKNOWN',
      );
    });

    it('lists complaints for the regulator only, by company and state', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const { sha256 } = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      const path = `/api/v1/complaints?company=${company.id}&state=open`;
      const open = await expectJson<{ complaints: { sha256: string }[] }>(
        await get(complaintsRoute.GET, path, api.clock, regulator),
        200,
      );
      expect(open.complaints.map((c) => c.sha256)).toEqual([sha256]);
      await expectJson(await decide(sha256, 'dismissed'), 201);
      const after = await expectJson<{ complaints: unknown[] }>(
        await get(complaintsRoute.GET, path, api.clock, regulator),
        200,
      );
      expect(after.complaints).toEqual([]);
      await expectProblem(
        await get(complaintsRoute.GET, path, api.clock, company),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(complaintsRoute.GET, path, api.clock, pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(await get(complaintsRoute.GET, path, api.clock), 401, 'ERR_AUTH_MISSING');
      await expectProblem(
        await get(complaintsRoute.GET, '/api/v1/complaints?state=maybe', api.clock, regulator),
        400,
        'ERR_QUERY_INVALID',
      );
    });
  });

  describe('POST /api/v1/complaint-decisions', () => {
    it('makes an upheld complaint a finding, a trust figure and a feed event of the accused company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const complaint = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      const decision = await expectJson<Receipt>(await decide(complaint.sha256), 201);
      expect(
        (await companyFindings(company)).filter((f) => f.type === 'complaint-upheld'),
      ).toMatchObject([
        {
          complaintSha256: complaint.sha256,
          decisionSha256: decision.sha256,
          pseudonym: pseudonym.id,
        },
      ]);
      expect(await trust(company.id)).toMatchObject({ upheldComplaints: 1 });
      const feed = await expectJson<{ events: { kind: string; sha256: string }[] }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, company),
        200,
      );
      expect(feed.events.at(-1)).toMatchObject({
        kind: 'complaint-decision',
        sha256: decision.sha256,
      });
      const regulatorView = await expectJson<{ findings: Finding[] }>(
        await get(
          companyFindingsRoute.GET,
          `/api/v1/companies/${company.id}/findings`,
          api.clock,
          regulator,
        ),
        200,
      );
      expect(regulatorView.findings.map((f) => f.type)).toContain('complaint-upheld');
    });

    it('refuses a second decision, an unknown complaint, and anyone but an enrolled regulator', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const complaint = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      await expectProblem(await decide(company.kid), 404, 'ERR_COMPLAINT_UNKNOWN');
      // A company key posing as a regulator: not an enrolled regulator key.
      await expectProblem(
        await decide(complaint.sha256, 'dismissed', {
          id: `rg_${company.kid}`,
          keyPair: company.keyPair,
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      await expectJson(await decide(complaint.sha256, 'dismissed'), 201);
      await expectProblem(await decide(complaint.sha256), 409, 'ERR_COMPLAINT_ALREADY_DECIDED');
      expect(await trust(company.id)).toMatchObject({ upheldComplaints: 0 });
    });
  });

  // ----- suspensions ---------------------------------------------------------------------------

  describe('POST /api/v1/suspensions', () => {
    async function offer(company: TestCompany, pseudonym: TestPseudonym, grantSha256: string) {
      return post(
        offersRoute.POST,
        '/api/v1/offers',
        await offerEvidence(company, pseudonym.id, grantSha256),
      );
    }

    it("blocks the company's grant requests and offers at once; reinstatement restores them", async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      expect((await offer(company, pseudonym, grantSha256)).status).toBe(201);
      const suspended = await expectJson<Receipt & { company: { status: string } }>(
        await suspension(company.id, 'suspend'),
        201,
      );
      expect(suspended.company).toEqual({ id: company.id, status: 'suspended' });
      await expectProblem(await grantRequest(company), 403, 'ERR_COMPANY_NOT_ACTIVE');
      await expectProblem(
        await offer(company, pseudonym, grantSha256),
        403,
        'ERR_COMPANY_NOT_ACTIVE',
      );
      // Its duties go on: a suspended company still discloses and reads its feed.
      await expectJson(await disclose(company, pseudonym.id), 201);
      const feed = await expectJson<{ events: { kind: string; pseudonym: string }[] }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, company),
        200,
      );
      expect(feed.events.filter((e) => e.kind === 'suspension')).toMatchObject([
        { kind: 'suspension', pseudonym: '' },
      ]);
      expect(await trust(company.id)).toMatchObject({ status: 'suspended' });
      const reinstated = await expectJson<{ company: { status: string } }>(
        await suspension(company.id, 'reinstate'),
        201,
      );
      expect(reinstated.company.status).toBe('active');
      await expectJson(await grantRequest(company), 201);
      expect((await offer(company, pseudonym, grantSha256)).status).toBe(201);
    });

    it('reinstates a company whose domain was never proven as pending', async () => {
      const company = await register(newCompany(), { proof: false });
      await expectJson(await suspension(company.id, 'suspend'), 201);
      const body = await expectJson<{ company: { status: string } }>(
        await suspension(company.id, 'reinstate'),
        201,
      );
      expect(body.company.status).toBe('pending');
    });

    it('refuses a suspension that changes nothing, of an unknown company, or resting on a complaint not upheld', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      await expectProblem(
        await suspension(company.id, 'reinstate'),
        409,
        'ERR_SUSPENSION_CONFLICT',
      );
      await expectProblem(
        await suspension(`co_${pseudonym.kid}`, 'suspend'),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
      const evidence = await offerEvidence(company, pseudonym.id, grantSha256);
      const complaint = await expectJson<Receipt>(
        await complain(pseudonym, company.id, [{ kind: 'offer', jws: evidence }]),
        201,
      );
      await expectProblem(
        await suspension(company.id, 'suspend', [complaint.sha256]),
        404,
        'ERR_COMPLAINT_UNKNOWN',
      );
      await expectJson(await decide(complaint.sha256), 201);
      await expectJson(await suspension(company.id, 'suspend', [complaint.sha256]), 201);
      await expectProblem(await suspension(company.id, 'suspend'), 409, 'ERR_SUSPENSION_CONFLICT');
    });

    it('refuses a suspension signed by a company or a pseudonym', async () => {
      const { company, pseudonym } = await relationship();
      for (const signer of [
        { id: `rg_${company.kid}`, keyPair: company.keyPair },
        { id: `rg_${pseudonym.kid}`, keyPair: pseudonym.keyPair },
      ]) {
        const token = await sign(
          'suspension',
          {
            ...claims(api.clock, signer.id, testOrigin),
            company: company.id,
            action: 'suspend',
            reason: { de: 'x', en: 'x' },
          },
          signer.keyPair,
        );
        await expectProblem(
          await post(suspensionsRoute.POST, '/api/v1/suspensions', token),
          401,
          'ERR_JWS_KID_UNKNOWN',
        );
      }
      expect(await trust(company.id)).toMatchObject({ status: 'active' });
    });
  });

  // ----- blacklist and boycott -----------------------------------------------------------------

  describe('POST /api/v1/blacklist and GET /api/v1/companies/{companyId}/boycott', () => {
    it('counts a signal once per pseudonym with a logged relationship, and withdraws it', async () => {
      const declared = await register(newCompany(), { brands: ['Beispiel Outdoor'] });
      const { company, pseudonym } = await relationship({ company: declared });
      const refuser = await relationship({ company, refuse: true });
      expect(await expectJson(await blacklist(pseudonym, company.id), 201)).toMatchObject({
        counted: true,
      });
      await expectJson(
        await blacklist(pseudonym, company.id, 'add', { reason: 'misleading' }),
        201,
      );
      await expectJson(await blacklist(refuser.pseudonym, company.id), 201);
      await expectJson(
        await blacklist(pseudonym, company.id, 'add', { brand: 'Beispiel Outdoor' }),
        201,
      );
      expect(await trust(company.id)).toMatchObject({ boycotts: 2 });
      const figure = await expectJson(
        await get(boycottRoute.GET, `/api/v1/companies/${company.id}/boycott`, api.clock),
        200,
      );
      expect(figure).toEqual({
        company: company.id,
        total: 2,
        confirmed: 0,
        byReason: { misleading: 1, too_frequent: 2 },
        byBrand: [
          { brand: null, signals: 2 },
          { brand: 'Beispiel Outdoor', signals: 1 },
        ],
      });
      expect(
        await expectJson(await blacklist(refuser.pseudonym, company.id, 'withdraw'), 201),
      ).toMatchObject({ counted: false });
      expect(await trust(company.id)).toMatchObject({ boycotts: 1 });
    });

    it('refuses signals from pseudonyms without a relationship with that company', async () => {
      const { company } = await relationship();
      const other = await relationship();
      await expectProblem(
        await blacklist(newPseudonym(company.id), company.id),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      await expectProblem(
        await blacklist(other.pseudonym, company.id),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
      expect(await trust(company.id)).toMatchObject({ boycotts: 0 });
      await expectProblem(
        await get(
          boycottRoute.GET,
          `/api/v1/companies/co_${other.pseudonym.kid}/boycott`,
          api.clock,
        ),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
    });

    it('counts each pseudonym once per reason and per declared brand, whatever brand texts it sends', async () => {
      // The reviewer's reproduction: 25 made-up brands from one pseudonym made byReason 25.
      const declared = await register(newCompany(), {
        brands: ['Beispiel Outdoor', 'Beispiel Running'],
      });
      const { company, pseudonym } = await relationship({ company: declared });
      const refuser = await relationship({ company, refuse: true });
      const made = Array.from({ length: 25 }, (_, i) => `NoSuchBrand ${i}`);
      const signal = (who: TestPseudonym, brand: string, action: 'add' | 'withdraw' = 'add') =>
        blacklist(who, company.id, action, { brand, reason: 'data_misuse' });
      for (const brand of made) {
        expect(await expectJson(await signal(pseudonym, brand), 201)).toMatchObject({
          counted: true,
        });
      }
      // One brand however it is spelled (protocol/profile brandKey): one signal.
      await expectJson(await signal(pseudonym, 'Beispiel Outdoor'), 201);
      await expectJson(await signal(pseudonym, ' BEISPIEL  outdoor'), 201);
      await expectJson(
        await blacklist(refuser.pseudonym, company.id, 'add', {
          brand: 'Ｂeispiel Running',
          reason: 'too_frequent',
        }),
        201,
      );
      const figure = async () =>
        expectJson(
          await get(boycottRoute.GET, `/api/v1/companies/${company.id}/boycott`, api.clock),
          200,
        );
      expect(await figure()).toEqual({
        company: company.id,
        total: 2,
        confirmed: 0,
        byReason: { data_misuse: 1, too_frequent: 1 },
        byBrand: [
          { brand: null, signals: 1 },
          { brand: 'Beispiel Outdoor', signals: 1 },
          { brand: 'Beispiel Running', signals: 1 },
        ],
      });
      // Each made-up brand is still its own signal: withdrawing one leaves the others.
      await expectJson(await signal(pseudonym, 'beispiel outdoor', 'withdraw'), 201);
      await expectJson(await signal(pseudonym, made[0]!, 'withdraw'), 201);
      expect(await figure()).toMatchObject({
        total: 2,
        byReason: { data_misuse: 1, too_frequent: 1 },
        byBrand: [
          { brand: null, signals: 1 },
          { brand: 'Beispiel Running', signals: 1 },
        ],
      });
      for (const brand of made.slice(1)) {
        expect(await expectJson(await signal(pseudonym, brand, 'withdraw'), 201)).toMatchObject({
          counted: false,
        });
      }
      expect(await figure()).toEqual({
        company: company.id,
        total: 1,
        confirmed: 0,
        byReason: { too_frequent: 1 },
        byBrand: [{ brand: 'Beispiel Running', signals: 1 }],
      });
    });

    it('counts as confirmed only pseudonyms the company itself addressed, not those it merely answered', async () => {
      // Anyone can mint a pseudonym and answer an open request (a link, a QR code): such a
      // boycott counts in `total` (SPECS "Consent conditions") but not in `confirmed`.
      const company = await register();
      const figure = async () =>
        expectJson<{ total: number; confirmed: number }>(
          await get(boycottRoute.GET, `/api/v1/companies/${company.id}/boycott`, api.clock),
          200,
        );
      const offer = async (pseudonym: string, grantSha256: string) =>
        post(
          offersRoute.POST,
          '/api/v1/offers',
          await offerEvidence(company, pseudonym, grantSha256),
        );
      const { grantSha256: someoneElses } = await relationship({ company });
      const cases: [
        string,
        { refuse?: boolean },
        (who: TestPseudonym, grantSha256: string) => Promise<void>,
        boolean,
      ][] = [
        ['granted an open request', {}, async () => {}, false],
        ['refused an open request', { refuse: true }, async () => {}, false],
        [
          'asked for its data and got a disclosure and an answer',
          {},
          async (who) => {
            const request = await expectJson<Receipt>(await dataRequest(who, company.id), 201);
            const disclosure = await expectJson<Receipt>(
              await disclose(company, who.id, { dataRequestSha256: request.sha256 }),
              201,
            );
            await expectJson(
              await answerRequest(company, who.id, {
                outcome: 'disclosure',
                requestSha256: request.sha256,
                disclosureSha256: disclosure.sha256,
              }),
              201,
            );
          },
          false,
        ],
        [
          'received an offer',
          {},
          async (who, grantSha256) => {
            expect((await offer(who.id, grantSha256)).status).toBe(201);
          },
          true,
        ],
        [
          'was sent an offer the relay refused',
          {},
          async (who) => {
            await expectProblem(await offer(who.id, someoneElses), 403, 'ERR_OFFER_NOT_COVERED');
          },
          true,
        ],
        [
          'refused, then got a targeted request',
          { refuse: true },
          async (who) => {
            await expectJson(await grantRequest(company, who.id), 201);
          },
          true,
        ],
        [
          'had its data used in scope',
          {},
          async (_who, grantSha256) => {
            await expectJson(
              await reportAccess(company, [useNow(grantSha256, 'product_launch')]),
              201,
            );
          },
          true,
        ],
        [
          'had its data used out of scope',
          {},
          async (_who, grantSha256) => {
            await expectJson(
              await reportAccess(company, [useNow(grantSha256, 'market_research')]),
              201,
            );
          },
          true,
        ],
      ];
      let expected = { total: 0, confirmed: 0 };
      for (const [name, options, act, confirms] of cases) {
        const { pseudonym, grantSha256 } = await relationship({ company, ...options });
        await act(pseudonym, grantSha256);
        expect(await expectJson(await blacklist(pseudonym, company.id), 201), name).toMatchObject({
          counted: true,
        });
        expected = {
          total: expected.total + 1,
          confirmed: expected.confirmed + (confirms ? 1 : 0),
        };
        expect(await figure(), name).toMatchObject(expected);
      }
    });

    it('no longer counts as confirmed what a key signed once it was declared compromised', async () => {
      const company = await register();
      const second = newCompany();
      const keyChange = changeKeyOf(company);
      await keyChange({ action: 'add', key: publicJwk(second.keyPair) });
      const figure = async () =>
        expectJson<{ total: number; confirmed: number }>(
          await get(boycottRoute.GET, `/api/v1/companies/${company.id}/boycott`, api.clock),
          200,
        );
      const { grantSha256: someoneElses } = await relationship({ company });
      const since = api.clock.seconds();
      // A thief with the first key addresses four pseudonyms, each of which then blacklists it.
      const acts: [boolean, (who: TestPseudonym, grantSha256: string) => Promise<unknown>][] = [
        [true, async (who) => expectJson(await grantRequest(company, who.id), 201)],
        [
          false,
          async (who, grantSha256) =>
            expectJson(
              await post(
                offersRoute.POST,
                '/api/v1/offers',
                await offerEvidence(company, who.id, grantSha256),
              ),
              201,
            ),
        ],
        [
          false,
          async (who) =>
            expectProblem(
              await post(
                offersRoute.POST,
                '/api/v1/offers',
                await offerEvidence(company, who.id, someoneElses),
              ),
              403,
              'ERR_OFFER_NOT_COVERED',
            ),
        ],
        [
          false,
          async (_who, grantSha256) =>
            expectJson(await reportAccess(company, [useNow(grantSha256, 'product_launch')]), 201),
        ],
      ];
      for (const [refuse, act] of acts) {
        const { pseudonym, grantSha256 } = await relationship({ company, refuse });
        await act(pseudonym, grantSha256);
        await expectJson(await blacklist(pseudonym, company.id), 201);
      }
      expect(await figure()).toMatchObject({ total: 4, confirmed: 4 });
      api.clock.advance(10);
      await keyChange({ action: 'compromised', kid: company.kid, since }, second.keyPair);
      // Failed before: the thief's contacts, refusals, requests and reports confirmed the boycotts.
      expect(await figure()).toMatchObject({ total: 4, confirmed: 0 });
    });

    it('shows a brand signal as company-wide until the company declares that brand', async () => {
      const { company, pseudonym } = await relationship();
      await expectJson(await blacklist(pseudonym, company.id, 'add', { brand: 'Laufhaus' }), 201);
      const figure = async () =>
        expectJson<{ byBrand: unknown[] }>(
          await get(boycottRoute.GET, `/api/v1/companies/${company.id}/boycott`, api.clock),
          200,
        );
      expect((await figure()).byBrand).toEqual([{ brand: null, signals: 1 }]);
      api.clock.advance(1);
      await register(company, { brands: ['LaufHaus'] });
      expect((await figure()).byBrand).toEqual([{ brand: 'LaufHaus', signals: 1 }]);
    });
  });

  // ----- every POST route ----------------------------------------------------------------------

  describe('every POST route', () => {
    const routes: [string, Module][] = [
      ['/api/v1/disclosures', disclosuresRoute],
      ['/api/v1/data-requests', dataRequestsRoute],
      ['/api/v1/data-request-answers', answersRoute],
      ['/api/v1/access', accessRoute],
      ['/api/v1/complaints', complaintsRoute],
      ['/api/v1/complaint-decisions', decisionsRoute],
      ['/api/v1/suspensions', suspensionsRoute],
      ['/api/v1/blacklist', blacklistRoute],
    ];

    it.each(routes)(
      '%s refuses an unsigned body, another content type and an oversized body',
      async (path, route) => {
        await expectProblem(await post(route.POST!, path, 'not a jws'), 400, 'ERR_JWS_MALFORMED');
        await expectProblem(
          await post(route.POST!, path, '{}', { 'content-type': 'application/json' }),
          415,
          'ERR_CONTENT_TYPE_UNSUPPORTED',
        );
        await expectProblem(
          await post(route.POST!, path, 'x', {
            'content-type': 'application/jose',
            'content-length': String(256 * 1024 + 1),
          }),
          413,
          'ERR_MESSAGE_TOO_LARGE',
        );
      },
    );

    /** Disclosures carry a sealed payload, complaints up to two as evidence. */
    const larger = new Set(['/api/v1/disclosures', '/api/v1/complaints']);
    it.each(routes)(
      '%s takes at most 64 KiB, or 256 KiB with sealed payloads',
      async (path, route) => {
        await expectProblem(
          await post(route.POST!, path, 'x', {
            'content-type': 'application/jose',
            'content-length': String((larger.has(path) ? 256 : 64) * 1024 + 1),
          }),
          413,
          'ERR_MESSAGE_TOO_LARGE',
        );
      },
    );
  });

  // ----- findings ------------------------------------------------------------------------------

  describe('GET /api/v1/companies/{companyId}/findings', () => {
    it('answers the regulator only', async () => {
      const { company, pseudonym } = await relationship();
      const path = `/api/v1/companies/${company.id}/findings`;
      expect(
        await expectJson(await get(companyFindingsRoute.GET, path, api.clock, regulator), 200),
      ).toEqual({ company: company.id, findings: [] });
      for (const caller of [company, pseudonym]) {
        await expectProblem(
          await get(companyFindingsRoute.GET, path, api.clock, caller),
          403,
          'ERR_NOT_AUTHORISED',
        );
      }
      await expectProblem(
        await get(companyFindingsRoute.GET, path, api.clock),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(
          companyFindingsRoute.GET,
          `/api/v1/companies/co_${pseudonym.kid}/findings`,
          api.clock,
          regulator,
        ),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
    });
  });

  // ----- protocol/client -----------------------------------------------------------------------

  describe('protocol/client', () => {
    it('drives every obligation and oversight route', async () => {
      const client = createClient({
        baseUrl: testOrigin,
        fetch: routedFetch,
        now: api.clock.now,
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
      });
      const { company, pseudonym, grantSha256 } = await relationship();
      const request = await client.submitDataRequest(
        await sign(
          'data-request',
          { ...claims(api.clock, pseudonym.id, company.id), type: 'access' },
          pseudonym.keyPair,
        ),
      );
      expect(request.deadline).toBe(oneMonthAfter(api.clock.now()));
      const listed = await client.companyDataRequests(company);
      expect(listed.dataRequests.map((r) => r.sha256)).toEqual([request.sha256]);
      const disclosure = await client.submitDisclosure(
        await sign(
          'disclosure',
          disclosurePayload(company, pseudonym.id, { dataRequestSha256: request.sha256 }),
          company.keyPair,
        ),
      );
      const answer = await client.answerDataRequest(
        await sign(
          'data-request-answer',
          {
            ...claims(api.clock, company.id, pseudonym.id),
            requestSha256: request.sha256,
            outcome: 'disclosure',
            disclosureSha256: disclosure.sha256,
          },
          company.keyPair,
        ),
      );
      expect(answer.onTime).toBe(true);
      const access = await client.reportAccess(
        await sign(
          'access',
          {
            ...claims(api.clock, company.id, testOrigin),
            entries: [
              {
                grantSha256,
                purpose: 'product_launch',
                dataCategories: ['health'],
                at: api.clock.seconds(),
              },
            ],
          },
          company.keyPair,
        ),
      );
      expect(access).toMatchObject({ accepted: 0, outOfScope: 1 });
      const complaint = await client.submitComplaint(
        await sign(
          'complaint',
          {
            ...claims(api.clock, pseudonym.id, testOrigin),
            company: company.id,
            evidence: [
              { kind: 'offer', jws: await offerEvidence(company, pseudonym.id, grantSha256) },
            ],
            reasons: ['misleading'],
          },
          pseudonym.keyPair,
        ),
      );
      const listedComplaints = await client.listComplaints(regulator, { company: company.id });
      expect(listedComplaints.complaints.map((c) => c.sha256)).toEqual([complaint.sha256]);
      await client.decideComplaint(
        await sign(
          'complaint-decision',
          {
            ...claims(api.clock, regulator.id, testOrigin),
            complaintSha256: complaint.sha256,
            decision: 'upheld',
            reason: { de: 'Irreführend.', en: 'Misleading.' },
          },
          regulator.keyPair,
        ),
      );
      expect((await client.getComplaint(pseudonym, complaint.sha256)).decision).toMatchObject({
        decision: 'upheld',
      });
      const findings = await client.regulatorFindings(regulator, company.id);
      expect(findings.findings.map((f) => f.type).sort()).toEqual([
        'access-out-of-scope',
        'complaint-upheld',
      ]);
      const blacklisted = await client.submitBlacklist(
        await sign(
          'blacklist',
          {
            ...claims(api.clock, pseudonym.id, testOrigin),
            company: company.id,
            action: 'add',
            reason: 'misleading',
          },
          pseudonym.keyPair,
        ),
      );
      expect(blacklisted.counted).toBe(true);
      expect(await client.companyBoycott(company.id)).toMatchObject({ total: 1 });
      const suspended = await client.suspendCompany(
        await sign(
          'suspension',
          {
            ...claims(api.clock, regulator.id, testOrigin),
            company: company.id,
            action: 'suspend',
            reason: { de: 'Irreführende Werbung.', en: 'Misleading advertising.' },
            complaints: [complaint.sha256],
          },
          regulator.keyPair,
        ),
      );
      expect(suspended.company.status).toBe('suspended');
      await expect(client.listComplaints(company)).rejects.toMatchObject({
        code: 'ERR_NOT_AUTHORISED',
      });
    });
  });
});
