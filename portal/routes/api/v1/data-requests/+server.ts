import type { RequestHandler } from './$types';
import { answer, receiptResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** The Assistant asks its company for access to or erasure of what it holds. */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { obligations } = await getServices();
    return receiptResponse(await obligations.submitDataRequest(token));
  });
