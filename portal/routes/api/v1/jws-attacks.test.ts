/**
 * Forged and misused JWS through the real route handlers (issue 12, "Attacks"), on SQLite and
 * PostgreSQL: every attack of the issue's list is refused with its own problem type, and none of
 * them stores anything. protocol/jws.test.ts covers the verifier itself in more depth; this file
 * proves the API maps each refusal to the right problem and writes nothing.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { publicJwk, type Ed25519KeyPair } from '$protocol/keys';
import { signDetached } from '$protocol/sodium';
import {
  claims,
  companyMessage,
  expectJson,
  expectProblem,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import * as companiesRoute from './companies/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as keysRoute from './companies/me/keys/+server';

/** A compact JWS with exactly this header and payload, signed (Ed25519) by `by`. */
function forge(header: unknown, payload: unknown, by: Ed25519KeyPair): string {
  const h = base64urlEncode(utf8Encode(JSON.stringify(header)));
  const p = base64urlEncode(utf8Encode(JSON.stringify(payload)));
  return `${h}.${p}.${base64urlEncode(signDetached(utf8Encode(`${h}.${p}`), by.privateKey))}`;
}

describe.each(testDialects)('forged and misused JWS on %s', (dialect) => {
  let api: ApiHarness;
  let company: TestCompany;
  let other: TestCompany;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    company = await register(newCompany());
    other = await register(newCompany());
  });
  afterAll(async () => {
    await api?.close();
  });

  async function register(c: TestCompany): Promise<TestCompany> {
    api.proofs.set(c.domain, { keys: [c.kid] });
    const token = await sign('company', companyMessage(api.clock, c), c.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return c;
  }

  const requestPayload = (c: TestCompany, extra: Record<string, unknown> = {}) => ({
    ...claims(api.clock, c.id, testOrigin),
    scopes: [requestedScope(api.clock)],
    reason: { de: 'Neuigkeiten zu Laufschuhen.', en: 'News about running shoes.' },
    ...extra,
  });
  const header = (c: TestCompany, extra: Record<string, unknown> = {}) => ({
    alg: 'EdDSA',
    typ: 'grant-request+jws',
    kid: c.kid,
    ...extra,
  });

  async function messageCount(): Promise<number> {
    const row = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Posts a grant request token and expects the problem; nothing may be stored. */
  async function refused(token: string, status: number, code: string): Promise<void> {
    const before = await messageCount();
    await expectProblem(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', token),
      status,
      code,
    );
    expect(await messageCount()).toBe(before);
  }

  it('accepts the honest request, so the refusals below are about the attack alone', async () => {
    await expectJson(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        forge(header(company), requestPayload(company), company.keyPair),
      ),
      201,
    );
  });

  it('refuses alg none, and HS256 keyed with the public key', async () => {
    const payload = requestPayload(company);
    const h = base64urlEncode(utf8Encode(JSON.stringify(header(company, { alg: 'none' }))));
    const p = base64urlEncode(utf8Encode(JSON.stringify(payload)));
    await refused(`${h}.${p}.`, 400, 'ERR_JWS_MALFORMED'); // no signature at all
    const zeros = base64urlEncode(new Uint8Array(64));
    await refused(`${h}.${p}.${zeros}`, 400, 'ERR_JWS_ALG_NOT_ALLOWED');

    const hs = base64urlEncode(utf8Encode(JSON.stringify(header(company, { alg: 'HS256' }))));
    const mac = createHmac('sha256', Buffer.from(company.keyPair.publicKey))
      .update(`${hs}.${p}`)
      .digest();
    await refused(`${hs}.${p}.${base64urlEncode(mac)}`, 400, 'ERR_JWS_ALG_NOT_ALLOWED');
  });

  it("refuses another company's kid, and embedded jwk or jku headers", async () => {
    // Signed by the attacker under the victim's kid: the victim's key does not verify it.
    await refused(
      forge(header(other), requestPayload(other), company.keyPair),
      401,
      'ERR_JWS_SIGNATURE_INVALID',
    );
    // The attacker's own kid, claiming to be the other company: a kid is looked up among the
    // issuer's keys only.
    await refused(
      forge(header(company), requestPayload(other), company.keyPair),
      401,
      'ERR_JWS_KID_UNKNOWN',
    );
    await refused(
      forge(
        header(company, { jwk: publicJwk(company.keyPair) }),
        requestPayload(company),
        company.keyPair,
      ),
      400,
      'ERR_JWS_HEADER_INVALID',
    );
    await refused(
      forge(
        header(company, { jku: 'https://evil.example/keys' }),
        requestPayload(company),
        company.keyPair,
      ),
      400,
      'ERR_JWS_HEADER_INVALID',
    );
  });

  it('refuses non-canonical base64url', async () => {
    const token = forge(header(company), requestPayload(company), company.keyPair);
    const [h, p, s] = token.split('.') as [string, string, string];
    await refused(`${h}.${p}.${s}=`, 400, 'ERR_BASE64URL_NONCANONICAL');
    // The last character of a 64-byte signature carries 4 unused bits; setting one is non-canonical.
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tweaked = alphabet[(alphabet.indexOf(last) & ~0b1111) | 0b0001]!;
    await refused(`${h}.${p}.${s.slice(0, -1)}${tweaked}`, 400, 'ERR_BASE64URL_NONCANONICAL');
  });

  it('refuses a valid signature under the wrong typ or aud', async () => {
    await refused(
      forge(header(company, { typ: 'grant+jws' }), requestPayload(company), company.keyPair),
      400,
      'ERR_JWS_TYP_MISMATCH',
    );
    await refused(
      forge(
        header(company),
        requestPayload(company, { aud: 'https://other.example' }),
        company.keyPair,
      ),
      400,
      'ERR_JWS_AUD_MISMATCH',
    );
  });

  it('refuses an expired request, one from the future beyond the skew, and a replayed jti', async () => {
    const now = api.clock.seconds();
    await refused(
      forge(
        header(company),
        requestPayload(company, { iat: now - 1000, exp: now - 700 }),
        company.keyPair,
      ),
      400,
      'ERR_JWS_EXPIRED',
    );
    await refused(
      forge(
        header(company),
        requestPayload(company, { iat: now + 600, exp: now + 900 }),
        company.keyPair,
      ),
      400,
      'ERR_JWS_NOT_YET_VALID',
    );
    const jti = randomUUID();
    const first = forge(header(company), requestPayload(company, { jti }), company.keyPair);
    await expectJson(await post(grantRequestsRoute.POST, '/api/v1/grant-requests', first), 201);
    await refused(
      forge(
        header(company),
        requestPayload(company, { jti, reason: { de: 'Anders.', en: 'Other.' } }),
        company.keyPair,
      ),
      409,
      'ERR_JWS_REPLAYED',
    );
  });

  it("refuses a pseudonym's grant signed by another pseudonym", async () => {
    const request = await post(
      grantRequestsRoute.POST,
      '/api/v1/grant-requests',
      forge(header(company), requestPayload(company), company.keyPair),
    );
    const { sha256 } = (await request.json()) as { sha256: string };
    const owner = newPseudonym(company.id);
    const thief = newPseudonym(company.id);
    const scope = requestedScope(api.clock);
    const payload = {
      ...claims(api.clock, owner.id, company.id),
      requestSha256: sha256,
      scopes: [{ ...scope, channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: api.clock.seconds() + 365 * 86_400,
      pseudonymKey: publicJwk(owner.keyPair),
    };
    const before = await messageCount();
    const forged = forge(
      { alg: 'EdDSA', typ: 'grant+jws', kid: owner.kid },
      payload,
      thief.keyPair,
    );
    const response = await post(grantsRoute.POST, '/api/v1/grants', forged);
    const body = (await response.clone().json()) as { code?: string };
    // The owner's key is named by kid and carried in the payload: the thief's signature fails.
    expect([response.status, body.code]).toEqual([401, 'ERR_JWS_SIGNATURE_INVALID']);
    expect(await messageCount()).toBe(before);
  });

  it('refuses a request signed by a retired key, and one from a suspended company', async () => {
    const victim = await register(newCompany());
    const second = newCompany();
    const add = async (action: Record<string, unknown>, by: Ed25519KeyPair) =>
      post(
        keysRoute.POST,
        '/api/v1/companies/me/keys',
        forge(
          {
            alg: 'EdDSA',
            typ: 'company-key+jws',
            kid: by === victim.keyPair ? victim.kid : second.kid,
          },
          { ...claims(api.clock, victim.id, testOrigin), ...action },
          by,
        ),
      );
    await expectJson(
      await add({ action: 'add', key: publicJwk(second.keyPair) }, victim.keyPair),
      201,
    );
    await expectJson(await add({ action: 'retire', kid: victim.kid }, second.keyPair), 201);
    // A retired key is no longer among the company's keys.
    await refused(
      forge(header(victim), requestPayload(victim), victim.keyPair),
      401,
      'ERR_JWS_KID_UNKNOWN',
    );

    const suspended = await register(newCompany());
    await api.services.companies.setStatus(suspended.id, 'suspended');
    await refused(
      forge(header(suspended), requestPayload(suspended), suspended.keyPair),
      403,
      'ERR_COMPANY_NOT_ACTIVE',
    );
  });
});
