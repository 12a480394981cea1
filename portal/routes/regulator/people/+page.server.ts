import type { PageServerLoad } from './$types';
import { currentPerson } from '$lib/server/auth/session';
import { regulatorOf } from '$lib/server/dashboard-review';
import { getServices } from '$lib/server/services';

/**
 * The regulators' own people: who is enrolled (and whose recovery is pending), the invitations
 * still open, and the forms to invite, to approve a new passkey, to remove and to withdraw. The
 * page signs each act in the browser and sends it to the API (docs/api.md "People"); the session
 * only shows the lists.
 *
 * Without a session, a page request goes to the login page; a reading from within the site (the
 * page reading its lists again after an act, or a link followed in it) answers `ended` instead,
 * which the page says in a sentence with a link to log in: going to the login page there would
 * take away an act's outcome, above all an invitation's one-time link, shown nowhere else.
 */
export const load: PageServerLoad = async ({ cookies, url, setHeaders, isDataRequest }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const session = await currentPerson(cookies);
  if (session === undefined && isDataRequest) {
    return { ended: true, person: null, regulators: [], invitations: [] };
  }
  const person = regulatorOf(session, url);
  const { people } = await getServices();
  const [regulators, invitations] = await Promise.all([
    people.regulators(),
    people.openRegulatorInvitations(),
  ]);
  return {
    ended: false,
    person: { id: person.id, kid: person.kid, signer: person.signer },
    regulators: regulators.map((r) => ({ id: r.id, name: r.name, kid: r.kid })),
    invitations,
  };
};
