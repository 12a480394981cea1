import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import {
  complaintPage,
  requireRegulator,
  suspensionHistory,
  type ComplaintState,
} from '$lib/server/dashboard-review';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

const companyIdPattern = /^co_[A-Za-z0-9_-]{43}$/;

/**
 * One company as the regulator reviews it: status, trust figures (and how many boycotting
 * pseudonyms the company itself addressed), every finding (findings.ts, the same list as
 * `GET /api/v1/companies/{id}/findings`), its complaints, and the suspend or reinstate form
 * (signed in the browser). The open and the decided complaints, and the upheld ones a suspension
 * may cite, are each at the cursor their link carries (`?open=…&decided=…&upheld=…`,
 * dashboard-review.ts `complaintPage`; a cursor is bound to its list and company). Its suspensions
 * and reinstatements, newest first, with each one's reason and who signed it (`suspensionHistory`).
 */
export const load: PageServerLoad = async ({ cookies, url, params, setHeaders }) => {
  setHeaders({ 'cache-control': 'no-store' });
  const person = await requireRegulator(cookies, url);
  if (!companyIdPattern.test(params.companyId)) error(404, 'Not found');
  const services = await getServices();
  try {
    const company = await services.companies.view(params.companyId);
    const page = (state: ComplaintState) =>
      complaintPage(services, {
        state,
        cursor: url.searchParams.get(state),
        company: company.id,
      });
    const [findings, confirmed, open, decided, upheld, suspensions] = await Promise.all([
      services.findings(company.id),
      services.oversight.confirmedBoycotts(company.id),
      page('open'),
      page('decided'),
      page('upheld'),
      suspensionHistory(services, company.id),
    ]);
    return {
      person: { id: person.id, kid: person.kid, signer: person.signer },
      company: {
        id: company.id,
        legalName: company.legalName,
        domain: company.domain,
        status: company.status,
        trust: company.trust,
      },
      // How much of the boycott figure the company itself confirmed (oversight.ts `confirmedBy`).
      // The total is the trust figure's (the same count).
      boycott: { total: company.trust.boycotts, confirmed },
      ackDeadlineHours: ackDeadlineFromEnv() / 3_600_000,
      findings,
      open,
      decided,
      upheld,
      suspensions,
    };
  } catch (cause) {
    if (cause instanceof ProtocolError && cause.code === 'ERR_COMPANY_UNKNOWN') {
      error(404, 'Not found');
    }
    throw cause;
  }
};
