import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { answer, companyCaller, integerParam, jsonResponse } from '$lib/server/api-route';
import { maxDataRequestPage, parseListCursor } from '$lib/server/obligations';
import { getServices } from '$lib/server/services';

/** The company's data requests, open ones or all, oldest first (also while suspended). */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const state = url.searchParams.get('state') ?? 'open';
    if (state !== 'open' && state !== 'all') {
      throw new ProtocolError('ERR_QUERY_INVALID', 'state must be open or all.', {
        parameter: 'state',
      });
    }
    const after = url.searchParams.get('after');
    const cursor = after === null ? undefined : parseListCursor(after);
    const limit = integerParam(url, 'limit', 100, 1, maxDataRequestPage);
    const { requests, obligations } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse(await obligations.listDataRequests(companyId, state, cursor, limit));
  });
