import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { isLocale, negotiateLocale } from '$protocol/i18n';
import { getInstance } from '$lib/server/instance';
import { problem, problemFromError, problemResponse } from '$lib/server/problem';
import { limitAddress } from '$lib/server/rate-limits';
import { getServices } from '$lib/server/services';

/** Open and migrate the database before the first request, so a broken setup shows at start. */
export const init: ServerInit = async () => {
  await getInstance();
};

const languageCookie = 'lang';

export const handle: Handle = async ({ event, resolve }) => {
  // Only the API is limited (docs/api.md "Limits"): the log's tiles and /.well-known are static
  // reads a CDN may serve. Charged before any route reads a body.
  if (event.url.pathname.startsWith('/api/')) {
    let refused: Response | undefined;
    try {
      refused = await limitAddress((await getServices()).rateLimits, event);
    } catch (error) {
      refused = problemResponse(problemFromError(error)); // no services: fail closed
    }
    if (refused !== undefined) return refused;
  }
  const chosen = event.cookies.get(languageCookie);
  event.locals.locale = isLocale(chosen)
    ? chosen
    : negotiateLocale(event.request.headers.get('accept-language'));
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.locale),
  });
  // The API speaks problem+json even for routes SvelteKit itself refuses (e.g. 405).
  if (
    event.url.pathname.startsWith('/api/') &&
    response.status >= 400 &&
    !response.headers.get('content-type')?.includes('json')
  ) {
    return problemResponse(
      problem(
        response.status,
        response.status === 405 ? 'method-not-allowed' : 'http-' + response.status,
        response.statusText || 'Error',
      ),
    );
  }
  return response;
};

/** Never leak a stack trace: log it here, show a human sentence. */
export const handleError: HandleServerError = ({ error, status, event }) => {
  if (status >= 500) console.error(`[${event.request.method} ${event.url.pathname}]`, error);
  return {
    message: status === 404 ? 'Not found' : 'Internal error',
    code: status === 404 ? 'not-found' : 'internal',
  };
};
