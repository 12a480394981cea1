import type { RequestHandler } from './$types';
import { ProtocolError } from '$protocol/errors';
import { answer, idParam, jsonResponse, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/** The regulator's view of a company's findings (the basis of the regulator's dashboard). */
export const GET: RequestHandler = ({ params, request, url }) =>
  answer(async () => {
    const companyId = idParam(params.companyId, 'company');
    const services = await getServices();
    const caller = await signedCaller(services.requests, request, url);
    if (caller.type !== 'regulator') {
      throw new ProtocolError(
        'ERR_NOT_AUTHORISED',
        "Only a regulator may read a company's findings.",
      );
    }
    const company = await services.companies.get(companyId);
    return jsonResponse({ company: company.id, findings: await services.findings(company.id) });
  });
