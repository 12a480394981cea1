import type { RequestHandler } from './$types';
import { answer, companyCaller, idParam, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** Acknowledges (deletes) one correction; `{deleted: 0}` when it was gone already. */
export const DELETE: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const id = idParam(params.id, 'sha256');
    const { requests, relay } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse(await relay.acknowledgeCorrection(companyId, id));
  });
