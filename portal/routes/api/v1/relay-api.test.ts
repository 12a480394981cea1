/**
 * The sealed relay of issue 5 through its route handlers, on SQLite and PostgreSQL: offers,
 * rewards, the inbox and its acknowledgements, corrections; every rejection by problem code, who
 * may call each route, the contact cap over a rolling 7 × 24 hours on the injected clock, the
 * 30-day expiry, and refused offers as findings, feed events and a trust figure.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { importPublicJwk, publicJwk } from '$protocol/keys';
import type { Payload, Scope } from '$protocol/messages';
import { openSealed, openSealedSigned, sealSigned, sealTo } from '$protocol/seal';
import { openMessage } from '$protocol/signed';
import {
  beforeItsWrite,
  claims,
  compromisedWhile,
  companyMessage,
  expectJson,
  expectProblem,
  get,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestSignature,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestClock,
  type TestCompany,
  type TestPseudonym,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import {
  contactWindowMs,
  inboxRetentionMs,
  maxWaitingCorrections,
  maxWaitingRewards,
  relayFindings,
} from '$lib/server/relay';
import { serverEd25519Verify } from '$lib/server/ed25519';
import { createWebhookWorker, webhookSigner, type WebhookDelivery } from '$lib/server/webhooks';
import { generateKeyPair } from '$protocol/keys';
import * as companiesRoute from './companies/+server';
import * as companyRoute from './companies/[companyId]/+server';
import * as correctionsListRoute from './companies/me/corrections/+server';
import * as correctionRoute from './companies/me/corrections/[id]/+server';
import * as eventsRoute from './companies/me/events/+server';
import * as findingsRoute from './companies/me/findings/+server';
import * as keysRoute from './companies/me/keys/+server';
import * as complaintsRoute from './complaints/+server';
import * as correctionsRoute from './corrections/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as offersRoute from './offers/+server';
import * as inboxRoute from './pseudonyms/[pseudonym]/inbox/+server';
import * as inboxItemRoute from './pseudonyms/[pseudonym]/inbox/[id]/+server';
import * as revocationsRoute from './revocations/+server';
import * as rewardsRoute from './rewards/+server';

interface Queued {
  id: string;
  status: string;
  expiresAt?: number;
}
interface InboxPage {
  items: {
    id: string;
    cursor: string;
    kind: string;
    jws: string;
    receivedAt: number;
    expiresAt: number;
  }[];
  next: string;
}
interface CorrectionsPage {
  corrections: { id: string; cursor: string; pseudonym: string; jws: string; receivedAt: number }[];
  next: string;
}

const day = 86_400;

/** A `+server.ts` handler, called with the event fields our routes read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (event: any) => Response | Promise<Response>;

/** The rule a refusal names (`detail_data.rule` of the problem). */
function ruleOf(problem: Record<string, unknown>): unknown {
  return (problem.detail_data as { rule?: unknown } | undefined)?.rule;
}
type Signer = { id: string; keyPair: TestCompany['keyPair'] };

/** DELETE with a request signature (the kit's `get` covers GET only). */
async function del(
  handler: Handler,
  path: string,
  clock: TestClock,
  params: Record<string, string>,
  signer?: Signer,
): Promise<Response> {
  const url = new URL(testOrigin + path);
  const headers: Record<string, string> = {};
  if (signer !== undefined) {
    headers.authorization = `Signature ${await requestSignature(clock, signer, 'DELETE', path)}`;
  }
  return handler({ request: new Request(url, { method: 'DELETE', headers }), url, params });
}

/** GET with explicit params (for routes the kit's param parser does not know). */
async function getWith(
  handler: Handler,
  path: string,
  clock: TestClock,
  params: Record<string, string>,
  signer?: Signer,
): Promise<Response> {
  const url = new URL(testOrigin + path);
  const headers: Record<string, string> = {};
  if (signer !== undefined) {
    headers.authorization = `Signature ${await requestSignature(clock, signer, 'GET', path)}`;
  }
  return handler({ request: new Request(url, { method: 'GET', headers }), url, params });
}

describe.each(testDialects)('sealed relay API on %s', (dialect) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  // ----- helpers -------------------------------------------------------------------------------

  /** A scope without time windows (most tests), capped at two contacts a week. */
  function plainScope(): Scope {
    const scope = requestedScope(api.clock);
    const { timeWindows: _windows, ...conditions } = scope.conditions;
    return { ...scope, conditions: { ...conditions, maxContactsPerWeek: 2 } };
  }

  async function register(
    company: TestCompany = newCompany(),
    extra: Partial<Payload<'company'>> = {},
  ): Promise<TestCompany> {
    api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign('company', companyMessage(api.clock, company, extra), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  /** A company, a pseudonym with one grant of `scope` on the newsletter channel. */
  async function relationship(
    scope: Scope = plainScope(),
    company?: TestCompany,
    options: { grantIat?: number; pseudonym?: TestPseudonym; alsoFor?: Scope } = {},
  ): Promise<{ company: TestCompany; pseudonym: TestPseudonym; grantSha256: string }> {
    const scopes = options.alsoFor === undefined ? [scope] : [scope, options.alsoFor];
    const co = company ?? (await register());
    const requestToken = await sign(
      'grant-request',
      {
        ...claims(api.clock, co.id, testOrigin),
        scopes,
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      co.keyPair,
    );
    const request = await expectJson<{ sha256: string }>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', requestToken),
      201,
    );
    const pseudonym = options.pseudonym ?? newPseudonym(co.id);
    const grantToken = await sign(
      'grant',
      {
        ...claims(api.clock, pseudonym.id, co.id),
        ...(options.grantIat === undefined ? {} : { iat: options.grantIat }),
        requestSha256: request.sha256,
        scopes: scopes.map((s) => ({ ...s, channels: ['newsletter'] })),
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * day,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    const grant = await expectJson<{ sha256: string }>(
      await post(grantsRoute.POST, '/api/v1/grants', grantToken),
      201,
    );
    return { company: co, pseudonym, grantSha256: grant.sha256 };
  }

  /** An offer: outer JWS around the sealed, signed `offer-content` (SPECS "JWS"). */
  async function offerToken(
    company: TestCompany,
    pseudonym: TestPseudonym,
    grantSha256: string,
    extra: Partial<Payload<'offer'>> = {},
    title = 'Neue Laufschuhe',
  ): Promise<string> {
    const validUntil = extra.validUntil ?? api.clock.seconds() + 14 * day;
    const purpose = extra.purpose ?? 'product_launch';
    const channel = extra.channel ?? 'newsletter';
    const { sealed } = await sealSigned(pseudonym.keyPair.publicKey, {
      kind: 'offer-content',
      keyPair: company.keyPair,
      payload: {
        ...claims(api.clock, company.id, pseudonym.id),
        exp: validUntil,
        grantSha256,
        purpose,
        channel,
        brand: 'Beispiel Sport',
        category: 'sports/running',
        title,
        body: 'Jetzt im Laden.',
        validUntil,
        advertisement: true,
        unsubscribe: 'https://sport.example/unsubscribe',
      },
    });
    return sign(
      'offer',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        exp: Math.min(validUntil, api.clock.seconds() + 300),
        grantSha256,
        purpose,
        channel,
        validUntil,
        sealed: base64urlEncode(sealed),
        ...extra,
      } as Payload<'offer'>,
      company.keyPair,
    );
  }

  function sendOffer(token: string): Promise<Response> {
    return post(offersRoute.POST, '/api/v1/offers', token);
  }

  /** A reward of `company` for `pseudonym` under `grantSha256`, posted. */
  async function sendReward(
    company: TestCompany,
    pseudonym: TestPseudonym,
    grantSha256: string,
  ): Promise<Response> {
    return post(
      rewardsRoute.POST,
      '/api/v1/rewards',
      await rewardToken(company, pseudonym, grantSha256),
    );
  }

  async function rewardToken(
    company: TestCompany,
    pseudonym: TestPseudonym,
    grantSha256: string,
  ): Promise<string> {
    const content = JSON.stringify({
      type: 'points',
      amount: 100,
      description: { de: '100 Punkte', en: '100 points' },
    });
    return sign(
      'reward',
      {
        ...claims(api.clock, company.id, pseudonym.id),
        grantSha256,
        sealed: base64urlEncode(sealTo(pseudonym.keyPair.publicKey, content)),
      },
      company.keyPair,
    );
  }

  async function correctionToken(
    pseudonym: TestPseudonym,
    company: TestCompany,
    value = 'Heidestraße 18, 51147 Köln',
    signer: TestPseudonym = pseudonym,
  ): Promise<string> {
    const content = JSON.stringify({ dataCategory: 'address', value });
    return sign(
      'correction',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        dataCategory: 'address',
        sealed: base64urlEncode(sealTo(company.keyPair.publicKey, content)),
      },
      signer.keyPair,
    );
  }

  function inboxPath(pseudonym: TestPseudonym, query = ''): string {
    return `/api/v1/pseudonyms/${pseudonym.id}/inbox${query}`;
  }

  async function inbox(pseudonym: TestPseudonym, query = ''): Promise<InboxPage> {
    return expectJson<InboxPage>(
      await get(inboxRoute.GET, inboxPath(pseudonym, query), api.clock, pseudonym),
      200,
    );
  }

  /** Acknowledges everything in `pseudonym`'s inbox (the offers' JWS go, their contacts stay). */
  async function acknowledgeAll(pseudonym: TestPseudonym): Promise<void> {
    const page = await inbox(pseudonym);
    await expectJson(
      await del(
        inboxRoute.DELETE,
        inboxPath(pseudonym, `?through=${page.next}`),
        api.clock,
        { pseudonym: pseudonym.id },
        pseudonym,
      ),
      200,
    );
  }

  async function refusalCount(companyId: string): Promise<number> {
    const body = await expectJson<{ trust: { refusedRelayAttempts: number } }>(
      await get(companyRoute.GET, `/api/v1/companies/${companyId}`, api.clock),
      200,
    );
    return body.trust.refusedRelayAttempts;
  }

  async function feedKinds(company: TestCompany): Promise<string[]> {
    const body = await expectJson<{ events: { kind: string }[] }>(
      await get(eventsRoute.GET, '/api/v1/companies/me/events?limit=500', api.clock, company),
      200,
    );
    return body.events.map((e) => e.kind);
  }

  /** Posts a `company-key` message of `company`, signed with `keyPair`, dated `iat`. */
  function keyChangeOf(company: TestCompany) {
    return async (
      body: Partial<Payload<'company-key'>>,
      keyPair: TestCompany['keyPair'],
      iat = api.clock.seconds(),
    ) =>
      post(
        keysRoute.POST,
        '/api/v1/companies/me/keys',
        await sign(
          'company-key',
          {
            ...claims(api.clock, company.id, testOrigin),
            iat,
            exp: iat + 600,
            ...body,
          } as Payload<'company-key'>,
          keyPair,
        ),
      );
  }

  async function setStatus(companyId: string, status: 'active' | 'suspended'): Promise<void> {
    await api.tdb.cdb.db
      .updateTable('companies')
      .set({ status })
      .where('id', '=', companyId)
      .execute();
  }

  // ----- offers --------------------------------------------------------------------------------

  describe('POST /api/v1/offers', () => {
    it('queues a covered offer that the pseudonym fetches and opens, and answers a resend alike', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const token = await offerToken(company, pseudonym, grantSha256, {}, 'Herbstkollektion');
      const queued = await expectJson<Queued>(await sendOffer(token), 201);
      expect(queued.status).toBe('queued');
      expect(queued.expiresAt).toBe((api.clock.seconds() + 14 * day) * 1000);
      expect(await expectJson<Queued>(await sendOffer(token), 200)).toEqual(queued);

      const page = await inbox(pseudonym);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ id: queued.id, kind: 'offer', jws: token });
      expect(page.next).toBe(page.items[0]!.cursor);
      const outer = await openMessage('offer', page.items[0]!.jws, {
        verifySignature: serverEd25519Verify,
        resolveKey: (kid) =>
          kid === company.kid ? importPublicJwk(publicJwk(company.keyPair)) : undefined,
        audience: pseudonym.id,
        now: api.clock.seconds(),
      });
      const inner = await openSealedSigned(
        base64urlDecode(outer.payload.sealed),
        pseudonym.keyPair,
        {
          kind: 'offer-content',
          // The inner message's transport window runs to its validUntil (SPECS "JWS").
          maxWindowSeconds: 90 * day,
          verifySignature: serverEd25519Verify,
          resolveKey: (kid) =>
            kid === company.kid ? importPublicJwk(publicJwk(company.keyPair)) : undefined,
          audience: pseudonym.id,
          now: api.clock.seconds(),
        },
      );
      expect(inner.payload.title).toBe('Herbstkollektion');
    });

    it('expires an offer at its validUntil when that comes before 30 days', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const validUntil = api.clock.seconds() + 2 * day;
      const queued = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256, { validUntil })),
        201,
      );
      expect(queued.expiresAt).toBe(validUntil * 1000);
      const far = await expectJson<Queued>(
        await sendOffer(
          await offerToken(company, pseudonym, grantSha256, {
            validUntil: api.clock.seconds() + 80 * day,
          }),
        ),
        201,
      );
      expect(far.expiresAt).toBe(api.clock.ms + inboxRetentionMs);
    });

    it.each([
      ['a channel the grant does not name', { channel: 'sms' }, 'channel'],
      ['a purpose the grant does not name', { purpose: 'win_back' }, 'purpose'],
    ] as const)('refuses an offer on %s, and records it', async (_name, extra, rule) => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const token = await offerToken(company, pseudonym, grantSha256, extra);
      const problem = await expectProblem(await sendOffer(token), 403, 'ERR_OFFER_NOT_COVERED');
      expect(ruleOf(problem)).toBe(rule);
      expect(await refusalCount(company.id)).toBe(1);
      expect((await inbox(pseudonym)).items).toEqual([]);
    });

    it('refuses an offer naming a grant of another pseudonym, records it once, and reports it everywhere', async () => {
      const { company, pseudonym } = await relationship();
      const other = await relationship(plainScope(), company);
      const token = await offerToken(company, pseudonym, other.grantSha256);
      const problem = await expectProblem(await sendOffer(token), 403, 'ERR_OFFER_NOT_COVERED');
      expect(ruleOf(problem)).toBe('grant_unknown');
      // A resend is refused again, and not counted twice.
      await expectProblem(await sendOffer(token), 403, 'ERR_OFFER_NOT_COVERED');
      expect(await refusalCount(company.id)).toBe(1);

      const findings = await relayFindings(api.tdb.cdb.db, company.id);
      expect(findings).toEqual([
        expect.objectContaining({
          type: 'relay-refused',
          pseudonym: pseudonym.id,
          grantSha256: other.grantSha256,
          rule: 'grant_unknown',
          refusedAt: api.clock.ms,
        }),
      ]);
      const listed = await expectJson<{ findings: { type: string; rule?: string }[] }>(
        await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
        200,
      );
      expect(listed.findings).toContainEqual(
        expect.objectContaining({ type: 'relay-refused', rule: 'grant_unknown' }),
      );
      expect(await feedKinds(company)).toContain('offer-refused');
    });

    it("takes a customer's clock ahead of ours as now: a revocation in force at once, a grant valid at once", async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          iat: api.clock.seconds() + 55,
          grants: 'all',
        },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      const revoked = await expectProblem(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        403,
        'ERR_OFFER_NOT_COVERED',
      );
      expect(ruleOf(revoked)).toBe('revoked');

      const ahead = await relationship(plainScope(), undefined, {
        grantIat: api.clock.seconds() + 30,
      });
      await expectJson(
        await sendOffer(await offerToken(ahead.company, ahead.pseudonym, ahead.grantSha256)),
        201,
      );
      expect(await refusalCount(ahead.company.id)).toBe(0);

      // A purpose revoked while the grant's own time is still ahead of ours is revoked at once
      // too (it was dated at the grant's start, which lay ahead of the offer: covered).
      const early = await relationship(plainScope(), undefined, {
        grantIat: api.clock.seconds() + 30,
        alsoFor: { ...plainScope(), purpose: 'personalised_advertising' },
      });
      const partly = await sign(
        'revocation',
        {
          ...claims(api.clock, early.pseudonym.id, early.company.id),
          iat: api.clock.seconds() + 30,
          grants: [{ grantSha256: early.grantSha256, purposes: ['personalised_advertising'] }],
        },
        early.pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', partly), 201);
      const partlyRevoked = await expectProblem(
        await sendOffer(
          await offerToken(early.company, early.pseudonym, early.grantSha256, {
            purpose: 'personalised_advertising',
          }),
        ),
        403,
        'ERR_OFFER_NOT_COVERED',
      );
      expect(ruleOf(partlyRevoked)).toBe('revoked');
      await expectJson(
        await sendOffer(await offerToken(early.company, early.pseudonym, early.grantSha256)),
        201,
      );
    });

    it('refuses a revoked grant whose revocation committed while the offer was on its way to be stored', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: [{ grantSha256 }] },
        pseudonym.keyPair,
      );
      // The offer's checks before its transaction find the grant in force; the revocation then
      // commits before the offer's own write.
      const token = await offerToken(company, pseudonym, grantSha256);
      const response = await beforeItsWrite(
        api,
        async () =>
          expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201),
        () => sendOffer(token),
      );
      const refused = await expectProblem(response, 403, 'ERR_OFFER_NOT_COVERED');
      expect(ruleOf(refused)).toBe('revoked');
      expect(await inbox(pseudonym)).toEqual({ items: [], next: '0' });
    });

    it.each([
      ['naming the grant', 'named'],
      ['of all grants', 'all'],
    ] as const)(
      'refuses a grant revoked by a revocation %s stored a second after the offer was checked',
      async (_label, which) => {
        const { company, pseudonym, grantSha256 } = await relationship();
        const token = await offerToken(company, pseudonym, grantSha256);
        const response = await beforeItsWrite(
          api,
          async () => {
            // Failed before: signed and stored in this later second, the revocation was judged
            // against the offer's own earlier second and so was not yet in force.
            api.clock.advance(1);
            const revocation = await sign(
              'revocation',
              {
                ...claims(api.clock, pseudonym.id, company.id),
                grants: which === 'all' ? 'all' : [{ grantSha256 }],
              },
              pseudonym.keyPair,
            );
            await expectJson(
              await post(revocationsRoute.POST, '/api/v1/revocations', revocation),
              201,
            );
          },
          () => sendOffer(token),
        );
        const refused = await expectProblem(response, 403, 'ERR_OFFER_NOT_COVERED');
        expect(ruleOf(refused)).toBe('revoked');
        expect(await inbox(pseudonym)).toEqual({ items: [], next: '0' });
      },
    );

    it('accepts, counting nothing against it, the offer of a company reinstated before it was stored', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const companies = () => api.tdb.cdb.db.updateTable('companies').where('id', '=', company.id);
      await companies().set({ status: 'suspended' }).execute();
      const token = await offerToken(company, pseudonym, grantSha256);
      const response = await beforeItsWrite(
        api,
        () => companies().set({ status: 'active' }).execute(),
        () => sendOffer(token),
      );
      // Failed before: refused as company_not_active, a refusal counted against it.
      await expectJson(response, 201);
      expect(await refusalCount(company.id)).toBe(0);
      expect((await inbox(pseudonym)).items).toHaveLength(1);
    });

    it('no longer delivers an offer queued before its grant was revoked; a reward still waits', async () => {
      const { company, pseudonym, grantSha256 } = await relationship(plainScope(), undefined, {
        alsoFor: { ...plainScope(), purpose: 'personalised_advertising' },
      });
      // Revoked for its purpose only, later: withdrawn then (failed before: served all along).
      const other = await expectJson<Queued>(
        await sendOffer(
          await offerToken(company, pseudonym, grantSha256, {
            purpose: 'personalised_advertising',
          }),
        ),
        201,
      );
      const partly = await sign(
        'revocation',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          grants: [{ grantSha256, purposes: ['personalised_advertising'] }],
        },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', partly), 201);
      expect((await inbox(pseudonym)).items.map((item) => item.id)).not.toContain(other.id);
      const offer = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        201,
      );
      const reward = await expectJson<Queued>(
        await sendReward(company, pseudonym, grantSha256),
        201,
      );
      api.clock.advance(1);
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: [{ grantSha256 }] },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      // Failed before: the offer was still served after the revocation.
      expect((await inbox(pseudonym)).items.map((item) => item.id)).toEqual([reward.id]);
      const stored = await api.tdb.cdb.db
        .selectFrom('messages')
        .select('sha256')
        .where('sha256', '=', offer.id)
        .execute();
      expect(stored).toEqual([]);
      // Its contact still counts (the company sent it while it was allowed).
      const contacts = await api.tdb.cdb.db
        .selectFrom('relay_contacts')
        .select('offer_sha256')
        .where('offer_sha256', '=', offer.id)
        .execute();
      expect(contacts).toHaveLength(1);
    });

    it('refuses as malformed an offer whose validUntil has already passed, counting nothing', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      // Signed 40 s ago, valid until 30 s ago: its `exp` is still within the clock skew.
      const past = api.clock.seconds() - 30;
      api.clock.ms -= 40_000;
      const token = await offerToken(company, pseudonym, grantSha256, { validUntil: past });
      api.clock.ms += 40_000;
      await expectProblem(await sendOffer(token), 400, 'ERR_MESSAGE_INVALID');
      expect(await refusalCount(company.id)).toBe(0);
      await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
    });

    it('refuses an offer after the grant was revoked, and after it ended', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      const revoked = await expectProblem(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        403,
        'ERR_OFFER_NOT_COVERED',
      );
      expect(ruleOf(revoked)).toBe('revoked');

      const ended = await relationship();
      api.clock.advance(366 * day);
      try {
        const problem = await expectProblem(
          await sendOffer(
            await offerToken(ended.company, ended.pseudonym, ended.grantSha256, {
              validUntil: api.clock.seconds() + day,
            }),
          ),
          403,
          'ERR_OFFER_NOT_COVERED',
        );
        expect(ruleOf(problem)).toBe('expired');
      } finally {
        api.clock.advance(-366 * day);
      }
    });

    it('refuses an offer outside the time windows and accepts it inside them', async () => {
      // Mondays to Fridays 18:00–21:00 Europe/Berlin; the clock starts Thursday 01:00 there.
      const scope = requestedScope(api.clock);
      const { company, pseudonym, grantSha256 } = await relationship(scope);
      const outside = await expectProblem(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        403,
        'ERR_OFFER_NOT_COVERED',
      );
      expect(ruleOf(outside)).toBe('time_window');
      api.clock.advance(17 * 3600);
      try {
        await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
      } finally {
        api.clock.advance(-17 * 3600);
      }
    });

    it('counts the contact cap per company: offers under another grant of the same pseudonym count too', async () => {
      const { company, pseudonym, grantSha256: first } = await relationship();
      // A second request of the company, and the same pseudonym's grant of it.
      const { grantSha256: second } = await relationship(plainScope(), company, { pseudonym });
      // Each grant caps at two a week; the company has two contacts after one offer under each.
      await expectJson(await sendOffer(await offerToken(company, pseudonym, first)), 201);
      await expectJson(await sendOffer(await offerToken(company, pseudonym, second)), 201);
      for (const grantSha256 of [second, first]) {
        const capped = await expectProblem(
          await sendOffer(await offerToken(company, pseudonym, grantSha256)),
          403,
          'ERR_CONTACT_CAP_EXCEEDED',
        );
        expect(ruleOf(capped)).toBe('contact_cap');
      }
    });

    it('counts the contact cap over a rolling 7 × 24 hours, also after the offers were acknowledged', async () => {
      const start = api.clock.ms;
      const { company, pseudonym, grantSha256 } = await relationship();
      try {
        await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
        api.clock.advance(3600);
        await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
        const capped = await expectProblem(
          await sendOffer(await offerToken(company, pseudonym, grantSha256)),
          403,
          'ERR_CONTACT_CAP_EXCEEDED',
        );
        expect(ruleOf(capped)).toBe('contact_cap');

        // Delivered offers are deleted; their counts are not.
        await acknowledgeAll(pseudonym);
        // One second before the first offer leaves the window: still capped.
        api.clock.ms = start + contactWindowMs - 1000;
        await expectProblem(
          await sendOffer(await offerToken(company, pseudonym, grantSha256)),
          403,
          'ERR_CONTACT_CAP_EXCEEDED',
        );
        api.clock.ms = start + contactWindowMs;
        await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
        await expectProblem(
          await sendOffer(await offerToken(company, pseudonym, grantSha256)),
          403,
          'ERR_CONTACT_CAP_EXCEEDED',
        );
        expect(await refusalCount(company.id)).toBe(3);
      } finally {
        api.clock.ms = start;
      }
    });

    it('refuses and records an offer of a suspended company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      await setStatus(company.id, 'suspended');
      try {
        const problem = await expectProblem(
          await sendOffer(await offerToken(company, pseudonym, grantSha256)),
          403,
          'ERR_COMPANY_NOT_ACTIVE',
        );
        expect(ruleOf(problem)).toBe('company_not_active');
        // Says why, as a grant request or a reward of the same company does.
        expect(problem.detail_data).toEqual({ rule: 'company_not_active', status: 'suspended' });
        expect(problem.detail).toMatch(/suspended by a regulator/);
        expect(await refusalCount(company.id)).toBe(1);
      } finally {
        await setStatus(company.id, 'active');
      }
    });

    it('refuses unknown and foreign pseudonyms, forged signatures and replays without recording anything', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const stranger = newPseudonym(company.id);
      await expectProblem(
        await sendOffer(await offerToken(company, stranger, grantSha256)),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      const foreign = await relationship();
      await expectProblem(
        await sendOffer(await offerToken(company, foreign.pseudonym, grantSha256)),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      const impostor = { ...newCompany(), id: company.id };
      await expectProblem(
        await sendOffer(await offerToken(impostor, pseudonym, grantSha256, { channel: 'sms' })),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      const first = await offerToken(company, pseudonym, grantSha256);
      await expectJson(await sendOffer(first), 201);
      const jti = (
        JSON.parse(new TextDecoder().decode(base64urlDecode(first.split('.')[1]!))) as {
          jti: string;
        }
      ).jti;
      await expectProblem(
        await sendOffer(await offerToken(company, pseudonym, grantSha256, { jti })),
        409,
        'ERR_JWS_REPLAYED',
      );
      expect(await refusalCount(company.id)).toBe(0);
      expect(await relayFindings(api.tdb.cdb.db, company.id)).toEqual([]);
    });

    it('refuses bodies over 256 KiB before reading them, and other content types', async () => {
      const huge = 'a'.repeat(256 * 1024 + 1);
      await expectProblem(
        await post(offersRoute.POST, '/api/v1/offers', huge, {
          'content-type': 'application/jose',
          'content-length': String(huge.length),
        }),
        413,
        'ERR_MESSAGE_TOO_LARGE',
      );
      await expectProblem(
        await post(offersRoute.POST, '/api/v1/offers', '{}', {
          'content-type': 'application/json',
        }),
        415,
        'ERR_CONTENT_TYPE_UNSUPPORTED',
      );
    });
  });

  // ----- rewards -------------------------------------------------------------------------------

  describe('POST /api/v1/rewards', () => {
    it('queues a reward, also after the grant was revoked, for 30 days', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      const token = await rewardToken(company, pseudonym, grantSha256);
      const queued = await expectJson<Queued>(
        await post(rewardsRoute.POST, '/api/v1/rewards', token),
        201,
      );
      expect(queued).toEqual({
        id: expect.any(String),
        status: 'queued',
        expiresAt: api.clock.ms + inboxRetentionMs,
      });
      const [item] = (await inbox(pseudonym)).items;
      expect(item).toMatchObject({ id: queued.id, kind: 'reward', jws: token });
      const opened = await openMessage('reward', item!.jws, {
        verifySignature: serverEd25519Verify,
        resolveKey: (kid) =>
          kid === company.kid ? importPublicJwk(publicJwk(company.keyPair)) : undefined,
        audience: pseudonym.id,
        now: api.clock.seconds(),
      });
      const content = JSON.parse(
        new TextDecoder().decode(
          openSealed(base64urlDecode(opened.payload.sealed), pseudonym.keyPair),
        ),
      ) as { amount: number };
      expect(content.amount).toBe(100);
    });

    it('accepts a reward up to 90 days after its grant was revoked or ended, and refuses it later', async () => {
      const start = api.clock.ms;
      const { company, pseudonym, grantSha256 } = await relationship();
      const ended = await relationship();
      const revocation = await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      );
      await expectJson(await post(revocationsRoute.POST, '/api/v1/revocations', revocation), 201);
      try {
        api.clock.advance(89 * day);
        await expectJson(await sendReward(company, pseudonym, grantSha256), 201);
        api.clock.advance(2 * day);
        const late = await expectProblem(
          await sendReward(company, pseudonym, grantSha256),
          403,
          'ERR_GRANT_NOT_COVERED',
        );
        expect(ruleOf(late)).toBe('reward_grace');
        // The other grant lasts a year (plainScope): rewards until 90 days after that.
        api.clock.advance((365 - 91 + 89) * day);
        await expectJson(await sendReward(ended.company, ended.pseudonym, ended.grantSha256), 201);
        api.clock.advance(2 * day);
        await expectProblem(
          await sendReward(ended.company, ended.pseudonym, ended.grantSha256),
          403,
          'ERR_GRANT_NOT_COVERED',
        );
      } finally {
        api.clock.ms = start;
      }
    });

    it('refuses more than 100 undelivered rewards of one company in an inbox until one is fetched', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const queued: string[] = [];
      for (let i = 0; i < maxWaitingRewards; i++) {
        const receipt = await expectJson<Queued>(
          await sendReward(company, pseudonym, grantSha256),
          201,
        );
        queued.push(receipt.id);
      }
      const full = await expectProblem(
        await sendReward(company, pseudonym, grantSha256),
        429,
        'ERR_INBOX_FULL',
      );
      expect((full as { detail_data?: unknown }).detail_data).toEqual({ limit: maxWaitingRewards });
      // Refused before it reaches the writer: a refusal only inside the transaction rolled back
      // the batch it shared with others, which the writer then redid one message at a time.
      const fallbacks = api.writer.stats.fallbacks;
      const other = await relationship();
      const together = await Promise.all([
        sendReward(company, pseudonym, grantSha256),
        ...(
          await Promise.all(
            // Two: the grant's cap is two contacts a week.
            [0, 1].map(() => offerToken(other.company, other.pseudonym, other.grantSha256)),
          )
        ).map((token) => sendOffer(token)),
      ]);
      expect(together.map((r) => r.status)).toEqual([429, 201, 201]);
      expect(api.writer.stats.fallbacks).toBe(fallbacks);
      const count = async () =>
        Number(
          (
            await api.tdb.cdb.db
              .selectFrom('relay_items')
              .select((eb) => eb.fn.countAll<number | string>().as('n'))
              .where('pseudonym', '=', pseudonym.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      expect(await count()).toBe(maxWaitingRewards);
      const ack = await del(
        inboxItemRoute.DELETE,
        `${inboxPath(pseudonym)}/${queued[0]}`,
        api.clock,
        { pseudonym: pseudonym.id, id: queued[0]! },
        pseudonym,
      );
      expect(await expectJson(ack, 200)).toEqual({ deleted: 1 });
      await expectJson(await sendReward(company, pseudonym, grantSha256), 201);
      expect(await count()).toBe(maxWaitingRewards);
    });

    it('refuses a reward naming a grant of another pseudonym, and from a suspended company', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship(plainScope(), company);
      await expectProblem(
        await sendReward(company, pseudonym, other.grantSha256),
        422,
        'ERR_GRANT_UNKNOWN',
      );
      await setStatus(company.id, 'suspended');
      try {
        const problem = await expectProblem(
          await sendReward(company, pseudonym, grantSha256),
          403,
          'ERR_COMPANY_NOT_ACTIVE',
        );
        expect(problem.detail_data).toEqual({ status: 'suspended' });
        expect(problem.detail).toMatch(/suspended by a regulator/);
      } finally {
        await setStatus(company.id, 'active');
      }
      expect((await inbox(pseudonym)).items).toEqual([]);
    });
  });

  // ----- the inbox -----------------------------------------------------------------------------

  describe('GET/DELETE /api/v1/pseudonyms/{pseudonym}/inbox', () => {
    it('pages offers and rewards in order and acknowledges one item or everything through a cursor', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const a = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        201,
      );
      const b = await expectJson<Queued>(await sendReward(company, pseudonym, grantSha256), 201);
      const c = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        201,
      );
      const first = await inbox(pseudonym, '?limit=2');
      expect(first.items.map((i) => [i.id, i.kind])).toEqual([
        [a.id, 'offer'],
        [b.id, 'reward'],
      ]);
      const second = await inbox(pseudonym, `?after=${first.next}&limit=2`);
      expect(second.items.map((i) => i.id)).toEqual([c.id]);

      const one = await del(
        inboxItemRoute.DELETE,
        `${inboxPath(pseudonym)}/${b.id}`,
        api.clock,
        { pseudonym: pseudonym.id, id: b.id },
        pseudonym,
      );
      expect(await expectJson(one, 200)).toEqual({ deleted: 1 });
      const again = await del(
        inboxItemRoute.DELETE,
        `${inboxPath(pseudonym)}/${b.id}`,
        api.clock,
        { pseudonym: pseudonym.id, id: b.id },
        pseudonym,
      );
      expect(await expectJson(again, 200)).toEqual({ deleted: 0 });
      // Acknowledged means gone, the relayed JWS included.
      const stored = await api.tdb.cdb.db
        .selectFrom('messages')
        .select('sha256')
        .where('sha256', '=', b.id)
        .execute();
      expect(stored).toEqual([]);

      const through = await del(
        inboxRoute.DELETE,
        inboxPath(pseudonym, `?through=${first.next}`),
        api.clock,
        { pseudonym: pseudonym.id },
        pseudonym,
      );
      expect(await expectJson(through, 200)).toEqual({ deleted: 1 });
      expect((await inbox(pseudonym)).items.map((i) => i.id)).toEqual([c.id]);
    });

    it('never serves an expired item and purges it', async () => {
      const start = api.clock.ms;
      const { company, pseudonym, grantSha256 } = await relationship();
      const short = await expectJson<Queued>(
        await sendOffer(
          await offerToken(company, pseudonym, grantSha256, {
            validUntil: api.clock.seconds() + day,
          }),
        ),
        201,
      );
      const reward = await expectJson<Queued>(
        await sendReward(company, pseudonym, grantSha256),
        201,
      );
      try {
        api.clock.ms = start + day * 1000;
        expect((await inbox(pseudonym)).items.map((i) => i.id)).toEqual([reward.id]);
        api.clock.ms = start + inboxRetentionMs - 1000;
        expect((await inbox(pseudonym)).items.map((i) => i.id)).toEqual([reward.id]);
        api.clock.ms = start + inboxRetentionMs;
        expect((await inbox(pseudonym)).items).toEqual([]);
        const left = await api.tdb.cdb.db
          .selectFrom('relay_items')
          .select('id')
          .where('id', 'in', [short.id, reward.id])
          .execute();
        expect(left).toEqual([]);
        const messages = await api.tdb.cdb.db
          .selectFrom('messages')
          .select('sha256')
          .where('sha256', 'in', [short.id, reward.id])
          .execute();
        expect(messages).toEqual([]);
      } finally {
        api.clock.ms = start;
      }
    });

    it("holds a suspended company's queued items back at once and serves those still due after its reinstatement", async () => {
      const start = api.clock.ms;
      const { company, pseudonym, grantSha256 } = await relationship();
      const short = await expectJson<Queued>(
        await sendOffer(
          await offerToken(company, pseudonym, grantSha256, {
            validUntil: api.clock.seconds() + day,
          }),
        ),
        201,
      );
      const offer = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        201,
      );
      const reward = await expectJson<Queued>(
        await sendReward(company, pseudonym, grantSha256),
        201,
      );
      await setStatus(company.id, 'suspended');
      try {
        // Queued before the suspension, delivered after it: not in any page, nor past a cursor.
        expect(await inbox(pseudonym)).toEqual({ items: [], next: '0' });
        expect(await inbox(pseudonym, '?after=1')).toEqual({ items: [], next: '1' });

        // Held back, not dropped: expiry and acknowledgement go on as ever.
        api.clock.ms = start + day * 1000;
        expect((await inbox(pseudonym)).items).toEqual([]);
        const ack = await del(
          inboxItemRoute.DELETE,
          `${inboxPath(pseudonym)}/${reward.id}`,
          api.clock,
          { pseudonym: pseudonym.id, id: reward.id },
          pseudonym,
        );
        expect(await expectJson(ack, 200)).toEqual({ deleted: 1 });
        const held = async () =>
          (
            await api.tdb.cdb.db
              .selectFrom('relay_items')
              .select('id')
              .where('id', 'in', [short.id, offer.id, reward.id])
              .execute()
          ).map((row) => row.id);
        expect(await held()).toEqual([offer.id]);

        await setStatus(company.id, 'active');
        const page = await inbox(pseudonym);
        expect(page.items.map((i) => [i.id, i.kind])).toEqual([[offer.id, 'offer']]);
        const through = await del(
          inboxRoute.DELETE,
          inboxPath(pseudonym, `?through=${page.next}`),
          api.clock,
          { pseudonym: pseudonym.id },
          pseudonym,
        );
        expect(await expectJson(through, 200)).toEqual({ deleted: 1 });
        expect(await held()).toEqual([]);
      } finally {
        api.clock.ms = start;
        await setStatus(company.id, 'active');
      }
    });

    it('lets only the pseudonym itself read or acknowledge its inbox', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const queued = await expectJson<Queued>(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        201,
      );
      const other = await relationship(plainScope(), company);
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym), api.clock, other.pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym), api.clock, company),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym), api.clock),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym), api.clock, pseudonym, {
          signedFor: inboxPath(pseudonym, '?after=0'),
        }),
        401,
        'ERR_REQUEST_MISMATCH',
      );
      await expectProblem(
        await del(
          inboxItemRoute.DELETE,
          `${inboxPath(pseudonym)}/${queued.id}`,
          api.clock,
          { pseudonym: pseudonym.id, id: queued.id },
          other.pseudonym,
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await del(
          inboxRoute.DELETE,
          inboxPath(pseudonym, '?through=999'),
          api.clock,
          { pseudonym: pseudonym.id },
          company,
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      expect((await inbox(pseudonym)).items.map((i) => i.id)).toEqual([queued.id]);
    });

    it('answers malformed parameters with ERR_QUERY_INVALID', async () => {
      const { pseudonym } = await relationship();
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym, '?limit=0'), api.clock, pseudonym),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym, '?after=-1'), api.clock, pseudonym),
        400,
        'ERR_QUERY_INVALID',
      );
      // Signed exactly as sent, a quote the server's URL escapes (%27): the signature still
      // names this request (an unknown parameter is ignored).
      const quoted = inboxPath(pseudonym, "?after=0&note='x'");
      expect(new URL(`http://x${quoted}`).search).toBe('?after=0&note=%27x%27');
      const answered = await get(inboxRoute.GET, quoted, api.clock, pseudonym);
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({ items: [], next: '0' });
      // A path the parser would not turn into this one stays another path.
      await expectProblem(
        await get(inboxRoute.GET, inboxPath(pseudonym, '?after=0&note=%27'), api.clock, pseudonym, {
          signedFor: inboxPath(pseudonym, '?after=0&note=%2527'),
        }),
        401,
        'ERR_REQUEST_MISMATCH',
      );
      await expectProblem(
        await del(
          inboxRoute.DELETE,
          inboxPath(pseudonym),
          api.clock,
          { pseudonym: pseudonym.id },
          pseudonym,
        ),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await del(
          inboxItemRoute.DELETE,
          `${inboxPath(pseudonym)}/not-an-id`,
          api.clock,
          { pseudonym: pseudonym.id, id: 'not-an-id' },
          pseudonym,
        ),
        400,
        'ERR_QUERY_INVALID',
      );
    });
  });

  // ----- corrections ---------------------------------------------------------------------------

  describe('corrections', () => {
    it('relays a correction to its company, also a suspended one, which lists, opens and acknowledges it', async () => {
      const { company, pseudonym } = await relationship();
      await setStatus(company.id, 'suspended');
      let queued: Queued;
      try {
        const token = await correctionToken(pseudonym, company);
        queued = await expectJson<Queued>(
          await post(correctionsRoute.POST, '/api/v1/corrections', token),
          201,
        );
        expect(queued).toEqual({ id: expect.any(String), status: 'queued' });
        expect(
          await expectJson<Queued>(
            await post(correctionsRoute.POST, '/api/v1/corrections', token),
            200,
          ),
        ).toEqual(queued);
      } finally {
        await setStatus(company.id, 'active');
      }
      const page = await expectJson<CorrectionsPage>(
        await get(correctionsListRoute.GET, '/api/v1/companies/me/corrections', api.clock, company),
        200,
      );
      expect(page.corrections).toHaveLength(1);
      expect(page.corrections[0]).toMatchObject({ id: queued.id, pseudonym: pseudonym.id });
      expect(page.next).toBe(page.corrections[0]!.cursor);
      const opened = await openMessage('correction', page.corrections[0]!.jws, {
        verifySignature: serverEd25519Verify,
        resolveKey: (kid) =>
          kid === pseudonym.kid ? importPublicJwk(publicJwk(pseudonym.keyPair)) : undefined,
        audience: company.id,
        now: api.clock.seconds(),
      });
      const content = JSON.parse(
        new TextDecoder().decode(
          openSealed(base64urlDecode(opened.payload.sealed), company.keyPair),
        ),
      ) as { value: string };
      expect(content.value).toBe('Heidestraße 18, 51147 Köln');
      expect(await feedKinds(company)).toContain('correction');

      const path = `/api/v1/companies/me/corrections/${queued.id}`;
      const other = await register();
      expect(
        await expectJson(
          await del(correctionRoute.DELETE, path, api.clock, { id: queued.id }, other),
          200,
        ),
      ).toEqual({ deleted: 0 });
      expect(
        await expectJson(
          await del(correctionRoute.DELETE, path, api.clock, { id: queued.id }, company),
          200,
        ),
      ).toEqual({ deleted: 1 });
      const after = await expectJson<CorrectionsPage>(
        await get(correctionsListRoute.GET, '/api/v1/companies/me/corrections', api.clock, company),
        200,
      );
      expect(after.corrections).toEqual([]);
    });

    it('refuses a correction while the most that may wait for the company wait, storing nothing, until it fetches one', async () => {
      const { company, pseudonym } = await relationship();
      const queued: string[] = [];
      for (let i = 0; i < maxWaitingCorrections; i++) {
        const receipt = await expectJson<{ id: string }>(
          await post(
            correctionsRoute.POST,
            '/api/v1/corrections',
            await correctionToken(pseudonym, company, `Heidestraße ${i + 1}, 51147 Köln`),
          ),
          201,
        );
        queued.push(receipt.id);
      }
      const refused = await expectProblem(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(pseudonym, company, 'Heidestraße 99, 51147 Köln'),
        ),
        429,
        'ERR_TOO_MANY_OPEN_CORRECTIONS',
      );
      expect(refused).toMatchObject({ detail_data: { limit: maxWaitingCorrections } });
      const listed = await expectJson<CorrectionsPage>(
        await get(
          correctionsListRoute.GET,
          '/api/v1/companies/me/corrections?limit=100',
          api.clock,
          company,
        ),
        200,
      );
      expect(listed.corrections.map((c) => c.id)).toEqual(queued);
      // Another pseudonym of the same company is not held back by this one's.
      const { pseudonym: neighbour } = await relationship(plainScope(), company);
      await expectJson(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(neighbour, company),
        ),
        201,
      );
      const path = `/api/v1/companies/me/corrections/${queued[0]!}`;
      await expectJson(
        await del(correctionRoute.DELETE, path, api.clock, { id: queued[0]! }, company),
        200,
      );
      await expectJson(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(pseudonym, company, 'Heidestraße 99, 51147 Köln'),
        ),
        201,
      );
    });

    it('refuses corrections from unknown pseudonyms, to another company, or signed by another key', async () => {
      const { company, pseudonym } = await relationship();
      const stranger = newPseudonym(company.id);
      await expectProblem(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(stranger, company),
        ),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      const other = await register();
      await expectProblem(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(pseudonym, other),
        ),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
      await expectProblem(
        await post(
          correctionsRoute.POST,
          '/api/v1/corrections',
          await correctionToken(pseudonym, company, 'x', stranger),
        ),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('lets only the company list and acknowledge its corrections', async () => {
      const { company, pseudonym } = await relationship();
      await expectProblem(
        await get(
          correctionsListRoute.GET,
          '/api/v1/companies/me/corrections',
          api.clock,
          pseudonym,
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(correctionsListRoute.GET, '/api/v1/companies/me/corrections', api.clock),
        401,
        'ERR_AUTH_MISSING',
      );
      const id = randomUUID().replaceAll('-', '').padEnd(43, 'A');
      await expectProblem(
        await del(
          correctionRoute.DELETE,
          `/api/v1/companies/me/corrections/${id}`,
          api.clock,
          { id },
          pseudonym,
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await getWith(
          correctionsListRoute.GET,
          '/api/v1/companies/me/corrections?limit=101',
          api.clock,
          {},
          company,
        ),
        400,
        'ERR_QUERY_INVALID',
      );
    });
  });

  // ----- relayed offers as evidence ------------------------------------------------------------

  describe('relayed offers as complaint evidence', () => {
    // Evidence is judged as of its own iat against the key's retirement (docs/api.md "Evidence"),
    // and the company picks both iats: the retirement's up to 10 minutes back, the offer's up to
    // the 60 s clock skew ahead.
    it.each([
      { case: 'retirement backdated 5 min', offerShift: 0, wait: 30, retireShift: -300 },
      { case: 'offer dated 60 s ahead', offerShift: 60, wait: 0, retireShift: 0 },
    ])(
      'keeps an accepted offer valid evidence after its key is retired ($case)',
      async ({ offerShift, wait, retireShift }) => {
        const start = api.clock.ms;
        try {
          const { company, pseudonym, grantSha256 } = await relationship();
          const second = newCompany();
          const keyChange = keyChangeOf(company);
          await expectJson(
            await keyChange({ action: 'add', key: publicJwk(second.keyPair) }, company.keyPair),
            201,
          );
          const offer = await offerToken(company, pseudonym, grantSha256, {
            iat: api.clock.seconds() + offerShift,
          });
          await expectJson(await sendOffer(offer), 201);

          api.clock.advance(wait);
          const storedAt = api.clock.seconds();
          await expectJson(
            await keyChange(
              { action: 'retire', kid: company.kid },
              second.keyPair,
              storedAt + retireShift,
            ),
            201,
          );
          // From then on the key signs nothing more ...
          await expectProblem(
            await sendOffer(await offerToken(company, pseudonym, grantSha256)),
            401,
            'ERR_JWS_KID_UNKNOWN',
          );
          // ... but what it signed and the relay accepted before stays the company's.
          api.clock.advance(60);
          const complaint = await sign(
            'complaint',
            {
              ...claims(api.clock, pseudonym.id, testOrigin),
              company: company.id,
              evidence: [{ kind: 'offer', jws: offer }],
              reasons: ['contact_cap_exceeded'],
            },
            pseudonym.keyPair,
          );
          await expectJson(await post(complaintsRoute.POST, '/api/v1/complaints', complaint), 201);
          const registry = await expectJson<{ keys: { kid: string; retiredAt: number | null }[] }>(
            await get(companyRoute.GET, `/api/v1/companies/${company.id}`, api.clock),
            200,
          );
          const retiredAt = registry.keys.find((k) => k.kid === company.kid)!.retiredAt;
          expect(retiredAt).toBeGreaterThan(storedAt + offerShift);
        } finally {
          api.clock.ms = start;
        }
      },
    );
  });

  // ----- a key declared compromised ------------------------------------------------------------

  describe('a company key declared compromised', () => {
    it('voids the offers, rewards, refusals and contacts the key signed since, and nothing it signed before', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      const other = await relationship(plainScope(), company);
      const second = newCompany();
      const keyChange = keyChangeOf(company);
      await expectJson(
        await keyChange({ action: 'add', key: publicJwk(second.keyPair) }, company.keyPair),
        201,
      );
      // Before the compromise: one honest offer, delivered.
      await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
      await acknowledgeAll(pseudonym);
      api.clock.advance(10);
      const since = api.clock.seconds();
      // A thief with the key: an offer delivered, one refused over the cap, one refused for a
      // grant of another pseudonym, a reward and an offer to another pseudonym still waiting.
      await expectJson(await sendOffer(await offerToken(company, pseudonym, grantSha256)), 201);
      await acknowledgeAll(pseudonym);
      await expectProblem(
        await sendOffer(await offerToken(company, pseudonym, grantSha256)),
        403,
        'ERR_CONTACT_CAP_EXCEEDED',
      );
      const foreign = await offerToken(company, pseudonym, other.grantSha256);
      await expectProblem(await sendOffer(foreign), 403, 'ERR_OFFER_NOT_COVERED');
      await expectJson(await sendReward(company, pseudonym, grantSha256), 201);
      const waiting = await offerToken(company, other.pseudonym, other.grantSha256);
      await expectJson(await sendOffer(waiting), 201);
      expect(await refusalCount(company.id)).toBe(2);
      expect((await inbox(pseudonym)).items).toHaveLength(1);
      expect((await inbox(other.pseudonym)).items).toHaveLength(1);

      api.clock.advance(10);
      await expectJson(
        await keyChange({ action: 'compromised', kid: company.kid, since }, second.keyPair),
        201,
      );

      // Failed before: the thief's refusals stayed findings against the company ...
      expect(await refusalCount(company.id)).toBe(0);
      expect(await relayFindings(api.tdb.cdb.db, company.id)).toEqual([]);
      // (A resend of a voided refusal is not answered as queued.)
      await expectProblem(await sendOffer(foreign), 401, 'ERR_JWS_KID_UNKNOWN');
      // A resend of what the compromise voided says so, with since when (as a new message does).
      const resent = await expectProblem(await sendOffer(waiting), 401, 'ERR_JWS_KID_UNKNOWN');
      expect(resent).toMatchObject({
        detail_data: { reason: 'compromised', compromisedSince: since },
      });
      // ... what it queued stayed in the inboxes ...
      expect((await inbox(pseudonym)).items).toEqual([]);
      expect((await inbox(other.pseudonym)).items).toEqual([]);
      // ... and its delivered offer took one of the two contacts a week: the honest one still
      // counts, the thief's no longer does.
      const withSecond = { ...company, keyPair: second.keyPair };
      await expectJson(await sendOffer(await offerToken(withSecond, pseudonym, grantSha256)), 201);
      await expectProblem(
        await sendOffer(await offerToken(withSecond, pseudonym, grantSha256)),
        403,
        'ERR_CONTACT_CAP_EXCEEDED',
      );
      expect(await refusalCount(company.id)).toBe(1);
    });

    it.runIf(dialect === 'postgres')(
      'refuses offers whose key a compromise declared void while they were being stored, counting nothing',
      async () => {
        const { company, pseudonym, grantSha256 } = await relationship();
        const other = await relationship(plainScope(), company);
        const since = api.clock.seconds();
        const tokens = [
          await offerToken(company, pseudonym, grantSha256),
          await offerToken(company, pseudonym, other.grantSha256),
        ];
        // The compromise commits while the offers, checked against the key before, are on
        // their way to be stored.
        const sent = await compromisedWhile(api.tdb.cdb.db, company.kid, since, () =>
          Promise.all(tokens.map((token) => sendOffer(token))),
        );
        // Failed before: one queued and one refused, a finding against the company.
        for (const response of sent) {
          const problem = await expectProblem(response, 401, 'ERR_JWS_KID_UNKNOWN');
          expect(problem.detail_data).toEqual({ reason: 'compromised', compromisedSince: since });
        }
        expect(await refusalCount(company.id)).toBe(0);
        expect((await inbox(pseudonym)).items).toEqual([]);
      },
    );
  });

  // ----- webhooks ------------------------------------------------------------------------------

  describe('webhooks', () => {
    it('delivers offer-refused and correction events to the company, with the relayed JWS', async () => {
      const base = newCompany();
      const company = await register(base, { webhook: `${base.domain}/hooks` });
      const { pseudonym, grantSha256 } = await relationship(plainScope(), company);
      const refused = await offerToken(company, pseudonym, grantSha256, { channel: 'sms' });
      await expectProblem(await sendOffer(refused), 403, 'ERR_OFFER_NOT_COVERED');
      const correction = await correctionToken(pseudonym, company);
      await expectJson(await post(correctionsRoute.POST, '/api/v1/corrections', correction), 201);

      const delivered: WebhookDelivery[] = [];
      const worker = createWebhookWorker({
        db: api.tdb.cdb.db,
        origin: testOrigin,
        signer: webhookSigner(generateKeyPair((n) => new Uint8Array(n).fill(7))),
        now: api.clock.now,
        send: async (_url, _policy, body) => {
          delivered.push(JSON.parse(new TextDecoder().decode(body)) as WebhookDelivery);
          return { status: 204 };
        },
      });
      await worker.tick();
      const mine = delivered.filter((d) => d.company === company.id).map((d) => d.event);
      expect(mine.map((e) => e.kind)).toEqual(['grant', 'offer-refused', 'correction']);
      expect(mine[1]).toMatchObject({ pseudonym: pseudonym.id, jws: refused });
      expect(mine[2]).toMatchObject({ pseudonym: pseudonym.id, jws: correction });
    });
  });
});
