/**
 * The company console (issue 10, `/company`; docs/architecture.md "Company console"): what one
 * company's staff see, and the one door through which the console's signed actions reach the
 * services the API uses.
 *
 * The console signs nothing itself. Every action is a compact JWS made in the browser: with the
 * staff member's enrolled, non-extractable person key (revocation acknowledgements, data-request
 * answers, staff invitations and removals: SPECS "People who sign"), or with a company key the
 * person loads from their key file for this page only (registration updates, `company-key`,
 * `grant-request`, which docs/api.md reserves to company keys). The server checks that the message
 * speaks for the logged-in person's company and hands it to the same service the API route calls,
 * so the rules, the errors and the log are the API's, and a refused action writes nothing.
 */
import { createHash } from 'node:crypto';
import { ProtocolError, type ProtocolErrorCode } from '$protocol/errors';
import type { Localized } from '$protocol/messages';
import { hasMessage, type Locale, type MessageKey, type Params } from '$protocol/i18n';
import { compromisedKeySentence } from '$lib/components/company/company-key';
import { openMessage } from '$protocol/signed';
import { sealedBodyLimit } from './auth/body';
import { companySignerKey, peekClaims, type Caller } from './auth/signatures';
import type { CompanyView } from './companies';
import type { Finding } from './findings';
import { serverEd25519Verify } from './ed25519';
import { nowSeconds } from './message-store';
import { askedCategories, type DataRequestView } from './obligations';
import type { OpenInvitation, PersonView } from './people';
import { selectComplaints } from './oversight';
import { statusFor } from './problem';
import type { CorrectionItem } from './relay';
import { ackDeadlineFromEnv, type Services } from './services';
import { ackDueAt } from './trust';

/** A revocation as the console lists it: unacknowledged and overdue ones first. */
export interface ConsoleRevocation {
  sha256: string;
  pseudonym: string;
  /** Seconds: when it took effect (the revocation's `iat`). */
  iat: number;
  /** Milliseconds: when the clearinghouse stored it; the deadline runs from here. */
  receivedAt: number;
  /** Milliseconds. */
  deadline: number;
  state: 'overdue' | 'open' | 'acknowledged';
  ackedAt: number | null;
}

/** A grant the company holds. */
export interface ConsoleGrant {
  sha256: string;
  pseudonym: string;
  purposes: string[];
  /** Milliseconds. */
  createdAt: number;
  /** Seconds. */
  until: number;
  status: 'active' | 'revoked' | 'partly-revoked' | 'expired';
}

/** A refusal the company received. */
export interface ConsoleRefusal {
  sha256: string;
  pseudonym: string;
  createdAt: number;
  /** Seconds, or null: no cool-down. */
  askAgainAfter: number | null;
}

/** One of the company's grant requests with what it takes to publish it. */
export interface ConsoleRequest {
  sha256: string;
  targeted: boolean;
  createdAt: number;
  /**
   * An open request's link, the one its QR code and `/connect.js` carry (docs/api.md
   * `POST /api/v1/grant-requests`): it serves the signed request as JSON to an Assistant, so the
   * page shows it as text to share, never as a page for staff to open. Null for a targeted request:
   * only its pseudonym and the company may fetch it (signed), so there is nothing to share; null
   * too for a void one.
   */
  link: string | null;
  /**
   * Signed by a key at or after its declared compromise: void, no longer served nor answerable
   * (docs/api.md "Grant requests"), so no longer a link to share.
   */
  voided: boolean;
}

/** An offer the company sent and what the relay did with it. */
export interface ConsoleOffer {
  sha256: string;
  pseudonym: string;
  grantSha256: string;
  /** Milliseconds. */
  at: number;
  outcome: 'accepted' | 'refused';
  /** For a refused offer: the rule it broke (docs/api.md "Relay"). */
  rule: string | null;
}

/**
 * A disclosure that names an open data request (it was stored, the answer naming it was not: the
 * answer failed afterwards, or the company's systems sent only the disclosure). The console
 * answers with it instead of making a second one.
 */
export interface StoredDisclosure {
  sha256: string;
  /** The compact JWS: the page resends it exactly, which the service answers as a resend. */
  jws: string;
  /** Milliseconds: when the clearinghouse stored it. */
  createdAt: number;
  /** The data categories of its holdings (in clear in the message). */
  categories: string[];
}

/** An open data request, with the requesting pseudonym's public key to seal an export to. */
export interface ConsoleDataRequest extends DataRequestView {
  /** The data categories the request is limited to; null: it names none (all data held). */
  dataCategories: string[] | null;
  /** The pseudonym's Ed25519 public key (`x`, base64url), bound at its first message. */
  pseudonymKey: string | null;
  /** The newest stored disclosure naming this request, if any. */
  storedDisclosure: StoredDisclosure | null;
}

/**
 * A data request the company answered lately: the console lists it apart from the open ones, with
 * what the answer said and whether it came by the deadline, so an answered request does not
 * vanish from the page while the trust figures count it.
 */
export interface ConsoleAnsweredRequest {
  sha256: string;
  pseudonym: string;
  type: 'access' | 'erasure';
  /** Milliseconds. */
  receivedAt: number;
  deadline: number;
  answeredAt: number;
  /** By the deadline (the trust figures count it so). */
  onTime: boolean;
  outcome: 'disclosure' | 'erased' | 'refused';
  /** An erasure's erased categories; empty for other outcomes. */
  erased: string[];
  /** An erasure's kept categories and a refusal's or a kept category's reason, from the answer. */
  kept: string[];
  reason: Localized | null;
}

/** How many answered requests the console lists, and how far back (newest first). */
export const answeredListSize = 20;
export const answeredListDays = 90;

/**
 * A correction waiting for the company. The data category is outside the seal and always shown;
 * the value is sealed to a company key, so only the page opens it, with a loaded key file.
 */
export interface ConsoleCorrection extends CorrectionItem {
  dataCategory: string;
}

/**
 * A complaint against the company and, once decided, the regulator's decision: what
 * `GET /api/v1/complaints/{sha256}` gives the accused company, read out of the signed messages
 * (the complainant's comment and the evidence itself stay there, behind the API).
 */
export interface ConsoleComplaint {
  sha256: string;
  /** The complainant, by pseudonym only. */
  pseudonym: string;
  /** Milliseconds: when the clearinghouse stored it. */
  receivedAt: number;
  /** What was wrong: the protocol's complaint reason ids (`complaintReasons`). */
  reasons: string[];
  /** The kinds of its signed evidence, in its order (`evidenceKinds`: offer, disclosure, …). */
  evidence: string[];
  state: 'open' | 'upheld' | 'dismissed';
  /** For an open complaint: whole days since it was received, by the server's clock; else null. */
  openDays: number | null;
  /** The regulator's decision: when it was stored, and its reason as the regulator gave it. */
  decision: { sha256: string; decidedAt: number; reason: Localized } | null;
}

/** The regulator's suspension in force, from its signed message. */
export interface ConsoleSuspension {
  sha256: string;
  /** Milliseconds: when the clearinghouse stored it, which is when it took effect. */
  at: number;
  reason: Localized;
}

/** The console's paged lists (issue 10: long lists in pages, links that work without JavaScript). */
export const consoleLists = [
  'revocations',
  'grants',
  'refusals',
  'dataRequests',
  'corrections',
  'offers',
  'complaints',
] as const;
export type ConsoleList = (typeof consoleLists)[number];

/** Where one list stands: its page (1-based) and whether another follows. */
export interface ConsolePage {
  page: number;
  hasNext: boolean;
}

/** Rows per page of every console list. */
export const consolePageSize = 50;
/** The last page a list can be asked for (50 × 200 = 10,000 rows deep, a bounded offset). */
export const maxConsolePage = 200;

/**
 * The pages asked for in the page's query (`?grants=2&offers=3`); a missing, malformed or
 * out-of-range number is page 1, so a hand-edited link never fails.
 *
 * @example
 * ```ts
 * consolePages(url.searchParams); // {grants: 2, offers: 1, ...}
 * ```
 */
export function consolePages(query: URLSearchParams): Record<ConsoleList, number> {
  const pages = {} as Record<ConsoleList, number>;
  for (const list of consoleLists) {
    const raw = query.get(list) ?? '';
    const n = /^[1-9][0-9]{0,3}$/.test(raw) ? Number(raw) : 1;
    pages[list] = Math.min(n, maxConsolePage);
  }
  return pages;
}

/** Everything the console shows about one company. */
export interface ConsoleOverview {
  company: CompanyView;
  /** The revocation acknowledgement deadline in hours (REVOCATION_ACK_DEADLINE_HOURS). */
  ackDeadlineHours: number;
  /** The webhook of the registration (not in the public view), so an update can keep it. */
  webhook: string | null;
  /** What the company publishes at `<domain>/.well-known/consent-clearinghouse.json`. */
  domainProof: { url: string; body: { companyId: string; keys: string[] } };
  staff: PersonView[];
  /** Enrolment links to the company's staff not used and not expired yet, newest first. */
  invitations: OpenInvitation[];
  revocations: ConsoleRevocation[];
  grants: ConsoleGrant[];
  refusals: ConsoleRefusal[];
  requests: ConsoleRequest[];
  dataRequests: ConsoleDataRequest[];
  /**
   * Data requests answered in the last `answeredListDays` days, newest answer first, at most
   * `answeredListSize` of them.
   */
  answeredRequests: ConsoleAnsweredRequest[];
  /** The bounds of `answeredRequests`, for the page to say. */
  answeredList: { size: number; days: number };
  corrections: ConsoleCorrection[];
  findings: Finding[];
  offers: ConsoleOffer[];
  /** Complaints against the company, newest first. */
  complaints: ConsoleComplaint[];
  /** The suspension in force while the company is suspended; else (or if none is stored) null. */
  suspension: ConsoleSuspension | null;
  /** The page each list shows. */
  paging: Record<ConsoleList, ConsolePage>;
}

/** The console's signed actions, each the kind of message it carries. */
export const consoleKinds = [
  'company',
  'company-key',
  'grant-request',
  'revocation-ack',
  'data-request-answer',
  'person-invitation',
] as const;
export type ConsoleKind = (typeof consoleKinds)[number];

/** What an accepted action answers (the service's own receipt, plus a few named fields). */
export type ConsoleResult = Readonly<Record<string, unknown>>;

/** The console services. */
export interface CompanyConsole {
  /**
   * The overview of the person's company, each list at its page (default 1);
   * `ERR_NOT_AUTHORISED` for anyone but its staff.
   */
  overview(
    person: PersonView,
    pages?: Partial<Record<ConsoleList, number>>,
  ): Promise<ConsoleOverview>;
  /**
   * Submits a signed message of `kind` made in the browser for the person's company. Refused with
   * `ERR_NOT_AUTHORISED` when its `iss` is not that company, before any service sees it.
   */
  submit(person: PersonView, kind: ConsoleKind, jws: string): Promise<ConsoleResult>;
  /**
   * Removes a staff member: `authorization` is the `request` signature of
   * `DELETE /api/v1/people/{personId}` made with the person's key, verified as the API does.
   */
  removeStaff(person: PersonView, personId: string, authorization: string): Promise<void>;
  /**
   * Withdraws an open invitation: `authorization` is the `request` signature of
   * `DELETE /api/v1/people/invitations/{id}` made with the person's key, verified as the API does.
   */
  withdrawInvitation(person: PersonView, id: string, authorization: string): Promise<void>;
  /**
   * Deletes a correction the company has applied (it leaves the list and the API's; docs/api.md
   * "Relay"). The page asks for an explicit confirmation first (`+page.server.ts`): once deleted,
   * the company's systems can no longer fetch it.
   */
  applyCorrection(person: PersonView, id: string): Promise<{ deleted: number }>;
  /**
   * Answers an access request with a disclosure: `disclosure` (what the company holds, its
   * export sealed to the pseudonym) and `answer` (outcome `disclosure`, naming the disclosure's
   * SHA-256), both signed in the browser. Everything the answer's service will check that can be
   * checked before anything is stored is checked first (both speak for the company, belong
   * together, answer an open access request of that pseudonym, both signatures verify, neither
   * `jti` was used before by its signer), so a refused pair writes nothing; then the disclosure
   * and the answer go to the API's services in that order.
   *
   * A disclosure stored before (the same compact JWS: an answer that failed after it, listed as
   * the request's `storedDisclosure`) is reused, not stored twice: the service answers the resend
   * with its receipt. The very same pair sent again after it was accepted is answered with the
   * receipts, as the API answers resends.
   */
  answerWithDisclosure(
    person: PersonView,
    disclosure: string,
    answer: string,
  ): Promise<ConsoleResult>;
}

const sha256Pattern = /^[A-Za-z0-9_-]{43}$/;
const personIdPattern = /^pe_[A-Za-z0-9_-]{22}$/;

/**
 * The company whose staff `person` is.
 *
 * @throws ProtocolError `ERR_NOT_AUTHORISED` (403) for anyone else (a regulator, say).
 */
export function companyOf(person: PersonView): string {
  if (person.role !== 'staff' || person.companyId === null) {
    throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a company’s staff use its console.');
  }
  return person.companyId;
}

function pageOf(pages: Partial<Record<ConsoleList, number>>, list: ConsoleList): number {
  const n = pages[list];
  return n !== undefined && Number.isInteger(n) && n >= 1 ? Math.min(n, maxConsolePage) : 1;
}

/** What a stored data-request answer says: erased and kept categories, and its reason. */
function answerContent(jws: string): Pick<ConsoleAnsweredRequest, 'erased' | 'kept' | 'reason'> {
  let payload: Readonly<Record<string, unknown>>;
  try {
    payload = peekClaims(jws).payload;
  } catch {
    return { erased: [], kept: [], reason: null };
  }
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
  const localized = (value: unknown): Localized | null => {
    if (typeof value !== 'object' || value === null) return null;
    const { de, en } = value as Record<string, unknown>;
    return typeof de === 'string' && typeof en === 'string' ? { de, en } : null;
  };
  const retained = (payload.retained ?? {}) as Record<string, unknown>;
  return {
    erased: payload.outcome === 'erased' ? strings(payload.dataCategories) : [],
    kept: payload.outcome === 'erased' ? strings(retained.dataCategories) : [],
    reason: localized(payload.outcome === 'erased' ? retained.reason : payload.reason),
  };
}

/** One page of `rows` fetched with one row more than a page: the extra one says "more follow". */
function paged<T>(rows: T[], page: number): { items: T[]; paging: ConsolePage } {
  return {
    items: rows.slice(0, consolePageSize),
    paging: { page, hasNext: rows.length > consolePageSize },
  };
}

function invalidPair(issue: string): ProtocolError {
  return new ProtocolError(
    'ERR_MESSAGE_INVALID',
    'The disclosure and the answer do not belong together.',
    { issues: [issue] },
  );
}

/** The data categories of a stored (so verified) disclosure's holdings. */
function categoriesOf(jws: string): string[] {
  const holdings = peekClaims(jws).payload.holdings;
  if (!Array.isArray(holdings)) return [];
  return holdings
    .map((h: unknown) => (h as { dataCategory?: unknown } | null)?.dataCategory)
    .filter((c): c is string => typeof c === 'string');
}

function replayed(): ProtocolError {
  return new ProtocolError('ERR_JWS_REPLAYED', 'This jti was used before by this signer.');
}

/**
 * The claims of a stored message, or an empty payload: stored messages were verified, but one
 * odd row must not take the whole console down.
 */
function payloadOf(jws: string | null): Readonly<Record<string, unknown>> {
  if (jws === null) return {};
  try {
    return peekClaims(jws).payload;
  } catch {
    return {};
  }
}

function localizedOf(value: unknown): Localized {
  const text = (value ?? {}) as { de?: unknown; en?: unknown };
  return {
    de: typeof text.de === 'string' ? text.de : '',
    en: typeof text.en === 'string' ? text.en : '',
  };
}

const dayMs = 86_400_000;

/** The strings of a stored JSON array (purposes, reasons, evidence kinds); `[]` for anything else. */
function stringsOfJson(json: string | null): string[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Creates the console on the API's services.
 *
 * @example
 * ```ts
 * const console = createCompanyConsole(await getServices());
 * const overview = await console.overview(person);
 * ```
 */
export function createCompanyConsole(
  services: Services,
  options: { ackDeadlineMs?: number } = {},
): CompanyConsole {
  const ctx = services.context;
  const db = ctx.cdb.db;
  const ackDeadlineMs = options.ackDeadlineMs ?? ackDeadlineFromEnv();

  async function revocations(
    companyId: string,
    nowMs: number,
    page: number,
  ): Promise<{ items: ConsoleRevocation[]; paging: ConsolePage }> {
    // Every unacknowledged one (they are the work), then the acknowledged ones, newest first;
    // the open ones are sorted here (overdue first), so they are read whole, up to a bound.
    const want = page * consolePageSize + 1;
    const open = await db
      .selectFrom('revocations')
      .select(['sha256', 'pseudonym', 'iat', 'received_at', 'acked_at', 'ack_deadline'])
      .where('company_id', '=', companyId)
      .where('acked_at', 'is', null)
      .orderBy('received_at')
      .orderBy('sha256')
      .limit(maxConsolePage * consolePageSize + 1)
      .execute();
    const acked =
      open.length >= want
        ? []
        : await db
            .selectFrom('revocations')
            .select(['sha256', 'pseudonym', 'iat', 'received_at', 'acked_at', 'ack_deadline'])
            .where('company_id', '=', companyId)
            .where('acked_at', 'is not', null)
            .orderBy('acked_at', 'desc')
            .orderBy('sha256')
            .limit(want - open.length)
            .execute();
    const view = (row: (typeof open)[number]): ConsoleRevocation => {
      const deadline = ackDueAt(row, ackDeadlineMs);
      return {
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        iat: row.iat,
        receivedAt: row.received_at,
        deadline,
        ackedAt: row.acked_at,
        state: row.acked_at !== null ? 'acknowledged' : nowMs >= deadline ? 'overdue' : 'open',
      };
    };
    const waiting = open.map(view);
    // Overdue first (oldest deadline first), then those still within their deadline.
    waiting.sort((a, b) =>
      a.state === b.state ? a.deadline - b.deadline : a.state === 'overdue' ? -1 : 1,
    );
    const all = [...waiting, ...acked.map(view)];
    return paged(all.slice((page - 1) * consolePageSize), page);
  }

  async function grants(
    companyId: string,
    nowSeconds: number,
    page: number,
  ): Promise<{ items: ConsoleGrant[]; paging: ConsolePage }> {
    const rows = await db
      .selectFrom('grants')
      .select(['sha256', 'pseudonym', 'purposes', 'created_at', 'until', 'revoked_at'])
      .select('revoked_purposes')
      .where('company_id', '=', companyId)
      .orderBy('created_at', 'desc')
      .orderBy('sha256')
      .limit(consolePageSize + 1)
      .offset((page - 1) * consolePageSize)
      .execute();
    const views = rows.map((row): ConsoleGrant => {
      const revokedPurposes = stringsOfJson(row.revoked_purposes);
      return {
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        purposes: stringsOfJson(row.purposes),
        createdAt: row.created_at,
        until: row.until,
        status:
          row.revoked_at !== null
            ? 'revoked'
            : nowSeconds >= row.until
              ? 'expired'
              : revokedPurposes.length > 0
                ? 'partly-revoked'
                : 'active',
      };
    });
    return paged(views, page);
  }

  async function offers(
    companyId: string,
    page: number,
  ): Promise<{ items: ConsoleOffer[]; paging: ConsolePage }> {
    // Two tables merged by time: the first `want` of each hold the first `want` of the merge.
    const want = page * consolePageSize + 1;
    const accepted = await db
      .selectFrom('relay_contacts')
      .select(['offer_sha256', 'pseudonym', 'grant_sha256', 'accepted_at'])
      .where('company_id', '=', companyId)
      .orderBy('accepted_at', 'desc')
      .orderBy('offer_sha256')
      .limit(want)
      .execute();
    const refused = await db
      .selectFrom('relay_refusals')
      .select(['offer_sha256', 'pseudonym', 'grant_sha256', 'rule', 'refused_at'])
      .where('company_id', '=', companyId)
      .orderBy('refused_at', 'desc')
      .orderBy('offer_sha256')
      .limit(want)
      .execute();
    const all: ConsoleOffer[] = [
      ...accepted.map((row) => ({
        sha256: row.offer_sha256,
        pseudonym: row.pseudonym,
        grantSha256: row.grant_sha256,
        at: row.accepted_at,
        outcome: 'accepted' as const,
        rule: null,
      })),
      ...refused.map((row) => ({
        sha256: row.offer_sha256,
        pseudonym: row.pseudonym,
        grantSha256: row.grant_sha256,
        at: row.refused_at,
        outcome: 'refused' as const,
        rule: row.rule,
      })),
    ];
    all.sort((a, b) => b.at - a.at || (a.sha256 < b.sha256 ? -1 : 1));
    return paged(all.slice((page - 1) * consolePageSize, want), page);
  }

  async function dataRequests(
    companyId: string,
    page: number,
  ): Promise<{ items: ConsoleDataRequest[]; paging: ConsolePage }> {
    // Open ones, oldest first (the earliest deadline is the most urgent), as the API lists them.
    const rows = await db
      .selectFrom('data_requests')
      .innerJoin('messages', 'messages.sha256', 'data_requests.sha256')
      .leftJoin('pseudonyms', 'pseudonyms.pseudonym', 'data_requests.pseudonym')
      .select([
        'data_requests.sha256',
        'data_requests.pseudonym',
        'data_requests.type',
        'data_requests.received_at',
        'data_requests.deadline',
        'messages.jws',
        'pseudonyms.x',
      ])
      .where('data_requests.company_id', '=', companyId)
      .where('data_requests.answer_sha256', 'is', null)
      .orderBy('data_requests.received_at')
      .orderBy('data_requests.sha256')
      .limit(consolePageSize + 1)
      .offset((page - 1) * consolePageSize)
      .execute();
    const stored = await storedDisclosures(companyId, rows.slice(0, consolePageSize));
    return paged(
      rows.map((row) => ({
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        type: row.type,
        jws: row.jws,
        receivedAt: Number(row.received_at),
        deadline: Number(row.deadline),
        answer: null,
        dataCategories: askedCategories(row.jws),
        pseudonymKey: row.x ?? null,
        storedDisclosure: stored.get(row.sha256) ?? null,
      })),
      page,
    );
  }

  /** The company's data requests answered since `sinceMs`, newest answer first (a bounded list). */
  async function answeredRequests(
    companyId: string,
    sinceMs: number,
  ): Promise<ConsoleAnsweredRequest[]> {
    const rows = await db
      .selectFrom('data_requests')
      .innerJoin('messages', 'messages.sha256', 'data_requests.answer_sha256')
      .select([
        'data_requests.sha256',
        'data_requests.pseudonym',
        'data_requests.type',
        'data_requests.received_at',
        'data_requests.deadline',
        'data_requests.outcome',
        'data_requests.answered_at',
        'messages.jws',
      ])
      .where('data_requests.company_id', '=', companyId)
      .where('data_requests.answered_at', '>=', sinceMs)
      .orderBy('data_requests.answered_at', 'desc')
      .orderBy('data_requests.sha256')
      .limit(answeredListSize)
      .execute();
    return rows.flatMap((row) => {
      if (row.outcome === null || row.answered_at === null) return [];
      // The answer was verified when it was stored; read here only for what it says.
      const said = answerContent(row.jws);
      const answeredAt = Number(row.answered_at);
      const deadline = Number(row.deadline);
      return [
        {
          sha256: row.sha256,
          pseudonym: row.pseudonym,
          type: row.type,
          receivedAt: Number(row.received_at),
          deadline,
          answeredAt,
          onTime: answeredAt <= deadline,
          outcome: row.outcome,
          ...said,
        },
      ];
    });
  }

  /** The newest disclosure of the company naming each of `requests` (open ones: no answer yet). */
  async function storedDisclosures(
    companyId: string,
    requests: { sha256: string; pseudonym: string }[],
  ): Promise<Map<string, StoredDisclosure>> {
    const found = new Map<string, StoredDisclosure>();
    if (requests.length === 0) return found;
    // By pseudonym first: `disclosures_pseudonym_idx` holds few rows per pseudonym, while no index
    // leads with the data request.
    const pseudonyms = [...new Set(requests.map((r) => r.pseudonym))];
    const rows = await db
      .selectFrom('disclosures')
      .innerJoin('messages', 'messages.sha256', 'disclosures.sha256')
      .select([
        'disclosures.sha256',
        'disclosures.data_request_sha256',
        'disclosures.created_at',
        'messages.jws',
      ])
      .where('disclosures.pseudonym', 'in', pseudonyms)
      .where('disclosures.company_id', '=', companyId)
      .where(
        'disclosures.data_request_sha256',
        'in',
        requests.map((r) => r.sha256),
      )
      .orderBy('disclosures.created_at', 'desc')
      .orderBy('disclosures.sha256')
      .execute();
    for (const row of rows) {
      const request = row.data_request_sha256;
      if (request === null || found.has(request)) continue;
      found.set(request, {
        sha256: row.sha256,
        jws: row.jws,
        createdAt: Number(row.created_at),
        categories: categoriesOf(row.jws),
      });
    }
    return found;
  }

  async function corrections(
    companyId: string,
    page: number,
  ): Promise<{ items: ConsoleCorrection[]; paging: ConsolePage }> {
    const rows = await db
      .selectFrom('relay_corrections')
      .innerJoin('messages', 'messages.sha256', 'relay_corrections.id')
      .select([
        'relay_corrections.id',
        'relay_corrections.seq',
        'relay_corrections.pseudonym',
        'relay_corrections.data_category',
        'relay_corrections.received_at',
        'messages.jws',
      ])
      .where('relay_corrections.company_id', '=', companyId)
      .orderBy('relay_corrections.seq')
      .limit(consolePageSize + 1)
      .offset((page - 1) * consolePageSize)
      .execute();
    return paged(
      rows.map((row) => ({
        id: row.id,
        cursor: String(row.seq),
        pseudonym: row.pseudonym,
        dataCategory: row.data_category,
        jws: row.jws,
        receivedAt: Number(row.received_at),
      })),
      page,
    );
  }

  async function refusals(
    companyId: string,
    page: number,
  ): Promise<{ items: ConsoleRefusal[]; paging: ConsolePage }> {
    const rows = await db
      .selectFrom('refusals')
      .select(['sha256', 'pseudonym', 'created_at', 'ask_again_after'])
      .where('company_id', '=', companyId)
      .orderBy('created_at', 'desc')
      .orderBy('sha256')
      .limit(consolePageSize + 1)
      .offset((page - 1) * consolePageSize)
      .execute();
    return paged(
      rows.map((r) => ({
        sha256: r.sha256,
        pseudonym: r.pseudonym,
        createdAt: r.created_at,
        askAgainAfter: r.ask_again_after,
      })),
      page,
    );
  }

  async function complaints(
    companyId: string,
    nowMs: number,
    page: number,
  ): Promise<{ items: ConsoleComplaint[]; paging: ConsolePage }> {
    // Newest first along `complaints_company_idx` (company_id, received_at).
    const rows = await selectComplaints(db)
      .where('complaints.company_id', '=', companyId)
      .orderBy('complaints.received_at', 'desc')
      .orderBy('complaints.sha256')
      .limit(consolePageSize + 1)
      .offset((page - 1) * consolePageSize)
      .execute();
    const { items, paging } = paged(rows, page);
    return {
      items: items.map((row): ConsoleComplaint => {
        const receivedAt = Number(row.received_at);
        const reasons = stringsOfJson(row.reasons);
        const decided =
          row.decision !== null && row.decision_sha256 !== null
            ? { verdict: row.decision, sha256: row.decision_sha256 }
            : null;
        return {
          sha256: row.sha256,
          pseudonym: row.pseudonym,
          receivedAt,
          reasons,
          evidence: stringsOfJson(row.evidence_kinds),
          state: decided?.verdict ?? 'open',
          openDays: decided === null ? Math.max(0, Math.floor((nowMs - receivedAt) / dayMs)) : null,
          decision:
            decided === null
              ? null
              : {
                  sha256: decided.sha256,
                  decidedAt: Number(row.decided_at),
                  reason: localizedOf(payloadOf(row.decision_jws).reason),
                },
        };
      }),
      paging,
    };
  }

  /** The latest `suspend` of the company: the one in force while it is suspended. */
  async function suspension(companyId: string): Promise<ConsoleSuspension | null> {
    const row = await db
      .selectFrom('suspensions')
      .innerJoin('messages', 'messages.sha256', 'suspensions.sha256')
      .select(['suspensions.sha256', 'suspensions.received_at', 'messages.jws'])
      .where('suspensions.company_id', '=', companyId)
      .where('suspensions.action', '=', 'suspend')
      .orderBy('suspensions.received_at', 'desc')
      .orderBy('suspensions.sha256', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      sha256: row.sha256,
      at: Number(row.received_at),
      reason: localizedOf(payloadOf(row.jws).reason),
    };
  }

  /**
   * Who signed `authorization`, the `request` signature of the API's `DELETE path` made in the
   * console with the person's key: verified as the API does, and refused unless it signs for
   * `companyId`.
   */
  async function deletionBy(
    companyId: string,
    path: string,
    authorization: string,
  ): Promise<Caller> {
    const caller = await services.requests.verify(authorization, 'DELETE', path);
    if (caller.type !== 'company' || caller.id !== companyId) {
      throw new ProtocolError('ERR_NOT_AUTHORISED', 'This request is not signed for your company.');
    }
    return caller;
  }

  return {
    async overview(person, pages = {}) {
      const companyId = companyOf(person);
      const nowMs = ctx.now();
      const company = await services.companies.view(companyId);
      const row = await db
        .selectFrom('companies')
        .select('profile')
        .where('id', '=', companyId)
        .executeTakeFirstOrThrow();
      const profile = JSON.parse(row.profile) as { webhook?: unknown };
      const currentKids = (company.keys ?? [])
        .filter((key) => key.retiredAt === null && key.compromisedSince === null)
        .map((key) => key.kid);
      const requestRows = await db
        .selectFrom('grant_requests')
        .innerJoin('company_keys', 'company_keys.kid', 'grant_requests.signer')
        .select([
          'grant_requests.sha256',
          'grant_requests.pseudonym',
          'grant_requests.created_at',
          'grant_requests.iat',
          'company_keys.compromised_since',
        ])
        .where('grant_requests.company_id', '=', companyId)
        .orderBy('grant_requests.created_at', 'desc')
        .orderBy('grant_requests.sha256')
        .limit(20)
        .execute();
      const [
        staff,
        invitations,
        revocationList,
        grantList,
        refusalList,
        requestList,
        correctionList,
      ] = await Promise.all([
        services.people.staffOf(companyId),
        services.people.openInvitationsOfCompany(companyId),
        revocations(companyId, nowMs, pageOf(pages, 'revocations')),
        grants(companyId, Math.floor(nowMs / 1000), pageOf(pages, 'grants')),
        refusals(companyId, pageOf(pages, 'refusals')),
        dataRequests(companyId, pageOf(pages, 'dataRequests')),
        corrections(companyId, pageOf(pages, 'corrections')),
      ]);
      const [findings, offerList, complaintList, suspended, answered] = await Promise.all([
        services.findings(companyId),
        offers(companyId, pageOf(pages, 'offers')),
        complaints(companyId, nowMs, pageOf(pages, 'complaints')),
        company.status === 'suspended' ? suspension(companyId) : null,
        answeredRequests(companyId, nowMs - answeredListDays * 86_400_000),
      ]);
      return {
        company,
        ackDeadlineHours: Math.round(ackDeadlineMs / 3_600_000),
        webhook: typeof profile.webhook === 'string' ? profile.webhook : null,
        domainProof: {
          url: `${company.domain}/.well-known/consent-clearinghouse.json`,
          body: { companyId, keys: currentKids },
        },
        staff,
        invitations,
        revocations: revocationList.items,
        grants: grantList.items,
        refusals: refusalList.items,
        requests: requestRows.map((r) => {
          const voided = r.compromised_since !== null && r.iat >= r.compromised_since;
          return {
            sha256: r.sha256,
            targeted: r.pseudonym !== null,
            createdAt: r.created_at,
            link:
              r.pseudonym === null && !voided
                ? `${ctx.origin}/api/v1/grant-requests/${r.sha256}`
                : null,
            voided,
          };
        }),
        dataRequests: requestList.items,
        answeredRequests: answered,
        answeredList: { size: answeredListSize, days: answeredListDays },
        corrections: correctionList.items,
        findings,
        offers: offerList.items,
        complaints: complaintList.items,
        suspension: suspended,
        paging: {
          revocations: revocationList.paging,
          grants: grantList.paging,
          refusals: refusalList.paging,
          dataRequests: requestList.paging,
          corrections: correctionList.paging,
          offers: offerList.paging,
          complaints: complaintList.paging,
        },
      };
    },

    async submit(person, kind, jws) {
      const companyId = companyOf(person);
      if (typeof jws !== 'string' || jws.length === 0) {
        throw new ProtocolError('ERR_JWS_MALFORMED', 'A compact JWS has three non-empty parts.');
      }
      const { iss } = peekClaims(jws);
      if (iss !== companyId) {
        // The console speaks for the logged-in person's company only.
        throw new ProtocolError(
          'ERR_NOT_AUTHORISED',
          'This message is not signed for your company.',
        );
      }
      switch (kind) {
        case 'company':
          return { ...(await services.companies.register(jws)) };
        case 'company-key':
          return { ...(await services.companies.changeKey(jws)) };
        case 'grant-request':
          return { ...(await services.consents.createGrantRequest(jws)) };
        case 'revocation-ack':
          return { ...(await services.consents.acknowledgeRevocation(jws)) };
        case 'data-request-answer':
          return { ...(await services.obligations.answerDataRequest(jws)) };
        case 'person-invitation':
          return { ...(await services.people.invite(jws)) };
        default:
          throw new ProtocolError('ERR_QUERY_INVALID', 'This action is unknown.');
      }
    },

    async removeStaff(person, personId, authorization) {
      const companyId = companyOf(person);
      if (!personIdPattern.test(personId)) {
        throw new ProtocolError('ERR_PERSON_UNKNOWN', 'No such person.');
      }
      const caller = await deletionBy(companyId, `/api/v1/people/${personId}`, authorization);
      await services.people.remove(caller, personId);
    },

    async withdrawInvitation(person, id, authorization) {
      const companyId = companyOf(person);
      if (!sha256Pattern.test(id)) {
        throw new ProtocolError('ERR_ENROLMENT_UNKNOWN', 'No open invitation has this id.');
      }
      const caller = await deletionBy(companyId, `/api/v1/people/invitations/${id}`, authorization);
      await services.people.withdrawInvitation(caller, id);
    },

    async applyCorrection(person, id) {
      const companyId = companyOf(person);
      if (!sha256Pattern.test(id))
        throw new ProtocolError('ERR_QUERY_INVALID', 'No such correction.');
      return services.relay.acknowledgeCorrection(companyId, id);
    },

    async answerWithDisclosure(person, disclosure, answer) {
      const companyId = companyOf(person);
      for (const token of [disclosure, answer]) {
        if (typeof token !== 'string' || token.length === 0) {
          throw new ProtocolError('ERR_JWS_MALFORMED', 'A compact JWS has three non-empty parts.');
        }
      }
      const told = peekClaims(disclosure);
      const answered = peekClaims(answer);
      if (told.iss !== companyId || answered.iss !== companyId) {
        throw new ProtocolError(
          'ERR_NOT_AUTHORISED',
          'This message is not signed for your company.',
        );
      }
      // The answer names the disclosure by the SHA-256 of its compact JWS (SPECS "JWS").
      const disclosureSha256 = createHash('sha256').update(disclosure, 'ascii').digest('base64url');
      if (answered.payload.outcome !== 'disclosure') throw invalidPair('outcome');
      if (answered.payload.disclosureSha256 !== disclosureSha256) {
        throw invalidPair('disclosureSha256');
      }
      const requestSha256 = answered.payload.requestSha256;
      if (told.payload.dataRequestSha256 !== requestSha256) throw invalidPair('dataRequestSha256');
      if (told.aud !== answered.aud) throw invalidPair('aud');
      const request =
        typeof requestSha256 === 'string' && sha256Pattern.test(requestSha256)
          ? await db
              .selectFrom('data_requests')
              .select(['type', 'pseudonym', 'answer_sha256'])
              .where('sha256', '=', requestSha256)
              .where('company_id', '=', companyId)
              .executeTakeFirst()
          : undefined;
      if (request === undefined || request.pseudonym !== answered.aud) {
        throw new ProtocolError(
          'ERR_DATA_REQUEST_UNKNOWN',
          'No such data request was sent to this company by this pseudonym.',
        );
      }
      const answerSha256 = createHash('sha256').update(answer, 'ascii').digest('base64url');
      if (request.answer_sha256 !== null && request.answer_sha256 === answerSha256) {
        // The very pair accepted before, sent again (its answer was lost on the way back): both
        // services answer a resend with its receipt and change nothing.
        const stored = await services.obligations.submitDisclosure(disclosure);
        const receipt = await services.obligations.answerDataRequest(answer);
        return { ...receipt, disclosureSha256: stored.sha256 };
      }
      if (request.answer_sha256 !== null) {
        throw new ProtocolError(
          'ERR_DATA_REQUEST_ALREADY_ANSWERED',
          'This request was answered before.',
        );
      }
      if (request.type !== 'access') {
        throw new ProtocolError(
          'ERR_MESSAGE_INVALID',
          'A disclosure answers an access request only.',
          { issues: ['outcome'] },
        );
      }
      // Both messages' signatures and claims, as the services will check them, before the
      // disclosure is stored: a forged or expired answer must not leave a disclosure behind.
      const opening = {
        maxLength: sealedBodyLimit,
        verifySignature: serverEd25519Verify,
        audience: request.pseudonym,
        now: nowSeconds(ctx),
        resolveKey: async (kid: string) => (await companySignerKey(db, companyId, kid))?.key,
      };
      const openedAnswer = await openMessage('data-request-answer', answer, opening);
      // A disclosure stored before (a retry after its answer failed) is reused: the service
      // answers the resend of the same JWS with its receipt, whatever its `exp` says by now.
      const storedBefore = await db
        .selectFrom('messages')
        .select('kind')
        .where('sha256', '=', disclosureSha256)
        .executeTakeFirst();
      const uses = [{ kid: openedAnswer.kid, jti: openedAnswer.payload.jti }];
      if (storedBefore === undefined) {
        const openedDisclosure = await openMessage('disclosure', disclosure, opening);
        uses.push({ kid: openedDisclosure.kid, jti: openedDisclosure.payload.jti });
      } else if (storedBefore.kind !== 'disclosure') {
        throw invalidPair('disclosureSha256');
      }
      // The answer's `jti` (and a new disclosure's) must be unused by its signer, or the writer
      // refuses it as a replay, after the disclosure would have been stored.
      if (uses.length === 2 && uses[0]!.kid === uses[1]!.kid && uses[0]!.jti === uses[1]!.jti) {
        throw replayed();
      }
      for (const use of uses) {
        const seen = await db
          .selectFrom('seen_jtis')
          .select('jti')
          .where('signer', '=', use.kid)
          .where('jti', '=', use.jti)
          .executeTakeFirst();
        if (seen !== undefined) throw replayed();
      }
      const stored = await services.obligations.submitDisclosure(disclosure);
      const receipt = await services.obligations.answerDataRequest(answer);
      return { ...receipt, disclosureSha256: stored.sha256 };
    },
  };
}

/** The codes whose causes have sentences of their own, by the prefix of their catalog keys. */
const causeSentences: Partial<Record<ProtocolErrorCode, string>> = {
  ERR_COMPANY_KEY_CONFLICT: 'portal.console.keyConflict',
};

/**
 * What a refused console action shows: the catalog sentence of its error code (German and
 * English), the values it names (`params`, in `locale`: a time), and the HTTP status of the form
 * answer. A key declared compromised (`ERR_JWS_KID_UNKNOWN` whose detail says so) is said as such,
 * with the time, not as a key never known. Anything that is not a `ProtocolError` is logged and
 * shown as a general failure, never as a stack trace.
 *
 * @example
 * ```ts
 * const { status, key, params } = consoleFailure(error, event.locals.locale);
 * return fail(status, { action: 'ack', error: key, params });
 * ```
 */
export function consoleFailure(
  error: unknown,
  locale: Locale = 'en',
): { status: number; key: MessageKey; params?: Params } {
  if (error instanceof ProtocolError) {
    const since = error.detail?.['compromisedSince'];
    if (
      error.code === 'ERR_JWS_KID_UNKNOWN' &&
      error.detail?.['reason'] === 'compromised' &&
      typeof since === 'number' &&
      Number.isSafeInteger(since)
    ) {
      const { key, params } = compromisedKeySentence(locale, since);
      return { status: statusFor(error.code), key, ...(params === undefined ? {} : { params }) };
    }
    // A code with several causes names its cause in the detail (`conflict`); its own sentence
    // says which and what to do, the code's general one stands for any other.
    const cause = error.detail?.['conflict'];
    const prefix = causeSentences[error.code];
    const refined =
      prefix !== undefined && typeof cause === 'string' ? `${prefix}.${cause}` : undefined;
    const key = refined !== undefined && hasMessage(refined) ? refined : `errors.${error.code}`;
    return {
      status: statusFor(error.code),
      key: hasMessage(key) ? key : 'portal.console.failed',
    };
  }
  console.error('[company console]', error);
  return { status: 500, key: 'portal.console.failed' };
}
