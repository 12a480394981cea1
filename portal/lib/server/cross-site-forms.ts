import { isApiPath } from './rate-limits';

/**
 * The content types a browser form can send cross-site without asking (its `enctype`s), and
 * SvelteKit's own binary form encoding: a POST, PUT, PATCH or DELETE with one of them must come
 * from the portal's own origin.
 */
const formContentTypes = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
  'application/x-sveltekit-formdata',
]);

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * SvelteKit's origin check (`csrf.checkOrigin`), here instead of in SvelteKit, so that it can leave
 * out the API. SvelteKit refused a form-encoded POST to the API before any hook ran, with a
 * plain-text 403, where docs/api.md promises `415 ERR_CONTENT_TYPE_UNSUPPORTED` as problem+json
 * (a `curl -d` sends a form). The API needs no such check: every POST under `/api/` reads only
 * `application/jose` or `application/json` (auth/body.ts; body-limits.test.ts walks the routes),
 * which no form can send, and none is authorised by a cookie. Everything else, the form actions
 * above all, is refused as SvelteKit did, with its words: cross-site, or with no `Origin` at all.
 *
 * Answers the 403 of a cross-site form submission outside the API, or undefined when it may pass.
 *
 * @example
 * ```ts
 * const refused = crossSiteFormRefusal(event.request, event.url); // first thing in the hook
 * if (refused !== undefined) return refused;
 * ```
 */
export function crossSiteFormRefusal(request: Request, url: URL): Response | undefined {
  if (!unsafeMethods.has(request.method)) return undefined;
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!formContentTypes.has(type)) return undefined;
  if (request.headers.get('origin') === url.origin) return undefined;
  if (isApiPath(url.pathname)) return undefined;
  const message = `Cross-site ${request.method} form submissions are forbidden`;
  return request.headers.get('accept') === 'application/json'
    ? Response.json({ message }, { status: 403 })
    : new Response(message, {
        status: 403,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
      });
}
