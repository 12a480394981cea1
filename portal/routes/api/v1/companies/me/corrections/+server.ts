import type { RequestHandler } from './$types';
import { answer, companyCaller, integerParam, jsonResponse } from '$lib/server/api-route';
import { maxRelayPage } from '$lib/server/relay';
import { getServices } from '$lib/server/services';

/** The corrections waiting for the company, after the cursor `after`, in order. */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const after = integerParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(url, 'limit', maxRelayPage, 1, maxRelayPage);
    const { requests, relay } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse(await relay.corrections(companyId, after, limit));
  });
