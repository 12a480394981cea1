import type { PageServerLoad } from './$types';
import { dashboardFigures } from '$lib/server/dashboard';
import { complaintList, requireRegulator } from '$lib/server/dashboard-review';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

/** The page of the risk ranking a link asks for; anything malformed is page 1. */
function riskPageOf(raw: string | null): number {
  return raw !== null && /^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : 1;
}

/** The regulator's dashboard: the figures of the whole clearinghouse and the open complaints. */
export const load: PageServerLoad = async ({ cookies, url, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await requireRegulator(cookies, url);
  const services = await getServices();
  const [figures, open] = await Promise.all([
    dashboardFigures(services.context.cdb.db, {
      nowMs: services.context.now(),
      ackDeadlineMs: ackDeadlineFromEnv(),
      riskPage: riskPageOf(url.searchParams.get('riskPage')),
    }),
    complaintList(services, { state: 'open', limit: 100 }),
  ]);
  return { person: { name: person.name, signer: person.signer }, figures, open };
};
