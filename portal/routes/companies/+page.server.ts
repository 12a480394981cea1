import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import {
  createRegistryService,
  parseRegistryQuery,
  type RegistryQuery,
} from '$lib/server/registry';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

/**
 * The public registry, searched and sorted on the server through the query string, so the plain
 * GET form works without JavaScript. An invalid query shows the error sentence above the
 * unfiltered first page rather than a bare error page.
 */
export const load: PageServerLoad = async ({ url }) => {
  const services = await getServices();
  const registry = createRegistryService(services.context, { ackDeadlineMs: ackDeadlineFromEnv() });
  const fallback: RegistryQuery = { q: '', sort: 'name', dir: 'asc', page: 1 };
  try {
    return { result: await registry.search(parseRegistryQuery(url.searchParams)), invalid: null };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { result: await registry.search(fallback), invalid: error.code };
  }
};
