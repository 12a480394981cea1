/**
 * The benchmarks' lean HTTP client (raw-http.ts): its framing of responses, and a round trip
 * against a real `node:http` server (keep-alive reuse, chunked bodies, a connection the server
 * closed while it was idle).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseResponse, RawPool, serialiseRequest } from './raw-http';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseResponse', () => {
  it('frames a body by content-length and waits for all of it', () => {
    const whole = bytes('HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello');
    expect(parseResponse(whole.subarray(0, 20))).toBeUndefined();
    expect(parseResponse(whole.subarray(0, whole.length - 1))).toBeUndefined();
    expect(parseResponse(whole)).toEqual({ status: 201, body: 'hello', length: whole.length });
  });

  it('leaves the next response in the buffer alone', () => {
    const one = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    expect(parseResponse(bytes(`${one}HTTP/1.1 404 N`))).toEqual({
      status: 200,
      body: 'ok',
      length: one.length,
    });
  });

  it('joins chunks and waits for the last one', () => {
    const whole = bytes(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n',
    );
    for (const cut of [45, whole.length - 2, whole.length - 1]) {
      expect(parseResponse(whole.subarray(0, cut))).toBeUndefined();
    }
    expect(parseResponse(whole)).toEqual({
      status: 200,
      body: 'abc0123456789',
      length: whole.length,
    });
  });

  it('skips an interim 1xx answer, prefers chunked over a content-length, checks chunk ends', () => {
    const final = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    const interim = bytes(`HTTP/1.1 100 Continue\r\n\r\n${final}`);
    expect(parseResponse(interim.subarray(0, 30))).toBeUndefined();
    expect(parseResponse(interim)).toEqual({ status: 200, body: 'ok', length: interim.length });
    const both = bytes(
      'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n',
    );
    expect(parseResponse(both)).toMatchObject({ body: 'ab', length: both.length });
    expect(() =>
      parseResponse(bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n')),
    ).toThrow(/longer than its size/);
    expect(() =>
      parseResponse(
        bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: 1\r\n\r\n'),
      ),
    ).toThrow(/trailers/);
  });

  it('takes a body-less 204 and refuses what it cannot frame', () => {
    expect(parseResponse(bytes('HTTP/1.1 204 No Content\r\n\r\n'))).toMatchObject({
      status: 204,
      body: '',
    });
    expect(() => parseResponse(bytes('HTTP/1.1 200 OK\r\n\r\nrest'))).toThrow(/neither/);
    expect(() => parseResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP/);
    expect(() =>
      parseResponse(bytes('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')),
    ).toThrow(/chunk size/);
  });
});

describe('serialiseRequest', () => {
  it('writes the request line, host, headers and the body with its length in bytes', () => {
    const text = serialiseRequest('127.0.0.1:1', {
      method: 'POST',
      path: '/api/v1/grants',
      headers: { 'content-type': 'application/jose', 'content-length': '999' },
      body: 'ä.b',
    }).toString('utf8');
    expect(text).toBe(
      'POST /api/v1/grants HTTP/1.1\r\nhost: 127.0.0.1:1\r\nconnection: keep-alive\r\n' +
        'content-type: application/jose\r\ncontent-length: 4\r\n\r\nä.b',
    );
  });

  it('refuses a header with a line break', () => {
    expect(() =>
      serialiseRequest('h', { method: 'GET', path: '/', headers: { a: 'b\r\nx: y' } }),
    ).toThrow(/line break/);
  });
});

describe('RawPool against node:http', () => {
  let server: Server | undefined;
  let pool: RawPool | undefined;
  afterEach(async () => {
    pool?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function listen(): Promise<{ url: string; sockets: Set<unknown> }> {
    const sockets = new Set<unknown>();
    server = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('part one, ');
          setTimeout(() => res.end('part two'), 5);
          return;
        }
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${req.url} ${body}`);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, sockets };
  }

  it('sends prepared requests on kept-alive connections and reads both framings', async () => {
    const { url, sockets } = await listen();
    pool = new RawPool(url, 2);
    const post = serialiseRequest(pool.host, { method: 'POST', path: '/x', body: 'payload' });
    for (let i = 0; i < 5; i++) {
      expect(await pool.send(post)).toEqual({ status: 201, body: 'POST /x payload' });
    }
    expect(
      await pool.send(serialiseRequest(pool.host, { method: 'GET', path: '/chunked' })),
    ).toEqual({ status: 200, body: 'part one, part two' });
    // One at a time: a single connection served them all.
    expect(sockets.size).toBe(1);
    const both = await Promise.all([pool.send(post), pool.send(post)]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    expect(sockets.size).toBe(2);
    await expect(Promise.all([pool.send(post), pool.send(post), pool.send(post)])).rejects.toThrow(
      /every connection is busy/,
    );
  });

  it('sends again on a new connection when a kept-alive one is reset before it answers', async () => {
    // A server that resets a connection at its second request (TCP RST, as when its keep-alive
    // timeout ran out just as the request came): the reset's late close must not break the
    // request sent again on the new connection.
    const served = new Map<unknown, number>();
    let received = 0;
    server = createServer((req, res) => {
      received += 1;
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count === 2) req.socket.resetAndDestroy();
      else res.end(`answer ${served.size}`);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    pool = new RawPool(`http://127.0.0.1:${port}`, 1);
    const get = serialiseRequest(pool.host, { method: 'GET', path: '/' });
    expect(await pool.send(get)).toEqual({ status: 200, body: 'answer 1' });
    expect(await pool.send(get)).toEqual({ status: 200, body: 'answer 2' });
    expect(served.size).toBe(2);
    expect(received).toBe(3);
    // A new connection reset before it answers is not sent again: that is the server's answer.
    server.removeAllListeners('request');
    server.on('request', (req) => {
      received += 1;
      req.socket.resetAndDestroy();
    });
    pool.close();
    pool = new RawPool(`http://127.0.0.1:${port}`, 1);
    await expect(pool.send(get)).rejects.toThrow();
    expect(received).toBe(4);
  });

  it('never sends a request again that timed out on a kept-alive connection', async () => {
    let received = 0;
    server = createServer((req, res) => {
      received += 1;
      if (received === 1) res.end('first');
      // Later requests: no answer.
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    pool = new RawPool(`http://127.0.0.1:${port}`, 1, 150);
    const post = serialiseRequest(pool.host, { method: 'POST', path: '/', body: 'x' });
    expect((await pool.send(post)).body).toBe('first');
    await expect(pool.send(post)).rejects.toThrow(/timed out after 150 ms/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toBe(2);
    server.closeAllConnections();
  });

  it('starts afresh after a response with more bytes than it said it had', async () => {
    let connections = 0;
    const raw = createNetServer((socket) => {
      connections += 1;
      socket.on('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokGARBAGE');
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    pool = new RawPool(`http://127.0.0.1:${port}`, 1);
    const get = serialiseRequest(pool.host, { method: 'GET', path: '/' });
    expect(await pool.send(get)).toEqual({ status: 200, body: 'ok' });
    expect(await pool.send(get)).toEqual({ status: 200, body: 'ok' });
    expect(connections).toBe(2);
    pool.close();
    await new Promise((resolve) => raw.close(resolve));
  });

  it('fails a request the server never answers within the timeout', async () => {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    pool = new RawPool(`http://127.0.0.1:${port}`, 1, 100);
    await expect(
      pool.send(serialiseRequest(pool.host, { method: 'GET', path: '/' })),
    ).rejects.toThrow(/timed out after 100 ms/);
    server.closeAllConnections();
  });
});
