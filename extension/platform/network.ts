/**
 * The network for the Assistant's clearinghouse client: the platform's `fetch`, credentials
 * omitted (the clearinghouse authenticates signatures, never cookies).
 */
import type { ClientFetch } from '../../protocol/client';

/**
 * `fetch` in the shape `protocol/client` is handed.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, fetch: platformFetch, now: clock.now, randomBytes });
 * ```
 */
export const platformFetch: ClientFetch = async (url, init) => {
  const response = await fetch(url, { ...init, credentials: 'omit', redirect: 'error' });
  return { status: response.status, text: () => response.text() };
};
