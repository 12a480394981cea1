import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** Passkey login options (discoverable credentials): `{challengeId, options}`. */
export const POST: RequestHandler = () =>
  answer(async () => {
    const { people } = await getServices();
    return jsonResponse(await people.loginOptions());
  });
