import { STATUS_CODES } from 'node:http';
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { dev } from '$app/environment';
import { isLocale, negotiateLocale } from '$protocol/i18n';
import { guardStandardStreams } from '$lib/server/output-guard';
import {
  announceStopped,
  announceStopping,
  getInstance,
  startServing,
  stopInstance,
} from '$lib/server/instance';
import { problem, problemFromError, problemResponse } from '$lib/server/problem';
import { isApiPath, isHealthPath, isPasskeyPath, limitAddress } from '$lib/server/rate-limits';
import { startRelayPurge } from '$lib/server/relay';
import { startPeriodicPurge } from '$lib/server/periodic-purge';
import { jtiPurgeIntervalMs, purgeSeenJtis } from '$lib/server/db/seen-jtis';
import { isDatabaseUnreachable, reportUnreachableRequest } from '$lib/server/db/unreachable';
import { crossSiteFormRefusal } from '$lib/server/cross-site-forms';
import { nestHandles } from '$lib/server/nest-handles';
import { allocationSitePretenuring, noPretenuringFlag } from '$lib/server/node-flags';
import { installRequestSignalShortcut } from '$lib/server/request-signal';
import { getServices } from '$lib/server/services';
import { securityHeaders } from '$lib/server/security-headers';
import {
  createMetrics,
  logger,
  metricsHostFromEnv,
  metricsPortFromEnv,
  observeRequests,
  serveMetrics,
  type Metrics,
} from '$lib/server/observe';

/** This process's metrics, once the instance started (observe.ts; served on METRICS_PORT). */
let metrics: Metrics | undefined;

/**
 * Check the listening address, then open and migrate the database before the first request, so a
 * broken setup shows at start (with a sentence, before any key file is created); purge
 * expired inbox items and the jtis of expired messages now and hourly. On SIGTERM/SIGINT the Node
 * adapter stops accepting requests and, once the open ones are answered, emits
 * `sveltekit:shutdown`: then the purges and the instance stop (the writer commits what it holds,
 * the database closes), so the process ends by itself.
 * Requests are built with the caller's abort signal as theirs (request-signal.ts: Node's own
 * `Request` would keep every request alive until a full garbage collection).
 */
export const init: ServerInit = async () => {
  // A full disk or a closed pipe behind stdout or stderr must not end the server (output-guard.ts).
  guardStandardStreams();
  if (!installRequestSignalShortcut()) {
    logger.warn(
      { event: 'request-signal', node: process.version },
      "this Node's Request keeps its signal where request-signal.ts cannot reach it: every request stays alive until a full garbage collection",
    );
  }
  if (!dev && allocationSitePretenuring()) {
    logger.warn(
      { event: 'node-flags', missing: noPretenuringFlag },
      `node runs this server without ${noPretenuringFlag} (npm start gives it; docs/operations.md): under load V8 then allocates every request's objects in the old generation, and full collections come more often`,
    );
  }
  // The built server first checks that it can listen where HOST and PORT say (Vite's dev server
  // listens where Vite says).
  const instance = dev ? await getInstance() : await startServing();
  metrics = createMetrics({ cdb: instance.database, sequencer: instance.log.sequencer });
  await serveMetrics(metrics, metricsPortFromEnv(), metricsHostFromEnv());
  const services = await getServices();
  const purges = [
    startRelayPurge(services.relay),
    // The services' clock, as every expiry the API checks (a message's `exp` against its `now`).
    startPeriodicPurge(
      () => purgeSeenJtis(instance.database, Math.floor(services.context.now() / 1000)),
      {
        name: 'seen jtis purge',
        intervalMs: jtiPurgeIntervalMs,
        failure: 'seen jtis: forgetting the jtis of expired messages failed:',
      },
    ),
  ];
  // The log says when the stop begins and when it is done (instance.ts; the line that the server
  // listens comes from instrumentation.server.ts, which sees adapter-node's server). Under Vite's
  // dev server a listener of ours would keep SIGINT from ending it.
  if (!dev) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => announceStopping(signal));
    }
  }
  process.once('sveltekit:shutdown', (reason?: unknown) => {
    announceStopping(typeof reason === 'string' ? reason : 'shutdown');
    void Promise.all(purges.map((purge) => purge.stop()))
      .then(stopInstance)
      .catch((error: unknown) => console.error('shutdown:', error))
      .finally(() => announceStopped());
  });
};

const languageCookie = 'lang';

/**
 * Whether SvelteKit can decode `pathname` to route it: its `decode_pathname` runs `decodeURI` on
 * the parts between `%25`s. One that does not (`/%ZZ`, `/%C3`) matches no route: SvelteKit answers
 * it with a 400 error page of its own, and its client router throws on it again in the browser.
 */
function decodesAsPath(pathname: string): boolean {
  if (!pathname.includes('%')) return true;
  try {
    pathname.split('%25').forEach((part) => decodeURI(part));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a path that does not decode was meant for the API: its first segment, decoded on its own,
 * is `api` (rate-limits.ts `isApiPath` says no to every path that does not decode).
 */
function isMalformedApiPath(pathname: string): boolean {
  const [, first, ...rest] = pathname.split('/');
  if (first === undefined || rest.length === 0) return false;
  return decodesAsPath(first) && decodeURI(first) === 'api';
}

/** The API's answer to an address that does not decode (DESIGN section 3, promise 5). */
const malformedAddressProblem = () =>
  problem(
    400,
    'malformed-address',
    'The address is not valid',
    'It contains malformed percent-encoding: every "%" must be followed by two hexadecimal digits, and the escaped bytes must be UTF-8. Encode the path again (a literal "%" is "%25").',
  );

/**
 * SvelteKit's own start script (the only inline script that reads `document.currentScript`), taken
 * out of the error page for an address that does not decode: the client router decodes the
 * address again before it hydrates and throws `URIError: URI malformed`, while the page as the
 * server rendered it (the sentence, the link home, the language form) needs no script.
 */
const kitStartScript =
  /<script\b[^>]*>(?:(?!<\/script>)[\s\S])*document\.currentScript(?:(?!<\/script>)[\s\S])*<\/script>/;

/** `html` without SvelteKit's start script ({@link kitStartScript}), for an error page of ours. */
function withoutKitStart(html: string): string {
  return html.replace(kitStartScript, '');
}

/**
 * The requests of pages (not the API, which answers problem+json itself) that failed because the
 * database could not be reached (`isDatabaseUnreachable`): {@link handleError} marks them, and
 * {@link route} answers them 503 with `Retry-After` instead of SvelteKit's 500.
 */
const unreachablePages = new WeakSet<Request>();

/** How long a page asks to wait before it is loaded again while the database is away. */
const pageRetryAfterSeconds = 30;

/**
 * SvelteKit's 500 for a page whose database could not be reached, as what it is: 503 with
 * `Retry-After`, the error page's sentence (+error.svelte, `database-unavailable`) unchanged.
 * Before December 2026 such a page answered 500 "Internal error".
 */
function unavailablePage(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set('retry-after', String(pageRetryAfterSeconds));
  return new Response(response.body, {
    status: 503,
    statusText: 'Service Unavailable',
    headers,
  });
}

const route: Handle = async ({ event, resolve }) => {
  // An address that does not decode is refused first: it names no route (and no limiter bucket).
  const decodes = decodesAsPath(event.url.pathname);
  if (!decodes && isMalformedApiPath(event.url.pathname)) {
    return problemResponse(malformedAddressProblem());
  }
  // SvelteKit's origin check of form posts, for all but the API (cross-site-forms.ts).
  const crossSite = crossSiteFormRefusal(event.request, event.url);
  if (crossSite !== undefined) return crossSite;
  // Only the API and the passkey endpoints (which write a challenge or a session for anyone) are
  // limited (docs/api.md "Limits"): the log's tiles and /.well-known are static reads a CDN may
  // serve. Charged before any route reads a body.
  const api = isApiPath(event.url.pathname);
  if (api || isPasskeyPath(event.url.pathname)) {
    let refused: Response | undefined;
    try {
      refused = await limitAddress((await getServices()).rateLimits, event);
    } catch (error) {
      refused = problemResponse(problemFromError(error)); // no services: fail closed
    }
    // A health check whose count could not be written still runs: the route says what is wrong
    // (docs/architecture.md "Health": 503 with the database's state) instead of the limiter.
    const healthAnyway = refused?.status === 503 && isHealthPath(event.url.pathname);
    if (refused !== undefined && !healthAnyway) return refused;
  }
  const chosen = event.cookies.get(languageCookie);
  event.locals.locale = isLocale(chosen)
    ? chosen
    : negotiateLocale(event.request.headers.get('accept-language'));
  // A page address that does not decode gets SvelteKit's 400 error page (handleError names it
  // `malformed-address`, +error.svelte says so), without the script that would throw on it.
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => {
      const page = html.replace('%lang%', event.locals.locale);
      return decodes ? page : withoutKitStart(page);
    },
  });
  if (response.status === 500 && unreachablePages.has(event.request)) {
    return unavailablePage(response);
  }
  // The API speaks problem+json even for routes SvelteKit itself refuses (e.g. 405).
  // The methods a 405 names in `Allow` stay (RFC 9110 requires them); the title is the status's
  // reason phrase, as SvelteKit's own answer has none.
  if (api && response.status >= 400 && !response.headers.get('content-type')?.includes('json')) {
    const allow = response.headers.get('allow');
    return problemResponse(
      problem(
        response.status,
        response.status === 405 ? 'method-not-allowed' : 'http-' + response.status,
        response.statusText || STATUS_CODES[response.status] || 'Error',
      ),
      allow === null ? {} : { allow },
    );
  }
  return response;
};

/**
 * Every request gets an id, one log line and its metrics (observe.ts), the security headers, then
 * its route; nested without SvelteKit's `sequence`, which costs an async wrapper, a copy of the event
 * and an AsyncLocalStorage context per handle (nest-handles.ts; docs/performance.md, session 14).
 */
export const handle: Handle = nestHandles(
  observeRequests(() => metrics),
  securityHeaders,
  route,
);

/**
 * The codes of the 4xx answers SvelteKit itself gives (a page without form actions posted to, an
 * action posted to without a form body): the request as sent cannot succeed, and saying "internal"
 * would blame the server. +error.svelte has a sentence for each.
 */
const clientErrors: Readonly<Record<number, App.Error>> = {
  400: { message: 'Bad request', code: 'bad-request' },
  404: { message: 'Not found', code: 'not-found' },
  405: { message: 'Method not allowed', code: 'method-not-allowed' },
  415: { message: 'Unsupported media type', code: 'unsupported-media-type' },
};

/**
 * The error SvelteKit shows for `status` (its page's `page.error`, an action's JSON): a code for
 * what was wrong with the request for a 4xx, nothing but "internal" for a 5xx.
 */
function errorFor(status: number, pathname: string): App.Error {
  if (status >= 500 || status < 400) return { message: 'Internal error', code: 'internal' };
  if (status === 400 && !decodesAsPath(pathname)) {
    return { message: 'The address is not valid', code: 'malformed-address' };
  }
  return clientErrors[status] ?? { message: 'Client error', code: 'client-error' };
}

/** Never leak a stack trace: log it here, show a human sentence. */
export const handleError: HandleServerError = ({ error, status, event }) => {
  // The route pattern, not the path: paths carry pseudonyms (observe.ts "No personal data").
  // A client that disconnected mid-body (a form post) is no server error: client-abort.ts.
  if (status >= 500 && event.request.signal.aborted) {
    logger.warn({ route: event.route.id }, 'client aborted');
  } else if (status >= 500 && isDatabaseUnreachable(error) && !isApiPath(event.url.pathname)) {
    // The database is away, not the code wrong: 503 (route, above), logged as the API's are, one
    // line a minute rather than a stack a request (db/unreachable.ts).
    unreachablePages.add(event.request);
    reportUnreachableRequest('pages', error);
    return { message: 'Service unavailable', code: 'database-unavailable' };
  } else if (status >= 500) logger.error({ err: error, route: event.route.id }, 'unhandled error');
  return errorFor(status, event.url.pathname);
};
