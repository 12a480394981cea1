/**
 * The network for the Assistant's clearinghouse client: the platform's `fetch`, credentials
 * omitted, each exchange bounded in time (core/timed-fetch.ts).
 */
import type { ClientFetch } from '../../protocol/client';
import { timedFetch } from '../core/timed-fetch';

/**
 * `fetch` in the shape `protocol/client` is handed.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, fetch: platformFetch, now: clock.now, randomBytes });
 * ```
 */
export const platformFetch: ClientFetch = (url, init) => timedFetch(fetch)(url, init);
