/**
 * The company console's form actions by session (issue 12, the authorization matrix beside the
 * API's): nobody, a staff member of the company the action is about (A), a staff member of
 * another company (B), and a regulator, each posting the same form, on SQLite and PostgreSQL.
 * A signed action carries a message A's staff member signed; only A's session may hand it in.
 * (The regulator's pages have no form actions: their decisions go through the API, whose
 * matrix is portal/routes/api/v1/authorization-matrix.test.ts.)
 */
import { isActionFailure, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claims,
  expectJson,
  openApiHarness,
  post,
  requestSignature,
  signRaw,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
import {
  authorization,
  buildWorld,
  callRoute,
  correctionToken,
  enrolPerson,
  grantedPseudonym,
  newStaff,
  registerCompany,
  type TestStaff,
  type World,
} from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import * as correctionsRoute from '../api/v1/corrections/+server';
import * as revocationsRoute from '../api/v1/revocations/+server';
import { actions } from './+page.server';

const sessions = ['none', 'staffA', 'staffB', 'regulator'] as const;
type Session = (typeof sessions)[number];

/** `login`: sent to the login page; `fail:<status>`; `ok` or `ok/<n deleted>`. */
type Outcome = string;

/* prettier-ignore */
const expected: Record<string, readonly [Outcome, Outcome, Outcome, Outcome]> = {
  //          none     staffA   staffB      regulator
  ack:        ['login', 'ok',    'fail:403', 'fail:403'],
  remove:     ['login', 'ok',    'fail:403', 'fail:403'],
  correction: ['login', 'ok/1',  'ok/0',     'fail:403'],
};

describe.each(testDialects)('company console form actions by session on %s', (dialect) => {
  let api: ApiHarness;
  let world: World;
  let tokens: Record<Session, string | undefined>;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    world = await buildWorld(api);
    const staffA = await enrolPerson(
      api,
      (
        await api.services.people.createEnrolment({
          role: 'staff',
          companyId: world.company.id,
          name: 'Alma A',
          createdBy: world.company.id,
        })
      ).token,
    );
    const b = await registerCompany(api);
    const staffB = await enrolPerson(api, b.staffToken, 'Bruno B');
    const regulator = await enrolPerson(
      api,
      (
        await api.services.people.createEnrolment({
          role: 'regulator',
          name: 'Rita R',
          createdBy: 'admin',
        })
      ).token,
    );
    tokens = {
      none: undefined,
      staffA: staffA.session,
      staffB: staffB.session,
      regulator: regulator.session,
    };
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Posts `fields` to the console action `name` with the session `session`. */
  async function submit(
    name: keyof typeof actions,
    session: Session,
    fields: Record<string, string>,
  ): Promise<unknown> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.set(key, value);
    const url = new URL(`${testOrigin}/company?/${name}`);
    const request = new Request(url, { method: 'POST', body: form });
    const token = tokens[session];
    const cookies = {
      get: (cookie: string) => (cookie === 'session' ? token : undefined),
      set() {},
      delete() {},
      getAll: () => [],
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return await actions[name]!({ request, url, cookies, params: {}, locals: {} } as any);
    } catch (thrown) {
      return thrown;
    }
  }

  function outcomeOf(result: unknown): Outcome {
    if (isRedirect(result)) return result.location.startsWith('/login') ? 'login' : result.location;
    if (isActionFailure(result)) return `fail:${result.status}`;
    const deleted = (result as { result?: { deleted?: number } }).result?.deleted;
    return deleted === undefined ? 'ok' : `ok/${deleted}`;
  }

  /** A fresh revocation of a grant of A, and the acknowledgement A's staff member signed. */
  async function ackForm(signer: TestStaff): Promise<Record<string, string>> {
    const r = await grantedPseudonym(world);
    const revocation = await expectJson<{ sha256: string }>(
      await post(
        revocationsRoute.POST,
        '/api/v1/revocations',
        await signRaw(
          'revocation',
          {
            ...claims(api.clock, r.pseudonym.id, world.company.id),
            grants: [{ grantSha256: r.grantSha256 }],
          },
          r.pseudonym.keyPair,
        ),
      ),
      201,
    );
    const jws = await signRaw(
      'revocation-ack',
      {
        ...claims(api.clock, world.company.id, testOrigin),
        revocationSha256: revocation.sha256,
        pseudonym: r.pseudonym.id,
        stoppedAt: api.clock.seconds(),
      },
      signer.keyPair,
    );
    return { jws };
  }

  /** A fresh staff member of A, and the removal request A's staff member signed. */
  async function removeForm(signer: TestStaff): Promise<Record<string, string>> {
    const leaving = await newStaff(api, world.company);
    const path = `/api/v1/people/${leaving.personId}`;
    return {
      personId: leaving.personId,
      authorization: `Signature ${await requestSignature(api.clock, signer, 'DELETE', path)}`,
    };
  }

  /** A fresh correction sent to A. */
  async function correctionForm(): Promise<Record<string, string>> {
    const r = await grantedPseudonym(world);
    await expectJson(
      await post(
        correctionsRoute.POST,
        '/api/v1/corrections',
        await correctionToken(api, r.pseudonym, world.company),
      ),
      201,
    );
    const path = '/api/v1/companies/me/corrections';
    const listed = await expectJson<{ corrections: { id: string; pseudonym: string }[] }>(
      await callRoute(
        { method: 'GET', path },
        { path, headers: await authorization(api, world.company, 'GET', path) },
      ),
      200,
    );
    return { id: listed.corrections.find((c) => c.pseudonym === r.pseudonym.id)!.id };
  }

  it('lets only a session of the company the action is about act, and sends nobody to the login', async () => {
    const forms: Record<string, () => Promise<Record<string, string>>> = {
      ack: () => ackForm(world.staff),
      remove: () => removeForm(world.staff),
      correction: correctionForm,
    };
    const actual: Record<string, Outcome[]> = {};
    for (const name of Object.keys(expected)) {
      actual[name] = [];
      for (const session of sessions) {
        const result = await submit(name as keyof typeof actions, session, await forms[name]!());
        actual[name].push(outcomeOf(result));
      }
    }
    expect(actual).toEqual(expected);
  });
});
