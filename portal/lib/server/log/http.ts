/**
 * The log's HTTP surface, as plain functions from a request's parts to a `Response`, so the
 * SvelteKit routes stay one line each and tests call these directly (STYLE habit 7).
 *
 * C2SP tlog-tiles: `GET <prefix>/checkpoint` (text/plain, never cached stale),
 * `<prefix>/tile/<L>/<N>[.p/<W>]` and `<prefix>/tile/entries/<N>[.p/<W>]`
 * (application/octet-stream; full tiles immutable). Everything refused is problem+json.
 */
import { isDatabaseUnreachable, reportUnreachableRequest } from '../db/unreachable';
import { isCanonicalBase64url } from '../../../../protocol/encoding';
import { isProtocolError } from '../../../../protocol/errors';
import { TILE_WIDTH, parseTilePath } from '../../../../protocol/tlog';
import { problem, problemFromError, problemResponse } from '../problem';
import { LogRequestError, maxReceiptWaitMs, type LogService } from './log-service';

/** Full tiles and bundles never change (C2SP tlog-tiles): let every cache keep them. */
export const immutableCache = 'public, max-age=31536000, immutable';
/** The checkpoint and partial tiles: always revalidate. */
export const revalidateCache = 'no-cache';

/** The longest tile path we parse (C2SP bounds N below 2^64: 7 groups, ".p/255"): generous. */
const maxTilePathLength = 128;
/** Largest decimal we accept in a query: sizes stay far below 2^53. */
const decimal = /^(0|[1-9][0-9]{0,15})$/;

/**
 * `GET /log/checkpoint`.
 *
 * @example
 * ```ts
 * export const GET: RequestHandler = async () => checkpointResponse((await getInstance()).log.service);
 * ```
 */
export async function checkpointResponse(service: LogService): Promise<Response> {
  return guarded('/log/checkpoint', async () => {
    const checkpoint = await service.checkpoint();
    return new Response(checkpoint, {
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': revalidateCache },
    });
  });
}

/**
 * `GET /log/tile/...`: `path` is everything after `/log/` (e.g. `tile/0/x001/067.p/12`).
 * A malformed path is 400 (`ERR_TLOG_PATH_INVALID`), a tile the log does not have at its
 * current size 404.
 *
 * @example
 * ```ts
 * export const GET: RequestHandler = async ({ params }) =>
 *   tileResponse((await getInstance()).log.service, `tile/${params.path}`);
 * ```
 */
export async function tileResponse(service: LogService, path: string): Promise<Response> {
  const instance = `/log/${path.slice(0, maxTilePathLength)}`;
  return guarded(instance, async () => {
    if (path.length > maxTilePathLength) {
      return problemResponse({
        ...problem(
          400,
          'ERR_TLOG_PATH_INVALID',
          'Malformed tile path',
          'The tile path is too long.',
        ),
        instance,
      });
    }
    const tile = parseTilePath(path);
    const data =
      tile.kind === 'hash'
        ? await service.hashTile(tile.level, tile.index, tile.width)
        : await service.entryBundle(tile.index, tile.width);
    return new Response(data as Uint8Array<ArrayBuffer>, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(data.length),
        'cache-control': tile.width === TILE_WIDTH ? immutableCache : revalidateCache,
      },
    });
  });
}

/**
 * `GET /api/v1/log/proof/inclusion?index=&size=`: `{index, size, proof: [base64…]}`.
 *
 * @example
 * ```ts
 * export const GET: RequestHandler = async ({ url }) => inclusionProofResponse(service, url);
 * ```
 */
export async function inclusionProofResponse(service: LogService, url: URL): Promise<Response> {
  return guarded(url.pathname, async () => {
    const index = queryInteger(url, 'index');
    const size = queryInteger(url, 'size');
    return json(await service.inclusionProof(index, size));
  });
}

/**
 * `GET /api/v1/log/proof/consistency?from=&to=`: `{from, to, proof: [base64…]}`.
 *
 * @example
 * ```ts
 * export const GET: RequestHandler = async ({ url }) => consistencyProofResponse(service, url);
 * ```
 */
export async function consistencyProofResponse(service: LogService, url: URL): Promise<Response> {
  return guarded(url.pathname, async () => {
    const from = queryInteger(url, 'from');
    const to = queryInteger(url, 'to');
    return json(await service.consistencyProof(from, to));
  });
}

/**
 * `GET /api/v1/log/receipts/<sha256>[?wait=<seconds>]`: the receipt (200) once sequenced. While
 * pending it long-polls up to `wait` seconds (default and cap 10), then answers 202 with a
 * `log-entry-pending` problem and `Retry-After: 1`; an unknown hash is 404 `log-entry-unknown`.
 *
 * @example
 * ```ts
 * export const GET: RequestHandler = async ({ params, url, request }) =>
 *   receiptResponse(service, params.sha256, url, request.signal);
 * ```
 */
export async function receiptResponse(
  service: LogService,
  sha256: string,
  url: URL,
  signal?: AbortSignal,
): Promise<Response> {
  return guarded(url.pathname, async () => {
    if (sha256.length !== 43 || !isCanonicalBase64url(sha256)) {
      throw new LogRequestError(
        'log-query-invalid',
        'The sha256 must be 43 characters of canonical base64url (SHA-256 of the compact JWS).',
      );
    }
    const waitSeconds = url.searchParams.has('wait')
      ? queryInteger(url, 'wait')
      : maxReceiptWaitMs / 1000;
    const waitMs = Math.min(waitSeconds * 1000, maxReceiptWaitMs);
    return json(await service.receipt(sha256, waitMs, signal));
  });
}

/** One parameter, once, as a canonical decimal integer; anything else is `log-query-invalid`. */
function queryInteger(url: URL, name: string): number {
  const values = url.searchParams.getAll(name);
  if (values.length !== 1 || !decimal.test(values[0]!)) {
    throw new LogRequestError(
      'log-query-invalid',
      `The query parameter "${name}" must appear once, as a decimal integer without leading zeros.`,
    );
  }
  const value = Number(values[0]);
  if (!Number.isSafeInteger(value)) {
    throw new LogRequestError('log-query-invalid', `The query parameter "${name}" is too large.`);
  }
  return value;
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/**
 * Maps every failure to problem+json in one place: LogRequestError with its own status,
 * ProtocolError through `problemFromError` (400), anything else 500 without detail (logged).
 */
async function guarded(instance: string, handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    return logErrorResponse(error, instance);
  }
}

/**
 * The problem+json answer for a failure of a log request.
 *
 * @example
 * ```ts
 * logErrorResponse(new LogRequestError('log-entry-unknown', '…'), '/api/v1/log/receipts/x').status; // 404
 * ```
 */
export function logErrorResponse(error: unknown, instance: string): Response {
  if (error instanceof LogRequestError) {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (error.code === 'log-entry-pending') headers['retry-after'] = '1';
    return problemResponse(
      { ...problem(error.status, error.code, titles[error.code], error.message), instance },
      headers,
    );
  }
  if (isDatabaseUnreachable(error)) reportUnreachableRequest('log', error);
  else if (!isProtocolError(error)) console.error(`[log ${instance}]`, error);
  return problemResponse({ ...problemFromError(error), instance }, { 'cache-control': 'no-store' });
}

const titles: Record<LogRequestError['code'], string> = {
  'log-query-invalid': 'Invalid log request',
  'log-size-beyond-tree': 'Beyond the current tree size',
  'log-tile-not-found': 'No such tile',
  'log-entry-pending': 'Not yet sequenced',
  'log-entry-unknown': 'Unknown message',
  'log-entry-not-logged': 'Message kind not logged',
  'log-entry-rejected': 'Message could not be logged',
};
