import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import { decisionNote, requireRegulator, reviewMaterial } from '$lib/server/dashboard-review';
import { getServices } from '$lib/server/services';

/**
 * One complaint's review: the material the browser verifies, and the decision form or, once
 * decided, the decision's reason and who signed it (dashboard-review.ts `decisionNote`).
 */
export const load: PageServerLoad = async ({ cookies, url, params, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await requireRegulator(cookies, url);
  const services = await getServices();
  try {
    const material = await reviewMaterial(services, params.sha256, person);
    return {
      person: { id: person.id, kid: person.kid, signer: person.signer },
      material,
      decision: await decisionNote(services, material.complaint),
    };
  } catch (cause) {
    if (cause instanceof ProtocolError && cause.code === 'ERR_COMPLAINT_UNKNOWN') {
      error(404, 'Not found');
    }
    throw cause;
  }
};
