/**
 * The sealed relay (issue 5 "Sealed relay", docs/api.md "Relay"): offers and rewards from a
 * company to a pseudonym's inbox, corrections from a pseudonym to its company, and the offers the
 * relay refused.
 *
 * The relay cannot read (DESIGN promise 4): it routes and counts by the outer JWS (pseudonym,
 * grant, purpose, channel, `validUntil`) and stores the sealed box as it came. Nothing relayed is
 * logged (SPECS "What the log holds"); each accepted message is still stored durably through the
 * durable writer (the `messages` row, its `jti`, and the relay rows in one transaction) before the
 * API answers `201`.
 *
 * An offer is accepted only when an active grant of that pseudonym covers its purpose and channel
 * now (`protocol/grants` `checkCoverage`, the one place the rule is written) and the grant's
 * contact cap is not reached. The count runs over a rolling 7 × 24 hours at the moment of
 * acceptance, in `relay_contacts`, which is never deleted with the offers (SPECS "Consent
 * conditions"). A refused offer, once its company signature verified, is recorded
 * (`relay_refusals`, the offer kept in `messages` as signed evidence), becomes an `offer-refused`
 * event in the company's feed and webhooks, a `relay-refused` finding and the
 * `refusedRelayAttempts` trust figure; the API answers 403 with the rule that failed.
 */
import { sealedBodyLimit } from './auth/body';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { activeGrant, checkCoverage, type ActiveGrant } from '$protocol/grants';
import { parseMessage, type GrantPayload } from '$protocol/messages';
import { openMessage } from '$protocol/signed';
import {
  currentCompanyKey,
  peekClaims,
  peekMessage,
  pseudonymBinding,
  type Caller,
} from './auth/signatures';
import type { CompanyRecord, CompanyService } from './companies';
import { lookupByKey } from './db/batched-lookup';
import { durableTransaction } from './db/durable-transaction';
import { onPostgres } from './db/postgres-batch';
import { prepared, type Executor } from './db/prepared';
import {
  appendFeedEvent,
  companyNotActive,
  holdPseudonym,
  requireActiveCompanies,
} from './grant-effects';
import {
  compromisedKeyError,
  lockKey,
  refuseIfCompromised,
  requireSignerNotCompromised,
} from './compromise';
import type { Database } from './db/schema';
import { jsonResponse } from './api-route';
import { serverEd25519Verify } from './ed25519';
import { nowSeconds, storeSigned, storedBefore, type ServiceContext } from './message-store';
import { startPeriodicPurge, type PeriodicPurge } from './periodic-purge';

/**
 * How long after its grant ended (revoked, or past its last `validUntil`) a reward under it is
 * still accepted: 90 days. A reward earned before a revocation may arrive after it, but a company
 * cannot keep writing to a customer who left under the name of a reward.
 */
export const rewardGraceMs = 90 * 86_400_000;

/**
 * At most this many undelivered rewards of one company wait in a pseudonym's inbox; more are
 * refused (`ERR_INBOX_FULL`) until the Assistant fetches them. Rewards are no contacts and have no
 * cap of their own, so without this one company could fill an inbox.
 */
export const maxWaitingRewards = 100;

/**
 * At most this many corrections of one pseudonym wait for its company to fetch them; more are
 * refused (`ERR_TOO_MANY_OPEN_CORRECTIONS`, 429) until the company acknowledges some. A customer
 * corrects a few categories; without a cap, a minted pseudonym bound through an open request
 * could fill a company's corrections (each a feed event and a webhook delivery).
 */
export const maxWaitingCorrections = 20;

/** How long an undelivered offer or reward waits in the inbox: 30 days (issue 5). */
export const inboxRetentionMs = 30 * 24 * 60 * 60 * 1000;
/** The contact cap's rolling window: 7 × 24 hours (SPECS "Consent conditions"). */
export const contactWindowMs = 7 * 24 * 60 * 60 * 1000;
/** Largest page of an inbox or of a company's corrections. */
export const maxRelayPage = 100;
/** At most this many findings are listed (a findings list, not an archive). */
const maxFindings = 500;
/** Inbox items one transaction of `acknowledgeThrough` deletes at most. */
export const acknowledgePage = 500;

/** Why the relay refused an offer, as recorded and reported (`detail.rule` of the 403). */
export type RefusalRule =
  | 'company_not_active'
  | 'grant_unknown'
  | 'revoked'
  | 'not_yet_valid'
  | 'expired'
  | 'purpose'
  | 'channel'
  | 'time_window'
  | 'contact_cap';

/** The answer to an accepted offer, reward or correction (`201`, or `200` for a resend). */
export interface RelayReceipt {
  /** SHA-256 of the JWS: the item's id in the inbox or the corrections list. */
  readonly id: string;
  readonly status: 'queued';
  /** Offers and rewards: when the item expires if not acknowledged (ms). */
  readonly expiresAt?: number;
  /** False when the very same message had been accepted before (a resend). */
  readonly created: boolean;
}

/** One item of a pseudonym's inbox. */
export interface InboxItem {
  id: string;
  cursor: string;
  kind: 'offer' | 'reward';
  jws: string;
  receivedAt: number;
  expiresAt: number;
}

/** One correction waiting for its company. */
export interface CorrectionItem {
  id: string;
  cursor: string;
  pseudonym: string;
  jws: string;
  receivedAt: number;
}

/** A refused offer, as the company's findings list it. */
export interface RelayFinding {
  type: 'relay-refused';
  offerSha256: string;
  pseudonym: string;
  grantSha256: string;
  rule: string;
  /** When the relay refused it (ms). */
  refusedAt: number;
}

/** The relay's services. */
export interface RelayService {
  /** `POST /api/v1/offers`. */
  sendOffer(token: string): Promise<RelayReceipt>;
  /** `POST /api/v1/rewards`. */
  sendReward(token: string): Promise<RelayReceipt>;
  /** `GET /api/v1/pseudonyms/{pseudonym}/inbox`: items after the cursor `after`, never expired ones. */
  inbox(
    pseudonym: string,
    after: number,
    limit: number,
  ): Promise<{ items: InboxItem[]; next: string }>;
  /** `DELETE /api/v1/pseudonyms/{pseudonym}/inbox/{id}`: 0 when it was gone already. */
  acknowledgeItem(pseudonym: string, id: string): Promise<{ deleted: number }>;
  /** `DELETE /api/v1/pseudonyms/{pseudonym}/inbox?through=`: every item up to that cursor. */
  acknowledgeThrough(pseudonym: string, through: number): Promise<{ deleted: number }>;
  /** `POST /api/v1/corrections`. */
  sendCorrection(token: string): Promise<RelayReceipt>;
  /** `GET /api/v1/companies/me/corrections`. */
  corrections(
    companyId: string,
    after: number,
    limit: number,
  ): Promise<{ corrections: CorrectionItem[]; next: string }>;
  /** `DELETE /api/v1/companies/me/corrections/{id}`: 0 when it was gone already. */
  acknowledgeCorrection(companyId: string, id: string): Promise<{ deleted: number }>;
  /** Deletes every expired inbox item (and its message); returns how many. */
  purgeExpired(): Promise<number>;
}

/**
 * Whether `caller` may read and acknowledge the inbox of `pseudonym`: only that pseudonym.
 *
 * @throws ProtocolError `ERR_NOT_AUTHORISED`.
 * @example
 * ```ts
 * assertInboxOwner(caller, pseudonym);
 * ```
 */
export function assertInboxOwner(caller: Caller, pseudonym: string): void {
  if (caller.type !== 'pseudonym' || caller.id !== pseudonym) {
    throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only the pseudonym itself may use its inbox.');
  }
}

/**
 * The grant stored under `sha256` with its token and what of it was revoked: what an offer is
 * judged by, read ahead of its transaction ({@link grantQuery}) and again inside it.
 */
function selectGrant(db: Executor, sha256: string | RawBuilder<string>) {
  return db
    .selectFrom('grants')
    .innerJoin('messages', 'messages.sha256', 'grants.sha256')
    .select([
      'grants.sha256',
      'grants.pseudonym',
      'grants.company_id',
      'messages.jws',
      'grants.revoked_at',
      'grants.revoked_purposes',
    ])
    .where('grants.sha256', '=', sha256);
}

// The relay's hot statements, built once per dialect (db/prepared.ts).
/** A grant of a pseudonym to a company; shared by concurrent offers on PostgreSQL (by sha256). */
const grantQuery = lookupByKey({
  build: (db, key) => selectGrant(db, key),
  keyOf: (args: { sha256: string; pseudonym: string; companyId: string }) => args.sha256,
  rowKey: (row) => row.sha256,
  accepts: (row, args) => row.pseudonym === args.pseudonym && row.company_id === args.companyId,
});

/**
 * Parsed payloads of grants by sha256, shared by the relay's services: a stored message never
 * changes (its sha256 is its content), so an offer only saves parsing its grant's JWS again;
 * whether the grant still exists and what of it was revoked is read every time.
 */
const grantPayloads = new Map<string, GrantPayload>();
const maxCachedGrants = 10_000;

const nextSeqQuery = prepared<{ owner: string }, { seq: number }>((db, arg) =>
  db
    .insertInto('relay_mailboxes')
    .values({ owner: arg('owner'), seq: 1 })
    .onConflict((c) =>
      c.column('owner').doUpdateSet((eb) => ({ seq: eb('relay_mailboxes.seq', '+', 1) })),
    )
    .returning('seq'),
);

/**
 * The company's contacts with a pseudonym since `since`, under any of its grants: caps count per
 * company (DESIGN section 6, as the Assistant counts them), and a pseudonym is one company's.
 */
const contactsQuery = prepared<{ pseudonym: string; since: number }, { n: number }>((db, arg) =>
  db
    .selectFrom('relay_contacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('pseudonym', '=', arg('pseudonym'))
    .where('accepted_at', '>', arg('since')),
);

const insertContactQuery = prepared<
  {
    offerSha256: string;
    companyId: string;
    pseudonym: string;
    grantSha256: string;
    acceptedAt: number;
    signer: string;
    signedAt: number;
  },
  never
>((db, arg) =>
  db.insertInto('relay_contacts').values({
    offer_sha256: arg('offerSha256'),
    company_id: arg('companyId'),
    pseudonym: arg('pseudonym'),
    grant_sha256: arg('grantSha256'),
    accepted_at: arg('acceptedAt'),
    signer: arg('signer'),
    signed_at: arg('signedAt'),
  }),
);

const insertItemQuery = prepared<
  {
    id: string;
    pseudonym: string;
    companyId: string;
    kind: 'offer' | 'reward';
    seq: number;
    grantSha256: string;
    receivedAt: number;
    expiresAt: number;
  },
  never
>((db, arg) =>
  db.insertInto('relay_items').values({
    id: arg('id'),
    pseudonym: arg('pseudonym'),
    company_id: arg('companyId'),
    kind: arg('kind'),
    seq: arg('seq'),
    grant_sha256: arg('grantSha256'),
    received_at: arg('receivedAt'),
    expires_at: arg('expiresAt'),
  }),
);

const expiredItemsQuery = prepared<{ pseudonym: string; nowMs: number }, { id: string }>(
  (db, arg) =>
    db
      .selectFrom('relay_items')
      .select('id')
      .where('pseudonym', '=', arg('pseudonym'))
      .where('expires_at', '<=', arg('nowMs'))
      .limit(maxRelayPage),
);

const inboxQuery = prepared<
  { pseudonym: string; after: number; nowMs: number; limit: number },
  {
    id: string;
    seq: number;
    kind: 'offer' | 'reward';
    received_at: number;
    expires_at: number;
    jws: string;
  }
>((db, arg) =>
  db
    .selectFrom('relay_items')
    .innerJoin('messages', 'messages.sha256', 'relay_items.id')
    // The sender's status is read with every page, not only when the relay accepted the item:
    // a suspension takes effect at once, also for what was queued before it (docs/api.md
    // "Relay"). Held back, not dropped: the items expire as ever, and those still due are
    // delivered after a reinstatement. A pseudonym's items all come from its one company, so
    // held-back items never sit between delivered ones and no reader's cursor skips them.
    .innerJoin('companies', 'companies.id', 'relay_items.company_id')
    .select([
      'relay_items.id',
      'relay_items.seq',
      'relay_items.kind',
      'relay_items.received_at',
      'relay_items.expires_at',
      'messages.jws',
    ])
    .where('relay_items.pseudonym', '=', arg('pseudonym'))
    .where('relay_items.seq', '>', arg('after'))
    // Never served once expired, even in the moment before the purge removes it.
    .where('relay_items.expires_at', '>', arg('nowMs'))
    // The rule the relay accepted the item under.
    .where('companies.status', '=', 'active')
    .orderBy('relay_items.seq')
    .limit(arg('limit')),
);

/**
 * Deletes inbox items (expired, acknowledged, or offers withdrawn by a revocation) together with
 * their stored messages; returns how many items went.
 *
 * @example
 * ```ts
 * await deleteRelayItems(trx, [offerSha256]);
 * ```
 */
export async function deleteRelayItems(
  trx: Kysely<Database> | Transaction<Database>,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const deleted = await trx.deleteFrom('relay_items').where('id', 'in', ids).executeTakeFirst();
  // Offers and rewards are not logged and nothing else refers to them: the JWS goes too, so a
  // delivered offer is really gone (its jti stays in seen_jtis until exp against a replay).
  await trx.deleteFrom('messages').where('sha256', 'in', ids).execute();
  return Number(deleted.numDeletedRows);
}

/**
 * Creates the relay's services.
 *
 * @example
 * ```ts
 * const relay = createRelayService(ctx, { companies });
 * const { id, expiresAt } = await relay.sendOffer(token); // 201 {id, status: 'queued', expiresAt}
 * ```
 */
export function createRelayService(
  ctx: ServiceContext,
  options: { companies: CompanyService },
): RelayService {
  const db = ctx.cdb.db;
  const { companies } = options;

  async function companyOf(id: string | undefined): Promise<CompanyRecord> {
    return companies.get(id !== undefined && id.startsWith('co_') ? id : '');
  }

  /** The pseudonym a company addresses; another company's is reported as unknown (not ours to say). */
  async function addressedPseudonym(aud: string | undefined, companyId: string): Promise<string> {
    const binding =
      aud !== undefined && aud.startsWith('ps_') ? await pseudonymBinding(db, aud) : undefined;
    if (binding === undefined || binding.companyId !== companyId) {
      throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
    }
    return aud!;
  }

  /** A grant of `pseudonym` to `companyId`, parsed, with what has been revoked of it. */
  async function grantOf(
    sha256: string,
    pseudonym: string,
    companyId: string,
  ): Promise<ActiveGrant | undefined> {
    const row = await grantQuery.first(db, { sha256, pseudonym, companyId });
    return row === undefined ? undefined : activeFromRow(sha256, row);
  }

  /** A grant's row (its JWS and what was revoked of it) as coverage reads it. */
  function activeFromRow(
    sha256: string,
    row: { jws: string; revoked_at: number | null; revoked_purposes: string | null },
  ): ActiveGrant {
    let grant = grantPayloads.get(sha256);
    if (grant === undefined) {
      grant = parseMessage('grant', peekClaims(row.jws).payload);
      if (grantPayloads.size >= maxCachedGrants) grantPayloads.clear();
      grantPayloads.set(sha256, grant);
    }
    const active = activeGrant(grant, sha256);
    return { ...active, revocations: revocationsOf(row) };
  }

  /**
   * The company's status and its grant `sha256` of `pseudonym` as `trx` sees them, both rows held
   * on PostgreSQL (the company in key-share mode): for an offer whose checks before its
   * transaction refused it (the company suspended, the grant not found), so that what committed
   * meanwhile decides.
   */
  async function stateInside(
    trx: Transaction<Database>,
    sha256: string,
    pseudonym: string,
    companyId: string,
  ): Promise<{ status: string | undefined; grant: ActiveGrant | undefined }> {
    const company = trx.selectFrom('companies').select('status').where('id', '=', companyId);
    const grant = selectGrant(trx, sha256)
      .where('grants.pseudonym', '=', pseudonym)
      .where('grants.company_id', '=', companyId);
    const postgres = onPostgres(trx);
    const status = (await (postgres ? company.forKeyShare() : company).executeTakeFirst())?.status;
    const row = await (postgres ? grant.forShare('grants') : grant).executeTakeFirst();
    return { status, grant: row === undefined ? undefined : activeFromRow(sha256, row) };
  }

  /**
   * `grant` as given by `at` at the latest: a grant is stored, so given, and a customer's clock
   * ahead of ours (within the skew) must not make the company's first offer a refusal counted
   * against it.
   */
  function givenBy(grant: ActiveGrant, at: number): ActiveGrant {
    return grant.grant.iat > at ? { ...grant, grant: { ...grant.grant, iat: at } } : grant;
  }

  /**
   * The revocations of a grant from its row, which folds every revocation in; partial ones keep no
   * time of their own there, so they apply from any time at all, which is right for a question
   * about "now" (dated at the grant's start, they were not yet in force while a customer's clock
   * ahead of ours kept that start ahead of the offer).
   */
  function revocationsOf(row: {
    revoked_at: number | null;
    revoked_purposes: string | null;
  }): ActiveGrant['revocations'] {
    return [
      ...(row.revoked_at === null ? [] : [{ at: row.revoked_at }]),
      ...(row.revoked_purposes === null
        ? []
        : [{ at: 0, purposes: JSON.parse(row.revoked_purposes) as string[] }]),
    ];
  }

  /**
   * A grant's revocations and its company's status as `trx` sees them, the grant's row held on
   * PostgreSQL. The company's row is not held: every offer of a company would lock that one row
   * (about 8 % of PostgreSQL's offer rate, measured); an offer whose transaction overlaps a
   * suspension's commit is held back from the inbox with the company's other items anyway.
   */
  async function currentState(trx: Transaction<Database>, grantSha256: string, kid: string) {
    const query = trx
      .selectFrom('grants')
      .innerJoin('companies', 'companies.id', 'grants.company_id')
      .select((eb) => [
        'grants.revoked_at',
        'grants.revoked_purposes',
        'companies.status',
        // The signing key's declared compromise, read here rather than on its own (compromise.ts
        // `requireSignerNotCompromised`, whose lock the caller took before): one statement less.
        eb
          .selectFrom('company_keys')
          .select('company_keys.compromised_since')
          .where('company_keys.kid', '=', kid)
          .whereRef('company_keys.company_id', '=', 'grants.company_id')
          .as('compromised_since'),
      ])
      .where('grants.sha256', '=', grantSha256);
    return (onPostgres(trx) ? query.forShare('grants') : query).executeTakeFirst();
  }

  /**
   * The next cursor of `owner`'s mailbox. The upsert holds the owner's row lock until commit
   * (PostgreSQL; SQLite has one writer anyway), so items of one mailbox commit in cursor order
   * and concurrent offers to one pseudonym are counted one after the other.
   */
  async function nextSeq(trx: Transaction<Database>, owner: string): Promise<number> {
    const row = await nextSeqQuery.first(trx, { owner });
    if (row === undefined) throw new Error('The mailbox upsert returned no row.');
    return Number(row.seq);
  }

  async function purgeExpiredOf(pseudonym: string, nowMs: number): Promise<void> {
    const expired = (await expiredItemsQuery.execute(db, { pseudonym, nowMs })).rows;
    if (expired.length === 0) return;
    await durableTransaction(ctx.cdb, (trx) =>
      deleteRelayItems(
        trx,
        expired.map((row) => row.id),
      ),
    );
  }

  /** `status`: the company's, when the refusal is `company_not_active` and it was read. */
  function refusalError(rule: string, status?: string): ProtocolError {
    if (rule === 'contact_cap') {
      return new ProtocolError(
        'ERR_CONTACT_CAP_EXCEEDED',
        "The grant's contact cap for 7 days is reached.",
        { rule },
      );
    }
    if (rule === 'company_not_active') return companyNotActive(status, { rule });
    return new ProtocolError(
      'ERR_OFFER_NOT_COVERED',
      'No active grant of this pseudonym covers this purpose and channel now.',
      { rule },
    );
  }

  /**
   * Refuses a reward while `maxWaitingRewards` of the company's rewards wait undelivered in the
   * pseudonym's inbox.
   *
   * @throws ProtocolError `ERR_INBOX_FULL` (429).
   */
  async function requireRoomForReward(
    executor: Kysely<Database> | Transaction<Database>,
    pseudonym: string,
    companyId: string,
    nowMs: number,
  ): Promise<void> {
    const waiting = await executor
      .selectFrom('relay_items')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('pseudonym', '=', pseudonym)
      .where('company_id', '=', companyId)
      .where('kind', '=', 'reward')
      .where('expires_at', '>', nowMs)
      .executeTakeFirst();
    if (Number(waiting?.n ?? 0) >= maxWaitingRewards) {
      throw new ProtocolError(
        'ERR_INBOX_FULL',
        "The pseudonym's inbox holds the most undelivered rewards allowed from one company.",
        { limit: maxWaitingRewards },
      );
    }
  }

  /**
   * Refuses a correction while {@link maxWaitingCorrections} of the pseudonym's corrections wait
   * for its company. Inside the storing transaction on PostgreSQL the pseudonym's row is held
   * first, so two nodes cannot each count one short of the cap.
   *
   * @throws ProtocolError `ERR_TOO_MANY_OPEN_CORRECTIONS` (429).
   */
  async function requireRoomForCorrection(
    executor: Kysely<Database> | Transaction<Database>,
    pseudonym: string,
    companyId: string,
  ): Promise<void> {
    await holdPseudonym(executor, pseudonym);
    const waiting = await executor
      .selectFrom('relay_corrections')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('pseudonym', '=', pseudonym)
      .where('company_id', '=', companyId)
      .executeTakeFirst();
    if (Number(waiting?.n ?? 0) >= maxWaitingCorrections) {
      throw new ProtocolError(
        'ERR_TOO_MANY_OPEN_CORRECTIONS',
        'As many corrections of this pseudonym wait for the company as may wait.',
        { limit: maxWaitingCorrections },
      );
    }
  }

  /** The receipt of an offer or reward stored before, or its refusal again. */
  async function resendOf(sha256: string): Promise<RelayReceipt> {
    const refused = await db
      .selectFrom('relay_refusals')
      .select(['rule', 'company_id'])
      .where('offer_sha256', '=', sha256)
      .executeTakeFirst();
    if (refused !== undefined) {
      // Why the company is not active, when it still is not (a resend after a reinstatement is
      // refused as the first time, without a status that no longer holds).
      const status =
        refused.rule === 'company_not_active'
          ? (
              await db
                .selectFrom('companies')
                .select('status')
                .where('id', '=', refused.company_id)
                .executeTakeFirst()
            )?.status
          : undefined;
      throw refusalError(refused.rule, status === 'active' ? undefined : status);
    }
    const item = await db
      .selectFrom('relay_items')
      .select('expires_at')
      .where('id', '=', sha256)
      .executeTakeFirst();
    // Stored, yet neither waiting nor refused (a delivered item's JWS goes with it, as does one a
    // revocation withdrew): an offer or reward a key compromise voided (compromise.ts keeps its
    // JWS). Its key signs nothing now.
    if (item === undefined) {
      const kept = await db
        .selectFrom('messages')
        .leftJoin('company_keys', 'company_keys.kid', 'messages.signer')
        .select(['messages.sha256', 'company_keys.compromised_since'])
        .where('messages.sha256', '=', sha256)
        .executeTakeFirst();
      if (kept !== undefined) {
        // Said as a new message signed with that key is (compromise.ts): since when, to the
        // second, so the company's console can say which key file to load instead.
        if (kept.compromised_since != null)
          throw compromisedKeyError(Number(kept.compromised_since));
        throw new ProtocolError(
          'ERR_JWS_KID_UNKNOWN',
          'The key that signed this offer was declared compromised from before it was signed.',
        );
      }
    }
    return {
      id: sha256,
      status: 'queued',
      ...(item === undefined ? {} : { expiresAt: Number(item.expires_at) }),
      created: false,
    };
  }

  /** `POST /api/v1/offers` without the resend answer (see `sendOffer`). */
  async function acceptOffer(token: string): Promise<RelayReceipt> {
    const { iss, aud, inspected } = peekMessage('offer', token);
    const company = await companyOf(iss);
    const pseudonym = await addressedPseudonym(aud, company.id);
    // Verified before anything is recorded: only the company's own signature can count
    // against it.
    const opened = await openMessage('offer', token, {
      inspected,
      maxLength: sealedBodyLimit,
      verifySignature: serverEd25519Verify,
      audience: pseudonym,
      now: nowSeconds(ctx),
      resolveKey: (kid) => currentCompanyKey(db, company.id, kid),
    });
    const payload = opened.payload;
    const nowMs = ctx.now();
    const at = Math.floor(nowMs / 1000);
    if (payload.validUntil <= at) {
      // Within the clock skew an offer may arrive already past its end: it could never be
      // delivered, so it is refused as malformed rather than queued and counted as a contact.
      throw new ProtocolError('ERR_MESSAGE_INVALID', 'The offer’s validUntil has passed.', {
        issues: ['validUntil'],
      });
    }
    let rule: string | undefined;
    let grant: ActiveGrant | undefined;
    if (company.status !== 'active') rule = 'company_not_active';
    else {
      grant = await grantOf(payload.grantSha256, pseudonym, company.id);
      if (grant === undefined) rule = 'grant_unknown';
    }
    const expiresAt = Math.min(nowMs + inboxRetentionMs, payload.validUntil * 1000);
    let refused: string | undefined;
    const stored = await storeSigned(ctx, {
      token,
      sha256: opened.sha256,
      kind: 'offer',
      kid: opened.kid,
      jti: payload.jti,
      iat: payload.iat,
      exp: payload.exp,
      companyId: company.id,
      pseudonym,
      logged: false,
      apply: async (trx) => {
        refused = undefined;
        // Before anything counts against the company (a refusal is a finding): the key held
        // against a declaration of its compromise, then its state read (compromise.ts).
        if (rule === undefined) await lockKey(trx, opened.kid, 'shared');
        else await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat);
        let seq = 0;
        // Judged as of now, inside the transaction, not as of the checks above: a revocation
        // stored meanwhile is dated by then at the latest, and so is in force at this moment.
        const acceptedMs = Math.max(nowMs, ctx.now());
        const acceptedAt = Math.floor(acceptedMs / 1000);
        // Read again inside the transaction, what may have changed since the read above: a
        // revocation or a suspension committed meanwhile takes effect at once, and so does a
        // reinstatement or a grant (on PostgreSQL the rows are held until this offer commits).
        if (rule === undefined) {
          const now = await currentState(trx, payload.grantSha256, opened.kid);
          refuseIfCompromised(now?.compromised_since, payload.iat);
          if (now === undefined || now.status !== 'active') refused = 'company_not_active';
          else grant = { ...grant!, revocations: revocationsOf(now) };
        } else {
          const now = await stateInside(trx, payload.grantSha256, pseudonym, company.id);
          if (now.status !== 'active') refused = 'company_not_active';
          else if (now.grant === undefined) refused = 'grant_unknown';
          else grant = now.grant;
        }
        if (refused === undefined) {
          seq = await nextSeq(trx, pseudonym);
          // Counted under the mailbox lock, at the moment of acceptance.
          const counted = await contactsQuery.first(trx, {
            pseudonym,
            since: acceptedMs - contactWindowMs,
          });
          const coverage = checkCoverage(givenBy(grant!, acceptedAt), {
            purpose: payload.purpose,
            channel: payload.channel,
            at: acceptedAt,
            contactsInLast7Days: Number(counted?.n ?? 0),
          });
          if (!coverage.covered) refused = coverage.rule;
        }
        if (refused !== undefined) {
          await trx
            .insertInto('relay_refusals')
            .values({
              offer_sha256: opened.sha256,
              company_id: company.id,
              pseudonym,
              grant_sha256: payload.grantSha256,
              rule: refused,
              refused_at: acceptedMs,
            })
            .execute();
          await appendFeedEvent(
            trx,
            { companyId: company.id, kind: 'offer-refused', sha256: opened.sha256, pseudonym },
            acceptedMs,
          );
          return;
        }
        await insertContactQuery.execute(trx, {
          offerSha256: opened.sha256,
          companyId: company.id,
          pseudonym,
          grantSha256: payload.grantSha256,
          acceptedAt: acceptedMs,
          signer: opened.kid,
          signedAt: payload.iat,
        });
        await insertItemQuery.execute(trx, {
          id: opened.sha256,
          pseudonym,
          companyId: company.id,
          kind: 'offer',
          seq,
          grantSha256: payload.grantSha256,
          receivedAt: acceptedMs,
          expiresAt,
        });
      },
    });
    // Stored by a concurrent call of the same token: answer as that one did.
    if (!stored.created) return resendOf(opened.sha256);
    // Answered by sendOffer as the stored refusal (resendOf), which reads the status again.
    if (refused !== undefined) throw refusalError(refused);
    return { id: opened.sha256, status: 'queued', expiresAt, created: true };
  }

  return {
    async sendOffer(token) {
      try {
        return await acceptOffer(token);
      } catch (error) {
        // A resend of a stored offer is answered like the first time (a refusal with its rule,
        // and the company's status only while it still holds, resendOf): asked only when the checks fail (one query less per offer), since a resend that passes
        // them is stored as a duplicate and answered by `resendOf` anyway.
        if (!(error instanceof ProtocolError)) throw error;
        const resend = await storedBefore(ctx, token, 'offer');
        if (resend !== undefined) return resendOf(resend.sha256);
        throw error;
      }
    },

    async sendReward(token) {
      const { iss, aud, inspected } = peekMessage('reward', token);
      const company = await companyOf(iss);
      const resend = await storedBefore(ctx, token, 'reward');
      if (resend !== undefined) return resendOf(resend.sha256);
      const pseudonym = await addressedPseudonym(aud, company.id);
      const opened = await openMessage('reward', token, {
        inspected,
        maxLength: sealedBodyLimit,
        verifySignature: serverEd25519Verify,
        audience: pseudonym,
        now: nowSeconds(ctx),
        resolveKey: (kid) => currentCompanyKey(db, company.id, kid),
      });
      if (company.status !== 'active') throw companyNotActive(company.status);
      const payload = opened.payload;
      // Any grant of this pseudonym, active or not: a reward may arrive after a revocation, for
      // a while (rewardGraceMs).
      const grant = await db
        .selectFrom('grants')
        .select(['sha256', 'until', 'revoked_at'])
        .where('sha256', '=', payload.grantSha256)
        .where('pseudonym', '=', pseudonym)
        .where('company_id', '=', company.id)
        .executeTakeFirst();
      if (grant === undefined) {
        throw new ProtocolError(
          'ERR_GRANT_UNKNOWN',
          'The reward names no grant of this pseudonym.',
          {
            grantSha256: payload.grantSha256,
          },
        );
      }
      const nowMs = ctx.now();
      const endedAt =
        Math.min(
          Number(grant.until),
          grant.revoked_at === null ? Infinity : Number(grant.revoked_at),
        ) * 1000;
      if (nowMs > endedAt + rewardGraceMs) {
        throw new ProtocolError(
          'ERR_GRANT_NOT_COVERED',
          'The grant ended too long ago for a reward under it.',
          { rule: 'reward_grace', endedAt, graceDays: rewardGraceMs / 86_400_000 },
        );
      }
      const expiresAt = nowMs + inboxRetentionMs;
      // Counted before the transaction too: a reward refused only inside it rolls back the write
      // batch it shares with others, which the writer then redoes one message at a time.
      await requireRoomForReward(db, pseudonym, company.id, nowMs);
      const stored = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'reward',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym,
        logged: false,
        apply: async (trx) => {
          // Counted after the mailbox's counter is taken (its row lock orders a pseudonym's
          // writes), so concurrent rewards cannot both see room for one. The mailbox is locked
          // before the company row, in the order an offer takes them (PostgreSQL: no deadlock).
          // The signing key's row before both, as an offer holds it.
          await requireSignerNotCompromised(trx, company.id, opened.kid, payload.iat);
          const seq = await nextSeq(trx, pseudonym);
          await requireActiveCompanies(trx, [company.id]);
          await requireRoomForReward(trx, pseudonym, company.id, nowMs);
          await trx
            .insertInto('relay_items')
            .values({
              id: opened.sha256,
              pseudonym,
              company_id: company.id,
              kind: 'reward',
              seq,
              grant_sha256: payload.grantSha256,
              received_at: nowMs,
              expires_at: expiresAt,
            })
            .execute();
        },
      });
      if (!stored.created) return resendOf(opened.sha256);
      return { id: opened.sha256, status: 'queued', expiresAt, created: true };
    },

    async inbox(pseudonym, after, limit) {
      const nowMs = ctx.now();
      await purgeExpiredOf(pseudonym, nowMs);
      const { rows } = await inboxQuery.execute(db, {
        pseudonym,
        after,
        nowMs,
        limit: Math.min(limit, maxRelayPage),
      });
      const items = rows.map((row) => ({
        id: row.id,
        cursor: String(row.seq),
        kind: row.kind,
        jws: row.jws,
        receivedAt: Number(row.received_at),
        expiresAt: Number(row.expires_at),
      }));
      return { items, next: items.length > 0 ? items[items.length - 1]!.cursor : String(after) };
    },

    async acknowledgeItem(pseudonym, id) {
      return durableTransaction(ctx.cdb, async (trx) => {
        const row = await trx
          .selectFrom('relay_items')
          .select('id')
          .where('id', '=', id)
          .where('pseudonym', '=', pseudonym)
          .executeTakeFirst();
        return { deleted: await deleteRelayItems(trx, row === undefined ? [] : [row.id]) };
      });
    },

    async acknowledgeThrough(pseudonym, through) {
      let deleted = 0;
      // In pages, so one call cannot build an unbounded statement. The last page is the one that
      // found fewer than a page, not one that deleted fewer: an item another acknowledgement or
      // the purge deleted meanwhile must not end the loop before the rest.
      for (;;) {
        const page = await durableTransaction(ctx.cdb, async (trx) => {
          const rows = await trx
            .selectFrom('relay_items')
            .select('id')
            .where('pseudonym', '=', pseudonym)
            .where('seq', '<=', through)
            .limit(acknowledgePage)
            .execute();
          const ids = rows.map((row) => row.id);
          return { found: ids.length, deleted: await deleteRelayItems(trx, ids) };
        });
        deleted += page.deleted;
        if (page.found < acknowledgePage) return { deleted };
      }
    },

    async sendCorrection(token) {
      const { iss, aud, inspected } = peekMessage('correction', token);
      const binding =
        iss !== undefined && iss.startsWith('ps_') ? await pseudonymBinding(db, iss) : undefined;
      if (binding === undefined) {
        throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not known.');
      }
      if (binding.companyId !== aud) {
        throw new ProtocolError(
          'ERR_PSEUDONYM_COMPANY_MISMATCH',
          'This pseudonym belongs to another company.',
        );
      }
      // Any status: a customer may always correct what a company holds about them.
      const company = await companyOf(aud);
      const resend = await storedBefore(ctx, token, 'correction');
      if (resend !== undefined) return { id: resend.sha256, status: 'queued', created: false };
      const opened = await openMessage('correction', token, {
        inspected,
        maxLength: sealedBodyLimit,
        verifySignature: serverEd25519Verify,
        audience: company.id,
        now: nowSeconds(ctx),
        // Only the key bound to the pseudonym signs for it.
        resolveKey: async (kid) => (kid === binding.key.kid ? binding.key : undefined),
      });
      const payload = opened.payload;
      const nowMs = ctx.now();
      await requireRoomForCorrection(db, payload.iss, company.id);
      const stored = await storeSigned(ctx, {
        token,
        sha256: opened.sha256,
        kind: 'correction',
        kid: opened.kid,
        jti: payload.jti,
        iat: payload.iat,
        exp: payload.exp,
        companyId: company.id,
        pseudonym: payload.iss,
        logged: false,
        apply: async (trx) => {
          await requireRoomForCorrection(trx, payload.iss, company.id);
          await trx
            .insertInto('relay_corrections')
            .values({
              id: opened.sha256,
              company_id: company.id,
              pseudonym: payload.iss,
              data_category: payload.dataCategory,
              seq: await nextSeq(trx, company.id),
              received_at: nowMs,
            })
            .execute();
          await appendFeedEvent(
            trx,
            {
              companyId: company.id,
              kind: 'correction',
              sha256: opened.sha256,
              pseudonym: payload.iss,
            },
            nowMs,
          );
        },
      });
      return { id: opened.sha256, status: 'queued', created: stored.created };
    },

    async corrections(companyId, after, limit) {
      const rows = await db
        .selectFrom('relay_corrections')
        .innerJoin('messages', 'messages.sha256', 'relay_corrections.id')
        .select([
          'relay_corrections.id',
          'relay_corrections.seq',
          'relay_corrections.pseudonym',
          'relay_corrections.received_at',
          'messages.jws',
        ])
        .where('relay_corrections.company_id', '=', companyId)
        .where('relay_corrections.seq', '>', after)
        .orderBy('relay_corrections.seq')
        .limit(Math.min(limit, maxRelayPage))
        .execute();
      const corrections = rows.map((row) => ({
        id: row.id,
        cursor: String(row.seq),
        pseudonym: row.pseudonym,
        jws: row.jws,
        receivedAt: Number(row.received_at),
      }));
      return {
        corrections,
        next: corrections.length > 0 ? corrections[corrections.length - 1]!.cursor : String(after),
      };
    },

    async acknowledgeCorrection(companyId, id) {
      // The correction's message stays: the company's feed (and its webhook) refers to it.
      const deleted = await durableTransaction(ctx.cdb, (trx) =>
        trx
          .deleteFrom('relay_corrections')
          .where('id', '=', id)
          .where('company_id', '=', companyId)
          .executeTakeFirst(),
      );
      return { deleted: Number(deleted.numDeletedRows) };
    },

    async purgeExpired() {
      let purged = 0;
      for (;;) {
        const rows = await db
          .selectFrom('relay_items')
          .select('id')
          .where('expires_at', '<=', ctx.now())
          .limit(500)
          .execute();
        if (rows.length === 0) return purged;
        purged += await durableTransaction(ctx.cdb, (trx) =>
          deleteRelayItems(
            trx,
            rows.map((row) => row.id),
          ),
        );
      }
    },
  };
}

/** How often the server purges expired inbox items (besides once at start): hourly. */
export const relayPurgeIntervalMs = 60 * 60 * 1000;

/**
 * Purges expired inbox items (undelivered offers and rewards past their `expiresAt`, at most 30
 * days after they arrived) at once and then every `intervalMs`, so an inbox nobody fetches any
 * more does not keep its sealed items forever (issue 5 "Inbox"). Runs never overlap; a failed run
 * is logged and the next one tries again (periodic-purge.ts).
 *
 * @example
 * ```ts
 * const purge = startRelayPurge(services.relay);
 * process.once('sveltekit:shutdown', () => void purge.stop());
 * ```
 */
export function startRelayPurge(
  relay: Pick<RelayService, 'purgeExpired'>,
  options: { intervalMs?: number; log?: (message: string, error?: unknown) => void } = {},
): PeriodicPurge {
  return startPeriodicPurge(() => relay.purgeExpired(), {
    name: 'relay purge',
    intervalMs: options.intervalMs ?? relayPurgeIntervalMs,
    failure: 'relay: purging expired inbox items failed:',
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/**
 * The company's refused offers, oldest first (at most 500): the `relay-refused` findings of
 * `GET /api/v1/companies/me/findings` and the regulator's view.
 *
 * @example
 * ```ts
 * const findings = [...overdue, ...(await relayFindings(db, companyId))];
 * ```
 */
export async function relayFindings(
  db: Kysely<Database>,
  companyId: string,
): Promise<RelayFinding[]> {
  const rows = await db
    .selectFrom('relay_refusals')
    .select(['offer_sha256', 'pseudonym', 'grant_sha256', 'rule', 'refused_at'])
    .where('company_id', '=', companyId)
    // The newest, should there be more than fit: a long-standing record must not hide new ones.
    .orderBy('refused_at', 'desc')
    .orderBy('offer_sha256', 'desc')
    .limit(maxFindings)
    .execute();
  return rows.reverse().map((row) => ({
    type: 'relay-refused',
    offerSha256: row.offer_sha256,
    pseudonym: row.pseudonym,
    grantSha256: row.grant_sha256,
    rule: row.rule,
    refusedAt: Number(row.refused_at),
  }));
}

/**
 * `201` with `{id, status: "queued"[, expiresAt]}` for a newly relayed message, `200` for a
 * resend of one accepted before.
 *
 * @example
 * ```ts
 * return relayResponse(await relay.sendOffer(token));
 * ```
 */
export function relayResponse(receipt: RelayReceipt): Response {
  const { created, ...body } = receipt;
  return jsonResponse(body, created ? 201 : 200);
}
