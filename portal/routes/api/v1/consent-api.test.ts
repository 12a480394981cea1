/**
 * The consent API of issue 4 through its route handlers, on SQLite and PostgreSQL: every
 * endpoint's success, its rejections by problem code, and who may call it. The suite shares one
 * database per dialect (each test uses fresh identities) so that its last test can scan every
 * table the suite wrote for customer-side plaintext.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { publicJwk } from '$protocol/keys';
import { limits, type Payload } from '$protocol/messages';
import {
  blockedOrSettled,
  claims,
  companyMessage,
  exampleCompany,
  expectJson,
  expectProblem,
  get,
  newCompany,
  newPseudonym,
  newRegulator,
  openApiHarness,
  post,
  requestSignature,
  requestedScope,
  sign,
  signRaw,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestPseudonym,
} from '$lib/server/api-test-kit';
import { oversizedDrainBytes } from '$lib/server/auth/body';
import { testDialects } from '$lib/server/db/test-databases';
import * as companiesRoute from './companies/+server';
import * as companyRoute from './companies/[companyId]/+server';
import * as compromisedRoute from './companies/me/compromised-messages/+server';
import * as eventsRoute from './companies/me/events/+server';
import * as findingsRoute from './companies/me/findings/+server';
import * as keysRoute from './companies/me/keys/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantRequestRoute from './grant-requests/[sha256]/+server';
import * as grantsRoute from './grants/+server';
import * as relationshipsRoute from './pseudonyms/[pseudonym]/relationships/+server';
import * as refusalsRoute from './refusals/+server';
import * as batchRoute from './relationships/batch/+server';
import * as acksRoute from './revocation-acks/+server';
import * as revocationsRoute from './revocations/+server';

/** The customer behind the pseudonyms: what the clearinghouse must never learn. */
const customer = {
  name: 'Erika Mustermann',
  email: 'erika.mustermann@example.org',
  address: 'Heidestraße 17, 51147 Köln',
  deviceId: 'device-7f3c9a1e-2b4d-4e8f-9a6b-c1d2e3f4a5b6',
  masterSeed: new Uint8Array(randomBytes(32)),
};

interface Receipt {
  sha256: string;
  status: string;
}

describe.each(testDialects)('consent API on %s', (dialect) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  // ----- helpers on the shared harness ---------------------------------------------------------

  async function register(
    company: TestCompany = newCompany(),
    options: { proof?: boolean } = {},
  ): Promise<TestCompany> {
    if (options.proof !== false) api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
    const body = await expectJson<{ company: { status: string } }>(
      await post(companiesRoute.POST, '/api/v1/companies', token),
      201,
    );
    expect(body.company.status).toBe(options.proof === false ? 'pending' : 'active');
    return company;
  }

  async function grantRequest(
    company: TestCompany,
    options: { aud?: string; scopes?: Payload<'grant-request'>['scopes'] } = {},
  ): Promise<{ token: string; sha256: string; response: Response }> {
    const token = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, options.aud ?? testOrigin),
        scopes: options.scopes ?? [requestedScope(api.clock)],
        reason: { de: 'Neuigkeiten zu Laufschuhen.', en: 'News about running shoes.' },
      },
      company.keyPair,
    );
    const response = await post(grantRequestsRoute.POST, '/api/v1/grant-requests', token);
    const sha256 =
      response.status === 201 ? ((await response.clone().json()) as Receipt).sha256 : '';
    return { token, sha256, response };
  }

  async function openRequest(company: TestCompany): Promise<string> {
    const { sha256, response } = await grantRequest(company);
    expect(response.status).toBe(201);
    return sha256;
  }

  function grantPayload(
    pseudonym: TestPseudonym,
    company: TestCompany,
    requestSha256: string,
    extra: Partial<Payload<'grant'>> = {},
  ): Payload<'grant'> {
    const scope = requestedScope(api.clock);
    return {
      ...claims(api.clock, pseudonym.id, company.id),
      requestSha256,
      scopes: [{ ...scope, channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: api.clock.seconds() + 365 * 86_400,
      pseudonymKey: publicJwk(pseudonym.keyPair),
      ...extra,
    };
  }

  async function grant(
    pseudonym: TestPseudonym,
    company: TestCompany,
    requestSha256: string,
    extra: Partial<Payload<'grant'>> = {},
  ): Promise<Response> {
    const token = await sign(
      'grant',
      grantPayload(pseudonym, company, requestSha256, extra),
      pseudonym.keyPair,
    );
    return post(grantsRoute.POST, '/api/v1/grants', token);
  }

  async function revoke(
    pseudonym: TestPseudonym,
    company: TestCompany,
    grants: Payload<'revocation'>['grants'],
  ): Promise<Response> {
    const token = await sign(
      'revocation',
      { ...claims(api.clock, pseudonym.id, company.id), grants },
      pseudonym.keyPair,
    );
    return post(revocationsRoute.POST, '/api/v1/revocations', token);
  }

  async function ack(
    company: TestCompany,
    revocationSha256: string,
    pseudonym: string,
  ): Promise<Response> {
    const token = await sign(
      'revocation-ack',
      {
        ...claims(api.clock, company.id, testOrigin),
        revocationSha256,
        pseudonym,
        stoppedAt: api.clock.seconds(),
      },
      company.keyPair,
    );
    return post(acksRoute.POST, '/api/v1/revocation-acks', token);
  }

  /** A `company-key` message of `company` signed by `signer`, posted. */
  async function keyChange(
    company: TestCompany,
    signer: TestCompany['keyPair'],
    body: Record<string, unknown>,
  ): Promise<Response> {
    const token = await sign(
      'company-key',
      { ...claims(api.clock, company.id, testOrigin), ...body } as Payload<'company-key'>,
      signer,
    );
    return post(keysRoute.POST, '/api/v1/companies/me/keys', token);
  }

  /** A company with one granted pseudonym (the customer's pairwise key). */
  async function relationship(): Promise<{
    company: TestCompany;
    pseudonym: TestPseudonym;
    requestSha256: string;
    grantSha256: string;
  }> {
    const company = await register();
    const requestSha256 = await openRequest(company);
    const pseudonym = newPseudonym(company.id, customer.masterSeed);
    const receipt = await expectJson<Receipt>(await grant(pseudonym, company, requestSha256), 201);
    return { company, pseudonym, requestSha256, grantSha256: receipt.sha256 };
  }

  // ----- companies -----------------------------------------------------------------------------

  describe('POST /api/v1/companies', () => {
    it('registers a company whose domain proof names its key as active, logged, in the registry', async () => {
      const company = exampleCompany();
      api.proofs.set(company.domain, { keys: [company.kid], companyId: company.id });
      const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
      const body = await expectJson<Receipt & { company: Record<string, unknown> }>(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        201,
      );
      expect(body).toMatchObject({
        status: 'pending',
        company: { id: company.id, status: 'active', domainProof: { verified: true } },
      });
      expect(company.id).toBe('co__y4PtwfJ8XOQ26nyND0ZhxbncVGIeTd14zE3u5CpJh0');
      const queued = await api.tdb.cdb.db
        .selectFrom('log_queue')
        .select('kind')
        .where('sha256', '=', body.sha256)
        .executeTakeFirst();
      expect(queued?.kind).toBe('company');

      const entry = await expectJson<Record<string, unknown>>(
        await get(companyRoute.GET, `/api/v1/companies/${company.id}`, api.clock),
        200,
      );
      expect(entry).toMatchObject({
        id: company.id,
        status: 'active',
        legalName: 'Beispiel Sport GmbH',
        keys: [{ kid: company.kid, retiredAt: null, compromisedSince: null }],
        trust: {
          status: 'active',
          activeRelationships: 0,
          revocationAcks: { onTime: 0, overdue: 0, open: 0 },
          upheldComplaints: 0,
          boycotts: 0,
          refusedRelayAttempts: 0,
        },
      });
      const list = await expectJson<{ companies: { id: string }[] }>(
        await get(companiesRoute.GET, '/api/v1/companies?status=active&limit=100', api.clock),
        200,
      );
      expect(list.companies.map((c) => c.id)).toContain(company.id);
    });

    it('keeps a company pending while its proof fails, and activates it on a later registration', async () => {
      const company = newCompany();
      api.proofs.set(company.domain, { keys: [] });
      const first = await sign('company', companyMessage(api.clock, company), company.keyPair);
      const pending = await expectJson<{ company: Record<string, unknown> }>(
        await post(companiesRoute.POST, '/api/v1/companies', first),
        201,
      );
      expect(pending.company).toMatchObject({
        status: 'pending',
        domainProof: { verified: false, code: 'ERR_DOMAIN_PROOF_FAILED', reason: 'key-not-listed' },
      });
      // A pending company may not ask for consent yet, and is told why.
      const notYet = await expectProblem(
        (await grantRequest(company)).response,
        403,
        'ERR_COMPANY_NOT_ACTIVE',
      );
      expect(notYet.detail_data).toEqual({ status: 'pending' });
      expect(notYet.detail).toMatch(/has not proved its domain yet/);

      api.proofs.set(company.domain, { keys: [company.kid] });
      const again = await sign('company', companyMessage(api.clock, company), company.keyPair);
      const active = await expectJson<{ company: Record<string, unknown> }>(
        await post(companiesRoute.POST, '/api/v1/companies', again),
        201,
      );
      expect(active.company).toMatchObject({ status: 'active', domainProof: { verified: true } });
    });

    it('answers an identical resend with 200 and the same receipt, storing nothing new', async () => {
      const company = newCompany();
      api.proofs.set(company.domain, { keys: [company.kid] });
      const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
      const first = await expectJson<Receipt>(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        201,
      );
      const second = await expectJson<Receipt>(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        200,
      );
      expect(second.sha256).toBe(first.sha256);
    });

    it('refuses a body that is not application/jose with 415', async () => {
      const company = newCompany();
      const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token, {
          'content-type': 'application/json',
        }),
        415,
        'ERR_CONTENT_TYPE_UNSUPPORTED',
      );
    });

    it('refuses an oversized body with 413 by its content-length, before reading it', async () => {
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(1024));
        },
      });
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', stream, {
          'content-type': 'application/jose',
          'content-length': String(64 * 1024 + 1),
        }),
        413,
        'ERR_MESSAGE_TOO_LARGE',
      );
      expect(pulled).toBeLessThanOrEqual(1); // the stream's own prefetch at most, never read
    });

    it('stops reading a body without content-length once it passes 64 KiB and the drain budget', async () => {
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 16 * 1024;
          controller.enqueue(new Uint8Array(16 * 1024).fill(0x41));
          if (sent > 10 * 1024 * 1024) controller.close();
        },
      });
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', stream),
        413,
        'ERR_MESSAGE_TOO_LARGE',
      );
      expect(sent).toBeLessThan(64 * 1024 + oversizedDrainBytes + 200 * 1024);
    });

    it('refuses a registration signed by a key it does not list', async () => {
      const company = newCompany();
      const other = newCompany();
      const token = await sign(
        'company',
        companyMessage(api.clock, company, { keys: [publicJwk(other.keyPair)] }),
        company.keyPair,
      );
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('refuses a company id that is not the signing key thumbprint', async () => {
      const company = newCompany();
      const other = newCompany();
      const token = await sign(
        'company',
        {
          ...companyMessage(api.clock, company),
          iss: other.id,
          keys: [publicJwk(company.keyPair), publicJwk(other.keyPair)],
        },
        company.keyPair,
      );
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        400,
        'ERR_MESSAGE_ISSUER_MISMATCH',
      );
    });

    it('refuses a registration addressed to another clearinghouse', async () => {
      const company = newCompany();
      const token = await sign(
        'company',
        { ...companyMessage(api.clock, company), aud: 'https://other.example' },
        company.keyPair,
      );
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        400,
        'ERR_JWS_AUD_MISMATCH',
      );
    });

    it('refuses a payload outside the schema, naming the field', async () => {
      const company = newCompany();
      const token = await signRaw(
        'company',
        { ...companyMessage(api.clock, company), domain: 'http://sport.example' },
        company.keyPair,
      );
      const body = await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        400,
        'ERR_MESSAGE_INVALID',
      );
      expect(body.detail_data).toMatchObject({ issues: ['domain'] });
    });

    it('refuses a key that already belongs to another company', async () => {
      const first = await register();
      const second = newCompany();
      api.proofs.set(second.domain, { keys: [second.kid] });
      const token = await sign(
        'company',
        companyMessage(api.clock, second, {
          keys: [publicJwk(second.keyPair), publicJwk(first.keyPair)],
        }),
        second.keyPair,
      );
      const body = await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      expect(body.detail_data).toEqual({ conflict: 'taken' });
    });

    it('refuses a second message with a used jti as a replay', async () => {
      const company = newCompany();
      api.proofs.set(company.domain, { keys: [company.kid] });
      const payload = companyMessage(api.clock, company);
      await expectJson(
        await post(
          companiesRoute.POST,
          '/api/v1/companies',
          await sign('company', payload, company.keyPair),
        ),
        201,
      );
      const replay = await sign(
        'company',
        { ...payload, legalName: 'Andere GmbH' },
        company.keyPair,
      );
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', replay),
        409,
        'ERR_JWS_REPLAYED',
      );
    });

    it('refuses an expired registration', async () => {
      const company = newCompany();
      const payload = companyMessage(api.clock, company);
      const token = await sign(
        'company',
        { ...payload, iat: payload.iat - 1000, exp: payload.iat - 700 },
        company.keyPair,
      );
      await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        400,
        'ERR_JWS_EXPIRED',
      );
    });
  });

  describe('GET /api/v1/companies and /api/v1/companies/{id}', () => {
    it('answers an unknown company with 404 and a malformed id or query with 400', async () => {
      await expectProblem(
        await get(companyRoute.GET, `/api/v1/companies/${newCompany().id}`, api.clock),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
      await expectProblem(
        await get(companyRoute.GET, '/api/v1/companies/nope', api.clock),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await get(companiesRoute.GET, '/api/v1/companies?status=sleeping', api.clock),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await get(companiesRoute.GET, '/api/v1/companies?limit=0', api.clock),
        400,
        'ERR_QUERY_INVALID',
      );
    });

    it('pages the registry by id', async () => {
      await register();
      await register();
      const first = await expectJson<{ companies: { id: string }[]; next: string }>(
        await get(companiesRoute.GET, '/api/v1/companies?limit=1', api.clock),
        200,
      );
      expect(first.companies).toHaveLength(1);
      const second = await expectJson<{ companies: { id: string }[] }>(
        await get(companiesRoute.GET, `/api/v1/companies?limit=1&after=${first.next}`, api.clock),
        200,
      );
      expect(second.companies[0]!.id > first.companies[0]!.id).toBe(true);
    });
  });

  describe('POST /api/v1/companies/me/keys', () => {
    it('adds a key that can then sign, retires one by another key, and refuses the retired one', async () => {
      const company = await register();
      const second = newCompany();
      expect(
        (
          await keyChange(company, company.keyPair, {
            action: 'add',
            key: publicJwk(second.keyPair),
          })
        ).status,
      ).toBe(201);
      const taken = await expectProblem(
        await keyChange(company, company.keyPair, {
          action: 'add',
          key: publicJwk(second.keyPair),
        }),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      expect(taken.detail_data).toEqual({ conflict: 'taken' });
      const own = await expectProblem(
        await keyChange(company, company.keyPair, { action: 'retire', kid: company.kid }),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      expect(own.detail_data).toEqual({ conflict: 'ownKey' });
      expect(
        (await keyChange(company, second.keyPair, { action: 'retire', kid: company.kid })).status,
      ).toBe(201);
      await expectProblem(
        await keyChange(company, second.keyPair, { action: 'retire', kid: company.kid }),
        404,
        'ERR_COMPANY_KEY_UNKNOWN',
      );
      // The retired key no longer signs for the company.
      await expectProblem((await grantRequest(company)).response, 401, 'ERR_JWS_KID_UNKNOWN');
      const withNewKey = { ...company, keyPair: second.keyPair };
      expect((await grantRequest(withNewKey)).response.status).toBe(201);
    });

    it('names the cause of a key conflict: the most current keys, or an update listing a retired key', async () => {
      const company = await register();
      const more = Array.from({ length: limits.keysPerCompany - 1 }, () => newCompany());
      for (const next of more) {
        const added = await keyChange(company, company.keyPair, {
          action: 'add',
          key: publicJwk(next.keyPair),
        });
        expect(added.status).toBe(201);
      }
      const full = await expectProblem(
        await keyChange(company, company.keyPair, {
          action: 'add',
          key: publicJwk(newCompany().keyPair),
        }),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      expect(full.detail_data).toEqual({ conflict: 'limit', limit: limits.keysPerCompany });
      const [kept, retired] = more as [TestCompany, TestCompany];
      expect(
        (await keyChange(company, kept.keyPair, { action: 'retire', kid: retired.kid })).status,
      ).toBe(201);
      const update = await sign(
        'company',
        companyMessage(api.clock, company, {
          keys: [publicJwk(company.keyPair), publicJwk(retired.keyPair)],
        }),
        company.keyPair,
      );
      const stale = await expectProblem(
        await post(companiesRoute.POST, '/api/v1/companies', update),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      expect(stale.detail_data).toEqual({ conflict: 'notCurrent' });
    });

    it("refuses a customer's pseudonym key or a person's key as a company's, at registration and when added", async () => {
      const company = await register();
      const pseudonym = newPseudonym(company.id);
      expect((await grant(pseudonym, company, await openRequest(company))).status).toBe(201);
      const regulator = await newRegulator(api);
      const other = await register();
      for (const key of [publicJwk(pseudonym.keyPair), publicJwk(regulator.keyPair)]) {
        const added = await expectProblem(
          await keyChange(other, other.keyPair, { action: 'add', key }),
          409,
          'ERR_COMPANY_KEY_CONFLICT',
        );
        expect(added.detail_data).toEqual({ conflict: 'taken' });
        const fresh = newCompany();
        const registration = await sign(
          'company',
          companyMessage(api.clock, fresh, { keys: [publicJwk(fresh.keyPair), key] }),
          fresh.keyPair,
        );
        const listed = await expectProblem(
          await post(companiesRoute.POST, '/api/v1/companies', registration),
          409,
          'ERR_COMPANY_KEY_CONFLICT',
        );
        expect(listed.detail_data).toEqual({ conflict: 'taken' });
        expect(listed.detail).toMatch(/customer or a person/);
      }
      const db = api.tdb.cdb.db;
      expect(
        await db
          .selectFrom('company_keys')
          .select('kid')
          .where('kid', 'in', [pseudonym.kid, regulator.kid])
          .execute(),
      ).toEqual([]);

      // A database from before this check may hold such a key as a company's: declared
      // compromised, it lists none of the customer's messages as the company's, whether another
      // company holds it or the very company the customer's grants concern.
      for (const squatter of [other, company]) {
        await db
          .insertInto('company_keys')
          .values({
            kid: pseudonym.kid,
            company_id: squatter.id,
            x: publicJwk(pseudonym.keyPair).x,
            added_at: api.clock.seconds(),
            added_by: (
              await db
                .selectFrom('company_keys')
                .select('added_by')
                .where('kid', '=', squatter.kid)
                .executeTakeFirstOrThrow()
            ).added_by,
            retired_at: null,
            compromised_since: 0,
          })
          .execute();
        try {
          const signed = await db
            .selectFrom('messages')
            .select('sha256')
            .where('signer', '=', pseudonym.kid)
            .execute();
          expect(signed.length).toBeGreaterThan(0);
          const listed = await expectJson<{ messages: unknown[] }>(
            await get(
              compromisedRoute.GET,
              '/api/v1/companies/me/compromised-messages',
              api.clock,
              squatter,
            ),
            200,
          );
          expect(listed.messages).toEqual([]);
        } finally {
          await db.deleteFrom('company_keys').where('kid', '=', pseudonym.kid).execute();
        }
      }
    });

    it('lists messages signed by a compromised key after its time and voids requests signed with it', async () => {
      const company = await register();
      const second = newCompany();
      expect(
        (
          await keyChange(company, company.keyPair, {
            action: 'add',
            key: publicJwk(second.keyPair),
          })
        ).status,
      ).toBe(201);
      const before = await openRequest(company);
      api.clock.advance(10);
      const since = api.clock.seconds();
      const after = await openRequest(company);
      api.clock.advance(10);
      expect(
        (
          await keyChange(company, second.keyPair, {
            action: 'compromised',
            kid: company.kid,
            since,
          })
        ).status,
      ).toBe(201);

      const signer = { id: company.id, keyPair: second.keyPair };
      const listed = await expectJson<{ messages: { sha256: string; kind: string }[] }>(
        await get(
          compromisedRoute.GET,
          '/api/v1/companies/me/compromised-messages',
          api.clock,
          signer,
        ),
        200,
      );
      expect(listed.messages.map((m) => m.sha256)).toEqual([after]);

      // Signed with the compromised key now: still ERR_JWS_KID_UNKNOWN, but saying why and since
      // when (failed before: the same answer as for a key never registered).
      const stolen = await expectProblem(
        (await grantRequest(company)).response,
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      expect(stolen.detail_data).toEqual({ reason: 'compromised', compromisedSince: since });
      expect(stolen.detail).toContain(new Date(since * 1000).toISOString().slice(0, 19));
      const stranger = await expectProblem(
        (await grantRequest({ ...company, keyPair: newCompany().keyPair })).response,
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      expect(stranger.detail_data).toBeUndefined();

      // Void: not served (an Assistant would show a request that cannot be answered), not
      // answerable, and said so rather than "unknown".
      const pseudonym = newPseudonym(company.id);
      await expectProblem(
        await get(grantRequestRoute.GET, `/api/v1/grant-requests/${after}`, api.clock),
        410,
        'ERR_GRANT_REQUEST_VOIDED',
      );
      await expectProblem(await grant(pseudonym, company, after), 410, 'ERR_GRANT_REQUEST_VOIDED');
      const refusal = await sign(
        'refusal',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256: after,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      await expectProblem(
        await post(refusalsRoute.POST, '/api/v1/refusals', refusal),
        410,
        'ERR_GRANT_REQUEST_VOIDED',
      );
      expect(
        (await get(grantRequestRoute.GET, `/api/v1/grant-requests/${before}`, api.clock)).status,
      ).toBe(200);
      await expectJson(await grant(pseudonym, company, before), 201);
      await expectProblem(
        await keyChange(company, second.keyPair, { action: 'retire', kid: newCompany().kid }),
        404,
        'ERR_COMPANY_KEY_UNKNOWN',
      );
    });

    it('lets a suspended company with a single key add one and stop the stolen first key with it; the suspension stays', async () => {
      const company = await register();
      await api.services.companies.setStatus(company.id, 'suspended');
      // Its only key was stolen. Retiring or voiding a key needs another current key, so it
      // adds one first, signed by the stolen one it still holds.
      await expectProblem(
        await keyChange(company, company.keyPair, {
          action: 'compromised',
          kid: company.kid,
          since: api.clock.seconds() - 60,
        }),
        409,
        'ERR_COMPANY_KEY_CONFLICT',
      );
      const second = newCompany();
      expect(
        (
          await keyChange(company, company.keyPair, {
            action: 'add',
            key: publicJwk(second.keyPair),
          })
        ).status,
      ).toBe(201);
      // A key stolen while suspended is stopped at once: it signs nothing more.
      expect(
        (
          await keyChange(company, second.keyPair, {
            action: 'compromised',
            kid: company.kid,
            since: api.clock.seconds() - 60,
          })
        ).status,
      ).toBe(201);
      await expectProblem(
        await keyChange(company, company.keyPair, {
          action: 'add',
          key: publicJwk(newCompany().keyPair),
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      // The added key lifts no suspension: it signs the company's duties, not a consent request.
      const withNewKey = { ...company, keyPair: second.keyPair };
      await expectProblem((await grantRequest(withNewKey)).response, 403, 'ERR_COMPANY_NOT_ACTIVE');
      expect((await api.services.companies.view(company.id)).status).toBe('suspended');
      // Retiring works while suspended too.
      const third = newCompany();
      expect(
        (await keyChange(company, second.keyPair, { action: 'add', key: publicJwk(third.keyPair) }))
          .status,
      ).toBe(201);
      expect(
        (await keyChange(company, third.keyPair, { action: 'retire', kid: second.kid })).status,
      ).toBe(201);
    });

    it('refuses a key change from an unknown company', async () => {
      await expectProblem(
        await keyChange(newCompany(), newCompany().keyPair, {
          action: 'add',
          key: publicJwk(newCompany().keyPair),
        }),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
    });
  });

  // ----- grant requests -----------------------------------------------------------------------

  describe('POST /api/v1/grant-requests and GET /api/v1/grant-requests/{sha256}', () => {
    it('stores an open request, logs it and answers its link; anyone may fetch it', async () => {
      const company = await register();
      const { response } = await grantRequest(company);
      const body = await expectJson<Receipt & { targeted: boolean; link: string }>(response, 201);
      expect(body).toMatchObject({ status: 'pending', targeted: false });
      expect(body.link).toBe(`${testOrigin}/api/v1/grant-requests/${body.sha256}`);
      const fetched = await expectJson<Record<string, unknown>>(
        await get(grantRequestRoute.GET, `/api/v1/grant-requests/${body.sha256}`, api.clock),
        200,
      );
      expect(fetched).toMatchObject({
        sha256: body.sha256,
        targeted: false,
        company: { id: company.id },
      });
    });

    it('refuses purposes the company did not declare', async () => {
      const company = await register();
      const scope = { ...requestedScope(api.clock), purpose: 'win_back' as const };
      const body = await expectProblem(
        (await grantRequest(company, { scopes: [scope] })).response,
        422,
        'ERR_PURPOSE_NOT_DECLARED',
      );
      expect(body.detail_data).toEqual({ purpose: 'win_back' });
    });

    it('refuses a request from a suspended company', async () => {
      const company = await register();
      await api.services.companies.setStatus(company.id, 'suspended');
      await expectProblem((await grantRequest(company)).response, 403, 'ERR_COMPANY_NOT_ACTIVE');
    });

    it('targets only pseudonyms bound to the company, and only their owner or the company reads it', async () => {
      const { company, pseudonym } = await relationship();
      const stranger = newPseudonym(company.id);
      await expectProblem(
        (await grantRequest(company, { aud: stranger.id })).response,
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      const other = await relationship();
      await expectProblem(
        (await grantRequest(company, { aud: other.pseudonym.id })).response,
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
      const targeted = await grantRequest(company, { aud: pseudonym.id });
      expect(await expectJson(targeted.response, 201)).toMatchObject({ targeted: true });
      const path = `/api/v1/grant-requests/${targeted.sha256}`;
      await expectProblem(
        await get(grantRequestRoute.GET, path, api.clock),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(grantRequestRoute.GET, path, api.clock, other.pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      expect((await get(grantRequestRoute.GET, path, api.clock, pseudonym)).status).toBe(200);
      expect((await get(grantRequestRoute.GET, path, api.clock, company)).status).toBe(200);
      await expectProblem(
        await get(grantRequestRoute.GET, `/api/v1/grant-requests/${'A'.repeat(43)}`, api.clock),
        404,
        'ERR_RESOURCE_NOT_FOUND',
      );
    });

    it('enforces "ask me again after" for targeted requests until it passes', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const pseudonym = newPseudonym(company.id);
      const askAgainAfter = api.clock.seconds() + 3600;
      const refusal = await sign(
        'refusal',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256,
          askAgainAfter,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      expect((await post(refusalsRoute.POST, '/api/v1/refusals', refusal)).status).toBe(201);
      const body = await expectProblem(
        (await grantRequest(company, { aud: pseudonym.id })).response,
        403,
        'ERR_ASK_AGAIN_LATER',
      );
      expect(body.detail_data).toEqual({ askAgainAfter });
      api.clock.advance(3601);
      expect((await grantRequest(company, { aud: pseudonym.id })).response.status).toBe(201);
    });
  });

  // ----- grants, refusals, revocations ---------------------------------------------------------

  describe('POST /api/v1/grants', () => {
    it('binds the pseudonym, stores and logs the grant, and answers the pending receipt', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const pseudonym = newPseudonym(company.id);
      const body = await expectJson<Receipt>(await grant(pseudonym, company, requestSha256), 201);
      expect(Object.keys(body).sort()).toEqual(['sha256', 'status']);
      expect(body.status).toBe('pending');
      const db = api.tdb.cdb.db;
      expect(
        await db
          .selectFrom('pseudonyms')
          .select(['company_id'])
          .where('pseudonym', '=', pseudonym.id)
          .execute(),
      ).toEqual([{ company_id: company.id }]);
      expect(
        await db.selectFrom('log_queue').select('kind').where('sha256', '=', body.sha256).execute(),
      ).toEqual([{ kind: 'grant' }]);
      // After binding, the key may be left out, and only the bound key signs.
      const next = await openRequest(company);
      expect((await grant(pseudonym, company, next, { pseudonymKey: undefined })).status).toBe(201);
    });

    it('refuses a first grant without pseudonymKey', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      await expectProblem(
        await grant(newPseudonym(company.id), company, requestSha256, { pseudonymKey: undefined }),
        401,
        'ERR_PSEUDONYM_KEY_REQUIRED',
      );
    });

    it('refuses a pseudonymKey that is not the signing key', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const pseudonym = newPseudonym(company.id);
      await expectProblem(
        await grant(pseudonym, company, requestSha256, {
          pseudonymKey: publicJwk(newPseudonym(company.id).keyPair),
        }),
        401,
        'ERR_PSEUDONYM_KEY_MISMATCH',
      );
    });

    it("refuses a grant in another pseudonym's name", async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const pseudonym = newPseudonym(company.id);
      const victim = newPseudonym(company.id);
      const token = await sign(
        'grant',
        { ...grantPayload(pseudonym, company, requestSha256), iss: victim.id },
        pseudonym.keyPair,
      );
      await expectProblem(
        await post(grantsRoute.POST, '/api/v1/grants', token),
        400,
        'ERR_MESSAGE_ISSUER_MISMATCH',
      );
    });

    it('refuses a grant signed by a key other than the bound one', async () => {
      const { company, pseudonym } = await relationship();
      const requestSha256 = await openRequest(company);
      const impostor = newPseudonym(company.id);
      const token = await sign(
        'grant',
        {
          ...grantPayload(pseudonym, company, requestSha256),
          pseudonymKey: publicJwk(impostor.keyPair),
        },
        impostor.keyPair,
      );
      await expectProblem(
        await post(grantsRoute.POST, '/api/v1/grants', token),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('refuses an unknown request, and a targeted request meant for another pseudonym', async () => {
      const { company, pseudonym } = await relationship();
      await expectProblem(
        await grant(newPseudonym(company.id), company, 'A'.repeat(43)),
        422,
        'ERR_GRANT_REQUEST_UNKNOWN',
      );
      const targeted = await grantRequest(company, { aud: pseudonym.id });
      expect(targeted.response.status).toBe(201);
      await expectProblem(
        await grant(newPseudonym(company.id), company, targeted.sha256),
        422,
        'ERR_GRANT_REQUEST_UNKNOWN',
      );
      // Another company's request cannot be answered to this one.
      const other = await register();
      await expectProblem(
        await grant(newPseudonym(company.id), company, await openRequest(other)),
        422,
        'ERR_GRANT_REQUEST_UNKNOWN',
      );
    });

    it.each([
      ['a channel not asked for', { channels: ['sms'] }, 'channels'],
      ['a longer retention', { retentionDays: 366 }, 'retention'],
      [
        'a higher contact cap',
        { conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 3 } },
        'contact_cap',
      ],
    ] as const)('refuses a scope wider than requested: %s', async (_name, change, rule) => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const scope = { ...requestedScope(api.clock), channels: ['newsletter'], ...change } as never;
      const body = await expectProblem(
        await grant(newPseudonym(company.id), company, requestSha256, { scopes: [scope] }),
        422,
        'ERR_SCOPE_WIDER_THAN_REQUESTED',
      );
      expect(body.detail_data).toMatchObject({ scope: 0, rule });
    });

    it('refuses a grant to a suspended or unknown company', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      await api.services.companies.setStatus(company.id, 'suspended');
      await expectProblem(
        await grant(newPseudonym(company.id), company, requestSha256),
        403,
        'ERR_COMPANY_NOT_ACTIVE',
      );
      // The checks of a grant read in one statement; their verdicts still come in order.
      await expectProblem(
        await grant(newPseudonym(company.id), company, 'A'.repeat(43)),
        403,
        'ERR_COMPANY_NOT_ACTIVE',
      );
      const unknown = newCompany();
      await expectProblem(
        await grant(newPseudonym(unknown.id), unknown, requestSha256),
        404,
        'ERR_COMPANY_UNKNOWN',
      );
    });

    it('binds a pseudonym to one company when its first grants to two companies come together', async () => {
      // Neither is bound when both are checked, so both reach the writer; when they share a
      // batch, it fails as a whole and is retried record by record (the later one then finds the
      // pseudonym bound). Tried until they share one (they mostly do at the first attempt).
      let shared = false;
      for (let attempt = 0; attempt < 10 && !shared; attempt++) {
        const first = await register();
        const second = await register();
        const firstRequest = await openRequest(first);
        const secondRequest = await openRequest(second);
        const pseudonym = newPseudonym(first.id);
        const fallbacks = api.writer.stats.fallbacks;
        const responses = await Promise.all([
          grant(pseudonym, first, firstRequest),
          grant(pseudonym, second, secondRequest),
        ]);
        shared = api.writer.stats.fallbacks > fallbacks;
        expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
        await expectProblem(
          responses.find((response) => response.status === 409)!,
          409,
          'ERR_PSEUDONYM_COMPANY_MISMATCH',
        );
        const bound = await api.tdb.cdb.db
          .selectFrom('pseudonyms')
          .select('company_id')
          .where('pseudonym', '=', pseudonym.id)
          .executeTakeFirstOrThrow();
        const granted = await api.tdb.cdb.db
          .selectFrom('grants')
          .select('company_id')
          .where('pseudonym', '=', pseudonym.id)
          .execute();
        expect(granted).toEqual([{ company_id: bound.company_id }]);
      }
      expect(shared).toBe(true);
    });

    it('refuses a pseudonym already bound to another company', async () => {
      const { pseudonym } = await relationship();
      const other = await register();
      const requestSha256 = await openRequest(other);
      await expectProblem(
        await grant(pseudonym, other, requestSha256),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
      // Checked before the request, which the same statement found missing too.
      await expectProblem(
        await grant(pseudonym, other, 'A'.repeat(43)),
        409,
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
      );
    });
  });

  describe('POST /api/v1/refusals', () => {
    it('binds the pseudonym and stores the refusal, even for a suspended company', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      await api.services.companies.setStatus(company.id, 'suspended');
      const pseudonym = newPseudonym(company.id);
      const token = await sign(
        'refusal',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      expect(
        await expectJson(await post(refusalsRoute.POST, '/api/v1/refusals', token), 201),
      ).toMatchObject({
        status: 'pending',
      });
    });

    it('refuses a cool-down that lasts (nearly) forever', async () => {
      const company = await register();
      const requestSha256 = await openRequest(company);
      const pseudonym = newPseudonym(company.id);
      const token = await sign(
        'refusal',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256,
          askAgainAfter: api.clock.seconds() + 10 * 365 * 86_400,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      await expectProblem(
        await post(refusalsRoute.POST, '/api/v1/refusals', token),
        400,
        'ERR_MESSAGE_INVALID',
      );
    });
  });

  describe('POST /api/v1/revocations', () => {
    /** A grant of two purposes, product_launch and service_support. */
    async function twoPurposeGrant() {
      const company = await register();
      const scope = requestedScope(api.clock);
      const second = { ...scope, purpose: 'service_support' as const };
      const { sha256: requestSha256 } = await grantRequest(company, { scopes: [scope, second] });
      const pseudonym = newPseudonym(company.id);
      const granted = await expectJson<Receipt>(
        await grant(pseudonym, company, requestSha256, {
          scopes: [scope, second],
          preferredChannel: 'email',
        }),
        201,
      );
      return { company, pseudonym, granted };
    }

    it('revokes a named grant at once, also when the company is suspended', async () => {
      const { company, pseudonym, grantSha256 } = await relationship();
      await api.services.companies.setStatus(company.id, 'suspended');
      expect((await revoke(pseudonym, company, [{ grantSha256 }])).status).toBe(201);
      const row = await api.tdb.cdb.db
        .selectFrom('grants')
        .select('revoked_at')
        .where('sha256', '=', grantSha256)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBe(api.clock.seconds());
    });

    it('revokes some purposes, and the whole grant once all of them are revoked', async () => {
      const { company, pseudonym, granted } = await twoPurposeGrant();
      expect(
        (
          await revoke(pseudonym, company, [
            { grantSha256: granted.sha256, purposes: ['product_launch'] },
          ])
        ).status,
      ).toBe(201);
      const rel = await expectJson<{ grants: { status: string; revokedPurposes: string[] }[] }>(
        await get(
          relationshipsRoute.GET,
          `/api/v1/pseudonyms/${pseudonym.id}/relationships`,
          api.clock,
          pseudonym,
        ),
        200,
      );
      expect(rel.grants[0]).toMatchObject({
        status: 'active',
        revokedPurposes: ['product_launch'],
      });
      expect(
        (
          await revoke(pseudonym, company, [
            { grantSha256: granted.sha256, purposes: ['service_support'] },
          ])
        ).status,
      ).toBe(201);
      const after = await expectJson<{ grants: { status: string }[] }>(
        await get(
          relationshipsRoute.GET,
          `/api/v1/pseudonyms/${pseudonym.id}/relationships`,
          api.clock,
          pseudonym,
        ),
        200,
      );
      expect(after.grants[0]!.status).toBe('revoked');
    });

    it.runIf(dialect === 'postgres')(
      'keeps both of two revocations of different purposes of one grant committing at once (two nodes)',
      async () => {
        const { company, pseudonym, granted } = await twoPurposeGrant();
        // Another node's revocation of product_launch writes the grant's row and has not
        // committed yet when this one's revocation of service_support arrives.
        let response: Promise<Response> | undefined;
        await api.tdb.cdb.db.transaction().execute(async (trx) => {
          await trx
            .updateTable('grants')
            .set({ revoked_purposes: JSON.stringify(['product_launch']) })
            .where('sha256', '=', granted.sha256)
            .execute();
          response = revoke(pseudonym, company, [
            { grantSha256: granted.sha256, purposes: ['service_support'] },
          ]);
          await blockedOrSettled(api.tdb.cdb.db, response);
        });
        expect((await response!).status).toBe(201);
        // Failed before: the second write replaced the first, and product_launch was in force
        // again. Both purposes revoked: the whole grant.
        const row = await api.tdb.cdb.db
          .selectFrom('grants')
          .select(['revoked_purposes', 'revoked_at'])
          .where('sha256', '=', granted.sha256)
          .executeTakeFirstOrThrow();
        expect(JSON.parse(row.revoked_purposes!)).toEqual(['product_launch', 'service_support']);
        expect(row.revoked_at).not.toBeNull();
      },
    );

    it("refuses a grant that is not this pseudonym's, and a pseudonym never bound", async () => {
      const { company, pseudonym } = await relationship();
      const other = await relationship();
      await expectProblem(
        await revoke(pseudonym, company, [{ grantSha256: other.grantSha256 }]),
        422,
        'ERR_GRANT_UNKNOWN',
      );
      await expectProblem(
        await revoke(newPseudonym(company.id), company, 'all'),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
    });
  });

  describe('POST /api/v1/revocation-acks, findings and trust figures', () => {
    it('acknowledges once, on time; a second acknowledgement is refused', async () => {
      const { company, pseudonym } = await relationship();
      const revocation = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      const body = await expectJson<Record<string, unknown>>(
        await ack(company, revocation.sha256, pseudonym.id),
        201,
      );
      expect(body).toMatchObject({ status: 'pending', onTime: true });
      await expectProblem(
        await ack(company, revocation.sha256, pseudonym.id),
        409,
        'ERR_REVOCATION_ALREADY_ACKED',
      );
      await expectProblem(
        await ack(company, 'A'.repeat(43), pseudonym.id),
        404,
        'ERR_REVOCATION_UNKNOWN',
      );
      // Another company cannot acknowledge it.
      const other = await register();
      await expectProblem(
        await ack(other, revocation.sha256, pseudonym.id),
        404,
        'ERR_REVOCATION_UNKNOWN',
      );
      const view = await expectJson<{ trust: Record<string, unknown> }>(
        await get(companyRoute.GET, `/api/v1/companies/${company.id}`, api.clock),
        200,
      );
      expect(view.trust).toMatchObject({
        activeRelationships: 0,
        revocationAcks: { onTime: 1, overdue: 0, open: 0 },
      });
    });

    it('counts an acknowledgement signed with a key since declared compromised as none, and takes a new one', async () => {
      const { company, pseudonym } = await relationship();
      const second = newCompany();
      expect(
        (
          await keyChange(company, company.keyPair, {
            action: 'add',
            key: publicJwk(second.keyPair),
          })
        ).status,
      ).toBe(201);
      const revocation = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      api.clock.advance(10);
      const since = api.clock.seconds();
      // A thief with the first key acknowledges: the customer reads that the company stopped.
      await expectJson(await ack(company, revocation.sha256, pseudonym.id), 201);
      const acks = async () =>
        (
          await expectJson<{ trust: { revocationAcks: Record<string, number> } }>(
            await get(companyRoute.GET, `/api/v1/companies/${company.id}`, api.clock),
            200,
          )
        ).trust.revocationAcks;
      expect(await acks()).toEqual({ onTime: 1, overdue: 0, open: 0 });
      api.clock.advance(10);
      expect(
        (
          await keyChange(company, second.keyPair, {
            action: 'compromised',
            kid: company.kid,
            since,
          })
        ).status,
      ).toBe(201);
      // Failed before: the forged acknowledgement kept the revocation acknowledged on time.
      expect(await acks()).toEqual({ onTime: 0, overdue: 0, open: 1 });
      await expectJson(
        await ack({ ...company, keyPair: second.keyPair }, revocation.sha256, pseudonym.id),
        201,
      );
      expect(await acks()).toEqual({ onTime: 1, overdue: 0, open: 0 });
    });

    it('stores exactly one of two racing acknowledgements', async () => {
      const { company, pseudonym } = await relationship();
      const revocation = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      const [a, b] = await Promise.all([
        ack(company, revocation.sha256, pseudonym.id),
        ack(company, revocation.sha256, pseudonym.id),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const acks = await api.tdb.cdb.db
        .selectFrom('messages')
        .select('sha256')
        .where('kind', '=', 'revocation-ack')
        .where('pseudonym', '=', pseudonym.id)
        .execute();
      expect(acks).toHaveLength(1);
    });

    it('turns an unacknowledged revocation into an overdue finding after 72 hours; a suspended company may still ack', async () => {
      const { company, pseudonym } = await relationship();
      const revocation = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      const findingsNow = await expectJson<{ findings: unknown[] }>(
        await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
        200,
      );
      expect(findingsNow.findings).toEqual([]);
      api.clock.advance(72 * 3600 + 1);
      const findings = await expectJson<{ findings: Record<string, unknown>[] }>(
        await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
        200,
      );
      expect(findings.findings).toMatchObject([
        {
          type: 'revocation-ack-overdue',
          revocationSha256: revocation.sha256,
          pseudonym: pseudonym.id,
          ackedAt: null,
        },
      ]);
      await api.services.companies.setStatus(company.id, 'suspended');
      expect(
        await expectJson(await ack(company, revocation.sha256, pseudonym.id), 201),
      ).toMatchObject({ onTime: false });
      const view = await expectJson<{ trust: Record<string, unknown> }>(
        await get(companyRoute.GET, `/api/v1/companies/${company.id}`, api.clock),
        200,
      );
      expect(view.trust).toMatchObject({
        status: 'suspended',
        revocationAcks: { onTime: 0, overdue: 1, open: 0 },
      });
    });
  });

  // ----- the company feed ----------------------------------------------------------------------

  describe('GET /api/v1/companies/me/events', () => {
    it('gives grants, refusals and revocations in order, after a cursor', async () => {
      const { company, pseudonym, grantSha256, requestSha256 } = await relationship();
      const second = newPseudonym(company.id);
      const refusal = await sign(
        'refusal',
        {
          ...claims(api.clock, second.id, company.id),
          requestSha256,
          pseudonymKey: publicJwk(second.keyPair),
        },
        second.keyPair,
      );
      const refused = await expectJson<Receipt>(
        await post(refusalsRoute.POST, '/api/v1/refusals', refusal),
        201,
      );
      const revoked = await expectJson<Receipt>(
        await revoke(pseudonym, company, [{ grantSha256 }]),
        201,
      );

      const feed = await expectJson<{ events: Record<string, unknown>[]; next: string }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events?after=0', api.clock, company),
        200,
      );
      expect(feed.events.map((e) => [e.kind, e.sha256, e.cursor])).toEqual([
        ['grant', grantSha256, '1'],
        ['refusal', refused.sha256, '2'],
        ['revocation', revoked.sha256, '3'],
      ]);
      expect(feed.events[0]!.pseudonym).toBe(pseudonym.id);
      expect(typeof feed.events[0]!.jws).toBe('string');
      expect(feed.next).toBe('3');
      const rest = await expectJson<{ events: unknown[]; next: string }>(
        await get(
          eventsRoute.GET,
          '/api/v1/companies/me/events?after=2&limit=10',
          api.clock,
          company,
        ),
        200,
      );
      expect(rest.events).toHaveLength(1);
      const none = await expectJson<{ events: unknown[]; next: string }>(
        await get(eventsRoute.GET, '/api/v1/companies/me/events?after=3', api.clock, company),
        200,
      );
      expect(none).toEqual({ events: [], next: '3' });
      // A suspended company still reads its feed.
      await api.services.companies.setStatus(company.id, 'suspended');
      expect(
        (await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, company)).status,
      ).toBe(200);
    });

    it('refuses callers that are not a company, unsigned calls and signatures for another request', async () => {
      const { company, pseudonym } = await relationship();
      const path = '/api/v1/companies/me/events?after=0';
      await expectProblem(await get(eventsRoute.GET, path, api.clock), 401, 'ERR_AUTH_MISSING');
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, { authorization: 'Bearer x' }),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, company, {
          signedFor: '/api/v1/companies/me/events?after=5',
        }),
        401,
        'ERR_REQUEST_MISMATCH',
      );
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, company, { window: 120 }),
        400,
        'ERR_JWS_WINDOW_TOO_LONG',
      );
      // A signature whose claims name no signer: said so, not that the registered key is unknown.
      const base = claims(api.clock, company.id, testOrigin);
      const { iss: _left, ...withoutIss } = { ...base, exp: base.iat + 60, method: 'GET', path };
      const noIss = await signRaw('request', withoutIss, company.keyPair);
      const missing = await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, {
          authorization: `Signature ${noIss}`,
        }),
        400,
        'ERR_MESSAGE_INVALID',
      );
      expect(missing.detail_data).toEqual({ issues: ['iss'] });
      // A header whose value is no compact JWS carries no credential at all: it is answered as a
      // missing one (docs/api.md "How machines authenticate"), before any claim is read.
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, { authorization: 'Signature abc' }),
        401,
        'ERR_AUTH_MISSING',
      );
      await expectProblem(
        await get(eventsRoute.GET, '/api/v1/companies/me/events?after=x', api.clock, company),
        400,
        'ERR_QUERY_INVALID',
      );
      const unknown = newCompany();
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, unknown),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('refuses a replayed request signature and an expired one', async () => {
      const company = await register();
      const path = '/api/v1/companies/me/events';
      const token = await requestSignature(api.clock, company, 'GET', path);
      const authorization = `Signature ${token}`;
      expect(
        (await get(eventsRoute.GET, path, api.clock, undefined, { authorization })).status,
      ).toBe(200);
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, { authorization }),
        409,
        'ERR_JWS_REPLAYED',
      );
      const stale = await requestSignature(api.clock, company, 'GET', path);
      api.clock.advance(180);
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, {
          authorization: `Signature ${stale}`,
        }),
        400,
        'ERR_JWS_EXPIRED',
      );
    });
  });

  // ----- relationships -------------------------------------------------------------------------

  describe('relationships of a pseudonym', () => {
    it('lists its own grants, refusals, revocations and the requests they answer', async () => {
      const { company, pseudonym, grantSha256, requestSha256 } = await relationship();
      const revoked = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      const body = await expectJson<Record<string, unknown>>(
        await get(
          relationshipsRoute.GET,
          `/api/v1/pseudonyms/${pseudonym.id}/relationships`,
          api.clock,
          pseudonym,
        ),
        200,
      );
      expect(body).toMatchObject({
        pseudonym: pseudonym.id,
        company: { id: company.id, status: 'active' },
        requests: [{ sha256: requestSha256 }],
        grants: [{ sha256: grantSha256, status: 'revoked' }],
        refusals: [],
        revocations: [{ sha256: revoked.sha256, acknowledged: false }],
      });
    });

    it('dates an acknowledged revocation by when the acknowledgement was stored, an open one not', async () => {
      const { company, pseudonym } = await relationship();
      const acked = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      api.clock.advance(1);
      const open = await expectJson<Receipt>(await revoke(pseudonym, company, 'all'), 201);
      api.clock.advance(3600);
      const ackedAt = api.clock.now();
      await expectJson(await ack(company, acked.sha256, pseudonym.id), 201);
      api.clock.advance(60);
      const path = `/api/v1/pseudonyms/${pseudonym.id}/relationships`;
      const body = await expectJson<{ revocations: Record<string, unknown>[] }>(
        await get(relationshipsRoute.GET, path, api.clock, pseudonym),
        200,
      );
      // Failed before: `{sha256, jws, acknowledged: true}`, with no date of the acknowledgement.
      expect(body.revocations).toEqual([
        {
          sha256: acked.sha256,
          jws: expect.any(String),
          acknowledged: true,
          acknowledgedAt: ackedAt,
        },
        { sha256: open.sha256, jws: expect.any(String), acknowledged: false },
      ]);
      // The batch call, which a recovery reads, answers the same.
      const batch = await expectJson<{ results: { relationships: Record<string, unknown> }[] }>(
        await post(
          batchRoute.POST,
          '/api/v1/relationships/batch',
          JSON.stringify({ requests: [await requestSignature(api.clock, pseudonym, 'GET', path)] }),
          { 'content-type': 'application/json' },
        ),
        200,
      );
      expect(batch.results[0]!.relationships.revocations).toEqual(body.revocations);
    });

    it('answers only the pseudonym itself', async () => {
      const { pseudonym, company } = await relationship();
      const other = await relationship();
      const path = `/api/v1/pseudonyms/${pseudonym.id}/relationships`;
      await expectProblem(
        await get(relationshipsRoute.GET, path, api.clock, other.pseudonym),
        403,
        'ERR_NOT_AUTHORISED',
      );
      await expectProblem(
        await get(relationshipsRoute.GET, path, api.clock, company),
        403,
        'ERR_NOT_AUTHORISED',
      );
      const stranger = newPseudonym(company.id);
      await expectProblem(
        await get(
          relationshipsRoute.GET,
          `/api/v1/pseudonyms/${stranger.id}/relationships`,
          api.clock,
          stranger,
        ),
        404,
        'ERR_PSEUDONYM_UNKNOWN',
      );
    });

    it('serves many pseudonyms in one batch call, each by its own signature', async () => {
      const a = await relationship();
      const b = await relationship();
      const stranger = newPseudonym(a.company.id);
      const pathOf = (id: string) => `/api/v1/pseudonyms/${id}/relationships`;
      const requests = [
        await requestSignature(api.clock, a.pseudonym, 'GET', pathOf(a.pseudonym.id)),
        await requestSignature(api.clock, b.pseudonym, 'GET', pathOf(b.pseudonym.id)),
        await requestSignature(api.clock, stranger, 'GET', pathOf(stranger.id)),
        await requestSignature(api.clock, a.pseudonym, 'GET', pathOf(b.pseudonym.id)),
      ];
      const body = await expectJson<{ results: Record<string, unknown>[] }>(
        await post(batchRoute.POST, '/api/v1/relationships/batch', JSON.stringify({ requests }), {
          'content-type': 'application/json',
        }),
        200,
      );
      expect(body.results.map((r) => r.status)).toEqual([200, 200, 404, 403]);
      expect(body.results[0]).toMatchObject({
        pseudonym: a.pseudonym.id,
        relationships: { grants: [{ sha256: a.grantSha256 }] },
      });
      expect(body.results[1]).toMatchObject({ pseudonym: b.pseudonym.id });
      expect(body.results[2]).toMatchObject({ problem: { code: 'ERR_PSEUDONYM_UNKNOWN' } });
      expect(body.results[3]).toMatchObject({ problem: { code: 'ERR_NOT_AUTHORISED' } });
      // The signatures are spent.
      const again = await expectJson<{ results: Record<string, unknown>[] }>(
        await post(
          batchRoute.POST,
          '/api/v1/relationships/batch',
          JSON.stringify({ requests: requests.slice(0, 1) }),
          {
            'content-type': 'application/json',
          },
        ),
        200,
      );
      expect(again.results[0]).toMatchObject({
        status: 409,
        problem: { code: 'ERR_JWS_REPLAYED' },
      });
    });

    it('refuses a malformed batch as a whole', async () => {
      const json = { 'content-type': 'application/json' };
      await expectProblem(
        await post(batchRoute.POST, '/api/v1/relationships/batch', '{"requests":[]}', json),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await post(batchRoute.POST, '/api/v1/relationships/batch', 'nope', json),
        400,
        'ERR_QUERY_INVALID',
      );
      await expectProblem(
        await post(batchRoute.POST, '/api/v1/relationships/batch', '{"requests":["a"]}'),
        415,
        'ERR_CONTENT_TYPE_UNSUPPORTED',
      );
      const many = JSON.stringify({ requests: Array.from({ length: 101 }, () => 'a.b.c') });
      await expectProblem(
        await post(batchRoute.POST, '/api/v1/relationships/batch', many, json),
        400,
        'ERR_QUERY_INVALID',
      );
    });
  });

  // ----- last: no customer plaintext anywhere --------------------------------------------------

  it('holds no customer name, e-mail, address, device id or secret in any table after the suite', async () => {
    // The customer's own Assistant has all of these; none may reach the clearinghouse.
    const seedForms = [
      Buffer.from(customer.masterSeed).toString('hex'),
      Buffer.from(customer.masterSeed).toString('base64url'),
      Buffer.from(customer.masterSeed).toString('base64'),
    ];
    const secrets = [
      customer.name,
      customer.email,
      customer.address,
      customer.deviceId,
      ...seedForms,
    ];
    const cells = await allCells(api);
    expect(cells.length).toBeGreaterThan(100);
    const leaks = findPlaintext(cells, secrets);
    expect(leaks).toEqual([]);
    // The scanner itself finds plaintext hidden inside a JWS payload (so it can fail).
    const planted = `eyJhbGciOiJFZERTQSJ9.${Buffer.from(JSON.stringify({ note: customer.email })).toString('base64url')}.sig`;
    expect(findPlaintext([{ table: 't', column: 'c', value: planted }], secrets)).toHaveLength(1);
  });
});

interface Cell {
  table: string;
  column: string;
  value: string;
}

/** Every text and blob value of every table of the harness's database. */
async function allCells(api: ApiHarness): Promise<Cell[]> {
  const db = api.tdb.cdb.db;
  const tables =
    api.tdb.cdb.dialect === 'sqlite'
      ? (
          await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(
            db,
          )
        ).rows.map((r) => r.name)
      : (
          await sql<{
            name: string;
          }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(
            db,
          )
        ).rows.map((r) => r.name);
  expect(tables).toEqual(
    expect.arrayContaining(['messages', 'companies', 'grants', 'pseudonyms', 'consent_events']),
  );
  const cells: Cell[] = [];
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db))
      .rows;
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string') cells.push({ table, column, value });
        else if (value instanceof Uint8Array)
          cells.push({ table, column, value: Buffer.from(value).toString('latin1') });
      }
    }
  }
  return cells;
}

/** Cells containing a secret, also inside the decoded payload of a compact JWS. */
function findPlaintext(cells: Cell[], secrets: string[]): Cell[] {
  const lowered = secrets.map((s) => s.toLowerCase());
  return cells.filter(({ value }) => {
    const views = [value];
    for (const part of value.split('.')) {
      if (/^[A-Za-z0-9_-]{8,}$/.test(part)) {
        try {
          views.push(utf8Decode(base64urlDecode(part.length % 4 === 1 ? part.slice(0, -1) : part)));
        } catch {
          // not base64url: nothing hidden in it
        }
      }
    }
    return views.some((view) => lowered.some((secret) => view.toLowerCase().includes(secret)));
  });
}
