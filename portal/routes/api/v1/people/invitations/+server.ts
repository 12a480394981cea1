import type { RequestHandler } from './$types';
import { answer, jsonResponse, signedCaller } from '$lib/server/api-route';
import { readJoseBody } from '$lib/server/auth/body';
import { getServices } from '$lib/server/services';

/**
 * A one-time enrolment link: a new staff member (signed by a company key or a staff member's key),
 * a new regulator (signed by a regulator), or a recovery (`recover`), which retires the person's
 * old key and passkeys at once.
 */
export const POST: RequestHandler = ({ request }) =>
  answer(async () => {
    const token = await readJoseBody(request, 8 * 1024);
    const { people } = await getServices();
    const { link, expiresAt, role, companyId, personId } = await people.invite(token);
    return jsonResponse({ link, expiresAt, role, companyId, personId }, 201);
  });

/** The open enrolment links for the caller's people, newest first (people.ts `openInvitations`). */
export const GET: RequestHandler = ({ request, url }) =>
  answer(async () => {
    const { requests, people } = await getServices();
    const caller = await signedCaller(requests, request, url);
    return jsonResponse({ invitations: await people.openInvitations(caller) });
  });
