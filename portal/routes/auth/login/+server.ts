import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJsonBody } from '$lib/server/auth/body';
import { sessionCookieName, setSessionCookie } from '$lib/server/auth/session';
import { getServices } from '$lib/server/services';

/** Completes a passkey login: `{challengeId, response}` → a new session (the old one ends). */
export const POST: RequestHandler = ({ request, cookies }) =>
  answer(async () => {
    const body = await readJsonBody(request, 16 * 1024);
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const { people, context } = await getServices();
    const { person, session } = await people.completeLogin({
      challengeId: input.challengeId,
      response: input.response,
      previousSession: cookies.get(sessionCookieName),
    });
    setSessionCookie(cookies, session, context.origin, context.now());
    return jsonResponse({ person });
  });
