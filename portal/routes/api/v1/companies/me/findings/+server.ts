import type { RequestHandler } from './$types';
import { answer, companyCaller, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';
import { webhookFindings } from '$lib/server/webhooks';

/** The company's own findings: revocations acknowledged late or not at all, webhook deliveries given up. */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, consents, context } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    const [overdue, webhooks] = await Promise.all([
      consents.findings(companyId),
      webhookFindings(context.cdb.db, companyId),
    ]);
    return jsonResponse({ findings: [...overdue, ...webhooks] });
  });
