/**
 * Webhooks against a real local node:http receiver, on SQLite and PostgreSQL: delivered and
 * signed with the key of /.well-known/clearinghouse.json, retried after a 500 with backoff, given
 * up after N attempts as a finding, never redirected, fenced to allowed addresses, and sent once
 * even when two nodes run a worker.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { flattenedVerify, importJWK } from 'jose';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { base64urlEncode } from '$protocol/encoding';
import { publicJwk, type Ed25519PublicJwk } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import {
  claims,
  companyMessage,
  expectJson,
  expectProblem,
  get,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from './api-test-kit';
import { testDialects } from './db/test-databases';
import { loadOrCreateKeyFile } from './log/key-file';
import { stopInstance } from './instance';
import {
  backoffMs,
  createWebhookSender,
  createWebhookWorker,
  signatureHeader,
  verifyWebhookSignature,
  webhookSigner,
  type WebhookDelivery,
  type WebhookSigner,
  type WebhookTables,
  type WebhookWorker,
} from './webhooks';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as findingsRoute from '../../routes/api/v1/companies/me/findings/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as refusalsRoute from '../../routes/api/v1/refusals/+server';
import * as wellKnownRoute from '../../routes/.well-known/clearinghouse.json/+server';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A company's webhook receiver: answers each POST with the next status of `answers` (then 200). */
class Receiver {
  readonly received: Received[] = [];
  answers: number[] = [];
  /** When set, requests are held open (a receiver that never answers). */
  hang = false;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        if (this.hang) return;
        const status = this.answers.shift() ?? 200;
        res.writeHead(
          status,
          status === 302 ? { location: `http://127.0.0.1:${this.port}/elsewhere` } : {},
        );
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The clearinghouse's published webhook key, read through the well-known route of a real instance. */
async function publishedWebhookKey(
  folder: string,
): Promise<{ key: Ed25519PublicJwk; signer: WebhookSigner }> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    DATABASE_PATH: join(folder, 'clearinghouse.db'),
    LOG_KEY_PATH: join(folder, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(folder, 'webhook-key.json'),
    LOG_SEQUENCER: 'off',
    WEBHOOKS: 'off',
    ORIGIN: testOrigin,
  });
  delete process.env.DATABASE_URL;
  try {
    const response = await wellKnownRoute.GET({} as never);
    const description = (await response.json()) as { webhookKey: Ed25519PublicJwk };
    // The worker of the instance signs with the file the log created; so does this one.
    const signer = webhookSigner(await loadOrCreateKeyFile(join(folder, 'webhook-key.json')));
    return { key: description.webhookKey, signer };
  } finally {
    await stopInstance();
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe.each(testDialects)('webhooks on %s', (dialect) => {
  let api: ApiHarness;
  let receiver: Receiver;
  let folder: string;
  let published: { key: Ed25519PublicJwk; signer: WebhookSigner };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'webhooks-'));
    published = await publishedWebhookKey(folder);
    api = await openApiHarness(dialect);
    receiver = new Receiver();
    await receiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await api?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  beforeEach(() => {
    receiver.answers = [];
  });

  function worker(options: { maxAttempts?: number } = {}): WebhookWorker {
    return createWebhookWorker({
      db: api.tdb.cdb.db,
      origin: testOrigin,
      signer: published.signer,
      send: createWebhookSender({ timeoutMs: 2_000 }),
      now: api.clock.now,
      maxAttempts: options.maxAttempts ?? 3,
      backoffBaseMs: 1_000,
      backoffMaxMs: 10_000,
    });
  }

  async function register(webhook: string | undefined): Promise<TestCompany> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign(
      'company',
      companyMessage(api.clock, company, webhook === undefined ? {} : { webhook }),
      company.keyPair,
    );
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  /** A grant request by `company` and a refusal of it by a new pseudonym: one feed event. */
  async function refusal(company: TestCompany): Promise<string> {
    const request = await sign(
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
    const token = await sign(
      'refusal',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      } as Payload<'refusal'>,
      pseudonym.keyPair,
    );
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(refusalsRoute.POST, '/api/v1/refusals', token),
      201,
    );
    return sha256;
  }

  function deliveriesTo(path: string): (Received & { delivery: WebhookDelivery })[] {
    return receiver.received
      .filter((r) => r.path === path)
      .map((r) => ({ ...r, delivery: JSON.parse(r.body.toString('utf8')) as WebhookDelivery }));
  }

  it('delivers a feed event signed with the webhook key of /.well-known/clearinghouse.json', async () => {
    const path = `/hooks/${dialect}/delivered`;
    const company = await register(receiver.url(path));
    const sha256 = await refusal(company);
    expect(await worker().tick()).toBe(1);

    const [delivered] = deliveriesTo(path);
    expect(delivered).toBeDefined();
    expect(delivered!.headers['content-type']).toBe('application/json');
    expect(delivered!.delivery).toMatchObject({
      v: 1,
      company: company.id,
      deliveryId: `${company.id}:1`,
      event: { cursor: '1', kind: 'refusal', sha256 },
    });
    const signature = delivered!.headers[signatureHeader] as string;
    expect(() => verifyWebhookSignature(delivered!.body, signature, published.key)).not.toThrow();
    // And independently with jose, as a company developer would: RFC 7515 appendix F.
    const [protectedHeader, , sig] = signature.split('.');
    const verified = await flattenedVerify(
      { protected: protectedHeader!, payload: base64urlEncode(delivered!.body), signature: sig! },
      await importJWK({ ...published.key }, 'EdDSA'),
    );
    expect(verified.protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'webhook+jws' });
    // A changed body does not verify.
    const tampered = Buffer.from(delivered!.body.toString('utf8').replace('refusal', 'grant'));
    expect(() => verifyWebhookSignature(tampered, signature, published.key)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }),
    );

    // Delivered once: the next round sends nothing.
    expect(await worker().tick()).toBe(0);
  });

  it('sends nothing for a company without a webhook', async () => {
    const before = receiver.received.length;
    const company = await register(undefined);
    await refusal(company);
    expect(await worker().tick()).toBe(0);
    expect(receiver.received.length).toBe(before);
  });

  it('retries after a 500, not before the backoff, and delivers the same event again', async () => {
    const path = `/hooks/${dialect}/retried`;
    const company = await register(receiver.url(path));
    const sha256 = await refusal(company);
    const w = worker();
    receiver.answers = [500];
    expect(await w.tick()).toBe(1);
    expect(await w.tick()).toBe(0); // not due yet
    api.clock.advance(1);
    expect(await w.tick()).toBe(1);
    const deliveries = deliveriesTo(path);
    expect(deliveries.map((d) => d.delivery.event.sha256)).toEqual([sha256, sha256]);
    expect(deliveries[0]!.delivery.deliveryId).toBe(deliveries[1]!.delivery.deliveryId);
    api.clock.advance(60);
    expect(await w.tick()).toBe(0);
  });

  it('gives up after N attempts and lists the delivery among the company findings', async () => {
    const path = `/hooks/${dialect}/gives-up`;
    const company = await register(receiver.url(path));
    const sha256 = await refusal(company);
    const w = worker({ maxAttempts: 3 });
    receiver.answers = [500, 503, 500, 500, 500];
    expect(await w.tick()).toBe(1);
    api.clock.advance(1); // backoff 1 s after the first failure
    expect(await w.tick()).toBe(1);
    api.clock.advance(1);
    expect(await w.tick()).toBe(0); // 2 s after the second
    api.clock.advance(1);
    expect(await w.tick()).toBe(1);
    api.clock.advance(3600);
    expect(await w.tick()).toBe(0); // given up: no fourth attempt
    expect(deliveriesTo(path)).toHaveLength(3);

    const { findings } = await expectJson<{ findings: Record<string, unknown>[] }>(
      await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
      200,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        type: 'webhook-delivery-failed',
        eventSha256: sha256,
        cursor: '1',
        url: receiver.url(path),
        attempts: 3,
        lastError: 'status 500',
      }),
    ]);
  });

  it('does not follow a redirect: it counts as a failed attempt', async () => {
    const path = `/hooks/${dialect}/redirected`;
    const company = await register(receiver.url(path));
    await refusal(company);
    receiver.answers = [302];
    const elsewhere = receiver.received.filter((r) => r.path === '/elsewhere').length;
    expect(await worker({ maxAttempts: 1 }).tick()).toBe(1);
    expect(receiver.received.filter((r) => r.path === '/elsewhere').length).toBe(elsewhere);
    const { findings } = await expectJson<{ findings: { lastError: string }[] }>(
      await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
      200,
    );
    expect(findings.map((f) => f.lastError)).toEqual(['redirect 302']);
  });

  it('stops, and drops what is queued, when the company removes its webhook', async () => {
    const path = `/hooks/${dialect}/removed`;
    const company = await register(receiver.url(path));
    await refusal(company);
    const w = worker({ maxAttempts: 5 });
    receiver.answers = [500];
    expect(await w.tick()).toBe(1);
    api.clock.advance(1);
    const update = await sign('company', companyMessage(api.clock, company), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', update), 201);
    api.clock.advance(60);
    expect(await w.tick()).toBe(0);
    const queued = await (api.tdb.cdb.db as unknown as Kysely<WebhookTables>)
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('company_id', '=', company.id)
      .where('status', '=', 'pending')
      .execute();
    expect(queued).toEqual([]);
    await refusal(company);
    expect(await w.tick()).toBe(0);
    expect(deliveriesTo(path)).toHaveLength(1);
  });

  it('sends each event once when two nodes run a worker at the same time', async () => {
    const path = `/hooks/${dialect}/two-nodes`;
    const company = await register(receiver.url(path));
    await refusal(company);
    await refusal(company);
    const [a, b] = await Promise.all([worker().tick(), worker().tick()]);
    expect(a + b).toBe(2);
    expect(
      deliveriesTo(path)
        .map((d) => d.delivery.event.cursor)
        .sort(),
    ).toEqual(['1', '2']);
  });

  it('refuses a plain-http webhook off loopback at registration', async () => {
    const company = newCompany();
    const token = await sign(
      'company',
      companyMessage(api.clock, company, { webhook: 'http://shop.example/hooks' }),
      company.keyPair,
    ).catch((error: unknown) => error);
    // The schema refuses it before it can be signed; a hand-made message is refused by the server.
    expect(token).toBeInstanceOf(ProtocolError);
    expect((token as ProtocolError).code).toBe('ERR_MESSAGE_INVALID');
    const { signRaw } = await import('./api-test-kit');
    const raw = await signRaw(
      'company',
      { ...companyMessage(api.clock, company), webhook: 'http://shop.example/hooks' },
      company.keyPair,
    );
    await expectProblem(
      await post(companiesRoute.POST, '/api/v1/companies', raw),
      400,
      'ERR_MESSAGE_INVALID',
    );
  });

  it('delivers a grant like any other feed event', async () => {
    const path = `/hooks/${dialect}/grant`;
    const company = await register(receiver.url(path));
    const request = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [requestedScope(api.clock)],
        reason: { de: 'x', en: 'x' },
      },
      company.keyPair,
    );
    const { sha256: requestSha256 } = await expectJson<{ sha256: string }>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', request),
      201,
    );
    const pseudonym = newPseudonym(company.id);
    const scope = requestedScope(api.clock);
    const grant = await sign(
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
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(grantsRoute.POST, '/api/v1/grants', grant),
      201,
    );
    await worker().tick();
    expect(deliveriesTo(path).map((d) => [d.delivery.event.kind, d.delivery.event.sha256])).toEqual(
      [['grant', sha256]],
    );
  });
});

describe('the webhook sender', () => {
  it('refuses a name that resolves to a private address', async () => {
    const send = createWebhookSender({ resolve: async () => [{ address: '10.0.0.5', family: 4 }] });
    await expect(
      send(new URL('https://shop.example/hooks'), 'public', new Uint8Array(), {}),
    ).rejects.toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('refuses a loopback address under the public policy', async () => {
    const send = createWebhookSender();
    await expect(
      send(new URL('https://127.0.0.1:1/hooks'), 'public', new Uint8Array(), {}),
    ).rejects.toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('gives up on a receiver that never answers', async () => {
    const receiver = new Receiver();
    receiver.hang = true;
    await receiver.start();
    try {
      const send = createWebhookSender({ timeoutMs: 200 });
      await expect(
        send(new URL(receiver.url()), 'loopback', new TextEncoder().encode('{}'), {}),
      ).rejects.toMatchObject({
        code: 'ERR_WEBHOOK_DELIVERY_FAILED',
        detail: { reason: 'timeout' },
      });
    } finally {
      await receiver.stop();
    }
  });

  it('reads only the status: a receiver streaming an endless body does not hold it', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const send = createWebhookSender({ timeoutMs: 1_000 });
      await expect(
        send(new URL(`http://127.0.0.1:${port}/`), 'loopback', new Uint8Array(), {}),
      ).resolves.toEqual({ status: 200 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 30_000, 3_600_000))).toEqual([
      30_000, 60_000, 120_000, 240_000, 3_600_000,
    ]);
  });

  it('refuses malformed and foreign signatures with their codes', () => {
    const key = publicJwk(new Uint8Array(32).fill(7));
    const body = new TextEncoder().encode('{}');
    expect(() => verifyWebhookSignature(body, undefined, key)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_MALFORMED' }),
    );
    expect(() => verifyWebhookSignature(body, 'a.b.c', key)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_MALFORMED' }),
    );
  });
});
