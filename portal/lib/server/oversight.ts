/**
 * Complaints, boycott and the regulator (issue 5, docs/api.md "Obligations and oversight"):
 * complaints with signed evidence, the regulator's decisions and suspensions, and the customers'
 * blacklist signals that make up a company's public boycott figure.
 *
 * Evidence is a message the accused company signed (an offer, a disclosure, ...). It is verified
 * as of its own `iat` (SPECS "JWS"), against a key of that company that was valid then, so a
 * company cannot disown an offer by retiring the key or by letting it expire; a key declared
 * compromised voids what it signed from its `since` on. What a staff member may sign for the
 * company (a disclosure, a data-request answer) is judged the same way against their person key.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { maxComplaintLength, type MessageKind } from '$protocol/messages';
import { brandKey } from '$protocol/profile';
import { openMessage } from '$protocol/signed';
import type { ImportedPublicKey } from '$protocol/keys';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import { staffKeyInForceAt, staffSignedKinds, type StaffKeyTimes } from '../staff-keys';
import {
  keyFromX,
  peekClaims,
  peekMessage,
  pseudonymBinding,
  regulatorKey,
  type Caller,
} from './auth/signatures';
import type { CompanyProfile, CompanyService } from './companies';
import type { CompanyStatus, Database } from './db/schema';
import { onPostgres } from './db/postgres-batch';
import { serverEd25519Verify } from './ed25519';
import {
  nowSeconds,
  storeSigned,
  storedBefore,
  type ServiceContext,
  type StoredReceipt,
} from './message-store';
import { evidenceKeyOf, evidenceKindsOf } from './complaint-evidence';
import { appendFeedEvent } from './consents';
import type { ListCursor } from './obligations';

/** Largest page of the regulator's complaint list. */
export const maxComplaintPage = 500;

/** Which complaints the regulator lists. */
export type ComplaintState = 'open' | 'decided' | 'upheld' | 'dismissed' | 'all';

export interface ComplaintView {
  sha256: string;
  jws: string;
  company: string;
  pseudonym: string;
  reasons: string[];
  receivedAt: number;
  decision: {
    sha256: string;
    jws: string;
    decision: 'upheld' | 'dismissed';
    decidedAt: number;
  } | null;
}

export interface SuspensionReceipt extends StoredReceipt {
  company: { id: string; status: CompanyStatus };
}

export interface BlacklistReceipt {
  sha256: string;
  /** Whether this pseudonym's signal now counts into the company's boycott figure. */
  counted: boolean;
  created: boolean;
}

/**
 * The public boycott figure of a company. Every figure counts pseudonyms, never signals, so one
 * pseudonym moves each by at most one (SPECS "Consent conditions": it must not be inflatable).
 */
export interface BoycottView {
  company: string;
  /** Pseudonyms with a logged relationship that blacklisted the company or one of its brands. */
  total: number;
  /**
   * Of `total`, the pseudonyms whose relationship the company itself confirmed: it addressed
   * them in something it signed that no pseudonym can make it send (see {@link confirmedBy}).
   * The rest answered only open requests, which a freshly minted pseudonym can do too.
   */
  confirmed: number;
  /** Pseudonyms per reason; one holding signals with several reasons counts under each. */
  byReason: Record<string, number>;
  /**
   * Pseudonyms per brand the company declares, in its spelling; `null` for the company as a
   * whole, which also holds signals naming a brand it does not declare.
   */
  byBrand: { brand: string | null; signals: number }[];
}

/** An upheld complaint, as the company's findings list it. */
export interface ComplaintFinding {
  type: 'complaint-upheld';
  complaintSha256: string;
  decisionSha256: string;
  pseudonym: string;
  reasons: string[];
  receivedAt: number;
  decidedAt: number;
}

/** The oversight services. */
export interface OversightService {
  /** `POST /api/v1/complaints`. */
  submitComplaint(token: string): Promise<StoredReceipt>;
  /** `GET /api/v1/complaints` (the route checks that the caller is a regulator). */
  listComplaints(query: {
    company?: string;
    state: ComplaintState;
    after?: ListCursor;
    limit: number;
  }): Promise<{ complaints: ComplaintView[]; next: string | null }>;
  /** `GET /api/v1/complaints/{sha256}`: for the regulator, the complainant or the accused. */
  getComplaint(sha256: string, caller: Caller): Promise<ComplaintView>;
  /** `POST /api/v1/complaint-decisions`. */
  decideComplaint(token: string): Promise<StoredReceipt>;
  /** `POST /api/v1/suspensions`. */
  suspend(token: string): Promise<SuspensionReceipt>;
  /** `POST /api/v1/blacklist`. */
  blacklist(token: string): Promise<BlacklistReceipt>;
  /** `GET /api/v1/companies/{companyId}/boycott`. */
  boycott(companyId: string): Promise<BoycottView>;
  /** The boycott figure's `confirmed` alone (the regulator's company page has the total). */
  confirmedBoycotts(companyId: string): Promise<number>;
}

/** Evidence kinds whose `aud` may be the clearinghouse rather than the complainant. */
const openRequestKinds: ReadonlySet<string> = new Set(['grant-request']);

/**
 * A key of `companyId` that could sign at `iat`: registered to the company, added by then (with
 * the clock skew), not retired before it, and not declared compromised at or before it.
 *
 * @example
 * ```ts
 * const key = await companyKeyAsOf(db, companyId, kid, payload.iat);
 * ```
 */
export async function companyKeyAsOf(
  db: ServiceContext['cdb']['db'],
  companyId: string,
  kid: string,
  iat: number,
): Promise<ImportedPublicKey | undefined> {
  const row = await db
    .selectFrom('company_keys')
    .select(['x', 'added_at', 'retired_at', 'compromised_since'])
    .where('kid', '=', kid)
    .where('company_id', '=', companyId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (Number(row.added_at) > (iat + CLOCK_SKEW_SECONDS) * 1000) return undefined;
  if (row.retired_at !== null && row.retired_at <= iat) return undefined;
  if (row.compromised_since !== null && row.compromised_since <= iat) return undefined;
  return keyFromX(row.x);
}

/**
 * The person keys among `kids` of `companyId`'s staff, whatever their state, with their times as
 * people.ts stores them: evidence is judged as of its own `iat` ({@link staffKeyInForceAt}).
 *
 * @example
 * ```ts
 * const [row] = await staffKeysOf(db, companyId, [kid]);
 * ```
 */
export async function staffKeysOf(
  db: ServiceContext['cdb']['db'],
  companyId: string,
  kids: readonly string[],
): Promise<({ kid: string; x: string } & StaffKeyTimes)[]> {
  if (kids.length === 0) return [];
  const rows = await db
    .selectFrom('person_keys')
    .innerJoin('people', 'people.id', 'person_keys.person_id')
    .select([
      'person_keys.kid',
      'person_keys.x',
      'person_keys.added_at',
      'person_keys.retired_at',
      'people.removed_at',
    ])
    .where('person_keys.kid', 'in', kids)
    .where('people.role', '=', 'staff')
    .where('people.company_id', '=', companyId)
    .orderBy('person_keys.kid')
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    x: row.x,
    addedAt: Number(row.added_at),
    retiredAt: row.retired_at === null ? null : Number(row.retired_at),
    removedAt: row.removed_at === null ? null : Number(row.removed_at),
  }));
}

/**
 * The person key `kid` of a staff member of `companyId` that could sign at `iat`
 * ({@link staffKeyInForceAt}).
 *
 * @example
 * ```ts
 * const key = await staffKeyAsOf(db, companyId, kid, payload.iat);
 * ```
 */
export async function staffKeyAsOf(
  db: ServiceContext['cdb']['db'],
  companyId: string,
  kid: string,
  iat: number,
): Promise<ImportedPublicKey | undefined> {
  const [key] = await staffKeysOf(db, companyId, [kid]);
  return key !== undefined && staffKeyInForceAt(key, iat) ? keyFromX(key.x) : undefined;
}

/**
 * Verifies one piece of complaint evidence: a message of `kind` signed by `companyId` (with a
 * company key, or for the kinds staff sign, a staff member's key), addressed to `complainant` (or,
 * for an open grant request, to the clearinghouse), judged as of its `iat`.
 *
 * @throws ProtocolError `ERR_EVIDENCE_INVALID` with `detail_data.index` and the underlying
 *   `detail_data.cause` code.
 * @example
 * ```ts
 * await verifyEvidence(ctx, companyId, pseudonym, { kind: 'offer', jws }, 0);
 * ```
 */
export async function verifyEvidence(
  ctx: ServiceContext,
  companyId: string,
  complainant: string,
  evidence: { kind: MessageKind; jws: string },
  index: number,
): Promise<void> {
  try {
    const { iss, aud, payload, inspected } = peekMessage(evidence.kind, evidence.jws);
    if (iss !== companyId) {
      throw new ProtocolError(
        'ERR_MESSAGE_ISSUER_MISMATCH',
        "The evidence is not the accused company's.",
      );
    }
    const iat = typeof payload.iat === 'number' ? payload.iat : Number.NaN;
    const audience =
      openRequestKinds.has(evidence.kind) && aud === ctx.origin ? ctx.origin : complainant;
    const staffMaySign = staffSignedKinds.has(evidence.kind);
    await openMessage(evidence.kind, evidence.jws, {
      inspected,
      verifySignature: serverEd25519Verify,
      audience,
      now: nowSeconds(ctx),
      asOf: 'iat',
      resolveKey: async (kid) => {
        if (!Number.isFinite(iat)) return undefined;
        const companyKey = await companyKeyAsOf(ctx.cdb.db, companyId, kid, iat);
        if (companyKey !== undefined || !staffMaySign) return companyKey;
        return staffKeyAsOf(ctx.cdb.db, companyId, kid, iat);
      },
    });
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error; // storage trouble is not bad evidence
    throw new ProtocolError('ERR_EVIDENCE_INVALID', 'The evidence does not verify.', {
      index,
      cause: error.code,
    });
  }
}

/**
 * Complaints with, once decided, the decision's stored message: the one query behind every list
 * of complaints (the regulator's, the complainant's, the accused company's console). The
 * complaint's own message (up to 256 KiB with its evidence) is not read: the API joins it where it
 * serves it; the console lists `evidence_kinds` instead.
 *
 * @example
 * ```ts
 * const rows = await selectComplaints(db).where('complaints.company_id', '=', id).execute();
 * ```
 */
export function selectComplaints(db: Kysely<Database>) {
  return db
    .selectFrom('complaints')
    .leftJoin('messages as d', 'd.sha256', 'complaints.decision_sha256')
    .select([
      'complaints.sha256',
      'complaints.company_id',
      'complaints.pseudonym',
      'complaints.reasons',
      'complaints.evidence_kinds',
      'complaints.received_at',
      'complaints.decision_sha256',
      'complaints.decision',
      'complaints.decided_at',
      'd.jws as decision_jws',
    ]);
}

/**
 * Creates the oversight services.
 *
 * @example
 * ```ts
 * const oversight = createOversightService(ctx, { companies });
 * await oversight.submitComplaint(token); // 201 {sha256, status: 'pending'}
 * ```
 */
export function createOversightService(
  ctx: ServiceContext,
  options: { companies: CompanyService },
): OversightService {
  const db = ctx.cdb.db;
  const { companies } = options;

  /** Opens a message signed by a regulator's enrolled key (`iss` = `rg_` + its kid). */
  async function openRegulatorMessage<K extends 'complaint-decision' | 'suspension'>(
    kind: K,
    token: string,
  ) {
    const { iss } = peekClaims(token);
    return openMessage(kind, token, {
      verifySignature: serverEd25519Verify,
      audience: ctx.origin,
      now: nowSeconds(ctx),
      resolveKey: async (kid) =>
        iss === `rg_${kid}` ? (await regulatorKey(db, kid))?.key : undefined,
    });
  }

  /** Of the pseudonyms boycotting `companyId`, those whose relationship it confirmed. */
  async function confirmedBoycotts(companyId: string): Promise<number> {
    const row = await db
      .selectFrom(
        db
          .selectFrom('blacklist_signals')
          .select('pseudonym')
          .distinct()
          .where('company_id', '=', companyId)
          .as('s'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => confirmedBy(eb, companyId))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The bound key of a pseudonym speaking about `companyId`, which must be its company. */
  async function pseudonymFor(iss: string | undefined, companyId: string) {
    const binding = iss === undefined ? undefined : await pseudonymBinding(db, iss);
    if (binding === undefined) {
      throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
    }
    if (binding.companyId !== companyId) {
      throw new ProtocolError(
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
        'This pseudonym belongs to another company.',
      );
    }
    return binding.key;
  }

  const complaintQuery = () =>
    selectComplaints(db)
      .innerJoin('messages as c', 'c.sha256', 'complaints.sha256')
      .select('c.jws');
  type ComplaintRow = Awaited<ReturnType<ReturnType<typeof complaintQuery>['execute']>>[number];

  function complaintView(row: ComplaintRow): ComplaintView {
    return {
      sha256: row.sha256,
      jws: row.jws,
      company: row.company_id,
      pseudonym: row.pseudonym,
      reasons: JSON.parse(row.reasons) as string[],
      receivedAt: Number(row.received_at),
      decision:
        row.decision_sha256 === null || row.decision === null || row.decision_jws === null
          ? null
          : {
              sha256: row.decision_sha256,
              jws: row.decision_jws,
              decision: row.decision,
              decidedAt: Number(row.decided_at),
            },
    };
  }

  /**
   * A signal's stored `brand` is the brand's comparison key (protocol/profile `brandKey`, as the
   * Assistant's filter compares brands), so "ACME" and "Acme" are one signal, not two; '' is the
   * company as a whole. `legacy` is the text as sent when it differs: the form a row written
   * before brands were keyed has.
   */
  function signalBrand(asSent: string | undefined): { key: string; legacy: string[] } {
    const key = brandKey(asSent ?? '');
    return { key, legacy: asSent === undefined || asSent === key ? [] : [asSent] };
  }

  async function currentSignal(pseudonym: string, companyId: string, brands: string[]) {
    return db
      .selectFrom('blacklist_signals')
      .select('sha256')
      .where('pseudonym', '=', pseudonym)
      .where('company_id', '=', companyId)
      .where('brand', 'in', brands)
      .executeTakeFirst();
  }

  /** The brands `companyId` declares now, by comparison key, each in its declared spelling. */
  async function declaredBrands(companyId: string): Promise<Map<string, string>> {
    const row = await db
      .selectFrom('companies')
      .select('profile')
      .where('id', '=', companyId)
      .executeTakeFirst();
    const brands =
      row === undefined ? undefined : (JSON.parse(row.profile) as Partial<CompanyProfile>).brands;
    const declared = new Map<string, string>();
    for (const brand of Array.isArray(brands) ? brands : []) {
      const key = brandKey(brand);
      if (key !== '' && !declared.has(key)) declared.set(key, brand);
    }
    return declared;
  }

  return {
    async submitComplaint(token) {
      const { iss, payload: peeked, inspected } = peekMessage('complaint', token);
      const resend = await storedBefore(ctx, token, 'complaint');
      if (resend !== undefined) return resend;
      const accused = typeof peeked.company === 'string' ? peeked.company : '';
      const company = await companies.get(accused.startsWith('co_') ? accused : '');
      // Bound to the accused company: only a pseudonym with a logged relationship may complain.
      const key = await pseudonymFor(iss, company.id);
      const opened = await openMessage('complaint', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: ctx.origin,
        now: nowSeconds(ctx),
        maxLength: maxComplaintLength,
        resolveKey: (kid) => (kid === key.kid ? key : undefined),
      });
      const payload = opened.payload;
      for (const [index, evidence] of payload.evidence.entries()) {
        await verifyEvidence(ctx, company.id, payload.iss, evidence, index);
      }
      const nowMs = ctx.now();
      return storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'complaint',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: true,
        apply: async (trx) => {
          const evidenceKey = evidenceKeyOf(payload.evidence);
          // Skipped by `complaints_open_evidence_idx` when this pseudonym's complaint about this
          // company with the same evidence waits for a decision (also one committed meanwhile).
          const inserted = await trx
            .insertInto('complaints')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym: payload.iss,
              reasons: JSON.stringify(payload.reasons),
              evidence_kinds: JSON.stringify(evidenceKindsOf(payload.evidence)),
              evidence_key: evidenceKey,
              received_at: nowMs,
              decision_sha256: null,
              decision: null,
              decided_at: null,
            })
            .onConflict((c) => c.doNothing())
            .returning('sha256')
            .executeTakeFirst();
          if (inserted === undefined) {
            const open = await trx
              .selectFrom('complaints')
              .select('sha256')
              .where('company_id', '=', company.id)
              .where('pseudonym', '=', payload.iss)
              .where('evidence_key', '=', evidenceKey)
              .where('decision', 'is', null)
              .executeTakeFirst();
            throw new ProtocolError(
              'ERR_COMPLAINT_DUPLICATE',
              'A complaint of yours with this evidence waits for a decision.',
              { complaintSha256: open?.sha256 ?? null },
            );
          }
          await appendFeedEvent(
            trx,
            {
              companyId: company.id,
              kind: 'complaint',
              sha256: opened.sha256,
              pseudonym: payload.iss,
            },
            nowMs,
          );
        },
      });
    },

    async listComplaints(query) {
      let select = complaintQuery();
      if (query.company !== undefined) {
        select = select.where('complaints.company_id', '=', query.company);
      }
      const state = query.state;
      if (state === 'open') select = select.where('complaints.decision', 'is', null);
      if (state === 'decided') select = select.where('complaints.decision', 'is not', null);
      if (state === 'upheld' || state === 'dismissed') {
        select = select.where('complaints.decision', '=', state);
      }
      const after = query.after;
      if (after !== undefined) {
        select = select.where((eb) =>
          eb.or([
            eb('complaints.received_at', '>', after.receivedAt),
            eb.and([
              eb('complaints.received_at', '=', after.receivedAt),
              eb('complaints.sha256', '>', after.sha256),
            ]),
          ]),
        );
      }
      const limit = Math.min(query.limit, maxComplaintPage);
      const rows = await select
        .orderBy('complaints.received_at')
        .orderBy('complaints.sha256')
        .limit(limit)
        .execute();
      const complaints = rows.map(complaintView);
      const last = complaints[complaints.length - 1];
      return {
        complaints,
        next:
          complaints.length === limit && last !== undefined
            ? `${last.receivedAt}.${last.sha256}`
            : null,
      };
    },

    async getComplaint(sha256, caller) {
      const row = await complaintQuery().where('complaints.sha256', '=', sha256).executeTakeFirst();
      const allowed =
        row !== undefined &&
        (caller.type === 'regulator' ||
          (caller.type === 'pseudonym' && caller.id === row.pseudonym) ||
          (caller.type === 'company' && caller.id === row.company_id));
      if (row === undefined) {
        throw new ProtocolError('ERR_COMPLAINT_UNKNOWN', 'No complaint has this hash.');
      }
      if (!allowed) {
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'This complaint is not yours to read.');
      }
      return complaintView(row);
    },

    async decideComplaint(token) {
      const resend = await storedBefore(ctx, token, 'complaint-decision');
      if (resend !== undefined) return resend;
      const opened = await openRegulatorMessage('complaint-decision', token);
      const payload = opened.payload;
      const complaint = await db
        .selectFrom('complaints')
        .select(['company_id', 'pseudonym', 'decision_sha256'])
        .where('sha256', '=', payload.complaintSha256)
        .executeTakeFirst();
      if (complaint === undefined) {
        throw new ProtocolError('ERR_COMPLAINT_UNKNOWN', 'No complaint has this hash.');
      }
      const decided = () =>
        new ProtocolError('ERR_COMPLAINT_ALREADY_DECIDED', 'This complaint was decided before.');
      if (complaint.decision_sha256 !== null) throw decided();
      const nowMs = ctx.now();
      return storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'complaint-decision',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: complaint.company_id,
        pseudonym: complaint.pseudonym,
        logged: true,
        apply: async (trx) => {
          const updated = await trx
            .updateTable('complaints')
            .set({
              decision_sha256: opened.sha256,
              decision: payload.decision,
              decided_at: nowMs,
            })
            .where('sha256', '=', payload.complaintSha256)
            .where('decision_sha256', 'is', null)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) !== 1) throw decided();
          await appendFeedEvent(
            trx,
            {
              companyId: complaint.company_id,
              kind: 'complaint-decision',
              sha256: opened.sha256,
              pseudonym: complaint.pseudonym,
            },
            nowMs,
          );
        },
      });
    },

    async suspend(token) {
      const resend = await storedBefore(ctx, token, 'suspension');
      if (resend !== undefined) {
        const row = await db
          .selectFrom('suspensions')
          .innerJoin('companies', 'companies.id', 'suspensions.company_id')
          .select(['companies.id', 'companies.status'])
          .where('suspensions.sha256', '=', resend.sha256)
          .executeTakeFirstOrThrow();
        return { ...resend, company: { id: row.id, status: row.status } };
      }
      const opened = await openRegulatorMessage('suspension', token);
      const payload = opened.payload;
      const company = await companies.get(payload.company);
      if (payload.complaints !== undefined) {
        const upheld = await db
          .selectFrom('complaints')
          .select('sha256')
          .where('sha256', 'in', payload.complaints)
          .where('company_id', '=', company.id)
          .where('decision', '=', 'upheld')
          .execute();
        const known = new Set(upheld.map((row) => row.sha256));
        const missing = payload.complaints.find((sha256) => !known.has(sha256));
        if (missing !== undefined) {
          throw new ProtocolError(
            'ERR_COMPLAINT_UNKNOWN',
            'The suspension names a complaint that is not an upheld complaint about this company.',
            { complaintSha256: missing },
          );
        }
      }
      const conflict = () =>
        new ProtocolError(
          'ERR_SUSPENSION_CONFLICT',
          payload.action === 'suspend'
            ? 'The company is suspended already.'
            : 'The company is not suspended.',
          { status: company.status },
        );
      const suspending = payload.action === 'suspend';
      if (suspending === (company.status === 'suspended')) throw conflict();
      const nowMs = ctx.now();
      let status: CompanyStatus = 'suspended';
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'suspension',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: null,
        logged: true,
        apply: async (trx) => {
          // The status every check reads changes in this very transaction: effective at once.
          // On PostgreSQL the row is taken FOR UPDATE first, which waits for the transactions
          // that read the status in key-share mode (grant-effects.ts requireActiveCompanies,
          // the relay) and is waited for by those that come after.
          if (onPostgres(trx)) {
            await trx
              .selectFrom('companies')
              .select('id')
              .where('id', '=', company.id)
              .forUpdate()
              .execute();
          }
          // Reinstated, a company is active again only if its domain was proven.
          const updated = await trx
            .updateTable('companies')
            .set((eb) => ({
              status: suspending
                ? 'suspended'
                : eb
                    .case()
                    .when('domain_verified_at', 'is not', null)
                    .then('active' as CompanyStatus)
                    .else('pending' as CompanyStatus)
                    .end(),
              updated_at: nowMs,
            }))
            .where('id', '=', company.id)
            .where('status', suspending ? '!=' : '=', 'suspended')
            .returning('status')
            .executeTakeFirst();
          if (updated === undefined) throw conflict();
          status = updated.status;
          await trx
            .insertInto('suspensions')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              action: payload.action,
              regulator: payload.iss,
              received_at: nowMs,
            })
            .execute();
          await appendFeedEvent(
            trx,
            { companyId: company.id, kind: 'suspension', sha256: opened.sha256, pseudonym: '' },
            nowMs,
          );
        },
      });
      return { ...receipt, company: { id: company.id, status } };
    },

    async blacklist(token) {
      const { iss, payload: peeked, inspected } = peekMessage('blacklist', token);
      const resend = await storedBefore(ctx, token, 'blacklist');
      if (resend !== undefined && iss !== undefined && typeof peeked.company === 'string') {
        const brand = signalBrand(typeof peeked.brand === 'string' ? peeked.brand : undefined);
        const row = await currentSignal(iss, peeked.company, [brand.key, ...brand.legacy]);
        return { sha256: resend.sha256, counted: row !== undefined, created: false };
      }
      const named = typeof peeked.company === 'string' ? peeked.company : '';
      const company = await companies.get(named.startsWith('co_') ? named : '');
      const key = await pseudonymFor(iss, company.id);
      const opened = await openMessage('blacklist', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: ctx.origin,
        now: nowSeconds(ctx),
        resolveKey: (kid) => (kid === key.kid ? key : undefined),
      });
      const payload = opened.payload;
      // Any brand text is accepted and kept as its own signal, so that withdrawing it works; the
      // figure shows only declared brands (`boycott`). The Assistant cannot tell a declared brand
      // from another: it sends the brand an offer was signed under, or one the customer typed.
      const brand = signalBrand(payload.brand);
      // SPECS "Consent conditions": only pseudonyms with a logged grant or refusal count, so
      // minted pseudonyms cannot inflate the figure. A bound pseudonym has one (binding happens
      // with the first grant or refusal), but the figure's rule is checked where it is applied.
      const related = await db
        .selectFrom('grants')
        .select('sha256')
        .where('pseudonym', '=', payload.iss)
        .where('company_id', '=', company.id)
        .unionAll(
          db
            .selectFrom('refusals')
            .select('sha256')
            .where('pseudonym', '=', payload.iss)
            .where('company_id', '=', company.id),
        )
        .limit(1)
        .executeTakeFirst();
      const counted = payload.action === 'add' && related !== undefined;
      const nowMs = ctx.now();
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'blacklist',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: false,
        apply: async (trx) => {
          const remove = (brands: string[]) =>
            trx
              .deleteFrom('blacklist_signals')
              .where('pseudonym', '=', payload.iss)
              .where('company_id', '=', company.id)
              .where('brand', 'in', brands)
              .execute();
          if (counted) {
            // One signal per (pseudonym, company, brand): a repeat only updates its reason, and
            // replaces a row of the same brand from before brands were keyed.
            if (brand.legacy.length > 0) await remove(brand.legacy);
            await trx
              .insertInto('blacklist_signals')
              .values({
                pseudonym: payload.iss,
                company_id: company.id,
                brand: brand.key,
                reason: payload.reason,
                sha256: opened.sha256,
                created_at: nowMs,
              })
              .onConflict((c) =>
                c.columns(['pseudonym', 'company_id', 'brand']).doUpdateSet({
                  reason: payload.reason,
                  sha256: opened.sha256,
                  created_at: nowMs,
                }),
              )
              .execute();
          } else {
            await remove([brand.key, ...brand.legacy]);
          }
        },
      });
      return { sha256: receipt.sha256, counted, created: receipt.created };
    },

    confirmedBoycotts,

    async boycott(companyId) {
      const company = await companies.get(companyId);
      const declared = await declaredBrands(company.id);
      // Each signal's brand as the figure shows it: a declared brand's key, else '' (the company
      // as a whole), so made-up brand texts add no rows to the figure. Judged against today's
      // declaration: a brand declared later shows its earlier signals. A row from before brands
      // were keyed matches by the declared spelling.
      const shownBrand =
        declared.size === 0
          ? sql<string>`''`
          : sql<string>`case ${sql.join(
              [...declared].map(
                ([key, spelling]) => sql`when brand in (${key}, ${spelling}) then ${key}`,
              ),
              sql` `,
            )} else '' end`;
      const [total, confirmed, reasons, brands] = await Promise.all([
        db
          .selectFrom('blacklist_signals')
          .select((eb) => eb.fn.count<number>('pseudonym').distinct().as('n'))
          .where('company_id', '=', company.id)
          .executeTakeFirst(),
        confirmedBoycotts(company.id),
        db
          .selectFrom('blacklist_signals')
          .select((eb) => ['reason', eb.fn.count<number>('pseudonym').distinct().as('n')])
          .where('company_id', '=', company.id)
          .groupBy('reason')
          .orderBy('reason')
          .execute(),
        db
          .selectFrom(
            db
              .selectFrom('blacklist_signals')
              .select(['pseudonym', shownBrand.as('shown')])
              .where('company_id', '=', company.id)
              .as('s'),
          )
          .select((eb) => ['s.shown', eb.fn.count<number>('s.pseudonym').distinct().as('n')])
          .groupBy('s.shown')
          .orderBy('s.shown')
          .execute(),
      ]);
      return {
        company: company.id,
        total: Number(total?.n ?? 0),
        confirmed,
        byReason: Object.fromEntries(reasons.map((row) => [row.reason, Number(row.n)])),
        byBrand: brands.map((row) => ({
          brand: row.shown === '' ? null : (declared.get(row.shown) ?? row.shown),
          signals: Number(row.n),
        })),
      };
    },
  };
}

/**
 * Whether the company itself confirmed its relationship with the boycotting pseudonym `s`: it
 * addressed that pseudonym in something it signed, which no pseudonym can make it send (docs/api.md
 * "Confirmed boycotts"). SPECS "Consent conditions" counts any logged grant or refusal, but anyone
 * may mint a pseudonym and answer an open request (a link, a QR code); this shows how much of the
 * figure rests on that.
 *
 * Counted: a targeted grant request to it, an offer the relay accepted for it (`relay_contacts`,
 * kept after delivery) or refused (`relay_refusals`), and a use of its data the company reported
 * (`access_uses`, or `access_findings` when out of scope); none signed with a key since declared
 * compromised from before (compromise.ts voids the relay's and the reports' rows; a grant
 * request's row stays, so it is skipped here). Not counted, because the pseudonym can
 * force them or they do not last: disclosures, data-request answers and revocation
 * acknowledgements (each may answer a request or revocation the pseudonym sent), and rewards
 * (deleted with their messages once delivered).
 *
 * Each `exists` probes an index led by `pseudonym` (migrations 0003, 0016, 0011) once per
 * boycotting pseudonym and stops at its first row. `relay_refusals` has only its company index
 * (0006), so it is read once as a set: a hashed subplan on PostgreSQL (which may read the
 * company's `access_findings` that way too, by its own estimate), an `IN` list on SQLite.
 */
function confirmedBy(
  eb: ExpressionBuilder<Database & { s: { pseudonym: string } }, 's'>,
  companyId: string,
): Expression<SqlBool> {
  // Each table keeps the pseudonym and the company by these names.
  const addressedIn = (table: 'relay_contacts' | 'access_uses' | 'access_findings') =>
    eb.exists(
      eb
        .selectFrom(table)
        .select(sql.lit(1).as('one'))
        .where(sql.ref(`${table}.pseudonym`), '=', sql.ref('s.pseudonym'))
        .where(sql.ref(`${table}.company_id`), '=', companyId),
    );
  return eb.or([
    addressedIn('relay_contacts'),
    // Not one a key signed once declared compromised: a thief's (it can no longer be granted).
    eb.exists(
      eb
        .selectFrom('grant_requests')
        .select(sql.lit(1).as('one'))
        .where('grant_requests.pseudonym', '=', eb.ref('s.pseudonym'))
        .where('grant_requests.company_id', '=', companyId)
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('company_keys')
                .select(sql.lit(1).as('one'))
                .whereRef('company_keys.kid', '=', 'grant_requests.signer')
                .whereRef('company_keys.compromised_since', '<=', 'grant_requests.iat'),
            ),
          ),
        ),
    ),
    addressedIn('access_uses'),
    addressedIn('access_findings'),
    eb(
      's.pseudonym',
      'in',
      eb
        .selectFrom('relay_refusals')
        .select('relay_refusals.pseudonym')
        .where('relay_refusals.company_id', '=', companyId),
    ),
  ]);
}

/**
 * The upheld complaints about a company, oldest first.
 *
 * @example
 * ```ts
 * const upheld = await complaintFindings(db, companyId);
 * ```
 */
export async function complaintFindings(
  db: ServiceContext['cdb']['db'],
  companyId: string,
): Promise<ComplaintFinding[]> {
  const rows = await db
    .selectFrom('complaints')
    .select(['sha256', 'decision_sha256', 'pseudonym', 'reasons', 'received_at', 'decided_at'])
    .where('company_id', '=', companyId)
    .where('decision', '=', 'upheld')
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('received_at', 'desc')
    .orderBy('sha256', 'desc')
    .limit(1000)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'complaint-upheld',
    complaintSha256: row.sha256,
    decisionSha256: row.decision_sha256 ?? '',
    pseudonym: row.pseudonym,
    reasons: JSON.parse(row.reasons) as string[],
    receivedAt: Number(row.received_at),
    decidedAt: Number(row.decided_at ?? 0),
  }));
}
