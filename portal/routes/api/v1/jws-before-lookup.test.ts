/**
 * A token that could never verify is answered with what is wrong with it, before anything its
 * unverified claims name is looked up (DESIGN section 3, promise 5; docs/api.md "How machines
 * authenticate"): through every route that takes a signed message, and the `request` signature
 * of GET, on SQLite and PostgreSQL. The claims below name a company and a pseudonym that do not
 * exist, so a route that looked them up first would answer ERR_COMPANY_UNKNOWN,
 * ERR_PSEUDONYM_UNKNOWN or ERR_PSEUDONYM_KEY_REQUIRED instead (auth/signatures.ts `peekMessage`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import type { Ed25519KeyPair } from '$protocol/keys';
import { signDetached } from '$protocol/sodium';
import {
  expectProblem,
  get,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import * as accessRoute from './access/+server';
import * as blacklistRoute from './blacklist/+server';
import * as companiesRoute from './companies/+server';
import * as keysRoute from './companies/me/keys/+server';
import * as eventsRoute from './companies/me/events/+server';
import * as decisionsRoute from './complaint-decisions/+server';
import * as complaintsRoute from './complaints/+server';
import * as correctionsRoute from './corrections/+server';
import * as answersRoute from './data-request-answers/+server';
import * as dataRequestsRoute from './data-requests/+server';
import * as disclosuresRoute from './disclosures/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as grantsRoute from './grants/+server';
import * as offersRoute from './offers/+server';
import * as invitationsRoute from './people/invitations/+server';
import * as refusalsRoute from './refusals/+server';
import * as acksRoute from './revocation-acks/+server';
import * as revocationsRoute from './revocations/+server';
import * as rewardsRoute from './rewards/+server';
import * as suspensionsRoute from './suspensions/+server';

type Signer = 'company' | 'pseudonym' | 'regulator';
/** A route's POST handler, as `post` takes it. */
type Handler = Parameters<typeof post>[0];

/** Every route that takes a signed message: its kind and who signs it. */
const routes: [path: string, kind: string, signer: Signer, handler: Handler][] = [
  ['/api/v1/grants', 'grant', 'pseudonym', grantsRoute.POST],
  ['/api/v1/refusals', 'refusal', 'pseudonym', refusalsRoute.POST],
  ['/api/v1/revocations', 'revocation', 'pseudonym', revocationsRoute.POST],
  ['/api/v1/corrections', 'correction', 'pseudonym', correctionsRoute.POST],
  ['/api/v1/data-requests', 'data-request', 'pseudonym', dataRequestsRoute.POST],
  ['/api/v1/complaints', 'complaint', 'pseudonym', complaintsRoute.POST],
  ['/api/v1/blacklist', 'blacklist', 'pseudonym', blacklistRoute.POST],
  ['/api/v1/grant-requests', 'grant-request', 'company', grantRequestsRoute.POST],
  ['/api/v1/revocation-acks', 'revocation-ack', 'company', acksRoute.POST],
  ['/api/v1/offers', 'offer', 'company', offersRoute.POST],
  ['/api/v1/rewards', 'reward', 'company', rewardsRoute.POST],
  ['/api/v1/disclosures', 'disclosure', 'company', disclosuresRoute.POST],
  ['/api/v1/data-request-answers', 'data-request-answer', 'company', answersRoute.POST],
  ['/api/v1/access', 'access', 'company', accessRoute.POST],
  ['/api/v1/companies/me/keys', 'company-key', 'company', keysRoute.POST],
  ['/api/v1/companies', 'company', 'company', companiesRoute.POST],
  ['/api/v1/people/invitations', 'person-invitation', 'company', invitationsRoute.POST],
  ['/api/v1/complaint-decisions', 'complaint-decision', 'regulator', decisionsRoute.POST],
  ['/api/v1/suspensions', 'suspension', 'regulator', suspensionsRoute.POST],
];

const part = (value: unknown) => base64urlEncode(utf8Encode(JSON.stringify(value)));

/** A compact JWS with exactly this header and payload, signed (Ed25519) by `by`. */
function forge(header: unknown, payload: unknown, by: Ed25519KeyPair): string {
  const signingInput = `${part(header)}.${part(payload)}`;
  return `${signingInput}.${base64urlEncode(signDetached(utf8Encode(signingInput), by.privateKey))}`;
}

/**
 * What is wrong with the token on its own, and the answer it gets: the header's faults and a
 * non-canonical signature, each with its own code.
 */
const faults: [
  name: string,
  token: (kind: string, kid: string, payload: unknown, by: Ed25519KeyPair) => string,
  status: number,
  code: string,
][] = [
  [
    'alg none without a signature key',
    (kind, _kid, payload) => `${part({ alg: 'none', typ: `${kind}+jws` })}.${part(payload)}.AAAA`,
    400,
    'ERR_JWS_ALG_NOT_ALLOWED',
  ],
  [
    'alg HS256',
    (kind, kid, payload, by) => forge({ alg: 'HS256', typ: `${kind}+jws`, kid }, payload, by),
    400,
    'ERR_JWS_ALG_NOT_ALLOWED',
  ],
  [
    'the typ of another kind',
    (kind, kid, payload, by) =>
      forge({ alg: 'EdDSA', typ: kind === 'offer' ? 'grant+jws' : 'offer+jws', kid }, payload, by),
    400,
    'ERR_JWS_TYP_MISMATCH',
  ],
  [
    'a crit header',
    (kind, kid, payload, by) =>
      forge({ alg: 'EdDSA', typ: `${kind}+jws`, kid, crit: ['exp'] }, payload, by),
    400,
    'ERR_JWS_HEADER_INVALID',
  ],
  [
    'a kid that is no thumbprint',
    (kind, _kid, payload, by) =>
      forge({ alg: 'EdDSA', typ: `${kind}+jws`, kid: 'k1' }, payload, by),
    400,
    'ERR_JWS_HEADER_INVALID',
  ],
  [
    'a padded signature',
    (kind, kid, payload, by) => `${forge({ alg: 'EdDSA', typ: `${kind}+jws`, kid }, payload, by)}=`,
    400,
    'ERR_BASE64URL_NONCANONICAL',
  ],
];

describe.each(testDialects)('a token judged on its own before any lookup, on %s', (dialect) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  async function messageCount(): Promise<number> {
    const row = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Common claims from `iss` to `aud`, naming `company` where a kind names one in its payload. */
  function payloadOf(iss: string, aud: string, company: string) {
    const iat = api.clock.seconds();
    return { v: 1, iss, aud, company, iat, exp: iat + 300, jti: randomUUID() };
  }

  it.each(routes)(
    '%s (%s) answers a faulty token before it looks up its signer',
    async (path, kind, signer, handler) => {
      // Nobody here is registered or bound: any lookup would answer that, not the fault.
      const company = newCompany();
      const pseudonym = newPseudonym(company.id);
      const who =
        signer === 'pseudonym'
          ? pseudonym
          : { ...company, id: signer === 'regulator' ? `rg_${company.kid}` : company.id };
      const aud = signer === 'pseudonym' ? company.id : pseudonym.id;
      const before = await messageCount();
      for (const [name, token, status, code] of faults) {
        const sent = token(kind, who.kid, payloadOf(who.id, aud, company.id), who.keyPair);
        const body = await post(handler, path, sent);
        const answered = (await body.clone().json()) as { code?: string };
        expect({ fault: name, status: body.status, code: answered.code }).toEqual({
          fault: name,
          status,
          code,
        });
        await expectProblem(body, status, code);
      }
      expect(await messageCount()).toBe(before);
    },
  );

  it.each([
    ['/api/v1/grants', 'grant', grantsRoute.POST],
    ['/api/v1/refusals', 'refusal', refusalsRoute.POST],
  ] as const)(
    '%s answers alg none with payload {v: 1} and signature AAAA as such',
    async (path, kind, handler) => {
      const token = `${part({ alg: 'none', typ: `${kind}+jws` })}.${part({ v: 1 })}.AAAA`;
      await expectProblem(await post(handler, path, token), 400, 'ERR_JWS_ALG_NOT_ALLOWED');
    },
  );

  it('answers a request signature of an unbound pseudonym with its header fault', async () => {
    const company = newCompany();
    const pseudonym = newPseudonym(company.id);
    const path = '/api/v1/companies/me/events?after=0';
    const payload = { ...payloadOf(pseudonym.id, testOrigin, company.id), method: 'GET', path };
    const token = forge(
      { alg: 'HS256', typ: 'request+jws', kid: pseudonym.kid },
      payload,
      pseudonym.keyPair,
    );
    await expectProblem(
      await get(eventsRoute.GET, path, api.clock, undefined, {
        authorization: `Signature ${token}`,
      }),
      400,
      'ERR_JWS_ALG_NOT_ALLOWED',
    );
  });

  it.each([
    ['one part', 'Signature xx'],
    ['two parts', 'Signature abc.def'],
    ['an empty part', 'Signature abc..def'],
    ['a character outside base64url', 'Signature ab+c.def.ghi'],
    ['nothing after the scheme', 'Signature '],
    ['another scheme', 'Bearer abc.def.ghi'],
  ])(
    'answers an Authorization header with %s as missing (401 ERR_AUTH_MISSING)',
    async (_name, authorization) => {
      const path = '/api/v1/companies/me/events?after=0';
      await expectProblem(
        await get(eventsRoute.GET, path, api.clock, undefined, { authorization }),
        401,
        'ERR_AUTH_MISSING',
      );
    },
  );
});
