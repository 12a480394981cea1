/**
 * A client that goes away before its request body is complete (it crashed, lost its network or
 * gave up) is not a server error: nothing was received that could be acted on, nothing is
 * stored, and nobody is left to answer. Such a request is counted and logged as a *client abort*
 * with nginx's status 499 ("client closed request"), never as a 500 (issue 12 "Load": a dying
 * load generator showed up as `Error: aborted` 500s in the log and the metrics).
 *
 * How it is recognised: Node's HTTP server destroys the request stream with `Error: aborted`
 * (`ECONNRESET`) when the socket closes mid-body, the body stream SvelteKit's Node adapter reads
 * then fails with that error, and the adapter aborts `request.signal` once the connection closed
 * before the body ended (@sveltejs/kit `getRequest`).
 */

/** nginx's "client closed request": never sent (the client is gone), only counted and logged. */
export const clientClosedRequest = 499;

/**
 * The request body broke off because the client disconnected. Thrown by the body readers
 * (auth/body.ts) instead of the stream's own error; `answer` (api-route.ts) turns it into a 499.
 */
export class ClientAbortedError extends Error {
  readonly code = 'ERR_CLIENT_ABORTED';

  constructor(options?: { cause?: unknown }) {
    super('The client closed the connection before its request body was complete.', options);
    this.name = 'ClientAbortedError';
  }
}

/**
 * Whether `error`, raised while reading `request`'s body, means the client went away: the
 * request's signal is aborted, or the error is Node's `aborted` / `ECONNRESET` of the request
 * stream.
 *
 * @example
 * ```ts
 * try { await reader.read(); } catch (error) { if (isClientAbort(error, request)) throw new ClientAbortedError({ cause: error }); throw error; }
 * ```
 */
export function isClientAbort(error: unknown, request: Request): boolean {
  if (request.signal.aborted) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' || message === 'aborted';
}

/** What a route returns for a client abort: status 499, no body (no one reads it). */
export function clientAbortedResponse(): Response {
  return new Response(null, { status: clientClosedRequest });
}
