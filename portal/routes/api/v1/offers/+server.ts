import type { RequestHandler } from './$types';
import { answer } from '$lib/server/api-route';
import { readJoseBody, sealedBodyLimit } from '$lib/server/auth/body';
import { relayResponse } from '$lib/server/relay';
import { getServices } from '$lib/server/services';

/** An offer from an active company to a pseudonym's inbox (refused: 403 naming the rule). */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request, sealedBodyLimit);
    const { relay } = await getServices();
    return relayResponse(await relay.sendOffer(token));
  });
