import { createServer, type Server } from 'node:http';
import { problem, problemResponse } from '../problem';
import type { ClearinghouseDescription } from './clearinghouse-log';
import {
  checkpointResponse,
  consistencyProofResponse,
  inclusionProofResponse,
  receiptResponse,
  tileResponse,
} from './http';
import type { LogService } from './log-service';

/**
 * The log's HTTP surface on a bare `node:http` server, with exactly the handlers the SvelteKit
 * routes call. For the verifier's tests and the benchmark (a server without a build step); the
 * portal itself serves the same functions through `portal/routes/log/**` and `api/v1/log/**`.
 *
 * @example
 * ```ts
 * const server = createLogHttpServer(log);
 * server.listen(0, '127.0.0.1');
 * ```
 */
export function createLogHttpServer(log: {
  service: LogService;
  description: ClearinghouseDescription;
}): Server {
  return createServer((request, response) => {
    const controller = new AbortController();
    request.on('close', () => controller.abort());
    void route(
      log,
      request.method ?? 'GET',
      new URL(request.url ?? '/', 'http://localhost'),
      controller.signal,
    )
      .then(async (answer) => {
        const headers: Record<string, string> = {};
        answer.headers.forEach((value, name) => (headers[name] = value));
        response.writeHead(answer.status, headers);
        response.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch(() => {
        response.writeHead(500).end();
      });
  });
}

async function route(
  log: { service: LogService; description: ClearinghouseDescription },
  method: string,
  url: URL,
  signal: AbortSignal,
): Promise<Response> {
  if (method !== 'GET') {
    return problemResponse(problem(405, 'method-not-allowed', 'Method not allowed'));
  }
  const path = url.pathname;
  if (path === '/log/checkpoint') return checkpointResponse(log.service);
  if (path.startsWith('/log/tile/')) return tileResponse(log.service, path.slice('/log/'.length));
  if (path === '/api/v1/log/proof/inclusion') return inclusionProofResponse(log.service, url);
  if (path === '/api/v1/log/proof/consistency') return consistencyProofResponse(log.service, url);
  const receipt = /^\/api\/v1\/log\/receipts\/([^/]*)$/.exec(path);
  if (receipt !== null)
    return receiptResponse(log.service, decodeURIComponent(receipt[1]!), url, signal);
  if (path === '/.well-known/clearinghouse.json') {
    return new Response(JSON.stringify(log.description), {
      headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
    });
  }
  return problemResponse(problem(404, 'not-found', 'Not found'));
}
