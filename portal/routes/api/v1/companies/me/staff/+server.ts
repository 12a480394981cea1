import type { RequestHandler } from './$types';
import { answer, companyCaller, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** The company's enrolled staff (signed by a company key or a staff member's key). */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, people } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse({ staff: await people.staffOf(companyId) });
  });
