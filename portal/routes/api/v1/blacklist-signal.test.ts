/**
 * The Assistant's anonymous `blacklist` signal (extension/core/blacklist-signals) against the
 * real route handlers (no network), on SQLite and PostgreSQL: what the Assistant signs with its
 * pairwise key is what the clearinghouse verifies and counts into the public boycott figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClearinghouseClient, type ClientFetch } from '$protocol/client';
import { publicJwk } from '$protocol/keys';
import {
  claims,
  companyMessage,
  newCompany,
  openApiHarness,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
} from '$lib/server/api-test-kit';
import { testDialects } from '$lib/server/db/test-databases';
import { BlacklistSignals } from '../../../../extension/core/blacklist-signals';
import { counterBytes, FakeStore } from '../../../../extension/core/fakes';
import { companyIdentity } from '../../../../extension/core/identity';
import { Preferences } from '../../../../extension/core/preferences';
import * as blacklistRoute from './blacklist/+server';
import * as companiesRoute from './companies/+server';
import * as companyRoute from './companies/[companyId]/+server';
import * as boycottRoute from './companies/[companyId]/boycott/+server';
import * as grantRequestsRoute from './grant-requests/+server';
import * as relationshipsRoute from './pseudonyms/[pseudonym]/relationships/+server';
import * as refusalsRoute from './refusals/+server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Module = Record<string, (event: any) => Response | Promise<Response>>;
const routes: [RegExp, Module, string[]][] = [
  [/^\/api\/v1\/companies$/, companiesRoute, []],
  [/^\/api\/v1\/companies\/([^/]+)\/boycott$/, boycottRoute, ['companyId']],
  [/^\/api\/v1\/companies\/([^/]+)$/, companyRoute, ['companyId']],
  [/^\/api\/v1\/grant-requests$/, grantRequestsRoute, []],
  [/^\/api\/v1\/refusals$/, refusalsRoute, []],
  [/^\/api\/v1\/blacklist$/, blacklistRoute, []],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/relationships$/, relationshipsRoute, ['pseudonym']],
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
    return handler({ request: new Request(url, init), url, params });
  }
  return new Response(null, { status: 404 });
};

describe.each(testDialects)('the Assistant’s blacklist signal on %s', (dialect) => {
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

  it('is counted into the boycott figure, per reason and brand, and withdrawn with the entry', async () => {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    await client.registerCompany(
      await sign('company', companyMessage(api.clock, company), company.keyPair),
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

    // The customer's Assistant: its pairwise identity refuses, which binds the pseudonym and
    // makes the logged relationship the figure requires; the vault keeps the relationship.
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const me = await companyIdentity(seed, company.id);
    await client.submitRefusal(
      await sign(
        'refusal',
        {
          ...claims(api.clock, me.pseudonym, company.id),
          requestSha256: request.sha256,
          pseudonymKey: publicJwk(me.keyPair),
        },
        me.keyPair,
      ),
    );
    const store = new FakeStore();
    await store.put(
      'relationships',
      me.pseudonym,
      await client.relationships({ id: me.pseudonym, keyPair: me.keyPair }),
    );
    const clock = { now: api.clock.now };
    const prefs = new Preferences({
      store,
      clock,
      randomBytes: counterBytes(),
      defaults: () => ({ language: 'de', timeZone: 'Europe/Berlin' }),
    });
    const signals = new BlacklistSignals({
      store,
      clock,
      randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
      clearinghouse: client,
      clearinghouseOrigin: testOrigin,
      masterSeed: async () => seed,
      choice: async () => (await prefs.profile()).blacklistSignal,
      blacklist: () => prefs.blacklist(),
    });

    await prefs.setSignalChoice('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'company', company: company.id },
      reason: 'data_misuse',
    });
    await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Beispiel Outdoor', company: company.id },
      reason: 'too_frequent',
    });
    expect(await signals.sync()).toEqual({ sent: 2, pending: 0, refused: 0 });
    expect(await client.companyBoycott(company.id)).toMatchObject({
      company: company.id,
      total: 1,
      byReason: { data_misuse: 1, too_frequent: 1 },
    });

    await prefs.removeFromBlacklist(entry.id);
    expect(await signals.sync()).toEqual({ sent: 1, pending: 0, refused: 0 });
    expect(await client.companyBoycott(company.id)).toMatchObject({
      total: 1,
      byReason: { too_frequent: 1 },
    });

    await prefs.setSignalChoice('never');
    await signals.sync();
    expect(await client.companyBoycott(company.id)).toMatchObject({ total: 0, byReason: {} });
    expect(await signals.list()).toEqual([]);
  });
});
