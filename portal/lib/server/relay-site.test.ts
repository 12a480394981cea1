/**
 * The reference company site's side of the sealed relay (test/company-site/relay.ts) against an
 * in-process clearinghouse over real HTTP: the site learns a customer from the grant in its feed,
 * sends an offer and a reward that the customer's Assistant fetches, opens and acknowledges, and
 * applies a correction the Assistant sealed to the company's first current key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClearinghouseClient } from '$protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '$protocol/encoding';
import { importPublicJwk, pairwiseKeyPair, publicJwk, thumbprint } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import { openSealed, openSealedSigned, sealTo } from '$protocol/seal';
import { openMessage, signMessage } from '$protocol/signed';
import { ready } from '$protocol/sodium';
import { startCompanySite, type CompanySite } from '../../../test/company-site/site';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest } from './db/migrate';
import { openTestDatabase, type TestDatabase } from './db/test-databases';
import { createProofFetcher } from './domain-proof';
import { createServices, setServicesForTests } from './services';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as companyRoute from '../../routes/api/v1/companies/[companyId]/+server';
import * as correctionsListRoute from '../../routes/api/v1/companies/me/corrections/+server';
import * as correctionRoute from '../../routes/api/v1/companies/me/corrections/[id]/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';
import * as correctionsRoute from '../../routes/api/v1/corrections/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantRequestRoute from '../../routes/api/v1/grant-requests/[sha256]/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as offersRoute from '../../routes/api/v1/offers/+server';
import * as inboxRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/+server';
import * as inboxItemRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/inbox/[id]/+server';
import * as rewardsRoute from '../../routes/api/v1/rewards/+server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RouteModule = Record<string, (event: any) => Response | Promise<Response>>;

const routes: [RegExp, RouteModule, string[]][] = [
  [/^\/api\/v1\/companies$/, companiesRoute, []],
  [/^\/api\/v1\/companies\/me\/events$/, eventsRoute, []],
  [/^\/api\/v1\/companies\/me\/corrections$/, correctionsListRoute, []],
  [/^\/api\/v1\/companies\/me\/corrections\/([^/]+)$/, correctionRoute, ['id']],
  [/^\/api\/v1\/companies\/(co_[^/]+)$/, companyRoute, ['companyId']],
  [/^\/api\/v1\/grant-requests$/, grantRequestsRoute, []],
  [/^\/api\/v1\/grant-requests\/([^/]+)$/, grantRequestRoute, ['sha256']],
  [/^\/api\/v1\/grants$/, grantsRoute, []],
  [/^\/api\/v1\/offers$/, offersRoute, []],
  [/^\/api\/v1\/rewards$/, rewardsRoute, []],
  [/^\/api\/v1\/corrections$/, correctionsRoute, []],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/inbox$/, inboxRoute, ['pseudonym']],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/inbox\/([^/]+)$/, inboxItemRoute, ['pseudonym', 'id']],
];

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('the reference company site and the sealed relay', () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let server: Server;
  let origin: string;
  let site: CompanySite;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    await ready();
    tdb = await openTestDatabase('sqlite');
    await migrateToLatest(tdb.cdb);
    writer = createDurableWriter(tdb.cdb, { maxWaitMs: 1 });
    server = createServer((req, res) => {
      void (async () => {
        const url = new URL(req.url ?? '/', origin);
        if (url.pathname === '/.well-known/clearinghouse.json') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              origin,
              apiBase: `${origin}/api/v1`,
              webhookKey: publicJwk(pairwiseKeyPair(new Uint8Array(32), 'co_webhook')),
            }),
          );
          return;
        }
        for (const [pattern, module, names] of routes) {
          const match = pattern.exec(url.pathname);
          const handler = module[req.method ?? 'GET'];
          if (match === null || handler === undefined) continue;
          const params = Object.fromEntries(
            names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
          );
          const body = req.method === 'POST' ? await readAll(req) : undefined;
          const request = new Request(url, {
            method: req.method,
            headers: req.headers as Record<string, string>,
            ...(body === undefined ? {} : { body: new Uint8Array(body) }),
          });
          const response = await handler({ request, url, params });
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
          return;
        }
        res.writeHead(404).end();
      })().catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    setServicesForTests(
      await createServices({
        cdb: tdb.cdb,
        writer,
        origin,
        fetchProof: createProofFetcher({ timeoutMs: 3_000 }),
      }),
    );
    dataDir = mkdtempSync(join(tmpdir(), 'company-site-relay-'));
    site = await startCompanySite({
      clearinghouseUrl: origin,
      dataDir,
      port: 0,
      pollIntervalMs: 0,
      webhook: false,
      log: (line) => lines.push(line),
    });
    await site.ready();
  });

  afterAll(async () => {
    await site?.stop();
    setServicesForTests(undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await writer?.close();
    await tdb?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function claims(iss: string, aud: string) {
    const iat = Math.floor(Date.now() / 1000);
    return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: crypto.randomUUID() };
  }

  /** A test Assistant that granted the site's open request (the site has read its feed). */
  async function grantedAssistant(): Promise<{
    client: ClearinghouseClient;
    id: string;
    keyPair: ReturnType<typeof pairwiseKeyPair>;
  }> {
    const keyPair = pairwiseKeyPair(new Uint8Array(randomBytes(32)), site.companyId);
    const assistant = {
      client: createClient({
        baseUrl: origin,
        fetch: (url, init) => fetch(url, init),
        now: Date.now,
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
      }),
      id: `ps_${thumbprint(publicJwk(keyPair))}`,
      keyPair,
    };
    const requestSha256 = site.requestLink()!.split('/').pop()!;
    const request = await assistant.client.getGrantRequest(requestSha256);
    const asked = JSON.parse(
      utf8Decode(base64urlDecode(request.jws.split('.')[1]!)),
    ) as Payload<'grant-request'>;
    await assistant.client.submitGrant(
      await signMessage(
        'grant',
        {
          ...claims(assistant.id, site.companyId),
          requestSha256,
          scopes: [{ ...asked.scopes[0]!, channels: ['newsletter'] }],
          preferredChannel: 'newsletter',
          until: Math.floor(Date.now() / 1000) + 365 * 86_400,
          pseudonymKey: publicJwk(keyPair),
        },
        keyPair,
      ),
    );
    await site.pollOnce();
    return assistant;
  }

  function demo(kind: 'offer' | 'reward', pseudonym: string): Promise<Response> {
    return fetch(`${site.origin}/demo/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pseudonym }),
    });
  }

  it('sends an offer and a reward that the Assistant fetches, opens and acknowledges', async () => {
    const assistant = await grantedAssistant();
    expect(site.relay.customers.get(assistant.id)?.x).toBe(publicJwk(assistant.keyPair).x);

    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect((await demo('reward', assistant.id)).status).toBe(201);

    const page = await assistant.client.fetchInbox(assistant);
    expect(page.items.map((i) => i.kind)).toEqual(['offer', 'reward']);
    const entry = await assistant.client.getCompany(site.companyId);
    const companyKey = importPublicJwk(entry.keys![0]!.jwk);
    const resolveKey = (kid: string) => (kid === companyKey.kid ? companyKey : undefined);
    const now = Math.floor(Date.now() / 1000);
    const offer = await openMessage('offer', page.items[0]!.jws, {
      resolveKey,
      audience: assistant.id,
      now,
    });
    const inner = await openSealedSigned(base64urlDecode(offer.payload.sealed), assistant.keyPair, {
      kind: 'offer-content',
      resolveKey,
      audience: assistant.id,
      now,
      maxWindowSeconds: 90 * 86_400,
    });
    expect(inner.payload).toMatchObject({
      grantSha256: offer.payload.grantSha256,
      purpose: offer.payload.purpose,
      channel: offer.payload.channel,
      title: 'Neue Laufschuhe',
    });
    const reward = await openMessage('reward', page.items[1]!.jws, {
      resolveKey,
      audience: assistant.id,
      now,
    });
    const points = JSON.parse(
      utf8Decode(openSealed(base64urlDecode(reward.payload.sealed), assistant.keyPair)),
    ) as { amount: number };
    expect(points.amount).toBe(100);

    expect(await assistant.client.ackInbox(assistant, { id: page.items[1]!.id })).toEqual({
      deleted: 1,
    });
    expect(await assistant.client.ackInbox(assistant, { through: page.next })).toEqual({
      deleted: 1,
    });
    expect((await assistant.client.fetchInbox(assistant)).items).toEqual([]);
  });

  it('passes the relay refusal on when the contact cap is reached', async () => {
    const assistant = await grantedAssistant();
    expect((await demo('offer', assistant.id)).status).toBe(201);
    expect((await demo('offer', assistant.id)).status).toBe(201);
    const capped = await demo('offer', assistant.id);
    expect(capped.status).toBe(403);
    expect(await capped.json()).toEqual({ error: 'ERR_CONTACT_CAP_EXCEEDED' });
    expect((await demo('offer', 'ps_nobody')).status).toBe(404);
  });

  it("applies a correction sealed to the company's first current key and acknowledges it", async () => {
    const assistant = await grantedAssistant();
    const entry = await assistant.client.getCompany(site.companyId);
    const companyPublicKey = base64urlDecode(entry.keys![0]!.jwk.x);
    const correction = await signMessage(
      'correction',
      {
        ...claims(assistant.id, site.companyId),
        dataCategory: 'address',
        sealed: base64urlEncode(
          sealTo(
            companyPublicKey,
            JSON.stringify({ dataCategory: 'address', value: 'Heidestraße 18, 51147 Köln' }),
          ),
        ),
      },
      assistant.keyPair,
    );
    const receipt = await assistant.client.sendCorrection(correction);
    await site.pollOnce();
    expect(site.relay.applied).toContain(receipt.id);
    expect(site.relay.customers.get(assistant.id)?.data.address).toBe('Heidestraße 18, 51147 Köln');
    const left = await tdb.cdb.db.selectFrom('relay_corrections').select('id').execute();
    expect(left).toEqual([]);
  });
});
