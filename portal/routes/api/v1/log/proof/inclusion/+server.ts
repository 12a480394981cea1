import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { inclusionProofResponse } from '$lib/server/log/http';

/** `?index=&size=`: an RFC 9162 inclusion proof built from the tiles. */
export const GET: RequestHandler = async ({ url }) =>
  inclusionProofResponse((await getInstance()).log.service, url);
