import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ProtocolError } from '$protocol/errors';
import { suspensionInForce } from '$lib/server/dashboard-review';
import { createRegistryService } from '$lib/server/registry';
import { ackDeadlineFromEnv, getServices } from '$lib/server/services';

/** Company ids are `co_` and a 43-character thumbprint; anything else is not looked up. */
const companyIdPattern = /^co_[A-Za-z0-9_-]{43}$/;

/**
 * One company of the public registry: its registration and keys (the company service, the same
 * view as `GET /api/v1/companies/{id}`), its figures per week (registry.ts) and, while it is
 * suspended, the suspension in force with the short ids of the upheld complaints it rests on.
 */
export const load: PageServerLoad = async ({ params }) => {
  if (!companyIdPattern.test(params.companyId)) error(404, 'Not found');
  const services = await getServices();
  const ackDeadlineMs = ackDeadlineFromEnv();
  const registry = createRegistryService(services.context, { ackDeadlineMs });
  try {
    const company = await services.companies.view(params.companyId);
    const history = await registry.history(company.id);
    const suspension =
      company.status === 'suspended' ? await suspensionInForce(services, company.id) : null;
    return {
      company: {
        id: company.id,
        status: company.status,
        legalName: company.legalName,
        registerId: company.registerId,
        domain: company.domain,
        purposes: company.purposes,
        brands: company.brands,
        registeredAt: company.registeredAt,
        domainVerifiedAt: company.domainVerifiedAt,
        trust: company.trust,
        contact: company.contact ?? null,
        keys: (company.keys ?? []).map((key) => ({
          kid: key.kid,
          addedAt: key.addedAt,
          retiredAt: key.retiredAt,
          compromisedSince: key.compromisedSince,
        })),
      },
      suspension,
      weeks: history.weeks,
      ackDeadlineHours: ackDeadlineMs / 3_600_000,
    };
  } catch (cause) {
    if (cause instanceof ProtocolError && cause.code === 'ERR_COMPANY_UNKNOWN') {
      error(404, 'Not found');
    }
    throw cause;
  }
};
