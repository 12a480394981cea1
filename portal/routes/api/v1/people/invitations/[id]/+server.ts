import type { RequestHandler } from './$types';
import { answer, signedCaller } from '$lib/server/api-route';
import { getServices } from '$lib/server/services';

/**
 * Withdraws an open enrolment link (an invitation the wrong person got, say): staff links by
 * their company (a company key or a staff member), regulator links by a regulator. The link
 * answers `ERR_ENROLMENT_EXPIRED` from then on.
 */
export const DELETE: RequestHandler = ({ request, url, params }) =>
  answer(async () => {
    const { requests, people } = await getServices();
    const caller = await signedCaller(requests, request, url);
    await people.withdrawInvitation(caller, params.id);
    return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  });
