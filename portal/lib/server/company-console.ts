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
import { ProtocolError } from '$protocol/errors';
import { hasMessage, type MessageKey } from '$protocol/i18n';
import { peekClaims, type Caller } from './auth/signatures';
import type { CompanyView } from './companies';
import type { Finding } from './findings';
import type { DataRequestView } from './obligations';
import type { PersonView } from './people';
import { statusFor } from './problem';
import type { CorrectionItem } from './relay';
import { ackDeadlineFromEnv, type Services } from './services';

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
  link: string;
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
  revocations: ConsoleRevocation[];
  grants: ConsoleGrant[];
  refusals: ConsoleRefusal[];
  requests: ConsoleRequest[];
  dataRequests: DataRequestView[];
  corrections: CorrectionItem[];
  findings: Finding[];
  offers: ConsoleOffer[];
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
  /** The overview of the person's company; `ERR_NOT_AUTHORISED` for anyone but its staff. */
  overview(person: PersonView): Promise<ConsoleOverview>;
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
  /** Marks a correction as applied (it leaves the list; docs/api.md "Relay"). */
  applyCorrection(person: PersonView, id: string): Promise<{ deleted: number }>;
}

const listLimit = 100;
const sha256Pattern = /^[A-Za-z0-9_-]{43}$/;
const personIdPattern = /^pe_[A-Za-z0-9_-]{22}$/;

function companyOf(person: PersonView): string {
  if (person.role !== 'staff' || person.companyId === null) {
    throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a company’s staff use its console.');
  }
  return person.companyId;
}

function parsePurposes(json: string | null): string[] {
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

  async function revocations(companyId: string, nowMs: number): Promise<ConsoleRevocation[]> {
    // Every unacknowledged one (they are the work), then the latest acknowledged ones.
    const open = await db
      .selectFrom('revocations')
      .select(['sha256', 'pseudonym', 'iat', 'received_at', 'acked_at'])
      .where('company_id', '=', companyId)
      .where('acked_at', 'is', null)
      .orderBy('received_at')
      .orderBy('sha256')
      .limit(500)
      .execute();
    const acked = await db
      .selectFrom('revocations')
      .select(['sha256', 'pseudonym', 'iat', 'received_at', 'acked_at'])
      .where('company_id', '=', companyId)
      .where('acked_at', 'is not', null)
      .orderBy('acked_at', 'desc')
      .orderBy('sha256')
      .limit(20)
      .execute();
    const view = (row: (typeof open)[number]): ConsoleRevocation => {
      const deadline = row.received_at + ackDeadlineMs;
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
    return [...waiting, ...acked.map(view)];
  }

  async function grants(companyId: string, nowSeconds: number): Promise<ConsoleGrant[]> {
    const rows = await db
      .selectFrom('grants')
      .select(['sha256', 'pseudonym', 'purposes', 'created_at', 'until', 'revoked_at'])
      .select('revoked_purposes')
      .where('company_id', '=', companyId)
      .orderBy('created_at', 'desc')
      .orderBy('sha256')
      .limit(listLimit)
      .execute();
    return rows.map((row) => {
      const revokedPurposes = parsePurposes(row.revoked_purposes);
      return {
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        purposes: parsePurposes(row.purposes),
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
  }

  async function offers(companyId: string): Promise<ConsoleOffer[]> {
    const accepted = await db
      .selectFrom('relay_contacts')
      .select(['offer_sha256', 'pseudonym', 'grant_sha256', 'accepted_at'])
      .where('company_id', '=', companyId)
      .orderBy('accepted_at', 'desc')
      .limit(listLimit)
      .execute();
    const refused = await db
      .selectFrom('relay_refusals')
      .select(['offer_sha256', 'pseudonym', 'grant_sha256', 'rule', 'refused_at'])
      .where('company_id', '=', companyId)
      .orderBy('refused_at', 'desc')
      .limit(listLimit)
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
    return all.slice(0, listLimit);
  }

  return {
    async overview(person) {
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
        .select(['sha256', 'pseudonym', 'created_at'])
        .where('company_id', '=', companyId)
        .orderBy('created_at', 'desc')
        .orderBy('sha256')
        .limit(20)
        .execute();
      const refusalRows = await db
        .selectFrom('refusals')
        .select(['sha256', 'pseudonym', 'created_at', 'ask_again_after'])
        .where('company_id', '=', companyId)
        .orderBy('created_at', 'desc')
        .orderBy('sha256')
        .limit(listLimit)
        .execute();
      const [staff, revocationList, grantList, dataRequests, corrections, findings, offerList] =
        await Promise.all([
          services.people.staffOf(companyId),
          revocations(companyId, nowMs),
          grants(companyId, Math.floor(nowMs / 1000)),
          services.obligations.listDataRequests(companyId, 'open', undefined, listLimit),
          services.relay.corrections(companyId, 0, listLimit),
          services.findings(companyId),
          offers(companyId),
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
        revocations: revocationList,
        grants: grantList,
        refusals: refusalRows.map((r) => ({
          sha256: r.sha256,
          pseudonym: r.pseudonym,
          createdAt: r.created_at,
          askAgainAfter: r.ask_again_after,
        })),
        requests: requestRows.map((r) => ({
          sha256: r.sha256,
          targeted: r.pseudonym !== null,
          createdAt: r.created_at,
          link: `${ctx.origin}/api/v1/grant-requests/${r.sha256}`,
        })),
        dataRequests: dataRequests.dataRequests,
        corrections: corrections.corrections,
        findings,
        offers: offerList,
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
      const caller: Caller = await services.requests.verify(
        authorization,
        'DELETE',
        `/api/v1/people/${personId}`,
      );
      if (caller.type !== 'company' || caller.id !== companyId) {
        throw new ProtocolError(
          'ERR_NOT_AUTHORISED',
          'This request is not signed for your company.',
        );
      }
      await services.people.remove(caller, personId);
    },

    async applyCorrection(person, id) {
      const companyId = companyOf(person);
      if (!sha256Pattern.test(id))
        throw new ProtocolError('ERR_QUERY_INVALID', 'No such correction.');
      return services.relay.acknowledgeCorrection(companyId, id);
    },
  };
}

/**
 * What a refused console action shows: the catalog sentence of its error code (German and
 * English) and the HTTP status of the form answer. Anything that is not a `ProtocolError` is
 * logged and shown as a general failure, never as a stack trace.
 *
 * @example
 * ```ts
 * const { status, key } = consoleFailure(error);
 * return fail(status, { action: 'ack', error: key });
 * ```
 */
export function consoleFailure(error: unknown): { status: number; key: MessageKey } {
  if (error instanceof ProtocolError) {
    const key = `errors.${error.code}`;
    return {
      status: statusFor(error.code),
      key: hasMessage(key) ? key : 'portal.console.failed',
    };
  }
  console.error('[company console]', error);
  return { status: 500, key: 'portal.console.failed' };
}
