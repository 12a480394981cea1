import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCompact } from '../jws';
import { generateKeyPair, publicJwk, thumbprint } from '../keys';
import { ready } from '../sodium';
import { ApiProblem, createClient, uuidV4, type ClientFetch } from './index';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const origin = 'http://localhost:3000';

beforeAll(async () => {
  await ready();
});

function recorder(answers: { status: number; body: unknown; headers?: Record<string, string> }[]) {
  const calls: { url: string; method: string; headers: Record<string, string>; body?: string }[] =
    [];
  const fetch: ClientFetch = async (url, init) => {
    calls.push({ url, ...init });
    const answer = answers.shift() ?? { status: 200, body: {} };
    return {
      status: answer.status,
      headers: new Headers(answer.headers ?? {}),
      text: async () => JSON.stringify(answer.body),
    };
  };
  return { calls, fetch };
}

describe('clearinghouse client', () => {
  it('posts a signed message as application/jose and returns the receipt', async () => {
    const { calls, fetch } = recorder([{ status: 201, body: { sha256: 'x', status: 'pending' } }]);
    const client = createClient({
      baseUrl: `${origin}/`,
      fetch,
      now: () => 0,
      randomBytes: random,
    });
    expect(await client.submitGrant('a.b.c')).toEqual({ sha256: 'x', status: 'pending' });
    expect(calls).toEqual([
      {
        url: `${origin}/api/v1/grants`,
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/jose' },
        body: 'a.b.c',
      },
    ]);
  });

  it.each([
    { status: 201, created: true },
    { status: 200, created: false },
  ])('tells a disclosure stored now from a resend ($status)', async ({ status, created }) => {
    const { calls, fetch } = recorder([{ status, body: { sha256: 'd', status: 'pending' } }]);
    const client = createClient({ baseUrl: origin, fetch, now: () => 0, randomBytes: random });
    expect(await client.submitDisclosure('a.b.c')).toEqual({
      sha256: 'd',
      status: 'pending',
      created,
    });
    expect(calls[0]).toMatchObject({ url: `${origin}/api/v1/disclosures`, method: 'POST' });
  });

  it('signs a GET with a request signature that names its method and path', async () => {
    const keyPair = generateKeyPair(random);
    const kid = thumbprint(publicJwk(keyPair));
    const signer = { id: `co_${kid}`, keyPair };
    const { calls, fetch } = recorder([{ status: 200, body: { events: [], next: '7' } }]);
    const now = 1_767_225_600_000;
    const client = createClient({ baseUrl: origin, fetch, now: () => now, randomBytes: random });
    await client.companyEvents(signer, '7', 10);
    expect(calls[0]!.url).toBe(`${origin}/api/v1/companies/me/events?after=7&limit=10`);
    const token = calls[0]!.headers.authorization!.replace(/^Signature /, '');
    const verified = await verifyCompact(token, {
      kind: 'request',
      resolveKey: (k) => (k === kid ? publicJwk(keyPair) : undefined),
      audience: origin,
      now: now / 1000,
      maxWindowSeconds: 60,
    });
    expect(verified.payload).toMatchObject({
      iss: signer.id,
      method: 'GET',
      path: '/api/v1/companies/me/events?after=7&limit=10',
      exp: now / 1000 + 60,
    });
  });

  it('turns problem+json into an ApiProblem with its code', async () => {
    const { fetch } = recorder([
      {
        status: 409,
        body: { type: 'x/ERR_JWS_REPLAYED', code: 'ERR_JWS_REPLAYED', title: 'seen', status: 409 },
      },
    ]);
    const client = createClient({ baseUrl: origin, fetch, now: () => 0, randomBytes: random });
    const error = await client.submitRefusal('a.b.c').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({ code: 'ERR_JWS_REPLAYED', status: 409 });
  });

  /** The clearinghouse's answer over its rate limit (docs/api.md "Rate limits"). */
  const rateLimited = (retryAfter: unknown) => ({
    code: 'ERR_RATE_LIMITED',
    title: 'Too many requests',
    status: 429,
    detail_data: { retryAfter, limit: 1200, windowSeconds: 60 },
  });

  it('keeps how long a 429 or 503 asks to wait on the ApiProblem, and believes no malformed wait', async () => {
    const cases = [
      ['the Retry-After header', 429, { 'retry-after': '45' }, rateLimited(45), 45],
      ['the header over the problem', 429, { 'retry-after': '30' }, rateLimited(60), 30],
      ['the problem without the header', 429, {}, rateLimited(60), 60],
      [
        'the problem beside an HTTP-date',
        429,
        { 'retry-after': 'Mon, 07 Dec 2026 04:00:00 GMT' },
        rateLimited(12),
        12,
      ],
      ['a 503’s header', 503, { 'retry-after': '120' }, { code: 'ERR_STORAGE_UNAVAILABLE' }, 120],
      ['a negative or worded wait', 429, { 'retry-after': '-5' }, rateLimited('soon'), undefined],
      ['a wait beyond a day', 429, { 'retry-after': '86401' }, rateLimited(1e9), undefined],
      ['a fraction', 429, { 'retry-after': '1.5' }, rateLimited(1.5), undefined],
      [
        'a refusal, which waiting does not change',
        409,
        { 'retry-after': '10' },
        { code: 'ERR_JWS_REPLAYED' },
        undefined,
      ],
    ] as const;
    for (const [name, status, headers, body, retryAfter] of cases) {
      const { fetch } = recorder([{ status, body, headers }]);
      const client = createClient({ baseUrl: origin, fetch, now: () => 0, randomBytes: random });
      const error = await client.submitComplaint('a.b.c').catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ApiProblem);
      expect((error as ApiProblem).status, name).toBe(status);
      expect((error as ApiProblem).retryAfter, name).toBe(retryAfter);
    }
  });

  it('reads an HTTP-date Retry-After as the seconds from the injected clock to it, and believes no malformed date', async () => {
    /** The client's clock: 07:27:00 UTC on 21 October 2015, a Wednesday. */
    const now = Date.UTC(2015, 9, 21, 7, 27);
    const cases = [
      ['a minute ahead', 429, 'Wed, 21 Oct 2015 07:28:00 GMT', {}, now, 60],
      ['a part of a second rounded up', 503, 'Wed, 21 Oct 2015 07:28:00 GMT', {}, now - 500, 61],
      ['a date past', 503, 'Wed, 21 Oct 2015 07:26:59 GMT', {}, now, 0],
      ['a day ahead', 429, 'Thu, 22 Oct 2015 07:27:00 GMT', {}, now, 86_400],
      [
        'a leap second',
        503,
        'Tue, 30 Jun 2015 23:59:60 GMT',
        {},
        Date.UTC(2015, 5, 30, 23, 59),
        60,
      ],
      ['beyond a day', 429, 'Thu, 22 Oct 2015 07:27:01 GMT', {}, now, undefined],
      ['beyond a day, the problem', 429, 'Fri, 23 Oct 2015 07:27:00 GMT', rateLimited(12), now, 12],
      ['the wrong day name', 429, 'Thu, 21 Oct 2015 07:28:00 GMT', {}, now, undefined],
      ['31 September', 503, 'Thu, 31 Sep 2015 07:28:00 GMT', {}, now, undefined],
      ['31 February', 503, 'Tue, 31 Feb 2015 07:28:00 GMT', {}, now, undefined],
      ['hour 24', 503, 'Wed, 21 Oct 2015 24:00:00 GMT', {}, now, undefined],
      ['a zone other than GMT', 503, 'Wed, 21 Oct 2015 07:28:00 UTC', {}, now, undefined],
      ['the obsolete RFC 850 form', 503, 'Wednesday, 21-Oct-15 07:28:00 GMT', {}, now, undefined],
      ['the obsolete asctime form', 503, 'Wed Oct 21 07:28:00 2015', {}, now, undefined],
      [
        'a refusal',
        409,
        'Wed, 21 Oct 2015 07:28:00 GMT',
        { code: 'ERR_JWS_REPLAYED' },
        now,
        undefined,
      ],
    ] as const;
    for (const [name, status, header, body, clock, retryAfter] of cases) {
      const { fetch } = recorder([{ status, body, headers: { 'retry-after': header } }]);
      const client = createClient({
        baseUrl: origin,
        fetch,
        now: () => clock,
        randomBytes: random,
      });
      const error = await client.submitComplaint('a.b.c').catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ApiProblem);
      expect((error as ApiProblem).retryAfter, name).toBe(retryAfter);
    }
  });

  it("counts an HTTP-date Retry-After from the answer's own Date, whatever the client's clock says", async () => {
    const retry = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const cases = [
      // The client's clock ten minutes behind the server's: the server meant a minute.
      ['a clock behind', 'Wed, 21 Oct 2015 07:27:00 GMT', Date.UTC(2015, 9, 21, 7, 17), 60],
      ['a clock ahead', 'Wed, 21 Oct 2015 07:27:30 GMT', Date.UTC(2015, 9, 21, 7, 40), 30],
      // A Date that is no IMF-fixdate is not believed: the client's clock counts.
      ['a malformed Date', 'yesterday', Date.UTC(2015, 9, 21, 7, 27), 60],
      [
        'a Date too far back',
        'Mon, 19 Oct 2015 07:27:00 GMT',
        Date.UTC(2015, 9, 21, 7, 27),
        undefined,
      ],
    ] as const;
    for (const [name, date, clock, retryAfter] of cases) {
      const { fetch } = recorder([
        { status: 503, body: {}, headers: { 'retry-after': retry, date } },
      ]);
      const client = createClient({
        baseUrl: origin,
        fetch,
        now: () => clock,
        randomBytes: random,
      });
      const error = await client.submitComplaint('a.b.c').catch((e: unknown) => e);
      expect((error as ApiProblem).retryAfter, name).toBe(retryAfter);
    }
    // Delay-seconds are seconds from the answer whatever its Date says.
    expect(new ApiProblem(429, {}, '45', 0, 'Mon, 19 Oct 2015 07:27:00 GMT').retryAfter).toBe(45);
  });

  it('reads an HTTP-date Retry-After as not said when the ApiProblem is given no clock', () => {
    const date = 'Wed, 21 Oct 2015 07:28:00 GMT';
    expect(new ApiProblem(503, {}, date).retryAfter).toBeUndefined();
    expect(new ApiProblem(503, {}, date, Date.UTC(2015, 9, 21, 7, 27, 30)).retryAfter).toBe(30);
  });

  it('makes canonical UUID v4 jtis from the injected randomness', () => {
    expect(uuidV4(() => new Uint8Array(16).fill(0xff))).toBe(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
    );
    expect(uuidV4(random)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
