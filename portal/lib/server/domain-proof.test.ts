import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProtocolError } from '$protocol/errors';
import {
  createProofFetcher,
  isPublicAddress,
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

  it('stops reading a body past its size limit', async () => {
    handler = (_req, res) => res.end('x'.repeat(64 * 1024));
    expect(
      await failure(proveDomain(fetcher, origin, kid, companyId, loopbackClearinghouse)),
    ).toEqual({
      code: 'ERR_DOMAIN_PROOF_FAILED',
      reason: 'too-large',
    });
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
});
