import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { currentPerson } from '$lib/server/auth/session';
import { returnPath } from '$lib/server/return-path';

/**
 * `next` is where to go after the login: a page of this site only (return-path.ts), the account
 * page otherwise. The page follows the same path after its passkey ceremony.
 */
export const load: PageServerLoad = async ({ cookies, url }) => {
  const next = returnPath(url.searchParams.get('next'), url.origin, '/account');
  if ((await currentPerson(cookies)) !== undefined) redirect(303, next);
  return { next, loggedOut: url.searchParams.has('loggedOut') };
};
