/**
 * What a company says it holds about the customer (issue 7 "Relationships", DESIGN section 5
 * `disclosure`) and how it answered the customer's data requests (`data-request-answer`).
 *
 * The clearinghouse hands the pseudonym the signed messages (portal/lib/server/obligations.ts:
 * oldest first, the newest disclosure `current`); the Assistant opens each once itself: the
 * company's signature with a registry key valid at the message's `iat`, addressed to this
 * pseudonym, the holdings parsed, and the sealed export of the data opened with the pairwise key.
 * A message that does not verify is kept as `invalid` with its code (shown, never trusted); one
 * that could not be checked for a passing reason (see {@link isTemporaryOpeningFailure}) is left
 * unopened and checked again on the next refresh, never marked invalid for good. One opened
 * before is checked again against each registry entry read later ({@link recheckDisclosure}):
 * a company key declared compromised reaches back to its `since`.
 *
 * Pure apart from its arguments: no browser API, no I/O (STYLE habit 2).
 */
import * as v from 'valibot';
import type { CompanyEntry, PersonKeyEntry } from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { sha256Of } from '../../protocol/jws';
import {
  isProtocolError,
  ProtocolError,
  protocolErrorCodes,
  type ProtocolErrorCode,
} from '../../protocol/errors';
import { messageSchemaRevision, type MessageKind } from '../../protocol/messages';
import {
  dataCategory,
  epochSeconds,
  localized,
  sha256 as sha256Schema,
} from '../../protocol/messages/primitives';
import { holding } from '../../protocol/messages/relay';
import { openSealed } from '../../protocol/seal';
import { openMessage } from '../../protocol/signed';
import { dataCategoryIds } from '../../protocol/vocabulary';
import { companyKeyValidAt } from './company-keys';
import type { CompanyIdentity } from './identity';
import { storedHeader, storedPayload } from './stored-jws';

/** Bounds of what the wallet keeps of an opened disclosure. */
export const disclosureLimits = {
  /** The export's text is kept (and shown) up to this many characters; a longer one is unreadable. */
  exportChars: 64 * 1024,
  /** A changed disclosure is announced while it is this new to the Assistant. */
  changeNoticeDays: 7,
} as const;

const timeMs = v.pipe(v.number(), v.integer(), v.minValue(0));
const errorCode = v.picklist(protocolErrorCodes);

/** The schema revision an invalid copy was refused under (`ERR_MESSAGE_INVALID` only). */
export const refusedRevision = v.optional(v.pipe(v.number(), v.integer()));

/** One disclosure as the wallet opened it. */
export const openedDisclosure = v.variant('state', [
  v.object({
    state: v.literal('opened'),
    sha256: sha256Schema,
    iat: epochSeconds,
    /** When this Assistant first opened it (its own clock, not the company's). */
    openedAt: timeMs,
    grantSha256: v.nullable(sha256Schema),
    dataRequestSha256: v.nullable(sha256Schema),
    holdings: v.pipe(v.array(holding), v.maxLength(dataCategoryIds.length)),
    /** The sealed export's text, or null (none sent, or it did not open: see `exportUnreadable`). */
    export: v.nullable(v.pipe(v.string(), v.maxLength(disclosureLimits.exportChars))),
    exportUnreadable: v.boolean(),
  }),
  v.object({
    state: v.literal('invalid'),
    sha256: sha256Schema,
    openedAt: timeMs,
    code: errorCode,
    /** For `ERR_MESSAGE_INVALID`: the schema revision it was refused under ({@link toOpenAgain}). */
    revision: refusedRevision,
  }),
]);
export type OpenedDisclosure = v.InferOutput<typeof openedDisclosure>;

/** One answer to a data request as the wallet opened it. */
export const openedAnswer = v.variant('state', [
  v.object({
    state: v.literal('opened'),
    sha256: sha256Schema,
    requestSha256: sha256Schema,
    outcome: v.picklist(['disclosure', 'erased', 'refused']),
    /** `disclosure`: the disclosure that answers an access request. */
    disclosureSha256: v.nullable(sha256Schema),
    /** `erased`: what was erased, and when. */
    dataCategories: v.pipe(v.array(dataCategory), v.maxLength(dataCategoryIds.length)),
    erasedAt: v.nullable(epochSeconds),
    /**
     * `erased` in part: the categories the company kept, and why (absent: nothing kept, and in
     * copies opened before this field existed).
     */
    retained: v.optional(
      v.object({
        dataCategories: v.pipe(v.array(dataCategory), v.maxLength(dataCategoryIds.length)),
        reason: localized(2000),
      }),
    ),
    /** `refused`: the company's reason. */
    reason: v.nullable(localized(2000)),
  }),
  v.object({
    state: v.literal('invalid'),
    sha256: sha256Schema,
    requestSha256: sha256Schema,
    code: errorCode,
    /** For `ERR_MESSAGE_INVALID`: the schema revision it was refused under ({@link toOpenAgain}). */
    revision: refusedRevision,
  }),
]);
export type OpenedAnswer = v.InferOutput<typeof openedAnswer>;

/** A company's registry entry and the customer's identity towards it. */
export interface OpeningContext {
  readonly company: CompanyEntry;
  readonly identity: CompanyIdentity;
  readonly nowMs: number;
  /**
   * Looks up a staff member's key (`GET /api/v1/people/keys/{kid}`) when the message is not
   * signed by a company key: the company console signs answers and disclosures with the staff
   * member's enrolled key (SPECS "People who sign"). Without it only company keys count.
   */
  readonly personKey?: (kid: string) => Promise<PersonKeyEntry | undefined>;
}

/**
 * Codes that say nothing about the message itself:
 * - `ERR_JWS_NOT_YET_VALID`: its `iat` is ahead of this device's clock. The clearinghouse refuses
 *   a message whose `iat` is ahead of its own clock (60 s of skew, SPECS "JWS") and received
 *   every message it hands over, so the device's clock is behind; once it has caught up (or been
 *   set right) the message verifies as of its `iat`.
 * - `ERR_CLEARINGHOUSE_UNREACHABLE`: a key lookup that did not answer, however a port reports it.
 * - `ERR_CRYPTO_NOT_READY`: libsodium was not loaded yet.
 */
export const temporaryOpeningCodes = [
  'ERR_JWS_NOT_YET_VALID',
  'ERR_CLEARINGHOUSE_UNREACHABLE',
  'ERR_CRYPTO_NOT_READY',
] as const satisfies readonly ProtocolErrorCode[];

/**
 * True when a message failed to open for a passing reason (`temporaryOpeningCodes`): it is to be
 * checked again later, not kept as invalid. Also true of an `invalid` record kept by an earlier
 * version for such a reason, so it is checked again.
 *
 * @example
 * ```ts
 * isTemporaryOpeningFailure('ERR_JWS_NOT_YET_VALID'); // true
 * isTemporaryOpeningFailure('ERR_JWS_SIGNATURE_INVALID'); // false
 * ```
 */
export function isTemporaryOpeningFailure(code: string): boolean {
  return (temporaryOpeningCodes as readonly string[]).includes(code);
}

/**
 * True when a copy the wallet kept is to be opened again at the next refresh: one that failed for
 * a passing reason ({@link isTemporaryOpeningFailure}), or one refused for its shape
 * (`ERR_MESSAGE_INVALID`) under a schema revision older than this version's
 * (`messageSchemaRevision`): a company's message newer than the Assistant that first met it.
 *
 * @example
 * ```ts
 * toOpenAgain({ state: 'invalid', code: 'ERR_MESSAGE_INVALID' }); // true: refused before revisions
 * toOpenAgain({ state: 'invalid', code: 'ERR_JWS_SIGNATURE_INVALID' }); // false
 * ```
 */
export function toOpenAgain(copy: { state: string; code?: string; revision?: number }): boolean {
  if (copy.state !== 'invalid') return false;
  if (isTemporaryOpeningFailure(copy.code ?? '')) return true;
  return copy.code === 'ERR_MESSAGE_INVALID' && (copy.revision ?? 1) < messageSchemaRevision;
}

/** What an invalid copy with `code` records of the schema it was judged by ({@link toOpenAgain}). */
export function refusedUnder(code: string): { revision?: number } {
  return code === 'ERR_MESSAGE_INVALID' ? { revision: messageSchemaRevision } : {};
}

/**
 * `context` with its key lookup watched: a lookup that throws (out of reach) is recorded in
 * `failed`, so its error is never mistaken for the message's own.
 */
function watched(context: OpeningContext): { context: OpeningContext; failed: () => boolean } {
  let failed = false;
  const lookup = context.personKey;
  if (lookup === undefined) return { context, failed: () => failed };
  return {
    context: {
      ...context,
      personKey: async (kid) => {
        try {
          return await lookup(kid);
        } catch (error) {
          failed = true;
          throw error;
        }
      },
    },
    failed: () => failed,
  };
}

/** The message itself is at fault: kept as invalid. Anything else is rethrown, to retry later. */
function invalidCode(e: unknown, lookupFailed: boolean): ProtocolErrorCode {
  if (lookupFailed || !isProtocolError(e) || isTemporaryOpeningFailure(e.code)) throw e;
  return e.code;
}

/**
 * The code of a message not signed by a key of the company valid at its `iat`: also what a
 * message opened before becomes once its key is declared compromised back to then.
 */
const keyNotValidThen = 'ERR_JWS_KID_UNKNOWN' satisfies ProtocolErrorCode;

/** How far a staff key's enrolment time may lie after a message's `iat` (the clocks differ). */
const enrolmentSkewMs = 5 * 60_000;

/**
 * Verifies a message of the company addressed to this pseudonym, as of its `iat` (it stays
 * verifiable after its transport window): signed by a registry key that was neither retired nor
 * compromised at that time.
 *
 * @throws ProtocolError the verification's codes, `ERR_JWS_KID_UNKNOWN` for a key not valid then.
 * @example
 * ```ts
 * const { payload } = await openCompanyMessage('disclosure', jws, context);
 * ```
 */
export async function openCompanyMessage<K extends MessageKind>(
  kind: K,
  jws: string,
  context: OpeningContext,
) {
  const { company, identity } = context;
  let staffKey: PersonKeyEntry | undefined;
  const opened = await openMessage(kind, jws, {
    audience: identity.pseudonym,
    now: Math.floor(context.nowMs / 1000),
    asOf: 'iat',
    resolveKey: async (kid) => {
      const companyKey = company.keys?.find((k) => k.kid === kid);
      if (companyKey !== undefined || context.personKey === undefined) return companyKey?.jwk;
      staffKey = await context.personKey(kid);
      return staffKey?.role === 'staff' && staffKey.signer === company.id
        ? staffKey.jwk
        : undefined;
    },
  });
  const key = company.keys?.find((k) => k.kid === opened.kid);
  const iat = (opened.payload as { iat: number }).iat;
  const iatMs = iat * 1000;
  // A company key's retirement and compromise are in seconds, a person key's times in ms.
  const companyKeyValid = key !== undefined && companyKeyValidAt(key, iat);
  const staffKeyValid =
    key === undefined &&
    staffKey !== undefined &&
    staffKey.kid === opened.kid &&
    staffKey.role === 'staff' &&
    staffKey.signer === company.id &&
    staffKey.addedAt - enrolmentSkewMs <= iatMs &&
    (staffKey.retiredAt === null || staffKey.retiredAt > iatMs);
  if (
    (opened.payload as { iss?: unknown }).iss !== company.id ||
    !(companyKeyValid || staffKeyValid)
  )
    throw new ProtocolError(keyNotValidThen, 'not signed by a key of the company valid then');
  return opened;
}

/** The export's text, or null when it does not open, is not UTF-8, or is too long to keep. */
function openExport(sealed: string, identity: CompanyIdentity): string | null {
  try {
    const text = utf8Decode(openSealed(base64urlDecode(sealed), identity.keyPair));
    return text.length <= disclosureLimits.exportChars ? text : null;
  } catch {
    return null;
  }
}

/**
 * Opens one disclosure; one that does not verify comes back `invalid` with its code.
 *
 * @throws the lookup's own error when a key lookup failed, and ProtocolError with a code of
 *   {@link temporaryOpeningCodes}: the disclosure is to be opened again later.
 * @example
 * ```ts
 * const opened = await openDisclosure(item.sha256, item.jws, { company, identity, nowMs });
 * ```
 */
export async function openDisclosure(
  sha256: string,
  jws: string,
  context: OpeningContext,
): Promise<OpenedDisclosure> {
  const lookup = watched(context);
  try {
    const { payload, sha256: own } = await openCompanyMessage('disclosure', jws, lookup.context);
    if (own !== sha256) throw new ProtocolError('ERR_DISCLOSURE_UNKNOWN', 'another disclosure');
    const exported =
      payload.export === undefined ? null : openExport(payload.export, context.identity);
    return {
      state: 'opened',
      sha256,
      iat: payload.iat,
      openedAt: context.nowMs,
      grantSha256: payload.grantSha256 ?? null,
      dataRequestSha256: payload.dataRequestSha256 ?? null,
      holdings: payload.holdings,
      export: exported,
      exportUnreadable: payload.export !== undefined && exported === null,
    };
  } catch (e) {
    const code = invalidCode(e, lookup.failed());
    return { state: 'invalid', sha256, openedAt: context.nowMs, code, ...refusedUnder(code) };
  }
}

/**
 * Opens one answer to the data request `requestSha256`; one that does not verify, or answers
 * another request, comes back `invalid`.
 *
 * @throws as {@link openDisclosure}: the answer is to be opened again later.
 * @example
 * ```ts
 * const answer = await openAnswer(request.sha256, request.answer, context);
 * ```
 */
export async function openAnswer(
  requestSha256: string,
  answer: { sha256: string; jws: string },
  context: OpeningContext,
): Promise<OpenedAnswer> {
  const lookup = watched(context);
  try {
    const { payload, sha256 } = await openCompanyMessage(
      'data-request-answer',
      answer.jws,
      lookup.context,
    );
    if (sha256 !== answer.sha256 || payload.requestSha256 !== requestSha256)
      throw new ProtocolError('ERR_DATA_REQUEST_UNKNOWN', 'an answer to another request');
    return {
      state: 'opened',
      sha256,
      requestSha256,
      outcome: payload.outcome,
      disclosureSha256: payload.outcome === 'disclosure' ? payload.disclosureSha256 : null,
      dataCategories: payload.outcome === 'erased' ? payload.dataCategories : [],
      erasedAt: payload.outcome === 'erased' ? payload.erasedAt : null,
      ...(payload.outcome === 'erased' && payload.retained !== undefined
        ? { retained: payload.retained }
        : {}),
      reason: payload.outcome === 'refused' ? payload.reason : null,
    };
  } catch (e) {
    const code = invalidCode(e, lookup.failed());
    return {
      state: 'invalid',
      sha256: answer.sha256,
      requestSha256,
      code,
      ...refusedUnder(code),
    };
  }
}

/**
 * Whether the message `listed` (as the clearinghouse lists it now) still verifies with the
 * registry entry `company` as it is now, as of its `iat`: false once the company key that signed
 * it is compromised (or retired) at or before that moment (docs/api.md "Company keys": only
 * `compromised` reaches back, to its `since`). Its key and `iat` are read from its own bytes,
 * which must hash to the `sha256` it was opened under: then they are what was verified when it
 * was opened. A listing that does not match, or a key the registry does not list as the
 * company's (a staff member's person key, whose retirement never reaches back), leaves the
 * earlier verdict standing: the clearinghouse also keeps the registry, so it could hide a
 * compromise more simply than by listing other bytes.
 */
function stillVerifies(listed: { sha256: string; jws: string }, company: CompanyEntry): boolean {
  // Only a compromise reaches back: without one nothing needs hashing again.
  if (!(company.keys ?? []).some((k) => k.compromisedSince != null)) return true;
  // The key and `iat` first (reading them never throws): only a token whose key was not valid
  // then is hashed, to be sure they are the bytes that were opened.
  const { kid } = storedHeader(listed.jws);
  const { iat } = storedPayload(listed.jws);
  const key = company.keys?.find((k) => k.kid === kid);
  if (key === undefined || typeof iat !== 'number' || companyKeyValidAt(key, iat)) return true;
  try {
    return sha256Of(listed.jws) !== listed.sha256;
  } catch (e) {
    // Not a compact JWS at all; anything else (libsodium not loaded) is the caller's to see.
    if (isProtocolError(e, 'ERR_JWS_MALFORMED')) return true;
    throw e;
  }
}

/**
 * A disclosure opened before, checked again against the registry entry read now: `invalid`
 * (`ERR_JWS_KID_UNKNOWN`, as opening it now would say) once the company key that signed it is
 * compromised at its `iat`; otherwise `opened` as it was. Needs `await ready()`.
 *
 * @example
 * ```ts
 * const now = recheckDisclosure(kept, { sha256: d.sha256, jws: d.jws }, company);
 * ```
 */
export function recheckDisclosure(
  opened: OpenedDisclosure,
  listed: { sha256: string; jws: string },
  company: CompanyEntry,
): OpenedDisclosure {
  return recheck(opened, listed, company, (o) => ({
    state: 'invalid',
    sha256: o.sha256,
    openedAt: o.openedAt,
    code: keyNotValidThen,
  }));
}

/**
 * An answer opened before, checked again as {@link recheckDisclosure} checks a disclosure.
 *
 * @example
 * ```ts
 * const now = recheckAnswer(kept, request.answer, company);
 * ```
 */
export function recheckAnswer(
  opened: OpenedAnswer,
  listed: { sha256: string; jws: string },
  company: CompanyEntry,
): OpenedAnswer {
  return recheck(opened, listed, company, (o) => ({
    state: 'invalid',
    sha256: o.sha256,
    requestSha256: o.requestSha256,
    code: keyNotValidThen,
  }));
}

/** `opened` as it was, or `invalid(opened)` once {@link stillVerifies} says it no longer does. */
function recheck<T extends { state: string; sha256: string }>(
  opened: T,
  listed: { sha256: string; jws: string },
  company: CompanyEntry,
  invalid: (opened: Extract<T, { state: 'opened' }>) => T,
): T {
  if (opened.state !== 'opened' || listed.sha256 !== opened.sha256) return opened;
  return stillVerifies(listed, company)
    ? opened
    : invalid(opened as Extract<T, { state: 'opened' }>);
}

/**
 * Disclosure `sha256` of a relationship as the evidence of the customer's complaint about it
 * (./complaint-outbox): the company's signed message, exactly the bytes the wallet keeps for it,
 * only when the Assistant opened and verified it ({@link openDisclosure}, and checked again since:
 * {@link recheckDisclosure}). The clearinghouse verifies it again as of its `iat`; one that did
 * not verify here would be refused there, and is refused before anything is signed. Needs
 * `await ready()`.
 *
 * @throws ProtocolError `ERR_DISCLOSURE_UNKNOWN` (the relationship keeps no such disclosure),
 *   `ERR_EVIDENCE_INVALID` (it did not verify, is not verified yet, or the kept bytes are not
 *   the ones that were).
 * @example
 * ```ts
 * const evidence = disclosureEvidence(relationship, current.sha256); // { kind: 'disclosure', jws }
 * ```
 */
export function disclosureEvidence(
  relationship: {
    readonly disclosures: readonly { readonly sha256: string; readonly jws: string }[];
    readonly openedDisclosures: readonly OpenedDisclosure[];
  },
  sha256: string,
): { kind: 'disclosure'; jws: string } {
  const listed = relationship.disclosures.find((d) => d.sha256 === sha256);
  if (listed === undefined)
    throw new ProtocolError('ERR_DISCLOSURE_UNKNOWN', 'no such disclosure of the company kept');
  const opened = relationship.openedDisclosures.find((o) => o.sha256 === sha256);
  if (opened?.state !== 'opened')
    throw new ProtocolError('ERR_EVIDENCE_INVALID', 'the disclosure is not verified');
  // The listing's bytes may have changed since they were opened (a later refresh, a restore).
  if (sha256Of(listed.jws) !== sha256)
    throw new ProtocolError('ERR_EVIDENCE_INVALID', 'the kept disclosure is not the one verified');
  return { kind: 'disclosure', jws: listed.jws };
}

/**
 * The answer to `request` the Assistant opened and verified itself, or undefined: none came, it
 * is not opened yet, or it did not verify. Only such an answer counts as the company's answer
 * (an overdue request stays overdue otherwise).
 *
 * @example
 * ```ts
 * const answered = verifiedAnswer(request, relationship.openedAnswers) !== undefined;
 * ```
 */
export function verifiedAnswer(
  request: { sha256: string; answer: { sha256: string } | null },
  opened: readonly OpenedAnswer[],
): Extract<OpenedAnswer, { state: 'opened' }> | undefined {
  const answer = request.answer;
  if (answer === null) return undefined;
  const found = opened.find((a) => a.sha256 === answer.sha256);
  return found?.state === 'opened' && found.requestSha256 === request.sha256 ? found : undefined;
}

/** How the newest disclosure differs from the one before, by data category. */
export interface DisclosureChange {
  readonly older: string;
  readonly newer: string;
  /** When the Assistant first saw the newer one (ms). */
  readonly since: number;
  readonly added: string[];
  readonly removed: string[];
  /** Held before and now, but with another source, purpose, retention or recipient. */
  readonly changed: string[];
}

/** JSON with sorted keys and sorted arrays (each is a set), so equal holdings compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).sort().join()}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join()}}`;
  return JSON.stringify(value);
}

/**
 * The change from the previous valid disclosure to the newest one, in the order the
 * clearinghouse lists them (oldest first, the newest superseding the older ones); null when
 * there are fewer than two or the newest says the same as the one before (`collectedSince`
 * aside, which a company may restate).
 *
 * @example
 * ```ts
 * const change = disclosureChange(relationship.disclosures, relationship.openedDisclosures);
 * ```
 */
export function disclosureChange(
  order: readonly { sha256: string }[],
  opened: readonly OpenedDisclosure[],
): DisclosureChange | null {
  const valid = order
    .map((d) => opened.find((o) => o.sha256 === d.sha256))
    .filter((o): o is Extract<OpenedDisclosure, { state: 'opened' }> => o?.state === 'opened');
  const newer = valid[valid.length - 1];
  const older = valid[valid.length - 2];
  if (newer === undefined || older === undefined) return null;
  const byCategory = (d: typeof newer) =>
    new Map(
      d.holdings.map((h) => {
        const { collectedSince: _since, ...rest } = h;
        return [h.dataCategory as string, canonical(rest)];
      }),
    );
  const before = byCategory(older);
  const after = byCategory(newer);
  const added = [...after.keys()].filter((c) => !before.has(c)).sort();
  const removed = [...before.keys()].filter((c) => !after.has(c)).sort();
  const changed = [...after.keys()]
    .filter((c) => before.has(c) && before.get(c) !== after.get(c))
    .sort();
  if (added.length + removed.length + changed.length === 0) return null;
  return {
    older: older.sha256,
    newer: newer.sha256,
    since: newer.openedAt,
    added,
    removed,
    changed,
  };
}
