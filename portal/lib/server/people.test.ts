/**
 * People (docs/api.md "People") on SQLite and PostgreSQL: one-time enrolment links, passkey
 * ceremonies against the real `@simplewebauthn/server` checks (a software authenticator plays the
 * browser), sessions with their timeouts, person keys and their retirement, and request
 * verification with person keys through the route handlers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type ProtocolErrorCode } from '$protocol/errors';
import { signCompact } from '$protocol/jws';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import { signMessage } from '$protocol/signed';
import {
  claims,
  companyMessage,
  newPseudonym,
  requestedScope,
  expectJson,
  expectProblem,
  get,
  newCompany,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  blockedOrSettled,
  del,
} from './api-test-kit';
import { testDialects } from './db/test-databases';
import {
  challengeLifetimeMs,
  enrolmentLifetimeMs,
  sessionAbsoluteMs,
  sessionIdleMs,
  tokenHash,
  type NewSession,
  type PersonView,
} from './people';
import { setSessionCookie } from './auth/session';
import { SoftAuthenticator } from './soft-authenticator';
import * as enrolRoute from '../../routes/auth/enrol/+server';
import * as enrolOptionsRoute from '../../routes/auth/enrol/options/+server';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';
import * as acksRoute from '../../routes/api/v1/revocation-acks/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';
import * as staffRoute from '../../routes/api/v1/companies/me/staff/+server';
import * as invitationsRoute from '../../routes/api/v1/people/invitations/+server';
import * as suspensionsRoute from '../../routes/api/v1/suspensions/+server';
import * as meRoute from '../../routes/api/v1/people/me/+server';
import * as personRoute from '../../routes/api/v1/people/[personId]/+server';
import * as invitationRoute from '../../routes/api/v1/people/invitations/[id]/+server';
import * as personKeyRoute from '../../routes/api/v1/people/keys/[kid]/+server';
import * as enrolPage from '../../routes/enroll/[token]/+page.server';

const random = (n: number) => new Uint8Array(randomBytes(n));

async function expectCode(promise: Promise<unknown>, code: ProtocolErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code).toBe(code);
}

/** A person as the tests drive them: their browser (passkeys) and their signing key. */
interface Enrolled {
  person: PersonView;
  session: NewSession;
  authenticator: SoftAuthenticator;
  keyPair: Ed25519KeyPair;
  /** What they sign as: `rg_<kid>` or their company id. */
  signer: { id: string; keyPair: Ed25519KeyPair };
}

describe.each(testDialects)('people on %s', (dialect) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
  });
  afterAll(async () => {
    await api?.close();
  });

  const people = () => api.services.people;

  function keyProof(keyPair: Ed25519KeyPair, challenge: string, aud = testOrigin) {
    const iat = api.clock.seconds();
    return signCompact({
      kind: 'person-key',
      payload: { aud, iat, exp: iat + 300, jti: randomUUID(), challenge },
      keyPair,
    });
  }

  async function enrolWith(
    token: string,
    options: {
      name?: string;
      authenticator?: SoftAuthenticator;
      keyPair?: Ed25519KeyPair;
    } = {},
  ): Promise<Enrolled> {
    const authenticator = options.authenticator ?? new SoftAuthenticator(testOrigin);
    const keyPair = options.keyPair ?? generateKeyPair(random);
    const ceremony = await people().enrolmentOptions(token);
    const { person, session } = await people().completeEnrolment({
      token,
      challengeId: ceremony.challengeId,
      response: authenticator.register(ceremony.options),
      signingKey: publicJwk(keyPair),
      keyProof: await keyProof(keyPair, ceremony.options.challenge),
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    return {
      person,
      session,
      authenticator,
      keyPair,
      signer: { id: person.signer!, keyPair },
    };
  }

  async function newRegulator(name = 'Anna Aufsicht'): Promise<Enrolled> {
    const { token } = await people().createEnrolment({
      role: 'regulator',
      name,
      createdBy: 'admin',
    });
    return enrolWith(token);
  }

  async function registeredCompany(): Promise<{ company: TestCompany; staffLink: string }> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid], companyId: company.id });
    const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
    const body = await expectJson<{ staffEnrolment?: { link: string; expiresAt: number } }>(
      await post(companiesRoute.POST, '/api/v1/companies', token),
      201,
    );
    expect(body.staffEnrolment?.expiresAt).toBe(api.clock.now() + enrolmentLifetimeMs);
    return { company, staffLink: body.staffEnrolment!.link };
  }

  const tokenOfLink = (link: string) => link.slice(`${testOrigin}/enroll/`.length);

  async function invitation(
    signer: { id: string; keyPair: Ed25519KeyPair },
    fields: Record<string, unknown>,
  ): Promise<string> {
    const iat = api.clock.seconds();
    return signCompact({
      kind: 'person-invitation',
      payload: {
        v: 1,
        iss: signer.id,
        aud: testOrigin,
        iat,
        exp: iat + 300,
        jti: randomUUID(),
        ...fields,
      },
      keyPair: signer.keyPair,
    });
  }

  const deletePerson = (signer: { id: string; keyPair: Ed25519KeyPair }, personId: string) =>
    del(personRoute.DELETE, `/api/v1/people/${personId}`, { personId }, api.clock, signer);

  const withdrawInvitation = (signer: { id: string; keyPair: Ed25519KeyPair }, id: string) =>
    del(invitationRoute.DELETE, `/api/v1/people/invitations/${id}`, { id }, api.clock, signer);

  /**
   * Runs `send()` while `meanwhile` runs once, just before `send` opens its first transaction:
   * what another request commits between a login's passkey check and its session.
   */
  async function beforeNextTransaction<T>(
    meanwhile: () => Promise<unknown>,
    send: () => Promise<T>,
  ): Promise<T> {
    const db = api.tdb.cdb.db as unknown as Record<string, unknown>;
    const restore = () => delete db.transaction; // the prototype's method again
    db.transaction = () => ({
      execute: async (work: never) => {
        restore();
        await meanwhile();
        return api.tdb.cdb.db.transaction().execute(work);
      },
    });
    try {
      return await send();
    } finally {
      restore();
    }
  }

  async function sessionsOf(personId: string): Promise<unknown[]> {
    return api.tdb.cdb.db
      .selectFrom('sessions')
      .select('id_hash')
      .where('person_id', '=', personId)
      .execute();
  }

  function getPersonKey(kid: string): Promise<Response> {
    const url = new URL(`${testOrigin}/api/v1/people/keys/${kid}`);
    return Promise.resolve(
      personKeyRoute.GET({ request: new Request(url), url, params: { kid } } as never),
    );
  }

  // ----- enrolment links ---------------------------------------------------------------------

  describe('enrolment links', () => {
    it('stores only the hash of a link token, which is 32 random bytes in base64url', async () => {
      const link = await people().createEnrolment({
        role: 'regulator',
        name: 'Bea Behörde',
        createdBy: 'admin',
      });
      expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(link.link).toBe(`${testOrigin}/enroll/${link.token}`);
      expect(link.expiresAt).toBe(api.clock.now() + enrolmentLifetimeMs);
      const rows = await api.tdb.cdb.db.selectFrom('enrolments').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(link.token);
      expect(rows.map((row) => row.token_hash)).toContain(tokenHash(link.token));
    });

    it('explains a valid link: role, name, and until when it works', async () => {
      const { token, expiresAt } = await people().createEnrolment({
        role: 'regulator',
        name: 'Bea Behörde',
        createdBy: 'admin',
      });
      expect(await people().inspectEnrolment(token)).toEqual({
        role: 'regulator',
        companyId: null,
        companyName: null,
        name: 'Bea Behörde',
        recovery: false,
        expiresAt,
      });
    });

    it('refuses an unknown or malformed token without telling them apart', async () => {
      await expectCode(people().inspectEnrolment('A'.repeat(43)), 'ERR_ENROLMENT_UNKNOWN');
      await expectCode(people().inspectEnrolment('../../etc'), 'ERR_ENROLMENT_UNKNOWN');
      await expectCode(people().enrolmentOptions(42), 'ERR_ENROLMENT_UNKNOWN');
    });

    it('expires a link after 24 hours', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Late Larsen',
        createdBy: 'admin',
      });
      api.clock.advance(enrolmentLifetimeMs / 1000 - 1);
      await expect(people().inspectEnrolment(token)).resolves.toMatchObject({ role: 'regulator' });
      api.clock.advance(1);
      await expectCode(people().inspectEnrolment(token), 'ERR_ENROLMENT_EXPIRED');
      await expectCode(people().enrolmentOptions(token), 'ERR_ENROLMENT_EXPIRED');
    });

    it('works exactly once', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Once Olsen',
        createdBy: 'admin',
      });
      const first = await people().enrolmentOptions(token);
      const second = await people().enrolmentOptions(token);
      const keyPair = generateKeyPair(random);
      const authenticator = new SoftAuthenticator(testOrigin);
      await people().completeEnrolment({
        token,
        challengeId: first.challengeId,
        response: authenticator.register(first.options),
        signingKey: publicJwk(keyPair),
        keyProof: await keyProof(keyPair, first.options.challenge),
      });
      // A ceremony started before the link was used cannot use it afterwards.
      const other = generateKeyPair(random);
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: second.challengeId,
          response: authenticator.register(second.options),
          signingKey: publicJwk(other),
          keyProof: await keyProof(other, second.options.challenge),
        }),
        'ERR_ENROLMENT_USED',
      );
      await expectCode(people().inspectEnrolment(token), 'ERR_ENROLMENT_USED');
      await expectCode(people().enrolmentOptions(token), 'ERR_ENROLMENT_USED');
    });
  });

  // ----- the enrolment ceremony ----------------------------------------------------------------

  describe('enrolment ceremony', () => {
    it('registers the passkey and the signing key and logs the person in', async () => {
      const regulator = await newRegulator('Clara Contrôle');
      expect(regulator.person).toMatchObject({
        role: 'regulator',
        name: 'Clara Contrôle',
        companyId: null,
        kid: thumbprint(publicJwk(regulator.keyPair)),
        signer: `rg_${thumbprint(publicJwk(regulator.keyPair))}`,
      });
      expect(regulator.person.id).toMatch(/^pe_[A-Za-z0-9_-]{22}$/);
      expect(await people().sessionPerson(regulator.session.token)).toEqual(regulator.person);
    });

    it('burns a challenge on first use, even when that attempt fails', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Dora Doppel',
        createdBy: 'admin',
      });
      const ceremony = await people().enrolmentOptions(token);
      const authenticator = new SoftAuthenticator(testOrigin);
      const keyPair = generateKeyPair(random);
      const input = {
        token,
        challengeId: ceremony.challengeId,
        response: authenticator.register(ceremony.options, { origin: 'http://evil.example' }),
        signingKey: publicJwk(keyPair),
        keyProof: await keyProof(keyPair, ceremony.options.challenge),
      };
      await expectCode(people().completeEnrolment(input), 'ERR_WEBAUTHN_FAILED');
      await expectCode(
        people().completeEnrolment({
          ...input,
          response: authenticator.register(ceremony.options),
        }),
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      // The link itself is still good for a new ceremony.
      await expect(enrolWith(token)).resolves.toMatchObject({ person: { name: 'Dora Doppel' } });
    });

    it('refuses a challenge older than five minutes', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Slow Svensson',
        createdBy: 'admin',
      });
      const ceremony = await people().enrolmentOptions(token);
      api.clock.advance(challengeLifetimeMs / 1000);
      const keyPair = generateKeyPair(random);
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: ceremony.challengeId,
          response: new SoftAuthenticator(testOrigin).register(ceremony.options),
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremony.options.challenge),
        }),
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('refuses the challenge of another link', async () => {
      const a = await people().createEnrolment({
        role: 'regulator',
        name: 'A',
        createdBy: 'admin',
      });
      const b = await people().createEnrolment({
        role: 'regulator',
        name: 'B',
        createdBy: 'admin',
      });
      const ceremony = await people().enrolmentOptions(a.token);
      const keyPair = generateKeyPair(random);
      await expectCode(
        people().completeEnrolment({
          token: b.token,
          challengeId: ceremony.challengeId,
          response: new SoftAuthenticator(testOrigin).register(ceremony.options),
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremony.options.challenge),
        }),
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('refuses a signing key whose holder did not sign the challenge', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Proof Petersen',
        createdBy: 'admin',
      });
      const claimed = generateKeyPair(random);
      const other = generateKeyPair(random);
      const authenticator = new SoftAuthenticator(testOrigin);
      const first = await people().enrolmentOptions(token);
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: first.challengeId,
          response: authenticator.register(first.options),
          signingKey: publicJwk(claimed),
          keyProof: await keyProof(other, first.options.challenge),
        }),
        'ERR_JWS_KID_UNKNOWN',
      );
      const second = await people().enrolmentOptions(token);
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: second.challengeId,
          response: authenticator.register(second.options),
          signingKey: publicJwk(claimed),
          keyProof: await keyProof(claimed, first.options.challenge),
        }),
        'ERR_JWS_SIGNATURE_INVALID',
      );
      // Failed proofs leave the link usable.
      await expect(people().inspectEnrolment(token)).resolves.toMatchObject({
        name: 'Proof Petersen',
      });
    });

    it('asks for a name when the link carries none, and refuses a malformed response', async () => {
      const { company, staffLink } = await registeredCompany();
      const token = tokenOfLink(staffLink);
      const ceremony = await people().enrolmentOptions(token);
      const keyPair = generateKeyPair(random);
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: ceremony.challengeId,
          response: { id: 'x', rawId: 'x', type: 'public-key', response: 'nonsense' },
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremony.options.challenge),
        }),
        'ERR_QUERY_INVALID',
      );
      await expectCode(
        people().completeEnrolment({
          token,
          challengeId: ceremony.challengeId,
          response: new SoftAuthenticator(testOrigin).register(ceremony.options),
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremony.options.challenge),
        }),
        'ERR_QUERY_INVALID',
      );
      const staff = await enrolWith(token, { name: 'Sam Staff' });
      expect(staff.person).toMatchObject({
        role: 'staff',
        companyId: company.id,
        name: 'Sam Staff',
      });
      expect(staff.person.signer).toBe(company.id);
    });
  });

  // ----- sessions ----------------------------------------------------------------------------

  describe('sessions', () => {
    it('ends a session after 30 minutes without a request', async () => {
      const { session } = await newRegulator();
      api.clock.advance(sessionIdleMs / 1000 - 1);
      expect(await people().sessionPerson(session.token)).toBeDefined();
      api.clock.advance(sessionIdleMs / 1000 - 1);
      expect(await people().sessionPerson(session.token)).toBeDefined();
      api.clock.advance(sessionIdleMs / 1000);
      expect(await people().sessionPerson(session.token)).toBeUndefined();
      const rows = await api.tdb.cdb.db
        .selectFrom('sessions')
        .select('id_hash')
        .where('id_hash', '=', tokenHash(session.token))
        .execute();
      expect(rows).toEqual([]);
    });

    it('ends a session after 12 hours however active it is', async () => {
      const { session } = await newRegulator();
      const steps = sessionAbsoluteMs / (10 * 60 * 1000);
      for (let i = 1; i < steps; i++) {
        api.clock.advance(10 * 60);
        expect(await people().sessionPerson(session.token)).toBeDefined();
      }
      api.clock.advance(10 * 60);
      expect(await people().sessionPerson(session.token)).toBeUndefined();
    });

    it('logs in with the passkey and rotates the session', async () => {
      const regulator = await newRegulator('Lena Login');
      const ceremony = await people().loginOptions();
      const { person, session } = await people().completeLogin({
        challengeId: ceremony.challengeId,
        response: regulator.authenticator.authenticate(ceremony.options),
        previousSession: regulator.session.token,
      });
      expect(person).toEqual(regulator.person);
      expect(session.token).not.toBe(regulator.session.token);
      expect(await people().sessionPerson(regulator.session.token)).toBeUndefined();
      expect(await people().sessionPerson(session.token)).toEqual(regulator.person);
    });

    it('refuses a login with an unknown passkey or a used challenge', async () => {
      const regulator = await newRegulator();
      const stranger = new SoftAuthenticator(testOrigin);
      const strangerOptions = await people().enrolmentOptions(
        (await people().createEnrolment({ role: 'regulator', name: 'S', createdBy: 'admin' }))
          .token,
      );
      stranger.register(strangerOptions.options); // registered with the authenticator, never with us
      const ceremony = await people().loginOptions();
      await expectCode(
        people().completeLogin({
          challengeId: ceremony.challengeId,
          response: stranger.authenticate(ceremony.options),
        }),
        'ERR_WEBAUTHN_FAILED',
      );
      await expectCode(
        people().completeLogin({
          challengeId: ceremony.challengeId,
          response: regulator.authenticator.authenticate(ceremony.options),
        }),
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('ends a session on logout', async () => {
      const { session } = await newRegulator();
      await people().endSession(session.token);
      expect(await people().sessionPerson(session.token)).toBeUndefined();
    });
  });

  // ----- person keys in request verification ---------------------------------------------------

  describe('request signatures of people', () => {
    it('accepts a regulator signing as rg_ + the thumbprint of the enrolled key', async () => {
      const regulator = await newRegulator('Rita Request');
      const body = await expectJson<PersonView>(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, regulator.signer),
        200,
      );
      expect(body).toEqual(regulator.person);
    });

    it('refuses an rg_ id that is not the thumbprint of the signing key', async () => {
      const a = await newRegulator();
      const b = await newRegulator();
      await expectProblem(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, {
          id: a.signer.id,
          keyPair: b.keyPair,
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('refuses a key that was never enrolled', async () => {
      const keyPair = generateKeyPair(random);
      await expectProblem(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, {
          id: `rg_${thumbprint(publicJwk(keyPair))}`,
          keyPair,
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
    });

    it('lets staff sign for their own company, and only for it', async () => {
      const { company, staffLink } = await registeredCompany();
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Feed Fischer' });
      await expectJson(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, staff.signer),
        200,
      );
      const staffList = await expectJson<{ staff: PersonView[] }>(
        await get(staffRoute.GET, '/api/v1/companies/me/staff', api.clock, staff.signer),
        200,
      );
      expect(staffList.staff.map((p) => p.id)).toEqual([staff.person.id]);
      const other = await registeredCompany();
      await expectProblem(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, {
          id: other.company.id,
          keyPair: staff.keyPair,
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      // A staff key is not a regulator's.
      await expectProblem(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, {
          id: `rg_${staff.person.kid}`,
          keyPair: staff.keyPair,
        }),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      // A company key is no person.
      await expectProblem(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, company),
        403,
        'ERR_NOT_AUTHORISED',
      );
    });

    it('publishes person keys, retired ones too, without names', async () => {
      const regulator = await newRegulator('Paula Public');
      const kid = regulator.person.kid!;
      const body = await expectJson(await getPersonKey(kid), 200);
      expect(body).toEqual({
        kid,
        jwk: publicJwk(regulator.keyPair),
        role: 'regulator',
        signer: `rg_${kid}`,
        addedAt: api.clock.now(),
        retiredAt: null,
      });
      expect(JSON.stringify(body)).not.toContain('Paula');
    });
  });

  // ----- invitations, recovery, removal --------------------------------------------------------

  describe('invitations, recovery and removal', () => {
    it('lets a company key and staff invite staff, and regulators invite regulators', async () => {
      const { company, staffLink } = await registeredCompany();
      const byKey = await expectJson<{ link: string; role: string; companyId: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(company, { role: 'staff', name: 'Nina Neu' }),
        ),
        201,
      );
      expect(byKey).toMatchObject({ role: 'staff', companyId: company.id });
      expect(await people().inspectEnrolment(tokenOfLink(byKey.link))).toMatchObject({
        name: 'Nina Neu',
        companyName: 'Beispiel Sport GmbH',
      });
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Ines Inviter' });
      await expectJson(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(staff.signer, { role: 'staff' }),
        ),
        201,
      );
      await expectProblem(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(staff.signer, { role: 'regulator' }),
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      const regulator = await newRegulator();
      const byRegulator = await expectJson<{ link: string; role: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(regulator.signer, { role: 'regulator', name: 'Rolf Rat' }),
        ),
        201,
      );
      expect(byRegulator.role).toBe('regulator');
      await expectProblem(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(regulator.signer, { role: 'staff' }),
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
    });

    it('lets no link of a suspended company enrol until it is reinstated', async () => {
      const { company, staffLink } = await registeredCompany();
      const made = await expectJson<{ link: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(company, { role: 'staff', name: 'Vera Vorab' }),
        ),
        201,
      );
      const regulator = await newRegulator('Sina Sperre');
      const suspension = (action: 'suspend' | 'reinstate') =>
        sign(
          'suspension',
          {
            ...claims(api.clock, regulator.signer.id, testOrigin),
            company: company.id,
            action,
            reason: { de: 'Wiederholte Verstöße.', en: 'Repeated violations.' },
          },
          regulator.keyPair,
        ).then((token) => post(suspensionsRoute.POST, '/api/v1/suspensions', token));
      const ceremonyBefore = await people().enrolmentOptions(tokenOfLink(staffLink));
      await expectJson(await suspension('suspend'), 201);
      const token = tokenOfLink(made.link);
      for (const attempt of [
        () => people().inspectEnrolment(token),
        () => people().enrolmentOptions(token),
        () => enrolWith(tokenOfLink(staffLink)),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: 'ERR_COMPANY_NOT_ACTIVE' });
      }
      // The ceremony started before the suspension cannot finish either.
      const keyPair = generateKeyPair(random);
      await expect(
        people().completeEnrolment({
          token: tokenOfLink(staffLink),
          challengeId: ceremonyBefore.challengeId,
          response: new SoftAuthenticator(testOrigin).register(ceremonyBefore.options),
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremonyBefore.options.challenge),
        }),
      ).rejects.toMatchObject({ code: 'ERR_COMPANY_NOT_ACTIVE' });
      const enrolPageAnswer = await Promise.resolve(
        enrolPage.load({ params: { token }, setHeaders: () => {} } as never),
      ).then(
        () => 200,
        (error: { status?: number; body?: { code?: string } }) =>
          `${error.status} ${error.body?.code}`,
      );
      expect(enrolPageAnswer).toBe('403 ERR_COMPANY_NOT_ACTIVE');
      expect(
        await api.tdb.cdb.db
          .selectFrom('people')
          .select('id')
          .where('company_id', '=', company.id)
          .execute(),
      ).toEqual([]);
      // Reinstated, the link made before works (nothing was used up meanwhile).
      await expectJson(await suspension('reinstate'), 201);
      const vera = await enrolWith(token);
      expect(vera.person).toMatchObject({ name: 'Vera Vorab', companyId: company.id });

      // A suspension committed while a ceremony is being completed (after its link was checked,
      // before the person is stored) stops it too.
      const late = await expectJson<{ link: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(company, { role: 'staff', name: 'Lea Spät' }),
        ),
        201,
      );
      const ceremony = await people().enrolmentOptions(tokenOfLink(late.link));
      const lateKey = generateKeyPair(random);
      const proof = await keyProof(lateKey, ceremony.options.challenge);
      await expect(
        beforeNextTransaction(
          async () => expectJson(await suspension('suspend'), 201),
          () =>
            people().completeEnrolment({
              token: tokenOfLink(late.link),
              challengeId: ceremony.challengeId,
              response: new SoftAuthenticator(testOrigin).register(ceremony.options),
              signingKey: publicJwk(lateKey),
              keyProof: proof,
            }),
        ),
      ).rejects.toMatchObject({ code: 'ERR_COMPANY_NOT_ACTIVE' });
      expect(
        (
          await api.tdb.cdb.db
            .selectFrom('people')
            .select('name')
            .where('company_id', '=', company.id)
            .execute()
        ).map((p) => p.name),
      ).toEqual(['Vera Vorab']);
    });

    it('refuses a replayed or malformed invitation', async () => {
      const { company } = await registeredCompany();
      const token = await invitation(company, { role: 'staff' });
      await expectJson(await post(invitationsRoute.POST, '/api/v1/people/invitations', token), 201);
      await expectProblem(
        await post(invitationsRoute.POST, '/api/v1/people/invitations', token),
        409,
        'ERR_JWS_REPLAYED',
      );
      await expectProblem(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(company, { role: 'staff', admin: true }),
        ),
        400,
        'ERR_MESSAGE_INVALID',
      );
    });

    it('retires the old key, passkeys and sessions the moment a recovery is approved', async () => {
      const lost = await newRegulator('Lotte Lost');
      const approver = await newRegulator('Alma Approver');
      await expectProblem(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(lost.signer, { role: 'regulator', recover: lost.person.id }),
        ),
        403,
        'ERR_NOT_AUTHORISED',
      );
      const recovery = await expectJson<{ link: string; personId: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(approver.signer, { role: 'regulator', recover: lost.person.id }),
        ),
        201,
      );
      expect(recovery.personId).toBe(lost.person.id);
      // From now on the lost browser can do nothing.
      await expectProblem(
        await get(meRoute.GET, '/api/v1/people/me', api.clock, lost.signer),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      expect(await people().sessionPerson(lost.session.token)).toBeUndefined();
      const ceremony = await people().loginOptions();
      await expectCode(
        people().completeLogin({
          challengeId: ceremony.challengeId,
          response: lost.authenticator.authenticate(ceremony.options),
        }),
        'ERR_WEBAUTHN_FAILED',
      );
      expect(await people().get(lost.person.id)).toMatchObject({ kid: null, signer: null });
      // The same person enrols again, with a new key and a new rg_ id.
      const again = await enrolWith(tokenOfLink(recovery.link));
      expect(again.person.id).toBe(lost.person.id);
      expect(again.person.name).toBe('Lotte Lost');
      expect(again.person.signer).not.toBe(lost.person.signer);
      await expectJson(await get(meRoute.GET, '/api/v1/people/me', api.clock, again.signer), 200);
      const oldKey = await expectJson<{ retiredAt: number | null }>(
        await getPersonKey(lost.person.kid!),
        200,
      );
      expect(oldKey.retiredAt).not.toBeNull();
    });

    it('lets the company remove staff, which ends what they could do', async () => {
      const { company, staffLink } = await registeredCompany();
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Rudi Removed' });
      const colleagueLink = await expectJson<{ link: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(company, { role: 'staff', name: 'Coco Colleague' }),
        ),
        201,
      );
      const colleague = await enrolWith(tokenOfLink(colleagueLink.link));
      await expectProblem(
        await deletePerson(staff.signer, staff.person.id),
        403,
        'ERR_NOT_AUTHORISED',
      );
      const stranger = await registeredCompany();
      await expectProblem(
        await deletePerson(stranger.company, staff.person.id),
        404,
        'ERR_PERSON_UNKNOWN',
      );
      expect((await deletePerson(colleague.signer, staff.person.id)).status).toBe(204);
      await expectProblem(
        await get(eventsRoute.GET, '/api/v1/companies/me/events', api.clock, staff.signer),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      expect(await people().sessionPerson(staff.session.token)).toBeUndefined();
      await expectProblem(await deletePerson(company, staff.person.id), 404, 'ERR_PERSON_UNKNOWN');
      expect((await deletePerson(company, colleague.person.id)).status).toBe(204);
    });

    it('lists the open invitations to a company and lets its people withdraw one', async () => {
      const { company, staffLink } = await registeredCompany();
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Olga Open' });
      const invite = async (name: string) =>
        tokenOfLink(
          (
            await expectJson<{ link: string }>(
              await post(
                invitationsRoute.POST,
                '/api/v1/people/invitations',
                await invitation(staff.signer, { role: 'staff', name }),
              ),
              201,
            )
          ).link,
        );
      const wrong = await invite('Wanda Wrong');
      api.clock.advance(1);
      const right = await invite('Rita Right');
      const stranger = await registeredCompany();
      type Listed = { invitations: { id: string; name: string | null; createdBy: string }[] };
      const listed = async (signer: { id: string; keyPair: Ed25519KeyPair }) =>
        (
          await expectJson<Listed>(
            await get(invitationsRoute.GET, '/api/v1/people/invitations', api.clock, signer),
            200,
          )
        ).invitations;
      // Newest first; the registration's own link was used (by Olga), so it is not open.
      expect(await listed(company)).toEqual([
        expect.objectContaining({
          id: tokenHash(right),
          name: 'Rita Right',
          createdBy: staff.person.id,
        }),
        expect.objectContaining({
          id: tokenHash(wrong),
          name: 'Wanda Wrong',
          createdBy: staff.person.id,
        }),
      ]);
      expect(await listed(staff.signer)).toHaveLength(2);
      // Another company sees only its own (its registration's link), and cannot withdraw these.
      expect((await listed(stranger.company)).map((i) => i.id)).toEqual([
        tokenHash(tokenOfLink(stranger.staffLink)),
      ]);
      await expectProblem(
        await withdrawInvitation(stranger.company, tokenHash(wrong)),
        404,
        'ERR_ENROLMENT_UNKNOWN',
      );
      await expectProblem(
        await withdrawInvitation(company, 'not-an-id'),
        404,
        'ERR_ENROLMENT_UNKNOWN',
      );
      expect((await withdrawInvitation(staff.signer, tokenHash(wrong))).status).toBe(204);
      // The link no longer works, and is listed no more; withdrawing it again finds nothing.
      await expectCode(people().inspectEnrolment(wrong), 'ERR_ENROLMENT_EXPIRED');
      await expectCode(people().enrolmentOptions(wrong), 'ERR_ENROLMENT_EXPIRED');
      expect((await listed(company)).map((i) => i.id)).toEqual([tokenHash(right)]);
      await expectProblem(
        await withdrawInvitation(company, tokenHash(wrong)),
        404,
        'ERR_ENROLMENT_UNKNOWN',
      );
      // The other link still works; once used it is no longer open.
      await expect(people().inspectEnrolment(right)).resolves.toMatchObject({ role: 'staff' });
      await enrolWith(right);
      expect(await listed(company)).toEqual([]);
      await expectProblem(
        await withdrawInvitation(company, tokenHash(right)),
        404,
        'ERR_ENROLMENT_UNKNOWN',
      );
    });

    it('refuses a link withdrawn while its enrolment was being completed', async () => {
      const { company, staffLink } = await registeredCompany();
      const token = tokenOfLink(staffLink);
      const authenticator = new SoftAuthenticator(testOrigin);
      const keyPair = generateKeyPair(random);
      const ceremony = await people().enrolmentOptions(token);
      // The withdrawal commits a second later than the enrolment's checks, before its write.
      const attempt = beforeNextTransaction(
        async () => {
          api.clock.advance(1);
          expect((await withdrawInvitation(company, tokenHash(token))).status).toBe(204);
        },
        async () =>
          people().completeEnrolment({
            token,
            challengeId: ceremony.challengeId,
            response: authenticator.register(ceremony.options),
            signingKey: publicJwk(keyPair),
            keyProof: await keyProof(keyPair, ceremony.options.challenge),
            name: 'Late Larry',
          }),
      );
      // Failed before: the link was voided as of the withdrawal's time, after the enrolment's.
      await expectCode(attempt, 'ERR_ENROLMENT_EXPIRED');
      expect(await people().staffOf(company.id)).toEqual([]);
    });

    it('voids the unused invitations a removed staff member created, and only theirs', async () => {
      const { company, staffLink } = await registeredCompany();
      const leaving = await enrolWith(tokenOfLink(staffLink), { name: 'Lea Leaving' });
      const invite = async (signer: { id: string; keyPair: Ed25519KeyPair }) =>
        tokenOfLink(
          (
            await expectJson<{ link: string }>(
              await post(
                invitationsRoute.POST,
                '/api/v1/people/invitations',
                await invitation(signer, { role: 'staff' }),
              ),
              201,
            )
          ).link,
        );
      const accomplice = await invite(leaving.signer);
      const used = await invite(leaving.signer);
      const colleague = await enrolWith(used, { name: 'Udo Used' });
      const byCompany = await invite(company);
      api.clock.advance(60);
      expect((await deletePerson(company, leaving.person.id)).status).toBe(204);
      await expectCode(people().inspectEnrolment(accomplice), 'ERR_ENROLMENT_EXPIRED');
      await expectCode(people().enrolmentOptions(accomplice), 'ERR_ENROLMENT_EXPIRED');
      // Who enrolled through them stays; links of others keep working.
      expect(await people().get(colleague.person.id)).toMatchObject({ name: 'Udo Used' });
      await expect(people().inspectEnrolment(byCompany)).resolves.toMatchObject({ role: 'staff' });
    });

    it('voids the links a lost browser created, the moment its recovery is approved', async () => {
      const lost = await newRegulator('Theo Thief-Target');
      const approver = await newRegulator('Alma Approver');
      const minted = await expectJson<{ link: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(lost.signer, { role: 'regulator', name: 'Mallory' }),
        ),
        201,
      );
      const recovery = await expectJson<{ link: string }>(
        await post(
          invitationsRoute.POST,
          '/api/v1/people/invitations',
          await invitation(approver.signer, { role: 'regulator', recover: lost.person.id }),
        ),
        201,
      );
      await expectCode(
        people().inspectEnrolment(tokenOfLink(minted.link)),
        'ERR_ENROLMENT_EXPIRED',
      );
      // The approver's recovery link is the way back, and it works.
      await expect(enrolWith(tokenOfLink(recovery.link))).resolves.toMatchObject({
        person: { id: lost.person.id },
      });
    });

    it('starts no session for a passkey a recovery retired while its login was being checked', async () => {
      const lost = await newRegulator('Lou Late');
      const approver = await newRegulator('Alma Approver');
      const ceremony = await people().loginOptions();
      const login = beforeNextTransaction(
        async () =>
          expectJson(
            await post(
              invitationsRoute.POST,
              '/api/v1/people/invitations',
              await invitation(approver.signer, { role: 'regulator', recover: lost.person.id }),
            ),
            201,
          ),
        () =>
          people().completeLogin({
            challengeId: ceremony.challengeId,
            response: lost.authenticator.authenticate(ceremony.options),
          }),
      );
      await expectCode(login, 'ERR_WEBAUTHN_FAILED');
      expect(await sessionsOf(lost.person.id)).toEqual([]);
    });

    it.runIf(dialect === 'postgres')(
      'makes a login wait for a recovery approval that holds the person, then refuses it',
      async () => {
        const lost = await newRegulator('Wanda Wait');
        const ceremony = await people().loginOptions();
        let login: Promise<unknown> | undefined;
        const now = api.clock.now();
        // What a recovery approval does (createEnrolment): the person's row first, then the
        // retirement, in one transaction on another connection.
        await api.tdb.cdb.db.transaction().execute(async (trx) => {
          await trx
            .selectFrom('people')
            .select('id')
            .where('id', '=', lost.person.id)
            .forUpdate()
            .execute();
          login = people().completeLogin({
            challengeId: ceremony.challengeId,
            response: lost.authenticator.authenticate(ceremony.options),
          });
          await blockedOrSettled(api.tdb.cdb.db, login);
          await trx
            .updateTable('passkeys')
            .set({ retired_at: now })
            .where('person_id', '=', lost.person.id)
            .execute();
          await trx.deleteFrom('sessions').where('person_id', '=', lost.person.id).execute();
        });
        await expectCode(login!, 'ERR_WEBAUTHN_FAILED');
        expect(await sessionsOf(lost.person.id)).toEqual([]);
      },
    );

    it('answers a staff link only for a newly created company, not for a resend', async () => {
      const company = newCompany();
      api.proofs.set(company.domain, { keys: [company.kid], companyId: company.id });
      const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
      const first = await expectJson<{ staffEnrolment?: unknown }>(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        201,
      );
      expect(first.staffEnrolment).toBeDefined();
      const again = await expectJson<{ staffEnrolment?: unknown }>(
        await post(companiesRoute.POST, '/api/v1/companies', token),
        200,
      );
      expect(again.staffEnrolment).toBeUndefined();
    });
  });
  // ----- staff acting for their company ------------------------------------------------------

  describe('for the operator (npm run admin)', () => {
    it('names the kids a recovery retires: the current key, then none for a second recovery', async () => {
      const lost = await newRegulator('Rita Recover');
      const first = await people().createEnrolment({
        role: 'regulator',
        personId: lost.person.id,
        createdBy: 'admin',
      });
      expect(first.retiredKids).toEqual([lost.person.kid]);
      const second = await people().createEnrolment({
        role: 'regulator',
        personId: lost.person.id,
        createdBy: 'admin',
      });
      expect(second.retiredKids).toEqual([]);
      const fresh = await people().createEnrolment({ role: 'regulator', createdBy: 'admin' });
      expect(fresh.retiredKids).toEqual([]);
    });

    it('lists people with role, company, status and key count, and the open links for new people, without secrets', async () => {
      const enrolled = await newRegulator('Edda Enrolled');
      const recovering = await newRegulator('Rolf Recovering');
      const recovery = await people().createEnrolment({
        role: 'regulator',
        personId: recovering.person.id,
        createdBy: 'admin',
      });
      const { company, staffLink } = await registeredCompany();
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Stefan Staff' });
      const invited = await people().createEnrolment({
        role: 'staff',
        companyId: company.id,
        name: 'Ines Invited',
        createdBy: staff.person.id,
      });
      const used = await people().createEnrolment({ role: 'regulator', createdBy: 'admin' });
      await enrolWith(used.token, { name: 'Udo Used' });

      const listed = await people().listAll();
      const byPerson = (id: string) => listed.find((entry) => entry.personId === id);
      expect(byPerson(enrolled.person.id)).toEqual({
        personId: enrolled.person.id,
        role: 'regulator',
        name: 'Edda Enrolled',
        companyId: null,
        companyName: null,
        status: 'enrolled',
        keys: 1,
        linkId: null,
        linkExpiresAt: null,
      });
      expect(byPerson(recovering.person.id)).toMatchObject({
        status: 'recovery-pending',
        keys: 1,
        linkId: tokenHash(recovery.token),
        linkExpiresAt: recovery.expiresAt,
      });
      expect(byPerson(staff.person.id)).toMatchObject({
        role: 'staff',
        name: 'Stefan Staff',
        companyId: company.id,
        companyName: expect.any(String),
        status: 'enrolled',
        keys: 1,
      });
      const links = listed.filter((entry) => entry.personId === null);
      expect(links).toContainEqual({
        personId: null,
        role: 'staff',
        name: 'Ines Invited',
        companyId: company.id,
        companyName: byPerson(staff.person.id)!.companyName,
        status: 'invited',
        keys: 0,
        linkId: tokenHash(invited.token),
        linkExpiresAt: invited.expiresAt,
      });
      // A used link is no open link; no token appears anywhere.
      expect(links.map((entry) => entry.linkId)).not.toContain(tokenHash(used.token));
      const text = JSON.stringify(listed);
      for (const token of [recovery.token, invited.token, used.token, staff.session.token]) {
        expect(text).not.toContain(token);
      }
    });

    it('cancels an unused link given by its id, token or link; refuses an unknown, used or already cancelled one', async () => {
      const byLink = await people().createEnrolment({
        role: 'regulator',
        name: 'Lena Link',
        createdBy: 'admin',
      });
      const cancelled = await people().cancelEnrolment(byLink.link);
      expect(cancelled).toMatchObject({
        id: tokenHash(byLink.token),
        name: 'Lena Link',
        role: 'regulator',
        recover: null,
        createdBy: 'admin',
      });
      await expectCode(people().inspectEnrolment(byLink.token), 'ERR_ENROLMENT_EXPIRED');
      await expectCode(people().cancelEnrolment(byLink.token), 'ERR_ENROLMENT_EXPIRED');

      const byId = await people().createEnrolment({ role: 'regulator', createdBy: 'admin' });
      await people().cancelEnrolment(tokenHash(byId.token));
      await expectCode(people().enrolmentOptions(byId.token), 'ERR_ENROLMENT_EXPIRED');

      const byToken = await people().createEnrolment({ role: 'regulator', createdBy: 'admin' });
      await people().cancelEnrolment(byToken.token);
      await expectCode(people().inspectEnrolment(byToken.token), 'ERR_ENROLMENT_EXPIRED');

      const used = await people().createEnrolment({ role: 'regulator', createdBy: 'admin' });
      await enrolWith(used.token, { name: 'Uwe Used' });
      await expectCode(people().cancelEnrolment(used.token), 'ERR_ENROLMENT_USED');
      await expectCode(people().cancelEnrolment('A'.repeat(43)), 'ERR_ENROLMENT_UNKNOWN');
      await expectCode(people().cancelEnrolment('not a link'), 'ERR_ENROLMENT_UNKNOWN');
    });
  });

  describe('staff signing company messages', () => {
    it('accepts a revocation acknowledgement signed with a staff key', async () => {
      const { company, staffLink } = await registeredCompany();
      const staff = await enrolWith(tokenOfLink(staffLink), { name: 'Ada Ack' });
      const request = await signMessage(
        'grant-request',
        {
          ...claims(api.clock, company.id, testOrigin),
          scopes: [requestedScope(api.clock)],
          reason: { de: 'Neuigkeiten.', en: 'News.' },
        },
        company.keyPair,
      );
      const { sha256: requestSha256 } = await expectJson<{ sha256: string }>(
        await post(grantRequestsRoute.POST, '/api/v1/grant-requests', request),
        201,
      );
      const pseudonym = newPseudonym(company.id);
      const scope = requestedScope(api.clock);
      const grant = await signMessage(
        'grant',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256,
          scopes: [{ ...scope, channels: ['newsletter'] }],
          preferredChannel: 'newsletter',
          until: api.clock.seconds() + 86_400,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      );
      await expectJson(await post(grantsRoute.POST, '/api/v1/grants', grant), 201);
      const revocation = await signMessage(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      );
      const { sha256: revocationSha256 } = await expectJson<{ sha256: string }>(
        await post(revocationsRoute.POST, '/api/v1/revocations', revocation),
        201,
      );
      const ack = (keyPair: Ed25519KeyPair) =>
        signMessage(
          'revocation-ack',
          {
            ...claims(api.clock, company.id, testOrigin),
            revocationSha256,
            pseudonym: pseudonym.id,
            stoppedAt: api.clock.seconds(),
          },
          keyPair,
        );
      // A stranger's key is refused; the staff member's key is accepted for the company.
      await expectProblem(
        await post(acksRoute.POST, '/api/v1/revocation-acks', await ack(generateKeyPair(random))),
        401,
        'ERR_JWS_KID_UNKNOWN',
      );
      const body = await expectJson<{ onTime: boolean }>(
        await post(acksRoute.POST, '/api/v1/revocation-acks', await ack(staff.keyPair)),
        201,
      );
      expect(body.onTime).toBe(true);
    });
  });

  // ----- the browser endpoints ---------------------------------------------------------------

  describe('enrolment page', () => {
    it('keeps its token from other sites but sends its own origin (the language form needs it)', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Rita Referrer',
        createdBy: 'admin',
      });
      const headers: Record<string, string> = {};
      await enrolPage.load({
        params: { token },
        setHeaders: (set: Record<string, string>) => Object.assign(headers, set),
      } as never);
      // no-referrer made a form POST carry `Origin: null`, which SvelteKit's CSRF check refuses.
      expect(headers).toMatchObject({
        'cache-control': 'no-store',
        'referrer-policy': 'same-origin',
      });
      const page = readFileSync(
        new URL('../../routes/enroll/[token]/+page.svelte', import.meta.url),
        'utf8',
      );
      expect(page.match(/<meta name="referrer" content="([^"]*)"/)?.[1]).toBe('same-origin');
    });
  });

  describe('session cookie', () => {
    it('is set HttpOnly, SameSite=Lax, for the whole site, when an enrolment completes', async () => {
      const { token } = await people().createEnrolment({
        role: 'regulator',
        name: 'Coco Cookie',
        createdBy: 'admin',
      });
      const json = (path: string, body: unknown) => {
        const url = new URL(testOrigin + path);
        return new Request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      };
      const ceremony = await expectJson<{
        challengeId: string;
        options: Parameters<SoftAuthenticator['register']>[0];
      }>(
        await enrolOptionsRoute.POST({ request: json('/auth/enrol/options', { token }) } as never),
        200,
      );
      const keyPair = generateKeyPair(random);
      const set: { name: string; value: string; options: Record<string, unknown> }[] = [];
      const cookies = {
        set: (name: string, value: string, options: Record<string, unknown>) =>
          set.push({ name, value, options }),
        get: () => undefined,
        delete: () => undefined,
      };
      const response = await enrolRoute.POST({
        request: json('/auth/enrol', {
          token,
          challengeId: ceremony.challengeId,
          response: new SoftAuthenticator(testOrigin).register(ceremony.options),
          signingKey: publicJwk(keyPair),
          keyProof: await keyProof(keyPair, ceremony.options.challenge),
        }),
        cookies,
      } as never);
      const body = await expectJson<{ person: PersonView }>(response, 200);
      expect(set).toHaveLength(1);
      expect(set[0]!.name).toBe('session');
      expect(set[0]!.options).toEqual({
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: false, // the test origin is http://localhost; https turns Secure on
        maxAge: sessionAbsoluteMs / 1000,
      });
      expect(await people().sessionPerson(set[0]!.value)).toEqual(body.person);
      // Reusing the link through the endpoint answers its problem type.
      await expectProblem(
        await enrolOptionsRoute.POST({ request: json('/auth/enrol/options', { token }) } as never),
        410,
        'ERR_ENROLMENT_USED',
      );
    });
  });
});

describe('setSessionCookie', () => {
  it('marks the cookie Secure when the public origin is https, and never outlives the session', () => {
    const set: Record<string, unknown>[] = [];
    const cookies = {
      set: (_n: string, _v: string, options: Record<string, unknown>) => set.push(options),
    };
    setSessionCookie(
      cookies as never,
      { token: 't', expiresAt: 10_000 },
      'https://ch.example',
      4_000,
    );
    expect(set[0]).toMatchObject({ secure: true, httpOnly: true, sameSite: 'lax', maxAge: 6 });
  });
});
