/**
 * The reference company site (test/company-site) against an in-process clearinghouse served over
 * real HTTP (the route handlers behind node:http, the real domain-proof fetcher): registration and
 * domain proof succeed, a grant request is created and linked from the shop page, and a revocation
 * posted by a test Assistant is acknowledged by the site within a bounded number of feed polls,
 * or at once when the signed webhook arrives.
 *
 * It lives here because the Vitest `server` project runs `portal/**` tests; it drives only the
 * site's public surface and the clearinghouse's HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClearinghouseClient } from '$protocol/client';
import { base64urlDecode } from '$protocol/encoding';
import { generateKeyPair, pairwiseKeyPair, publicJwk, thumbprint } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import { signMessage } from '$protocol/signed';
import { ready } from '$protocol/sodium';
import { startCompanySite, type CompanySite } from '../../../test/company-site/site';
import { createDurableWriter, type DurableWriter } from './db/durable-writer';
import { migrateToLatest } from './db/migrate';
import { openTestDatabase, type TestDatabase } from './db/test-databases';
import { createProofFetcher } from './domain-proof';
import { createServices, setServicesForTests } from './services';
import { createWebhookWorker, webhookSigner, type WebhookWorker } from './webhooks';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as companyRoute from '../../routes/api/v1/companies/[companyId]/+server';
import * as eventsRoute from '../../routes/api/v1/companies/me/events/+server';
import * as findingsRoute from '../../routes/api/v1/companies/me/findings/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantRequestRoute from '../../routes/api/v1/grant-requests/[sha256]/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as relationshipsRoute from '../../routes/api/v1/pseudonyms/[pseudonym]/relationships/+server';
import * as acksRoute from '../../routes/api/v1/revocation-acks/+server';
import * as revocationsRoute from '../../routes/api/v1/revocations/+server';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RouteModule = Record<string, (event: any) => Response | Promise<Response>>;

/** The API routes the site and the Assistant call, with their dynamic segments. */
const routes: [RegExp, RouteModule, string[]][] = [
  [/^\/api\/v1\/companies$/, companiesRoute, []],
  [/^\/api\/v1\/companies\/me\/events$/, eventsRoute, []],
  [/^\/api\/v1\/companies\/me\/findings$/, findingsRoute, []],
  [/^\/api\/v1\/companies\/(co_[^/]+)$/, companyRoute, ['companyId']],
  [/^\/api\/v1\/grant-requests$/, grantRequestsRoute, []],
  [/^\/api\/v1\/grant-requests\/([^/]+)$/, grantRequestRoute, ['sha256']],
  [/^\/api\/v1\/grants$/, grantsRoute, []],
  [/^\/api\/v1\/revocations$/, revocationsRoute, []],
  [/^\/api\/v1\/revocation-acks$/, acksRoute, []],
  [/^\/api\/v1\/pseudonyms\/([^/]+)\/relationships$/, relationshipsRoute, ['pseudonym']],
];

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('the reference company site', () => {
  let tdb: TestDatabase;
  let writer: DurableWriter;
  let server: Server;
  let origin: string;
  let site: CompanySite;
  let worker: WebhookWorker;
  let dataDir: string;
  let webhookKey: ReturnType<typeof generateKeyPair>;
  const lines: string[] = [];

  beforeAll(async () => {
    await ready();
    webhookKey = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
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
              webhookKey: publicJwk(webhookKey),
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
    worker = createWebhookWorker({ db: tdb.cdb.db, origin, signer: webhookSigner(webhookKey) });
    dataDir = mkdtempSync(join(tmpdir(), 'company-site-'));
    site = await startCompanySite({
      clearinghouseUrl: origin,
      dataDir,
      port: 0,
      pollIntervalMs: 0, // the test counts the polls itself
      log: (line) => lines.push(line),
    });
  });

  afterAll(async () => {
    await site?.stop();
    setServicesForTests(undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await writer?.close();
    await tdb?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A test Assistant: a pairwise key for the site's company and a client of its own. */
  function assistant(): {
    client: ClearinghouseClient;
    id: string;
    keyPair: ReturnType<typeof pairwiseKeyPair>;
  } {
    const keyPair = pairwiseKeyPair(new Uint8Array(randomBytes(32)), site.companyId);
    return {
      client: createClient({
        baseUrl: origin,
        fetch: (url, init) => fetch(url, init),
        now: Date.now,
        randomBytes: (n) => new Uint8Array(randomBytes(n)),
      }),
      id: `ps_${thumbprint(publicJwk(keyPair))}`,
      keyPair,
    };
  }

  function claims(iss: string, aud: string) {
    const iat = Math.floor(Date.now() / 1000);
    return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: crypto.randomUUID() };
  }

  /** Grants the site's open request and revokes it again; returns the revocation's hash. */
  async function grantAndRevoke(): Promise<{
    revocation: string;
    pseudonym: ReturnType<typeof assistant>;
  }> {
    const pseudonym = assistant();
    const link = site.requestLink()!;
    const requestSha256 = link.split('/').pop()!;
    const request = await pseudonym.client.getGrantRequest(requestSha256);
    const asked = JSON.parse(
      new TextDecoder().decode(base64urlDecode(request.jws.split('.')[1]!)),
    ) as Payload<'grant-request'>;
    const scope = asked.scopes[0]!;
    const grant = await signMessage(
      'grant',
      {
        ...claims(pseudonym.id, site.companyId),
        requestSha256,
        scopes: [{ ...scope, channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: Math.floor(Date.now() / 1000) + 365 * 86_400,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    await pseudonym.client.submitGrant(grant);
    const revocation = await signMessage(
      'revocation',
      { ...claims(pseudonym.id, site.companyId), grants: 'all' },
      pseudonym.keyPair,
    );
    const { sha256 } = await pseudonym.client.submitRevocation(revocation);
    return { revocation: sha256, pseudonym };
  }

  it('registers, proves its domain over HTTP and creates a grant request', async () => {
    await site.ready();
    expect(site.status()).toBe('active');
    expect(site.requestLink()).toMatch(
      new RegExp(`^${origin}/api/v1/grant-requests/[A-Za-z0-9_-]{43}$`),
    );
    expect(lines.some((line) => line.includes('domain proven'))).toBe(true);
    const proof = (await (
      await fetch(`${site.origin}/.well-known/consent-clearinghouse.json`)
    ).json()) as {
      keys: string[];
    };
    expect(proof.keys).toEqual([site.companyId.slice(3)]);
  });

  it('links the grant request from its shop page, in German and English', async () => {
    const de = await (
      await fetch(`${site.origin}/`, { headers: { 'accept-language': 'de-DE' } })
    ).text();
    const en = await (await fetch(`${site.origin}/?lang=en`)).text();
    expect(de).toContain('Mit Ihrem Assistenten verbinden');
    expect(de).toContain(`href="${site.requestLink()!}"`);
    expect(en).toContain('Connect with your Assistant');
    expect(en).toContain('<html lang="en">');
  });

  it("acknowledges a test Assistant's revocation within three feed polls", async () => {
    const { revocation, pseudonym } = await grantAndRevoke();
    for (let poll = 0; poll < 3 && !site.acknowledged.includes(revocation); poll++)
      await site.pollOnce();
    expect(site.acknowledged).toContain(revocation);
    expect(site.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['grant', 'revocation']));
    // The clearinghouse agrees: the Assistant sees its revocation acknowledged.
    const relationships = await pseudonym.client.relationships(pseudonym);
    expect(relationships.revocations).toEqual([
      expect.objectContaining({ sha256: revocation, acknowledged: true }),
    ]);
  });

  it('acknowledges at once when the signed webhook arrives, without a poll of its own', async () => {
    const { revocation } = await grantAndRevoke();
    await worker.tick(); // queues and sends the feed events to the site's /webhook
    const deadline = Date.now() + 5_000;
    while (!site.acknowledged.includes(revocation) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(site.acknowledged).toContain(revocation);
  });

  it('keeps its key, grant request and feed cursor across a restart', async () => {
    const before = {
      companyId: site.companyId,
      link: site.requestLink(),
      seen: site.events.length,
    };
    await site.stop();
    lines.length = 0;
    site = await startCompanySite({
      clearinghouseUrl: origin,
      dataDir,
      port: 0,
      pollIntervalMs: 0,
      log: (line) => lines.push(line),
    });
    await site.ready();
    expect(site.companyId).toBe(before.companyId);
    expect(site.requestLink()).toBe(before.link);
    expect(lines.some((line) => line.startsWith('registered'))).toBe(false); // already active: no new registration
    expect(await site.pollOnce()).toBe(0); // everything before the restart was handled
    expect(before.seen).toBeGreaterThan(0);
  });

  it('refuses a webhook that is not signed by the clearinghouse', async () => {
    const response = await fetch(`${site.origin}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'clearinghouse-signature': 'eyJhbGciOiJFZERTQSJ9..' + 'A'.repeat(86),
      },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });
});
