import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import { statusFor } from '$lib/server/problem';
import { getServices } from '$lib/server/services';

/**
 * What the link is for. A link that cannot be used answers with the API's status for its code
 * (problem.ts: 404 unknown, 410 used, expired or withdrawn), so it is no page that "worked";
 * ./+error.svelte turns the code into the same sentence the page said before.
 */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
  // The token is a secret in the URL: never cache the page, never send it to another site as a
  // Referer. `same-origin`, not `no-referrer`: under no-referrer a form POST (the language switch)
  // carries `Origin: null`, and SvelteKit's CSRF check answers 403. Set before a refusal is
  // thrown: SvelteKit sends these headers with the error page too.
  setHeaders({ 'cache-control': 'no-store', 'referrer-policy': 'same-origin' });
  const { people } = await getServices();
  try {
    return { token: params.token, enrolment: await people.inspectEnrolment(params.token) };
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause;
    error(statusFor(cause.code), { message: cause.message, code: cause.code });
  }
};
