/**
 * What became of one grant's purposes, from what the relationships listing carries: the
 * revocations the customer signed that take it back (wholly or some of its purposes), each with
 * its date and whether the company acknowledged it, so the view says each revocation once, on the
 * grant it belongs to ("Revoked on 7 Dec 2026 for: Product launch — the company has not confirmed
 * the revocation yet"), instead of a grant marked revoked, a second line naming the same purposes
 * and the acknowledgements apart from both.
 *
 * The listing gives a grant's `status` and `revokedPurposes` (the clearinghouse's, merged with the
 * wallet's own revocations, extension/core/own-messages `revokedBy`), each revocation's JWS,
 * `acknowledged` and, where the clearinghouse gives it, `acknowledgedAt` (when it stored the
 * company's acknowledgement, which is not relayed to the Assistant), and the verified receipts
 * with their log indexes. Which grants a revocation of "all" took back is the
 * wallet's rule (extension/core/own-messages `storedBefore`), not one of this view's own: by log
 * order, else only when the times prove the grant came first.
 *
 * Pure: no browser API, no I/O.
 */
import { datedOf, logIndexes, storedBefore } from '../../core/own-messages';
import { storedPayload } from '../../core/stored-jws';

/** A grant as the listing carries it. */
export interface ListedGrant {
  readonly sha256: string;
  readonly jws: string;
  readonly status: 'active' | 'revoked' | 'expired';
  readonly revokedPurposes: readonly string[];
}

/** A revocation as the listing carries it. */
export interface ListedRevocation {
  readonly sha256: string;
  readonly jws: string;
  readonly acknowledged: boolean;
  /** When the clearinghouse stored the company's acknowledgement (ms); absent: not listed. */
  readonly acknowledgedAt?: number | undefined;
}

/** A verified receipt as the listing carries it: where one of the wallet's messages is logged. */
export interface ListedReceipt {
  readonly sha256: string;
  readonly kind: string;
  readonly jws: string;
  readonly index: number;
}

/** One revocation of a grant. */
export interface GrantRevocation {
  readonly revocation: ListedRevocation;
  /** When the customer signed it (seconds, its `iat`), or null when it carries no date. */
  readonly at: number | null;
  /** The grant's purposes it took back (a whole grant's: those not taken back before it). */
  readonly purposes: readonly string[];
}

/** What became of a grant's purposes. */
export interface GrantRevocations {
  /** The purposes the grant names (its scopes), in its order. */
  readonly purposes: readonly string[];
  /** Its purposes no revocation took back (nor the listing says are revoked). */
  readonly inForce: readonly string[];
  /** The revocations that took back some or all of it, oldest first (undated ones last). */
  readonly revocations: readonly GrantRevocation[];
  /**
   * Purposes revoked with no revocation in the listing to date them: the listing's
   * `revokedPurposes` none accounts for and, of a grant marked revoked, every purpose none took.
   */
  readonly undated: readonly string[];
}

/** The purposes a grant's scopes name. */
export function grantPurposes(jws: string): string[] {
  const scopes = storedPayload(jws).scopes;
  return Array.isArray(scopes)
    ? scopes.map((s: { purpose?: unknown } | null) => String(s?.purpose ?? ''))
    : [];
}

const dateOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;

/**
 * How revocation `revocation` concerns `grant`: the whole of it, some of its purposes, or not at
 * all. A revocation of "all" takes back what the wallet says it does: an active grant none (the
 * wallet would have marked it revoked; its receipts may have changed since it decided), another
 * one when the clearinghouse stored it before the revocation (extension/core/own-messages
 * `storedBefore`, by `logIndex`).
 */
function concerns(
  grant: ListedGrant,
  revocation: ListedRevocation,
  logIndex: Map<string, number>,
): { whole: true; all: boolean } | { whole: false; purposes: string[] } | null {
  const { grants } = storedPayload(revocation.jws);
  if (grants === 'all')
    return grant.status !== 'active' && storedBefore(datedOf(grant), datedOf(revocation), logIndex)
      ? { whole: true, all: true }
      : null;
  if (!Array.isArray(grants)) return null;
  const named = grants.find(
    (n: { grantSha256?: unknown } | null) => n?.grantSha256 === grant.sha256,
  ) as { purposes?: unknown } | undefined;
  if (named === undefined) return null;
  if (!Array.isArray(named.purposes)) return { whole: true, all: false };
  return {
    whole: false,
    purposes: named.purposes.filter((p): p is string => typeof p === 'string'),
  };
}

/**
 * What became of `grant`'s purposes by `revocations` (the relationship's, as listed), the log
 * indexes of its `receipts` ordering a revocation of "all" against it.
 *
 * @example
 * ```ts
 * const { inForce, revocations } = grantRevocations(
 *   grant,
 *   relationship.revocations,
 *   relationship.receipts,
 * );
 * // revocations[0]: { revocation, at: 1796601600, purposes: ['product_launch'] }
 * ```
 */
export function grantRevocations(
  grant: ListedGrant,
  revocations: readonly ListedRevocation[],
  receipts: readonly ListedReceipt[],
): GrantRevocations {
  const purposes = grantPurposes(grant.jws);
  const logIndex = logIndexes(receipts);
  const found = revocations.flatMap((revocation) => {
    const how = concerns(grant, revocation, logIndex);
    return how === null ? [] : [{ revocation, at: dateOf(storedPayload(revocation.jws).iat), how }];
  });
  // Oldest first, so a whole revocation after some purposes were taken back names the rest.
  found.sort((a, b) => (a.at ?? Infinity) - (b.at ?? Infinity));
  const taken = new Set<string>();
  const out: GrantRevocation[] = [];
  for (const { revocation, at, how } of found) {
    if (!how.whole) {
      out.push({ revocation, at, purposes: how.purposes });
      for (const p of how.purposes) taken.add(p);
      continue;
    }
    const rest = purposes.filter((p) => !taken.has(p));
    // "All" of a grant already taken back wholly: it took nothing more from this one.
    if (rest.length === 0 && how.all) continue;
    out.push({ revocation, at, purposes: rest.length === 0 ? purposes : rest });
    for (const p of purposes) taken.add(p);
  }
  const revoked = new Set(grant.revokedPurposes);
  const undated =
    grant.status === 'revoked'
      ? purposes.filter((p) => !taken.has(p))
      : grant.revokedPurposes.filter((p) => !taken.has(p));
  return {
    purposes,
    inForce: purposes.filter((p) => !taken.has(p) && !revoked.has(p)),
    revocations: out,
    undated,
  };
}
