import type { RequestHandler } from './$types';

const body = JSON.stringify({ ok: true });

/**
 * The most trivial JSON endpoint SvelteKit can serve: no database, no services. `npm run bench:api`
 * measures the API's other routes as a ratio to it (DESIGN section 9), and a load balancer may
 * use it as a liveness probe that never touches the database.
 */
export const GET: RequestHandler = () =>
  new Response(body, {
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
