/**
 * When a staff member's person key may count as the company's signature on complaint evidence:
 * one rule for the clearinghouse (portal/lib/server/oversight.ts, when it accepts a complaint) and
 * the regulator's browser (portal/lib/components/regulator/evidence.ts, when it checks the same
 * evidence again). Pure: no server module, so the browser bundle can take it.
 */
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';

/**
 * Evidence kinds a staff member may sign with their person key (docs/api.md: disclosures and
 * data-request answers are "company\* (or staff)"). Offers, offer contents, rewards and grant
 * requests take a company key only, as evidence too.
 */
export const staffSignedKinds: ReadonlySet<string> = new Set(['disclosure', 'data-request-answer']);

/** A person key's times as people.ts stores them: milliseconds, stamped when stored. */
export interface StaffKeyTimes {
  addedAt: number;
  /** null while the key is in use. */
  retiredAt: number | null;
  /** When its member left the company's staff; null while on it. */
  removedAt: number | null;
}

/**
 * Whether a staff key with these times could sign at `iat` (seconds): enrolled by then and neither
 * retired nor its member removed before it, each with the clock skew. A message accepted just
 * before the member left may carry an `iat` up to the skew ahead of the clearinghouse's clock; with
 * the margin, removing someone cannot void what was accepted from them (companies.ts `changeKey`
 * gives a retired company key the same margin). A person key is never declared compromised after
 * the fact: a lost browser retires it from that moment on (SPECS "People who sign").
 *
 * @example
 * ```ts
 * staffKeyInForceAt({ addedAt: 0, retiredAt: null, removedAt: null }, payload.iat); // true
 * ```
 */
export function staffKeyInForceAt(key: StaffKeyTimes, iat: number): boolean {
  const endedBy = (ms: number | null) =>
    ms !== null && Math.floor(ms / 1000) + CLOCK_SKEW_SECONDS < iat;
  if (key.addedAt > (iat + CLOCK_SKEW_SECONDS) * 1000) return false;
  return !endedBy(key.retiredAt) && !endedBy(key.removedAt);
}
