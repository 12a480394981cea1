import type { RequestHandler } from './$types';
import { getInstance } from '$lib/server/instance';
import { receiptResponse } from '$lib/server/log/http';

/** SPECS "Receipts": long-polls up to `?wait=` seconds (default and cap 10) while pending. */
export const GET: RequestHandler = async ({ params, url, request }) =>
  receiptResponse((await getInstance()).log.service, params.sha256, url, request.signal);
