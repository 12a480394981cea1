/**
 * Floods (issue 12, "Attacks": rate limits hold under a flood from one key and from one address
 * while others' traffic keeps flowing), on SQLite and PostgreSQL, through the server hook and the
 * route handlers together as a request passes them: the address is charged in the hook before any
 * body is read, the key once its signature verified. Requests are sent all at once, so the
 * counters are raced; the limits here (below 128) are counted exactly (rate-limits.ts), so the
 * test asserts exact numbers of statuses, never times.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  openApiHarness,
  post,
  requestSignature,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  limitedServices,
} from './api-test-kit';
import { plainScope } from './api-test-world';
import { testDialects } from './db/test-databases';
import { handle } from '../../hooks.server';
import { isApiPath, isPasskeyPath, type RateLimitConfig } from './rate-limits';
import { hasMessage } from '$protocol/i18n';
// @ts-expect-error -- SvelteKit's own export for its server runtime, untyped in its public types
import { with_request_store } from '@sveltejs/kit/internal/server';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as loginOptionsRoute from '../../routes/auth/login/options/+server';
import * as enrolOptionsRoute from '../../routes/auth/enrol/options/+server';

const withRequestStore = with_request_store as <T>(store: unknown, fn: () => T) => T;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (event: any) => Response | Promise<Response>;

/** What a flood got back: how many of each status, and whether every 429 was well-formed. */
interface Tally {
  statuses: Record<number, number>;
  /** 429s without a problem+json body or with a Retry-After outside 1..60 seconds. */
  malformed429: number;
}

async function tally(responses: Response[]): Promise<Tally> {
  const statuses: Record<number, number> = {};
  let malformed429 = 0;
  for (const response of responses) {
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (response.status !== 429) continue;
    const retryAfter = Number(response.headers.get('retry-after'));
    const body = (await response.json()) as { code?: string; status?: number };
    if (
      response.headers.get('content-type') !== 'application/problem+json' ||
      body.code !== 'ERR_RATE_LIMITED' ||
      body.status !== 429 ||
      !Number.isInteger(retryAfter) ||
      retryAfter < 1 ||
      retryAfter > 60
    ) {
      malformed429++;
    }
  }
  return { statuses, malformed429 };
}

describe.each(testDialects)('rate limits under a flood on %s', (dialect) => {
  let api: ApiHarness;

  beforeEach(async () => {
    api = await openApiHarness(dialect);
  });
  afterEach(async () => {
    await api.close();
  });

  async function limited(config: RateLimitConfig): Promise<void> {
    await limitedServices(api, config);
  }

  /** Registers a company (its `company` message spends one of its key's budget). */
  async function register(): Promise<TestCompany> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  function grantRequestToken(company: TestCompany): Promise<string> {
    return sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [plainScope(api)],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    );
  }

  /** One request from `address` through the server hook into `handler`. */
  function send(
    handler: Handler,
    address: string,
    init: { path: string; method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response> {
    const url = new URL(testOrigin + init.path);
    const request = new Request(url, {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const event = {
      url,
      request,
      params: {},
      getClientAddress: () => address,
      route: { id: null },
      cookies: { get: () => undefined },
      locals: {},
    };
    const resolve = () => Promise.resolve(handler(event));
    const state = {
      tracing: { record_span: ({ fn }: { fn: (span: unknown) => unknown }) => fn({}) },
    };
    return Promise.resolve(
      withRequestStore({ event, state }, () =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        handle({ event, resolve } as any),
      ),
    );
  }

  function postGrantRequest(address: string, token: string): Promise<Response> {
    return send(grantRequestsRoute.POST, address, {
      path: '/api/v1/grant-requests',
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: token,
    });
  }

  async function storedGrantRequests(company: TestCompany): Promise<number> {
    const row = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'grant-request')
      .where('company_id', '=', company.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('holds one key to its budget under a concurrent flood from many addresses, while another key on the same addresses keeps getting through', async () => {
    await limited({ addressPerMinute: 100, keyPerMinute: 20 });
    const flooder = await register(); // 1 of its 20 spent
    const neighbour = await register();
    const floodTokens = await Promise.all(
      Array.from({ length: 60 }, () => grantRequestToken(flooder)),
    );
    const neighbourTokens = await Promise.all(
      Array.from({ length: 10 }, () => grantRequestToken(neighbour)),
    );
    // 60 messages of one key spread over 6 addresses (10 each, well under their limit), and the
    // neighbour's 10 interleaved on the same addresses.
    const flood = floodTokens.map((token, i) => postGrantRequest(`203.0.113.${i % 6}`, token));
    const others = neighbourTokens.map((token, i) => postGrantRequest(`203.0.113.${i % 6}`, token));
    const [floodTally, otherTally] = await Promise.all([
      Promise.all(flood).then(tally),
      Promise.all(others).then(tally),
    ]);
    expect(floodTally).toEqual({ statuses: { 201: 19, 429: 41 }, malformed429: 0 });
    expect(otherTally).toEqual({ statuses: { 201: 10 }, malformed429: 0 });
    // Nothing of a refused message was stored.
    expect(await storedGrantRequests(flooder)).toBe(19);
    expect(await storedGrantRequests(neighbour)).toBe(10);
  });

  it('holds one address to its budget under a concurrent flood of many keys, while another address keeps getting through', async () => {
    await limited({ addressPerMinute: 30, keyPerMinute: 100 });
    const companies = await Promise.all(Array.from({ length: 4 }, () => register()));
    const tokens = await Promise.all(
      Array.from({ length: 80 }, (_, i) => grantRequestToken(companies[i % 4]!)),
    );
    const flood = tokens.map((token) => postGrantRequest('198.51.100.7', token));
    // Unsigned reads (the public registry) and signed reads from another address, at the same
    // time. Not the health route: it reads the process's own instance, which a test has not got
    // (it opened ./data/clearinghouse.db under the working directory, a developer's database).
    const others = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? send(companiesRoute.GET, '198.51.100.8', { path: '/api/v1/companies' })
        : requestSignature(api.clock, companies[0]!, 'GET', '/api/v1/companies/me/events').then(
            (signature) =>
              send(eventsRoute.GET, '198.51.100.8', {
                path: '/api/v1/companies/me/events',
                headers: { authorization: `Signature ${signature}` },
              }),
          ),
    );
    const [floodTally, otherTally] = await Promise.all([
      Promise.all(flood).then(tally),
      Promise.all(others).then(tally),
    ]);
    expect(floodTally).toEqual({ statuses: { 201: 30, 429: 50 }, malformed429: 0 });
    expect(otherTally).toEqual({ statuses: { 200: 20 }, malformed429: 0 });
    const stored = await Promise.all(companies.map(storedGrantRequests));
    expect(stored.reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('counts a path that spells /api/ with escapes as the API: SvelteKit routes it there', async () => {
    await limited({ addressPerMinute: 3, keyPerMinute: 100 });
    const paths = [
      '/api/v1/companies',
      '/%61pi/v1/companies',
      '/a%70i/v1/companies',
      '/api/v1/companies',
    ];
    const statuses = [];
    for (const path of paths) {
      statuses.push((await send(companiesRoute.GET, '198.51.100.9', { path })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(isApiPath('/%2561pi/v1/companies')).toBe(false); // %25 stays escaped: no API route
    expect(isApiPath('/%E0%A4%A/v1')).toBe(false); // does not decode
    expect(isApiPath('/log/checkpoint')).toBe(false);
  });

  it('holds one address to its budget on the passkey endpoints, which write without a signature', async () => {
    await limited({ addressPerMinute: 8, keyPerMinute: 100 });
    const options = (address: string, path = '/auth/login/options') =>
      send(loginOptionsRoute.POST, address, { path, method: 'POST' });
    const enrolOptions = (address: string) =>
      send(enrolOptionsRoute.POST, address, {
        path: '/auth/enrol/options',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'A'.repeat(43) }),
      });
    const flood = await Promise.all([
      ...Array.from({ length: 20 }, () => options('192.0.2.77')),
      ...Array.from({ length: 5 }, () => enrolOptions('192.0.2.77')),
      options('192.0.2.77', '/%61uth/login/options'), // routed to /auth/ as well
    ]);
    const floodTally = await tally(flood);
    expect(floodTally.malformed429).toBe(0);
    expect(floodTally.statuses[429]).toBe(18);
    // Only what the budget admitted reached the service: at most 8 challenges stored.
    const challenges = await api.tdb.cdb.db
      .selectFrom('webauthn_challenges')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(challenges.n)).toBeLessThanOrEqual(8);
    // The page shows the refusal as a sentence (people-ceremony.ts: errors.<code>).
    expect(hasMessage('errors.ERR_RATE_LIMITED')).toBe(true);
    // Another address keeps getting through.
    expect((await options('192.0.2.78')).status).toBe(200);
    expect(isPasskeyPath('/auth/login')).toBe(true);
    expect(isPasskeyPath('/authx/login')).toBe(false);
    expect(isPasskeyPath('/%2561uth/login')).toBe(false);
  });

  it('keeps refusing the flooding key and address for the rest of the window, and lets them in again after it', async () => {
    await limited({ addressPerMinute: 10, keyPerMinute: 5 });
    const flooder = await register(); // 1 of 5
    const flood = await Promise.all(
      Array.from({ length: 30 }, async () =>
        postGrantRequest('192.0.2.50', await grantRequestToken(flooder)),
      ),
    );
    // The address admitted 10; of those, the key 4.
    expect(await tally(flood)).toEqual({ statuses: { 201: 4, 429: 26 }, malformed429: 0 });
    api.clock.advance(30);
    const later = await postGrantRequest('192.0.2.51', await grantRequestToken(flooder));
    expect(later.status).toBe(429);
    expect(Number(later.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    api.clock.advance(31);
    expect((await postGrantRequest('192.0.2.50', await grantRequestToken(flooder))).status).toBe(
      201,
    );
  });
});
