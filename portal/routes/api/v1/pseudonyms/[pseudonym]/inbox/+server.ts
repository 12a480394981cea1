import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { answer, idParam, integerParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { assertInboxOwner, maxRelayPage } from '$lib/server/relay';
import { getServices } from '$lib/server/services';

/** The pseudonym's inbox: offers and rewards after the cursor `after`, in order. */
export const GET: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const pseudonym = idParam(params.pseudonym, 'pseudonym');
    const after = integerParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParam(url, 'limit', maxRelayPage, 1, maxRelayPage);
    const { requests, relay } = await getServices();
    const caller = await signedCaller(requests, request, url);
    assertInboxOwner(caller, pseudonym);
    return jsonResponse(await relay.inbox(pseudonym, after, limit));
  });

/** Acknowledges (deletes) every item up to and including the cursor `through`. */
export const DELETE: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const pseudonym = idParam(params.pseudonym, 'pseudonym');
    const through = integerParam(url, 'through', -1, 0, Number.MAX_SAFE_INTEGER);
    const { requests, relay } = await getServices();
    const caller = await signedCaller(requests, request, url);
    assertInboxOwner(caller, pseudonym);
    if (through < 0) throw missingThrough();
    return jsonResponse(await relay.acknowledgeThrough(pseudonym, through));
  });

function missingThrough(): Error {
  return new ProtocolError('ERR_QUERY_INVALID', 'through (the last cursor taken) is required.', {
    parameter: 'through',
  });
}
