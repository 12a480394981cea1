import type { RequestHandler } from './$types';
import { answer, jsonResponse } from '$lib/server/api-route';
import { readJsonBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/** Passkey creation options for an enrolment link: `{token}` → `{challengeId, options}`. */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const body = (await readJsonBody(request, 4 * 1024)) as { token?: unknown } | null;
    const { people } = await getServices();
    return jsonResponse(await people.enrolmentOptions(body?.token));
  });
