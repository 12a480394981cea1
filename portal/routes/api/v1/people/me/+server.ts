import type { RequestHandler } from './$types';
import { answer, jsonResponse, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** The person whose enrolled key signed this request (a regulator, or staff acting for a company). */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, people } = await getServices();
    const caller = await signedCaller(requests, request, url);
    return jsonResponse(await people.signedBy(caller));
  });
