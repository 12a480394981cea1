import type { RequestHandler } from './$types';
import { cachedOpenApiDocument } from '$lib/server/openapi';
import { logConfigFromEnv } from '$lib/server/log/clearinghouse-log';

/**
 * The OpenAPI 3.1 document of the API. Public and the same for everyone, so it may be cached a
 * little; it needs no database, only the configured public origin for `servers`.
 */
export const GET: RequestHandler = () =>
  new Response(JSON.stringify(cachedOpenApiDocument(logConfigFromEnv().origin)), {
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  });
