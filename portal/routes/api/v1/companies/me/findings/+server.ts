import type { RequestHandler } from './$types';
import { answer, companyCaller, jsonResponse } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/**
 * The company's own findings (findings.ts): overdue acknowledgements and answers, failed webhook
 * deliveries, refused relay attempts, out-of-scope access, upheld complaints.
 */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, findings } = await getServices();
    const companyId = await companyCaller(requests, request, url);
    return jsonResponse({ findings: await findings(companyId) });
  });
