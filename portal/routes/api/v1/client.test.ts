/**
 * protocol/client against the real route handlers (no network): the whole life of a consent as a
 * company and an Assistant would drive it, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiProblem,
  createClient,
  type ClearinghouseClient,
  type ClientFetch,
} from '$protocol/client';
import { publicJwk } from '$protocol/keys';
import {
  claims,
  companyMessage,
  newCompany,
  newPseudonym,
  openApiHarness,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Module = Record<string, (event: any) => Response | Promise<Response>>;
const routes: [RegExp, Module, string[]][] = [
  [/^\/api\/v1\/companies$/, companiesRoute, []],
  [/^\/api\/v1\/companies\/me\/keys$/, keysRoute, []],
  [/^\/api\/v1\/companies\/me\/events$/, eventsRoute, []],
  [/^\/api\/v1\/companies\/me\/findings$/, findingsRoute, []],
  [/^\/api\/v1\/companies\/me\/compromised-messages$/, compromisedRoute, []],
  [/^\/api\/v1\/companies\/([^/]+)$/, companyRoute, ['companyId']],
  [/^\/api\/v1\/grant-requests$/, grantRequestsRoute, []],
  [/^\/api\/v1\/grant-requests\/([^/]+)$/, grantRequestRoute, ['sha256']],
  [/^\/api\/v1\/grants$/, grantsRoute, []],
  [/^\/api\/v1\/refusals$/, refusalsRoute, []],
  [/^\/api\/v1\/revocations$/, revocationsRoute, []],
  [/^\/api\/v1\/revocation-acks$/, acksRoute, []],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/relationships$/, relationshipsRoute, ['pseudonym']],
  [/^\/api\/v1\/relationships\/batch$/, batchRoute, []],
];

/** A fetch that hands the request to the matching +server.ts handler, as SvelteKit would. */
const routedFetch: ClientFetch = async (href, init) => {
  const url = new URL(href);
  for (const [pattern, module, names] of routes) {
    const match = pattern.exec(url.pathname);
    if (match === null) continue;
    const handler = module[init.method];
    if (handler === undefined) return new Response(null, { status: 405 });
    const params = Object.fromEntries(
      names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
    );
    const request = new Request(url, init);
    return handler({ request, url, params });
  }
  return new Response(null, { status: 404 });
};

describe.each(testDialects)('protocol/client against the routes on %s', (dialect) => {
  let api: ApiHarness;
  let client: ClearinghouseClient;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    client = createClient({
      baseUrl: testOrigin,
      fetch: routedFetch,
      now: api.clock.now,
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('registers, asks, is granted, follows its feed, sees the revocation and acknowledges it', async () => {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const registered = await client.registerCompany(
      await sign('company', companyMessage(api.clock, company), company.keyPair),
    );
    expect(registered.company).toMatchObject({ id: company.id, status: 'active' });
    expect((await client.getCompany(company.id)).keys).toHaveLength(1);
    expect((await client.listCompanies({ status: 'active' })).companies.map((c) => c.id)).toContain(
      company.id,
    );

    const request = await client.createGrantRequest(
      await sign(
        'grant-request',
        {
          ...claims(api.clock, company.id, testOrigin),
          scopes: [requestedScope(api.clock)],
          reason: { de: 'Neuigkeiten.', en: 'News.' },
        },
        company.keyPair,
      ),
    );
    expect((await client.getGrantRequest(request.sha256)).company.id).toBe(company.id);

    const pseudonym = newPseudonym(company.id);
    const scope = { ...requestedScope(api.clock), channels: ['newsletter' as const] };
    const granted = await client.submitGrant(
      await sign(
        'grant',
        {
          ...claims(api.clock, pseudonym.id, company.id),
          requestSha256: request.sha256,
          scopes: [scope],
          preferredChannel: 'newsletter',
          until: api.clock.seconds() + 86_400,
          pseudonymKey: publicJwk(pseudonym.keyPair),
        },
        pseudonym.keyPair,
      ),
    );
    const revocation = await client.submitRevocation(
      await sign(
        'revocation',
        { ...claims(api.clock, pseudonym.id, company.id), grants: 'all' },
        pseudonym.keyPair,
      ),
    );

    const feed = await client.companyEvents(company, '0');
    expect(feed.events.map((e) => e.kind)).toEqual(['grant', 'revocation']);
    expect(feed.events[0]!.sha256).toBe(granted.sha256);

    const acked = await client.acknowledgeRevocation(
      await sign(
        'revocation-ack',
        {
          ...claims(api.clock, company.id, testOrigin),
          revocationSha256: revocation.sha256,
          pseudonym: pseudonym.id,
          stoppedAt: api.clock.seconds(),
        },
        company.keyPair,
      ),
    );
    expect(acked.onTime).toBe(true);
    expect((await client.companyFindings(company)).findings).toEqual([]);
    expect((await client.compromisedMessages(company)).messages).toEqual([]);

    const mine = await client.relationships(pseudonym);
    expect(mine.grants.map((g) => g.status)).toEqual(['revoked']);
    const batch = await client.relationshipsBatch([pseudonym, newPseudonym(company.id)]);
    expect(batch.results.map((r) => r.status)).toEqual([200, 404]);

    const error = await client
      .changeCompanyKey(
        await sign(
          'company-key',
          { ...claims(api.clock, company.id, testOrigin), action: 'retire', kid: company.kid },
          company.keyPair,
        ),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({ status: 409, code: 'ERR_COMPANY_KEY_CONFLICT' });
  });
});
