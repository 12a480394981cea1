import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** The public boycott figure of a company, per reason and brand. */
export const GET: RequestHandler = ({ params }) =>
  answer(async () => {
    const companyId = idParam(params.companyId, 'company');
    const { oversight } = await getServices();
    return jsonResponse(await oversight.boycott(companyId));
  });
