/**
 * What the Assistant keeps of a relationship once the clearinghouse's view no longer carries it
 * (DESIGN section 3, "nothing lost", for the customer's own history).
 *
 * The Relationships view of a pseudonym is bounded (portal/lib/server/obligations.ts: the newest
 * `maxViewedDisclosures` = 10 disclosures; of the data requests the oldest
 * `maxViewedOpenRequests` = 500 open and the newest `maxViewedAnsweredRequests` = 100 answered).
 * What drops out of it stays in the clearinghouse's log, but a refresh that replaced the stored
 * record with the view would take it out of the vault: a disclosure the customer opened (what a
 * company held about them, with its sealed export) once the company sent ten newer ones, an
 * erasure confirmation once a hundred newer requests were answered.
 *
 * So a refresh keeps what the stored record listed that the view lacks ({@link keptPastView}),
 * with its signed token (the wallet checks it again against the registry as it is now, as it does
 * the view's) and what the wallet opened of it. The clearinghouse never deletes a logged message:
 * an entry missing from the view has fallen out of it. Only what is the customer's history is
 * kept: a disclosure the wallet opened (valid or not), a data request that had an answer (one
 * still open comes back into the view once older ones are answered). A kept disclosure is never
 * `current`: the view's current one is.
 *
 * Kept entries come before the view's, oldest first. For disclosures that is their order: the
 * view holds the newest. A kept data request is older than every answered one the view carries,
 * though it may be newer than an open one there (the view orders them by the time stored, which
 * the wallet does not know of what it no longer sees).
 *
 * Pure: no I/O (STYLE habit 2).
 */
import { keptWithinBounds, type RecordBounds } from './record-bounds';
import type { ClearinghouseRelationship, WalletRelationship } from './wallet';

/**
 * The most disclosures, and the most data requests, a relationship record lists: its schema's
 * bound (extension/core/wallet `clearinghouseRelationship`), the view's entries and the kept ones
 * together. Each opened copy belongs to one of them, so `openedDisclosures` and `openedAnswers`
 * stay within the same number.
 */
export const maxListedObligations = 1000;

/**
 * The bounds of what a relationship keeps past the view, the oldest going first: a relationship
 * record is encrypted and written whole at every change, so it must not grow without end.
 *
 * - Disclosures: 100 (ten views' worth) and 2 MiB of JSON, token and opened copy together. A
 *   token is up to 60 KiB as the wallet stores it (`compactJws`) and its opened copy up to some
 *   45 KiB more (the holdings and the export, which the token carries sealed), so the count
 *   alone would allow some 10 MiB; 2 MiB holds the hundred at 20 KiB each (a disclosure is
 *   usually a few KiB), and at least a dozen at the largest.
 * - Data requests (answered ones only): as many as keep the record's list within
 *   {@link maxListedObligations} (the view carries up to 600, which leaves room for 400), and 2 MiB,
 *   request, answer and opened answer together: a few KiB each (about 12 KiB for a refusal
 *   with a long reason in both languages).
 */
export const pastViewBounds = {
  disclosures: { items: 100, chars: 2 * 1024 * 1024 },
  dataRequests: { items: maxListedObligations, chars: 2 * 1024 * 1024 },
} as const satisfies Record<string, RecordBounds>;

type Disclosure = ClearinghouseRelationship['disclosures'][number];
type DataRequest = ClearinghouseRelationship['dataRequests'][number];

/** What a stored record holds that {@link keptPastView} reads. */
export type ListedHistory = Pick<
  WalletRelationship,
  'disclosures' | 'dataRequests' | 'openedDisclosures' | 'openedAnswers'
>;

/**
 * The entries of `previous` (the stored record) that `view` (the clearinghouse's fresh view) no
 * longer carries and the wallet keeps, oldest first, to be listed before the view's: disclosures
 * the wallet opened (never `current`) and answered data requests, by sha256, within
 * {@link pastViewBounds} (the oldest going first). Their opened copies are `previous`'s, by the
 * same sha256 (an answer's by its own).
 *
 * @example
 * ```ts
 * const past = keptPastView(stored, fresh);
 * const disclosures = [...past.disclosures, ...fresh.disclosures];
 * ```
 */
export function keptPastView(
  previous: ListedHistory | undefined,
  view: Pick<ClearinghouseRelationship, 'disclosures' | 'dataRequests'>,
): { disclosures: Disclosure[]; dataRequests: DataRequest[] } {
  if (previous === undefined) return { disclosures: [], dataRequests: [] };
  const openedDisclosures = new Map(previous.openedDisclosures.map((d) => [d.sha256, d]));
  const openedAnswers = new Map(previous.openedAnswers.map((a) => [a.sha256, a]));
  const seen = new Set(view.disclosures.map((d) => d.sha256));
  const disclosures: [Disclosure, unknown][] = [];
  for (const d of previous.disclosures) {
    const opened = openedDisclosures.get(d.sha256);
    if (seen.has(d.sha256) || opened === undefined) continue;
    seen.add(d.sha256);
    disclosures.push([{ sha256: d.sha256, jws: d.jws, current: false }, opened]);
  }
  seen.clear();
  for (const r of view.dataRequests) seen.add(r.sha256);
  const dataRequests: [DataRequest, unknown][] = [];
  for (const r of previous.dataRequests) {
    if (seen.has(r.sha256) || r.answer === null) continue;
    seen.add(r.sha256);
    dataRequests.push([r, openedAnswers.get(r.answer.sha256) ?? null]);
  }
  return {
    disclosures: within(disclosures, pastViewBounds.disclosures, view.disclosures.length),
    dataRequests: within(dataRequests, pastViewBounds.dataRequests, view.dataRequests.length),
  };
}

/**
 * The entries of `kept` (each with its opened copy, or null) within `bounds` and within what the
 * record's list leaves beside the view's `viewed` entries; the oldest go first. The characters
 * are those of `kept` as JSON: the entries and their copies, as the record holds them.
 */
function within<T>(kept: readonly [T, unknown][], bounds: RecordBounds, viewed: number): T[] {
  const items = Math.max(0, Math.min(bounds.items, maxListedObligations - viewed));
  return keptWithinBounds(kept, [], { items, chars: bounds.chars }).map(([entry]) => entry);
}
