/**
 * What the regulator's pages need beyond the dashboard figures (issue 10, "Regulator"): the
 * session check, the complaint lists page by page, and the material of one complaint's review.
 *
 * The review material is everything the regulator's browser needs to verify a complaint itself
 * (portal/lib/components/regulator/evidence.ts), so the verdict does not rest on the server's
 * word: the signed complaint, the company's registered keys with their lifetimes, the person keys
 * of its staff that signed evidence with theirs and their member's removal, the
 * complainant's pairwise public key (which hashes to its pseudonym id, so it cannot be
 * substituted), the signed grant each piece of evidence names, and the signed revocations of
 * that pseudonym. The one unsigned number is the relay's count of contacts in the week before the
 * evidence (for a contact cap), which the page labels as the clearinghouse's count.
 */
import { error, redirect, type Cookies } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { maxListPage, pageCount, type Paging } from '$lib/components/regulator/paging';
import { ProtocolError } from '$protocol/errors';
import { currentPerson } from './auth/session';
import { peekClaims } from './auth/signatures';
import type { CompanyKeyView } from './companies';
import type { CompanyStatus, Database } from './db/schema';
import { selectComplaints, staffKeysOf, type ComplaintView } from './oversight';
import type { PersonView } from './people';
import type { Services } from './services';

const weekMs = 7 * 24 * 60 * 60 * 1000;
const sha256Pattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * The logged-in regulator, or a redirect to the login (no session) or a 403 (not a regulator).
 *
 * @example
 * ```ts
 * const person = await requireRegulator(cookies, url);
 * ```
 */
export async function requireRegulator(cookies: Cookies, url: URL): Promise<PersonView> {
  const person = await currentPerson(cookies);
  if (person === undefined) {
    redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (person.role !== 'regulator') error(403, 'Only a regulator may open this page.');
  return person;
}

/** One complaint as the regulator's lists show it. */
export interface ComplaintListEntry {
  sha256: string;
  company: string;
  companyName: string;
  reasons: string[];
  receivedAt: number;
  decision: 'upheld' | 'dismissed' | null;
}

/** Which complaints a list holds: the open ones, the decided ones (either way), or the upheld. */
export type ComplaintState = 'open' | 'decided' | 'upheld';

/** Complaints per page of the regulator's lists. */
export const complaintPageSize = 50;
/** Where one page of a list stands: 1-based, its size, and how many complaints the list holds. */
export type ComplaintPaging = Paging;

/** One page of a complaint list. */
export interface ComplaintPage {
  items: ComplaintListEntry[];
  paging: ComplaintPaging;
}

/**
 * The page a link asks for (`?complaintsPage=3`); a missing, malformed or out-of-range number is
 * page 1, so a hand-edited link never fails.
 *
 * @example
 * ```ts
 * requestedPage(url.searchParams.get('complaintsPage')); // 3, or 1 for 'x', '0' or null
 * ```
 */
export function requestedPage(raw: string | null): number {
  return raw !== null && /^[1-9][0-9]{0,4}$/.test(raw) && Number(raw) <= maxListPage
    ? Number(raw)
    : 1;
}

/** The condition on `complaints.decision` that selects `state`. */
function stateCondition(state: ComplaintState) {
  switch (state) {
    case 'open':
      return ['is', null] as const;
    case 'decided':
      return ['is not', null] as const;
    case 'upheld':
      return ['=', 'upheld'] as const;
  }
}

/**
 * The newest complaints of a state, `offset` rows in, with their company's name.
 *
 * @example
 * ```ts
 * const open = await complaintList(services, { state: 'open', limit: 50 });
 * ```
 */
export async function complaintList(
  services: Services,
  query: { state: ComplaintState; limit: number; offset?: number; company?: string },
): Promise<ComplaintListEntry[]> {
  const db = services.context.cdb.db;
  const [op, value] = stateCondition(query.state);
  // Newest first (the API's list pages oldest first), without the signed messages the list does
  // not show (up to 256 KiB each).
  let select = selectComplaints(db)
    .where('complaints.decision', op, value)
    .orderBy('complaints.received_at', 'desc')
    .orderBy('complaints.sha256', 'desc')
    .limit(query.limit)
    .offset(query.offset ?? 0);
  if (query.company !== undefined)
    select = select.where('complaints.company_id', '=', query.company);
  const rows = await select.execute();
  const names = await companyNames(
    db,
    rows.map((row) => row.company_id),
  );
  return rows.map((row) => ({
    sha256: row.sha256,
    company: row.company_id,
    companyName: names.get(row.company_id) ?? row.company_id,
    reasons: JSON.parse(row.reasons) as string[],
    receivedAt: Number(row.received_at),
    decision: row.decision,
  }));
}

/**
 * One page of the complaints of a state, newest first, with the number the list holds: the
 * lists page through all of them, so the oldest open complaint (the most overdue) stays within
 * reach however many came after it. A page past the last is the last.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID` for a `page` or `pageSize` out of range.
 * @example
 * ```ts
 * const { items, paging } = await complaintPage(services, { state: 'open', page: 2 });
 * paging; // {page: 2, pageSize: 50, total: 230}
 * ```
 */
export async function complaintPage(
  services: Services,
  query: { state: ComplaintState; page: number; pageSize?: number; company?: string },
): Promise<ComplaintPage> {
  const pageSize = query.pageSize ?? complaintPageSize;
  for (const [name, value, max] of [
    ['page', query.page, maxListPage],
    ['pageSize', pageSize, 200],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new ProtocolError('ERR_QUERY_INVALID', `${name} is a whole number from 1 to ${max}.`, {
        parameter: name,
      });
    }
  }
  const [op, value] = stateCondition(query.state);
  let count = services.context.cdb.db
    .selectFrom('complaints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('complaints.decision', op, value);
  if (query.company !== undefined) count = count.where('company_id', '=', query.company);
  const total = Number((await count.executeTakeFirst())?.n ?? 0);
  const page = Math.min(query.page, pageCount({ page: 1, pageSize, total }));
  const items =
    total === 0
      ? []
      : await complaintList(services, {
          state: query.state,
          limit: pageSize,
          offset: (page - 1) * pageSize,
          ...(query.company === undefined ? {} : { company: query.company }),
        });
  return { items, paging: { page, pageSize, total } };
}

async function companyNames(db: Kysely<Database>, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('companies')
    .select(['id', 'legal_name'])
    .where('id', 'in', unique)
    .execute();
  return new Map(rows.map((row) => [row.id, row.legal_name]));
}

/** The signed grant a piece of evidence names, with what the browser needs to judge coverage. */
export interface GrantMaterial {
  sha256: string;
  jws: string;
  /** Signed revocations of the complainant to this company, oldest first. */
  revocations: { sha256: string; jws: string }[];
  /** The relay's count of this grant's contacts in the 7 × 24 hours before the evidence's `iat`. */
  contactsBefore: number;
}

/**
 * The person key of a staff member of the accused company, for evidence they may sign
 * (oversight.ts `staffKeyAsOf`). Times in milliseconds, as people.ts stamps them when stored.
 */
export interface StaffKeyMaterial {
  kid: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  /** When the key was enrolled (`person_keys.added_at`). */
  addedAt: number;
  /** When the key was retired (`person_keys.retired_at`); null while in use. */
  retiredAt: number | null;
  /** When its member left the company's staff (`people.removed_at`); null while on it. */
  removedAt: number | null;
}

/** Everything a complaint's review verifies in the browser. */
export interface ReviewMaterial {
  origin: string;
  complaint: ComplaintView;
  company: {
    id: string;
    legalName: string;
    status: CompanyStatus;
    keys: CompanyKeyView[];
    /** The keys of its staff whose `kid` signed a piece of the evidence, by kid. */
    staffKeys: StaffKeyMaterial[];
  };
  /** The complainant's pairwise public key (its thumbprint is the pseudonym id). */
  pseudonymKey: { kty: 'OKP'; crv: 'Ed25519'; x: string } | null;
  /** Per evidence index: the grant it names, when it names one this company holds. */
  grants: (GrantMaterial | null)[];
}

/** The `kid` of a compact JWS's protected header, unverified: only to look its key up. */
function headerKid(jws: unknown): string | undefined {
  if (typeof jws !== 'string') return undefined;
  const dot = jws.indexOf('.');
  // alg, typ and kid take under 200 characters; a longer header is no signer's, so not decoded.
  if (dot <= 0 || dot > 1024) return undefined;
  try {
    const header = JSON.parse(utf8Decode(base64urlDecode(jws.slice(0, dot)))) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' && sha256Pattern.test(kid) ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The person keys of `companyId`'s staff among `kids`, whatever their state: the browser judges
 * them as of each piece of evidence's `iat`, as the server did.
 */
async function staffKeys(
  db: Kysely<Database>,
  companyId: string,
  kids: string[],
): Promise<StaffKeyMaterial[]> {
  return (await staffKeysOf(db, companyId, kids)).map(({ kid, x, ...times }) => ({
    kid,
    jwk: { kty: 'OKP', crv: 'Ed25519', x },
    ...times,
  }));
}

/**
 * The material of one complaint's review.
 *
 * @throws ProtocolError `ERR_COMPLAINT_UNKNOWN` for an unknown or malformed hash.
 * @example
 * ```ts
 * const material = await reviewMaterial(services, sha256, person);
 * ```
 */
export async function reviewMaterial(
  services: Services,
  sha256: string,
  person: PersonView,
): Promise<ReviewMaterial> {
  if (!sha256Pattern.test(sha256) || person.signer === null) {
    throw new ProtocolError('ERR_COMPLAINT_UNKNOWN', 'No complaint has this hash.');
  }
  const db = services.context.cdb.db;
  const complaint = await services.oversight.getComplaint(sha256, {
    type: 'regulator',
    id: person.signer,
    kid: person.kid ?? '',
    personId: person.id,
  });
  const company = await services.companies.view(complaint.company);
  const bound = await db
    .selectFrom('pseudonyms')
    .select('x')
    .where('pseudonym', '=', complaint.pseudonym)
    .executeTakeFirst();
  const { payload } = peekClaims(complaint.jws);
  const evidence = Array.isArray(payload.evidence) ? (payload.evidence as unknown[]) : [];
  const kids = evidence
    .slice(0, 2)
    .map((item) => headerKid((item as { jws?: unknown } | null)?.jws))
    .filter((kid): kid is string => kid !== undefined);
  const grants: (GrantMaterial | null)[] = [];
  for (const item of evidence.slice(0, 2)) {
    const jws = (item as { jws?: unknown } | null)?.jws;
    let named: Readonly<Record<string, unknown>> | undefined;
    try {
      named = typeof jws === 'string' ? peekClaims(jws).payload : undefined;
    } catch {
      named = undefined;
    }
    const grantSha256 = named?.grantSha256;
    const iat = named?.iat;
    if (typeof grantSha256 !== 'string' || !sha256Pattern.test(grantSha256)) {
      grants.push(null);
      continue;
    }
    const grant = await db
      .selectFrom('grants')
      .innerJoin('messages', 'messages.sha256', 'grants.sha256')
      .select(['grants.sha256', 'grants.pseudonym', 'grants.created_at', 'messages.jws'])
      .where('grants.sha256', '=', grantSha256)
      .where('grants.company_id', '=', complaint.company)
      .executeTakeFirst();
    if (grant === undefined) {
      grants.push(null);
      continue;
    }
    // Only revocations stored after the grant can end it ("all" counts what was stored before
    // it), the earliest first: the one that ended it is among them however many came later.
    const revocations = await db
      .selectFrom('revocations')
      .innerJoin('messages', 'messages.sha256', 'revocations.sha256')
      .select(['revocations.sha256', 'messages.jws'])
      .where('revocations.pseudonym', '=', complaint.pseudonym)
      .where('revocations.company_id', '=', complaint.company)
      .where('revocations.received_at', '>=', grant.created_at)
      .orderBy('revocations.received_at')
      .limit(100)
      .execute();
    const atMs = typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : 0;
    const contacts = await db
      .selectFrom('relay_contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      // Per company, as the relay counts (one pseudonym is one company's), under any grant.
      .where('pseudonym', '=', grant.pseudonym)
      .where('accepted_at', '>', atMs - weekMs)
      .where('accepted_at', '<', atMs)
      .executeTakeFirst();
    grants.push({
      sha256: grant.sha256,
      jws: grant.jws,
      revocations: revocations.map((r) => ({ sha256: r.sha256, jws: r.jws })),
      contactsBefore: Number(contacts?.n ?? 0),
    });
  }
  return {
    origin: services.context.origin,
    complaint,
    company: {
      id: company.id,
      legalName: company.legalName,
      status: company.status,
      keys: company.keys ?? [],
      staffKeys: await staffKeys(db, complaint.company, [...new Set(kids)]),
    },
    pseudonymKey: bound === undefined ? null : { kty: 'OKP', crv: 'Ed25519', x: bound.x },
    grants,
  };
}
