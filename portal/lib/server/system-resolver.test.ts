/**
 * The production resolver (domain-proof.ts `createSystemResolver`) against a DNS server of the
 * test's own on loopback: addresses as DNS gives them, a clear failure for a name without any,
 * and a name server that never answers costs no thread of libuv's pool (which verifies every
 * signature) while the queries wait.
 */
import { pbkdf2 } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemResolver } from './domain-proof';

const A = 1;
const AAAA = 28;

/** The question of a DNS query: its name's end offset and type. */
function question(query: Buffer): { end: number; type: number } {
  let at = 12;
  while (query[at] !== 0) at += query[at]! + 1;
  return { end: at + 5, type: query.readUInt16BE(at + 1) };
}

/** One answer record for the question at offset 12: a pointer to its name, then the data. */
function record(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

/** A DNS server on loopback answering from `zone` (name -> A and AAAA records), or never. */
async function dnsServer(
  zone: Record<string, { a?: string[]; aaaa?: Buffer[] }> | 'silent',
): Promise<{ socket: Socket; server: string; queries: () => number }> {
  const socket = createSocket('udp4');
  let queries = 0;
  socket.on('message', (query, peer) => {
    queries++;
    if (zone === 'silent') return;
    const { end, type } = question(query);
    const labels: string[] = [];
    for (let at = 12; query[at] !== 0; at += query[at]! + 1) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString('ascii'));
    }
    const entry = zone[labels.join('.').toLowerCase()];
    const answers =
      type === A
        ? (entry?.a ?? []).map((ip) => record(A, Buffer.from(ip.split('.').map(Number))))
        : type === AAAA
          ? (entry?.aaaa ?? []).map((ip) => record(AAAA, ip))
          : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(entry === undefined ? 0x8183 : 0x8180, 2); // NXDOMAIN or NOERROR
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    socket.send(
      Buffer.concat([header, query.subarray(12, end), ...answers]),
      peer.port,
      peer.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, server: `127.0.0.1:${socket.address().port}`, queries: () => queries };
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

describe('the system resolver', () => {
  it('gives every IPv4 then every IPv6 address DNS has for a name', async () => {
    const v6 = Buffer.alloc(16);
    v6.writeUInt32BE(0x20010db8, 0);
    v6[15] = 7;
    const { socket, server } = await dnsServer({
      'shop.example': { a: ['203.0.113.7', '198.51.100.9'], aaaa: [v6] },
      'v4only.example': { a: ['203.0.113.8'] },
    });
    sockets.push(socket);
    const resolve = createSystemResolver({ servers: [server], timeoutMs: 500, tries: 1 });
    expect(await resolve('shop.example')).toEqual([
      { address: '203.0.113.7', family: 4 },
      { address: '198.51.100.9', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(await resolve('v4only.example')).toEqual([{ address: '203.0.113.8', family: 4 }]);
    await expect(resolve('missing.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('answers localhost from the system, without a query', async () => {
    const { socket, server, queries } = await dnsServer('silent');
    sockets.push(socket);
    const resolve = createSystemResolver({ servers: [server], timeoutMs: 200, tries: 1 });
    const addresses = await resolve('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every(({ address }) => ['127.0.0.1', '::1'].includes(address))).toBe(true);
    expect(queries()).toBe(0);
  });

  it('gives up on a silent name server, holding none of the threads that verify signatures meanwhile', async () => {
    const { socket, server, queries } = await dnsServer('silent');
    sockets.push(socket);
    const resolve = createSystemResolver({ servers: [server], timeoutMs: 300, tries: 2 });
    // More waiting lookups than libuv's pool has threads (four): with getaddrinfo they would
    // hold all of them, and the pool's work below would wait until they gave up.
    const lookups = Array.from({ length: 8 }, (_, i) =>
      resolve(`slow-${i}.example`).then(
        () => 'resolved',
        (error: { code?: string }) => error.code ?? 'failed',
      ),
    );
    const order: string[] = [];
    const pooled = new Promise<void>((resolvePool, reject) =>
      pbkdf2('secret', 'salt', 1, 32, 'sha256', (error) => (error ? reject(error) : resolvePool())),
    ).then(() => order.push('pool'));
    const settled = Promise.all(lookups).then((outcomes) => {
      order.push('lookups');
      return outcomes;
    });
    const outcomes = await settled;
    await pooled;
    expect(order).toEqual(['pool', 'lookups']);
    expect(new Set(outcomes)).toEqual(new Set(['ETIMEOUT']));
    expect(queries()).toBeGreaterThanOrEqual(16);
  });
});
