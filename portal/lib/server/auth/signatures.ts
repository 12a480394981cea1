/**
 * Machine authentication (issue 4, docs/api.md "How machines authenticate"): which keys may sign
 * for whom, the database-backed `jti` store, and the `request` signature of GET and DELETE.
 *
 * Companies sign with a registered key that is neither retired nor compromised, or through a staff
 * member's enrolled person key; a regulator signs as `rg_` + the thumbprint of their enrolled key;
 * a pseudonym signs with the pairwise key bound to it by its first grant or refusal (SPECS
 * "pseudonym", "People who sign"). Messages
 * that are stored (POST) get their replay check from the durable writer, in the transaction that
 * stores them; request signatures, which store nothing, get it from {@link createReplayStore}.
 */
import type { Kysely } from 'kysely';
import { base64urlDecode, utf8Decode } from '$protocol/encoding';
import { isProtocolError, ProtocolError } from '$protocol/errors';
import { inspectCompact, type InspectedJws, type ReplayStore } from '$protocol/jws';
import { importPublicJwk, type ImportedPublicKey } from '$protocol/keys';
import { openMessage } from '$protocol/signed';
import { compromisedKeyError } from '../compromise';
import { clearinghouseDbOf } from '../db/database';
import { createJtiClaimer, type JtiClaimer } from '../db/jti-claims';
import { lookupByKey } from '../db/batched-lookup';
import { prepared } from '../db/prepared';
import type { Database } from '../db/schema';
import { serverEd25519Verify } from '../ed25519';
import type { RateLimiter } from '../rate-limits';
import { sealedBodyLimit } from './body';

/** Who signed a request. */
export type Caller =
  | {
      readonly type: 'company';
      readonly id: string;
      readonly kid: string;
      /**
       * Set when a staff member signed for the company with their enrolled person key (SPECS
       * "People who sign") rather than with a company key.
       */
      readonly personId?: string;
    }
  | {
      /** A regulator: `id` is `rg_` + the thumbprint of their enrolled, non-retired key. */
      readonly type: 'regulator';
      readonly id: string;
      readonly kid: string;
      readonly personId: string;
    }
  | {
      readonly type: 'pseudonym';
      readonly id: string;
      /** The one company this pseudonym is bound to. */
      readonly companyId: string;
      readonly kid: string;
    };

/** The `request` transport window: `exp` at most 60 s after `iat` (SPECS "JWS"). */
export const requestWindowSeconds = 60;

/** `Authorization: Signature <compact JWS>` (SPECS "JWS"); the parts' classes exclude the dot. */
const compactSignature = /^Signature ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
/** The longest such header read: a `request` JWS is a few hundred characters. */
const maxAuthorizationLength = 'Signature '.length + 8192;

const idPattern = /^(?:co|ps|rg)_[A-Za-z0-9_-]{43}$/;

/**
 * Whether `id` has the form of an id with `prefix` (a thumbprint after it). A claim read before
 * its signature is checked is looked up only when it has: anything else names no row, and some
 * text (U+0000) PostgreSQL would refuse with an error instead of answering "none".
 *
 * @example
 * ```ts
 * isIdOf('co_kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', 'co'); // true
 * isIdOf('co_\u0000', 'co'); // false
 * ```
 */
export function isIdOf(id: unknown, prefix: 'co' | 'ps' | 'rg'): id is string {
  return typeof id === 'string' && id.startsWith(`${prefix}_`) && idPattern.test(id);
}
// Each route's body reader holds its own, smaller limit; the largest, a sealed kind's, bounds this.
const maxPeekLength = sealedBodyLimit;

/**
 * The payload of a compact JWS *before* verification, to learn whom it claims to come from and
 * whom it addresses, so the right key and audience can be chosen. Nothing read here is trusted:
 * `openMessage` verifies the same payload afterwards. A route that looks anything up from these
 * claims before it opens the message peeks with {@link peekMessage} instead.
 *
 * @throws ProtocolError `ERR_JWS_MALFORMED` / `ERR_MESSAGE_TOO_LARGE` / base64url errors.
 * @example
 * ```ts
 * const { iss, aud } = peekClaims(token);
 * ```
 */
export function peekClaims(token: string): PeekedClaims {
  return claimsOf(base64urlDecode(compactParts(token)[1]));
}

/**
 * {@link peekClaims} for a message that arrives as `kind`, after everything that can be judged
 * from the token alone, with the code and in the order `openMessage(kind, token, …)` would give
 * it: this is protocol/jws.ts `inspectCompact`, the same code `verifyCompact` runs before it asks
 * for a key (three non-empty parts, canonical base64url, a header of exactly `alg`, `typ` and
 * `kid`, `alg` EdDSA or Ed25519, `typ` `<kind>+jws`, `kid` a thumbprint; then the payload, a JSON
 * object). A route looks up the company or the pseudonym's key from the claims only after this,
 * so that a token that could never verify is answered with what is wrong with it, not with a
 * lookup's answer about whatever its unverified claims name (`alg: none` to an unknown company is
 * `ERR_JWS_ALG_NOT_ALLOWED`, not `ERR_COMPANY_UNKNOWN`; DESIGN section 3, promise 5).
 *
 * `openMessage` reads the payload again from the bytes it verified, never trusting one decoded
 * before; given the answer's `inspected`, it takes up this parse of the header and parts instead
 * of making it again.
 *
 * @throws ProtocolError `ERR_MESSAGE_TOO_LARGE`, `ERR_JWS_MALFORMED`, `ERR_BASE64URL_NONCANONICAL`,
 *   `ERR_JWS_HEADER_INVALID`, `ERR_JWS_ALG_NOT_ALLOWED`, `ERR_JWS_TYP_MISMATCH`.
 * @example
 * ```ts
 * const { iss, aud } = peekMessage('grant', token);
 * const company = await companyOf(aud); // only for a token that may verify
 * ```
 */
export function peekMessage(kind: string, token: string): PeekedMessage {
  // The route's body limit bounds the token further; the kind's own bound is openMessage's.
  const inspected = inspectCompact(token, { kind, maxLength: maxPeekLength });
  return { ...claimsFrom(inspected.payload), inspected };
}

/** What {@link peekClaims} and {@link peekMessage} read from a payload not yet verified. */
export interface PeekedClaims {
  iss: string | undefined;
  aud: string | undefined;
  payload: Readonly<Record<string, unknown>>;
}

/**
 * What {@link peekMessage} read, and its inspection: passed on to `openMessage` as `inspected`,
 * it spares the verification parsing the token again (the payload is still read anew from the
 * verified bytes).
 */
export interface PeekedMessage extends PeekedClaims {
  inspected: InspectedJws;
}

/** The three parts of a compact JWS of a length worth reading. */
function compactParts(token: string): [string, string, string] {
  if (typeof token !== 'string' || token.length > maxPeekLength) {
    throw new ProtocolError('ERR_MESSAGE_TOO_LARGE', 'The message is too large.');
  }
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => part.length === 0)) {
    throw new ProtocolError('ERR_JWS_MALFORMED', 'A compact JWS has three non-empty parts.');
  }
  return parts as [string, string, string];
}

/** The claims of a decoded payload, which must be a JSON object. */
function claimsOf(bytes: Uint8Array): PeekedClaims {
  let payload: unknown;
  try {
    payload = JSON.parse(utf8Decode(bytes));
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('ERR_JWS_MALFORMED', 'The payload is not JSON.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ProtocolError('ERR_JWS_MALFORMED', 'The payload is not a JSON object.');
  }
  return claimsFrom(payload as Record<string, unknown>);
}

/** `iss` when it has the form of an id, `aud` when it is not absurdly long, and the payload. */
function claimsFrom(payload: Readonly<Record<string, unknown>>): PeekedClaims {
  const { iss, aud } = payload;
  return {
    iss: typeof iss === 'string' && idPattern.test(iss) ? iss : undefined,
    aud: typeof aud === 'string' && aud.length <= 2048 ? aud : undefined,
    payload,
  };
}

// Imported keys by their `x`: importing validates the curve point, which costs about as much as a
// verification; whether the key may still sign is asked of the database every time.
const importedKeys = new Map<string, ImportedPublicKey>();
const maxCachedKeys = 10_000;

/**
 * A public key from its base64url `x`, validated once and cached.
 *
 * @example
 * ```ts
 * const key = keyFromX(row.x); // key.kid is its thumbprint
 * ```
 */
export function keyFromX(x: string): ImportedPublicKey {
  let key = importedKeys.get(x);
  if (key === undefined) {
    key = importPublicJwk({ kty: 'OKP', crv: 'Ed25519', x });
    if (importedKeys.size >= maxCachedKeys) importedKeys.clear();
    importedKeys.set(x, key);
  }
  return key;
}

/**
 * The current key `kid` of `companyId`: registered to that company, not retired, not declared
 * compromised. `undefined` otherwise (the JWS check then answers `ERR_JWS_KID_UNKNOWN`).
 *
 * @throws ProtocolError `ERR_JWS_KID_UNKNOWN` for a key of that company declared compromised,
 *   with the time in its detail (compromise.ts `compromisedKeyError`): a company signing with
 *   the stolen key's file is told so, not that the key is unknown.
 *
 * @example
 * ```ts
 * await openMessage('revocation-ack', token, { resolveKey: (kid) => currentCompanyKey(db, iss, kid), ... });
 * ```
 */
export async function currentCompanyKey(
  db: Kysely<Database>,
  companyId: string,
  kid: string,
): Promise<ImportedPublicKey | undefined> {
  const row = await currentCompanyKeyQuery.first(db, { kid, companyId });
  if (row === undefined) return undefined;
  if (row.compromised_since !== null) throw compromisedKeyError(Number(row.compromised_since));
  return row.retired_at === null ? keyFromX(row.x) : undefined;
}

// The key lookups below run for every signed request: built once (db/prepared.ts).
const currentCompanyKeyQuery = lookupByKey({
  build: (db, key) =>
    db
      .selectFrom('company_keys')
      .select(['kid', 'x', 'company_id', 'retired_at', 'compromised_since'])
      .where('kid', '=', key),
  keyOf: (args: { kid: string; companyId: string }) => args.kid,
  rowKey: (row) => row.kid,
  // Retired and compromised keys too: `currentCompanyKey` tells a compromised one apart.
  accepts: (row, args) => row.company_id === args.companyId,
});

const staffKeyQuery = prepared<{ kid: string; companyId: string }, { x: string; id: string }>(
  (db, arg) =>
    db
      .selectFrom('person_keys')
      .innerJoin('people', 'people.id', 'person_keys.person_id')
      .select(['person_keys.x', 'people.id'])
      .where('person_keys.kid', '=', arg('kid'))
      .where('person_keys.retired_at', 'is', null)
      .where('people.role', '=', 'staff')
      .where('people.company_id', '=', arg('companyId'))
      .where('people.removed_at', 'is', null),
);

const regulatorKeyQuery = prepared<{ kid: string }, { x: string; id: string }>((db, arg) =>
  db
    .selectFrom('person_keys')
    .innerJoin('people', 'people.id', 'person_keys.person_id')
    .select(['person_keys.x', 'people.id'])
    .where('person_keys.kid', '=', arg('kid'))
    .where('person_keys.retired_at', 'is', null)
    .where('people.role', '=', 'regulator')
    .where('people.removed_at', 'is', null),
);

/** A pseudonym's binding; concurrent lookups share one statement on PostgreSQL. */
const pseudonymBindingQuery = lookupByKey({
  build: (db, key) =>
    db
      .selectFrom('pseudonyms')
      .select(['pseudonym', 'company_id', 'x'])
      .where('pseudonym', '=', key),
  keyOf: (args: { pseudonym: string }) => args.pseudonym,
  rowKey: (row) => row.pseudonym,
});

/**
 * A key that may sign for `companyId`: one of its current company keys, or the current person key
 * of a staff member of that company who has not been removed (SPECS "People who sign": the
 * consoles sign with the key enrolled beside the passkey). `personId` tells which it was.
 *
 * @example
 * ```ts
 * const signer = await companySignerKey(db, companyId, kid); // signer?.personId set for staff
 * ```
 */
export async function companySignerKey(
  db: Kysely<Database>,
  companyId: string,
  kid: string,
): Promise<{ key: ImportedPublicKey; personId?: string } | undefined> {
  const companyKey = await currentCompanyKey(db, companyId, kid);
  if (companyKey !== undefined) return { key: companyKey };
  const row = await staffKeyQuery.first(db, { kid, companyId });
  return row === undefined ? undefined : { key: keyFromX(row.x), personId: row.id };
}

/**
 * The enrolled, non-retired key `kid` of a regulator who has not been removed. A regulator signs
 * as `rg_` + this `kid`, so the caller also checks that the message's `iss` names this key.
 *
 * @example
 * ```ts
 * const regulator = await regulatorKey(db, kid);
 * ```
 */
export async function regulatorKey(
  db: Kysely<Database>,
  kid: string,
): Promise<{ key: ImportedPublicKey; personId: string } | undefined> {
  const row = await regulatorKeyQuery.first(db, { kid });
  return row === undefined ? undefined : { key: keyFromX(row.x), personId: row.id };
}

/** The binding of a pseudonym: its key and its company, or `undefined` when not yet bound. */
export async function pseudonymBinding(
  db: Kysely<Database>,
  pseudonym: string,
  use: 'answer' | 'check' = 'answer',
): Promise<{ companyId: string; key: ImportedPublicKey } | undefined> {
  if (!isIdOf(pseudonym, 'ps')) return undefined;
  const row =
    use === 'check'
      ? await pseudonymBindingQuery.firstForWrite(db, { pseudonym })
      : await pseudonymBindingQuery.first(db, { pseudonym });
  return row === undefined ? undefined : { companyId: row.company_id, key: keyFromX(row.x) };
}

/** One claimer per open database, shared by every replay store on it (one group commit). */
const claimers = new WeakMap<Kysely<Database>, JtiClaimer>();

/**
 * The `jti` store of SPECS "message id" in the shared `seen_jtis` table (several portal processes
 * see the same rows). The insert either claims the (signer, jti) or conflicts, so concurrent
 * checks are atomic. Rows are kept until `rememberUntil` (the message's `exp` plus the skew);
 * the server's hourly `purgeSeenJtis` (db/seen-jtis.ts) removes them afterwards.
 *
 * On a database opened by `openDatabase`, the claims of concurrent requests are committed together
 * (db/jti-claims.ts): each check still resolves only once its own claim is on disk, but many
 * requests share one commit and its flush, which on SQLite runs off the event loop.
 *
 * @example
 * ```ts
 * await openMessage('request', token, { ...options, replay: createReplayStore(db) });
 * ```
 */
export function createReplayStore(db: Kysely<Database>): ReplayStore {
  const cdb = clearinghouseDbOf(db);
  if (cdb !== undefined) {
    let claimer = claimers.get(db);
    if (claimer === undefined) {
      claimer = createJtiClaimer(cdb);
      claimers.set(db, claimer);
    }
    const shared = claimer;
    return {
      checkAndRemember: (signerKid, jti, rememberUntil) =>
        shared.claim(signerKid, jti, rememberUntil),
    };
  }
  return {
    async checkAndRemember(signerKid, jti, rememberUntil) {
      const claimed = await db
        .insertInto('seen_jtis')
        .values({ signer: signerKid, jti, expires_at: rememberUntil })
        .onConflict((conflict) => conflict.columns(['signer', 'jti']).doNothing())
        .returning('jti')
        .executeTakeFirst();
      return claimed !== undefined;
    },
  };
}

export interface RequestVerifierOptions {
  db: Kysely<Database>;
  /** The clearinghouse origin: the `aud` of every request signature. */
  origin: string;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Charges the signing key of each verified request signature (rate-limits.ts). */
  limiter?: Pick<RateLimiter, 'chargeKey'>;
}

/** Verifies `request` signatures. */
export interface RequestVerifier {
  /**
   * Verifies `Authorization: Signature <JWS>` for this method and path-with-query.
   *
   * @throws ProtocolError `ERR_AUTH_MISSING`, `ERR_REQUEST_MISMATCH`, `ERR_PSEUDONYM_UNKNOWN`, and
   *   every code of `openMessage` (`ERR_JWS_KID_UNKNOWN`, `ERR_JWS_REPLAYED`, ...).
   */
  verify(authorization: string | null, method: string, pathWithQuery: string): Promise<Caller>;
  /** Verifies a bare `request` token (the batch endpoint) and returns its signer and payload. */
  verifyToken(token: string): Promise<{ caller: Caller; method: string; path: string }>;
}

/**
 * Creates the verifier of `request` signatures.
 *
 * @example
 * ```ts
 * const verifier = createRequestVerifier({ db, origin, now: Date.now });
 * const caller = await verifier.verify(request.headers.get('authorization'), 'GET', url.pathname + url.search);
 * ```
 */
export function createRequestVerifier(options: RequestVerifierOptions): RequestVerifier {
  const { db, origin, now } = options;
  const replay = createReplayStore(db);
  // The key is charged once its signature verified (a request that merely names a kid spends
  // nobody's budget) and before its jti is claimed: a request refused with 429 stores nothing.
  const chargedReplay: ReplayStore = {
    async checkAndRemember(kid, jti, rememberUntil) {
      await options.limiter?.chargeKey(kid);
      return replay.checkAndRemember(kid, jti, rememberUntil);
    },
  };

  async function verifyToken(
    token: string,
  ): Promise<{ caller: Caller; method: string; path: string }> {
    const { iss, inspected } = peekMessage('request', token);
    let caller: Caller | undefined;
    let resolveKey: (kid: string) => Promise<ImportedPublicKey | undefined>;
    let personId: string | undefined;
    let named = true;
    if (iss?.startsWith('co_')) {
      // A company key, or a staff member's person key acting for the company.
      resolveKey = async (kid) => {
        const signer = await companySignerKey(db, iss, kid);
        personId = signer?.personId;
        return signer?.key;
      };
    } else if (iss?.startsWith('ps_')) {
      const binding = await pseudonymBinding(db, iss);
      if (binding === undefined) {
        throw new ProtocolError('ERR_PSEUDONYM_UNKNOWN', 'This pseudonym is not bound to a key.');
      }
      resolveKey = async (kid) => (kid === binding.key.kid ? binding.key : undefined);
      caller = { type: 'pseudonym', id: iss, companyId: binding.companyId, kid: binding.key.kid };
    } else if (iss?.startsWith('rg_')) {
      // A regulator's id is the thumbprint of their key: only that key, enrolled and current.
      resolveKey = async (kid) => {
        if (iss !== `rg_${kid}`) return undefined;
        const signer = await regulatorKey(db, kid);
        if (signer !== undefined) {
          caller = { type: 'regulator', id: iss, kid, personId: signer.personId };
        }
        return signer?.key;
      };
    } else {
      resolveKey = async () => undefined;
      named = false;
    }
    const opened = await openMessage('request', token, {
      inspected,
      verifySignature: serverEd25519Verify,
      resolveKey,
      audience: origin,
      now: Math.floor(now() / 1000),
      replay: chargedReplay,
      maxWindowSeconds: requestWindowSeconds,
    }).catch((error: unknown) => {
      // No key can be looked up for a signer the claims do not name: say so, rather than that the
      // key is unknown (an integrator who left `iss` out was told their registered key was). A
      // token that is no JWS at all keeps its own refusal, which comes before the key's.
      if (!named && isProtocolError(error, 'ERR_JWS_KID_UNKNOWN')) {
        throw new ProtocolError(
          'ERR_MESSAGE_INVALID',
          'iss must name the signer: a company id (co_…), a pseudonym (ps_…) or a regulator (rg_…).',
          { issues: ['iss'] },
        );
      }
      throw error;
    });
    const { payload } = opened;
    caller ??= {
      type: 'company',
      id: payload.iss,
      kid: opened.kid,
      ...(personId === undefined ? {} : { personId }),
    };
    return { caller, method: payload.method, path: payload.path };
  }

  /**
   * Whether the signed `path` names the path with query the server sees. The server sees the
   * request's target as Node's URL parser writes it (adapter-node: the origin and the target
   * joined, then parsed), which escapes some characters a client may send as they are (`'` in a
   * query becomes `%27`), so a signature of the target exactly as sent is compared in that form
   * too. Joined, not resolved against the origin: `//host/x` stays a path, as the server sees it.
   */
  function samePath(signedPath: string, pathWithQuery: string): boolean {
    if (signedPath === pathWithQuery) return true;
    if (!signedPath.startsWith('/') || signedPath.includes('#')) return false;
    try {
      const url = new URL(`http://clearinghouse.invalid${signedPath}`);
      return url.pathname + url.search === pathWithQuery;
    } catch {
      return false;
    }
  }

  return {
    verifyToken,
    async verify(authorization, method, pathWithQuery) {
      const value = authorization?.trim() ?? '';
      if (value === '') {
        throw new ProtocolError(
          'ERR_AUTH_MISSING',
          'This request needs an "Authorization: Signature <JWS>" header.',
        );
      }
      // A header that is not `Signature` and a compact JWS carries no credential at all: 401
      // ERR_AUTH_MISSING (docs/api.md "How machines authenticate"), as a missing one. A compact
      // JWS in it that does not verify is answered with what is wrong with it (ERR_JWS_…).
      const match = value.length <= maxAuthorizationLength ? compactSignature.exec(value) : null;
      if (match === null) {
        throw new ProtocolError(
          'ERR_AUTH_MISSING',
          'The Authorization header is not "Signature" followed by a compact JWS (three base64url parts joined by dots).',
        );
      }
      const signed = await verifyToken(match[1]!);
      if (signed.method !== method || !samePath(signed.path, pathWithQuery)) {
        throw new ProtocolError(
          'ERR_REQUEST_MISMATCH',
          'The signature was made for another method or path.',
        );
      }
      return signed.caller;
    },
  };
}
