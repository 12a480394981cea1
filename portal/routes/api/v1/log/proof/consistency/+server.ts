import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { consistencyProofResponse } from '$lib/server/log/http';

/** `?from=&to=`: an RFC 9162 consistency proof built from the tiles. */
export const GET: RequestHandler = async ({ url }) =>
  consistencyProofResponse((await getInstance()).log.service, url);
