import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** One complaint with its decision: for the regulator, the complainant, or the accused company. */
export const GET: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const sha256 = idParam(params.sha256, 'sha256');
    const { requests, oversight } = await getServices();
    const caller = await signedCaller(requests, request, url);
    return jsonResponse(await oversight.getComplaint(sha256, caller));
  });
