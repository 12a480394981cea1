import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJsonBody } from '$lib/server/auth/body';
import { setSessionCookie } from '$lib/server/auth/session';
import { getServices } from '$lib/server/services';

/**
 * Completes an enrolment: `{token, challengeId, response, signingKey, keyProof, name?}`. The new
 * person is logged in at once (a fresh session cookie).
 */
export const POST: RequestHandler = ({ request, cookies }) =>
  answer(async () => {
    const body = await readJsonBody(request, 32 * 1024);
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const { people, context } = await getServices();
    const { person, session } = await people.completeEnrolment({
      token: input.token,
      challengeId: input.challengeId,
      response: input.response,
      signingKey: input.signingKey,
      keyProof: input.keyProof,
      name: input.name,
    });
    setSessionCookie(cookies, session, context.origin, context.now());
    return jsonResponse({ person });
  });
