import type { RequestHandler } from './$types';
import { answer, idParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** A grant request: open ones for anyone with the link, targeted ones for their pseudonym or company. */
export const GET: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const sha256 = idParam(params.sha256, 'sha256');
    const { consents, requests } = await getServices();
    return jsonResponse(
      await consents.getGrantRequest(sha256, () => signedCaller(requests, request, url)),
    );
  });
