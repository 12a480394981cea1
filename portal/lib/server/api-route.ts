/**
 * The shape every API route shares: run the handler, turn any error into problem+json (one
 * place, `problem.ts`), and answer receipts as SPECS "Receipts" says.
 */
import { ProtocolError } from '$protocol/errors';
import type { Caller, RequestVerifier } from './auth/signatures';
import { ClientAbortedError, clientAbortedResponse } from './client-abort';
import { isDatabaseUnreachable, reportUnreachableRequest } from './db/unreachable';
import type { StoredReceipt } from './message-store';
import { problemFromError, problemResponse } from './problem';
import { retryAfterHeaders } from './rate-limits';

/**
 * Runs `handler`; a thrown error becomes its problem+json answer. Unexpected errors are logged
 * here and answered with a 500 that reveals nothing; a database that cannot be reached, wherever
 * the handler read it, gets the writer's 503 `ERR_STORAGE_UNAVAILABLE` (problem.ts) and a line at
 * most once a minute instead of a stack per request; a client that disconnected mid-body gets
 * the 499 of client-abort.ts (counted, logged as `client aborted`, never sent).
 *
 * @example
 * ```ts
 * export const POST: RequestHandler = ({ request }) => answer(async () => json(await work(request)));
 * ```
 */
export async function answer(handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    // Nobody is left to answer, and it is not the server's fault (client-abort.ts).
    if (error instanceof ClientAbortedError) return clientAbortedResponse();
    const body = problemFromError(error);
    if (body.status >= 500 && !(error instanceof ProtocolError)) {
      if (isDatabaseUnreachable(error)) reportUnreachableRequest('api', error);
      else console.error(error);
    }
    return problemResponse(body, retryAfterHeaders(error));
  }
}

/** JSON with no caching: API answers depend on the caller and on time. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/**
 * `201` with `{sha256, status: "pending", ...extra}` for a newly stored message, `200` for a
 * resend of one stored before.
 *
 * @example
 * ```ts
 * return receiptResponse(await consents.submitGrant(token));
 * ```
 */
export function receiptResponse<R extends StoredReceipt>(receipt: R): Response {
  const { created, ...body } = receipt;
  return jsonResponse(body, created ? 201 : 200);
}

/**
 * A bounded decimal query parameter, or `fallback` when absent.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID`.
 * @example
 * ```ts
 * const limit = integerParam(url, 'limit', 100, 1, 500);
 * ```
 */
export function integerParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ProtocolError(
      'ERR_QUERY_INVALID',
      `${name} must be an integer from ${min} to ${max}.`,
      {
        parameter: name,
      },
    );
  }
  return Number(raw);
}

const idPatterns = {
  company: /^co_[A-Za-z0-9_-]{43}$/,
  pseudonym: /^ps_[A-Za-z0-9_-]{43}$/,
  sha256: /^[A-Za-z0-9_-]{43}$/,
} as const;

/**
 * A path parameter of a known form.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID`.
 * @example
 * ```ts
 * const pseudonym = idParam(params.pseudonym, 'pseudonym');
 * ```
 */
export function idParam(value: string | undefined, kind: keyof typeof idPatterns): string {
  if (value === undefined || !idPatterns[kind].test(value)) {
    throw new ProtocolError('ERR_QUERY_INVALID', `This is not a ${kind} id.`, { parameter: kind });
  }
  return value;
}

/** The path with query, as a request signature names it. */
export function signedPath(url: URL): string {
  return url.pathname + url.search;
}

/**
 * Verifies the request signature of a GET/DELETE (`Authorization: Signature <JWS>` naming this
 * method and path with query) and returns who signed it.
 *
 * @throws ProtocolError the codes of `RequestVerifier.verify`.
 * @example
 * ```ts
 * const caller = await signedCaller(services.requests, request, url);
 * ```
 */
export function signedCaller(
  requests: RequestVerifier,
  request: Request,
  url: URL,
): Promise<Caller> {
  return requests.verify(request.headers.get('authorization'), request.method, signedPath(url));
}

/**
 * Verifies the request signature of a GET/DELETE made by a company and returns its id.
 *
 * @throws ProtocolError the codes of `RequestVerifier.verify`, and `ERR_NOT_AUTHORISED` when the
 *   signer is not a company.
 * @example
 * ```ts
 * const companyId = await companyCaller(services.requests, request, url);
 * ```
 */
export async function companyCaller(
  requests: RequestVerifier,
  request: Request,
  url: URL,
): Promise<string> {
  const caller = await signedCaller(requests, request, url);
  if (caller.type !== 'company') {
    throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a company may call this.');
  }
  return caller.id;
}
