import type { RequestHandler } from './$types';
import { answer, receiptResponse } from '$lib/server/api-route';
import { readJoseBody, sealedBodyLimit } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** A company discloses what it holds about a pseudonym (also while suspended: a duty). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request, sealedBodyLimit);
    const { obligations } = await getServices();
    return receiptResponse(await obligations.submitDisclosure(token));
  });
