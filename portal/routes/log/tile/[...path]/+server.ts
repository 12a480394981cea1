import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { tileResponse } from '$lib/server/log/http';

/** C2SP tlog-tiles: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`. */
export const GET: RequestHandler = async ({ params }) =>
  tileResponse((await getInstance()).log.service, `tile/${params.path}`);
