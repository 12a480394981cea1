/**
 * The company console's form actions by session (issue 12, the authorization matrix beside the
 * API's): nobody, a staff member of the company the action is about (A), a staff member of
 * another company (B), and a regulator, each posting the same form, on SQLite and PostgreSQL.
 * A signed action carries a message A signed (with A's company key, or with A's staff member's
 * person key, as the console page does); only A's session may hand it in. Every action that
 * `+page.server.ts` under portal/routes/company exports must have a row here (the first test
 * enumerates them). Every cell is posted to a fresh form, and the whole database is compared
 * before and after: a refused cell (`fail:<status>`, `ok/0`) writes nothing, an
 * accepted one writes. Registration is public (the message signs for itself), so its two
 * actions answer every session alike.
 * (The regulator's pages have no form actions: their decisions go through the API, whose
 * matrix is portal/routes/api/v1/authorization-matrix.test.ts. That SvelteKit refuses a
 * cross-origin post before any action runs is checked against the built server in
 * test/e2e/console-origin.spec.ts.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { isActionFailure, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { signCompact } from '$protocol/jws';
import { generateKeyPair, publicJwk, thumbprint } from '$protocol/keys';
import { sealTo } from '$protocol/seal';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  openApiHarness,
  post,
  requestSignature,
  sign,
  signRaw,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
import {
  authorization,
  buildWorld,
  callRoute,
  correctionToken,
  databaseDigest,
  enrolPerson,
  grantedPseudonym,
  grantRequestToken,
  newStaff,
  registerCompany,
  tableNames,
  type TestStaff,
  type World,
} from '$lib/server/api-test-world';
import { testDialects } from '$lib/server/db/test-databases';
import { tokenHash } from '$lib/server/people';
import * as correctionsRoute from '../api/v1/corrections/+server';
import * as revocationsRoute from '../api/v1/revocations/+server';

/** Tables a refusal changes by design (malformed-input.test.ts): rate limits, replay memory. */
const refusalMayChange = new Set(['seen_jtis', 'rate_limits']);
const random = (n: number) => new Uint8Array(randomBytes(n));

const sessions = ['none', 'staffA', 'staffB', 'regulator'] as const;
type Session = (typeof sessions)[number];

/**
 * `login`: sent to the login page; `fail:<status>` (`fail:401`: the session has ended, said in a
 * sentence on the page); `ok` or `ok/<n deleted>`.
 */
type Outcome = string;

type Action = (event: unknown) => unknown;

/** Every `+page.server.ts` of the console, by route (`/company`, `/company/register`). */
const modules = import.meta.glob<{ actions?: Record<string, Action> }>('./**/+page.server.ts', {
  eager: true,
});
const routeActions = new Map<string, Action>();
for (const [file, module] of Object.entries(modules)) {
  const route = `/company${file.slice(1, -'/+page.server.ts'.length)}`;
  for (const [name, action] of Object.entries(module.actions ?? {})) {
    routeActions.set(`${route}?/${name}`, action);
  }
}

/** A row's action: the route and the action's name, then what this row's form does with it. */
const actionOf = (row: string): string => row.split(' ')[0]!;

/* prettier-ignore */
const expected: Record<string, readonly [Outcome, Outcome, Outcome, Outcome]> = {
  //                                       none        staffA   staffB      regulator
  // A registration update (the domain checked again), signed with A's company key.
  '/company?/company':                     ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/key add':                     ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/key retire':                  ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/key compromised':             ['fail:401', 'ok',    'fail:403', 'fail:403'],
  // The consent-request builder's grant request, signed with A's company key.
  '/company?/request':                     ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/ack':                         ['fail:401', 'ok',    'fail:403', 'fail:403'],
  // A data request answered (a reasoned refusal), signed with A's staff member's key.
  '/company?/answer':                      ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/disclose':                    ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/invite':                      ['fail:401', 'ok',    'fail:403', 'fail:403'],
  // A colleague's recovery approved: their key is retired, a new link made.
  '/company?/invite recovery':             ['fail:401', 'ok',    'fail:403', 'fail:403'],
  '/company?/remove':                      ['fail:401', 'ok',    'fail:403', 'fail:403'],
  // An open invitation of A withdrawn, the request signed with A's staff member's key.
  '/company?/withdraw':                    ['fail:401', 'ok',    'fail:403', 'fail:403'],
  // B's staff may mark B's corrections only: A's id deletes nothing there.
  '/company?/correction':                  ['fail:401', 'ok/1',  'ok/0',     'fail:403'],
  // Public: a new company registers itself, whoever is logged in.
  '/company/register?/register':           ['ok',       'ok',    'ok',       'ok'],
  // Public: A's own signed registration update, as the API's POST /api/v1/companies takes it.
  '/company/register?/check':              ['ok',       'ok',    'ok',       'ok'],
};

describe.each(testDialects)('company console form actions by session on %s', (dialect) => {
  let api: ApiHarness;
  let world: World;
  let tokens: Record<Session, string | undefined>;
  let tables: string[];

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
    tables = (await tableNames(api)).filter((name) => !refusalMayChange.has(name));
  });
  afterAll(async () => {
    await api?.close();
  });

  /** Posts `fields` to `action` (`/company?/ack`) with the session `session`. */
  async function submit(
    action: string,
    session: Session,
    fields: Record<string, string>,
  ): Promise<unknown> {
    const handler = routeActions.get(action);
    if (handler === undefined) throw new Error(`no action ${action}`);
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.set(key, value);
    const url = new URL(`${testOrigin}${action}`);
    const request = new Request(url, { method: 'POST', body: form });
    const token = tokens[session];
    const cookies = {
      get: (cookie: string) => (cookie === 'session' ? token : undefined),
      set() {},
      delete() {},
      getAll: () => [],
    };
    try {
      return await handler({ request, url, cookies, params: {}, locals: {} });
    } catch (thrown) {
      return thrown;
    }
  }

  function outcomeOf(result: unknown): Outcome {
    if (isRedirect(result)) return result.location.startsWith('/login') ? 'login' : result.location;
    if (isActionFailure(result)) return `fail:${result.status}`;
    if (result instanceof Error) return `thrown:${result.message}`;
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

  /** A fresh correction sent to A, and the confirmation that it was applied. */
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
    return {
      id: listed.corrections.find((c) => c.pseudonym === r.pseudonym.id)!.id,
      confirm: 'applied',
    };
  }

  /** A `company-key` message of A signed with A's registered key. */
  async function keyForm(body: Record<string, unknown>): Promise<Record<string, string>> {
    const jws = await signRaw(
      'company-key',
      { ...claims(api.clock, world.company.id, testOrigin), ...body },
      world.company.keyPair,
    );
    return { jws };
  }

  /** A second key of A, added outside the cell (so the cell may retire or void it). */
  async function addedKid(): Promise<string> {
    const added = generateKeyPair(random);
    await api.services.companies.changeKey(
      await signRaw(
        'company-key',
        {
          ...claims(api.clock, world.company.id, testOrigin),
          action: 'add',
          key: publicJwk(added),
        },
        world.company.keyPair,
      ),
    );
    return thumbprint(publicJwk(added));
  }

  /** An open data request of a fresh pseudonym of A. */
  async function dataRequest(type: 'access' | 'erasure') {
    const r = await grantedPseudonym(world);
    const { sha256 } = await api.services.obligations.submitDataRequest(
      await signRaw(
        'data-request',
        { ...claims(api.clock, r.pseudonym.id, world.company.id), type },
        r.pseudonym.keyPair,
      ),
    );
    return { pseudonym: r.pseudonym, requestSha256: sha256 };
  }

  /** A person invitation A's staff member signed. */
  function invitation(fields: Record<string, unknown>): Promise<string> {
    return signCompact({
      kind: 'person-invitation',
      payload: { ...claims(api.clock, world.company.id, testOrigin), role: 'staff', ...fields },
      keyPair: world.staff.keyPair,
    });
  }

  const forms: Record<string, () => Promise<Record<string, string>>> = {
    '/company?/company': async () => ({
      jws: await sign('company', companyMessage(api.clock, world.company), world.company.keyPair),
    }),
    '/company?/key add': () => keyForm({ action: 'add', key: publicJwk(generateKeyPair(random)) }),
    '/company?/key retire': async () => keyForm({ action: 'retire', kid: await addedKid() }),
    '/company?/key compromised': async () =>
      keyForm({ action: 'compromised', kid: await addedKid(), since: api.clock.seconds() - 60 }),
    '/company?/request': async () => ({ jws: await grantRequestToken(api, world.company) }),
    '/company?/ack': () => ackForm(world.staff),
    '/company?/answer': async () => {
      const { pseudonym, requestSha256 } = await dataRequest('erasure');
      const jws = await signRaw(
        'data-request-answer',
        {
          ...claims(api.clock, world.company.id, pseudonym.id),
          requestSha256,
          outcome: 'refused',
          reason: { de: 'Aufbewahrungspflicht.', en: 'A statutory retention duty.' },
        },
        world.staff.keyPair,
      );
      return { jws };
    },
    '/company?/disclose': async () => {
      const { pseudonym, requestSha256 } = await dataRequest('access');
      const disclosure = await signRaw(
        'disclosure',
        {
          ...claims(api.clock, world.company.id, pseudonym.id),
          dataRequestSha256: requestSha256,
          holdings: [
            {
              dataCategory: 'address',
              sources: ['direct'],
              purposes: ['product_launch'],
              retentionDays: 365,
              recipients: [],
            },
          ],
          export: base64urlEncode(
            sealTo(base64urlDecode(publicJwk(pseudonym.keyPair).x), 'Hauptstraße 1'),
          ),
        },
        world.staff.keyPair,
      );
      const jws = await signRaw(
        'data-request-answer',
        {
          ...claims(api.clock, world.company.id, pseudonym.id),
          requestSha256,
          outcome: 'disclosure',
          disclosureSha256: createHash('sha256').update(disclosure, 'ascii').digest('base64url'),
        },
        world.staff.keyPair,
      );
      return { disclosure, jws };
    },
    '/company?/invite': async () => ({ jws: await invitation({ name: 'Nora Neu' }) }),
    '/company?/invite recovery': async () => {
      const colleague = await newStaff(api, world.company);
      return {
        recover: colleague.personId,
        jws: await invitation({ recover: colleague.personId }),
      };
    },
    '/company?/remove': () => removeForm(world.staff),
    '/company?/withdraw': async () => {
      const { token } = await api.services.people.createEnrolment({
        role: 'staff',
        companyId: world.company.id,
        createdBy: world.company.id,
      });
      const id = tokenHash(token);
      const path = `/api/v1/people/invitations/${id}`;
      return {
        invitation: id,
        authorization: `Signature ${await requestSignature(api.clock, world.staff, 'DELETE', path)}`,
      };
    },
    '/company?/correction': correctionForm,
    '/company/register?/register': async () => {
      const fresh = newCompany();
      api.proofs.set(fresh.domain, { keys: [fresh.kid] });
      return {
        jws: await sign('company', companyMessage(api.clock, fresh), fresh.keyPair),
      };
    },
    '/company/register?/check': async () => ({
      jws: await sign('company', companyMessage(api.clock, world.company), world.company.keyPair),
    }),
  };

  it('deletes a correction only with the confirmation that it was applied', async () => {
    const id = (await correctionForm()).id!;
    const unconfirmed: Record<string, string>[] = [
      { id },
      { id, confirm: 'on' },
      { id, confirm: '' },
    ];
    for (const fields of unconfirmed) {
      const before = await databaseDigest(api, tables);
      const refused = await submit('/company?/correction', 'staffA', fields);
      expect(outcomeOf(refused)).toBe('fail:400');
      expect((refused as { data: { error: string } }).data.error).toBe(
        'portal.console.corrections.error.confirm',
      );
      expect(await databaseDigest(api, tables)).toEqual(before);
    }
    expect(
      outcomeOf(await submit('/company?/correction', 'staffA', { id, confirm: 'applied' })),
    ).toBe('ok/1');
  });

  it('names the data request of a refused answer, so the page says it in that request’s card', async () => {
    const dataOf = (result: unknown) => {
      expect(isActionFailure(result)).toBe(true);
      return (result as { data: { error: string; requestSha256?: string } }).data;
    };
    /** The request a signed answer or disclosure names (its payload, in clear). */
    const named = (jws: string, field: 'requestSha256' | 'dataRequestSha256') =>
      (
        JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<
          string,
          string
        >
      )[field]!;
    const erasure = await dataRequest('erasure');
    // No signature (no JavaScript in the browser): the sentence, and whose it is.
    expect(
      dataOf(
        await submit('/company?/answer', 'staffA', {
          requestSha256: erasure.requestSha256,
          pseudonym: erasure.pseudonym.id,
          outcome: 'refused',
        }),
      ),
    ).toMatchObject({ error: 'portal.console.needsScript', requestSha256: erasure.requestSha256 });
    // Refused by the service: another company's staff hands in A's answer.
    const answer = await forms['/company?/answer']!();
    const answered = named(answer.jws!, 'requestSha256');
    expect(
      dataOf(await submit('/company?/answer', 'staffB', { ...answer, requestSha256: answered })),
    ).toMatchObject({ error: 'errors.ERR_NOT_AUTHORISED', requestSha256: answered });
    // A disclosure form without its choices, checked on the server (no JavaScript).
    const access = await dataRequest('access');
    expect(
      dataOf(
        await submit('/company?/disclose', 'staffA', {
          requestSha256: access.requestSha256,
          heldRetentionDays: '365',
        }),
      ),
    ).toMatchObject({
      error: 'portal.console.disclose.error.categories',
      requestSha256: access.requestSha256,
    });
    // A disclosure refused by the service.
    const disclosure = await forms['/company?/disclose']!();
    const disclosed = named(disclosure.disclosure!, 'dataRequestSha256');
    expect(
      dataOf(
        await submit('/company?/disclose', 'staffB', { ...disclosure, requestSha256: disclosed }),
      ),
    ).toMatchObject({ error: 'errors.ERR_NOT_AUTHORISED', requestSha256: disclosed });
    // Anything but the shape of an id is not echoed into the page.
    for (const action of ['/company?/answer', '/company?/disclose']) {
      const refused = dataOf(await submit(action, 'staffA', { requestSha256: '<b>x</b>' }));
      expect(refused.requestSha256).toBeUndefined();
    }
  });

  it('answers an ended session with a sentence, not the login page, so the page keeps what was typed', async () => {
    const actions = [...routeActions.keys()].filter((action) => action.startsWith('/company?/'));
    expect(actions.length).toBeGreaterThan(5);
    for (const action of actions) {
      // Refused before the form is read: what it holds (here, a signature) changes nothing.
      const answer = await submit(action, 'none', { jws: 'x.y.z' });
      expect(`${action}: ${outcomeOf(answer)}`).toBe(`${action}: fail:401`);
      expect((answer as { data: { action: string; error: string } }).data).toMatchObject({
        action: action.slice('/company?/'.length),
        error: 'portal.console.sessionEnded',
      });
    }
  });

  it('has a row for every form action of the console', () => {
    expect([...new Set(Object.keys(expected).map(actionOf))].sort()).toEqual(
      [...routeActions.keys()].sort(),
    );
    expect(Object.keys(forms).sort()).toEqual(Object.keys(expected).sort());
  });

  it('refuses a session that is no company staff with 403 before it looks at the form, even an empty one', async () => {
    const outcomes: Record<string, string> = {};
    for (const action of routeActions.keys()) {
      if (action.startsWith('/company/register')) continue; // public: the message signs for itself
      outcomes[action] = outcomeOf(await submit(action, 'regulator', {}));
    }
    expect(Object.keys(outcomes).length).toBeGreaterThan(5);
    for (const [action, outcome] of Object.entries(outcomes)) {
      expect(`${action}: ${outcome}`).toBe(`${action}: fail:403`);
    }
  });

  it('reads no form past its limit: 413 as a sentence, nothing written (a disclosure may carry its sealed export)', async () => {
    const outcomes: Record<string, string> = {};
    const before = await databaseDigest(api, tables);
    for (const action of routeActions.keys()) {
      if (action.startsWith('/company/register')) continue; // its own 64 KiB: register tests
      // Past every console limit (a disclosure's is 256 + 128 KiB).
      outcomes[action] = outcomeOf(
        await submit(action, 'staffA', { jws: 'x', pad: 'a'.repeat(400 * 1024) }),
      );
    }
    // Within a disclosure's limit but past every other form's: only the disclosure reads it (and
    // then finds no signed answer in it).
    const midsize = { pad: 'a'.repeat(200 * 1024) };
    const disclose = outcomeOf(await submit('/company?/disclose', 'staffA', midsize));
    const answer = outcomeOf(await submit('/company?/answer', 'staffA', midsize));
    expect(Object.keys(outcomes).length).toBeGreaterThan(5);
    for (const [action, outcome] of Object.entries(outcomes)) {
      expect(`${action}: ${outcome}`).toBe(`${action}: fail:413`);
    }
    expect([disclose, answer]).toEqual(['fail:400', 'fail:413']);
    expect(await databaseDigest(api, tables)).toEqual(before);
  });

  it('lets only a session of the company the action is about act; a refused action writes nothing', async () => {
    const actual: Record<string, Outcome[]> = {};
    const writes: string[] = [];
    for (const row of Object.keys(expected)) {
      actual[row] = [];
      for (const session of sessions) {
        const fields = await forms[row]!();
        // Each cell's own clock second, so a message signed for one cell never replays another's.
        api.clock.advance(1);
        const before = await databaseDigest(api, tables);
        const outcome = outcomeOf(await submit(actionOf(row), session, fields));
        actual[row].push(outcome);
        const after = await databaseDigest(api, tables);
        const changed = tables.filter((table) => before[table] !== after[table]);
        const accepted = outcome === 'ok' || /^ok\/[1-9]/.test(outcome);
        if (accepted !== changed.length > 0) {
          writes.push(`${row} as ${session} (${outcome}) changed [${changed.join(', ')}]`);
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(writes).toEqual([]);
  });
});
