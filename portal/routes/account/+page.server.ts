import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { currentPerson } from '$lib/server/auth/session';

export const load: PageServerLoad = async ({ cookies, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await currentPerson(cookies);
  if (person === undefined) redirect(303, '/login?next=/account');
  return { person };
};
