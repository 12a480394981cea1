/**
 * What the regulator's pages need beyond the dashboard figures (issue 10, "Regulator"): the
 * session check, the complaint lists page by page (by cursor, {@link complaintPage}), the
 * material of one complaint's review, and the reasons of the regulators' signed acts with who
 * signed them ({@link decisionNote}, {@link suspensionHistory}); and, for the public company page,
 * the suspension in force with the upheld complaints it rests on ({@link suspensionInForce}).
 *
 * The review material is everything the regulator's browser needs to verify a complaint itself
 * (portal/lib/components/regulator/evidence.ts), so the verdict does not rest on the server's
 * word: the signed complaint, the company's registered keys with their lifetimes, the person keys
 * of its staff that signed evidence with theirs and their member's removal, the
 * complainant's pairwise public key (which hashes to its pseudonym id, so it cannot be
 * substituted), the signed grant each piece of evidence names with the signed grant request it
 * answers (whose scopes the page shows), and the signed revocations of
 * that pseudonym. The one unsigned number is the relay's count of contacts in the week before the
 * evidence (for a contact cap), which the page labels as the clearinghouse's count.
 */
import { createHash } from 'node:crypto';
import { error, redirect, type Cookies } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { maxListPage, type KeysetPaging } from '$lib/components/regulator/paging';
import { ProtocolError } from '$protocol/errors';
import * as v from 'valibot';
import { sha256 as sha256Schema, type Localized } from '$protocol/messages';
import { shortId } from '$lib/components/people/names';
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
  return regulatorOf(await currentPerson(cookies), url);
}

/**
 * {@link requireRegulator} for the person of a session already read (`undefined`: none).
 *
 * @example
 * ```ts
 * const person = regulatorOf(await currentPerson(cookies), url);
 * ```
 */
export function regulatorOf(person: PersonView | undefined, url: URL): PersonView {
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
/** Where one page of a complaint list stands, with the cursors of its neighbours. */
export type ComplaintPaging = KeysetPaging;

/** One page of a complaint list. */
export interface ComplaintPage {
  items: ComplaintListEntry[];
  paging: ComplaintPaging;
}

/**
 * The page of the risk ranking a link asks for (`?riskPage=3`); a missing, malformed or
 * out-of-range number is page 1, so a hand-edited link never fails. (The complaint lists page by
 * cursor instead, {@link complaintPage}.)
 *
 * @example
 * ```ts
 * requestedPage(url.searchParams.get('riskPage')); // 3, or 1 for 'x', '0' or null
 * ```
 */
export function requestedPage(raw: string | null): number {
  return raw !== null && /^[1-9][0-9]{0,4}$/.test(raw) && Number(raw) <= maxListPage
    ? Number(raw)
    : 1;
}

/** One list: the complaints of a state, of one company or of all. */
interface ComplaintListKey {
  state: ComplaintState;
  company?: string | undefined;
}

/**
 * A place in a list's order (newest first: `received_at`, then `sha256`, both descending): the
 * place of the row with these values, whether or not that row is still in the list.
 */
interface ComplaintPosition {
  receivedAt: number;
  sha256: string;
}

/** What a cursor asks for: the newest rows, the oldest, or the rows on one side of a place. */
type PageRequest =
  | { kind: 'first' | 'last' }
  | { kind: 'after' | 'before'; position: ComplaintPosition; cursor: string };

/** The cursor of the last page, the same in every list. */
const lastCursor = 'last';
/** `a` (the rows after the place, older) or `b` (before it, newer), the place, the list's tag. */
const cursorPattern = /^([ab])(\d{1,15})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{8})$/;

/**
 * Which list a cursor belongs to: a cursor is a place in one list's order, and in another list
 * (another state, another company) it would be a place among rows the reader never saw.
 */
function listTag(list: ComplaintListKey): string {
  return createHash('sha256')
    .update(`${list.state}\n${list.company ?? ''}`)
    .digest('base64url')
    .slice(0, 8);
}

/** The cursor of the rows after (older than) or before (newer than) `row`, in `list`. */
function encodeCursor(
  side: 'after' | 'before',
  row: ComplaintListEntry,
  list: ComplaintListKey,
): string {
  return `${side === 'after' ? 'a' : 'b'}${row.receivedAt}.${row.sha256}.${listTag(list)}`;
}

/**
 * What the cursor of a link asks of `list`. The cursor comes from the address bar, so anything
 * that is not a cursor of this very list (malformed, cut short, another list's or another
 * company's) asks for the first page, as a malformed page number did before cursors.
 */
function parseCursor(raw: string | null | undefined, list: ComplaintListKey): PageRequest {
  if (raw === lastCursor) return { kind: 'last' };
  const match =
    raw === null || raw === undefined || raw.length > 80 ? null : cursorPattern.exec(raw);
  if (match === null || match[4] !== listTag(list)) return { kind: 'first' };
  return {
    kind: match[1] === 'a' ? 'after' : 'before',
    position: { receivedAt: Number(match[2]), sha256: match[3]! },
    cursor: match[0],
  };
}

/** The cursor that asks for the page `request` asks for (null: the first page). */
function cursorOf(request: PageRequest): string | null {
  switch (request.kind) {
    case 'first':
      return null;
    case 'last':
      return lastCursor;
    default:
      return request.cursor;
  }
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
 * Up to `limit` rows of `list` in the order of `side`: `older` from the newest down (past
 * `position`, when given), `newer` from the oldest up (past `position`, when given).
 */
async function listRows(
  services: Services,
  list: ComplaintListKey,
  window: { side: 'older' | 'newer'; position?: ComplaintPosition; limit: number },
): Promise<ComplaintListEntry[]> {
  const db = services.context.cdb.db;
  const [op, value] = stateCondition(list.state);
  const direction = window.side === 'older' ? 'desc' : 'asc';
  // Without the signed messages the list does not show (up to 256 KiB each).
  let select = selectComplaints(db)
    .where('complaints.decision', op, value)
    .orderBy('complaints.received_at', direction)
    .orderBy('complaints.sha256', direction)
    .limit(window.limit);
  if (list.company !== undefined) select = select.where('complaints.company_id', '=', list.company);
  const position = window.position;
  if (position !== undefined) {
    // A row comparison, in the database's own order of sha256 (PostgreSQL's collation): the same
    // order the rows are sorted in, so no row falls between two pages.
    select = select.where(({ eb, refTuple, tuple }) =>
      eb(
        refTuple('complaints.received_at', 'complaints.sha256'),
        window.side === 'older' ? '<' : '>',
        tuple(position.receivedAt, position.sha256),
      ),
    );
  }
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
 * How many rows `list` holds, and how many of them come before (are newer than) `first`, in one
 * statement.
 */
async function listCount(
  services: Services,
  list: ComplaintListKey,
  first: ComplaintPosition | undefined,
): Promise<{ total: number; before: number }> {
  const [op, value] = stateCondition(list.state);
  let count = services.context.cdb.db
    .selectFrom('complaints')
    .select(({ eb, fn, refTuple, tuple }) => [
      fn.countAll<number | string>().as('total'),
      fn
        .count<number | string>(
          eb
            .case()
            .when(
              first === undefined
                ? eb.lit(false)
                : eb(
                    refTuple('complaints.received_at', 'complaints.sha256'),
                    '>',
                    tuple(first.receivedAt, first.sha256),
                  ),
            )
            .then(eb.lit(1))
            .end(),
        )
        .as('before'),
    ])
    .where('complaints.decision', op, value);
  if (list.company !== undefined) count = count.where('company_id', '=', list.company);
  const row = await count.executeTakeFirst();
  return { total: Number(row?.total ?? 0), before: Number(row?.before ?? 0) };
}

/**
 * The newest complaints of a state, with their company's name.
 *
 * @example
 * ```ts
 * const open = await complaintList(services, { state: 'open', limit: 50 });
 * ```
 */
export async function complaintList(
  services: Services,
  query: { state: ComplaintState; limit: number; company?: string },
): Promise<ComplaintListEntry[]> {
  return listRows(services, query, { side: 'older', limit: query.limit });
}

/**
 * One page of the complaints of a state, newest first, with where it stands in the list: the
 * lists page through all of them, so the oldest open complaint (the most overdue) stays within
 * reach however many came after it.
 *
 * The lists page by position, not by number: `cursor` (from a link's query) names a place
 * between two rows, and the page shows the rows right after it (a "next" link) or right before
 * it (a "previous" link); `'last'` shows the oldest rows, as many as a last page by number would.
 * A regulator deciding complaints as they page (each decided one leaves the open list) would,
 * with page numbers, find the next page starting one row later for every complaint decided, and
 * never see the rows that moved up. A place does not move, so no row is skipped, whatever was
 * decided or filed meanwhile.
 *
 * Where the page stands is counted when it is read (one count, with the total): rows
 * `from`–`to` of `total`. There is no page number: once rows above have gone, a page no longer
 * starts at a multiple of the page size, and "page 2" would name two different pages.
 *
 * A cursor that is not this list's (malformed, or another list's or another company's: it is
 * bound to the list) shows the first page, never an error. A place past either end (its rows
 * all decided meanwhile) shows the page at that end. The depth of a page costs nothing, so
 * the lists have no last page to cap (paging.ts `maxListPage` bounds the risk ranking only).
 *
 * @throws ProtocolError `ERR_QUERY_INVALID` for a `pageSize` out of range.
 * @example
 * ```ts
 * const first = await complaintPage(services, { state: 'open' });
 * const second = await complaintPage(services, { state: 'open', cursor: first.paging.next });
 * second.paging; // {from: 51, to: 100, total: 230, previous: 'b…', next: 'a…', last: 'last', …}
 * ```
 */
export async function complaintPage(
  services: Services,
  query: {
    state: ComplaintState;
    cursor?: string | null;
    pageSize?: number;
    company?: string;
  },
): Promise<ComplaintPage> {
  const pageSize = query.pageSize ?? complaintPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
    throw new ProtocolError('ERR_QUERY_INVALID', 'pageSize is a whole number from 1 to 200.', {
      parameter: 'pageSize',
    });
  }
  const list: ComplaintListKey = { state: query.state, company: query.company };
  let request = parseCursor(query.cursor, list);
  let items: ComplaintListEntry[] = [];
  if (request.kind === 'after' || request.kind === 'before') {
    const after = request.kind === 'after';
    items = await listRows(services, list, {
      side: after ? 'older' : 'newer',
      position: request.position,
      limit: pageSize,
    });
    if (!after) items.reverse();
    // Nothing left beyond the place: the list's end on that side.
    if (items.length === 0) request = { kind: after ? 'last' : 'first' };
  }
  let counted: { total: number; before: number };
  if (request.kind === 'last') {
    // As many rows as the last page by number holds, so going back from it meets the pages
    // going forward from the first (while nothing changes).
    const { total } = await listCount(services, list, undefined);
    const size = total === 0 ? 0 : ((total - 1) % pageSize) + 1;
    items =
      size === 0 ? [] : (await listRows(services, list, { side: 'newer', limit: size })).reverse();
    counted = { total, before: total - items.length };
  } else {
    if (request.kind === 'first') {
      items = await listRows(services, list, { side: 'older', limit: pageSize });
    }
    counted = await listCount(services, list, items[0]);
  }
  const from = counted.before + 1;
  const to = counted.before + items.length;
  // Counted after the rows were read: a row filed or decided in between moves the count, never
  // past the rows shown.
  const total = Math.max(counted.total, to);
  const first = items[0];
  const final = items[items.length - 1];
  return {
    items,
    paging: {
      pageSize,
      total,
      from,
      to,
      cursor: cursorOf(request),
      previous: first !== undefined && from > 1 ? encodeCursor('before', first, list) : null,
      next: final !== undefined && to < total ? encodeCursor('after', final, list) : null,
      last: to < total ? lastCursor : null,
    },
  };
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
  /**
   * The signed grant request the grant answers (its signed `requestSha256`), as stored: what the
   * company asked for, beside what the customer gave. Null when none of this company is stored.
   * The browser verifies it (evidence.ts) with the company's keys above, which come with every
   * key's lifetime, retired and compromised ones too, so a request of any time can be judged.
   */
  request: { sha256: string; jws: string } | null;
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
 * The stored signed grant request of `companyId` that the grant `grantJws` names in its signed
 * `requestSha256`, or null: the review shows the scopes asked beside the scopes given, both read
 * from the signed messages (never from the `grants` row's unsigned copy of the purposes).
 */
async function answeredRequest(
  db: Kysely<Database>,
  grantJws: string,
  companyId: string,
): Promise<{ sha256: string; jws: string } | null> {
  let requestSha256: unknown;
  try {
    requestSha256 = peekClaims(grantJws).payload.requestSha256;
  } catch {
    return null;
  }
  if (typeof requestSha256 !== 'string' || !sha256Pattern.test(requestSha256)) return null;
  const request = await db
    .selectFrom('grant_requests')
    .innerJoin('messages', 'messages.sha256', 'grant_requests.sha256')
    .select(['grant_requests.sha256', 'messages.jws'])
    .where('grant_requests.sha256', '=', requestSha256)
    .where('grant_requests.company_id', '=', companyId)
    .executeTakeFirst();
  return request === undefined ? null : { sha256: request.sha256, jws: request.jws };
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
      request: await answeredRequest(db, grant.jws, complaint.company),
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

/** Who signed a regulator's act: the signer id (`rg_` + key id), and the person's name if known. */
export interface ActSigner {
  signer: string;
  /** The name of the person whose key it is (retired or removed since, too); null if none is. */
  name: string | null;
}

/** A decision's reason, in both languages as signed, and who signed it. */
export interface DecisionNote {
  reason: Localized;
  regulator: ActSigner;
}

/** One suspension or reinstatement of a company, as its `suspension` message was signed. */
export interface SuspensionEntry {
  sha256: string;
  action: 'suspend' | 'reinstate';
  /** When the clearinghouse stored it (milliseconds). */
  at: number;
  reason: Localized;
  /**
   * The upheld complaints (their message sha256) a suspension rests on, as signed in its
   * `complaints` claim; empty when it cites none, and for a reinstatement.
   */
  complaints: string[];
  regulator: ActSigner;
}

/** The most suspensions and reinstatements {@link suspensionHistory} returns (the newest). */
export const suspensionHistoryLimit = 100;

/** The `reason` of a stored message's claims, `''` for a language it lacks (one odd row). */
function signedReason(jws: string): Localized {
  let reason: { de?: unknown; en?: unknown } = {};
  try {
    reason = (peekClaims(jws).payload.reason ?? {}) as typeof reason;
  } catch {
    reason = {};
  }
  return {
    de: typeof reason.de === 'string' ? reason.de : '',
    en: typeof reason.en === 'string' ? reason.en : '',
  };
}

/**
 * The `complaints` a stored `suspension` message cites, read from its signed claims (never from
 * a column beside it): each well-formed sha256 once, in the signed order; `[]` for a message
 * that cites none or cannot be read (one odd row must not hide the history).
 */
function signedCitations(jws: string): string[] {
  let cited: unknown;
  try {
    cited = peekClaims(jws).payload.complaints;
  } catch {
    return [];
  }
  if (!Array.isArray(cited)) return [];
  return [...new Set(cited.filter((sha256) => v.is(sha256Schema, sha256)))];
}

/**
 * The suspension in force as the public company page may show it: when it was stored and the
 * upheld complaints it rests on, as short ids only. An upheld complaint's existence is public
 * already (the trust figures count them); its full hash, evidence, reasons and the pseudonym
 * who filed it are not, and neither is who signed the suspension.
 */
export interface PublicSuspension {
  /** When the clearinghouse stored it (milliseconds). */
  at: number;
  /** The cited complaints' short ids (people/names.ts `shortId`), in the signed order. */
  complaints: string[];
}

/**
 * The suspension in force for `companyId`: its latest suspension or reinstatement if that is a
 * `suspend`, with the complaints it cites read from the signed message; null when none is.
 *
 * @example
 * ```ts
 * const suspension = company.status === 'suspended' ? await suspensionInForce(services, company.id) : null;
 * ```
 */
export async function suspensionInForce(
  services: Services,
  companyId: string,
): Promise<PublicSuspension | null> {
  const row = await services.context.cdb.db
    .selectFrom('suspensions')
    .innerJoin('messages', 'messages.sha256', 'suspensions.sha256')
    .select(['suspensions.action', 'suspensions.received_at', 'messages.jws'])
    .where('suspensions.company_id', '=', companyId)
    .orderBy('suspensions.received_at', 'desc')
    .orderBy('suspensions.sha256', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row?.action !== 'suspend') return null;
  return { at: Number(row.received_at), complaints: signedCitations(row.jws).map(shortId) };
}

/** Each regulator signer id (`rg_<kid>`) with its person's name, whatever the key's state now. */
async function actSigners(
  db: Kysely<Database>,
  signers: string[],
): Promise<Map<string, ActSigner>> {
  const kids = [...new Set(signers)].filter((s) => s.startsWith('rg_')).map((s) => s.slice(3));
  const rows =
    kids.length === 0
      ? []
      : await db
          .selectFrom('person_keys')
          .innerJoin('people', 'people.id', 'person_keys.person_id')
          .select(['person_keys.kid', 'people.name'])
          .where('person_keys.kid', 'in', kids)
          .where('people.role', '=', 'regulator')
          .execute();
  const names = new Map(rows.map((row) => [`rg_${row.kid}`, row.name]));
  return new Map(signers.map((signer) => [signer, { signer, name: names.get(signer) ?? null }]));
}

/**
 * The reason of `complaint`'s decision and who signed it; null while it is open.
 *
 * @example
 * ```ts
 * const note = await decisionNote(services, material.complaint); // { reason: { de, en }, regulator }
 * ```
 */
export async function decisionNote(
  services: Services,
  complaint: ComplaintView,
): Promise<DecisionNote | null> {
  if (complaint.decision === null) return null;
  let iss = '';
  try {
    iss = peekClaims(complaint.decision.jws).iss ?? '';
  } catch {
    iss = '';
  }
  const signers = await actSigners(services.context.cdb.db, [iss]);
  return {
    reason: signedReason(complaint.decision.jws),
    regulator: signers.get(iss) ?? { signer: iss, name: null },
  };
}

/**
 * The suspensions and reinstatements of `companyId`, newest first (at most
 * {@link suspensionHistoryLimit}), each with its reason, the upheld complaints it cites and who
 * signed it; `more` when older ones were left out.
 *
 * @example
 * ```ts
 * const { entries, more } = await suspensionHistory(services, company.id);
 * ```
 */
export async function suspensionHistory(
  services: Services,
  companyId: string,
): Promise<{ entries: SuspensionEntry[]; more: boolean }> {
  const db = services.context.cdb.db;
  const rows = await db
    .selectFrom('suspensions')
    .innerJoin('messages', 'messages.sha256', 'suspensions.sha256')
    .select([
      'suspensions.sha256',
      'suspensions.action',
      'suspensions.regulator',
      'suspensions.received_at',
      'messages.jws',
    ])
    .where('suspensions.company_id', '=', companyId)
    .orderBy('suspensions.received_at', 'desc')
    .orderBy('suspensions.sha256', 'desc')
    .limit(suspensionHistoryLimit + 1)
    .execute();
  const shown = rows.slice(0, suspensionHistoryLimit);
  const signers = await actSigners(
    db,
    shown.map((row) => row.regulator),
  );
  return {
    entries: shown.map((row) => ({
      sha256: row.sha256,
      action: row.action,
      at: Number(row.received_at),
      reason: signedReason(row.jws),
      complaints: signedCitations(row.jws),
      regulator: signers.get(row.regulator) ?? { signer: row.regulator, name: null },
    })),
    more: rows.length > suspensionHistoryLimit,
  };
}
