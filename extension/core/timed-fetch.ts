/**
 * The Assistant's requests to the clearinghouse end after a bounded wait: a clearinghouse that
 * accepts the connection and then never answers (or stops mid-answer) would otherwise hold a
 * sync, a blacklist action or a wallet action open for as long as the browser keeps the worker.
 * The timeout covers the whole answer, body included; it rejects like a network failure, which
 * every caller already treats as "the clearinghouse did not answer" (nothing is lost: what was
 * to be sent stays in the vault and goes with the next sync).
 */
import type { ClientFetch } from '../../protocol/client';

/**
 * How long one request may take from sending to the last byte of its answer: 60 s, enough for a
 * sealed payload's 256 KiB on a slow uplink (about 35 kbit/s).
 */
export const clearinghouseTimeoutMs = 60_000;

/**
 * `fetch` in the shape `protocol/client` is handed: credentials omitted (the clearinghouse
 * authenticates signatures, never cookies), redirects refused, the whole exchange bounded.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl, fetch: timedFetch(fetch), now, randomBytes });
 * ```
 */
export function timedFetch(
  fetchImpl: typeof fetch,
  timeoutMs: number = clearinghouseTimeoutMs,
): ClientFetch {
  return async (url, init) => {
    const response = await fetchImpl(url, {
      ...init,
      credentials: 'omit',
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The headers too: a busy clearinghouse says in `Retry-After` when to ask again.
    return { status: response.status, headers: response.headers, text: () => response.text() };
  };
}
