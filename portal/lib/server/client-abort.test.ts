/**
 * A client that dies in the middle of its request body (issue 12 "Load"): over a real socket,
 * through SvelteKit's Node request adapter, the request hook (observe.ts) and the grants route,
 * the request is counted and logged as a client abort (499, `client aborted`), never as a 500,
 * and nothing of it is stored. The same message sent whole is then stored (201), so the test
 * would notice a pipeline that stores nothing at all. Both with Node's own `Request` and with the
 * light one the server installs (request-signal.ts): either way `request.signal` aborts when the
 * client goes away mid-body, and only then.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { RequestEvent } from '@sveltejs/kit';
import { getRequest, setResponse } from '@sveltejs/kit/node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { publicJwk } from '$protocol/keys';
import {
  claims,
  companyMessage,
  expectJson,
  newCompany,
  newPseudonym,
  openApiHarness,
  post,
  requestedScope,
  sign,
  testOrigin,
  type ApiHarness,
} from './api-test-kit';
import { testDialects } from './db/test-databases';
import { createMetrics, observeRequests, type Metrics } from './observe';
import { installRequestSignalShortcut, uninstallRequestSignalShortcut } from './request-signal';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';

/** A pino logger writing its JSON lines into an array. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** Node's own class, before any test installs the light one. */
const NativeRequest = globalThis.Request;
/** The light Request applies on undici 6 (Node 20 and 22; request-signal.test.ts). */
const kinds =
  process.versions.undici?.startsWith('6.') === true
    ? (['the light Request', "Node's own Request"] as const)
    : (["Node's own Request"] as const);
const cases = testDialects.flatMap((dialect) =>
  kinds.map((request) => [dialect, request] as const),
);

describe.each(cases)('a client that disconnects mid-body, on %s, with %s', (dialect, kind) => {
  let api: ApiHarness;
  /** The signal of the last request the server built, and whether it was a light one. */
  let lastSignal: AbortSignal | undefined;
  let lastLight: boolean | undefined;
  let server: Server;
  let port: number;
  let metrics: Metrics;
  let captured: ReturnType<typeof capturedLogger>;
  /** Resolved with each request's status once the hook has counted and logged it. */
  let handled: ((status: number) => void) | undefined;
  let requestSha256: string;
  let company: ReturnType<typeof newCompany>;

  beforeAll(async () => {
    if (kind === 'the light Request') expect(installRequestSignalShortcut()).toBe(true);
    api = await openApiHarness(dialect); // readies libsodium too
    company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    await expectJson(
      await post(
        companiesRoute.POST,
        '/api/v1/companies',
        await sign('company', companyMessage(api.clock, company), company.keyPair),
      ),
      201,
    );
    const request = await expectJson<{ sha256: string }>(
      await post(
        grantRequestsRoute.POST,
        '/api/v1/grant-requests',
        await sign(
          'grant-request',
          {
            ...claims(api.clock, company.id, testOrigin),
            scopes: [requestedScope(api.clock)],
            reason: { de: 'Neuigkeiten.', en: 'News.' },
          },
          company.keyPair,
        ),
      ),
      201,
    );
    requestSha256 = request.sha256;

    // The grants route behind the real Node adapter and the real request hook, on loopback.
    metrics = createMetrics();
    captured = capturedLogger();
    const handle = observeRequests(() => metrics, captured.log);
    server = createServer((incoming, outgoing) => {
      void (async () => {
        const request = await getRequest({ request: incoming, base: testOrigin });
        lastSignal = request.signal;
        lastLight = Object.getPrototypeOf(request) !== NativeRequest.prototype;
        const url = new URL(request.url);
        const event = {
          request,
          url,
          params: {},
          route: { id: '/api/v1/grants' },
        } as unknown as RequestEvent;
        const response = await handle({
          event,
          resolve: (e: RequestEvent) => grantsRoute.POST(e as never),
        } as Parameters<typeof handle>[0]);
        handled?.(response.status);
        await setResponse(outgoing, response);
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    uninstallRequestSignalShortcut();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await api?.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function grantToken(): Promise<string> {
    const pseudonym = newPseudonym(company.id);
    return sign(
      'grant',
      {
        ...claims(api.clock, pseudonym.id, company.id),
        requestSha256,
        scopes: [requestedScope(api.clock)],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 365 * 86_400,
        pseudonymKey: publicJwk(pseudonym.keyPair),
      },
      pseudonym.keyPair,
    );
  }

  const sha256Of = (token: string) => createHash('sha256').update(token).digest('base64url');

  async function stored(sha256: string): Promise<number> {
    const rows = await api.tdb.cdb.db
      .selectFrom('messages')
      .select('sha256')
      .where('sha256', '=', sha256)
      .execute();
    return rows.length;
  }

  async function messageCount(): Promise<number> {
    const row = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('counts and logs it as a client abort (499), not a server error, and stores nothing', async () => {
    const token = await grantToken();
    const before = await messageCount();
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const linesBefore = captured.lines.length;

    const outcome = new Promise<number>((resolve) => (handled = resolve));
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Headers and half the body, then the client dies.
    socket.write(
      `POST /api/v1/grants HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/jose\r\n` +
        `Content-Length: ${token.length}\r\n\r\n${token.slice(0, Math.floor(token.length / 2))}`,
    );
    // Wait until the server holds the request (its body stream is being read), then die.
    await new Promise<void>((resolve) => server.once('request', () => resolve()));
    socket.destroy();
    expect(await outcome).toBe(499);
    expect(lastSignal?.aborted).toBe(true);
    expect(lastLight).toBe(kind === 'the light Request');
    await new Promise((resolve) => setImmediate(resolve));

    const lines = captured.lines.slice(linesBefore);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'client aborted',
      level: 40, // warn
      status: 499,
      route: '/api/v1/grants',
      method: 'POST',
    });
    expect(consoleError).not.toHaveBeenCalled();
    const scraped = await metrics.registry.metrics();
    expect(scraped).toMatch(
      /clearinghouse_http_requests_total\{route="\/api\/v1\/grants",method="POST",status="499"\} 1/,
    );
    expect(scraped).not.toMatch(/clearinghouse_http_requests_total\{[^}]*status="5xx"\}/);
    expect(await stored(sha256Of(token))).toBe(0);
    expect(await messageCount()).toBe(before);
  });

  it('stores the same message sent whole (201), counted as 2xx', async () => {
    const token = await grantToken();
    const outcome = new Promise<number>((resolve) => (handled = resolve));
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/grants`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: token,
    });
    expect(response.status).toBe(201);
    expect(await outcome).toBe(201);
    expect(lastSignal?.aborted).toBe(false);
    expect(lastLight).toBe(kind === 'the light Request');
    expect(await stored(sha256Of(token))).toBe(1);
    expect(await metrics.registry.metrics()).toMatch(
      /clearinghouse_http_requests_total\{route="\/api\/v1\/grants",method="POST",status="2xx"\} 1/,
    );
  });
});
