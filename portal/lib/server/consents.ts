/**
 * The life of a consent (issue 4, docs/api.md): grant requests from active companies, grants,
 * refusals and revocations from the Assistant, revocation acknowledgements, the company feed,
 * overdue findings and the relationships of a pseudonym.
 *
 * Every accepted message is verified (signature, the pseudonym's key binding, the request it
 * answers, scopes no wider than requested, the company's status), then stored through the durable
 * writer together with its aggregate rows in one transaction, and queued for the log.
 */
import { sql, type Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { importPublicJwkAsync, thumbprint, type ImportedPublicKey } from '$protocol/keys';
import {
  parseMessage,
  type GrantPayload,
  type GrantRequestPayload,
  type RefusalPayload,
} from '$protocol/messages';
import { openMessage } from '$protocol/signed';
import {
  companySignerKey,
  currentCompanyKey,
  keyFromX,
  peekClaims,
  peekMessage,
  pseudonymBinding,
  type Caller,
} from './auth/signatures';
import { companyFromRow, type CompanyRecord, type CompanyService } from './companies';
import { batchedEffect } from './db/durable-writer';
import { batchedLookup } from './db/batched-lookup';
import { prepared } from './db/prepared';
import { onPostgres } from './db/postgres-batch';
import {
  appendFeedEvent,
  companyNotActive,
  requireActiveCompanies,
  storeGrants,
} from './grant-effects';
import type { CompanyStatus, Database } from './db/schema';
import {
  nowSeconds,
  storeSigned,
  storedBefore,
  type ServiceContext,
  type StoredReceipt,
} from './message-store';
import { assertWithinRequest } from './scopes';
import { ackDueAt, overdueRevocations, type OverdueRevocation } from './trust';
import { serverEd25519Verify } from './ed25519';
import { pointChecker } from './point-check';
import { pseudonymObligations, type ObligationsView } from './obligations';
import { requireSignerNotCompromised } from './compromise';
import { deleteRelayItems } from './relay';

export { appendFeedEvent, appendFeedEvents } from './grant-effects';

/** The longest cool-down a refusal may ask for ("not forever"; project decision: 400 days). */
export const maxAskAgainSeconds = 400 * 24 * 60 * 60;
/** Largest page of the feed. */
export const maxFeedPage = 500;

export interface ConsentServiceOptions {
  companies: CompanyService;
  /** The revocation acknowledgement deadline in milliseconds (default 72 h). */
  ackDeadlineMs: number;
}

export interface GrantRequestReceipt extends StoredReceipt {
  targeted: boolean;
  /** Where the Assistant fetches the request (the QR code carries this link). */
  link: string;
}

export interface AckReceipt extends StoredReceipt {
  /** Whether the acknowledgement came within the deadline. */
  onTime: boolean;
}

/**
 * The kinds of the company feed (and its webhooks): the life of a consent (issue 4), plus, for
 * issue 5, data requests, complaints and decisions about them, and suspensions (obligations.ts,
 * oversight.ts).
 */
export type FeedEventKind =
  | 'grant'
  | 'refusal'
  | 'revocation'
  | 'data-request'
  | 'complaint'
  | 'complaint-decision'
  | 'suspension'
  // the sealed relay (relay.ts): an offer the relay refused, a correction from the Assistant
  | 'offer-refused'
  | 'correction';

export interface FeedEvent {
  cursor: string;
  kind: FeedEventKind;
  sha256: string;
  /** The pseudonym the event concerns; '' for a suspension, which concerns no pseudonym. */
  pseudonym: string;
  jws: string;
  receivedAt: number;
}

export interface GrantRequestView {
  sha256: string;
  jws: string;
  targeted: boolean;
  company: { id: string; legalName: string; domain: string; status: string };
}

export interface Relationships {
  pseudonym: string;
  company: { id: string; legalName: string; domain: string; status: string };
  requests: { sha256: string; jws: string }[];
  grants: {
    sha256: string;
    jws: string;
    status: 'active' | 'revoked' | 'expired';
    revokedPurposes: string[];
  }[];
  refusals: { sha256: string; jws: string; askAgainAfter: number | null }[];
  /** `acknowledgedAt`: when the company's acknowledgement was stored (ms), while it counts. */
  revocations: { sha256: string; jws: string; acknowledged: boolean; acknowledgedAt?: number }[];
  /** What the company disclosed (issue 5, obligations.ts); the newest is `current`. */
  disclosures: ObligationsView['disclosures'];
  /** Access and erasure requests with their deadline and answer (issue 5, obligations.ts). */
  dataRequests: ObligationsView['dataRequests'];
}

/** The consent services. */
export interface ConsentService {
  /** `POST /api/v1/grant-requests`. */
  createGrantRequest(token: string): Promise<GrantRequestReceipt>;
  /**
   * `GET /api/v1/grant-requests/{sha256}`: an open request for anyone; a targeted one only for its
   * pseudonym or its company, asked through `caller` (called only then).
   */
  getGrantRequest(sha256: string, caller: () => Promise<Caller>): Promise<GrantRequestView>;
  /** `POST /api/v1/grants`. */
  submitGrant(token: string): Promise<StoredReceipt>;
  /** `POST /api/v1/refusals`. */
  submitRefusal(token: string): Promise<StoredReceipt>;
  /** `POST /api/v1/revocations`. */
  submitRevocation(token: string): Promise<StoredReceipt>;
  /** `POST /api/v1/revocation-acks`. */
  acknowledgeRevocation(token: string): Promise<AckReceipt>;
  /** `GET /api/v1/companies/me/events`. */
  feed(
    companyId: string,
    after: number,
    limit: number,
  ): Promise<{ events: FeedEvent[]; next: string }>;
  /** `GET /api/v1/companies/me/findings`. */
  findings(companyId: string): Promise<OverdueRevocation[]>;
  /** `GET /api/v1/pseudonyms/{pseudonym}/relationships` (the caller is checked by the route). */
  relationships(pseudonym: string): Promise<Relationships>;
}

/** A stored grant request of a company, with what decides whether it may still be answered. */
const grantRequestQuery = prepared<
  { sha256: string; companyId: string },
  { pseudonym: string | null; iat: number; compromised_since: number | null }
>((db, arg) =>
  db
    .selectFrom('grant_requests')
    .innerJoin('company_keys', 'company_keys.kid', 'grant_requests.signer')
    .select(['grant_requests.pseudonym', 'grant_requests.iat', 'company_keys.compromised_since'])
    .where('grant_requests.sha256', '=', arg('sha256'))
    .where('grant_requests.company_id', '=', arg('companyId')),
);

/** Whether a grant request was signed at or after its key's declared compromise. */
function voidedByCompromise(row: { iat: number; compromised_since: number | null }): boolean {
  return row.compromised_since !== null && row.iat >= row.compromised_since;
}

function requestVoided(): ProtocolError {
  return new ProtocolError(
    'ERR_GRANT_REQUEST_VOIDED',
    'The request was signed with a key its company declared compromised since before it: it can no longer be answered, and the company has to ask again.',
  );
}

/**
 * A claim as an id to look up: `value` when it is a string of `prefix` and base64url (what every
 * id and sha256 is), else '' (which names no row).
 */
function claimedId(value: unknown, prefix: string): string {
  return typeof value === 'string' &&
    value.length <= 100 &&
    value.startsWith(prefix) &&
    /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length))
    ? value
    : '';
}

/** What a grant's checks read, by the claims as sent (see `acceptGrant`). */
interface GrantChecksArgs {
  companyId: string;
  pseudonym: string;
  requestSha256: string;
}

/**
 * A grant's three lookups in one row: the company (`c_`), the pseudonym's binding (`p_`) and the
 * grant request of that company with its signing key (`r_`, `k_`); a part not found is null.
 */
interface GrantChecksRow {
  c_id: string | null;
  c_status: CompanyStatus | null;
  c_legal_name: string | null;
  c_domain: string | null;
  c_profile: string | null;
  p_company_id: string | null;
  p_x: string | null;
  r_pseudonym: string | null;
  r_iat: number | null;
  k_kid: string | null;
  k_compromised_since: number | null;
}

/** The joins of {@link grantChecksQuery} on a derived table `q` (company_id, pseudonym, request_sha256). */
const grantChecksJoins = sql`
  left join companies c on c.id = q.company_id
  left join pseudonyms p on p.pseudonym = q.pseudonym
  left join grant_requests r on r.sha256 = q.request_sha256 and r.company_id = q.company_id
  left join company_keys k on k.kid = r.signer`;
const grantChecksColumns = sql`c.id as c_id, c.status as c_status, c.legal_name as c_legal_name,
  c.domain as c_domain, c.profile as c_profile, p.company_id as p_company_id, p.x as p_x,
  r.pseudonym as r_pseudonym, r.iat as r_iat, k.kid as k_kid,
  k.compromised_since as k_compromised_since`;

/**
 * The checks of `POST /api/v1/grants` as one statement instead of three (the company's, the
 * binding's and the request's lookups, each as the services read it); on PostgreSQL concurrent
 * grants share one (db/batched-lookup.ts), keyed by the three claims as a JSON array.
 */
const grantChecksQuery = batchedLookup(
  prepared<GrantChecksArgs, GrantChecksRow>((db, arg) => ({
    compile: () =>
      sql<GrantChecksRow>`select ${grantChecksColumns}
        from (select cast(${arg('companyId')} as text) as company_id,
                     cast(${arg('pseudonym')} as text) as pseudonym,
                     cast(${arg('requestSha256')} as text) as request_sha256) q
        ${grantChecksJoins}`.compile(db),
  })),
  {
    keyOf: (args) => JSON.stringify([args.companyId, args.pseudonym, args.requestSha256]),
    many: prepared<{ keys: string[] }, GrantChecksRow & { key: string }>((db, arg) => ({
      compile: () =>
        // Each part a lateral lookup by its key (`limit 1` keeps PostgreSQL from flattening it
        // into a join): it guesses ten rows for the array, and with plain joins it then chose a
        // hash join over a full scan of `pseudonyms` below about 2,000 bindings, for every batch
        // (docs/performance.md "API").
        sql<GrantChecksRow & { key: string }>`select q.key, ${grantChecksColumns}
          from (select u.k as key, (u.k::jsonb) ->> 0 as company_id,
                       (u.k::jsonb) ->> 1 as pseudonym, (u.k::jsonb) ->> 2 as request_sha256
                from unnest(cast(${arg('keys')} as text[])) as u(k)) q
          left join lateral (select id, status, legal_name, domain, profile from companies
            where id = q.company_id limit 1) c on true
          left join lateral (select company_id, x from pseudonyms
            where pseudonym = q.pseudonym limit 1) p on true
          left join lateral (select pseudonym, iat, signer from grant_requests
            where sha256 = q.request_sha256 and company_id = q.company_id limit 1) r on true
          left join lateral (select kid, compromised_since from company_keys
            where kid = r.signer limit 1) k on true`.compile(db),
    })),
    rowKey: (row) => row.key,
  },
);

/**
 * Creates the consent services.
 *
 * @example
 * ```ts
 * const consents = createConsentService(ctx, { companies, ackDeadlineMs: defaultAckDeadlineMs });
 * const { sha256 } = await consents.submitGrant(token); // 201 {sha256, status: 'pending'}
 * ```
 */
export function createConsentService(
  ctx: ServiceContext,
  options: ConsentServiceOptions,
): ConsentService {
  const db = ctx.cdb.db;
  const { companies, ackDeadlineMs } = options;

  function requireActive(company: CompanyRecord): void {
    if (company.status !== 'active') throw companyNotActive(company.status);
  }

  async function companyOf(id: string | undefined): Promise<CompanyRecord> {
    return companies.get(id !== undefined && id.startsWith('co_') ? id : '', 'check');
  }

  /**
   * Parsed payloads of stored grant requests by sha256. A stored message never changes (its
   * sha256 is its content), so this only saves parsing its JWS again for every grant that
   * answers it; whether it may still be answered (its company, its signing key) is asked of the
   * database every time.
   */
  const requestPayloads = new Map<string, GrantRequestPayload>();
  const maxCachedRequests = 1_000;

  /** Loads a stored grant request of `companyId` and its parsed payload. */
  async function loadRequest(
    sha256: string,
    companyId: string,
  ): Promise<{ payload: GrantRequestPayload; pseudonym: string | null; voided: boolean }> {
    return requestFromRow(sha256, await grantRequestQuery.firstForWrite(db, { sha256, companyId }));
  }

  /** {@link loadRequest} from the request's row (`undefined`: no request of that company). */
  async function requestFromRow(
    sha256: string,
    row: { pseudonym: string | null; iat: number; compromised_since: number | null } | undefined,
  ): Promise<{ payload: GrantRequestPayload; pseudonym: string | null; voided: boolean }> {
    if (row === undefined) {
      throw new ProtocolError(
        'ERR_GRANT_REQUEST_UNKNOWN',
        'requestSha256 names no request of this company.',
      );
    }
    let payload = requestPayloads.get(sha256);
    if (payload === undefined) {
      const { jws } = await db
        .selectFrom('messages')
        .select('jws')
        .where('sha256', '=', sha256)
        .executeTakeFirstOrThrow();
      payload = parseMessage('grant-request', peekClaims(jws).payload);
      if (requestPayloads.size >= maxCachedRequests) requestPayloads.clear();
      requestPayloads.set(sha256, payload);
    }
    return { payload, pseudonym: row.pseudonym, voided: voidedByCompromise(row) };
  }

  /**
   * The key of pseudonym `iss` for a message to `companyId`: the bound one, or, for the first
   * message (grant or refusal), the `pseudonymKey` it carries.
   */
  async function pseudonymKeyFor(
    iss: string | undefined,
    companyId: string,
    peeked: Readonly<Record<string, unknown>>,
    mayBind: boolean,
    lookup?: ReturnType<typeof pseudonymBinding>,
  ): Promise<{ key: ImportedPublicKey | undefined; bound: boolean }> {
    if (iss === undefined || !iss.startsWith('ps_')) return { key: undefined, bound: false };
    const binding = await (lookup ?? pseudonymBinding(db, iss, 'check'));
    if (binding !== undefined) {
      if (binding.companyId !== companyId) {
        throw new ProtocolError(
          'ERR_PSEUDONYM_COMPANY_MISMATCH',
          'This pseudonym belongs to another company.',
        );
      }
      return { key: binding.key, bound: true };
    }
    if (!mayBind) {
      throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
    }
    if (peeked.pseudonymKey === undefined) {
      throw new ProtocolError(
        'ERR_PSEUDONYM_KEY_REQUIRED',
        "A pseudonym's first message must carry pseudonymKey.",
      );
    }
    // A new key's point check runs on the worker thread (point-check.ts), off the event loop.
    return {
      key: await importPublicJwkAsync(peeked.pseudonymKey, pointChecker().isValidPoint),
      bound: false,
    };
  }

  function keyResolver(key: ImportedPublicKey | undefined, bound: boolean) {
    return async (kid: string) => {
      if (key === undefined) return undefined;
      if (key.kid === kid) return key;
      if (bound) return undefined; // ERR_JWS_KID_UNKNOWN: only the bound key signs
      throw new ProtocolError(
        'ERR_PSEUDONYM_KEY_MISMATCH',
        'pseudonymKey is not the key that signed.',
      );
    };
  }

  function checkCarriedKey(carried: GrantPayload['pseudonymKey'], kid: string): void {
    if (carried !== undefined && thumbprint(carried) !== kid) {
      throw new ProtocolError(
        'ERR_PSEUDONYM_KEY_MISMATCH',
        'pseudonymKey is not the key bound to this pseudonym.',
      );
    }
  }

  async function bindPseudonym(
    trx: Transaction<Database>,
    pseudonym: string,
    companyId: string,
    key: ImportedPublicKey,
    sha256: string,
    nowMs: number,
  ): Promise<void> {
    const inserted = await trx
      .insertInto('pseudonyms')
      .values({ pseudonym, company_id: companyId, x: key.jwk.x, bound_at: nowMs, bound_by: sha256 })
      // No target: on PostgreSQL the (pseudonym, company_id) key (migration 0013) must count
      // too, or a binding racing this one would fail it instead of being skipped.
      .onConflict((c) => c.doNothing())
      .returning('pseudonym')
      .executeTakeFirst();
    if (inserted !== undefined) return;
    const row = await trx
      .selectFrom('pseudonyms')
      .select('company_id')
      .where('pseudonym', '=', pseudonym)
      .executeTakeFirstOrThrow();
    if (row.company_id !== companyId) {
      throw new ProtocolError(
        'ERR_PSEUDONYM_COMPANY_MISMATCH',
        'This pseudonym belongs to another company.',
      );
    }
  }

  /**
   * Appends to the company's feed. The counter is taken with an UPDATE of the company row, which
   * holds that row's lock until commit: events of one company commit in counter order, so a
   * reader paging with `after` never skips one that commits later.
   */

  /**
   * `lookup`, marked as handled: a lookup started ahead may fail while an earlier check is still
   * awaited (or fails first); its error reaches whoever awaits it, never the process.
   */
  function started<T>(lookup: Promise<T>): Promise<T> {
    lookup.catch(() => undefined);
    return lookup;
  }

  /** Shared by grants and refusals: the request they answer must be this company's, and theirs. */
  async function answeredRequest(
    payload: GrantPayload | RefusalPayload,
    companyId: string,
    lookup?: { sha256: string; loaded: ReturnType<typeof loadRequest> },
  ): Promise<GrantRequestPayload> {
    const request = await (lookup !== undefined && lookup.sha256 === payload.requestSha256
      ? lookup.loaded
      : loadRequest(payload.requestSha256, companyId));
    if (request.pseudonym !== null && request.pseudonym !== payload.iss) {
      throw new ProtocolError(
        'ERR_GRANT_REQUEST_UNKNOWN',
        'The request was sent to another pseudonym.',
      );
    }
    // A request signed once its key was compromised may be forged: it can no longer be answered.
    // Said only to whom it is addressed (another pseudonym learns nothing of a targeted one).
    if (request.voided) throw requestVoided();
    return request.payload;
  }

  /** `POST /api/v1/grants` without the resend answer (see `submitGrant`). */
  async function acceptGrant(token: string): Promise<StoredReceipt> {
    const { iss, aud, payload: peeked, inspected } = peekMessage('grant', token);
    // The three lookups of the checks are one statement, from the claims as sent (on PostgreSQL
    // shared with concurrent grants, db/batched-lookup.ts). Each check then takes its part where
    // it stands, so the checks and their errors keep their order, and a part is used only for
    // what the verified message says (the company is `aud`, the request the one
    // `requestSha256` names).
    // A claim that cannot name a row (not base64url after its prefix) is looked up as '', which
    // names none: no claim anyone sends can make the shared statement fail for the others.
    const companyId = claimedId(aud, 'co_');
    const requestSha256 = peeked.requestSha256;
    const row = await grantChecksQuery.firstForWrite(db, {
      companyId,
      pseudonym: claimedId(iss, 'ps_'),
      requestSha256: claimedId(requestSha256, ''),
    });
    if (row?.c_id == null) {
      throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
    }
    const company = companyFromRow({
      id: row.c_id,
      status: row.c_status!,
      legal_name: row.c_legal_name!,
      domain: row.c_domain!,
      profile: row.c_profile!,
    });
    const requestLookup =
      typeof requestSha256 === 'string' && companyId !== ''
        ? {
            sha256: requestSha256,
            loaded: started(
              requestFromRow(
                requestSha256,
                row.r_iat == null || row.k_kid == null
                  ? undefined
                  : {
                      pseudonym: row.r_pseudonym,
                      iat: row.r_iat,
                      compromised_since: row.k_compromised_since,
                    },
              ),
            ),
          }
        : undefined;
    requireActive(company);
    const binding =
      row.p_company_id === null || row.p_x === null
        ? undefined
        : { companyId: row.p_company_id, key: keyFromX(row.p_x) };
    const { key, bound } = await pseudonymKeyFor(
      iss,
      company.id,
      peeked,
      true,
      Promise.resolve(binding),
    );
    const opened = await openMessage('grant', token, {
      inspected,
      verifySignature: serverEd25519Verify,
      audience: company.id,
      now: nowSeconds(ctx),
      resolveKey: keyResolver(key, bound),
    });
    const payload = opened.payload;
    checkCarriedKey(payload.pseudonymKey, opened.kid);
    const request = await answeredRequest(
      payload,
      company.id,
      company.id === aud ? requestLookup : undefined,
    );
    assertWithinRequest(payload.scopes, request.scopes, payload.preferredChannel);
    const nowMs = ctx.now();
    return storeSigned(ctx, {
      token,
      sha256: opened.sha256,
      kind: 'grant',
      kid: opened.kid,
      jti: payload.jti,
      iat: payload.iat,
      exp: payload.exp,
      companyId: company.id,
      pseudonym: payload.iss,
      logged: true,
      effect: batchedEffect(storeGrants, {
        sha256: opened.sha256,
        companyId: company.id,
        pseudonym: payload.iss,
        bindX: bound ? undefined : key!.jwk.x,
        requestSha256: payload.requestSha256,
        purposes: JSON.stringify([...new Set(payload.scopes.map((s) => s.purpose))]),
        iat: payload.iat,
        until: payload.until,
        nowMs,
      }),
    });
  }

  return {
    async createGrantRequest(token) {
      const { iss, aud, inspected } = peekMessage('grant-request', token);
      const company = await companyOf(iss);
      const link = (sha256: string) => `${ctx.origin}/api/v1/grant-requests/${sha256}`;
      const resend = await storedBefore(ctx, token, 'grant-request');
      if (resend !== undefined) {
        return { ...resend, targeted: aud?.startsWith('ps_') ?? false, link: link(resend.sha256) };
      }
      requireActive(company);
      const targeted = aud !== undefined && aud.startsWith('ps_');
      const opened = await openMessage('grant-request', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: targeted ? aud : ctx.origin,
        now: nowSeconds(ctx),
        resolveKey: (kid) => currentCompanyKey(db, company.id, kid),
      });
      const payload = opened.payload;
      const declared = new Set(company.purposes);
      const undeclared = payload.scopes.find((scope) => !declared.has(scope.purpose));
      if (undeclared !== undefined) {
        throw new ProtocolError(
          'ERR_PURPOSE_NOT_DECLARED',
          'The company did not declare this purpose.',
          { purpose: undeclared.purpose },
        );
      }
      const pseudonym = targeted ? payload.aud : null;
      if (pseudonym !== null) {
        const binding = await pseudonymBinding(db, pseudonym);
        // Another company's pseudonym is reported as unknown: whether it exists is not ours to say.
        if (binding === undefined || binding.companyId !== company.id) {
          throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
        }
        const coolDown = await db
          .selectFrom('refusals')
          .select((eb) => eb.fn.max('ask_again_after').as('until'))
          .where('pseudonym', '=', pseudonym)
          .where('company_id', '=', company.id)
          .executeTakeFirst();
        const until =
          coolDown?.until === null || coolDown?.until === undefined ? null : Number(coolDown.until);
        if (until !== null && until > nowSeconds(ctx)) {
          throw new ProtocolError(
            'ERR_ASK_AGAIN_LATER',
            'This person asked not to be asked again yet.',
            { askAgainAfter: until },
          );
        }
      }
      const nowMs = ctx.now();
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'grant-request',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym,
        logged: true,
        apply: async (trx) => {
          await requireActiveCompanies(trx, [company.id]);
          await trx
            .insertInto('grant_requests')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym,
              signer: opened.kid,
              iat: payload.iat,
              created_at: nowMs,
            })
            .execute();
        },
      });
      return { ...receipt, targeted, link: link(receipt.sha256) };
    },

    async getGrantRequest(sha256, caller) {
      const row = await db
        .selectFrom('grant_requests')
        .innerJoin('messages', 'messages.sha256', 'grant_requests.sha256')
        .innerJoin('companies', 'companies.id', 'grant_requests.company_id')
        .innerJoin('company_keys', 'company_keys.kid', 'grant_requests.signer')
        .select([
          'messages.jws',
          'grant_requests.pseudonym',
          'grant_requests.iat',
          'company_keys.compromised_since',
          'companies.id',
          'companies.legal_name',
          'companies.domain',
          'companies.status',
        ])
        .where('grant_requests.sha256', '=', sha256)
        .executeTakeFirst();
      if (row === undefined) {
        throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'No grant request has this hash.');
      }
      if (row.pseudonym !== null) {
        const who = await caller();
        if (who.id !== row.pseudonym && who.id !== row.id) {
          throw new ProtocolError(
            'ERR_NOT_AUTHORISED',
            'This request is addressed to someone else.',
          );
        }
      }
      // Served no more: an Assistant would show a request that cannot be answered.
      if (voidedByCompromise(row)) throw requestVoided();
      return {
        sha256,
        jws: row.jws,
        targeted: row.pseudonym !== null,
        company: { id: row.id, legalName: row.legal_name, domain: row.domain, status: row.status },
      };
    },

    async submitGrant(token) {
      try {
        return await acceptGrant(token);
      } catch (error) {
        // A resend of a stored grant is answered like the first time, whatever changed since
        // (the company suspended, the message expired): asked only when the checks fail, since a
        // resend that passes them is stored as a duplicate anyway (200, nothing changed).
        if (!(error instanceof ProtocolError)) throw error;
        const resend = await storedBefore(ctx, token, 'grant');
        if (resend !== undefined) return resend;
        throw error;
      }
    },
    async submitRefusal(token) {
      const { iss, aud, payload: peeked, inspected } = peekMessage('refusal', token);
      const resend = await storedBefore(ctx, token, 'refusal');
      if (resend !== undefined) return resend;
      // A refusal is accepted whatever the company's status: saying no is always possible.
      const company = await companyOf(aud);
      const { key, bound } = await pseudonymKeyFor(iss, company.id, peeked, true);
      const opened = await openMessage('refusal', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: company.id,
        now: nowSeconds(ctx),
        resolveKey: keyResolver(key, bound),
      });
      const payload = opened.payload;
      checkCarriedKey(payload.pseudonymKey, opened.kid);
      if (
        payload.askAgainAfter !== undefined &&
        payload.askAgainAfter > payload.iat + maxAskAgainSeconds
      ) {
        throw new ProtocolError('ERR_MESSAGE_INVALID', 'askAgainAfter lies too far ahead.', {
          issues: ['askAgainAfter'],
          maxSeconds: maxAskAgainSeconds,
        });
      }
      await answeredRequest(payload, company.id);
      const nowMs = ctx.now();
      return storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'refusal',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: true,
        apply: async (trx) => {
          if (!bound) {
            await bindPseudonym(trx, payload.iss, company.id, key!, opened.sha256, nowMs);
          }
          await trx
            .insertInto('refusals')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym: payload.iss,
              request_sha256: payload.requestSha256,
              iat: payload.iat,
              ask_again_after: payload.askAgainAfter ?? null,
              created_at: nowMs,
            })
            .execute();
          await appendFeedEvent(
            trx,
            {
              companyId: company.id,
              kind: 'refusal',
              sha256: opened.sha256,
              pseudonym: payload.iss,
            },
            nowMs,
          );
        },
      });
    },

    async submitRevocation(token) {
      const { iss, aud, payload: peeked, inspected } = peekMessage('revocation', token);
      const resend = await storedBefore(ctx, token, 'revocation');
      if (resend !== undefined) return resend;
      // Accepted whatever the company's status: a customer can always take consent back.
      const company = await companyOf(aud);
      const { key, bound } = await pseudonymKeyFor(iss, company.id, peeked, false);
      const opened = await openMessage('revocation', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: company.id,
        now: nowSeconds(ctx),
        resolveKey: keyResolver(key, bound),
      });
      const payload = opened.payload;
      const listed = payload.grants === 'all' ? [] : payload.grants;
      if (listed.length > 0) {
        const found = await db
          .selectFrom('grants')
          .select('sha256')
          .where(
            'sha256',
            'in',
            listed.map((g) => g.grantSha256),
          )
          .where('pseudonym', '=', payload.iss)
          .where('company_id', '=', company.id)
          .execute();
        const known = new Set(found.map((row) => row.sha256));
        const unknown = listed.find((g) => !known.has(g.grantSha256));
        if (unknown !== undefined) {
          throw new ProtocolError('ERR_GRANT_UNKNOWN', 'The revocation names an unknown grant.', {
            grantSha256: unknown.grantSha256,
          });
        }
      }
      const nowMs = ctx.now();
      const at = payload.iat;
      // In force from its storage at the latest: a customer's clock ahead of ours (within the
      // skew) must not leave a revoked grant open to offers until that clock's `iat`.
      const revokedAt = Math.min(at, Math.floor(nowMs / 1000));
      return storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'revocation',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: true,
        apply: async (trx) => {
          if (payload.grants === 'all') {
            if (onPostgres(trx)) {
              // Held in byte order of their hashes first, as an access report holds them.
              await trx
                .selectFrom('grants')
                .select('sha256')
                .where('pseudonym', '=', payload.iss)
                .where('company_id', '=', company.id)
                .where('revoked_at', 'is', null)
                .orderBy(sql`sha256 collate "C"`)
                .forNoKeyUpdate()
                .execute();
            }
            await trx
              .updateTable('grants')
              .set({ revoked_at: revokedAt })
              .where('pseudonym', '=', payload.iss)
              .where('company_id', '=', company.id)
              .where('revoked_at', 'is', null)
              .execute();
          } else {
            // In the order of their hashes, as an access report holds the grants it judges: two
            // such transactions on PostgreSQL then wait for each other, never in a circle.
            const items = [...payload.grants].sort((a, b) =>
              a.grantSha256 < b.grantSha256 ? -1 : a.grantSha256 > b.grantSha256 ? 1 : 0,
            );
            for (const item of items) {
              const query = trx
                .selectFrom('grants')
                .select(['purposes', 'revoked_purposes', 'revoked_at'])
                .where('sha256', '=', item.grantSha256);
              // Held on PostgreSQL until this commits: the purposes are merged here and written
              // back whole, so another node's revocation of other purposes of the same grant,
              // committing meanwhile, must be read first, not overwritten.
              const grant = await (
                onPostgres(trx) ? query.forNoKeyUpdate() : query
              ).executeTakeFirstOrThrow();
              if (grant.revoked_at !== null) continue;
              const granted = JSON.parse(grant.purposes) as string[];
              const revoked = new Set<string>(
                item.purposes === undefined
                  ? granted
                  : [
                      ...((grant.revoked_purposes === null
                        ? []
                        : JSON.parse(grant.revoked_purposes)) as string[]),
                      ...item.purposes,
                    ],
              );
              const whole = granted.every((p) => revoked.has(p));
              await trx
                .updateTable('grants')
                .set({
                  revoked_purposes: JSON.stringify([...revoked].sort()),
                  ...(whole ? { revoked_at: revokedAt } : {}),
                })
                .where('sha256', '=', item.grantSha256)
                .execute();
            }
          }
          // Effective immediately (SPECS): offers waiting in the inbox under a grant now revoked,
          // wholly or for their (outer, signed) purpose, are not delivered any more (rewards still
          // are, for a while: relay.ts).
          const waiting = await trx
            .selectFrom('relay_items')
            .innerJoin('grants', 'grants.sha256', 'relay_items.grant_sha256')
            .innerJoin('messages', 'messages.sha256', 'relay_items.id')
            .select([
              'relay_items.id',
              'messages.jws',
              'grants.revoked_at',
              'grants.revoked_purposes',
            ])
            .where('relay_items.pseudonym', '=', payload.iss)
            .where('relay_items.kind', '=', 'offer')
            .where((eb) =>
              eb.or([
                eb('grants.revoked_at', 'is not', null),
                eb('grants.revoked_purposes', 'is not', null),
              ]),
            )
            .execute();
          const withdrawn = waiting.filter(
            (row) =>
              row.revoked_at !== null ||
              (JSON.parse(row.revoked_purposes!) as unknown[]).includes(
                peekClaims(row.jws).payload.purpose,
              ),
          );
          await deleteRelayItems(
            trx,
            withdrawn.map((row) => row.id),
          );
          await trx
            .insertInto('revocations')
            .values({
              sha256: opened.sha256,
              company_id: company.id,
              pseudonym: payload.iss,
              iat: at,
              received_at: nowMs,
              ack_sha256: null,
              acked_at: null,
              // Fixed now: a later change of the setting does not judge it again.
              ack_deadline: nowMs + ackDeadlineMs,
            })
            .execute();
          await appendFeedEvent(
            trx,
            {
              companyId: company.id,
              kind: 'revocation',
              sha256: opened.sha256,
              pseudonym: payload.iss,
            },
            nowMs,
          );
        },
      });
    },

    async acknowledgeRevocation(token) {
      const { iss, inspected } = peekMessage('revocation-ack', token);
      const company = await companyOf(iss);
      const resend = await storedBefore(ctx, token, 'revocation-ack');
      if (resend !== undefined) {
        const acked = await db
          .selectFrom('revocations')
          .select(['received_at', 'acked_at', 'ack_deadline'])
          .where('ack_sha256', '=', resend.sha256)
          .executeTakeFirst();
        const onTime =
          acked?.acked_at !== null &&
          acked !== undefined &&
          acked.acked_at <= ackDueAt(acked, ackDeadlineMs);
        return { ...resend, onTime };
      }
      // Any status: a suspended company must still be able to confirm that it stopped. A staff
      // member may sign it with their enrolled person key (the company console does).
      const opened = await openMessage('revocation-ack', token, {
        inspected,
        verifySignature: serverEd25519Verify,
        audience: ctx.origin,
        now: nowSeconds(ctx),
        resolveKey: async (kid) => (await companySignerKey(db, company.id, kid))?.key,
      });
      const payload = opened.payload;
      const revocation = await db
        .selectFrom('revocations')
        .select(['received_at', 'ack_sha256', 'ack_deadline'])
        .where('sha256', '=', payload.revocationSha256)
        .where('company_id', '=', company.id)
        .where('pseudonym', '=', payload.pseudonym)
        .executeTakeFirst();
      if (revocation === undefined) {
        throw new ProtocolError(
          'ERR_REVOCATION_UNKNOWN',
          'No such revocation was sent to this company.',
        );
      }
      const alreadyAcked = () =>
        new ProtocolError(
          'ERR_REVOCATION_ALREADY_ACKED',
          'This revocation was acknowledged before.',
        );
      if (revocation.ack_sha256 !== null) throw alreadyAcked();
      const nowMs = ctx.now();
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'revocation-ack',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.pseudonym,
        logged: true,
        apply: async (trx) => {
          // A compromise stored since the check above reopens the acknowledgements before it.
          await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat);
          const updated = await trx
            .updateTable('revocations')
            .set({ ack_sha256: opened.sha256, acked_at: nowMs })
            .where('sha256', '=', payload.revocationSha256)
            .where('ack_sha256', 'is', null)
            .executeTakeFirst();
          // Two acknowledgements racing: the second one's transaction stores nothing.
          if (Number(updated.numUpdatedRows) !== 1) throw alreadyAcked();
        },
      });
      return { ...receipt, onTime: nowMs <= ackDueAt(revocation, ackDeadlineMs) };
    },

    async feed(companyId, after, limit) {
      const rows = await db
        .selectFrom('consent_events')
        .innerJoin('messages', 'messages.sha256', 'consent_events.sha256')
        .select([
          'consent_events.seq',
          'consent_events.kind',
          'consent_events.sha256',
          'consent_events.pseudonym',
          'consent_events.created_at',
          'messages.jws',
        ])
        .where('consent_events.company_id', '=', companyId)
        .where('consent_events.seq', '>', after)
        .orderBy('consent_events.seq')
        .limit(Math.min(limit, maxFeedPage))
        .execute();
      const events = rows.map((row) => ({
        cursor: String(row.seq),
        kind: row.kind,
        sha256: row.sha256,
        pseudonym: row.pseudonym,
        jws: row.jws,
        receivedAt: row.created_at,
      }));
      return {
        events,
        next: events.length > 0 ? events[events.length - 1]!.cursor : String(after),
      };
    },

    findings(companyId) {
      return overdueRevocations(db, companyId, ctx.now(), ackDeadlineMs);
    },

    async relationships(pseudonym) {
      const binding = await pseudonymBinding(db, pseudonym);
      if (binding === undefined) {
        throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
      }
      const company = await companies.get(binding.companyId);
      const now = nowSeconds(ctx);
      const [grants, refusals, revocations, obligations] = await Promise.all([
        db
          .selectFrom('grants')
          .innerJoin('messages', 'messages.sha256', 'grants.sha256')
          .select([
            'grants.sha256',
            'messages.jws',
            'grants.request_sha256',
            'grants.until',
            'grants.revoked_at',
            'grants.revoked_purposes',
          ])
          .where('grants.pseudonym', '=', pseudonym)
          .orderBy('grants.created_at')
          .orderBy('grants.sha256')
          .execute(),
        db
          .selectFrom('refusals')
          .innerJoin('messages', 'messages.sha256', 'refusals.sha256')
          .select([
            'refusals.sha256',
            'messages.jws',
            'refusals.request_sha256',
            'refusals.ask_again_after',
          ])
          .where('refusals.pseudonym', '=', pseudonym)
          .orderBy('refusals.created_at')
          .orderBy('refusals.sha256')
          .execute(),
        db
          .selectFrom('revocations')
          .innerJoin('messages', 'messages.sha256', 'revocations.sha256')
          .select([
            'revocations.sha256',
            'messages.jws',
            'revocations.ack_sha256',
            'revocations.acked_at',
          ])
          .where('revocations.pseudonym', '=', pseudonym)
          .orderBy('revocations.received_at')
          .orderBy('revocations.sha256')
          .execute(),
        pseudonymObligations(db, pseudonym),
      ]);
      const answered = [...grants, ...refusals].map((row) => row.request_sha256);
      const requests = await db
        .selectFrom('grant_requests')
        .innerJoin('messages', 'messages.sha256', 'grant_requests.sha256')
        .select(['grant_requests.sha256', 'messages.jws'])
        .where((eb) =>
          answered.length === 0
            ? eb('grant_requests.pseudonym', '=', pseudonym)
            : eb.or([
                eb('grant_requests.pseudonym', '=', pseudonym),
                eb('grant_requests.sha256', 'in', answered),
              ]),
        )
        .orderBy('grant_requests.created_at')
        .orderBy('grant_requests.sha256')
        .execute();
      return {
        pseudonym,
        company: {
          id: company.id,
          legalName: company.legalName,
          domain: company.domain,
          status: company.status,
        },
        requests: requests.map((row) => ({ sha256: row.sha256, jws: row.jws })),
        grants: grants.map((row) => ({
          sha256: row.sha256,
          jws: row.jws,
          status: row.revoked_at !== null ? 'revoked' : row.until <= now ? 'expired' : 'active',
          revokedPurposes:
            row.revoked_purposes === null ? [] : (JSON.parse(row.revoked_purposes) as string[]),
        })),
        refusals: refusals.map((row) => ({
          sha256: row.sha256,
          jws: row.jws,
          askAgainAfter: row.ask_again_after,
        })),
        revocations: revocations.map((row) => ({
          sha256: row.sha256,
          jws: row.jws,
          acknowledged: row.ack_sha256 !== null,
          // Absent while unacknowledged (optional: older Assistants read the listing unchanged).
          ...(row.ack_sha256 === null || row.acked_at === null
            ? {}
            : { acknowledgedAt: Number(row.acked_at) }),
        })),
        disclosures: obligations.disclosures,
        dataRequests: obligations.dataRequests,
      };
    },
  };
}
