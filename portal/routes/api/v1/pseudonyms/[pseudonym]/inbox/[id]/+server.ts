import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { assertInboxOwner } from '$lib/server/relay';
import { getServices } from '$lib/server/services';

/** Acknowledges (deletes) one item of the inbox; `{deleted: 0}` when it was gone already. */
export const DELETE: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const pseudonym = idParam(params.pseudonym, 'pseudonym');
    const id = idParam(params.id, 'sha256');
    const { requests, relay } = await getServices();
    const caller = await signedCaller(requests, request, url);
    assertInboxOwner(caller, pseudonym);
    return jsonResponse(await relay.acknowledgeItem(pseudonym, id));
  });
