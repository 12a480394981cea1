/**
 * The body limit over a real socket, with the request made by SvelteKit's Node glue as the Node
 * adapter makes it (`getRequest` with its default 512 KB limit, `setResponse`): a body streamed
 * without a length that grows past the route's limit must get its 413 answer, not a reset
 * connection (which a client reads as a network error and retries).
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequest, setResponse } from '@sveltejs/kit/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { oversizedDrainBytes, readJoseBody } from './body';

const limit = 1024;
let server: Server;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const request = await getRequest({
        request: req,
        base: `http://localhost:${port}`,
        bodySizeLimit: 512 * 1024,
      });
      let response: Response;
      try {
        const token = await readJoseBody(request, limit);
        response = Response.json({ length: token.length });
      } catch (error) {
        const code = error instanceof ProtocolError ? error.code : String(error);
        response = Response.json(
          { code },
          { status: code === 'ERR_MESSAGE_TOO_LARGE' ? 413 : 500 },
        );
      }
      await setResponse(res, response);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** POSTs `size` bytes of JWS-like text in chunks of 4 KiB, each after the last was flushed. */
function postChunked(size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: { 'content-type': 'application/jose' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = 'a'.repeat(4096);
    let sent = 0;
    const next = () => {
      if (sent >= size) {
        req.end();
        return;
      }
      const piece = chunk.slice(0, Math.min(chunk.length, size - sent));
      sent += piece.length;
      // Waiting for each write to flush lets the server read past the limit before the rest.
      req.write(piece, () => setTimeout(next, 1));
    };
    next();
  });
}

describe('a body streamed past its limit over a real socket', () => {
  it('is answered 413 with its problem, and the connection serves the next request', async () => {
    const over = await postChunked(70 * 1024);
    expect(over).toEqual({ status: 413, body: JSON.stringify({ code: 'ERR_MESSAGE_TOO_LARGE' }) });
    const next = await postChunked(100);
    expect(next).toEqual({ status: 200, body: JSON.stringify({ length: 100 }) });
  });

  it('still takes a body within the limit after an oversized one', async () => {
    await postChunked(limit + 1);
    expect(await postChunked(limit)).toEqual({
      status: 200,
      body: JSON.stringify({ length: limit }),
    });
  });

  it('does not drain without end: a body far past the drain budget is cut off', async () => {
    // Past the adapter's own 512 KB the stream errors and the Node glue drops the rest itself;
    // either way the server answers or closes, and the next request is served.
    const outcome = await postChunked(oversizedDrainBytes + 600 * 1024).then(
      (answer) => answer.status,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(outcome);
    expect((await postChunked(10)).status).toBe(200);
  });
});
