/**
 * Webhooks against a real local node:http receiver, on SQLite and PostgreSQL: delivered and
 * signed with the key of /.well-known/clearinghouse.json, retried after a 500 with backoff, given
 * up after N attempts as a finding, never redirected, fenced to allowed addresses, and sent once
 * even when two nodes run a worker. One company's slow receiver or long history does not hold
 * another company's deliveries; stopping aborts what is in flight, to be sent again; a change of a
 * webhook is seen even when it commits late.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createPrivateKey, randomBytes, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { flattenedVerify, importJWK } from 'jose';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { base64urlEncode } from '$protocol/encoding';
import { keyPairFromSeed, publicJwk, thumbprint, type Ed25519PublicJwk } from '$protocol/keys';
import type { Payload } from '$protocol/messages';
import {
  blockedOrSettled,
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
import type { Database } from './db/schema';
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
  webhookTyp,
  type WebhookDelivery,
  type WebhookSender,
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

/** Waits until `condition` holds, or 10 s have passed (the assertion after it then fails). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
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

  function worker(
    options: { maxAttempts?: number; send?: WebhookSender; intervalMs?: number } = {},
  ): WebhookWorker {
    return createWebhookWorker({
      db: api.tdb.cdb.db,
      origin: testOrigin,
      signer: published.signer,
      send: options.send ?? createWebhookSender({ timeoutMs: 2_000 }),
      now: api.clock.now,
      maxAttempts: options.maxAttempts ?? 3,
      backoffBaseMs: 1_000,
      backoffMaxMs: 10_000,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    });
  }

  function tables(): Kysely<Database & WebhookTables> {
    return api.tdb.cdb.db as unknown as Kysely<Database & WebhookTables>;
  }

  /**
   * `count` feed events of `company` written straight to the tables, as a long history looks when
   * the company names a webhook (the API would take a grant request and a refusal for each).
   */
  async function history(company: TestCompany, count: number): Promise<void> {
    const db = tables();
    const { feed_seq: last } = await db
      .selectFrom('companies')
      .select('feed_seq')
      .where('id', '=', company.id)
      .executeTakeFirstOrThrow();
    const at = api.clock.now();
    const events = Array.from({ length: count }, (_, i) => ({
      seq: Number(last) + i + 1,
      sha256: randomBytes(32).toString('base64url'),
    }));
    for (let i = 0; i < events.length; i += 200) {
      const chunk = events.slice(i, i + 200);
      await db
        .insertInto('messages')
        .values(
          chunk.map((e) => ({
            sha256: e.sha256,
            kind: 'refusal',
            signer: company.kid,
            company_id: company.id,
            pseudonym: 'ps_history',
            jws: 'history',
            iat: Math.floor(at / 1000),
            exp: Math.floor(at / 1000) + 300,
            received_at: at,
          })),
        )
        .execute();
      await db
        .insertInto('consent_events')
        .values(
          chunk.map((e) => ({
            company_id: company.id,
            seq: e.seq,
            kind: 'refusal' as const,
            sha256: e.sha256,
            pseudonym: 'ps_history',
            created_at: at,
          })),
        )
        .execute();
    }
    await db
      .updateTable('companies')
      .set({ feed_seq: Number(last) + count })
      .where('id', '=', company.id)
      .execute();
  }

  /** A sender that answers 204 without a network and notes which company each delivery was for. */
  function notingSender(companies: string[]): WebhookSender {
    return async (_url, _policy, body) => {
      companies.push((JSON.parse(new TextDecoder().decode(body)) as WebhookDelivery).company);
      return { status: 204 };
    };
  }

  async function register(
    webhook: string | undefined,
    company: TestCompany = newCompany(),
  ): Promise<TestCompany> {
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

  it('deletes a delivered delivery after seven days, and does not send its event again', async () => {
    const company = await register('https://hooks.example/purged');
    await refusal(company);
    const sent: string[] = [];
    const rows = async () =>
      (
        await tables()
          .selectFrom('webhook_deliveries')
          .select('status')
          .where('company_id', '=', company.id)
          .execute()
      ).map((row) => row.status);
    expect(await worker({ send: notingSender(sent) }).tick()).toBe(1);
    expect(await rows()).toEqual(['delivered']);
    // Each new worker's first round deletes what is past its retention (later: every 300th).
    api.clock.advance(7 * 86_400 - 1);
    await worker({ send: notingSender(sent) }).tick();
    expect(await rows()).toEqual(['delivered']);
    api.clock.advance(2);
    expect(await worker({ send: notingSender(sent) }).tick()).toBe(0);
    expect(await rows()).toEqual([]);
    expect(sent).toEqual([company.id]);
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

  // SQLite file only: there a failed flush refuses every later write (`storageFailure`).
  it.runIf(dialect === 'sqlite')(
    'ends a turn whose database stops taking writes midway without rejecting',
    async () => {
      const company = await register('https://hooks.example/storage-gone');
      await refusal(company);
      const cdb = api.tdb.cdb as { storageFailure?: () => Error | undefined };
      const original = cdb.storageFailure;
      const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        // The delivery reaches the receiver; then no write commits (its outcome, the turn's end).
        const send: WebhookSender = async () => {
          cdb.storageFailure = () => new Error('flush failed');
          return { status: 204 };
        };
        // Failed before: the turn's hand-back rejected, and the worker's loop would have left
        // that rejection unhandled (the process ends).
        await expect(worker({ send }).tick()).resolves.toBe(1);
        expect(errors).toHaveBeenCalled();
      } finally {
        cdb.storageFailure = original;
        errors.mockRestore();
      }
    },
  );

  it('deletes a delivery given up on after 90 days, and with it its finding', async () => {
    const path = `/hooks/${dialect}/given-up-purged`;
    const company = await register(receiver.url(path));
    await refusal(company);
    receiver.answers = [500];
    expect(await worker({ maxAttempts: 1 }).tick()).toBe(1);
    const failed = async () =>
      (
        await expectJson<{ findings: { type: string }[] }>(
          await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
          200,
        )
      ).findings.filter((f) => f.type === 'webhook-delivery-failed').length;
    expect(await failed()).toBe(1);
    api.clock.advance(90 * 86_400 - 1);
    await worker({ maxAttempts: 1 }).tick();
    expect(await failed()).toBe(1);
    api.clock.advance(2);
    await worker({ maxAttempts: 1 }).tick();
    expect(await failed()).toBe(0);
    expect(deliveriesTo(path)).toHaveLength(1);
  });

  it('names in the finding the address that failed, also after the company removed its webhook', async () => {
    const path = `/hooks/${dialect}/failed-then-removed`;
    const company = await register(receiver.url(path));
    await refusal(company);
    const w = worker({ maxAttempts: 1 });
    receiver.answers = [500];
    expect(await w.tick()).toBe(1);
    // The same company registers again, now without a webhook.
    api.clock.advance(1);
    const token = await sign('company', companyMessage(api.clock, company, {}), company.keyPair);
    const again = await post(companiesRoute.POST, '/api/v1/companies', token);
    expect(again.status).toBeLessThan(300);
    await w.tick();
    const { findings } = await expectJson<{ findings: Record<string, unknown>[] }>(
      await get(findingsRoute.GET, '/api/v1/companies/me/findings', api.clock, company),
      200,
    );
    expect(findings).toEqual([
      expect.objectContaining({ type: 'webhook-delivery-failed', url: receiver.url(path) }),
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

  it('resumes where it stopped when the company names its webhook again: not the whole feed again, nothing skipped', async () => {
    const path = `/hooks/${dialect}/named-again`;
    const company = await register(receiver.url(path));
    let w = worker({ maxAttempts: 5 });
    const delivered = await refusal(company);
    expect(await w.tick()).toBe(1);
    // One event is queued but not delivered (the receiver fails) when the webhook is removed,
    // another comes while there is none.
    const unsent = await refusal(company);
    receiver.answers = [500];
    expect(await w.tick()).toBe(1);
    const rename = async (webhook: string | undefined) => {
      api.clock.advance(1);
      const token = await sign(
        'company',
        companyMessage(api.clock, company, webhook === undefined ? {} : { webhook }),
        company.keyPair,
      );
      await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
      await w.tick();
    };
    await rename(undefined);
    const meanwhile = await refusal(company);
    expect(await w.tick()).toBe(0);
    // Named again after more than a week: the delivered delivery's row is gone (a new worker's
    // first round deletes what is past its retention), which kept its event from going again.
    api.clock.advance(8 * 86_400);
    w = worker({ maxAttempts: 5 });
    expect(await w.tick()).toBe(0);
    await rename(receiver.url(path));
    const later = await refusal(company);
    api.clock.advance(60);
    for (let i = 0; i < 5; i++) await w.tick();
    // Failed before: the removal deleted the endpoint's place, and the first event came again.
    const sent = deliveriesTo(path).map((r) => r.delivery.event.sha256);
    expect(sent.filter((sha256) => sha256 === delivered)).toHaveLength(1);
    expect(new Set(sent)).toEqual(new Set([delivered, unsent, meanwhile, later]));
    // The failed attempt (before the removal) was the only one sent twice.
    expect(sent.filter((sha256) => sha256 === unsent)).toHaveLength(2);
  });

  it.runIf(dialect === 'postgres')(
    'does not move the place forward past a removal another node committed while it queued',
    async () => {
      const path = `/hooks/${dialect}/removed-meanwhile`;
      const company = await register(receiver.url(path));
      const w = worker({ maxAttempts: 5 });
      await refusal(company);
      expect(await w.tick()).toBe(1);
      // The second event fails and waits; a third is not queued yet.
      await refusal(company);
      receiver.answers = [500];
      expect(await w.tick()).toBe(1);
      await refusal(company);
      const place = async () =>
        (
          await tables()
            .selectFrom('webhook_endpoints')
            .select('last_seq')
            .where('company_id', '=', company.id)
            .executeTakeFirstOrThrow()
        ).last_seq;
      expect(Number(await place())).toBe(2);
      // Another node removes the webhook (as applyRegistrations writes it) while this one
      // queues the third event.
      let round: Promise<number> | undefined;
      await tables()
        .transaction()
        .execute(async (trx) => {
          await trx
            .updateTable('webhook_endpoints')
            .set({ url: '', last_seq: 1 })
            .where('company_id', '=', company.id)
            .execute();
          await trx
            .deleteFrom('webhook_deliveries')
            .where('company_id', '=', company.id)
            .where('status', '=', 'pending')
            .execute();
          round = w.tick();
          await blockedOrSettled(api.tdb.cdb.db, round);
        });
      await round;
      // Failed before: the place moved on to 3, and the dropped second event was never sent.
      expect(Number(await place())).toBe(1);
      // (The registration still names the webhook: the next rounds take it up again and send
      // the second and third events.)
      api.clock.advance(60);
      for (let i = 0; i < 3; i++) await w.tick();
      // The second twice: its failed attempt, then again.
      expect(deliveriesTo(path).map((d) => d.delivery.event.cursor)).toEqual(['1', '2', '2', '3']);
    },
  );

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

  it('sends to one company one request at a time across nodes too, and gives the turn back', async () => {
    const company = await register(receiver.url(`/hooks/${dialect}/one-at-a-time`));
    await history(company, 6);
    let inFlight = 0;
    let most = 0;
    const cursors: string[] = [];
    const slow: WebhookSender = async (_url, _policy, body) => {
      inFlight++;
      most = Math.max(most, inFlight);
      cursors.push((JSON.parse(new TextDecoder().decode(body)) as WebhookDelivery).event.cursor);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return { status: 204 };
    };
    const ticks = (
      await Promise.all([worker({ send: slow }).tick(), worker({ send: slow }).tick()])
    ).concat(await Promise.all([worker({ send: slow }).tick(), worker({ send: slow }).tick()]));
    expect(most).toBe(1);
    expect(ticks.reduce((a, b) => a + b, 0)).toBe(6);
    expect([...cursors].sort()).toEqual(['1', '2', '3', '4', '5', '6'].sort());
    const endpoint = await tables()
      .selectFrom('webhook_endpoints')
      .select('busy_until')
      .where('company_id', '=', company.id)
      .executeTakeFirstOrThrow();
    expect(endpoint.busy_until).toBeNull();
  });

  it("takes a company's turn from a node that died holding it once its lease ran out", async () => {
    const company = await register(receiver.url(`/hooks/${dialect}/dead-turn`));
    const sent: string[] = [];
    // The first tick learns the webhook (nothing to send yet).
    expect(await worker({ send: notingSender(sent) }).tick()).toBe(0);
    await history(company, 1);
    // Another node's turn, as a node that died mid-turn leaves it.
    await tables()
      .updateTable('webhook_endpoints')
      .set({ busy_until: api.clock.now() + 60_000 })
      .where('company_id', '=', company.id)
      .execute();
    expect(await worker({ send: notingSender(sent) }).tick()).toBe(0);
    api.clock.advance(60);
    expect(await worker({ send: notingSender(sent) }).tick()).toBe(1);
    expect(sent).toEqual([company.id]);
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

  it("sends another company's event while one company's receiver never answers", async () => {
    const silent = new Receiver();
    silent.hang = true;
    await silent.start();
    try {
      const stuck = await register(silent.url());
      for (let i = 0; i < 5; i++) await refusal(stuck);
      const path = `/hooks/${dialect}/beside-a-silent-one`;
      const other = await register(receiver.url(path));
      const real = createWebhookSender({ timeoutMs: 30_000 });
      const outcomes: string[] = [];
      let refuse = true;
      let inFlight = 0;
      let mostInFlight = 0;
      const send: WebhookSender = async (url, policy, body, headers, signal) => {
        const { company } = JSON.parse(new TextDecoder().decode(body)) as WebhookDelivery;
        const who = company === stuck.id ? 'stuck' : 'other';
        if (who === 'stuck' && refuse) return { status: 500 };
        if (who === 'stuck') mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          const result = await real(url, policy, body, headers, signal);
          outcomes.push(`${who} answered`);
          return result;
        } catch (error) {
          outcomes.push(`${who} given up`);
          throw error;
        } finally {
          if (who === 'stuck') inFlight--;
        }
      };
      const w = worker({ maxAttempts: 10, send, intervalMs: 10 });
      // The silent company's five events are queued first and fail once: their retries fall due
      // before the other company's event exists.
      await w.tick();
      refuse = false;
      api.clock.advance(2);
      const sha256 = await refusal(other);
      w.start();
      await until(() => outcomes.length > 0);
      await w.stop();

      expect(outcomes[0]).toBe('other answered');
      expect(deliveriesTo(path).map((d) => d.delivery.event.sha256)).toEqual([sha256]);
      expect(mostInFlight).toBe(1);
      // Nothing of the silent company is lost: all five wait for their next attempt.
      const pending = await tables()
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('company_id', '=', stuck.id)
        .where('status', '=', 'pending')
        .execute();
      expect(pending).toHaveLength(5);
    } finally {
      await silent.stop();
    }
  });

  it('stops without waiting for an attempt in flight, which is sent again with the same id', async () => {
    const silent = new Receiver();
    silent.hang = true;
    await silent.start();
    try {
      const company = await register(silent.url());
      await refusal(company);
      const w = worker({ send: createWebhookSender({ timeoutMs: 60_000 }), intervalMs: 10 });
      w.start();
      await until(() => silent.received.length > 0);
      await w.stop();

      // Due again at once, without waiting for the lease: the next round sends it.
      silent.hang = false;
      await worker().tick();
      expect(silent.received.map((r) => r.headers['idempotency-key'])).toEqual([
        `${company.id}:1`,
        `${company.id}:1`,
      ]);
      // The interrupted attempt was ours, not the receiver's failure: it does not count.
      const row = await tables()
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts'])
        .where('id', '=', `${company.id}:1`)
        .executeTakeFirstOrThrow();
      expect({ status: row.status, attempts: Number(row.attempts) }).toEqual({
        status: 'delivered',
        attempts: 1,
      });
    } finally {
      await silent.stop();
    }
  });

  it("queues and sends a company's event while another company's long history waits", async () => {
    // Queueing went by company id: the company that sorts first, with the long history.
    const [first, second] = [newCompany(), newCompany()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const before = await register(receiver.url(`/hooks/${dialect}/long-history`), first);
    await history(before, 600);
    const after = await register(receiver.url(`/hooks/${dialect}/after-history`), second);
    await refusal(after);
    const sentTo: string[] = [];
    await worker({ send: notingSender(sentTo) }).tick();
    expect(sentTo).toContain(after.id);
    expect(sentTo).toContain(before.id);
  });

  it("does not let one company's due backlog fill a round", async () => {
    const busy = await register(receiver.url(`/hooks/${dialect}/backlog`));
    await history(busy, 60);
    const w = worker({ maxAttempts: 10, send: async () => ({ status: 500 }) });
    await w.tick(); // queued, and what was tried failed: all sixty fall due before the next event
    api.clock.advance(2);
    const quiet = await register(receiver.url(`/hooks/${dialect}/behind-a-backlog`));
    await refusal(quiet);
    const sentTo: string[] = [];
    const next = worker({ maxAttempts: 10, send: notingSender(sentTo) });
    await next.tick();
    expect(sentTo).toContain(quiet.id);
  });

  it('sees a webhook named by a change that commits after a newer one was read', async () => {
    const late = await register(undefined);
    const w = worker();
    await w.tick();
    api.clock.advance(5);
    await register(undefined); // a newer registration, read by the next round
    await w.tick();
    // The late change: its request began (and took its updated_at) 2 s before the registration
    // just read, and commits only now, after a domain-proof fetch.
    const path = `/hooks/${dialect}/late-commit`;
    const { profile } = await tables()
      .selectFrom('companies')
      .select('profile')
      .where('id', '=', late.id)
      .executeTakeFirstOrThrow();
    await tables()
      .updateTable('companies')
      .set({
        profile: JSON.stringify({ ...JSON.parse(profile), webhook: receiver.url(path) }),
        updated_at: api.clock.now() - 2_000,
      })
      .where('id', '=', late.id)
      .execute();
    const sha256 = await refusal(late);
    await w.tick();
    expect(deliveriesTo(path).map((d) => d.delivery.event.sha256)).toEqual([sha256]);
  });

  it('syncs every registration when more than a page of them share one updated_at', async () => {
    const { registration_sha256 } = await tables()
      .selectFrom('companies')
      .select('registration_sha256')
      .executeTakeFirstOrThrow();
    const at = api.clock.now();
    const ids = Array.from({ length: 1001 }, (_, i) => `co_tie${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 200) {
      await tables()
        .insertInto('companies')
        .values(
          ids.slice(i, i + 200).map((id) => ({
            id,
            status: 'active' as const,
            legal_name: id,
            domain: `https://${id}.example`,
            profile: JSON.stringify({ webhook: receiver.url(`/hooks/${dialect}/${id}`) }),
            registration_sha256,
            domain_verified_at: at,
            registered_at: at,
            updated_at: at,
          })),
        )
        .execute();
    }
    try {
      const w = worker();
      await w.tick();
      await w.tick();
      const synced = await tables()
        .selectFrom('webhook_endpoints')
        .select('company_id')
        .where('company_id', 'in', ids)
        .execute();
      expect(synced).toHaveLength(1001);
    } finally {
      await tables().deleteFrom('webhook_endpoints').where('company_id', 'in', ids).execute();
      await tables().deleteFrom('companies').where('id', 'in', ids).execute();
    }
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

  it('connects to the address it checked, asking the name once (no DNS rebinding)', async () => {
    const receiver = new Receiver();
    await receiver.start();
    try {
      // The first answer is the receiver on loopback, any later one an address outside: a
      // socket that looked the name up again (or through the system) would not reach it.
      let lookups = 0;
      const send = createWebhookSender({
        timeoutMs: 2_000,
        resolve: async () =>
          lookups++ === 0
            ? [{ address: '127.0.0.1', family: 4 }]
            : [{ address: '192.0.2.1', family: 4 }],
      });
      const url = new URL(receiver.url());
      url.hostname = 'rebind.test';
      await expect(
        send(url, 'loopback', new TextEncoder().encode('{}'), {}),
      ).resolves.toMatchObject({ status: 200 });
      expect(lookups).toBe(1);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });

  it('gives up on a name that does not resolve in time: the timeout covers the lookup', async () => {
    const send = createWebhookSender({ timeoutMs: 100, resolve: () => new Promise(() => {}) });
    await expect(
      send(new URL('https://shop.example/hooks'), 'public', new Uint8Array(), {}),
    ).rejects.toMatchObject({ code: 'ERR_WEBHOOK_DELIVERY_FAILED', detail: { reason: 'timeout' } });
  });

  it('gives up at once when its signal aborts, whatever it is waiting for', async () => {
    const send = createWebhookSender({ timeoutMs: 60_000, resolve: () => new Promise(() => {}) });
    const abort = new AbortController();
    const sent = send(
      new URL('https://shop.example/hooks'),
      'public',
      new Uint8Array(),
      {},
      abort.signal,
    );
    abort.abort();
    await expect(sent).rejects.toMatchObject({
      code: 'ERR_WEBHOOK_DELIVERY_FAILED',
      detail: { reason: 'aborted' },
    });
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

  it('refuses a well-signed delivery whose header names another alg, typ or key', () => {
    const pair = keyPairFromSeed(new Uint8Array(32).fill(7));
    const key = publicJwk(pair);
    const body = new TextEncoder().encode('{"type":"offer.refused"}');
    const privateKey = createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: key.x,
        d: base64urlEncode(pair.privateKey.slice(0, 32)),
      },
    });
    /** A detached JWS over `body` with `header`, really signed by the published key. */
    const signedWith = (header: Record<string, unknown>): string => {
      const encoded = base64urlEncode(new TextEncoder().encode(JSON.stringify(header)));
      const input = Buffer.from(`${encoded}.${base64urlEncode(body)}`, 'ascii');
      return `${encoded}..${base64urlEncode(new Uint8Array(nodeSign(null, input, privateKey)))}`;
    };
    const kid = thumbprint(key);
    // The control: the same construction with the right header verifies, so each refusal
    // below is its header's one difference.
    expect(() =>
      verifyWebhookSignature(body, signedWith({ alg: 'EdDSA', typ: webhookTyp, kid }), key),
    ).not.toThrow();
    expect(webhookSigner(pair).sign(body)).toBe(signedWith({ alg: 'EdDSA', typ: webhookTyp, kid }));
    expect(() =>
      verifyWebhookSignature(body, signedWith({ alg: 'HS256', typ: webhookTyp, kid }), key),
    ).toThrow(expect.objectContaining({ code: 'ERR_JWS_ALG_NOT_ALLOWED' }));
    expect(() =>
      verifyWebhookSignature(body, signedWith({ alg: 'EdDSA', typ: 'grant+jws', kid }), key),
    ).toThrow(expect.objectContaining({ code: 'ERR_JWS_TYP_MISMATCH' }));
    expect(() =>
      verifyWebhookSignature(body, signedWith({ alg: 'EdDSA', typ: webhookTyp }), key),
    ).toThrow(expect.objectContaining({ code: 'ERR_JWS_KID_UNKNOWN' }));
    // Another key's delivery, its own kid in its header: refused by name before the signature.
    const other = keyPairFromSeed(new Uint8Array(32).fill(8));
    expect(() => verifyWebhookSignature(body, webhookSigner(other).sign(body), key)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_KID_UNKNOWN' }),
    );
    // Another key's signature under this key's kid: the signature itself fails.
    const forged = signedWith({ alg: 'EdDSA', typ: webhookTyp, kid }).split('..')[0]!;
    const otherSignature = webhookSigner(other).sign(body).split('..')[1]!;
    expect(() => verifyWebhookSignature(body, `${forged}..${otherSignature}`, key)).toThrow(
      expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }),
    );
  });
});
