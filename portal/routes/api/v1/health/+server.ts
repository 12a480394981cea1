import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { checkReachable } from '$lib/server/db/database';
import { version } from '$lib/server/version';

/** Liveness and readiness: the version and whether the database answers. 503 when it does not. */
export const GET: RequestHandler = async () => {
  let reachable = false;
  let dialect: string | null = null;
  try {
    const { database } = await getInstance();
    dialect = database.dialect;
    reachable = await checkReachable(database.db);
  } catch {
    reachable = false;
  }
  return json(
    { status: reachable ? 'ok' : 'unavailable', version, database: { dialect, reachable } },
    { status: reachable ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
};
