/**
 * Obligations of companies (issue 5, docs/api.md "Obligations and oversight"): disclosures of
 * what a company holds about a pseudonym, the customer's access and erasure requests with the
 * company's answers within a deadline, and the company's batched reports of data access under
 * grants, whose entries outside the grant's scope become findings.
 *
 * A suspended company may still do all of this: these are its duties, and a suspension must not
 * become a way to escape them (project decision, docs/api.md "company\*").
 */
import { sealedBodyLimit } from './auth/body';
import { sql, type Kysely, type Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { CLOCK_SKEW_SECONDS, type InspectedJws } from '$protocol/jws';
import { parseMessage, type Payload } from '$protocol/messages';
import { openMessage } from '$protocol/signed';
import { companySignerKey, peekClaims, peekMessage, pseudonymBinding } from './auth/signatures';
import type { CompanyRecord, CompanyService } from './companies';
import { appendFeedEvent } from './consents';
import { holdPseudonym } from './grant-effects';
import type { Database } from './db/schema';
import { onPostgres } from './db/postgres-batch';
import { serverEd25519Verify } from './ed25519';
import { recordAccessUses, type AccessUse } from './pseudonym-activity';
import { requireSignerNotCompromised } from './compromise';
import { dataRequestStates, defaultAckDeadlineMs } from './trust';
import {
  nowSeconds,
  storeSigned,
  storedBefore,
  type ServiceContext,
  type StoredReceipt,
} from './message-store';

/**
 * The default answer deadline of a data request: one month ("within one month of receipt", GDPR
 * Art. 12(3)), counted as EU law counts months (Regulation 1182/71 Art. 3(2)(c)): to the end of
 * the day with the same date in the next month, or of that month's last day when it has no such
 * date; days in UTC. Received on 31 January at noon: due at the end of 28 (or 29) February.
 *
 * @example
 * ```ts
 * oneMonthAfter(Date.UTC(2026, 0, 31, 12)); // Date.UTC(2026, 2, 1) - 1, the end of 28 February
 * ```
 */
export function oneMonthAfter(receivedAtMs: number): number {
  const received = new Date(receivedAtMs);
  const year = received.getUTCFullYear();
  const month = received.getUTCMonth() + 1; // Date.UTC carries a 13th month into the next year
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(received.getUTCDate(), lastDay) + 1) - 1;
}
/** Largest page of `GET /api/v1/companies/me/data-requests`. */
export const maxDataRequestPage = 500;

export interface ObligationServiceOptions {
  companies: CompanyService;
  /**
   * How long a company has to answer a data request, in milliseconds; undefined: one month
   * ({@link oneMonthAfter}).
   */
  dataRequestDeadlineMs: number | undefined;
}

export interface DataRequestReceipt extends StoredReceipt {
  /** When the answer is due (milliseconds). */
  deadline: number;
}

export interface AnswerReceipt extends StoredReceipt {
  /** Whether the answer came by the deadline. */
  onTime: boolean;
}

export interface AccessReceipt {
  sha256: string;
  /** Uses within their grant's scope (entries weighted by `count`). */
  accepted: number;
  /** Uses outside it; each such entry is a finding. */
  outOfScope: number;
  created: boolean;
}

/**
 * The data categories a stored data request is limited to, or null when it names none. Read as
 * stored (it verified then), leniently: a request an older schema took stays answerable whatever
 * this version's schema says of it, and one odd row never fails the reader.
 *
 * @example
 * ```ts
 * askedCategories(request.jws); // ['address', 'health'], or null for all data
 * ```
 */
export function askedCategories(jws: string): string[] | null {
  let asked: unknown;
  try {
    asked = peekClaims(jws).payload.dataCategories;
  } catch {
    return null;
  }
  return Array.isArray(asked) ? asked.filter((c): c is string => typeof c === 'string') : null;
}

/** A data request as the company lists it. */
export interface DataRequestView {
  sha256: string;
  pseudonym: string;
  type: 'access' | 'erasure';
  jws: string;
  receivedAt: number;
  deadline: number;
  answer: { sha256: string; outcome: string; answeredAt: number } | null;
}

/** A position in a list kept in (received_at, sha256) order: `<receivedAt>.<sha256>`. */
export interface ListCursor {
  receivedAt: number;
  sha256: string;
}

/**
 * Parses a data-request cursor.
 *
 * @throws ProtocolError `ERR_QUERY_INVALID`.
 * @example
 * ```ts
 * parseListCursor('1767225600000.' + sha256); // {receivedAt, sha256}
 * ```
 */
export function parseListCursor(raw: string): ListCursor {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(raw);
  if (match === null) {
    throw new ProtocolError('ERR_QUERY_INVALID', 'after is not a cursor of this list.', {
      parameter: 'after',
    });
  }
  return { receivedAt: Number(match[1]), sha256: match[2]! };
}

/** Why an access entry lies outside its grant's scope. */
export type AccessScopeViolation =
  | 'grant-unknown'
  | 'before-grant'
  | 'after-expiry'
  | 'after-revocation'
  | 'purpose-not-granted'
  | 'categories-not-granted';

/** A data request answered late or not at all past its deadline. */
export interface DataRequestFinding {
  type: 'data-request-overdue';
  dataRequestSha256: string;
  pseudonym: string;
  requestType: 'access' | 'erasure';
  receivedAt: number;
  deadline: number;
  answeredAt: number | null;
}

/** An access entry outside its grant's scope. */
export interface AccessFinding {
  type: 'access-out-of-scope';
  accessSha256: string;
  entry: number;
  grantSha256: string;
  pseudonym: string | null;
  purpose: string;
  dataCategories: string[];
  at: number;
  count: number;
  reason: AccessScopeViolation;
  receivedAt: number;
}

/** What the Relationships view of a pseudonym shows of the company's obligations. */
export interface ObligationsView {
  disclosures: { sha256: string; jws: string; current: boolean }[];
  dataRequests: {
    sha256: string;
    jws: string;
    deadline: number;
    answer: { sha256: string; jws: string } | null;
  }[];
}

/** The obligation services. */
export interface ObligationService {
  /** `POST /api/v1/disclosures`. */
  submitDisclosure(token: string): Promise<StoredReceipt>;
  /** `POST /api/v1/data-requests`. */
  submitDataRequest(token: string): Promise<DataRequestReceipt>;
  /** `POST /api/v1/data-request-answers`. */
  answerDataRequest(token: string): Promise<AnswerReceipt>;
  /** `GET /api/v1/companies/me/data-requests`. */
  listDataRequests(
    companyId: string,
    state: 'open' | 'all',
    after: ListCursor | undefined,
    limit: number,
  ): Promise<{ dataRequests: DataRequestView[]; next: string | null }>;
  /** `POST /api/v1/access`. */
  reportAccess(token: string): Promise<AccessReceipt>;
  /** The disclosures and data requests of a pseudonym (its Relationships view). */
  view(pseudonym: string): Promise<ObligationsView>;
}

/**
 * Judges one access entry against the grant it names, as of the entry's own time `at`: the grant
 * must be this company's, given by then, not expired or revoked (wholly, or for that purpose) by
 * then, and one of its scopes must name the purpose and every category used, and not have passed
 * its `validUntil`.
 *
 * @example
 * ```ts
 * accessViolation(entry, grant); // undefined when within scope, else the reason
 * ```
 */
export function accessViolation(
  entry: Payload<'access'>['entries'][number],
  grant:
    | {
        payload: Payload<'grant'>;
        revokedAt: number | null;
        /** When each revoked purpose was revoked first (the revocation's `iat`, seconds). */
        purposeRevokedAt: ReadonlyMap<string, number>;
      }
    | undefined,
): AccessScopeViolation | undefined {
  if (grant === undefined) return 'grant-unknown';
  const { payload } = grant;
  if (entry.at < payload.iat) return 'before-grant';
  if (entry.at >= payload.until) return 'after-expiry';
  if (grant.revokedAt !== null && entry.at >= grant.revokedAt) return 'after-revocation';
  const purposeRevokedAt = grant.purposeRevokedAt.get(entry.purpose);
  if (purposeRevokedAt !== undefined && entry.at >= purposeRevokedAt) return 'after-revocation';
  const scopes = payload.scopes.filter((scope) => scope.purpose === entry.purpose);
  if (scopes.length === 0) return 'purpose-not-granted';
  const covering = scopes.filter((scope) =>
    entry.dataCategories.every((category) => scope.dataCategories.includes(category)),
  );
  if (covering.length === 0) return 'categories-not-granted';
  // A scope's own end bounds the grant for that scope, as it bounds the offers relayed under it.
  const current = covering.some(
    (scope) => scope.conditions?.validUntil === undefined || entry.at < scope.conditions.validUntil,
  );
  return current ? undefined : 'after-expiry';
}

/**
 * When each purpose of each grant was first revoked by a revocation naming that grant, from the
 * revocation messages themselves: `grants` holds a grant's purposes by its hash, `revocations` the
 * stored revocations of those grants' pseudonyms with the company. An item without purposes
 * revokes every purpose of its grant; one listing purposes, those. A revocation of `all` is left
 * out: it reaches only the grants given before it, and their `revoked_at` says when.
 *
 * @example
 * ```ts
 * revocationTimes(new Map([[grantSha256, ['product_launch']]]), [revocationPayload]);
 * ```
 */
export function revocationTimes(
  grants: ReadonlyMap<string, { pseudonym: string; purposes: readonly string[] }>,
  revocations: readonly Payload<'revocation'>[],
): Map<string, Map<string, number>> {
  const times = new Map<string, Map<string, number>>();
  const revoke = (grantSha256: string, purposes: readonly string[], at: number) => {
    let ofGrant = times.get(grantSha256);
    if (ofGrant === undefined) times.set(grantSha256, (ofGrant = new Map()));
    for (const purpose of purposes) {
      const earlier = ofGrant.get(purpose);
      if (earlier === undefined || at < earlier) ofGrant.set(purpose, at);
    }
  };
  for (const revocation of revocations) {
    if (revocation.grants === 'all') continue;
    for (const item of revocation.grants) {
      const grant = grants.get(item.grantSha256);
      if (grant === undefined || grant.pseudonym !== revocation.iss) continue;
      revoke(item.grantSha256, item.purposes ?? grant.purposes, revocation.iat);
    }
  }
  return times;
}

/**
 * How many unanswered data requests one pseudonym may have with its company at a time: enough
 * for access and erasure of every kind, while one customer cannot bury a company in requests that
 * each turn into an overdue finding a month later (GDPR Art. 12(5): excessive requests).
 */
export const maxOpenDataRequests = 10;

/**
 * Refuses a new data request while `pseudonym` has {@link maxOpenDataRequests} unanswered ones.
 *
 * @throws ProtocolError `ERR_TOO_MANY_OPEN_REQUESTS` (429).
 */
async function requireFewOpenRequests(
  executor: Kysely<Database> | Transaction<Database>,
  pseudonym: string,
): Promise<void> {
  await holdPseudonym(executor, pseudonym);
  const open = await executor
    .selectFrom('data_requests')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('pseudonym', '=', pseudonym)
    .where('answer_sha256', 'is', null)
    .executeTakeFirst();
  if (Number(open?.n ?? 0) >= maxOpenDataRequests) {
    throw new ProtocolError(
      'ERR_TOO_MANY_OPEN_REQUESTS',
      'This pseudonym has as many unanswered data requests as it may have.',
      { limit: maxOpenDataRequests },
    );
  }
}

/**
 * Judges the entries of an access report against the company's grants as `trx` sees them (on
 * PostgreSQL the grants named are held until commit, so a revocation, which updates its grant's
 * row, commits either before this read or after the report): what counts, what is out of scope
 * (one finding per entry) and the in-scope uses for the pseudonyms' "last used" (issue 9).
 */
async function judgeAccess(
  trx: Transaction<Database>,
  companyId: string,
  payload: Payload<'access'>,
  reportSha256: string,
  nowMs: number,
): Promise<{
  accepted: number;
  outOfScope: number;
  findings: Database['access_findings'][];
  uses: AccessUse[];
}> {
  const named = [...new Set(payload.entries.map((entry) => entry.grantSha256))];
  const query = trx
    .selectFrom('grants')
    .innerJoin('messages', 'messages.sha256', 'grants.sha256')
    .select([
      'grants.sha256',
      'grants.pseudonym',
      'grants.revoked_at',
      'grants.revoked_purposes',
      'messages.jws',
    ])
    .where('grants.sha256', 'in', named)
    // Another company's grant is, for this company, no grant at all.
    .where('grants.company_id', '=', companyId);
  // On PostgreSQL held in the order of their hashes (byte order, as a revocation updates them).
  const rows = await (
    onPostgres(trx) ? query.orderBy(sql`grants.sha256 collate "C"`).forShare('grants') : query
  ).execute();
  const payloads = new Map(
    rows.map((row) => [row.sha256, parseMessage('grant', peekClaims(row.jws).payload)]),
  );
  // When each purpose named by a revocation was revoked: the grants' rows keep which
  // purposes, not when (a use before the revocation is no finding).
  const revokedPseudonyms = [
    ...new Set(rows.filter((row) => row.revoked_purposes !== null).map((row) => row.pseudonym)),
  ];
  const revocations =
    revokedPseudonyms.length === 0
      ? []
      : await trx
          .selectFrom('revocations')
          .innerJoin('messages', 'messages.sha256', 'revocations.sha256')
          .select('messages.jws')
          .where('revocations.company_id', '=', companyId)
          .where('revocations.pseudonym', 'in', revokedPseudonyms)
          .execute();
  const purposeTimes = revocationTimes(
    new Map(
      rows.map((row) => [
        row.sha256,
        {
          pseudonym: row.pseudonym,
          purposes: payloads.get(row.sha256)!.scopes.map((scope) => scope.purpose),
        },
      ]),
    ),
    revocations.map((row) => parseMessage('revocation', peekClaims(row.jws).payload)),
  );
  const grants = new Map(
    rows.map((row) => [
      row.sha256,
      {
        pseudonym: row.pseudonym,
        payload: payloads.get(row.sha256)!,
        revokedAt: row.revoked_at,
        purposeRevokedAt: purposeTimes.get(row.sha256) ?? new Map<string, number>(),
      },
    ]),
  );
  let accepted = 0;
  let outOfScope = 0;
  const findings: Database['access_findings'][] = [];
  const uses: AccessUse[] = [];
  payload.entries.forEach((entry, index) => {
    const grant = grants.get(entry.grantSha256);
    const count = entry.count ?? 1;
    const reason = accessViolation(entry, grant);
    if (reason === undefined) {
      accepted += count;
      if (grant !== undefined)
        uses.push({
          pseudonym: grant.pseudonym,
          grantSha256: entry.grantSha256,
          purpose: entry.purpose,
          dataCategories: entry.dataCategories,
          at: entry.at,
          count,
        });
      return;
    }
    outOfScope += count;
    findings.push({
      id: `${reportSha256}:${index}`,
      company_id: companyId,
      report_sha256: reportSha256,
      grant_sha256: entry.grantSha256,
      pseudonym: grant?.pseudonym ?? null,
      purpose: entry.purpose,
      data_categories: JSON.stringify(entry.dataCategories),
      at: entry.at,
      count,
      reason,
      received_at: nowMs,
    });
  });
  return { accepted, outOfScope, findings, uses };
}

/**
 * Creates the obligation services.
 *
 * @example
 * ```ts
 * const obligations = createObligationService(ctx, { companies, dataRequestDeadlineMs: undefined });
 * const { deadline } = await obligations.submitDataRequest(token);
 * ```
 */
export function createObligationService(
  ctx: ServiceContext,
  options: ObligationServiceOptions,
): ObligationService {
  const db = ctx.cdb.db;
  const { companies, dataRequestDeadlineMs } = options;

  async function companyOf(id: string | undefined): Promise<CompanyRecord> {
    return companies.get(id !== undefined && id.startsWith('co_') ? id : '');
  }

  /** Opens a company-signed message (company key or a staff member's key), any status. */
  async function openCompanyMessage<K extends 'disclosure' | 'data-request-answer' | 'access'>(
    kind: K,
    token: string,
    companyId: string,
    audience: string,
    inspected: InspectedJws,
  ) {
    return openMessage(kind, token, {
      inspected,
      maxLength: sealedBodyLimit,
      verifySignature: serverEd25519Verify,
      audience,
      now: nowSeconds(ctx),
      resolveKey: async (kid) => (await companySignerKey(db, companyId, kid))?.key,
    });
  }

  /** What a stored access report counted (a resend is answered with it). */
  async function storedReport(sha256: string): Promise<{ accepted: number; outOfScope: number }> {
    const row = await db
      .selectFrom('access_reports')
      .select(['accepted', 'out_of_scope'])
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow();
    return { accepted: Number(row.accepted), outOfScope: Number(row.out_of_scope) };
  }

  /** The pseudonym must be bound to this company; another company's is reported as unknown. */
  async function requireOwnPseudonym(pseudonym: string | undefined, companyId: string) {
    const binding =
      pseudonym !== undefined && pseudonym.startsWith('ps_')
        ? await pseudonymBinding(db, pseudonym)
        : undefined;
    if (binding === undefined || binding.companyId !== companyId) {
      throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
    }
  }

  /** A data request of `pseudonym` to `companyId`, with its token. */
  async function dataRequestOf(sha256: string, companyId: string, pseudonym: string) {
    const row = await db
      .selectFrom('data_requests')
      .innerJoin('messages', 'messages.sha256', 'data_requests.sha256')
      .selectAll('data_requests')
      .select('messages.jws')
      .where('data_requests.sha256', '=', sha256)
      .where('data_requests.company_id', '=', companyId)
      .where('data_requests.pseudonym', '=', pseudonym)
      .executeTakeFirst();
    if (row === undefined) {
      throw new ProtocolError(
        'ERR_DATA_REQUEST_UNKNOWN',
        'No such data request was sent to this company by this pseudonym.',
      );
    }
    return row;
  }

  const alreadyAnswered = () =>
    new ProtocolError('ERR_DATA_REQUEST_ALREADY_ANSWERED', 'This request was answered before.');

  return {
    async submitDisclosure(token) {
      const { iss, aud, inspected } = peekMessage('disclosure', token);
      const company = await companyOf(iss);
      const resend = await storedBefore(ctx, token, 'disclosure');
      if (resend !== undefined) return resend;
      await requireOwnPseudonym(aud, company.id);
      const opened = await openCompanyMessage('disclosure', token, company.id, aud!, inspected);
      const payload = opened.payload;
      if (payload.grantSha256 !== undefined) {
        const grant = await db
          .selectFrom('grants')
          .select('sha256')
          .where('sha256', '=', payload.grantSha256)
          .where('company_id', '=', company.id)
          .where('pseudonym', '=', payload.aud)
          .executeTakeFirst();
        if (grant === undefined) {
          throw new ProtocolError('ERR_GRANT_UNKNOWN', 'The disclosure names an unknown grant.', {
            grantSha256: payload.grantSha256,
          });
        }
      }
      if (payload.dataRequestSha256 !== undefined) {
        await dataRequestOf(payload.dataRequestSha256, company.id, payload.aud);
      }
      const nowMs = ctx.now();
      return storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'disclosure',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.aud,
        logged: true,
        apply: async (trx) => {
          await trx
            .insertInto('disclosures')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym: payload.aud,
              grant_sha256: payload.grantSha256 ?? null,
              data_request_sha256: payload.dataRequestSha256 ?? null,
              iat: payload.iat,
              created_at: nowMs,
            })
            .execute();
        },
      });
    },

    async submitDataRequest(token) {
      const { iss, aud, inspected } = peekMessage('data-request', token);
      const deadlineOf = async (sha256: string) =>
        Number(
          (
            await db
              .selectFrom('data_requests')
              .select('deadline')
              .where('sha256', '=', sha256)
              .executeTakeFirstOrThrow()
          ).deadline,
        );
      const resend = await storedBefore(ctx, token, 'data-request');
      if (resend !== undefined) return { ...resend, deadline: await deadlineOf(resend.sha256) };
      // Any status: the right of access and erasure does not end with a suspension.
      const company = await companyOf(aud);
      const binding = iss === undefined ? undefined : await pseudonymBinding(db, iss);
      if (binding === undefined) {
        throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
      }
      if (binding.companyId !== company.id) {
        throw new ProtocolError(
          'ERR_PSEUDONYM_COMPANY_MISMATCH',
          'This pseudonym belongs to another company.',
        );
      }
      const opened = await openMessage('data-request', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: company.id,
        now: nowSeconds(ctx),
        resolveKey: async (kid) => (kid === binding.key.kid ? binding.key : undefined),
      });
      const payload = opened.payload;
      const nowMs = ctx.now();
      const deadline =
        dataRequestDeadlineMs === undefined ? oneMonthAfter(nowMs) : nowMs + dataRequestDeadlineMs;
      // Counted before the writer too: refused only inside the transaction, it would roll back
      // the batch it shares with others.
      await requireFewOpenRequests(db, payload.iss);
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'data-request',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: true,
        apply: async (trx) => {
          await requireFewOpenRequests(trx, payload.iss);
          await trx
            .insertInto('data_requests')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym: payload.iss,
              type: payload.type,
              iat: payload.iat,
              received_at: nowMs,
              deadline,
              answer_sha256: null,
              outcome: null,
              answered_at: null,
            })
            .execute();
          await appendFeedEvent(
            trx,
            {
              companyId: company.id,
              kind: 'data-request',
              sha256: opened.sha256,
              pseudonym: payload.iss,
            },
            nowMs,
          );
        },
      });
      return { ...receipt, deadline };
    },

    async answerDataRequest(token) {
      const { iss, aud, inspected } = peekMessage('data-request-answer', token);
      const company = await companyOf(iss);
      const resend = await storedBefore(ctx, token, 'data-request-answer');
      if (resend !== undefined) {
        const row = await db
          .selectFrom('data_requests')
          .select(['deadline', 'answered_at'])
          .where('answer_sha256', '=', resend.sha256)
          .executeTakeFirst();
        const onTime = row?.answered_at != null && row.answered_at <= row.deadline;
        return { ...resend, onTime };
      }
      await requireOwnPseudonym(aud, company.id);
      const opened = await openCompanyMessage(
        'data-request-answer',
        token,
        company.id,
        aud!,
        inspected,
      );
      const payload = opened.payload;
      const request = await dataRequestOf(payload.requestSha256, company.id, payload.aud);
      if (request.answer_sha256 !== null) throw alreadyAnswered();
      // Each outcome answers its own kind of request; a refusal (with reasons) answers either.
      const fits =
        payload.outcome === 'refused' ||
        (payload.outcome === 'disclosure' && request.type === 'access') ||
        (payload.outcome === 'erased' && request.type === 'erasure');
      if (!fits) {
        throw new ProtocolError(
          'ERR_MESSAGE_INVALID',
          `An outcome "${payload.outcome}" does not answer an ${request.type} request.`,
          { issues: ['outcome'] },
        );
      }
      if (payload.outcome === 'erased') {
        // A request limited to categories is answered for each of them: erased, or retained with
        // the reason (GDPR Art. 12(4)); an answer silent on one would read as done to the customer.
        const asked = askedCategories(request.jws) ?? [];
        const answered = new Set<string>([
          ...payload.dataCategories,
          ...(payload.retained?.dataCategories ?? []),
        ]);
        const missing = asked.filter((c) => !answered.has(c));
        if (missing.length > 0) {
          throw new ProtocolError(
            'ERR_MESSAGE_INVALID',
            'An erasure answer names each category the request asked for, as erased or as retained with the reason.',
            { issues: ['dataCategories'], missing },
          );
        }
      }
      if (payload.outcome === 'disclosure') {
        const disclosure = await db
          .selectFrom('disclosures')
          .select('sha256')
          .where('sha256', '=', payload.disclosureSha256)
          .where('company_id', '=', company.id)
          .where('pseudonym', '=', payload.aud)
          .executeTakeFirst();
        if (disclosure === undefined) {
          throw new ProtocolError(
            'ERR_DISCLOSURE_UNKNOWN',
            'disclosureSha256 names no disclosure of this company to this pseudonym.',
          );
        }
      }
      const nowMs = ctx.now();
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'data-request-answer',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.aud,
        logged: true,
        apply: async (trx) => {
          await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat);
          const updated = await trx
            .updateTable('data_requests')
            .set({ answer_sha256: opened.sha256, outcome: payload.outcome, answered_at: nowMs })
            .where('sha256', '=', payload.requestSha256)
            .where('answer_sha256', 'is', null)
            .executeTakeFirst();
          // Two answers racing: the second one's transaction stores nothing.
          if (Number(updated.numUpdatedRows) !== 1) throw alreadyAnswered();
        },
      });
      return { ...receipt, onTime: nowMs <= request.deadline };
    },

    async listDataRequests(companyId, state, after, limit) {
      let query = db
        .selectFrom('data_requests')
        .innerJoin('messages', 'messages.sha256', 'data_requests.sha256')
        .select([
          'data_requests.sha256',
          'data_requests.pseudonym',
          'data_requests.type',
          'data_requests.received_at',
          'data_requests.deadline',
          'data_requests.answer_sha256',
          'data_requests.outcome',
          'data_requests.answered_at',
          'messages.jws',
        ])
        .where('data_requests.company_id', '=', companyId);
      if (after !== undefined) {
        // Keyset paging on (received_at, sha256): requests stored in the same millisecond are
        // neither skipped nor repeated at a page boundary.
        query = query.where((eb) =>
          eb.or([
            eb('data_requests.received_at', '>', after.receivedAt),
            eb.and([
              eb('data_requests.received_at', '=', after.receivedAt),
              eb('data_requests.sha256', '>', after.sha256),
            ]),
          ]),
        );
      }
      if (state === 'open') query = query.where('data_requests.answer_sha256', 'is', null);
      const rows = await query
        .orderBy('data_requests.received_at')
        .orderBy('data_requests.sha256')
        .limit(Math.min(limit, maxDataRequestPage))
        .execute();
      const dataRequests = rows.map((row) => ({
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        type: row.type,
        jws: row.jws,
        receivedAt: Number(row.received_at),
        deadline: Number(row.deadline),
        answer:
          row.answer_sha256 === null
            ? null
            : {
                sha256: row.answer_sha256,
                outcome: row.outcome ?? 'refused',
                answeredAt: Number(row.answered_at),
              },
      }));
      const last = dataRequests[dataRequests.length - 1];
      // `next` is null on the last page; otherwise it is the cursor to pass as `after`.
      const full = dataRequests.length === Math.min(limit, maxDataRequestPage);
      return {
        dataRequests,
        next: full && last !== undefined ? `${last.receivedAt}.${last.sha256}` : null,
      };
    },

    async reportAccess(token) {
      const { iss, inspected } = peekMessage('access', token);
      const company = await companyOf(iss);
      const resend = await storedBefore(ctx, token, 'access');
      if (resend !== undefined) {
        return { sha256: resend.sha256, ...(await storedReport(resend.sha256)), created: false };
      }
      const opened = await openCompanyMessage('access', token, company.id, ctx.origin, inspected);
      const payload = opened.payload;
      // A use is reported once it happened: an entry dated after its report was signed would be
      // judged against today's grant, and no later revocation could make it a finding.
      const early = payload.entries.findIndex(
        (entry) => entry.at > payload.iat + CLOCK_SKEW_SECONDS,
      );
      if (early !== -1) {
        throw new ProtocolError('ERR_MESSAGE_INVALID', 'An entry is dated after the report.', {
          issues: [`entries.${early}.at`],
        });
      }
      const nowMs = ctx.now();
      let judged: { accepted: number; outOfScope: number } | undefined;
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'access',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: null,
        logged: false,
        apply: async (trx) => {
          // A report a compromise voided meanwhile would count its findings and uses.
          await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat);
          // Judged inside the storing transaction, the grants held on PostgreSQL: a revocation
          // committed after the report's checks counts, or waits until the report is stored.
          const judgement = await judgeAccess(trx, company.id, payload, opened.sha256, nowMs);
          await trx
            .insertInto('access_reports')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              accepted: judgement.accepted,
              out_of_scope: judgement.outOfScope,
              received_at: nowMs,
            })
            .execute();
          if (judgement.findings.length > 0)
            await trx.insertInto('access_findings').values(judgement.findings).execute();
          await recordAccessUses(
            trx,
            { reportSha256: opened.sha256, companyId: company.id },
            judgement.uses,
          );
          judged = judgement;
        },
      });
      // Only a report this call stored was judged by this call's transaction (an earlier attempt
      // of the writer may have judged it and been rolled back).
      const { accepted, outOfScope } =
        receipt.created && judged !== undefined ? judged : await storedReport(receipt.sha256);
      return { sha256: receipt.sha256, accepted, outOfScope, created: receipt.created };
    },

    view(pseudonym) {
      return pseudonymObligations(db, pseudonym);
    },
  };
}

/**
 * How many of a pseudonym's disclosures its Relationships view carries: the newest, as history
 * behind the current one. A company may store any number of them (up to 256 KiB each), and every
 * read of the view, or of a batch of 100 pseudonyms when the Assistant restores, would carry them
 * all; the older ones are superseded and stay in the log.
 */
export const maxViewedDisclosures = 10;

/**
 * How many answered data requests of a pseudonym its Relationships view carries: the newest, beside
 * the open ones. Answered requests only accumulate (10 may be open at a time, any number answered
 * over the years); the older ones stay in the log.
 */
export const maxViewedAnsweredRequests = 100;

/**
 * How many open data requests the view carries, the oldest (the most overdue) first. A pseudonym
 * may open 10 at a time, but a key declared compromised reopens every answer it signed since its
 * `since`, however many. With {@link maxViewedAnsweredRequests} it stays within the 1,000 entries
 * the Assistant takes.
 */
export const maxViewedOpenRequests = 500;

/**
 * The data requests of a pseudonym's Relationships view, oldest first: the oldest
 * {@link maxViewedOpenRequests} open ones and the newest {@link maxViewedAnsweredRequests}
 * answered ones. Ordered by the time stored, then by hash, as disclosures are.
 */
async function viewedDataRequests(db: ServiceContext['cdb']['db'], pseudonym: string) {
  const select = (answered: boolean, limit: number) =>
    db
      .selectFrom('data_requests')
      .innerJoin('messages as r', 'r.sha256', 'data_requests.sha256')
      .leftJoin('messages as a', 'a.sha256', 'data_requests.answer_sha256')
      .select([
        'data_requests.sha256',
        'data_requests.received_at',
        'r.jws',
        'data_requests.deadline',
        'data_requests.answer_sha256',
        'a.jws as answer_jws',
      ])
      .where('data_requests.pseudonym', '=', pseudonym)
      .where('data_requests.answer_sha256', answered ? 'is not' : 'is', null)
      // Answered: the newest; open: the oldest.
      .orderBy('data_requests.received_at', answered ? 'desc' : 'asc')
      .orderBy('data_requests.sha256', answered ? 'desc' : 'asc')
      .limit(limit)
      .execute();
  const [open, answered] = await Promise.all([
    select(false, maxViewedOpenRequests),
    select(true, maxViewedAnsweredRequests),
  ]);
  return [...open, ...answered].sort(
    (x, y) =>
      Number(x.received_at) - Number(y.received_at) ||
      (x.sha256 < y.sha256 ? -1 : x.sha256 > y.sha256 ? 1 : 0),
  );
}

/**
 * The disclosures and data requests of a pseudonym, oldest first, for its Relationships view: the
 * newest disclosure is `current` (it supersedes the older ones, which stay as history; the view
 * holds the newest {@link maxViewedDisclosures}), unless a company key signed it once declared
 * compromised: then the newest of those listed that is not (none, should all ten be so).
 * "Newest" is the latest stored; two stored in the same millisecond are ordered by their hash, so
 * every reader sees the same current one. The data requests are those of
 * {@link viewedDataRequests}.
 *
 * @example
 * ```ts
 * const { disclosures, dataRequests } = await pseudonymObligations(db, pseudonym);
 * ```
 */
export async function pseudonymObligations(
  db: ServiceContext['cdb']['db'],
  pseudonym: string,
): Promise<ObligationsView> {
  const [disclosures, requests] = await Promise.all([
    db
      .selectFrom('disclosures')
      .innerJoin('messages', 'messages.sha256', 'disclosures.sha256')
      // A disclosure signed with a company key at or after its declared compromise may be forged:
      // listed (the Assistant judges it so too), never current.
      .leftJoin('company_keys', 'company_keys.kid', 'messages.signer')
      .select((eb) => [
        'disclosures.sha256',
        'messages.jws',
        eb
          .and([
            eb('company_keys.compromised_since', 'is not', null),
            eb('messages.iat', '>=', eb.ref('company_keys.compromised_since')),
          ])
          .as('forged'),
      ])
      .where('disclosures.pseudonym', '=', pseudonym)
      .orderBy('disclosures.created_at', 'desc')
      .orderBy('disclosures.sha256', 'desc')
      .limit(maxViewedDisclosures)
      .execute()
      .then((newestFirst) => newestFirst.reverse()),
    viewedDataRequests(db, pseudonym),
  ]);
  const newest = disclosures.filter((row) => !row.forged).at(-1)?.sha256;
  return {
    disclosures: disclosures.map((row) => ({
      sha256: row.sha256,
      jws: row.jws,
      current: row.sha256 === newest,
    })),
    dataRequests: requests.map((row) => ({
      sha256: row.sha256,
      jws: row.jws,
      deadline: Number(row.deadline),
      answer:
        row.answer_sha256 === null || row.answer_jws === null
          ? null
          : { sha256: row.answer_sha256, jws: row.answer_jws },
    })),
  };
}

/**
 * The data-request findings of a company: requests answered after their deadline, or still
 * unanswered past it, oldest first.
 *
 * @example
 * ```ts
 * const overdue = await dataRequestFindings(db, companyId, Date.now());
 * ```
 */
export async function dataRequestFindings(
  db: ServiceContext['cdb']['db'],
  companyId: string,
  nowMs: number,
): Promise<DataRequestFinding[]> {
  const rows = await db
    .selectFrom('data_requests')
    .select(['sha256', 'pseudonym', 'type', 'received_at', 'deadline', 'answered_at'])
    .where('company_id', '=', companyId)
    .where((eb) => dataRequestStates(eb, nowMs).overdue)
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('received_at', 'desc')
    .orderBy('sha256', 'desc')
    .limit(1000)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'data-request-overdue',
    dataRequestSha256: row.sha256,
    pseudonym: row.pseudonym,
    requestType: row.type,
    receivedAt: Number(row.received_at),
    deadline: Number(row.deadline),
    answeredAt: row.answered_at === null ? null : Number(row.answered_at),
  }));
}

/**
 * The access findings of a company, oldest first.
 *
 * @example
 * ```ts
 * const outOfScope = await accessFindings(db, companyId);
 * ```
 */
export async function accessFindings(
  db: ServiceContext['cdb']['db'],
  companyId: string,
): Promise<AccessFinding[]> {
  const rows = await db
    .selectFrom('access_findings')
    .selectAll()
    .where('company_id', '=', companyId)
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1000)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'access-out-of-scope',
    accessSha256: row.report_sha256,
    entry: Number(row.id.slice(row.id.lastIndexOf(':') + 1)),
    grantSha256: row.grant_sha256,
    pseudonym: row.pseudonym,
    purpose: row.purpose,
    dataCategories: JSON.parse(row.data_categories) as string[],
    at: Number(row.at),
    count: Number(row.count),
    reason: row.reason as AccessScopeViolation,
    receivedAt: Number(row.received_at),
  }));
}

/**
 * The acknowledgement deadline of a revocation from `REVOCATION_ACK_DEADLINE_HOURS` (default 72),
 * in milliseconds. The start check (instance.ts `checkStartSettings`) calls it before anything
 * opens, so a value it refuses stops the start with its sentence.
 *
 * @throws Error naming the variable.
 * @example
 * ```ts
 * ackDeadlineFromEnv({ REVOCATION_ACK_DEADLINE_HOURS: '24' }); // 86_400_000
 * ```
 */
export function ackDeadlineFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env.REVOCATION_ACK_DEADLINE_HOURS?.trim();
  if (raw === undefined || raw === '') return defaultAckDeadlineMs;
  const hours = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(hours) || hours < 1 || hours > 24 * 365) {
    throw new Error(
      `REVOCATION_ACK_DEADLINE_HOURS must be a whole number of hours from 1 to 8760, not "${raw}".`,
    );
  }
  return hours * 60 * 60 * 1000;
}

/**
 * The data-request deadline from `DATA_REQUEST_DEADLINE_DAYS`; unset: one month
 * ({@link oneMonthAfter}).
 *
 * @example
 * ```ts
 * dataRequestDeadlineFromEnv({ DATA_REQUEST_DEADLINE_DAYS: '14' }); // 1_209_600_000
 * ```
 */
export function dataRequestDeadlineFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number | undefined {
  const raw = env.DATA_REQUEST_DEADLINE_DAYS?.trim();
  if (raw === undefined || raw === '') return undefined;
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(days) || days < 1 || days > 366) {
    throw new Error(
      `DATA_REQUEST_DEADLINE_DAYS must be a whole number of days from 1 to 366, not "${raw}".`,
    );
  }
  return days * 24 * 60 * 60 * 1000;
}
