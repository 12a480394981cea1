import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { relationshipsFor } from '$lib/server/relationships';
import { getServices } from '$lib/server/services';

/** The pseudonym's own relationships with its company (grants, refusals, revocations, requests). */
export const GET: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const pseudonym = idParam(params.pseudonym, 'pseudonym');
    const services = await getServices();
    const caller = await signedCaller(services.requests, request, url);
    return jsonResponse(await relationshipsFor(services, caller, pseudonym));
  });
