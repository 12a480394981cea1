import type { RequestHandler } from './$types';
import { answer, companyCaller, integerParam, jsonResponse } from '$lib/server/api-route';
import { maxFeedPage } from '$lib/server/consents';
import { getServices } from '$lib/server/services';

/** The company's feed: grants, refusals and revocations after `after`, in order. */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const after = integerParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(url, 'limit', 100, 1, maxFeedPage);
    const { requests, consents } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse(await consents.feed(companyId, after, limit));
  });
