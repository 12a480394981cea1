/**
 * The local cluster's load balancer (issue 13): a small round-robin HTTP reverse proxy on
 * loopback, in front of several portal nodes. Plain Node ESM without dependencies, so
 * scripts/cluster-lib.mjs, the cluster tests and bench:cluster can all use it.
 *
 * - Forwards method, path and query, headers (minus hop-by-hop ones) and the body, streamed; the
 *   answer comes back streamed as well (receipt long-polls and tiles alike).
 * - Round robin over the upstreams. A node whose connection is **refused** (it is down or
 *   restarting) is skipped and the next one is tried, which is safe because nothing was sent to
 *   it yet: the body is only piped once the connection is open. Any later failure (the node dies
 *   while it holds the request) is not retried, since the node may have acted on it; the client
 *   gets `502` (or a cut connection once the answer had started), as from any reverse proxy, and
 *   resends if it wants to (a resent signed message is a duplicate, answered 200, not a replay).
 * - When no node accepts the connection: `503`. Both answers are `application/problem+json` and
 *   carry the header `x-clearinghouse-proxy: unavailable`, so a client can tell them from the
 *   portal's own answers.
 * - `forwardedFor: true` appends the client's address to `X-Forwarded-For`. Turn it on only when
 *   the nodes trust that header (`TRUSTED_PROXY_HEADER=x-forwarded-for`, portal
 *   rate-limits.ts: the right-most entry, the one this proxy appends, is the client); otherwise
 *   the header is passed through untouched and every client counts as the proxy's address.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';

/** Headers that describe one connection, not the message (RFC 9110 section 7.6.1). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The marker of answers the proxy itself gives (no node could answer). */
export const proxyErrorHeader = 'x-clearinghouse-proxy';

/**
 * @typedef {{ host?: string, port: number }} Upstream
 * @typedef {{ forwarded: number, retried: number, failed: number }} ProxyStats
 * @typedef {{
 *   url: string,
 *   port: number,
 *   stats: ProxyStats,
 *   close(): Promise<void>,
 * }} Proxy
 */

/**
 * Starts the proxy on `host:port` (port 0: a free one).
 *
 * @param {{
 *   upstreams: Upstream[] | (() => Upstream[]),
 *   port?: number,
 *   host?: string,
 *   forwardedFor?: boolean,
 * }} options `upstreams` may be a function, read on every request (nodes added later).
 * @returns {Promise<Proxy>}
 * @example
 * ```js
 * const proxy = await startProxy({ upstreams: [{ port: 4001 }, { port: 4002 }], forwardedFor: true });
 * await fetch(proxy.url + '/api/v1/health');
 * await proxy.close();
 * ```
 */
export async function startProxy(options) {
  const upstreamsOf =
    typeof options.upstreams === 'function' ? options.upstreams : () => options.upstreams;
  const forwardedFor = options.forwardedFor ?? false;
  // An idle connection to a node is dropped after 30 s, well before the node's own keep-alive
  // timeout (65 s, cluster-lib.mjs), so the proxy never reuses one the node is closing.
  const agent = new Agent({
    keepAlive: true,
    timeout: 30_000,
    maxSockets: Infinity,
    maxFreeSockets: 256,
  });
  /** @type {ProxyStats} */
  const stats = { forwarded: 0, retried: 0, failed: 0 };
  let next = 0;

  const server = createServer((req, res) => {
    const list = upstreamsOf();
    const first = next++;
    if (next >= 1_000_000_000) next = 0;

    /** @type {Record<string, string | string[]>} */
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
    }
    // A header the client named in `Connection` is hop-by-hop as well.
    for (const name of String(req.headers.connection ?? '').split(',')) {
      delete headers[name.trim().toLowerCase()];
    }
    if (forwardedFor) {
      const peer = req.socket.remoteAddress ?? '';
      const earlier = req.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = earlier ? `${earlier}, ${peer}` : peer;
    }

    /** Answers the client once no node could; cuts the connection if the answer had begun. */
    const fail = (/** @type {number} */ status, /** @type {string} */ detail) => {
      stats.failed++;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const code = status === 503 ? 'no-node-available' : 'bad-gateway';
      res.writeHead(status, {
        'content-type': 'application/problem+json',
        [proxyErrorHeader]: 'unavailable',
        'cache-control': 'no-store',
      });
      res.end(
        JSON.stringify({
          type: `https://clearinghouse.invalid/problems/${code}`,
          title: status === 503 ? 'No clearinghouse node is available' : 'The node failed',
          status,
          code,
          detail,
        }),
      );
    };

    const attempt = (/** @type {number} */ tried) => {
      if (tried >= list.length) {
        fail(503, 'No node accepted the connection; try again shortly.');
        return;
      }
      const target = list[(first + tried) % list.length];
      let sent = false;
      const upstream = httpRequest({
        host: target.host ?? '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      });
      const send = () => {
        sent = true;
        req.pipe(upstream);
      };
      upstream.on('socket', (socket) => {
        if (socket.connecting) socket.once('connect', send);
        else send();
      });
      upstream.on('response', (answer) => {
        stats.forwarded++;
        const raw = [];
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          const name = answer.rawHeaders[i];
          if (!hopByHop.has(name.toLowerCase())) raw.push(name, answer.rawHeaders[i + 1]);
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, raw);
        answer.pipe(res);
        answer.on('aborted', () => res.destroy());
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', (error) => {
        const code = /** @type {NodeJS.ErrnoException} */ (error).code;
        if (!sent && code === 'ECONNREFUSED') {
          stats.retried++;
          attempt(tried + 1);
          return;
        }
        fail(502, `The node failed while handling the request (${code ?? error.message}).`);
      });
      // The client went away: do not keep the node busy for nobody.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
    };

    if (list.length === 0) fail(503, 'The cluster has no nodes.');
    else attempt(0);
  });
  // Keep-alive from clients (load generators) and to the nodes.
  server.keepAliveTimeout = 65_000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
        agent.destroy();
      });
    },
  };
}
