/**
 * The status filter of the regulator's company index (`/regulator/companies`), shared by the page
 * and its query (portal/lib/server/regulator-companies.ts): all companies, or those of one status.
 * `pending` lists the registrations whose domain is not proved yet, among them any that copy
 * another company's name and domain (they cannot prove it).
 */
export const companyFilters = ['all', 'active', 'pending', 'suspended'] as const;

/** One choice of {@link companyFilters}. */
export type CompanyFilter = (typeof companyFilters)[number];
