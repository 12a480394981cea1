/**
 * The customer's own signed messages as the clearinghouse lists them: the grants, refusals and
 * revocations of a relationship (DESIGN promise 2). They decide what the Assistant does: which
 * offers a grant covers (extension/core/offers `filterGrants`), where Global Privacy Control is
 * off (extension/core/gpc `exemptSites`), who receives a correction (extension/core/wallet
 * `correct`, extension/core/customer-view `holdsCategory`), how long a refusal's cool-down runs.
 * So none is taken on the clearinghouse's word: each must be signed by the pseudonym's pairwise
 * key (which the wallet derives from the master seed), hash to the sha256 it is listed under, and
 * be from this pseudonym to this company. One that is not is left out of the record and reported
 * in `rejectedMessages`, as an invalid disclosure is shown but never trusted
 * (extension/core/disclosures).
 *
 * The statuses the clearinghouse gives are claims too: a grant a checked revocation takes back
 * is `revoked` (or its purposes revoked) whatever the listing says, and the wallet's own
 * revocations the clearinghouse took (its receipts, verified or pending) count even when the
 * listing leaves them out. A revocation of "all" takes back the grants the clearinghouse held
 * when it stored it: judged by log order where the wallet holds both receipts, else only when
 * the times prove the grant came first ({@link storedBefore}). A refusal's "ask me again after"
 * is its signed one.
 *
 * Cost: a signature check (libsodium) and a schema parse per message, once. A record whose
 * messages were checked says so (`ownMessagesChecked`), and a message it holds with the very
 * token the listing carries is not checked again: a refresh of hundreds of unchanged
 * relationships compares strings only. Rejected ones are checked again on every refresh (one
 * refused for its shape may be a newer version's message this one cannot read yet).
 *
 * Pure apart from libsodium: no browser API, no I/O (STYLE habit 2).
 */
import * as v from 'valibot';
import { isProtocolError, protocolErrorCodes, type ProtocolErrorCode } from '../../protocol/errors';
import { CLOCK_SKEW_SECONDS, DEFAULT_MAX_WINDOW_SECONDS, sha256Of } from '../../protocol/jws';
import { publicJwk, thumbprint } from '../../protocol/keys';
import { sha256 as sha256Schema } from '../../protocol/messages/primitives';
import { openMessage } from '../../protocol/signed';
import type { CompanyIdentity } from './identity';
import type { StoredRelationship } from './recovery';
import { storedPayload } from './stored-jws';

/** The kinds of message checked here: the customer's own, listed with a relationship. */
const ownKinds = ['grant', 'refusal', 'revocation'] as const;
export type OwnKind = (typeof ownKinds)[number];

/**
 * The revision of these checks: a record checked under another (or none: written before they
 * existed, or by recovery in an earlier version) has every message checked again.
 */
const ownMessagesRevision = 1;

/** A listed message that failed its check: left out of the record, with the reason. */
export const rejectedMessage = v.object({
  kind: v.picklist(ownKinds),
  sha256: sha256Schema,
  code: v.picklist(protocolErrorCodes),
});
export type RejectedMessage = v.InferOutput<typeof rejectedMessage>;

/** How long each of a relationship's lists may be (extension/core/recovery `itemsPerList`). */
const itemsPerList = 1000;
const maxRejected = 3 * itemsPerList;

/**
 * The fields a relationship record of the vault adds for these checks; never read from the
 * clearinghouse (its schema does not have them, so its answer cannot claim them).
 */
export const ownMessagesFields = {
  /** The {@link ownMessagesRevision} its grants, refusals and revocations were checked under. */
  ownMessagesChecked: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** What the clearinghouse listed that the customer's key did not sign (absent: nothing). */
  rejectedMessages: v.optional(v.pipe(v.array(rejectedMessage), v.maxLength(maxRejected))),
};

type Listed = Pick<StoredRelationship, 'grants' | 'refusals' | 'revocations'>;
/** The three lists as a listing or a record gives them (read only here). */
type ListedIn = { readonly [K in keyof Listed]: readonly Listed[K][number][] };

/** What a relationship keeps of its listing once checked. */
export type CheckedOwnMessages = Listed & {
  readonly ownMessagesChecked: number;
  readonly rejectedMessages?: RejectedMessage[];
};

/** What the check knows besides the listing. */
export interface OwnMessagesContext {
  /** The vault's record: its messages count as checked when it says so (`ownMessagesChecked`). */
  readonly before?: ListedIn & { readonly ownMessagesChecked?: number };
  /** The wallet's own messages the clearinghouse took (receipts verified or pending). */
  readonly sent?: readonly {
    readonly sha256: string;
    readonly kind: string;
    readonly jws: string;
    /** The log entry's index, where a verified receipt gives it. */
    readonly index?: number;
  }[];
}

/**
 * `listed` with only the messages the customer's pairwise key signed, from this pseudonym to
 * this company, each under its own hash; statuses as the checked revocations (and the wallet's
 * own, `context.sent`) make them; what failed in `rejectedMessages`. Needs libsodium ready.
 *
 * @example
 * ```ts
 * const checked = await checkedOwnMessages(identity, fresh, { before: stored });
 * const record = { ...fresh, ...checked };
 * ```
 */
export async function checkedOwnMessages(
  identity: CompanyIdentity,
  listed: ListedIn,
  context: OwnMessagesContext,
): Promise<CheckedOwnMessages> {
  const check = ownCheck(identity, context);
  const rejected: RejectedMessage[] = [];
  const keep = async <T extends { sha256: string; jws: string }>(
    kind: OwnKind,
    list: readonly T[],
  ): Promise<T[]> => {
    const out: T[] = [];
    for (const m of list) {
      const code = await check(kind, m);
      if (code === undefined) out.push(m);
      else rejected.push({ kind, sha256: m.sha256, code });
    }
    return out;
  };
  const revocations = withOwnRevocations(
    await keep('revocation', listed.revocations),
    context.sent ?? [],
  );
  const grants = revokedBy(
    await keep('grant', listed.grants),
    revocations,
    logIndexes(context.sent ?? []),
  );
  const refusals = (await keep('refusal', listed.refusals)).map((r) => ({
    ...r,
    askAgainAfter: numberOrNull(storedPayload(r.jws).askAgainAfter),
  }));
  return {
    grants,
    refusals,
    revocations,
    ownMessagesChecked: ownMessagesRevision,
    ...(rejected.length === 0 ? {} : { rejectedMessages: rejected }),
  };
}

/**
 * The check of one listed message for `identity`: undefined when it passes, else the code. A
 * message the vault's checked record holds with the same token passes unchecked.
 */
function ownCheck(
  identity: CompanyIdentity,
  context: OwnMessagesContext,
): (kind: OwnKind, m: { sha256: string; jws: string }) => Promise<ProtocolErrorCode | undefined> {
  const checkedBefore = new Map<string, string>();
  const before = context.before;
  if (before?.ownMessagesChecked === ownMessagesRevision)
    for (const m of [...before.grants, ...before.refusals, ...before.revocations])
      checkedBefore.set(m.sha256, m.jws);
  const jwk = publicJwk(identity.keyPair);
  const kid = thumbprint(jwk);
  return async (kind, m) => {
    if (checkedBefore.get(m.sha256) === m.jws) return undefined;
    try {
      if (sha256Of(m.jws) !== m.sha256) return 'ERR_MESSAGE_INVALID';
      // Who signed it is the question, not when: as of its `iat` (its transport window passed
      // long ago), and with no "not yet valid": the clearinghouse cannot sign for the customer,
      // and another device of theirs whose clock ran ahead signed it all the same.
      const opened = await openMessage(kind, m.jws, {
        resolveKey: (k) => (k === kid ? jwk : undefined),
        audience: identity.company,
        now: Number.MAX_SAFE_INTEGER,
        asOf: 'iat',
      });
      if (opened.payload.iss !== identity.pseudonym) return 'ERR_MESSAGE_ISSUER_MISMATCH';
      return undefined;
    } catch (e) {
      if (isProtocolError(e)) return e.code;
      throw e;
    }
  };
}

/**
 * The checked revocations plus the wallet's own the listing leaves out (the clearinghouse took
 * them: the wallet holds their receipt, or is waiting for it), those shown as unacknowledged.
 */
function withOwnRevocations(
  checked: readonly Listed['revocations'][number][],
  sent: NonNullable<OwnMessagesContext['sent']>,
): StoredRelationship['revocations'] {
  const out = [...checked];
  const have = new Set(checked.map((r) => r.sha256));
  for (const m of sent) {
    // Past the list's bound the record would no longer read: the listing's own are kept first.
    if (out.length >= itemsPerList) break;
    if (m.kind !== 'revocation' || have.has(m.sha256)) continue;
    have.add(m.sha256);
    out.push({ sha256: m.sha256, jws: m.jws, acknowledged: false });
  }
  return out;
}

/** The log index of each of the wallet's messages whose verified receipt is held, by sha256. */
export function logIndexes(sent: NonNullable<OwnMessagesContext['sent']>): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of sent)
    if (typeof m.index === 'number' && Number.isSafeInteger(m.index)) out.set(m.sha256, m.index);
  return out;
}

/** A message as {@link storedBefore} compares it: its hash and signed times. */
interface Dated {
  readonly sha256: string;
  readonly iat: number | null;
  readonly exp: number | null;
}

/**
 * Whether the clearinghouse stored `grant` before the revocation of "all" `revocation` (which
 * revokes the grants it holds when it stores it). By log order when both log indexes are known.
 * Else only when the times prove it: the clearinghouse took the grant at the latest at its `exp`
 * (at most the transport window after `iat`) plus the skew, and the revocation at the earliest at
 * its `iat` minus the skew. A grant signed on a device whose clock ran slow, or sent again from
 * the outbox with its original token after the revocation, is later than its `iat` says: within
 * that margin the listed status stands. The dashboard says which revocation took a grant back by
 * this rule too (extension/ui/dashboard/grant-revocations), so it never dates one the wallet did
 * not count.
 *
 * @example
 * ```ts
 * storedBefore(datedOf(grant), datedOf(revocation), logIndexes(relationship.receipts));
 * ```
 */
export function storedBefore(
  grant: Dated,
  revocation: Dated,
  logIndex: Map<string, number>,
): boolean {
  const [g, r] = [logIndex.get(grant.sha256), logIndex.get(revocation.sha256)];
  if (g !== undefined && r !== undefined) return g < r;
  if (grant.iat === null || revocation.iat === null) return false;
  const latestTaken = Math.min(grant.exp ?? Infinity, grant.iat + DEFAULT_MAX_WINDOW_SECONDS);
  return latestTaken + CLOCK_SKEW_SECONDS < revocation.iat - CLOCK_SKEW_SECONDS;
}

/** `m`'s hash and signed times. */
export function datedOf(m: {
  sha256: string;
  jws: string;
}): Dated & { payload: Record<string, unknown> } {
  const payload = storedPayload(m.jws);
  return {
    sha256: m.sha256,
    iat: numberOrNull(payload.iat),
    exp: numberOrNull(payload.exp),
    payload,
  };
}

/**
 * `grants` with what `revocations` take back: a revocation of "all" every grant stored before
 * it ({@link storedBefore}), a named grant wholly (`revoked`) or some of its purposes
 * (`revokedPurposes`). A status the listing gives that is already not `active` stays.
 */
function revokedBy(
  grants: StoredRelationship['grants'],
  revocations: StoredRelationship['revocations'],
  logIndex: Map<string, number>,
): StoredRelationship['grants'] {
  const dated = revocations.map(datedOf);
  return grants.map((g) => {
    const grant = datedOf(g);
    let whole = false;
    const purposes = new Set(g.revokedPurposes);
    for (const revocation of dated) {
      const r = revocation.payload;
      if (r.grants === 'all') {
        whole ||= storedBefore(grant, revocation, logIndex);
        continue;
      }
      if (!Array.isArray(r.grants)) continue;
      for (const named of r.grants as unknown[]) {
        const n = named as { grantSha256?: unknown; purposes?: unknown };
        if (n?.grantSha256 !== g.sha256) continue;
        if (!Array.isArray(n.purposes)) whole = true;
        else for (const p of n.purposes) if (typeof p === 'string') purposes.add(p);
      }
    }
    const status = g.status === 'active' && whole ? 'revoked' : g.status;
    return { ...g, status, revokedPurposes: [...purposes].slice(0, 64) };
  });
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
