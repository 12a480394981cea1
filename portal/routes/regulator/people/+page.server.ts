import type { PageServerLoad } from './$types';
import { currentPerson } from '$lib/server/auth/session';
import { requireRegulator } from '$lib/server/dashboard-review';
import { getServices } from '$lib/server/services';

/**
 * The regulators' own people: who is enrolled (and whose recovery is pending), the invitations
 * still open, and the forms to invite, to approve a new passkey, to remove and to withdraw. The
 * page signs each act in the browser and sends it to the API (docs/api.md "People"); the session
 * only shows the lists.
 *
 * The page reads the lists again after each act. Its session may have ended meanwhile (the act
 * needs none): that reading answers `ended` instead of the login page, which would take away the
 * act's outcome, above all an invitation's one-time link, shown nowhere else.
 */
export const load: PageServerLoad = async ({ cookies, url, setHeaders, isDataRequest }) => {
  setHeaders({ 'cache-control': 'no-store' });
  if (isDataRequest && (await currentPerson(cookies)) === undefined) {
    return { ended: true, person: null, regulators: [], invitations: [] };
  }
  const person = await requireRegulator(cookies, url);
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
