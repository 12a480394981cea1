/**
 * Companies (issue 4, docs/api.md): registration with the signed `company` message and its domain
 * proof, the states pending → active → suspended, the life of their keys (`company-key`), and the
 * public registry with trust figures.
 */
import { ProtocolError } from '$protocol/errors';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import { importPublicJwk, thumbprint } from '$protocol/keys';
import type { CompanyKeyPayload, CompanyPayload, Ed25519PublicJwk } from '$protocol/messages';
import { openMessage } from '$protocol/signed';
import { currentCompanyKey, isIdOf, peekClaims, peekMessage } from './auth/signatures';
import { lookupByKey } from './db/batched-lookup';
import { sql, type Kysely } from 'kysely';
import type { CompanyStatus, Database } from './db/schema';
import { proveDomain, originPolicy, type ProofFetcher } from './domain-proof';
import {
  nowSeconds,
  storeSigned,
  storedBefore,
  type ServiceContext,
  type StoredReceipt,
} from './message-store';
import { trustFigures, type TrustFigures } from './trust';
import { voidSignedSince } from './compromise';
import { limits } from '$protocol/messages';
import { serverEd25519Verify } from './ed25519';

/** What a company declared about itself (the registration without its JWS claims). */
export interface CompanyProfile {
  legalName: string;
  registerId: string;
  domain: string;
  contact: CompanyPayload['contact'];
  purposes: string[];
  brands: string[];
  /** Where feed events are POSTed (webhooks.ts); never shown in the public registry. */
  webhook?: string;
}

/** One key of a company as the registry shows it. */
export interface CompanyKeyView {
  kid: string;
  jwk: Ed25519PublicJwk;
  addedAt: number;
  retiredAt: number | null;
  compromisedSince: number | null;
}

/** A registry entry. `keys` and `contact` only in the single-company view. */
export interface CompanyView {
  id: string;
  status: CompanyStatus;
  legalName: string;
  registerId: string;
  domain: string;
  purposes: string[];
  brands: string[];
  domainVerifiedAt: number | null;
  registeredAt: number;
  trust: TrustFigures;
  contact?: CompanyPayload['contact'];
  keys?: CompanyKeyView[];
}

/** The outcome of the domain proof at registration. */
export type DomainProofOutcome =
  { verified: true } | { verified: false; code: string; reason: string | undefined };

export interface RegistrationReceipt extends StoredReceipt {
  company: { id: string; status: CompanyStatus; domainProof: DomainProofOutcome | null };
  /** A new company's first one-time staff enrolment link (docs/api.md "People"). */
  staffEnrolment?: { link: string; expiresAt: number };
}

export interface CompanyServiceOptions {
  fetchProof: ProofFetcher;
  /** The revocation acknowledgement deadline in milliseconds (trust figures). */
  ackDeadlineMs: number;
  /** Creates the one-time staff enrolment link a new registration answers with (people.ts). */
  staffInvitation?: (companyId: string) => Promise<{ link: string; expiresAt: number }>;
}

/** The company row as the other services need it. */
export interface CompanyRecord {
  id: string;
  status: CompanyStatus;
  legalName: string;
  domain: string;
  purposes: string[];
}

/** The company services. */
export interface CompanyService {
  /** `POST /api/v1/companies`. */
  register(token: string): Promise<RegistrationReceipt>;
  /** `POST /api/v1/companies/me/keys`. */
  changeKey(token: string): Promise<StoredReceipt>;
  /** A company by id, or `ERR_COMPANY_UNKNOWN`. */
  get(id: string, use?: 'answer' | 'check'): Promise<CompanyRecord>;
  /** `GET /api/v1/companies/{id}`. */
  view(id: string): Promise<CompanyView>;
  /** `GET /api/v1/companies`. */
  list(query: {
    status?: CompanyStatus;
    after?: string;
    limit: number;
  }): Promise<{ companies: CompanyView[]; next: string | null }>;
  /** `GET /api/v1/companies/me/compromised-messages`. */
  compromisedMessages(
    companyId: string,
  ): Promise<{ sha256: string; kind: string; kid: string; iat: number }[]>;
  /**
   * Sets a company's status (the regulator's suspension of issue 5 calls this in its own
   * transaction; tests use it directly). Not an API route by itself.
   */
  setStatus(id: string, status: CompanyStatus): Promise<void>;
}

/** The columns of a company's record. */
const companyColumns = ['id', 'status', 'legal_name', 'domain', 'profile'] as const;
export interface CompanyRow {
  id: string;
  status: CompanyStatus;
  legal_name: string;
  domain: string;
  profile: string;
}

/** A company's row by id (built once per dialect; shared by concurrent lookups on PostgreSQL). */
const companyQuery = lookupByKey({
  build: (db, key) => db.selectFrom('companies').select(companyColumns).where('id', '=', key),
  keyOf: (args: { id: string }) => args.id,
  rowKey: (row: CompanyRow) => row.id,
});

/**
 * A company's record from its row (`companies`: id, status, legal_name, domain, profile), for
 * lookups that read the row together with others (the grant's checks in consents.ts).
 */
export function companyFromRow(row: CompanyRow): CompanyRecord {
  const profile = JSON.parse(row.profile) as CompanyProfile;
  return {
    id: row.id,
    status: row.status,
    legalName: row.legal_name,
    domain: row.domain,
    purposes: profile.purposes,
  };
}

/**
 * Refuses company keys that already speak for someone else: a company's (`company_keys`), a
 * pseudonym's (`ps_` + its thumbprint) or a person's (staff or regulator, `person_keys`). A
 * company names its keys by their public halves, and nothing in a `company` or `company-key`
 * message proves it holds the private ones (SPECS defines no proof of possession), so a key
 * already in use by another party must not become a company's: the public registry would list a
 * customer's or a regulator's key as the company's, and lookups by signer would mix their
 * messages with the company's (docs/api.md "Company keys").
 *
 * @throws ProtocolError `ERR_COMPANY_KEY_CONFLICT` (`conflict: taken`).
 */
async function refuseTakenKeys(db: Kysely<Database>, kids: readonly string[]): Promise<void> {
  if (kids.length === 0) return;
  const [company, pseudonym, person] = await Promise.all([
    db.selectFrom('company_keys').select('kid').where('kid', 'in', kids).executeTakeFirst(),
    db
      .selectFrom('pseudonyms')
      .select('pseudonym')
      .where(
        'pseudonym',
        'in',
        kids.map((kid) => `ps_${kid}`),
      )
      .executeTakeFirst(),
    db.selectFrom('person_keys').select('kid').where('kid', 'in', kids).executeTakeFirst(),
  ]);
  if (company === undefined && pseudonym === undefined && person === undefined) return;
  throw new ProtocolError(
    'ERR_COMPANY_KEY_CONFLICT',
    company !== undefined
      ? kids.length === 1
        ? 'This key already belongs to a company.'
        : 'A key already belongs to a company.'
      : 'A key already speaks for a customer or a person here; a company needs keys of its own.',
    { conflict: 'taken' },
  );
}

/**
 * Creates the company services.
 *
 * @example
 * ```ts
 * const companies = createCompanyService(ctx, { fetchProof: createProofFetcher(), ackDeadlineMs: 72 * 3600_000 });
 * const receipt = await companies.register(token);
 * ```
 */
export function createCompanyService(
  ctx: ServiceContext,
  options: CompanyServiceOptions,
): CompanyService {
  const db = ctx.cdb.db;

  async function find(
    id: string,
    use: 'answer' | 'check' = 'answer',
  ): Promise<CompanyRecord | undefined> {
    if (!isIdOf(id, 'co')) return undefined;
    const row =
      use === 'check'
        ? await companyQuery.firstForWrite(db, { id })
        : await companyQuery.first(db, { id });
    return row === undefined ? undefined : companyFromRow(row);
  }

  async function get(id: string, use: 'answer' | 'check' = 'answer'): Promise<CompanyRecord> {
    const company = await find(id, use);
    if (company === undefined) {
      throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
    }
    return company;
  }

  async function register(token: string): Promise<RegistrationReceipt> {
    const { iss, payload: peeked } = peekClaims(token);
    const existing = iss === undefined ? undefined : await find(iss);
    const resend = await storedBefore(ctx, token, 'company');
    if (resend !== undefined && existing !== undefined) {
      return {
        ...resend,
        company: { id: existing.id, status: existing.status, domainProof: null },
      };
    }

    const opened = await openMessage('company', token, {
      verifySignature: serverEd25519Verify,
      audience: ctx.origin,
      now: nowSeconds(ctx),
      resolveKey: async (kid) => {
        if (existing !== undefined) return currentCompanyKey(db, existing.id, kid);
        // A new company signs with one of the keys its message lists (self-signed).
        const keys = Array.isArray(peeked.keys) ? peeked.keys.slice(0, limits.keysPerCompany) : [];
        for (const jwk of keys) {
          try {
            const key = importPublicJwk(jwk);
            if (key.kid === kid) return key;
          } catch {
            // a malformed key: the schema check refuses the message after verification
          }
        }
        return undefined;
      },
    });
    const payload = opened.payload;
    const kids = payload.keys.map((jwk) => thumbprint(jwk));
    if (new Set(kids).size !== kids.length) {
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'The keys must be distinct.', {
        issues: ['keys'],
      });
    }
    if (existing === undefined && payload.iss !== `co_${opened.kid}`) {
      throw new ProtocolError(
        'ERR_MESSAGE_ISSUER_MISMATCH',
        'A company id is co_ followed by the thumbprint of the key that signs its registration.',
      );
    }
    // Throws ERR_ORIGIN_NOT_ALLOWED before anything is fetched or stored.
    originPolicy(payload.domain, ctx.origin);
    // The webhook is reached under the same origin rules as the domain (webhooks.ts).
    if (payload.webhook !== undefined) originPolicy(payload.webhook, ctx.origin);

    const nowMs = ctx.now();
    const profile: CompanyProfile = {
      legalName: payload.legalName,
      registerId: payload.registerId,
      domain: payload.domain,
      contact: payload.contact,
      purposes: [...payload.purposes],
      brands: [...(payload.brands ?? [])],
      ...(payload.webhook === undefined ? {} : { webhook: payload.webhook }),
    };

    if (existing === undefined) {
      await refuseTakenKeys(db, kids);
      const domainProof = await attemptProof(payload.domain, opened.kid, payload.iss);
      const status: CompanyStatus = domainProof.verified ? 'active' : 'pending';
      const receipt = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'company',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: payload.iss,
        pseudonym: null,
        logged: true,
        apply: async (trx) => {
          const inserted = await trx
            .insertInto('companies')
            .values({
              id: payload.iss,
              status,
              legal_name: profile.legalName,
              domain: profile.domain,
              profile: JSON.stringify(profile),
              registration_sha256: opened.sha256,
              domain_verified_at: domainProof.verified ? nowMs : null,
              registered_at: nowMs,
              updated_at: nowMs,
            })
            .onConflict((c) => c.column('id').doNothing())
            .returning('id')
            .executeTakeFirst();
          if (inserted === undefined) {
            throw new ProtocolError(
              'ERR_COMPANY_KEY_CONFLICT',
              'This company registered meanwhile.',
              { conflict: 'registered' },
            );
          }
          const keyRows = payload.keys.map((jwk, index) => ({
            kid: kids[index]!,
            company_id: payload.iss,
            x: jwk.x,
            added_at: nowMs,
            added_by: opened.sha256,
            retired_at: null,
            compromised_since: null,
          }));
          const added = await trx
            .insertInto('company_keys')
            .values(keyRows)
            .onConflict((c) => c.column('kid').doNothing())
            .returning('kid')
            .execute();
          if (added.length !== keyRows.length) {
            throw new ProtocolError(
              'ERR_COMPANY_KEY_CONFLICT',
              'A key already belongs to a company.',
              { conflict: 'taken' },
            );
          }
        },
      });
      // Only a registration that created the company yields a link: a resend answers without one.
      const invitation =
        receipt.created && options.staffInvitation !== undefined
          ? await options.staffInvitation(payload.iss)
          : undefined;
      return {
        ...receipt,
        company: { id: payload.iss, status, domainProof },
        ...(invitation === undefined
          ? {}
          : { staffEnrolment: { link: invitation.link, expiresAt: invitation.expiresAt } }),
      };
    }

    // An update of an existing company, signed by one of its current keys.
    if (existing.status === 'suspended') {
      throw new ProtocolError(
        'ERR_COMPANY_NOT_ACTIVE',
        'A suspended company cannot change its registration.',
        {
          status: existing.status,
        },
      );
    }
    const current = await db
      .selectFrom('company_keys')
      .select('kid')
      .where('company_id', '=', existing.id)
      .where('retired_at', 'is', null)
      .where('compromised_since', 'is', null)
      .execute();
    const currentKids = new Set(current.map((row) => row.kid));
    if (!kids.every((kid) => currentKids.has(kid))) {
      throw new ProtocolError(
        'ERR_COMPANY_KEY_CONFLICT',
        'An update may list only current keys; keys change through company-key messages.',
        { conflict: 'notCurrent' },
      );
    }
    let domainProof: DomainProofOutcome | null = null;
    let status = existing.status;
    if (existing.status === 'pending') {
      domainProof = await attemptProof(payload.domain, opened.kid, existing.id);
      if (domainProof.verified) status = 'active';
    } else if (payload.domain !== existing.domain) {
      // An active company moving to another domain proves it first, or nothing changes.
      await proveDomain(options.fetchProof, payload.domain, opened.kid, existing.id, ctx.origin);
      domainProof = { verified: true };
    }
    const receipt = await storeSigned(ctx, {
      token,
      sha256: opened.sha256,
      kind: 'company',
      kid: opened.kid,
      jti: payload.jti,
      iat: payload.iat,
      exp: payload.exp,
      companyId: existing.id,
      pseudonym: null,
      logged: true,
      apply: async (trx) => {
        const updated = await trx
          .updateTable('companies')
          .set({
            status,
            legal_name: profile.legalName,
            domain: profile.domain,
            profile: JSON.stringify(profile),
            registration_sha256: opened.sha256,
            updated_at: nowMs,
            ...(domainProof?.verified ? { domain_verified_at: nowMs } : {}),
          })
          .where('id', '=', existing.id)
          // A suspension that committed meanwhile wins.
          .where('status', '=', existing.status)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) {
          throw new ProtocolError(
            'ERR_COMPANY_NOT_ACTIVE',
            'The company changed status meanwhile.',
          );
        }
      },
    });
    return { ...receipt, company: { id: existing.id, status, domainProof } };
  }

  async function attemptProof(
    domain: string,
    kid: string,
    companyId: string,
  ): Promise<DomainProofOutcome> {
    try {
      await proveDomain(options.fetchProof, domain, kid, companyId, ctx.origin);
      return { verified: true };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const reason = error.detail?.reason;
      return {
        verified: false,
        code: error.code,
        reason: typeof reason === 'string' ? reason : undefined,
      };
    }
  }

  async function changeKey(token: string): Promise<StoredReceipt> {
    const { iss, inspected } = peekMessage('company-key', token);
    const resend = await storedBefore(ctx, token, 'company-key');
    if (resend !== undefined) return resend;
    const company = await get(iss ?? '');
    const opened = await openMessage('company-key', token, {
      inspected,
      verifySignature: serverEd25519Verify,
      audience: ctx.origin,
      now: nowSeconds(ctx),
      resolveKey: (kid) => currentCompanyKey(db, company.id, kid),
    });
    const payload: CompanyKeyPayload = opened.payload;
    // Every key change is allowed while suspended (docs/api.md "Suspended companies keep their
    // duties"). A suspended company's keys keep signing its duties (company*), and a stolen one
    // must be stoppable meanwhile; retiring or declaring one compromised needs *another* current
    // key, so a company with a single key must be able to add one first. An added key lifts no
    // suspension: every route checks the company's status, not the key's, so it signs only what
    // a suspended company may sign.
    const nowMs = ctx.now();
    const keys = await db
      .selectFrom('company_keys')
      .selectAll()
      .where('company_id', '=', company.id)
      .execute();
    const currentCount = keys.filter(
      (k) => k.retired_at === null && k.compromised_since === null,
    ).length;
    let apply: Parameters<typeof storeSigned>[1]['apply'];

    if (payload.action === 'add') {
      const kid = thumbprint(payload.key);
      importPublicJwk(payload.key); // a key that is no valid Ed25519 point is refused (ERR_KEY_INVALID)
      await refuseTakenKeys(db, [kid]);
      if (currentCount >= limits.keysPerCompany) {
        throw new ProtocolError(
          'ERR_COMPANY_KEY_CONFLICT',
          'The company already has the most keys allowed.',
          {
            conflict: 'limit',
            limit: limits.keysPerCompany,
          },
        );
      }
      apply = async (trx) => {
        const added = await trx
          .insertInto('company_keys')
          .values({
            kid,
            company_id: company.id,
            x: payload.key.x,
            added_at: nowMs,
            added_by: opened.sha256,
            retired_at: null,
            compromised_since: null,
          })
          .onConflict((c) => c.column('kid').doNothing())
          .returning('kid')
          .executeTakeFirst();
        if (added === undefined) {
          throw new ProtocolError(
            'ERR_COMPANY_KEY_CONFLICT',
            'This key already belongs to a company.',
            { conflict: 'taken' },
          );
        }
      };
    } else {
      const target = keys.find((k) => k.kid === payload.kid);
      const usable =
        target !== undefined &&
        (payload.action === 'compromised' ||
          (target.retired_at === null && target.compromised_since === null));
      if (!usable) {
        throw new ProtocolError(
          'ERR_COMPANY_KEY_UNKNOWN',
          'The company holds no such current key.',
        );
      }
      if (payload.kid === opened.kid) {
        throw new ProtocolError(
          'ERR_COMPANY_KEY_CONFLICT',
          'A key is retired or declared compromised by another current key.',
          { conflict: 'ownKey' },
        );
      }
      const iat = payload.iat;
      if (payload.action === 'compromised' && payload.since > iat) {
        throw new ProtocolError('ERR_MESSAGE_INVALID', 'since may not lie after the message.', {
          issues: ['since'],
        });
      }
      const since = payload.action === 'compromised' ? payload.since : undefined;
      apply = async (trx) => {
        // A retirement counts from when it is stored, never from the `iat` its signer chose:
        // evidence is judged as of its own `iat` against `retired_at` (oversight.ts
        // `companyKeyAsOf`), so a backdated retirement would void offers the relay accepted before
        // it. Anything accepted up to now carries an `iat` at most the clock skew ahead of our
        // clock, hence the margin. The key signs nothing more from this commit on either way
        // (`currentCompanyKey` wants `retired_at` null). A compromise keeps the message's `iat`:
        // its own `since`, which may reach back, decides there.
        const retiredAt = since === undefined ? nowSeconds(ctx) + CLOCK_SKEW_SECONDS + 1 : iat;
        await trx
          .updateTable('company_keys')
          .set((eb) => ({
            retired_at: eb.fn.coalesce('retired_at', eb.val(retiredAt)),
            ...(since === undefined
              ? {}
              : { compromised_since: eb.fn.coalesce('compromised_since', eb.val(since)) }),
          }))
          .where('kid', '=', payload.kid)
          .execute();
        if (since !== undefined) {
          // An earlier `since` declared before wins only if it is earlier.
          await trx
            .updateTable('company_keys')
            .set({ compromised_since: since })
            .where('kid', '=', payload.kid)
            .where('compromised_since', '>', since)
            .execute();
          await voidSignedSince(trx, { companyId: company.id, kid: payload.kid, since });
        }
      };
    }
    return storeSigned(ctx, {
      token,
      sha256: opened.sha256,
      kind: 'company-key',
      kid: opened.kid,
      jti: payload.jti,
      iat: payload.iat,
      exp: payload.exp,
      companyId: company.id,
      pseudonym: null,
      logged: true,
      apply,
    });
  }

  async function toViews(
    rows: {
      id: string;
      status: CompanyStatus;
      profile: string;
      domain_verified_at: number | null;
      registered_at: number;
    }[],
  ): Promise<CompanyView[]> {
    const figures = await trustFigures(
      db,
      rows.map((row) => ({ id: row.id, status: row.status })),
      ctx.now(),
      options.ackDeadlineMs,
    );
    return rows.map((row) => {
      const profile = JSON.parse(row.profile) as CompanyProfile;
      return {
        id: row.id,
        status: row.status,
        legalName: profile.legalName,
        registerId: profile.registerId,
        domain: profile.domain,
        purposes: profile.purposes,
        brands: profile.brands,
        domainVerifiedAt: row.domain_verified_at,
        registeredAt: row.registered_at,
        trust: figures.get(row.id)!,
      };
    });
  }

  const viewColumns = ['id', 'status', 'profile', 'domain_verified_at', 'registered_at'] as const;

  return {
    register,
    changeKey,
    get,

    async view(id) {
      const row = await db
        .selectFrom('companies')
        .select(viewColumns)
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) {
        throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
      }
      const [view] = await toViews([row]);
      const keys = await db
        .selectFrom('company_keys')
        .selectAll()
        .where('company_id', '=', id)
        .orderBy('added_at')
        .orderBy('kid')
        .execute();
      return {
        ...view!,
        contact: (JSON.parse(row.profile) as CompanyProfile).contact,
        keys: keys.map((k) => ({
          kid: k.kid,
          jwk: { kty: 'OKP', crv: 'Ed25519', x: k.x },
          addedAt: k.added_at,
          retiredAt: k.retired_at,
          compromisedSince: k.compromised_since,
        })),
      };
    },

    async list({ status, after, limit }) {
      let query = db
        .selectFrom('companies')
        .select(viewColumns)
        .orderBy('id')
        .limit(limit + 1);
      if (status !== undefined) query = query.where('status', '=', status);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      return {
        companies: await toViews(page),
        next: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },

    async compromisedMessages(companyId) {
      const rows = await db
        .selectFrom('messages')
        .innerJoin('company_keys', 'company_keys.kid', 'messages.signer')
        .select(['messages.sha256', 'messages.kind', 'messages.signer', 'messages.iat'])
        .where('company_keys.company_id', '=', companyId)
        // The company's own messages only: a key another party signed with before it was listed
        // as this company's (a database from before refuseTakenKeys) lists none of theirs, also
        // where they concern this company (its own customer's grants): not another company's,
        // nor a pseudonym's or a person's.
        .where('messages.company_id', '=', companyId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('pseudonyms')
                .select('pseudonyms.pseudonym')
                .where(
                  'pseudonyms.pseudonym',
                  '=',
                  sql<string>`'ps_' || ${sql.ref('messages.signer')}`,
                ),
            ),
          ),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('person_keys')
                .select('person_keys.kid')
                .whereRef('person_keys.kid', '=', 'messages.signer'),
            ),
          ),
        )
        .where('company_keys.compromised_since', 'is not', null)
        .whereRef('messages.iat', '>=', 'company_keys.compromised_since')
        .orderBy('messages.iat')
        .orderBy('messages.sha256')
        .limit(1000)
        .execute();
      return rows.map((row) => ({
        sha256: row.sha256,
        kind: row.kind,
        kid: row.signer,
        iat: row.iat,
      }));
    },

    async setStatus(id, status) {
      const result = await db
        .updateTable('companies')
        .set({ status, updated_at: ctx.now() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
      }
    },
  };
}
