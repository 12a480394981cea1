import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { clearSessionCookie, currentPerson, sessionCookieName } from '$lib/server/auth/session';
import { getServices } from '$lib/server/services';

export const load: PageServerLoad = async ({ cookies }) => ({
  loggedIn: (await currentPerson(cookies)) !== undefined,
});

/** A plain form POST: logging out works without JavaScript (SvelteKit checks the Origin). */
export const actions: Actions = {
  default: async ({ cookies }) => {
    const { people, context } = await getServices();
    await people.endSession(cookies.get(sessionCookieName));
    clearSessionCookie(cookies, context.origin);
    redirect(303, '/login?loggedOut=1');
  },
};
