/**
 * Enrolment in the browser (people-ceremony.ts) against the real `/auth/enrol` routes: a name the
 * clearinghouse would refuse starts no passkey ceremony (each attempt left a passkey on the
 * authenticator for a person never created), the check is the server's own rule, and a name the
 * server refuses anyway is said as the name's problem, not as "invalid parameters".
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { t } from '$protocol/i18n';
import { openApiHarness, testOrigin, type ApiHarness } from './server/api-test-kit';
import { SoftAuthenticator } from './server/soft-authenticator';
import * as enrolRoute from '../routes/auth/enrol/+server';
import * as enrolOptionsRoute from '../routes/auth/enrol/options/+server';

const browser = vi.hoisted(() => ({
  authenticator: undefined as { register(options: unknown): unknown } | undefined,
  ceremonies: 0,
}));
// The browser's half: a software authenticator in place of the platform's passkey prompt.
vi.mock('@simplewebauthn/browser', () => ({
  browserSupportsWebAuthn: () => true,
  WebAuthnError: class WebAuthnError extends Error {},
  startRegistration: ({ optionsJSON }: { optionsJSON: unknown }) => {
    browser.ceremonies++;
    return Promise.resolve(browser.authenticator!.register(optionsJSON));
  },
  startAuthentication: () => Promise.reject(new Error('not in these tests')),
}));
// IndexedDB is the browser's: the key is kept nowhere here.
vi.mock('./signing-key', async (actual) => ({
  ...(await actual<typeof import('./signing-key')>()),
  saveSigningKey: () => Promise.resolve(),
}));

const { CeremonyError, enrol, enrolmentNameProblem } = await import('./people-ceremony');
const { maxNameLength } = await import('./people-name');
const { generateSigningKey, signKeyProof } = await import('./signing-key');

/** What the page's `fetch` reaches: the two enrolment routes, as the server serves them. */
const requests: string[] = [];
function serveRoutes(override?: (path: string) => Response | undefined) {
  vi.stubGlobal('location', { origin: testOrigin });
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    requests.push(path);
    const replaced = override?.(path);
    if (replaced !== undefined) return replaced;
    const request = new Request(testOrigin + path, init);
    const handler = path === '/auth/enrol' ? enrolRoute.POST : enrolOptionsRoute.POST;
    const cookies = { set: () => {}, get: () => undefined, delete: () => {} };
    return handler({ request, url: new URL(request.url), cookies, params: {} } as never);
  });
}

/** Why enrolling failed: the CeremonyError's sentence and field. */
async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CeremonyError);
  const { key, field } = error as InstanceType<typeof CeremonyError>;
  return { key, field };
}

describe('enrolment with a name typed by the person', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await openApiHarness('sqlite');
    // The key proof is signed with the real clock (signing-key.ts).
    api.clock.ms = Date.now();
  });
  afterAll(async () => {
    await api?.close();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    requests.length = 0;
    browser.ceremonies = 0;
  });

  /** A link that asks the person for their name (an invitation made without one). */
  async function linkWithoutName(): Promise<string> {
    const { token } = await api.services.people.createEnrolment({
      role: 'regulator',
      createdBy: 'admin',
    });
    browser.authenticator = new SoftAuthenticator(testOrigin);
    return token;
  }

  it.each([
    ['empty', '', 'portal.people.enrol.error.nameMissing'],
    ['only spaces', '     ', 'portal.people.enrol.error.nameMissing'],
    ['only white space', ' \t\n ', 'portal.people.enrol.error.nameMissing'],
    ['too long', 'a'.repeat(maxNameLength + 1), 'portal.people.enrol.error.nameTooLong'],
    ['a control character', 'Erika\u0007 Muster', 'portal.people.enrol.error.nameCharacters'],
    ['a format character', 'Erika\u200e Muster', 'portal.people.enrol.error.nameCharacters'],
    ['a line separator', 'Erika\u2028Muster', 'portal.people.enrol.error.nameCharacters'],
  ] as const)(
    'refuses a name %s before any passkey is made, naming the name',
    async (_case, name, key) => {
      const token = await linkWithoutName();
      serveRoutes();
      // Failed before: the ceremony ran (a passkey made), then the server answered 400 and the
      // page said "The request contains invalid parameters.", naming no field.
      expect(await refusal(enrol(token, name))).toEqual({ key, field: 'name' });
      expect(browser.ceremonies).toBe(0);
      expect(requests).toEqual([]);
      for (const locale of ['de', 'en'] as const) expect(t(locale, key)).not.toBe(key);
    },
  );

  it('enrols with the name typed, trimmed', async () => {
    const token = await linkWithoutName();
    serveRoutes();
    const person = await enrol(token, '  Erika Müller  ');
    expect(person).toMatchObject({ role: 'regulator', name: 'Erika Müller' });
    expect(browser.ceremonies).toBe(1);
  });

  it.each([
    ['a', true],
    ['  Erika Müller  ', true],
    ['Ōsaka 大阪 🙂', true],
    ['Anna 👩\u200d💼', true], // the emoji joins its parts with U+200D, a joiner the rule takes
    ['Mohammad\u200cReza Tehrani', true], // U+200C, as Persian names are spelt
    ['Erika\u202eretsuM', false], // a bidi override, which would reorder what is shown
    ['\u200d', false], // a joiner alone
    ['a'.repeat(maxNameLength), true],
    [` ${'a'.repeat(maxNameLength)} `, true],
    ['a'.repeat(maxNameLength + 1), false],
    ['   ', false],
    ['\u00a0\u3000', false],
    ['Erika\u0000', false],
    ['Erika\u00adMuster', false],
    ['Erika\u2029Muster', false],
    ['Erika\u2029', true], // a separator at the end is trimmed away
    ['\ufeffErika', true], // trimmed away, as String.prototype.trim does on both sides
  ] as const)('judges %j as the clearinghouse does (accepted: %s)', async (name, accepted) => {
    // The server's rule (people.ts `displayName`), asked through its service.
    const token = await linkWithoutName();
    const { challengeId, options } = await api.services.people.enrolmentOptions(token);
    const key = await generateSigningKey();
    const outcome = await api.services.people
      .completeEnrolment({
        token,
        challengeId,
        response: browser.authenticator!.register(options),
        signingKey: key.publicJwk,
        keyProof: await signKeyProof(key, testOrigin, options.challenge),
        name,
      })
      .then(
        () => 'accepted',
        (e: { code?: string; detail?: { issues?: string[] } }) =>
          e.detail?.issues?.includes('name') ? 'name refused' : `other: ${e.code}`,
      );
    expect(outcome).toBe(accepted ? 'accepted' : 'name refused');
    expect(enrolmentNameProblem(name) === undefined).toBe(accepted);
  });

  it('says a name the server refuses anyway as the name’s problem, not "invalid parameters"', async () => {
    const token = await linkWithoutName();
    // As the server answers a name it refuses (people.ts `invalid('name')`, problem.ts).
    serveRoutes((path) =>
      path === '/auth/enrol'
        ? Response.json(
            {
              type: 'https://clearinghouse.invalid/problems/ERR_QUERY_INVALID',
              title: 'The request contains invalid parameters or an invalid body.',
              status: 400,
              code: 'ERR_QUERY_INVALID',
              detail_data: { issues: ['name'] },
            },
            { status: 400, headers: { 'content-type': 'application/problem+json' } },
          )
        : undefined,
    );
    expect(await refusal(enrol(token, 'Erika Muster'))).toEqual({
      key: 'portal.people.enrol.error.name',
      field: 'name',
    });
  });

  it('says another refused field as before', async () => {
    const token = await linkWithoutName();
    serveRoutes((path) =>
      path === '/auth/enrol'
        ? Response.json(
            { code: 'ERR_QUERY_INVALID', status: 400, detail_data: { issues: ['keyProof'] } },
            { status: 400 },
          )
        : undefined,
    );
    expect(await refusal(enrol(token, 'Erika Muster'))).toEqual({
      key: 'errors.ERR_QUERY_INVALID',
      field: undefined,
    });
  });
});
