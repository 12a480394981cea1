import type { RequestHandler } from './$types';
import { answer, receiptResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** A key added, retired or declared compromised (`company-key`, signed by another current key). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { companies } = await getServices();
    return receiptResponse(await companies.changeKey(token));
  });
