import type { RequestHandler } from './$types';
import { answer, receiptResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** A regulator suspends or reinstates a company, effective at once. */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { oversight } = await getServices();
    return receiptResponse(await oversight.suspend(token));
  });
