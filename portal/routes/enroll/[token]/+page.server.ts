import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import { getServices } from '$lib/server/services';

/** What the link is for, or why it cannot be used (as an error code the page turns into a sentence). */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
  // The token is a secret in the URL: never cache the page, never send it on as a Referer.
  setHeaders({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  const { people } = await getServices();
  try {
    return { token: params.token, enrolment: await people.inspectEnrolment(params.token) };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { token: null, enrolment: null, problem: error.code };
  }
};
