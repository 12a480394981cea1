/**
 * The session cookie of people logged in with a passkey (docs/api.md "People"). The cookie holds a
 * random token; the database holds its SHA-256 with the idle and absolute timeouts (people.ts).
 *
 * HttpOnly (page scripts never see it), SameSite=Lax (other sites' POSTs do not carry it), Secure
 * whenever the public origin is https; scoped to the whole site, lasting no longer than the
 * session's absolute end.
 */
import type { Cookies } from '@sveltejs/kit';
import type { NewSession, PersonView } from '../people';
import { getServices } from '../services';

/** The cookie's name. */
export const sessionCookieName = 'session';

function secureFor(origin: string): boolean {
  return origin.startsWith('https:');
}

/**
 * Sets the cookie of a session that has just started (login or enrolment).
 *
 * @example
 * ```ts
 * setSessionCookie(cookies, session, services.context.origin, Date.now());
 * ```
 */
export function setSessionCookie(
  cookies: Cookies,
  session: NewSession,
  origin: string,
  now: number,
): void {
  cookies.set(sessionCookieName, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureFor(origin),
    maxAge: Math.max(0, Math.floor((session.expiresAt - now) / 1000)),
  });
}

/**
 * Removes the cookie (logout, or a session the database no longer knows).
 *
 * @example
 * ```ts
 * clearSessionCookie(cookies, services.context.origin);
 * ```
 */
export function clearSessionCookie(cookies: Cookies, origin: string): void {
  cookies.delete(sessionCookieName, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureFor(origin),
  });
}

/**
 * The person logged in with this request's cookie, or `undefined`. A cookie whose session ended
 * is removed.
 *
 * @example
 * ```ts
 * const person = await currentPerson(cookies);
 * if (person === undefined) redirect(303, '/login?next=/account');
 * ```
 */
export async function currentPerson(cookies: Cookies): Promise<PersonView | undefined> {
  const token = cookies.get(sessionCookieName);
  if (token === undefined) return undefined;
  const services = await getServices();
  const person = await services.people.sessionPerson(token);
  if (person === undefined) clearSessionCookie(cookies, services.context.origin);
  return person;
}
