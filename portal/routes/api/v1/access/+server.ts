import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** The company reports its uses of data under grants, batched (stored and counted, not logged). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { obligations } = await getServices();
    const { created, ...body } = await obligations.reportAccess(token);
    return jsonResponse(body, created ? 201 : 200);
  });
