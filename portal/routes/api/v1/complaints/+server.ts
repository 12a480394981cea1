import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { maxComplaintLength } from '$protocol/messages';
import {
  answer,
  idParam,
  integerParam,
  jsonResponse,
  receiptResponse,
  signedCaller,
} from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { parseListCursor } from '$lib/server/obligations';
import { maxComplaintPage, type ComplaintState } from '$lib/server/oversight';
import { getServices } from '$lib/server/services';

const states: readonly ComplaintState[] = ['open', 'decided', 'upheld', 'dismissed', 'all'];

/** The Assistant complains about its company, with signed evidence. */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    // Two pieces of evidence, each up to a JWS's own bound, need more than the 64 KiB default.
    const token = await readJoseBody(request, maxComplaintLength);
    const { oversight } = await getServices();
    return receiptResponse(await oversight.submitComplaint(token));
  });

/** The regulator's list of complaints, optionally of one company and in one state. */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const company = url.searchParams.get('company');
    const state = url.searchParams.get('state') ?? 'all';
    if (!(states as readonly string[]).includes(state)) {
      throw new ProtocolError('ERR_QUERY_INVALID', `state must be one of ${states.join(', ')}.`, {
        parameter: 'state',
      });
    }
    const after = url.searchParams.get('after');
    const limit = integerParam(url, 'limit', 100, 1, maxComplaintPage);
    const query = {
      state: state as ComplaintState,
      limit,
      ...(company === null ? {} : { company: idParam(company, 'company') }),
      ...(after === null ? {} : { after: parseListCursor(after) }),
    };
    const { requests, oversight } = await getServices();
    const caller = await signedCaller(requests, request, url);
    if (caller.type !== 'regulator') {
      throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a regulator may list complaints.');
    }
    return jsonResponse(await oversight.listComplaints(query));
  });
