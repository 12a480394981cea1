/**
 * People (issue 4, SPECS "People who sign", docs/api.md "People"): regulators and company staff.
 *
 * A person enrols through a one-time link: the browser creates a passkey (WebAuthn, verified with
 * `@simplewebauthn/server`) and a non-extractable WebCrypto Ed25519 signing key, whose public key
 * is registered with the person after the browser proved it holds the private half. People log in
 * with the passkey (a session in the database) and sign their actions with the key: a regulator as
 * `rg_` + its thumbprint, a staff member as the company (`co_…`) it works for.
 *
 * Losing the browser means enrolling again through a recovery link that someone else approved
 * (another staff member, the company's key, another regulator, or the admin command). The old key
 * and passkeys are retired, and the person's sessions ended, the moment the recovery is approved:
 * whoever holds the lost browser can no longer sign from then on.
 *
 * Secrets never rest in the database in clear: enrolment and session tokens are stored as their
 * SHA-256, so a copy of the database lets nobody enrol or log in.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import * as v from 'valibot';
// The rule the enrolment page checks a name by before its passkey ceremony: one rule for both.
import { displayName } from '$lib/people-name';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { ProtocolError } from '$protocol/errors';
import { verifyCompact } from '$protocol/jws';
import { importPublicJwk } from '$protocol/keys';
import {
  companySignerKey,
  createReplayStore,
  peekClaims,
  regulatorKey,
  type Caller,
} from './auth/signatures';
import type { Database, PersonRole } from './db/schema';
import { onPostgres } from './db/postgres-batch';
import { nowSeconds, type ServiceContext } from './message-store';
import { serverEd25519Verify } from './ed25519';

/** An enrolment link is valid for 24 hours, once. */
export const enrolmentLifetimeMs = 24 * 60 * 60 * 1000;
/** A WebAuthn ceremony must finish within 5 minutes of its options. */
export const challengeLifetimeMs = 5 * 60 * 1000;
/** A session ends after 30 minutes without a request... */
export const sessionIdleMs = 30 * 60 * 1000;
/** ...and after 12 hours whatever the activity. */
export const sessionAbsoluteMs = 12 * 60 * 60 * 1000;
// Writing last_seen_at on every page view would make each read a write; a minute is precise enough.
const touchIntervalMs = 60 * 1000;

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const personIdPattern = /^pe_[A-Za-z0-9_-]{22}$/;
const signerPattern = /^(?:co|rg)_[A-Za-z0-9_-]{43}$/;

/** A person as the pages and the API show them. */
export interface PersonView {
  id: string;
  role: PersonRole;
  name: string;
  /** The company a staff member works for; null for regulators. */
  companyId: string | null;
  /** The thumbprint of the current signing key; null when it was retired (recovery pending). */
  kid: string | null;
  /** What the person writes as `iss`: `rg_<kid>` for a regulator, the company id for staff. */
  signer: string | null;
  createdAt: number;
}

/** A new one-time enrolment link. The token appears only here, never in the database. */
export interface EnrolmentLink {
  token: string;
  link: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  role: PersonRole;
  companyId: string | null;
  /** For a recovery: the person who enrols again. */
  personId: string | null;
  /**
   * For a recovery: the kids of the signing keys it retired (the person's current key; none when
   * an earlier recovery retired it already). Empty for a new person.
   */
  retiredKids: readonly string[];
}

/** A person or an open enrolment link for a new one, as `npm run admin -- list-people` shows it. */
export interface PersonListing {
  /** The person's id; null for an enrolment link not used yet (a new person). */
  personId: string | null;
  role: PersonRole;
  /** Null for a link that leaves the name to the person at enrolment. */
  name: string | null;
  companyId: string | null;
  /** The company's registered name, when the person is staff. */
  companyName: string | null;
  /**
   * `enrolled`: has a current signing key; `recovery-pending`: a recovery retired it and its link
   * waits; `no-key`: retired, and no link waits (the recovery link expired: make another);
   * `invited`: an open enrolment link for a new person.
   */
  status: 'enrolled' | 'recovery-pending' | 'no-key' | 'invited';
  /** Signing keys the person registered, retired ones included (0 for a link). */
  keys: number;
  /** The link's id (SHA-256 of its token, as `OpenInvitation.id`), for an open link; else null. */
  linkId: string | null;
  /** Until when the open link is valid (milliseconds); else null. */
  linkExpiresAt: number | null;
}

/** What an enrolment link is for, as its page explains it. */
export interface EnrolmentInfo {
  role: PersonRole;
  companyId: string | null;
  companyName: string | null;
  name: string | null;
  recovery: boolean;
  expiresAt: number;
}

/** A session just started; the token goes into the cookie and nowhere else. */
export interface NewSession {
  token: string;
  /** Milliseconds since the epoch: the absolute end. */
  expiresAt: number;
}

/** WebAuthn options for the browser and the id of the challenge they carry. */
export interface Ceremony<O> {
  challengeId: string;
  options: O;
}

export interface CreateEnrolmentInput {
  role: PersonRole;
  /** Required for staff. */
  companyId?: string | null;
  name?: string | null;
  /** A recovery for this existing person. */
  personId?: string | null;
  /** Who approved: `admin`, a person id, or a company id. */
  createdBy: string;
}

export interface CompleteEnrolmentInput {
  token: unknown;
  challengeId: unknown;
  /** The `RegistrationResponseJSON` of `navigator.credentials.create`. */
  response: unknown;
  /** The public JWK of the new WebCrypto Ed25519 signing key. */
  signingKey: unknown;
  /** A `person-key` JWS over the challenge, signed by that key: proof of possession. */
  keyProof: unknown;
  /** The display name, when the link carried none. */
  name?: unknown;
}

/** The people services. */
export interface PeopleService {
  /** A one-time enrolment link (admin command, company registration, invitations). */
  createEnrolment(input: CreateEnrolmentInput): Promise<EnrolmentLink>;
  /** What a link is for; `ERR_ENROLMENT_UNKNOWN` / `_EXPIRED` / `_USED` when it cannot be used. */
  inspectEnrolment(token: unknown): Promise<EnrolmentInfo>;
  /** Passkey creation options for an enrolment link. */
  enrolmentOptions(token: unknown): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>>;
  /** Verifies the new passkey and signing key, consumes the link, and logs the person in. */
  completeEnrolment(
    input: CompleteEnrolmentInput,
  ): Promise<{ person: PersonView; session: NewSession }>;
  /** Passkey login options (discoverable credentials: no user name is asked). */
  loginOptions(): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>>;
  /** Verifies a passkey assertion and starts a new session (ending `previousSession`, if any). */
  completeLogin(input: {
    challengeId: unknown;
    response: unknown;
    previousSession?: string | undefined;
  }): Promise<{ person: PersonView; session: NewSession }>;
  /** The person of a session token, or `undefined` (unknown, idle too long, expired, removed). */
  sessionPerson(token: string | undefined): Promise<PersonView | undefined>;
  /** Ends a session (logout). */
  endSession(token: string | undefined): Promise<void>;
  /** `POST /api/v1/people/invitations`: a signed `person-invitation`. */
  invite(token: string): Promise<EnrolmentLink>;
  /**
   * `GET /api/v1/people/invitations`: the enrolment links for the caller's people (its staff, or
   * regulators) not used and not expired yet, newest first (at most {@link maxOpenInvitations}).
   */
  openInvitations(caller: Caller): Promise<OpenInvitation[]>;
  /** {@link openInvitations} of a company's staff (the console, whose session is the caller). */
  openInvitationsOfCompany(companyId: string): Promise<OpenInvitation[]>;
  /**
   * `DELETE /api/v1/people/invitations/{id}`: voids an unused link of {@link openInvitations} at
   * once (it then answers `ERR_ENROLMENT_EXPIRED`).
   *
   * @throws ProtocolError `ERR_ENROLMENT_UNKNOWN` for a link that is not open, or not the
   *   caller's people's.
   */
  withdrawInvitation(caller: Caller, id: string): Promise<void>;
  /** `DELETE /api/v1/people/{personId}`. */
  remove(caller: Caller, personId: string): Promise<void>;
  /** The person who signed a request (`GET /api/v1/people/me`). */
  signedBy(caller: Caller): Promise<PersonView>;
  /** A person by id. */
  get(personId: string): Promise<PersonView>;
  /**
   * Every person not removed and every open enrolment link for a new person, for the operator
   * (the admin command): names, roles, companies, whether enrolled, how many keys; no token,
   * passkey or key material.
   */
  listAll(): Promise<PersonListing[]>;
  /**
   * Voids the unused enrolment link `idOrToken` names (its id, its token, or the link itself),
   * for the operator. Returns what the link was for.
   *
   * @throws ProtocolError `ERR_ENROLMENT_UNKNOWN` (no such link), `ERR_ENROLMENT_USED` (someone
   *   enrolled with it), `ERR_ENROLMENT_EXPIRED` (it had expired, or was cancelled, already).
   */
  cancelEnrolment(
    idOrToken: string,
  ): Promise<OpenInvitation & { role: PersonRole; companyId: string | null }>;
  /** `GET /api/v1/people/keys/{kid}`: a person key, public, so anyone can check signatures. */
  key(kid: string): Promise<PersonKeyView>;
  /** The staff of a company, for its console. */
  staffOf(companyId: string): Promise<PersonView[]>;
  /** The regulators, for the regulators' console (`/regulator/people`; its session is the caller). */
  regulators(): Promise<PersonView[]>;
  /** {@link openInvitations} of the regulators (the same console). */
  openRegulatorInvitations(): Promise<OpenInvitation[]>;
}

/** At most this many open invitations are listed (links expire after a day). */
const maxOpenInvitations = 200;

/** An enrolment link not used and not expired yet, as the people who manage it see it. */
export interface OpenInvitation {
  /** The SHA-256 of the link's token (base64url): names the link without being it. */
  id: string;
  /** The name given with the invitation, or null (the person types it at enrolment). */
  name: string | null;
  /** For a recovery: the person who enrols again. */
  recover: string | null;
  /** Who created it: a person id, a company id (its key), or `admin`. */
  createdBy: string;
  /** Milliseconds. */
  createdAt: number;
  expiresAt: number;
}

/** A person key as published (no name: the key and what it may sign for). */
export interface PersonKeyView {
  kid: string;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  role: PersonRole;
  /** `rg_<kid>` or the company id. */
  signer: string;
  addedAt: number;
  retiredAt: number | null;
}

const random = (bytes: number): string => base64urlEncode(new Uint8Array(randomBytes(bytes)));

/**
 * base64url SHA-256 of a token: what the database keeps instead of the token.
 *
 * @example
 * ```ts
 * const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', tokenHash(token));
 * ```
 */
export function tokenHash(token: string): string {
  return base64urlEncode(new Uint8Array(createHash('sha256').update(token, 'ascii').digest()));
}

const b64 = (max: number) => v.pipe(v.string(), v.maxLength(max), v.regex(/^[A-Za-z0-9_-]*$/));

const registrationResponse = v.object({
  id: b64(1400),
  rawId: b64(1400),
  type: v.literal('public-key'),
  response: v.object({
    clientDataJSON: b64(4096),
    attestationObject: b64(16384),
    transports: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(32))), v.maxLength(8))),
  }),
  authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
  clientExtensionResults: v.optional(v.record(v.string(), v.unknown()), {}),
});

const authenticationResponse = v.object({
  id: b64(1400),
  rawId: b64(1400),
  type: v.literal('public-key'),
  response: v.object({
    clientDataJSON: b64(4096),
    authenticatorData: b64(4096),
    signature: b64(1024),
    userHandle: v.optional(b64(256)),
  }),
  authenticatorAttachment: v.optional(v.picklist(['platform', 'cross-platform'])),
  clientExtensionResults: v.optional(v.record(v.string(), v.unknown()), {}),
});

const invitationPayload = v.strictObject({
  v: v.literal(1),
  iss: v.pipe(v.string(), v.regex(signerPattern)),
  aud: v.pipe(v.string(), v.maxLength(2048)),
  iat: v.number(),
  exp: v.number(),
  jti: v.pipe(v.string(), v.maxLength(128)),
  role: v.picklist(['staff', 'regulator']),
  name: v.optional(displayName),
  recover: v.optional(v.pipe(v.string(), v.regex(personIdPattern))),
});

const keyProofPayload = v.strictObject({
  aud: v.pipe(v.string(), v.maxLength(2048)),
  iat: v.number(),
  exp: v.number(),
  jti: v.pipe(v.string(), v.maxLength(128)),
  challenge: v.pipe(v.string(), v.maxLength(256)),
});

function invalid(field: string): ProtocolError {
  return new ProtocolError('ERR_QUERY_INVALID', `The field ${field} is missing or malformed.`, {
    issues: [field],
  });
}

function parseOr<T extends v.GenericSchema>(schema: T, value: unknown, field: string) {
  const result = v.safeParse(schema, value);
  if (!result.success) throw invalid(field);
  return result.output as v.InferOutput<T>;
}

function personIdOf(caller: Caller): string | undefined {
  return caller.type === 'pseudonym' ? undefined : caller.personId;
}

function tokenOf(value: unknown): string {
  // An unusable token is indistinguishable from an unknown one: no hint whether a link existed.
  if (typeof value !== 'string' || !tokenPattern.test(value)) {
    throw new ProtocolError('ERR_ENROLMENT_UNKNOWN', 'This enrolment link is not valid.');
  }
  return value;
}

/**
 * Creates the people services on the API's context.
 *
 * @example
 * ```ts
 * const people = createPeopleService(ctx);
 * const { link } = await people.createEnrolment({ role: 'regulator', name: 'A. Muster', createdBy: 'admin' });
 * ```
 */
export function createPeopleService(
  ctx: ServiceContext,
  options: { rpName?: string } = {},
): PeopleService {
  const db = ctx.cdb.db;
  const rpName = options.rpName ?? 'Consent Clearinghouse';
  const rpID = new URL(ctx.origin).hostname;
  const replay = createReplayStore(db);

  async function view(
    q: Kysely<Database> | Transaction<Database>,
    personId: string,
  ): Promise<PersonView | undefined> {
    const person = await q
      .selectFrom('people')
      .selectAll()
      .where('id', '=', personId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (person === undefined) return undefined;
    const key = await q
      .selectFrom('person_keys')
      .select('kid')
      .where('person_id', '=', personId)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    const kid = key?.kid ?? null;
    return {
      id: person.id,
      role: person.role,
      name: person.name,
      companyId: person.company_id,
      kid,
      signer: kid === null ? null : person.role === 'regulator' ? `rg_${kid}` : person.company_id,
      createdAt: person.created_at,
    };
  }

  async function usableEnrolment(token: string) {
    const row = await db
      .selectFrom('enrolments')
      .selectAll()
      .where('token_hash', '=', tokenHash(token))
      .executeTakeFirst();
    if (row === undefined) {
      throw new ProtocolError('ERR_ENROLMENT_UNKNOWN', 'This enrolment link is not valid.');
    }
    if (row.used_at !== null) {
      throw new ProtocolError('ERR_ENROLMENT_USED', 'This enrolment link has been used.');
    }
    if (ctx.now() >= row.expires_at) {
      throw new ProtocolError('ERR_ENROLMENT_EXPIRED', 'This enrolment link has expired.');
    }
    if (row.company_id !== null) await refuseIfSuspended(db, row.company_id);
    return row;
  }

  /**
   * As a suspended company cannot invite, a link it made before cannot enrol meanwhile; it works
   * again once the company is reinstated (until it expires). Asked again inside the enrolment's
   * transaction, the company's row held on PostgreSQL (a suspension committing meanwhile waits,
   * then applies to the person enrolled; SQLite has one writer).
   */
  async function refuseIfSuspended(
    from: Kysely<Database> | Transaction<Database>,
    companyId: string,
  ): Promise<void> {
    const query = from.selectFrom('companies').select('status').where('id', '=', companyId);
    const company = await (
      from.isTransaction && onPostgres(from) ? query.forShare() : query
    ).executeTakeFirst();
    if (company?.status === 'suspended') {
      throw new ProtocolError(
        'ERR_COMPANY_NOT_ACTIVE',
        'The company is suspended: its enrolment links work again once it is reinstated.',
        { status: company.status },
      );
    }
  }

  /** Takes a challenge out of the table: each one answers exactly one ceremony. */
  async function consumeChallenge(id: unknown, purpose: 'enrol' | 'login') {
    if (typeof id !== 'string' || !tokenPattern.test(id)) throw invalid('challengeId');
    const row = await db
      .deleteFrom('webauthn_challenges')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined || row.purpose !== purpose || ctx.now() >= row.expires_at) {
      throw new ProtocolError(
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
        'This passkey ceremony is unknown or has expired.',
      );
    }
    return row;
  }

  async function storeChallenge(
    purpose: 'enrol' | 'login',
    challenge: string,
    extra: { token_hash?: string; webauthn_user_id?: string } = {},
  ): Promise<string> {
    const id = random(32);
    const now = ctx.now();
    // Expired challenges of abandoned ceremonies are swept whenever a new one starts.
    await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
    await db
      .insertInto('webauthn_challenges')
      .values({
        id,
        purpose,
        challenge,
        token_hash: extra.token_hash ?? null,
        webauthn_user_id: extra.webauthn_user_id ?? null,
        expires_at: now + challengeLifetimeMs,
      })
      .execute();
    return id;
  }

  async function startSession(
    trx: Kysely<Database> | Transaction<Database>,
    personId: string,
  ): Promise<NewSession> {
    const token = random(32);
    const now = ctx.now();
    const expiresAt = now + sessionAbsoluteMs;
    await trx
      .insertInto('sessions')
      .values({
        id_hash: tokenHash(token),
        person_id: personId,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { token, expiresAt };
  }

  /**
   * On PostgreSQL, takes the person's row FOR UPDATE: recovery approval, enrolment completion and
   * login of one person then run one after the other, so a login that checked a passkey before a
   * recovery retired it cannot commit a session after it. SQLite's single writer orders them
   * already (and a read before the first write would only risk SQLITE_BUSY_SNAPSHOT there).
   */
  async function lockPerson(trx: Transaction<Database>, personId: string): Promise<void> {
    if (ctx.cdb.dialect !== 'postgres') return;
    await trx.selectFrom('people').select('id').where('id', '=', personId).forUpdate().execute();
  }

  /**
   * Retires a person's keys and passkeys, ends their sessions and voids the unused enrolment links
   * they created (invitations, recoveries they approved), from `now` on: someone about to be
   * removed, or a thief with a lost browser, must not keep a way back in.
   */
  async function retireCredentials(trx: Transaction<Database>, personId: string, now: number) {
    await trx
      .updateTable('person_keys')
      .set({ retired_at: now })
      .where('person_id', '=', personId)
      .where('retired_at', 'is', null)
      .execute();
    await trx
      .updateTable('passkeys')
      .set({ retired_at: now })
      .where('person_id', '=', personId)
      .where('retired_at', 'is', null)
      .execute();
    await trx.deleteFrom('sessions').where('person_id', '=', personId).execute();
    await trx
      .updateTable('enrolments')
      .set((eb) => ({ expires_at: eb.ref('created_at') }))
      .where('created_by', '=', personId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
  }

  async function createEnrolment(input: CreateEnrolmentInput): Promise<EnrolmentLink> {
    const companyId = input.companyId ?? null;
    if ((input.role === 'staff') !== (companyId !== null)) {
      throw new ProtocolError(
        'ERR_QUERY_INVALID',
        'Staff belong to a company; regulators to none.',
        { issues: ['companyId'] },
      );
    }
    const name =
      input.name === undefined || input.name === null
        ? null
        : parseOr(displayName, input.name, 'name');
    const personId = input.personId ?? null;
    const token = random(32);
    const now = ctx.now();
    const expiresAt = now + enrolmentLifetimeMs;
    let retiredKids: string[] = [];
    await db.transaction().execute(async (trx) => {
      if (personId !== null) {
        await lockPerson(trx, personId);
        const person = await trx
          .selectFrom('people')
          .select(['role', 'company_id'])
          .where('id', '=', personId)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (person === undefined || person.role !== input.role || person.company_id !== companyId) {
          throw new ProtocolError('ERR_PERSON_UNKNOWN', 'No such person to recover.');
        }
        // The lost browser stops signing the moment someone else approves the recovery.
        const current = await trx
          .selectFrom('person_keys')
          .select('kid')
          .where('person_id', '=', personId)
          .where('retired_at', 'is', null)
          .orderBy('kid')
          .execute();
        retiredKids = current.map((row) => row.kid);
        await retireCredentials(trx, personId, now);
        // An older, unused recovery link for the same person is void: only the newest counts.
        await trx
          .updateTable('enrolments')
          .set((eb) => ({ expires_at: eb.ref('created_at') }))
          .where('person_id', '=', personId)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .execute();
      }
      await trx
        .insertInto('enrolments')
        .values({
          token_hash: tokenHash(token),
          role: input.role,
          company_id: companyId,
          name,
          person_id: personId,
          created_by: input.createdBy,
          created_at: now,
          expires_at: expiresAt,
          used_at: null,
          used_by: null,
        })
        .execute();
    });
    return {
      token,
      link: `${ctx.origin}/enroll/${token}`,
      expiresAt,
      role: input.role,
      companyId,
      personId,
      retiredKids,
    };
  }

  async function completeEnrolment(
    input: CompleteEnrolmentInput,
  ): Promise<{ person: PersonView; session: NewSession }> {
    const token = tokenOf(input.token);
    const response = parseOr(registrationResponse, input.response, 'response');
    // The challenge goes first: a failed attempt burns it, so nobody can retry against it.
    const challenge = await consumeChallenge(input.challengeId, 'enrol');
    const hash = tokenHash(token);
    if (challenge.token_hash !== hash) {
      throw new ProtocolError(
        'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
        'This passkey ceremony belongs to another link.',
      );
    }
    const enrolment = await usableEnrolment(token);
    const name =
      enrolment.name ??
      (input.name === undefined ? undefined : parseOr(displayName, input.name, 'name'));
    if (name === undefined && enrolment.person_id === null) throw invalid('name');

    let credential;
    try {
      const verified = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge.challenge,
        expectedOrigin: ctx.origin,
        expectedRPID: rpID,
        requireUserVerification: true,
      });
      if (!verified.verified) throw new Error('not verified');
      credential = verified.registrationInfo.credential;
    } catch (error) {
      throw new ProtocolError('ERR_WEBAUTHN_FAILED', 'The new passkey could not be verified.', {
        reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
      });
    }

    // The signing key: a valid Ed25519 point, proven to be held by this browser by a signature
    // over this very challenge (a JWK alone could be anyone's public key).
    const signingKey = importPublicJwk(input.signingKey);
    if (typeof input.keyProof !== 'string') throw invalid('keyProof');
    const proof = await verifyCompact(input.keyProof, {
      verifySignature: serverEd25519Verify,
      kind: 'person-key',
      resolveKey: (kid) => (kid === signingKey.kid ? signingKey : undefined),
      audience: ctx.origin,
      now: nowSeconds(ctx),
      maxLength: 4096,
    });
    const proofPayload = parseOr(keyProofPayload, proof.payload, 'keyProof');
    if (proofPayload.challenge !== challenge.challenge) {
      throw new ProtocolError(
        'ERR_JWS_SIGNATURE_INVALID',
        'The key proof is for another ceremony.',
      );
    }

    const now = ctx.now();
    const personId = enrolment.person_id ?? `pe_${random(16)}`;
    const session = await db.transaction().execute(async (trx) => {
      if (enrolment.person_id !== null) await lockPerson(trx, enrolment.person_id);
      if (enrolment.company_id !== null) await refuseIfSuspended(trx, enrolment.company_id);
      const used = await trx
        .updateTable('enrolments')
        .set({ used_at: now, used_by: personId })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) {
        // Used meanwhile, or voided (withdrawn, its maker removed): said as each is.
        const row = await trx
          .selectFrom('enrolments')
          .select('used_at')
          .where('token_hash', '=', hash)
          .executeTakeFirst();
        if (row !== undefined && row.used_at === null) {
          throw new ProtocolError('ERR_ENROLMENT_EXPIRED', 'This enrolment link has expired.');
        }
        throw new ProtocolError('ERR_ENROLMENT_USED', 'This enrolment link has been used.');
      }
      if (enrolment.person_id === null) {
        await trx
          .insertInto('people')
          .values({
            id: personId,
            role: enrolment.role,
            company_id: enrolment.company_id,
            name: name!,
            webauthn_user_id: challenge.webauthn_user_id!,
            created_at: now,
            created_by: enrolment.created_by,
            removed_at: null,
          })
          .execute();
      } else {
        const alive = await trx
          .selectFrom('people')
          .select('id')
          .where('id', '=', personId)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (alive === undefined) {
          throw new ProtocolError('ERR_PERSON_UNKNOWN', 'This person was removed meanwhile.');
        }
        await retireCredentials(trx, personId, now);
        if (name !== undefined && enrolment.name === null && input.name !== undefined) {
          await trx.updateTable('people').set({ name }).where('id', '=', personId).execute();
        }
      }
      const keyTaken = await trx
        .selectFrom('person_keys')
        .select('kid')
        .where('kid', '=', signingKey.kid)
        .executeTakeFirst();
      const credentialTaken = await trx
        .selectFrom('passkeys')
        .select('credential_id')
        .where('credential_id', '=', credential.id)
        .executeTakeFirst();
      if (keyTaken !== undefined || credentialTaken !== undefined) {
        throw new ProtocolError('ERR_KEY_INVALID', 'This key or passkey is enrolled already.');
      }
      await trx
        .insertInto('person_keys')
        .values({
          kid: signingKey.kid,
          person_id: personId,
          x: base64urlEncode(signingKey.publicKey),
          added_at: now,
          retired_at: null,
        })
        .execute();
      await trx
        .insertInto('passkeys')
        .values({
          credential_id: credential.id,
          person_id: personId,
          public_key: base64urlEncode(credential.publicKey),
          counter: credential.counter,
          transports: JSON.stringify(response.response.transports ?? []),
          created_at: now,
          last_used_at: now,
          retired_at: null,
        })
        .execute();
      return startSession(trx, personId);
    });
    return { person: (await view(db, personId))!, session };
  }

  async function completeLogin(input: {
    challengeId: unknown;
    response: unknown;
    previousSession?: string | undefined;
  }): Promise<{ person: PersonView; session: NewSession }> {
    const response = parseOr(authenticationResponse, input.response, 'response');
    const challenge = await consumeChallenge(input.challengeId, 'login');
    const passkey = await db
      .selectFrom('passkeys')
      .innerJoin('people', 'people.id', 'passkeys.person_id')
      .select([
        'passkeys.credential_id',
        'passkeys.public_key',
        'passkeys.counter',
        'passkeys.transports',
        'people.id as person_id',
        'people.webauthn_user_id',
      ])
      .where('passkeys.credential_id', '=', response.id)
      .where('passkeys.retired_at', 'is', null)
      .where('people.removed_at', 'is', null)
      .executeTakeFirst();
    // Same answer for an unknown, retired or removed passkey: nothing to learn by probing.
    const failed = (reason: string) =>
      new ProtocolError('ERR_WEBAUTHN_FAILED', 'The passkey could not be confirmed.', { reason });
    if (passkey === undefined) throw failed('unknown credential');
    if (
      response.response.userHandle !== undefined &&
      response.response.userHandle !== passkey.webauthn_user_id
    ) {
      throw failed('user handle mismatch');
    }
    let newCounter: number;
    try {
      const verified = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: challenge.challenge,
        expectedOrigin: ctx.origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        credential: {
          id: passkey.credential_id,
          publicKey: base64urlDecode(passkey.public_key) as Uint8Array<ArrayBuffer>,
          counter: passkey.counter,
          transports: JSON.parse(passkey.transports) as string[],
        },
      });
      if (!verified.verified) throw new Error('not verified');
      newCounter = verified.authenticationInfo.newCounter;
    } catch (error) {
      throw failed(error instanceof Error ? error.message.slice(0, 200) : 'unknown');
    }
    const now = ctx.now();
    const session = await db.transaction().execute(async (trx) => {
      await lockPerson(trx, passkey.person_id);
      // The passkey was checked before this transaction: a recovery or removal committed since
      // then retired it, and then no session may start (the check and the use are one here).
      const used = await trx
        .updateTable('passkeys')
        .set({ counter: newCounter, last_used_at: now })
        .where('credential_id', '=', passkey.credential_id)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw failed('passkey retired meanwhile');
      // Rotation: a session token that existed before the login never survives it.
      if (input.previousSession !== undefined && tokenPattern.test(input.previousSession)) {
        await trx
          .deleteFrom('sessions')
          .where('id_hash', '=', tokenHash(input.previousSession))
          .execute();
      }
      return startSession(trx, passkey.person_id);
    });
    const person = await view(db, passkey.person_id);
    if (person === undefined) throw failed('person removed');
    return { person, session };
  }

  /** A row (a person, an enrolment link) of `managed`'s people: their role and company. */
  function ofManaged<T extends 'people' | 'enrolments'>(
    eb: ExpressionBuilder<Database, T>,
    managed: { role: PersonRole; companyId: string | null },
  ) {
    // Both tables name the columns alike; Kysely cannot type a column of a table chosen by a
    // type parameter, so the builder is seen as the people table's.
    const own = eb as unknown as ExpressionBuilder<Database, 'people'>;
    return own.and([
      own('role', '=', managed.role),
      managed.companyId === null
        ? own('company_id', 'is', null)
        : own('company_id', '=', managed.companyId),
    ]);
  }

  /** An enrolment link for `managed`'s people, not used and not expired at `now`. */
  function openLinkOf(
    eb: ExpressionBuilder<Database, 'enrolments'>,
    managed: { role: PersonRole; companyId: string | null },
    now: number,
  ) {
    return eb.and([ofManaged(eb, managed), eb('used_at', 'is', null), eb('expires_at', '>', now)]);
  }

  /** The open enrolment links for `managed`'s people (see `openInvitations`). */
  async function openInvitationsOf(managed: {
    role: PersonRole;
    companyId: string | null;
  }): Promise<OpenInvitation[]> {
    const rows = await db
      .selectFrom('enrolments')
      .select(['token_hash', 'name', 'person_id', 'created_by', 'created_at', 'expires_at'])
      .where((eb) => openLinkOf(eb, managed, ctx.now()))
      .orderBy('created_at', 'desc')
      .orderBy('token_hash')
      .limit(maxOpenInvitations)
      .execute();
    return rows.map((row) => ({
      id: row.token_hash,
      name: row.name,
      recover: row.person_id,
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }));
  }

  /** `managed`'s people not removed, the longest enrolled first (at most 500). */
  async function peopleOf(managed: {
    role: PersonRole;
    companyId: string | null;
  }): Promise<PersonView[]> {
    const rows = await db
      .selectFrom('people')
      .select('id')
      .where((eb) => ofManaged(eb, managed))
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(500)
      .execute();
    const views = await Promise.all(rows.map((row) => view(db, row.id)));
    return views.filter((person): person is PersonView => person !== undefined);
  }

  /** Which people a signer may manage: staff of its own company, or regulators. */
  function managedRole(caller: Caller): { role: PersonRole; companyId: string | null } {
    if (caller.type === 'company') return { role: 'staff', companyId: caller.id };
    if (caller.type === 'regulator') return { role: 'regulator', companyId: null };
    throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a company or a regulator may do this.');
  }

  async function resolveSigner(iss: string | undefined) {
    let caller: Caller | undefined;
    const resolveKey = async (kid: string) => {
      if (iss?.startsWith('co_')) {
        const signer = await companySignerKey(db, iss, kid);
        if (signer === undefined) return undefined;
        caller = {
          type: 'company',
          id: iss,
          kid,
          ...(signer.personId === undefined ? {} : { personId: signer.personId }),
        };
        return signer.key;
      }
      if (iss === `rg_${kid}`) {
        const signer = await regulatorKey(db, kid);
        if (signer === undefined) return undefined;
        caller = { type: 'regulator', id: iss, kid, personId: signer.personId };
        return signer.key;
      }
      return undefined;
    };
    return { resolveKey, caller: () => caller! };
  }

  async function get(personId: string): Promise<PersonView> {
    if (!personIdPattern.test(personId)) {
      throw new ProtocolError('ERR_PERSON_UNKNOWN', 'No such person.');
    }
    const person = await view(db, personId);
    if (person === undefined) throw new ProtocolError('ERR_PERSON_UNKNOWN', 'No such person.');
    return person;
  }

  return {
    createEnrolment,

    async inspectEnrolment(value) {
      const row = await usableEnrolment(tokenOf(value));
      const company =
        row.company_id === null
          ? undefined
          : await db
              .selectFrom('companies')
              .select('legal_name')
              .where('id', '=', row.company_id)
              .executeTakeFirst();
      let name = row.name;
      if (name === null && row.person_id !== null) {
        name = (await view(db, row.person_id))?.name ?? null;
      }
      return {
        role: row.role,
        companyId: row.company_id,
        companyName: company?.legal_name ?? null,
        name,
        recovery: row.person_id !== null,
        expiresAt: row.expires_at,
      };
    },

    async enrolmentOptions(value) {
      const token = tokenOf(value);
      const row = await usableEnrolment(token);
      let userId: string;
      let userName = row.name ?? 'person';
      if (row.person_id !== null) {
        const person = await db
          .selectFrom('people')
          .select(['webauthn_user_id', 'name'])
          .where('id', '=', row.person_id)
          .executeTakeFirstOrThrow();
        userId = person.webauthn_user_id;
        userName = person.name;
      } else {
        userId = random(32);
      }
      const options = await generateRegistrationOptions({
        rpName,
        rpID,
        userName,
        userID: base64urlDecode(userId) as Uint8Array<ArrayBuffer>,
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        timeout: challengeLifetimeMs,
      });
      const challengeId = await storeChallenge('enrol', options.challenge, {
        token_hash: tokenHash(token),
        webauthn_user_id: userId,
      });
      return { challengeId, options };
    },

    completeEnrolment,

    async loginOptions() {
      const options = await generateAuthenticationOptions({
        rpID,
        userVerification: 'required',
        timeout: challengeLifetimeMs,
      });
      return { challengeId: await storeChallenge('login', options.challenge), options };
    },

    completeLogin,

    async sessionPerson(token) {
      if (token === undefined || !tokenPattern.test(token)) return undefined;
      const hash = tokenHash(token);
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id_hash', '=', hash)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const now = ctx.now();
      if (now >= row.expires_at || now >= row.last_seen_at + sessionIdleMs) {
        await db.deleteFrom('sessions').where('id_hash', '=', hash).execute();
        return undefined;
      }
      const person = await view(db, row.person_id);
      if (person === undefined) return undefined;
      if (now - row.last_seen_at >= touchIntervalMs) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: now })
          .where('id_hash', '=', hash)
          .execute();
      }
      return person;
    },

    async endSession(token) {
      if (token === undefined || !tokenPattern.test(token)) return;
      await db.deleteFrom('sessions').where('id_hash', '=', tokenHash(token)).execute();
    },

    async invite(token) {
      const { iss } = peekClaims(token);
      const signer = await resolveSigner(iss);
      const verified = await verifyCompact(token, {
        verifySignature: serverEd25519Verify,
        kind: 'person-invitation',
        resolveKey: signer.resolveKey,
        audience: ctx.origin,
        now: nowSeconds(ctx),
        replay,
        maxLength: 4096,
      });
      const payload = v.safeParse(invitationPayload, verified.payload);
      if (!payload.success) {
        throw new ProtocolError('ERR_MESSAGE_INVALID', 'This is not a person invitation.', {
          issues: payload.issues.map((issue) => v.getDotPath(issue) ?? '').slice(0, 16),
        });
      }
      const invitation = payload.output;
      const caller = signer.caller();
      const managed = managedRole(caller);
      if (invitation.role !== managed.role) {
        throw new ProtocolError(
          'ERR_NOT_AUTHORISED',
          caller.type === 'company'
            ? 'A company invites its own staff only.'
            : 'A regulator invites regulators only.',
        );
      }
      if (managed.companyId !== null) {
        const company = await db
          .selectFrom('companies')
          .select('status')
          .where('id', '=', managed.companyId)
          .executeTakeFirst();
        if (company === undefined) {
          throw new ProtocolError('ERR_COMPANY_UNKNOWN', 'No company is registered with this id.');
        }
        if (company.status === 'suspended') {
          throw new ProtocolError('ERR_COMPANY_NOT_ACTIVE', 'A suspended company cannot invite.', {
            status: company.status,
          });
        }
      }
      if (invitation.recover !== undefined && invitation.recover === personIdOf(caller)) {
        // A lost browser is recovered with someone else's approval, never one's own.
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'Someone else must approve a recovery.');
      }
      return createEnrolment({
        role: managed.role,
        companyId: managed.companyId,
        name: invitation.name ?? null,
        personId: invitation.recover ?? null,
        createdBy: personIdOf(caller) ?? caller.id,
      });
    },

    openInvitations(caller) {
      return openInvitationsOf(managedRole(caller));
    },

    openInvitationsOfCompany(companyId) {
      return openInvitationsOf({ role: 'staff', companyId });
    },

    openRegulatorInvitations() {
      return openInvitationsOf({ role: 'regulator', companyId: null });
    },

    async withdrawInvitation(caller, id) {
      const managed = managedRole(caller);
      const now = ctx.now();
      const result = tokenPattern.test(id)
        ? await db
            .updateTable('enrolments')
            // Expired as of its creation, not as of now: an enrolment that took its time before
            // this (its `now` earlier than ours) must not find the link still valid.
            .set((eb) => ({ expires_at: eb.ref('created_at') }))
            .where('token_hash', '=', id)
            .where((eb) => openLinkOf(eb, managed, now))
            .executeTakeFirst()
        : undefined;
      if (Number(result?.numUpdatedRows ?? 0) !== 1) {
        // The same answer for a used, expired, foreign or unknown link: nothing to withdraw.
        throw new ProtocolError('ERR_ENROLMENT_UNKNOWN', 'No open invitation has this id.');
      }
    },

    async remove(caller, personId) {
      const managed = managedRole(caller);
      if (personId === personIdOf(caller)) {
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'Someone else must remove you.');
      }
      const person = await get(personId);
      if (person.role !== managed.role || person.companyId !== managed.companyId) {
        // Same answer as for an unknown person: staff of other companies stay invisible.
        throw new ProtocolError('ERR_PERSON_UNKNOWN', 'No such person.');
      }
      const now = ctx.now();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('people')
          .set({ removed_at: now })
          .where('id', '=', personId)
          .execute();
        await retireCredentials(trx, personId, now);
        await trx
          .updateTable('enrolments')
          .set((eb) => ({ expires_at: eb.ref('created_at') }))
          .where('person_id', '=', personId)
          .where('used_at', 'is', null)
          .execute();
      });
    },

    async signedBy(caller) {
      if (caller.type === 'pseudonym' || caller.personId === undefined) {
        throw new ProtocolError('ERR_NOT_AUTHORISED', 'Only a person signs as a person.');
      }
      return get(caller.personId);
    },

    get,

    async listAll() {
      const now = ctx.now();
      const people = await db
        .selectFrom('people')
        .leftJoin('companies', 'companies.id', 'people.company_id')
        .select([
          'people.id',
          'people.role',
          'people.name',
          'people.company_id',
          'companies.legal_name as company_name',
          (eb) =>
            eb
              .selectFrom('person_keys')
              .select((k) => k.fn.countAll<number | string>().as('n'))
              .whereRef('person_keys.person_id', '=', 'people.id')
              .as('keys'),
          (eb) =>
            eb
              .selectFrom('person_keys')
              .select((k) => k.fn.countAll<number | string>().as('n'))
              .whereRef('person_keys.person_id', '=', 'people.id')
              .where('person_keys.retired_at', 'is', null)
              .as('current_keys'),
        ])
        .where('people.removed_at', 'is', null)
        .orderBy('people.role')
        .orderBy('people.company_id')
        .orderBy('people.created_at')
        .orderBy('people.id')
        .execute();
      const links = await db
        .selectFrom('enrolments')
        .leftJoin('companies', 'companies.id', 'enrolments.company_id')
        .select([
          'enrolments.token_hash',
          'enrolments.role',
          'enrolments.name',
          'enrolments.company_id',
          'enrolments.person_id',
          'enrolments.expires_at',
          'companies.legal_name as company_name',
        ])
        .where('enrolments.used_at', 'is', null)
        .where('enrolments.expires_at', '>', now)
        .orderBy('enrolments.created_at')
        .orderBy('enrolments.token_hash')
        .execute();
      const recoveries = new Map(
        links.filter((link) => link.person_id !== null).map((link) => [link.person_id!, link]),
      );
      const listed: PersonListing[] = people.map((person) => {
        const recovery = recoveries.get(person.id);
        return {
          personId: person.id,
          role: person.role,
          name: person.name,
          companyId: person.company_id,
          companyName: person.company_name ?? null,
          status:
            recovery !== undefined
              ? 'recovery-pending'
              : Number(person.current_keys ?? 0) > 0
                ? 'enrolled'
                : 'no-key',
          keys: Number(person.keys ?? 0),
          linkId: recovery?.token_hash ?? null,
          linkExpiresAt: recovery === undefined ? null : Number(recovery.expires_at),
        };
      });
      for (const link of links) {
        if (link.person_id !== null) continue;
        listed.push({
          personId: null,
          role: link.role,
          name: link.name,
          companyId: link.company_id,
          companyName: link.company_name ?? null,
          status: 'invited',
          keys: 0,
          linkId: link.token_hash,
          linkExpiresAt: Number(link.expires_at),
        });
      }
      return listed;
    },

    async cancelEnrolment(idOrToken) {
      // The link as printed (…/enroll/<token>), its token, or its id (the token's SHA-256): both
      // are 43 base64url characters, so a token is looked up by its hash first.
      const given = idOrToken
        .trim()
        .replace(/^.*\/enroll\//, '')
        .replace(/[?#].*$/, '');
      const row = tokenPattern.test(given)
        ? ((await db
            .selectFrom('enrolments')
            .selectAll()
            .where('token_hash', '=', tokenHash(given))
            .executeTakeFirst()) ??
          (await db
            .selectFrom('enrolments')
            .selectAll()
            .where('token_hash', '=', given)
            .executeTakeFirst()))
        : undefined;
      if (row === undefined) {
        throw new ProtocolError(
          'ERR_ENROLMENT_UNKNOWN',
          'No enrolment link has this id or token: give the id npm run admin -- list-people shows, or the link itself.',
        );
      }
      if (row.used_at !== null) {
        throw new ProtocolError(
          'ERR_ENROLMENT_USED',
          `This enrolment link was used on ${new Date(Number(row.used_at)).toISOString()} (by ${row.used_by ?? 'a person since removed'}): there is nothing to cancel; to take that person's access away, remove them.`,
        );
      }
      const now = ctx.now();
      const result = await db
        .updateTable('enrolments')
        // Expired as of its creation, as a withdrawn invitation (withdrawInvitation).
        .set((eb) => ({ expires_at: eb.ref('created_at') }))
        .where('token_hash', '=', row.token_hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        const used = await db
          .selectFrom('enrolments')
          .select('used_at')
          .where('token_hash', '=', row.token_hash)
          .executeTakeFirst();
        if (used?.used_at != null) {
          throw new ProtocolError(
            'ERR_ENROLMENT_USED',
            'This enrolment link was used meanwhile: there is nothing to cancel.',
          );
        }
        throw new ProtocolError(
          'ERR_ENROLMENT_EXPIRED',
          `This enrolment link expired, or was cancelled, on ${new Date(Number(row.expires_at)).toISOString()}: nobody can enrol with it any more, so there is nothing to cancel.`,
        );
      }
      return {
        id: row.token_hash,
        name: row.name,
        recover: row.person_id,
        createdBy: row.created_by,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        role: row.role,
        companyId: row.company_id,
      };
    },

    async key(kid) {
      const row = await db
        .selectFrom('person_keys')
        .innerJoin('people', 'people.id', 'person_keys.person_id')
        .select([
          'person_keys.kid',
          'person_keys.x',
          'person_keys.added_at',
          'person_keys.retired_at',
          'people.role',
          'people.company_id',
        ])
        .where('person_keys.kid', '=', kid)
        .executeTakeFirst();
      if (row === undefined) {
        throw new ProtocolError('ERR_RESOURCE_NOT_FOUND', 'No person key has this id.');
      }
      return {
        kid: row.kid,
        jwk: { kty: 'OKP', crv: 'Ed25519', x: row.x },
        role: row.role,
        signer: row.role === 'regulator' ? `rg_${row.kid}` : row.company_id!,
        addedAt: row.added_at,
        retiredAt: row.retired_at,
      };
    },

    staffOf(companyId) {
      return peopleOf({ role: 'staff', companyId });
    },

    regulators() {
      return peopleOf({ role: 'regulator', companyId: null });
    },
  };
}
