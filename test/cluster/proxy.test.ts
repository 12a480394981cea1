import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { proxyErrorHeader, startProxy } from '../../scripts/cluster-proxy.mjs';

/**
 * The cluster's round-robin proxy (scripts/cluster-proxy.mjs) against real HTTP servers on
 * loopback standing in for portal nodes.
 */
interface Seen {
  node: number;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** A stand-in node that records what it got; `behaviour` may answer differently. */
async function node(
  index: number,
  seen: Seen[],
  behaviour?: (request: IncomingMessage, respond: (status: number) => void) => void,
): Promise<{ port: number; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.push({
        node: index,
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
      });
      const respond = (status: number) => {
        response.writeHead(status, { 'content-type': 'text/plain', 'x-node': String(index) });
        response.end(`node ${index}: ${request.method} ${request.url} ${body}`);
      };
      if (behaviour !== undefined) behaviour(request, respond);
      else respond(200);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  cleanup.push(() => server.closeAllConnections());
  return { port: (server.address() as AddressInfo).port, server };
}

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the cluster proxy', () => {
  it('forwards method, path, headers and body round robin, and the answer back', async () => {
    const seen: Seen[] = [];
    const nodes = await Promise.all([0, 1, 2].map((i) => node(i, seen)));
    const proxy = await startProxy({ upstreams: nodes.map(({ port }) => ({ port })) });
    cleanup.push(() => proxy.close());

    const answers = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${proxy.url}/api/v1/grants?n=${i}`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-request-id': `request-${i}-abcdef` },
        body: `token-${i}`,
      });
      answers.push({ status: response.status, node: response.headers.get('x-node') });
      expect(await response.text()).toContain(`POST /api/v1/grants?n=${i} token-${i}`);
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Every node took its turn, twice.
    expect(seen.map((s) => s.node)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(seen[4]).toMatchObject({ method: 'POST', url: '/api/v1/grants?n=4', body: 'token-4' });
    expect(seen[4]!.headers['content-type']).toBe('application/jose');
    expect(seen[4]!.headers['x-request-id']).toBe('request-4-abcdef');
    // Without forwardedFor the header is not invented.
    expect(seen[4]!.headers['x-forwarded-for']).toBeUndefined();
    expect(proxy.stats).toMatchObject({ forwarded: 6, retried: 0, failed: 0 });
  });

  it('appends the client address to X-Forwarded-For when the nodes trust it', async () => {
    const seen: Seen[] = [];
    const upstream = await node(0, seen);
    const proxy = await startProxy({ upstreams: [{ port: upstream.port }], forwardedFor: true });
    cleanup.push(() => proxy.close());

    await (await fetch(`${proxy.url}/api/v1/health`)).text();
    await (
      await fetch(`${proxy.url}/api/v1/health`, { headers: { 'x-forwarded-for': '203.0.113.9' } })
    ).text();
    expect(seen.map((s) => s.headers['x-forwarded-for'])).toEqual([
      '127.0.0.1',
      // The right-most entry, the one the portal trusts, is what the proxy saw.
      '203.0.113.9, 127.0.0.1',
    ]);
  });

  it('skips a node that refuses the connection, body and all, and answers 503 when none accepts', async () => {
    const seen: Seen[] = [];
    const alive = await node(1, seen);
    const down = await closedPort();
    const proxy = await startProxy({ upstreams: [{ port: down }, { port: alive.port }] });
    cleanup.push(() => proxy.close());

    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${proxy.url}/api/v1/offers`, {
        method: 'POST',
        body: `sealed-${i}`,
      });
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(seen.map((s) => s.body)).toEqual(['sealed-0', 'sealed-1', 'sealed-2', 'sealed-3']);
    expect(proxy.stats.retried).toBe(2); // every other request went to the dead node first

    const nobody = await startProxy({ upstreams: [{ port: down }, { port: await closedPort() }] });
    cleanup.push(() => nobody.close());
    const refused = await fetch(`${nobody.url}/api/v1/health`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get(proxyErrorHeader)).toBe('unavailable');
    expect(await refused.json()).toMatchObject({ status: 503, code: 'no-node-available' });
  });

  it('answers 502 and does not resend when the node dies holding the request', async () => {
    const seen: Seen[] = [];
    // Node 0 reads the request, then its connection is cut before any answer: it may have acted.
    const dying = await node(0, seen, (request) => request.socket.destroy());
    const healthy = await node(1, seen);
    const proxy = await startProxy({ upstreams: [{ port: dying.port }, { port: healthy.port }] });
    cleanup.push(() => proxy.close());

    const response = await fetch(`${proxy.url}/api/v1/grants`, { method: 'POST', body: 'grant' });
    expect(response.status).toBe(502);
    expect(response.headers.get(proxyErrorHeader)).toBe('unavailable');
    expect(await response.json()).toMatchObject({ status: 502, code: 'bad-gateway' });
    expect(seen.map((s) => s.node)).toEqual([0]); // never sent on to node 1

    // The next request goes to the other node as usual.
    expect((await fetch(`${proxy.url}/api/v1/grants`, { method: 'POST', body: 'x' })).status).toBe(
      200,
    );
  });
});
