import type { RequestHandler } from './$types';
import { answer, receiptResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** An active company asks for consent: open (`aud` = the clearinghouse) or targeted (a pseudonym). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { consents } = await getServices();
    return receiptResponse(await consents.createGrantRequest(token));
  });
