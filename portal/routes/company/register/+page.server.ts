import { fail, type RequestEvent } from '@sveltejs/kit';
import type { MessageKey } from '$protocol/i18n';
import { readFormBody } from '$lib/server/auth/body';
import { ClientAbortedError } from '$lib/server/client-abort';
import { consoleFailure } from '$lib/server/company-console';
import { chargeClientAddress } from '$lib/server/rate-limits';
import { getServices } from '$lib/server/services';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({
  origin: (await getServices()).context.origin,
});

/**
 * Registration is public: the `company` message is self-signed by a key the browser generated (or
 * by the company's own key, pasted as a signed message), so it speaks for itself. The same action
 * sends a fresh registration to check the domain proof again. It reaches the service behind
 * `POST /api/v1/companies` (and the domain proof's lookups), so it has the API's limits too: the
 * client address is charged before the body is read, and the body may hold 64 KiB; a refusal is
 * a sentence on the page.
 */
async function register(event: RequestEvent, action: 'register' | 'check') {
  let form: FormData;
  try {
    await chargeClientAddress((await getServices()).rateLimits, event);
    form = await readFormBody(event.request);
  } catch (error) {
    if (error instanceof ClientAbortedError) throw error;
    const { status, key } = consoleFailure(error);
    return fail(status, { action, error: key });
  }
  const jws = form.get('jws');
  if (typeof jws !== 'string' || jws.trim().length === 0) {
    return fail(400, { action, error: 'portal.console.needsScript' as MessageKey });
  }
  try {
    const receipt = await (await getServices()).companies.register(jws.trim());
    return {
      action,
      company: receipt.company,
      staffEnrolment: receipt.staffEnrolment ?? null,
    };
  } catch (error) {
    const { status, key } = consoleFailure(error);
    return fail(status, { action, error: key });
  }
}

export const actions: Actions = {
  register: (event) => register(event, 'register'),
  check: (event) => register(event, 'check'),
};
