import type { PageServerLoad } from './$types';
import { requireRegulator } from '$lib/server/dashboard-review';
import { companyIndexPage, parseCompanyIndexQuery } from '$lib/server/regulator-companies';
import { getServices } from '$lib/server/services';

/**
 * The regulator's index of every registered company (regulator-companies.ts), searched, filtered
 * and paged through the query string (`?q=&status=&page=`), so the plain GET form works without
 * JavaScript. Regulators only, as the dashboard: without a session a redirect to the login, for
 * anyone else a 403. A search text the registry would refuse is said above the unsearched list.
 */
export const load: PageServerLoad = async ({ cookies, url, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await requireRegulator(cookies, url);
  const { query, invalid } = parseCompanyIndexQuery(url.searchParams);
  const services = await getServices();
  const result = await companyIndexPage(services.context.cdb.db, query);
  return { person: { name: person.name }, result, invalid };
};
