/**
 * A relationship's grants, refusals and revocations that the clearinghouse lists but the
 * customer's own key did not sign (extension/core/own-messages `rejectedMessages`), grouped by
 * kind and why: a clearinghouse that forged one may have forged hundreds, each failing the same
 * check. The view says one line per group, with how many, behind one closed summary, as it does
 * for the disclosures that did not verify (./invalid-disclosures).
 *
 * Pure: no browser API, no I/O.
 */
import type { ProtocolErrorCode } from '../../../protocol/errors';
import type { OwnKind, RejectedMessage } from '../../core/own-messages';

/** The rejected messages of one kind that failed for one reason. */
export interface RejectedMessageGroup {
  readonly kind: OwnKind;
  readonly code: ProtocolErrorCode;
  /** How many failed so (at least 1). */
  readonly count: number;
}

/**
 * `rejected` as one group per kind and error code, in the order each pair first appears.
 *
 * @example
 * ```ts
 * for (const group of rejectedMessageGroups(r.rejectedMessages ?? []))
 *   console.log(group.kind, group.code, group.count);
 * ```
 */
export function rejectedMessageGroups(
  rejected: readonly RejectedMessage[],
): RejectedMessageGroup[] {
  const groups = new Map<string, { kind: OwnKind; code: ProtocolErrorCode; count: number }>();
  for (const m of rejected) {
    const key = `${m.kind} ${m.code}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { kind: m.kind, code: m.code, count: 1 });
    else group.count += 1;
  }
  return [...groups.values()];
}
