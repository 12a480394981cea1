import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import { getServices } from '$lib/server/services';

/** What the link is for, or why it cannot be used (as an error code the page turns into a sentence). */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
  // The token is a secret in the URL: never cache the page, never send it to another site as a
  // Referer. `same-origin`, not `no-referrer`: under no-referrer a form POST (the language switch)
  // carries `Origin: null`, and SvelteKit's CSRF check answers 403.
  setHeaders({ 'cache-control': 'no-store', 'referrer-policy': 'same-origin' });
  const { people } = await getServices();
  try {
    return { token: params.token, enrolment: await people.inspectEnrolment(params.token) };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { token: null, enrolment: null, problem: error.code };
  }
};
