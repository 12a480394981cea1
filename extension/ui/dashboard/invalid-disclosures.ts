/**
 * A relationship's disclosures that did not verify, grouped by why: once a company declares a
 * signing key compromised, every disclosure signed with it since turns invalid at once
 * (extension/core/disclosures `recheckDisclosure`), and the Assistant keeps up to
 * `maxListedObligations` of them. The view says one sentence per reason, with how many and the
 * dates they give, instead of one identical sentence per disclosure.
 *
 * Pure: no browser API, no I/O.
 */
import * as v from 'valibot';
import type { ProtocolErrorCode } from '../../../protocol/errors';
import { epochSeconds } from '../../../protocol/messages/primitives';
import type { OpenedDisclosure } from '../../core/disclosures';
import { storedPayload } from '../../core/stored-jws';

/** The disclosures that did not verify for one reason. */
export interface InvalidDisclosureGroup {
  readonly code: ProtocolErrorCode;
  /** How many disclosures did not verify for this reason (at least 1). */
  readonly count: number;
  /**
   * The `iat` (epoch seconds) each of them gives, newest first. Read from a message that did not
   * verify: what it claims, to be shown as not verified, never trusted.
   */
  readonly dates: readonly number[];
  /** How many of them give no readable `iat` (not listed, damaged, or out of range). */
  readonly undated: number;
}

/**
 * The invalid disclosures among `opened`, one group per error code in the order each code first
 * appears; each with the dates its disclosures give, read from the signed copies `listed` (the
 * relationship's `disclosures`). A date is taken only if it is an `epochSeconds` value: the
 * message did not verify, so its payload is attacker-controlled.
 *
 * @example
 * ```ts
 * for (const group of invalidDisclosureGroups(r.disclosures, r.openedDisclosures))
 *   console.log(group.code, group.count, group.dates);
 * ```
 */
export function invalidDisclosureGroups(
  listed: readonly { readonly sha256: string; readonly jws: string }[],
  opened: readonly OpenedDisclosure[],
): InvalidDisclosureGroup[] {
  const jwsOf = new Map(listed.map((d) => [d.sha256, d.jws]));
  const groups = new Map<ProtocolErrorCode, { count: number; dates: number[]; undated: number }>();
  for (const d of opened) {
    if (d.state !== 'invalid') continue;
    let group = groups.get(d.code);
    if (group === undefined) {
      group = { count: 0, dates: [], undated: 0 };
      groups.set(d.code, group);
    }
    group.count += 1;
    const jws = jwsOf.get(d.sha256);
    const iat = v.safeParse(epochSeconds, jws === undefined ? undefined : storedPayload(jws).iat);
    if (iat.success) group.dates.push(iat.output);
    else group.undated += 1;
  }
  return [...groups].map(([code, g]) => ({
    code,
    count: g.count,
    dates: g.dates.sort((a, b) => b - a),
    undated: g.undated,
  }));
}
