import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { checkpointResponse } from '$lib/server/log/http';

/** C2SP tlog-tiles: the latest signed checkpoint. */
export const GET: RequestHandler = async () =>
  checkpointResponse((await getInstance()).log.service);
