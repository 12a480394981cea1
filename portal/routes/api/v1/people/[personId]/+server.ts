import type { RequestHandler } from './$types';
import { answer, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/**
 * Removes a person: staff by their company (a company key or another staff member), a regulator by
 * another regulator. Their keys and passkeys are retired and their sessions end at once.
 */
export const DELETE: RequestHandler = ({ request, url, params }) =>
  answer(async () => {
    const { requests, people } = await getServices();
    const caller = await signedCaller(requests, request, url);
    await people.remove(caller, params.personId);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  });
