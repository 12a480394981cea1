import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { problem, problemResponse } from '$lib/server/problem';
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

/**
 * This address only completes a login the login page started (people-ceremony.ts posts here with
 * `fetch`). A person who opens it in the browser is sent to the login page, which is what they were
 * after, instead of a bare 405 in English; any other client gets the API's 405 in problem+json,
 * with the method it may use.
 */
export const GET: RequestHandler = ({ request }) => {
  const navigation =
    request.headers.get('sec-fetch-mode') === 'navigate' ||
    (request.headers.get('accept') ?? '').includes('text/html');
  // The answer depends on those two headers: a shared cache must not give one client's to another.
  const varying = { vary: 'Accept, Sec-Fetch-Mode', 'cache-control': 'no-store' };
  if (navigation)
    return new Response(null, { status: 303, headers: { location: '/login', ...varying } });
  return problemResponse(
    problem(
      405,
      'method-not-allowed',
      'Method Not Allowed',
      'Post the passkey login to this address.',
    ),
    { allow: 'POST', ...varying },
  );
};
