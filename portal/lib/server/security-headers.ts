import type { Handle } from '@sveltejs/kit';

/**
 * Headers every response carries (issue 12), besides the Content-Security-Policy SvelteKit sets on
 * pages from `svelte.config.js`: no MIME sniffing, no referrer to other sites (paths hold pseudonyms
 * and hashes; `same-origin`, not `no-referrer`, because under `no-referrer` browsers send
 * `Origin: null` on the portal's own form posts, which the CSRF check then refuses),
 * no framing of anything (the CSP's `frame-ancestors 'none'` for browsers that only know
 * `X-Frame-Options`), and HSTS when the clearinghouse is served over TLS. A header a route set
 * itself is kept.
 */
export const securityHeaders: Handle = async ({ event, resolve }) => {
  const response = await resolve(event);
  const set = (name: string, value: string) => {
    if (response.headers.has(name)) return;
    try {
      response.headers.set(name, value);
    } catch {
      // immutable headers (a fetched response passed through): nothing to add to
    }
  };
  set('x-content-type-options', 'nosniff');
  set('referrer-policy', 'same-origin');
  set('x-frame-options', 'DENY');
  set('cross-origin-opener-policy', 'same-origin');
  if (event.url.protocol === 'https:') {
    set('strict-transport-security', 'max-age=63072000; includeSubDomains');
  }
  return response;
};
