import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { answer, companyCaller, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** The company's messages signed by a compromised key at or after its `since`, for review. */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, companies } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    const company = await companies.get(companyId);
    if (company.status === 'suspended') {
      throw new ProtocolError('ERR_COMPANY_NOT_ACTIVE', 'The company is suspended.', {
        status: company.status,
      });
    }
    return jsonResponse({ messages: await companies.compromisedMessages(companyId) });
  });
