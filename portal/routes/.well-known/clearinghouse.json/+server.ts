import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';

/**
 * The clearinghouse describes itself (SPECS "Identifiers and addresses"): origin, API base,
 * protocol versions, the log origin and its verifier key in note form, the webhook key as a JWK.
 */
export const GET: RequestHandler = async () => {
  const { log } = await getInstance();
  return new Response(JSON.stringify(log.description), {
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
  });
};
