import type { PageServerLoad } from './$types';
import { dashboardFigures } from '$lib/server/dashboard';
import { complaintPage, requestedPage, requireRegulator } from '$lib/server/dashboard-review';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

/**
 * The regulator's dashboard: the figures of the whole clearinghouse and the open complaints,
 * each list where its link asks for: the risk ranking at a page number (`?riskPage=2`), the open
 * complaints at a cursor (`?complaints=…`, dashboard-review.ts `complaintPage`).
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
    complaintPage(services, { state: 'open', cursor: url.searchParams.get('complaints') }),
  ]);
  return { person: { name: person.name, signer: person.signer }, figures, open };
};
