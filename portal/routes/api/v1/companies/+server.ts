import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { answer, integerParam, jsonResponse, receiptResponse } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** The public registry: companies with their trust figures, by id, 1..100 per page. */
export const GET: RequestHandler = ({ url }) =>
  answer(async () => {
    const status = url.searchParams.get('status') ?? undefined;
    if (
      status !== undefined &&
      status !== 'pending' &&
      status !== 'active' &&
      status !== 'suspended'
    ) {
      throw new ProtocolError('ERR_QUERY_INVALID', 'status is pending, active or suspended.', {
        parameter: 'status',
      });
    }
    const after = url.searchParams.get('after') ?? undefined;
    if (after !== undefined && !/^co_[A-Za-z0-9_-]{43}$/.test(after)) {
      throw new ProtocolError('ERR_QUERY_INVALID', 'after is a company id.', {
        parameter: 'after',
      });
    }
    const limit = integerParam(url, 'limit', 50, 1, 100);
    const { companies } = await getServices();
    return jsonResponse(
      await companies.list({
        limit,
        ...(status === undefined ? {} : { status }),
        ...(after === undefined ? {} : { after }),
      }),
    );
  });

/** Registration (or an update) with the signed `company` message. */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request);
    const { companies } = await getServices();
    return receiptResponse(await companies.register(token));
  });
