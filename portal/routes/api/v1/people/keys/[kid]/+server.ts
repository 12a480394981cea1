import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** A person key, public (retired ones too), so anyone can check what a regulator or staff signed. */
export const GET: RequestHandler = ({ params }) =>
  answer(async () => {
    const kid = idParam(params.kid, 'sha256');
    const { people } = await getServices();
    return jsonResponse(await people.key(kid));
  });
