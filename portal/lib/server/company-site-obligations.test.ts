/**
 * The reference company site's obligations (test/company-site/obligations.ts) against an
 * in-process clearinghouse over real HTTP: it discloses what it holds when a customer grants,
 * answers an access request with a disclosure whose sealed export only the customer can open,
 * answers an erasure request by erasing the customer's data in its store, and reports access.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClearinghouseClient } from '$protocol/client';
import { base64urlDecode } from '$protocol/encoding';
import { generateKeyPair, pairwiseKeyPair, publicJwk, thumbprint } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import { openSealed } from '$protocol/seal';
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
import * as accessRoute from '../../routes/api/v1/access/+server';
import * as answersRoute from '../../routes/api/v1/data-request-answers/+server';
import * as dataRequestsRoute from '../../routes/api/v1/data-requests/+server';
import * as disclosuresRoute from '../../routes/api/v1/disclosures/+server';

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
  [/^\/api\/v1\/disclosures$/, disclosuresRoute, []],
  [/^\/api\/v1\/data-requests$/, dataRequestsRoute, []],
  [/^\/api\/v1\/data-request-answers$/, answersRoute, []],
  [/^\/api\/v1\/access$/, accessRoute, []],
];

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("the reference company site's obligations", () => {
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
    dataDir = mkdtempSync(join(tmpdir(), 'company-site-obligations-'));
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

  /** Grants the site's open request as a new test Assistant. */
  async function granted(): Promise<ReturnType<typeof assistant>> {
    const pseudonym = assistant();
    const requestSha256 = site.requestLink()!.split('/').pop()!;
    const request = await pseudonym.client.getGrantRequest(requestSha256);
    const asked = JSON.parse(
      new TextDecoder().decode(base64urlDecode(request.jws.split('.')[1]!)),
    ) as Payload<'grant-request'>;
    const grant = await signMessage(
      'grant',
      {
        ...claims(pseudonym.id, site.companyId),
        requestSha256,
        scopes: [{ ...asked.scopes[0]!, channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: Math.floor(Date.now() / 1000) + 365 * 86_400,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
    await pseudonym.client.submitGrant(grant);
    await site.pollOnce();
    return pseudonym;
  }

  async function ask(
    pseudonym: ReturnType<typeof assistant>,
    type: 'access' | 'erasure',
  ): Promise<string> {
    const token = await signMessage(
      'data-request',
      { ...claims(pseudonym.id, site.companyId), type },
      pseudonym.keyPair,
    );
    const { sha256 } = await pseudonym.client.submitDataRequest(token);
    await site.pollOnce();
    return sha256;
  }

  it('discloses what it holds when a customer grants', async () => {
    await site.ready();
    const pseudonym = await granted();
    const view = await pseudonym.client.relationships(pseudonym);
    expect(view.disclosures).toEqual([expect.objectContaining({ current: true })]);
    const disclosure = JSON.parse(
      new TextDecoder().decode(base64urlDecode(view.disclosures![0]!.jws.split('.')[1]!)),
    ) as Payload<'disclosure'>;
    expect(disclosure.holdings.map((h) => h.dataCategory)).toEqual(['preferences_habits']);
  });

  it('answers an access request with a disclosure only the customer can open', async () => {
    const pseudonym = await granted();
    site.relay.customers.get(pseudonym.id)!.data.address = 'Heidestraße 17, 51147 Köln';
    const request = await ask(pseudonym, 'access');
    const view = await pseudonym.client.relationships(pseudonym);
    const answered = view.dataRequests!.find((r) => r.sha256 === request)!;
    expect(answered.answer).not.toBeNull();
    const answer = JSON.parse(
      new TextDecoder().decode(base64urlDecode(answered.answer!.jws.split('.')[1]!)),
    ) as { outcome: string; disclosureSha256: string };
    expect(answer.outcome).toBe('disclosure');
    const disclosure = view.disclosures!.find((d) => d.sha256 === answer.disclosureSha256)!;
    expect(disclosure.current).toBe(true);
    const payload = JSON.parse(
      new TextDecoder().decode(base64urlDecode(disclosure.jws.split('.')[1]!)),
    ) as Payload<'disclosure'>;
    const exported = JSON.parse(
      new TextDecoder().decode(openSealed(base64urlDecode(payload.export!), pseudonym.keyPair)),
    ) as { data: Record<string, string> };
    expect(exported.data).toEqual({ address: 'Heidestraße 17, 51147 Köln' });
    // The clearinghouse holds only ciphertext: the address is nowhere in the stored message.
    expect(disclosure.jws).not.toContain('Heidestra');
  });

  it("answers an erasure request by erasing the customer's data in its store", async () => {
    const pseudonym = await granted();
    site.relay.customers.get(pseudonym.id)!.data.address = 'Heidestraße 17, 51147 Köln';
    const request = await ask(pseudonym, 'erasure');
    expect(site.relay.customers.get(pseudonym.id)!.data).toEqual({});
    const stored = JSON.parse(readFileSync(join(dataDir, 'customers.json'), 'utf8')) as {
      pseudonym: string;
      data: Record<string, string>;
    }[];
    expect(stored.find((c) => c.pseudonym === pseudonym.id)?.data).toEqual({});
    const view = await pseudonym.client.relationships(pseudonym);
    const answered = view.dataRequests!.find((r) => r.sha256 === request)!;
    const answer = JSON.parse(
      new TextDecoder().decode(base64urlDecode(answered.answer!.jws.split('.')[1]!)),
    ) as { outcome: string; dataCategories: string[] };
    expect(answer).toMatchObject({ outcome: 'erased', dataCategories: ['address'] });
    expect(site.obligations.done.filter((d) => d.kind === 'answer').at(-1)).toMatchObject({
      pseudonym: pseudonym.id,
      outcome: 'erased',
    });
  });

  it('answers a data request at once when the signed webhook announces it', async () => {
    const pseudonym = await granted();
    const token = await signMessage(
      'data-request',
      { ...claims(pseudonym.id, site.companyId), type: 'erasure', dataCategories: ['address'] },
      pseudonym.keyPair,
    );
    const { sha256 } = await pseudonym.client.submitDataRequest(token);
    await worker.tick(); // queues and sends the feed events, this data request among them
    const deadline = Date.now() + 5_000;
    const answered = () =>
      site.events.some((e) => e.kind === 'data-request' && e.sha256 === sha256) &&
      site.obligations.done.some((d) => d.kind === 'answer' && d.pseudonym === pseudonym.id);
    while (!answered() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered()).toBe(true);
  });

  it('reports an access under the grant through its demo endpoint', async () => {
    const pseudonym = await granted();
    const response = await fetch(`${site.origin}/demo/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pseudonym: pseudonym.id }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ accepted: 1, outOfScope: 0 });
    const unknown = await fetch(`${site.origin}/demo/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pseudonym: 'ps_nobody' }),
    });
    expect(unknown.status).toBe(404);
  });
});
