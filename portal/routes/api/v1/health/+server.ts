import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { checkReachable } from '$lib/server/db/database';
import { version } from '$lib/server/version';

/**
 * Liveness and readiness: the version, whether the database answers and whether it takes writes
 * (not after a failed flush of SQLite's write-ahead log, until a restart). 503 unless both.
 */
export const GET: RequestHandler = async () => {
  let reachable = false;
  let writable = false;
  let dialect: string | null = null;
  try {
    const { database } = await getInstance();
    dialect = database.dialect;
    reachable = await checkReachable(database.db);
    writable = reachable && database.storageFailure?.() === undefined;
  } catch {
    reachable = false;
  }
  const ok = reachable && writable;
  return json(
    { status: ok ? 'ok' : 'unavailable', version, database: { dialect, reachable, writable } },
    { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
};
