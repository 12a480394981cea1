import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProtocolError, ProtocolError } from '$protocol/errors';
import {
  createProofFetcher,
  isPublicAddress,
  pinnedLookup,
  originPolicy,
  proveDomain,
  type Resolver,
} from './domain-proof';

const kid = 'nBiNxoStJVo9iOE2t4ZLDBudTlXieoc2KkemqKkE6Aw';
const companyId = `co_${kid}`;
const loopbackClearinghouse = 'http://localhost:3000';
const publicClearinghouse = 'https://clearinghouse.example';

/** A real company site on loopback whose answers each test sets. */
let server: Server;
let origin: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function serveJson(body: unknown, status = 200): void {
  handler = (req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    return { code: error.code, reason: error.detail?.reason };
  }
  throw new Error('expected a ProtocolError');
}

const fetcher = createProofFetcher({ timeoutMs: 500 });

describe('domain proof over HTTP (a real local server)', () => {
  it('accepts a proof file that lists the key, fetched from the well-known path', async () => {
    let path = '';
    handler = (req, res) => {
      path = req.url ?? '';
      res.end(JSON.stringify({ keys: [kid], companyId }));
    };
    await proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse);
    expect(path).toBe('/.well-known/consent-clearinghouse.json');
  });

  it.each([
    ['a file without the key', { keys: ['A'.repeat(43)] }, 200, 'key-not-listed'],
    [
      'a file naming another company',
      { keys: [kid], companyId: `co_${'A'.repeat(43)}` },
      200,
      'company-mismatch',
    ],
    // It said "not-json": the keys were checked before the company the file names.
    [
      'a file naming another company, with keys of another form',
      { companyId: `co_${'B'.repeat(43)}`, keys: ['kid-of-another-form'] },
      200,
      'company-mismatch',
    ],
    [
      'a file naming another company, with no keys',
      { companyId: `co_${'B'.repeat(43)}` },
      200,
      'company-mismatch',
    ],
    ['a file that is not the expected JSON', { keys: 'nope' }, 200, 'not-json'],
    ['a 404', { keys: [kid] }, 404, 'status'],
  ])('refuses %s', async (_name, body, status, reason) => {
    serveJson(body, status);
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({
      code: 'ERR_DOMAIN_PROOF_FAILED',
      reason,
    });
  });

  it('follows a redirect within the origin, and refuses one to elsewhere', async () => {
    handler = (req, res) => {
      if (req.url === '/.well-known/consent-clearinghouse.json') {
        res.writeHead(302, { location: '/proof.json' });
        res.end();
      } else res.end(JSON.stringify({ keys: [kid] }));
    };
    await proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse);
    handler = (_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    };
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({
      code: 'ERR_DOMAIN_PROOF_FAILED',
      reason: 'redirect',
    });
  });

  it('stops reading a body past its size limit: it closes the connection then', async () => {
    // An endless body, 1 KiB every 5 ms: a fetcher that went on reading would hold the
    // connection until its timeout (10 s here) and take about 2,000 chunks.
    let written = 0;
    const closed = new Promise<number>((resolve) => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          res.write('x'.repeat(1024));
          written++;
        }, 5);
        res.on('close', () => {
          clearInterval(timer);
          resolve(written);
        });
      };
    });
    const patient = createProofFetcher({ timeoutMs: 10_000 });
    expect(
      await failure(proveDomain(patient, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({
      code: 'ERR_DOMAIN_PROOF_FAILED',
      reason: 'too-large',
    });
    // The limit is 8 KiB: closed after a few chunks more than that at most.
    expect(await closed).toBeLessThan(64);
  });

  it('gives up on a server that does not answer', async () => {
    handler = () => {}; // never answers
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({
      code: 'ERR_DOMAIN_PROOF_FAILED',
      reason: 'timeout',
    });
  });
});

describe('no request to private addresses', () => {
  it('refuses plain http loopback origins when the clearinghouse is not on loopback, without a request', async () => {
    serveJson({ keys: [kid] });
    const before = hits;
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, publicClearinghouse)),
    ).toMatchObject({
      code: 'ERR_ORIGIN_NOT_ALLOWED',
    });
    expect(hits).toBe(before);
  });

  it.each([
    ['127.0.0.1'],
    ['10.1.2.3'],
    ['169.254.169.254'],
    ['::1'],
    ['::ffff:192.168.0.1'],
    ['fd00::1'],
  ])('refuses an https name that resolves to %s, without connecting', async (address) => {
    const resolve: Resolver = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
    const pinned = createProofFetcher({ timeoutMs: 500, resolve });
    expect(
      await failure(
        proveDomain(pinned, 'https://company.example', kid, companyId, publicClearinghouse),
      ),
    ).toEqual({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'address-not-public' });
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    const pinned = createProofFetcher({ resolve });
    expect(
      await failure(
        proveDomain(pinned, 'https://company.example', kid, companyId, publicClearinghouse),
      ),
    ).toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('classifies addresses', () => {
    const publicOnes = ['93.184.216.34', '8.8.8.8', '2606:4700::1111'];
    const privateOnes = [
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '172.16.0.1',
      '192.168.1.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '64:ff9b::a00:1',
      '2001:db8::1',
      'not-an-address',
    ];
    expect(publicOnes.filter((a) => !isPublicAddress(a))).toEqual([]);
    expect(privateOnes.filter((a) => isPublicAddress(a))).toEqual([]);
  });

  it('accepts loopback company origins only while the clearinghouse is on loopback', () => {
    expect(originPolicy('https://sport.example', publicClearinghouse)).toBe('public');
    expect(originPolicy('http://localhost:4000', loopbackClearinghouse)).toBe('loopback');
    expect(originPolicy('http://127.0.0.1:4000', 'http://127.0.0.1:3000')).toBe('loopback');
    expect(() => originPolicy('http://localhost:4000', publicClearinghouse)).toThrow(
      /acceptable origin/,
    );
    expect(() => originPolicy('http://sport.example', loopbackClearinghouse)).toThrow(
      /acceptable origin/,
    );
  });

  it('takes a clearinghouse for one on loopback by its address, not by how its name begins', () => {
    expect(originPolicy('http://127.0.0.1:4000', 'http://127.1:3000')).toBe('loopback');
    expect(originPolicy('http://localhost:4000', 'http://[::1]:3000')).toBe('loopback');
    for (const named of [
      'https://127.shop.example',
      'https://127.0.0.1.example',
      'https://localhost.example',
    ]) {
      expect(() => originPolicy('http://127.0.0.1:6379', named)).toThrow(/acceptable origin/);
    }
  });
});

/**
 * Issue 12 ("Attacks"): the fetch never reaches a private, loopback (outside the local mode of
 * SPECS "company origin") or link-local address, in any spelling, by name or by redirect.
 */
describe('no server-side request forgery', () => {
  /** A second local server standing for an internal service: it must never be reached. */
  let internal: Server;
  let internalHits = 0;
  let internalOrigin: string;

  beforeAll(async () => {
    internal = createServer((_req, res) => {
      internalHits++;
      res.end(JSON.stringify({ keys: [kid] }));
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    internalOrigin = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    internal.closeAllConnections();
    await new Promise<void>((resolve) => internal.close(() => resolve()));
  });

  it('classifies every spelling of loopback, private and link-local IPv4 and IPv6 as not public', () => {
    const notPublic = [
      // IPv4-mapped IPv6, dotted and hex, compressed and in full, in capitals
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:7F00:1',
      '0:0:0:0:0:ffff:7f00:0001',
      '::ffff:a9fe:a9fe', // 169.254.169.254, the cloud metadata service
      '::ffff:10.0.0.1',
      '::ffff:c0a8:101', // 192.168.1.1
      // IPv4-compatible (deprecated ::/96) and IPv4-translated (::ffff:0:0:0/96) embeddings
      '::7f00:1',
      '::127.0.0.1',
      '::a9fe:a9fe',
      '::ffff:0:7f00:1',
      '::ffff:0:a00:1',
      // NAT64 and 6to4 around private IPv4
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
      // link-local, unique-local, site-local, multicast
      'fe80::1',
      'fe80::1%eth0',
      'febf::1',
      'fd12:3456::1',
      'fec0::1',
      'ff02::1',
      // IPv4 ranges at their edges
      '127.255.255.255',
      '10.255.255.255',
      '172.31.255.255',
      '192.168.255.255',
      '169.254.0.1',
      '100.127.255.255',
    ];
    expect(notPublic.filter((address) => isPublicAddress(address))).toEqual([]);
    const publicOnes = ['::ffff:5db8:d822', '172.32.0.1', '100.128.0.1', '2a00:1450::1'];
    expect(publicOnes.filter((address) => !isPublicAddress(address))).toEqual([]);
  });

  it.each([
    ['https://127.0.0.1'],
    ['https://127.1'], // the URL parser makes it 127.0.0.1
    ['https://2130706433'], // decimal 127.0.0.1
    ['https://0x7f.0.0.1'],
    ['https://[::1]'],
    ['https://[::ffff:127.0.0.1]'],
    ['https://[::ffff:a9fe:a9fe]'],
    ['https://169.254.169.254'],
    ['https://[fe80::1]'],
    ['https://10.0.0.1'],
    ['https://[fd00::1]'],
    ['https://0.0.0.0'],
  ])(
    'refuses the literal address origin %s without a DNS query or a connection',
    async (domain) => {
      let resolved = 0;
      const resolve: Resolver = async () => {
        resolved++;
        return [{ address: '93.184.216.34', family: 4 }];
      };
      const pinned = createProofFetcher({ timeoutMs: 500, resolve });
      expect(
        await failure(proveDomain(pinned, domain, kid, companyId, publicClearinghouse)),
      ).toEqual({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'address-not-public' });
      expect(resolved).toBe(0);
    },
  );

  it.each([
    ['a loopback address', [{ address: '127.0.0.1', family: 4 }]],
    ['an IPv4-mapped loopback address', [{ address: '::ffff:7f00:1', family: 6 }]],
    ['the metadata service', [{ address: '169.254.169.254', family: 4 }]],
    ['a link-local IPv6 address', [{ address: 'fe80::1', family: 6 }]],
    ['an IPv4-compatible private address', [{ address: '::a00:1', family: 6 }]],
    ['nothing at all', []],
  ])('refuses an https name that resolves to %s', async (_name, addresses) => {
    const resolve: Resolver = async () => addresses;
    const pinned = createProofFetcher({ timeoutMs: 500, resolve });
    expect(
      await failure(
        proveDomain(pinned, 'https://rebind.example', kid, companyId, publicClearinghouse),
      ),
    ).toEqual({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'address-not-public' });
  });

  it('refuses https://localhost through the real resolver', async () => {
    expect(
      await failure(proveDomain(fetcher, 'https://localhost', kid, companyId, publicClearinghouse)),
    ).toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('in the local mode, connects to loopback only: a localhost that resolves elsewhere is refused', async () => {
    const resolve: Resolver = async () => [{ address: '10.0.0.7', family: 4 }];
    const pinned = createProofFetcher({ timeoutMs: 500, resolve });
    expect(
      await failure(
        proveDomain(pinned, 'http://localhost:4000', kid, companyId, loopbackClearinghouse),
      ),
    ).toEqual({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'address-not-public' });
    // Outside it, no http origin at all, loopback or not.
    for (const domain of ['http://localhost:4000', 'http://127.0.0.1:4000', 'http://10.0.0.1']) {
      expect(
        await failure(proveDomain(pinned, domain, kid, companyId, publicClearinghouse)),
      ).toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
    }
  });

  it.each([
    ['another port of loopback', () => `${internalOrigin}/.well-known/consent-clearinghouse.json`],
    ['the metadata service', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.1/'],
    ['an IPv4-mapped loopback literal', () => 'http://[::ffff:7f00:1]/'],
    ['IPv6 loopback', () => 'http://[::1]/'],
    ['a scheme-relative address', () => '//192.168.0.1/proof.json'],
    ['an https origin', () => 'https://sport.example/.well-known/consent-clearinghouse.json'],
    ['another scheme', () => 'file:///etc/passwd'],
  ])('does not follow a redirect to %s, nor reach it', async (_name, target) => {
    const before = internalHits;
    handler = (_req, res) => {
      res.writeHead(307, { location: target() });
      res.end();
    };
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({ code: 'ERR_DOMAIN_PROOF_FAILED', reason: 'redirect' });
    expect(internalHits).toBe(before);
  });

  it('stops after two redirects within the origin', async () => {
    const before = hits;
    handler = (req, res) => {
      res.writeHead(302, { location: `${req.url ?? '/'}x` });
      res.end();
    };
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({ code: 'ERR_DOMAIN_PROOF_FAILED', reason: 'redirect' });
    expect(hits - before).toBe(3);
  });

  it('connects to the address it checked and never asks the name again (DNS rebinding)', async () => {
    // The first answer is the company site on loopback, every later one an address outside: a
    // socket that looked the name up again, or through the system, would not reach the site.
    let calls = 0;
    const resolve: Resolver = async () =>
      calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }];
    const pinned = createProofFetcher({ timeoutMs: 2_000, resolve });
    const before = hits;
    serveJson({ keys: [kid], companyId });
    const url = new URL(`${origin}/.well-known/consent-clearinghouse.json`);
    url.hostname = 'rebind.test';
    const answer = await pinned(url, 'loopback');
    expect(answer.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(answer.body))).toEqual({ keys: [kid], companyId });
    expect(hits - before).toBe(1);
    expect(calls).toBe(1);
  });

  it('hands the socket only the checked addresses, one or all as it asks', async () => {
    const checked = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    let calls = 0;
    const lookup = await pinnedLookup(
      new URL('http://rebind.test/'),
      'loopback',
      async () => {
        calls++;
        return checked;
      },
      {
        dns: () => new ProtocolError('ERR_DOMAIN_PROOF_FAILED', 'dns'),
        notAllowed: () => new ProtocolError('ERR_ORIGIN_NOT_ALLOWED', 'no'),
      },
    );
    const ask = (options: object) =>
      new Promise<unknown[]>((done, fail) =>
        lookup(
          'elsewhere.example',
          options as never,
          ((error: Error | null, ...rest: unknown[]) =>
            error === null ? done(rest) : fail(error)) as never,
        ),
      );
    expect(await ask({})).toEqual(['127.0.0.1', 4]);
    expect(await ask({ all: true })).toEqual([checked]);
    expect(calls).toBe(1);
  });

  it('checks the name once per request and connects to exactly the address it checked', async () => {
    // A resolver that answers a public address first and loopback afterwards (DNS rebinding):
    // the connection must go to the first answer, never ask again.
    let calls = 0;
    const resolve: Resolver = async () => {
      calls++;
      return calls === 1
        ? [{ address: '192.0.2.1', family: 4 }] // documentation space: refused as well
        : [{ address: '127.0.0.1', family: 4 }];
    };
    const pinned = createProofFetcher({ timeoutMs: 500, resolve });
    expect(
      await failure(
        proveDomain(pinned, 'https://rebind.example', kid, companyId, publicClearinghouse),
      ),
    ).toEqual({ code: 'ERR_ORIGIN_NOT_ALLOWED', reason: 'address-not-public' });
    expect(calls).toBe(1);
  });
});
