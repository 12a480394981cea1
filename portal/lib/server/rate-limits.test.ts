/**
 * Rate limits on SQLite and PostgreSQL: a flood from one key or one address is refused with 429
 * and the seconds left in `Retry-After` while others pass; only verified signatures spend a key's
 * budget; the window resets with the clock; the proxy header counts only when configured; two
 * nodes on one database share the counts; and the configuration is read strictly.
 */
import { ProtocolError } from '$protocol/errors';
import { publicJwk } from '$protocol/keys';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
  requestSignature,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  limitedServices,
} from './api-test-kit';
import { openDatabase, type ClearinghouseDb } from './db/database';
import { migrateToLatest } from './db/migrate';
import { testDialects } from './db/test-databases';
import {
  clientAddress,
  createRateLimiter,
  maxBlock,
  normaliseAddress,
  rateLimitsFromEnv,
  type RateLimitConfig,
} from './rate-limits';
import { handle } from '../../hooks.server';
// @ts-expect-error -- SvelteKit's own export for its server runtime, untyped in its public types
import { with_request_store } from '@sveltejs/kit/internal/server';
import * as companiesRoute from '../../routes/api/v1/companies/+server';
import * as findingsRoute from '../../routes/api/v1/companies/me/findings/+server';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as batchRoute from '../../routes/api/v1/relationships/batch/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';

const withRequestStore = with_request_store as <T>(store: unknown, fn: () => T) => T;

describe.each(testDialects)('rate limits on %s', (dialect) => {
  /** The counters as stored: a SQLite file keeps them in a file of their own (`countNow`). */
  async function counters(): Promise<{ bucket: string; count: number }[]> {
    const countNow = api.tdb.cdb.countNow;
    const rows = (
      countNow !== undefined
        ? countNow('select bucket, count from rate_limits order by bucket', [])
        : await api.tdb.cdb.db
            .selectFrom('rate_limits')
            .select(['bucket', 'count'])
            .orderBy('bucket')
            .execute()
    ) as { bucket: string; count: number }[];
    return rows.map((row) => ({ bucket: row.bucket, count: Number(row.count) }));
  }
  const countOf = async (bucket: string) =>
    (await counters()).find((row) => row.bucket === bucket)?.count;

  let api: ApiHarness;

  beforeEach(async () => {
    api = await openApiHarness(dialect);
  });
  afterEach(async () => {
    await api.close();
  });

  /** Installs services with these limits for the route handlers and the hook. */
  async function limited(config: RateLimitConfig) {
    return limitedServices(api, config);
  }

  /** Registers a company: its `company` message spends one of its key's budget. */
  async function register(): Promise<TestCompany> {
    const company = newCompany();
    api.proofs.set(company.domain, { keys: [company.kid] });
    const token = await sign('company', companyMessage(api.clock, company), company.keyPair);
    await expectJson(await post(companiesRoute.POST, '/api/v1/companies', token), 201);
    return company;
  }

  async function grantRequest(company: TestCompany): Promise<Response> {
    const token = await sign(
      'grant-request',
      {
        ...claims(api.clock, company.id, testOrigin),
        scopes: [requestedScope(api.clock)],
        reason: { de: 'Neuigkeiten.', en: 'News.' },
      },
      company.keyPair,
    );
    return post(grantRequestsRoute.POST, '/api/v1/grant-requests', token);
  }

  /** Runs a request through the server hook from `address`, the route answering 200. */
  async function throughHook(
    path: string,
    address: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = new URL(testOrigin + path);
    const event = {
      url,
      request: new Request(url, { headers }),
      getClientAddress: () => address,
      route: { id: null },
      cookies: { get: () => undefined },
      locals: {},
    };
    const resolve = () => Promise.resolve(new Response('{}', { status: 200 }));
    // `handle` is a `sequence` of hooks, which reads SvelteKit's per-request store (with its
    // tracing, off here) as the server sets it for a real request.
    const state = {
      tracing: { record_span: ({ fn }: { fn: (span: unknown) => unknown }) => fn({}) },
    };
    return withRequestStore({ event, state }, () =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      handle({ event, resolve } as any),
    );
  }

  it('refuses a flood of signed messages from one key with 429 while another key still passes', async () => {
    await limited({ addressPerMinute: 0, keyPerMinute: 4 });
    const flooding = await register();
    const other = await register();
    for (let i = 0; i < 3; i++) await expectJson(await grantRequest(flooding), 201);
    const refused = await grantRequest(flooding);
    expect(refused.headers.get('retry-after')).toBe('60');
    await expectProblem(refused, 429, 'ERR_RATE_LIMITED');
    await expectJson(await grantRequest(other), 201);
    // Nothing of the refused message was stored.
    const stored = await api.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'grant-request')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(4);
  });

  it('spends a key budget only on request signatures that verified, never on a forged one naming the kid', async () => {
    await limited({ addressPerMinute: 0, keyPerMinute: 3 });
    const victim = await register(); // 1 of 3 spent
    const path = '/api/v1/companies/me/findings';
    const genuine = await requestSignature(api.clock, victim, 'GET', path);
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    // Same header (the victim's kid) and payload, another signature: it cannot verify.
    const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    for (let i = 0; i < 5; i++) {
      const response = await get(findingsRoute.GET, path, api.clock, undefined, {
        authorization: `Signature ${forged}`,
      });
      expect(response.status).toBe(401);
    }
    await expectJson(await get(findingsRoute.GET, path, api.clock, victim), 200);
    await expectJson(await get(findingsRoute.GET, path, api.clock, victim), 200);
    const token = await requestSignature(api.clock, victim, 'GET', path);
    const refused = await get(findingsRoute.GET, path, api.clock, undefined, {
      authorization: `Signature ${token}`,
    });
    await expectProblem(refused, 429, 'ERR_RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('60');
    // Nothing of the refused request was stored, not even its jti (failed before: claimed first).
    const jti = (
      JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        jti: string;
      }
    ).jti;
    const claimed = await api.tdb.cdb.db
      .selectFrom('seen_jtis')
      .select('jti')
      .where('jti', '=', jti)
      .execute();
    expect(claimed).toEqual([]);
  });

  it('refuses a flood from one address with 429 while another address still passes', async () => {
    await limited({ addressPerMinute: 3, keyPerMinute: 0 });
    for (let i = 0; i < 3; i++) {
      expect((await throughHook('/api/v1/health', '198.51.100.1')).status).toBe(200);
    }
    const refused = await throughHook('/api/v1/health', '198.51.100.1');
    await expectProblem(refused, 429, 'ERR_RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await throughHook('/api/v1/health', '198.51.100.2')).status).toBe(200);
    // Outside /api/ nothing is counted or refused: the log's tiles and /.well-known.
    expect((await throughHook('/log/checkpoint', '198.51.100.1')).status).toBe(200);
    expect((await throughHook('/.well-known/clearinghouse.json', '198.51.100.1')).status).toBe(200);
  });

  it("charges a relationships batch's address one unit per failed item, none for a pseudonym nobody holds", async () => {
    await limited({ addressPerMinute: 5, keyPerMinute: 0 });
    const company = await register();
    /** A batch from `address`, straight to the route (the hook's one unit not charged). */
    const batch = (requests: string[], address: string) => {
      const url = new URL(`${testOrigin}/api/v1/relationships/batch`);
      const request = new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
      return batchRoute.POST({
        request,
        url,
        params: {},
        getClientAddress: () => address,
      } as never);
    };
    const unknown = async (n: number) => {
      const requests: string[] = [];
      for (let i = 0; i < n; i++) {
        const pseudonym = newPseudonym(company.id);
        const path = `/api/v1/pseudonyms/${pseudonym.id}/relationships`;
        requests.push(await requestSignature(api.clock, pseudonym, 'GET', path));
      }
      return requests;
    };
    // A recovery's batch: pseudonyms nobody holds, answered 404 each, charge nothing more.
    const answered = await expectJson<{ results: { status: number }[] }>(
      await batch(await unknown(100), '198.51.100.7'),
      200,
    );
    expect(answered.results.every((r) => r.status === 404)).toBe(true);
    expect(await countOf('a:198.51.100.7')).toBeUndefined();
    // Items refused for anything else cost one unit each.
    const forged = await expectJson<{ results: { status: number }[] }>(
      await batch(['a.b.c', 'a.b.c', 'a.b.c', ...(await unknown(2))], '198.51.100.7'),
      200,
    );
    expect(forged.results.map((r) => r.status)).toEqual([400, 400, 400, 404, 404]);
    expect(await countOf('a:198.51.100.7')).toBe(3);
    await expectJson(await batch(['a.b.c', 'a.b.c'], '198.51.100.7'), 200);
    expect(await countOf('a:198.51.100.7')).toBe(5);
    // Past the budget: this call, whose work is done, is answered; the next one is refused.
    await expectJson(await batch(['a.b.c'], '198.51.100.7'), 200);
    const refused = await throughHook('/api/v1/relationships/batch', '198.51.100.7');
    await expectProblem(refused, 429, 'ERR_RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await throughHook('/api/v1/health', '198.51.100.8')).status).toBe(200);
    await expectJson(await batch(['a.b.c', 'a.b.c'], '198.51.100.8'), 200);
    // A pseudonym that is held, its read signed by a key not its own: refused, one unit.
    const held = newPseudonym(company.id);
    const requestSha256 = ((await (await grantRequest(company)).json()) as { sha256: string })
      .sha256;
    const grant = await sign(
      'grant',
      {
        ...claims(api.clock, held.id, company.id),
        requestSha256,
        scopes: [{ ...requestedScope(api.clock), channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: api.clock.seconds() + 86_400,
        pseudonymKey: publicJwk(held.keyPair),
      },
      held.keyPair,
    );
    await expectJson(await post(grantsRoute.POST, '/api/v1/grants', grant), 201);
    const thief = { id: held.id, keyPair: newPseudonym(company.id).keyPair };
    const path = `/api/v1/pseudonyms/${held.id}/relationships`;
    const stolen = await expectJson<{ results: { status: number }[] }>(
      await batch([await requestSignature(api.clock, thief, 'GET', path)], '198.51.100.9'),
      200,
    );
    expect(stolen.results[0]!.status).toBe(401);
    expect(await countOf('a:198.51.100.9')).toBe(1);
    const own = await expectJson<{ results: { status: number }[] }>(
      await batch([await requestSignature(api.clock, held, 'GET', path)], '198.51.100.9'),
      200,
    );
    expect(own.results[0]!.status).toBe(200);
    expect(await countOf('a:198.51.100.9')).toBe(1);
  });

  it('lets the health check answer when its count cannot be written, and nothing else', async () => {
    const services = await limited({ addressPerMinute: 3, keyPerMinute: 0 });
    services.rateLimits.chargeAddress = () =>
      Promise.reject(new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'the database is down'));
    // The route itself says what is wrong (here the stand-in route answers 200).
    expect((await throughHook('/api/v1/health', '198.51.100.1')).status).toBe(200);
    expect((await throughHook('/%61pi/v1/health', '198.51.100.1')).status).toBe(200);
    await expectProblem(
      await throughHook('/api/v1/companies', '198.51.100.1'),
      503,
      'ERR_STORAGE_UNAVAILABLE',
    );
    // A health check over its budget is refused as ever.
    services.rateLimits.chargeAddress = () =>
      Promise.reject(new ProtocolError('ERR_RATE_LIMITED', 'spent', { retryAfter: 60 }));
    await expectProblem(
      await throughHook('/api/v1/health', '198.51.100.1'),
      429,
      'ERR_RATE_LIMITED',
    );
  });

  it('counts an IPv6 client per /64, so rotating addresses inside it buys nothing', async () => {
    await limited({ addressPerMinute: 2, keyPerMinute: 0 });
    expect((await throughHook('/api/v1/health', '2001:db8:1:2::1')).status).toBe(200);
    expect((await throughHook('/api/v1/health', '2001:db8:1:2:ffff::9')).status).toBe(200);
    await expectProblem(
      await throughHook('/api/v1/health', '2001:db8:1:2::3'),
      429,
      'ERR_RATE_LIMITED',
    );
    expect((await throughHook('/api/v1/health', '2001:db8:1:3::1')).status).toBe(200);
  });

  it('resets the budget with the next window and says in Retry-After how many seconds are left', async () => {
    await limited({ addressPerMinute: 2, keyPerMinute: 0 });
    api.clock.advance(15); // the test clock starts on a minute boundary
    await throughHook('/api/v1/health', '198.51.100.7');
    await throughHook('/api/v1/health', '198.51.100.7');
    const refused = await throughHook('/api/v1/health', '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    api.clock.advance(44);
    const still = await throughHook('/api/v1/health', '198.51.100.7');
    expect(still.status).toBe(429);
    expect(still.headers.get('retry-after')).toBe('1');
    api.clock.advance(1);
    expect((await throughHook('/api/v1/health', '198.51.100.7')).status).toBe(200);
    expect((await throughHook('/api/v1/health', '198.51.100.7')).status).toBe(200);
    expect((await throughHook('/api/v1/health', '198.51.100.7')).status).toBe(429);
  });

  it('ignores the proxy header unless it is configured', async () => {
    await limited({ addressPerMinute: 2, keyPerMinute: 0 });
    const proxy = '127.0.0.1';
    // Not configured: every request from the proxy is one client, whatever the header claims.
    for (const forwarded of ['203.0.113.1', '203.0.113.2']) {
      const response = await throughHook('/api/v1/health', proxy, { 'x-forwarded-for': forwarded });
      expect(response.status).toBe(200);
    }
    const refused = await throughHook('/api/v1/health', proxy, {
      'x-forwarded-for': '203.0.113.3',
    });
    expect(refused.status).toBe(429);
  });

  it('counts the right-most entry of the configured proxy header, which a client cannot forge', async () => {
    await limited({ addressPerMinute: 2, keyPerMinute: 0, trustedProxyHeader: 'x-forwarded-for' });
    const proxy = '10.0.0.1';
    const from = (header: string) =>
      throughHook('/api/v1/health', proxy, { 'x-forwarded-for': header });
    // The client put made-up entries on the left; the proxy appended what it saw.
    expect((await from('1.1.1.1, 203.0.113.7')).status).toBe(200);
    expect((await from('8.8.8.8, 203.0.113.7')).status).toBe(200);
    await expectProblem(await from('9.9.9.9,203.0.113.7'), 429, 'ERR_RATE_LIMITED');
    expect((await from('203.0.113.7, 203.0.113.8')).status).toBe(200);
    // No header, or not an address in it: the socket's peer (the proxy itself) is counted.
    expect((await throughHook('/api/v1/health', proxy)).status).toBe(200);
    expect((await from('not-an-address')).status).toBe(200);
    expect((await from('')).status).toBe(429);
  });

  it('counts concurrent requests exactly, and two nodes on one database share the budget', async () => {
    const config = { addressPerMinute: 10, keyPerMinute: 0 };
    const nodeA = createRateLimiter({ db: api.tdb.cdb.db, config, now: api.clock.now });
    let second: ClearinghouseDb | undefined;
    try {
      second = await openDatabase(
        dialect === 'sqlite' ? { sqlitePath: api.tdb.sqlitePath! } : { url: api.tdb.postgresUrl! },
      );
      const nodeB = createRateLimiter({ db: second.db, config, now: api.clock.now });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 === 0 ? nodeA : nodeB).chargeAddress('192.0.2.44'),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
      const refusals = outcomes.filter((o) => o.status === 'rejected');
      expect(refusals).toHaveLength(6);
      for (const refusal of refusals) {
        expect((refusal as PromiseRejectedResult).reason).toMatchObject({
          code: 'ERR_RATE_LIMITED',
        });
      }
    } finally {
      await second?.close();
    }
  });

  it('serves a busy bucket from reserved blocks, and two nodes together never admit more than the limit', async () => {
    const limit = 640; // blocks of up to maxBlock(640) = 10 places
    expect(maxBlock(limit)).toBe(10);
    const config = { addressPerMinute: limit, keyPerMinute: 0 };
    const nodeA = createRateLimiter({ db: api.tdb.cdb.db, config, now: api.clock.now });
    const counted = async () => (await countOf('a:192.0.2.77')) ?? 0;
    // One node alone: after a few refills it holds places ahead, so most charges write nothing.
    for (let i = 0; i < 40; i++) await nodeA.chargeAddress('192.0.2.77');
    const reserved = await counted();
    expect(reserved).toBeGreaterThan(40);
    expect(reserved).toBeLessThan(40 + maxBlock(limit));
    let second: ClearinghouseDb | undefined;
    try {
      second = await openDatabase(
        dialect === 'sqlite' ? { sqlitePath: api.tdb.sqlitePath! } : { url: api.tdb.postgresUrl! },
      );
      const nodeB = createRateLimiter({ db: second.db, config, now: api.clock.now });
      let admitted = 40;
      let refused = 0;
      for (let round = 0; round < 45; round++) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 === 0 ? nodeA : nodeB).chargeAddress('192.0.2.77'),
          ),
        );
        admitted += outcomes.filter((o) => o.status === 'fulfilled').length;
        refused += outcomes.filter((o) => o.status === 'rejected').length;
      }
      // No overshoot; undershoot below one block per node.
      expect(admitted).toBeLessThanOrEqual(limit);
      expect(admitted).toBeGreaterThan(limit - 2 * maxBlock(limit));
      expect(admitted + refused).toBe(40 + 45 * 16);
      expect(await counted()).toBeGreaterThanOrEqual(limit);
    } finally {
      await second?.close();
    }
  });

  it('counts a turn of 1,203 keys in one statement, each once per charge, and refuses past each limit', async () => {
    const config = { addressPerMinute: 0, keyPerMinute: 2 };
    const limiter = createRateLimiter({ db: api.tdb.cdb.db, config, now: api.clock.now });
    const kids = Array.from({ length: 1203 }, (_, i) => `kid-${String(i).padStart(4, '0')}`);
    // Three charges per key in one turn: one batch of 1,203 buckets.
    const outcomes = await Promise.allSettled(
      [...kids, ...kids, ...kids].map((kid) => limiter.chargeKey(kid)),
    );
    const admitted = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(admitted).toBe(2 * kids.length);
    const third = outcomes.slice(2 * kids.length);
    expect(third.every((o) => o.status === 'rejected')).toBe(true);
    expect((third[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_RATE_LIMITED' });
    const rows = await counters();
    expect(rows).toHaveLength(kids.length);
    expect(rows.every((row) => row.count === 3)).toBe(true);
    expect(rows.map((row) => row.bucket)).toEqual(kids.map((kid) => `k:${kid}`));
  });

  it('switches a limit off with 0 and writes no counter for it', async () => {
    await limited({ addressPerMinute: 0, keyPerMinute: 0 });
    for (let i = 0; i < 5; i++) {
      expect((await throughHook('/api/v1/health', '198.51.100.9')).status).toBe(200);
    }
    expect(await counters()).toEqual([]);
  });

  it('leaves the connection at synchronous = FULL after a count, so messages stay durable', async () => {
    const limiter = createRateLimiter({
      db: api.tdb.cdb.db,
      config: { addressPerMinute: 5, keyPerMinute: 5 },
      now: api.clock.now,
    });
    await limiter.chargeAddress('192.0.2.3');
    if (dialect === 'sqlite') {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(
        api.tdb.cdb.db,
      );
      expect(rows[0]?.synchronous).toBe(2); // FULL
    }
    expect(await countOf('a:192.0.2.3')).toBe(1);
  });

  it('forgets the counters of finished windows', async () => {
    const limiter = createRateLimiter({
      db: api.tdb.cdb.db,
      config: { addressPerMinute: 5, keyPerMinute: 5 },
      now: api.clock.now,
    });
    await limiter.chargeAddress('192.0.2.1');
    await limiter.chargeKey('some-kid');
    api.clock.advance(120);
    await limiter.chargeAddress('192.0.2.2');
    expect((await counters()).map((row) => row.bucket)).toEqual(['a:192.0.2.2']);
  });
});

describe('rate limits on an in-memory SQLite database', () => {
  it('counts at once, and behind an open transaction once it ends, at synchronous = FULL after', async () => {
    const cdb = await openDatabase({ sqlitePath: ':memory:' });
    try {
      await migrateToLatest(cdb);
      expect(cdb.countNow).toBeUndefined();
      let nowMs = 1_800_000_000_000;
      const limiter = createRateLimiter({
        db: cdb.db,
        config: { addressPerMinute: 0, keyPerMinute: 2 },
        now: () => nowMs,
      });
      const count = async (bucket: string) =>
        (
          await cdb.db
            .selectFrom('rate_limits')
            .select('count')
            .where('bucket', '=', bucket)
            .executeTakeFirst()
        )?.count;
      // No transaction open: the count runs at once on the connection (`runNow`).
      await Promise.all([limiter.chargeKey('a'), limiter.chargeKey('b')]);
      expect([await count('k:a'), await count('k:b')]).toEqual([1, 1]);
      // A transaction holds the connection: the count waits for it (`withoutSync`), then runs.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const transaction = cdb.db.transaction().execute(async (trx) => {
        await trx.selectFrom('rate_limits').select('bucket').execute();
        await held;
      });
      await new Promise((resolve) => setImmediate(resolve));
      const charged = Promise.allSettled([limiter.chargeKey('a'), limiter.chargeKey('a')]);
      let settled = false;
      void charged.then(() => (settled = true));
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false); // waiting for the connection, not counted at once
      release();
      await transaction;
      const outcomes = await charged;
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      expect(await count('k:a')).toBe(3);
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(cdb.db);
      expect(rows[0]?.synchronous).toBe(2); // FULL again
      // The next window starts from nothing.
      nowMs += 60_000;
      await limiter.chargeKey('a');
      expect(await count('k:a')).toBe(1);
    } finally {
      await cdb.close();
    }
  });
});

describe('the client address', () => {
  const event = (peer: string, headers: Record<string, string> = {}) => ({
    request: new Request('http://localhost/api/v1/health', { headers }),
    getClientAddress: () => peer,
  });

  it('reduces IPv6 to its /64 and IPv4-mapped IPv6 to the IPv4 address', () => {
    expect(normaliseAddress('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(normaliseAddress('[2001:db8:aa:bb:cc:dd:ee:ff]')).toBe('2001:db8:aa:bb::/64');
    expect(normaliseAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(normaliseAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseAddress('192.0.2.1')).toBe('192.0.2.1');
    expect(normaliseAddress('192.0.2.1:80')).toBeUndefined();
    expect(normaliseAddress('unknown')).toBeUndefined();
  });

  it('takes the proxy header only when one is named', () => {
    const request = event('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' });
    expect(clientAddress(request)).toBe('10.0.0.1');
    expect(clientAddress(request, 'x-forwarded-for')).toBe('203.0.113.9');
    expect(clientAddress(request, 'x-real-ip')).toBe('10.0.0.1');
    expect(
      clientAddress({
        ...request,
        getClientAddress: () => {
          throw new Error('none');
        },
      }),
    ).toBe('unknown');
  });
});

describe('rate limits from the environment', () => {
  it('uses the documented defaults and 0 to switch a limit off', () => {
    expect(rateLimitsFromEnv({})).toEqual({ addressPerMinute: 3000, keyPerMinute: 1200 });
    expect(
      rateLimitsFromEnv({
        RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
        RATE_LIMIT_KEY_PER_MINUTE: ' 50 ',
        TRUSTED_PROXY_HEADER: 'X-Forwarded-For',
      }),
    ).toEqual({ addressPerMinute: 0, keyPerMinute: 50, trustedProxyHeader: 'x-forwarded-for' });
  });

  it('refuses malformed values instead of running without the intended limit', () => {
    expect(() => rateLimitsFromEnv({ RATE_LIMIT_KEY_PER_MINUTE: '-1' })).toThrow(
      /RATE_LIMIT_KEY_PER_MINUTE/,
    );
    expect(() => rateLimitsFromEnv({ RATE_LIMIT_ADDRESS_PER_MINUTE: '1e3' })).toThrow(
      /RATE_LIMIT_ADDRESS_PER_MINUTE/,
    );
    expect(() => rateLimitsFromEnv({ TRUSTED_PROXY_HEADER: 'x-forwarded-for: evil' })).toThrow(
      /TRUSTED_PROXY_HEADER/,
    );
  });
});
