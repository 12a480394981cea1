import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { healthOf } from '$lib/server/health';

/** Liveness and readiness (see `healthOf`): 503 unless the database answers and takes writes. */
export const GET: RequestHandler = async () => {
  const database = await getInstance().then(
    (instance) => instance.database,
    () => undefined,
  );
  const { status, body } = await healthOf(database);
  return json(body, { status, headers: { 'cache-control': 'no-store' } });
};
