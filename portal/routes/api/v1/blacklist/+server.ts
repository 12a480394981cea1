import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** The Assistant signals (or withdraws) that its customer blacklisted the company (not logged). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { oversight } = await getServices();
    const { created, ...body } = await oversight.blacklist(token);
    return jsonResponse(body, created ? 201 : 200);
  });
