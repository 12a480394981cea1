import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** One registry entry with its keys and contact. */
export const GET: RequestHandler = ({ params }) =>
  answer(async () => {
    const id = idParam(params.companyId, 'company');
    const { companies } = await getServices();
    return jsonResponse(await companies.view(id));
  });
