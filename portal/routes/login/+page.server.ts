import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { currentPerson } from '$lib/server/auth/session';

/** Where to go after the login: a same-site path only (no open redirect). */
function nextPath(url: URL): string {
  const next = url.searchParams.get('next');
  return next !== null && next.length <= 512 && /^\/(?![/\\])/.test(next) ? next : '/account';
}

export const load: PageServerLoad = async ({ cookies, url }) => {
  const next = nextPath(url);
  if ((await currentPerson(cookies)) !== undefined) redirect(303, next);
  return { next, loggedOut: url.searchParams.has('loggedOut') };
};
