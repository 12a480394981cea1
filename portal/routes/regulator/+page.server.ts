import type { PageServerLoad } from './$types';
import { dashboardFigures } from '$lib/server/dashboard';
import { complaintPage, requestedPage, requireRegulator } from '$lib/server/dashboard-review';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

/**
 * The regulator's dashboard: the figures of the whole clearinghouse and the open complaints,
 * each list at the page its link asks for (`?riskPage=2&complaintsPage=3`).
 */
export const load: PageServerLoad = async ({ cookies, url, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await requireRegulator(cookies, url);
  const services = await getServices();
  const [figures, open] = await Promise.all([
    dashboardFigures(services.context.cdb.db, {
      nowMs: services.context.now(),
      ackDeadlineMs: ackDeadlineFromEnv(),
      riskPage: requestedPage(url.searchParams.get('riskPage')),
    }),
    complaintPage(services, {
      state: 'open',
      page: requestedPage(url.searchParams.get('complaintsPage')),
    }),
  ]);
  return { person: { name: person.name, signer: person.signer }, figures, open };
};
