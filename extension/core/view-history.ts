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
 * Two refreshes of one relationship may overlap (an alarm's `refreshAll` and the refresh after a
 * customer's action): both read the same stored record before their network call, and the view
 * asked for last wins when they write (extension/core/wallet `merged`). A disclosure the first
 * one opened may have fallen out of the second one's view already; the second never saw it, so
 * its own {@link keptPastView} could not keep it. So the write keeps it ({@link mergedHistory}):
 * what the other record holds that the winning one lacks joins the winning one's kept entries,
 * by the same rules and within the same bounds.
 *
 * Pure: no I/O (STYLE habit 2).
 */
import { toOpenAgain, type OpenedAnswer, type OpenedDisclosure } from './disclosures';
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

/**
 * How many entries of a record's lists are the clearinghouse's view it was refreshed from: the
 * last ones of each (the kept ones come before them, {@link keptPastView}).
 */
export interface Viewed {
  readonly disclosures: number;
  readonly dataRequests: number;
}

/**
 * The lists to write when two records of one relationship meet (the one stored and a refresh's):
 * those of `winner` (whose view is written: the one asked for last), with what `other` holds that
 * `winner` lacks and would have kept past its view, had its refresh seen it. `viewed`: how many of
 * `winner`'s entries are its view's.
 *
 * By the rules of {@link keptPastView}: a disclosure `other` opened (never `current`), a data
 * request `other` has an answer to, each with `other`'s opened copy. Each goes among `winner`'s
 * kept entries after the last one `other` lists before it, so the kept ones stay oldest first and
 * before the view's; then the kept ones, `winner`'s and the added together, are bounded again
 * ({@link pastViewBounds}, {@link maxListedObligations}; the oldest going first). So what
 * `winner`'s refresh dropped to stay within the bounds (`other` is then the record it read) is
 * dropped again, not added back: the newer ones that pushed it out are still there. An entry
 * `winner` lists without an opened copy takes `other`'s, unless that one is invalid for a passing
 * reason: a refresh leaves such a copy out to open the message again
 * (extension/core/disclosures `isTemporaryOpeningFailure`).
 *
 * A list that nothing of `other` joins is `winner`'s own array, with its copies.
 *
 * "Asked for last" is not "answered last": a view asked for first may be answered after a newer
 * disclosure arrived, which the view asked for later (answered earlier) lacks. That disclosure is
 * then kept here before the view, as not current, until the next refresh lists it in the view
 * (where `keptPastView` no longer keeps it); before this merge it was lost instead.
 *
 * @example
 * ```ts
 * // The stored record's view is older: the refresh's wins, and keeps what the stored one opened.
 * const lists = mergedHistory(mine, { disclosures: 10, dataRequests: 3 }, stored);
 * const record = { ...mine, ...lists };
 * ```
 */
export function mergedHistory(
  winner: ListedHistory,
  viewed: Viewed,
  other: ListedHistory,
): ListedHistory {
  const disclosureCopy = copies<Disclosure, OpenedDisclosure>(
    winner.openedDisclosures,
    other.openedDisclosures,
    (d) => d.sha256,
  );
  const disclosures = mergedList(
    { list: winner.disclosures, viewed: viewed.disclosures, other: other.disclosures },
    (d) => disclosureCopy(d, true).copy !== undefined,
    (d) => (d.current ? { ...d, current: false } : d),
    disclosureCopy,
    pastViewBounds.disclosures,
  );
  const answerCopy = copies<DataRequest, OpenedAnswer>(
    winner.openedAnswers,
    other.openedAnswers,
    (r) => r.answer?.sha256,
  );
  const dataRequests = mergedList(
    { list: winner.dataRequests, viewed: viewed.dataRequests, other: other.dataRequests },
    (r) => r.answer !== null,
    (r) => r,
    answerCopy,
    pastViewBounds.dataRequests,
  );
  return {
    ...(disclosures === undefined
      ? { disclosures: winner.disclosures, openedDisclosures: winner.openedDisclosures }
      : { disclosures: disclosures.list, openedDisclosures: disclosures.copies }),
    ...(dataRequests === undefined
      ? { dataRequests: winner.dataRequests, openedAnswers: winner.openedAnswers }
      : { dataRequests: dataRequests.list, openedAnswers: dataRequests.copies }),
  };
}

/** The opened copy of a listed entry for {@link mergedList}, and whether it is `other`'s. */
type CopyOf<T, C> = (entry: T, added: boolean) => { copy: C | undefined; borrowed: boolean };

/**
 * The opened copy of a listed entry, by the sha256 `key` gives (a disclosure's own, a data
 * request's answer's; undefined: nothing to open): `winner`'s; else `other`'s, for an entry only
 * `other` lists (`added`), or one that is not invalid for a passing reason.
 */
function copies<T, C extends { sha256: string; state: string; code?: string }>(
  winner: readonly C[],
  other: readonly C[],
  key: (entry: T) => string | undefined,
): CopyOf<T, C> {
  const own = new Map(winner.map((c) => [c.sha256, c]));
  const theirs = new Map(other.map((c) => [c.sha256, c]));
  return (entry, added) => {
    const sha = key(entry);
    const mine = sha === undefined ? undefined : own.get(sha);
    if (sha === undefined || mine !== undefined) return { copy: mine, borrowed: false };
    const copy = theirs.get(sha);
    const taken = copy !== undefined && (added || !toOpenAgain(copy));
    return taken ? { copy, borrowed: !added } : { copy: undefined, borrowed: false };
  };
}

/**
 * One list of {@link mergedHistory}: `winner`'s `list` (its last `viewed` entries its view's),
 * with the entries of `other`'s it lacks that `keeps` takes, as `asKept` makes them; and the
 * opened copies of the result, in its order. Undefined when nothing of `other` joins (none to
 * add or borrow, or every one added went again within `bounds`).
 */
function mergedList<T extends { sha256: string }, C>(
  lists: { list: readonly T[]; viewed: number; other: readonly T[] },
  keeps: (entry: T) => boolean,
  asKept: (entry: T) => T,
  copyOf: CopyOf<T, C>,
  bounds: RecordBounds,
): { list: T[]; copies: C[] } | undefined {
  const { list: winner, other } = lists;
  const split = winner.length - Math.min(Math.max(0, lists.viewed), winner.length);
  const kept = winner.slice(0, split);
  const view = winner.slice(split);
  const listed = new Set(winner.map((e) => e.sha256));
  // Each added entry goes after the last of `winner`'s kept ones that `other` lists before it.
  const at = new Map<string, number>();
  for (const [i, e] of kept.entries()) if (!at.has(e.sha256)) at.set(e.sha256, i + 1);
  const before: T[][] = Array.from({ length: kept.length + 1 }, () => []);
  const added = new Set<T>();
  let cursor = 0;
  for (const e of other) {
    const next = at.get(e.sha256);
    if (next !== undefined) cursor = Math.max(cursor, next);
    if (listed.has(e.sha256) || !keeps(e)) continue;
    listed.add(e.sha256);
    const entry = asKept(e);
    added.add(entry);
    before[cursor]!.push(entry);
  }
  const borrowed = winner.some((e) => copyOf(e, false).borrowed);
  if (added.size === 0 && !borrowed) return undefined;
  const combined = before.flatMap((entries, i) =>
    i < kept.length ? [...entries, kept[i]!] : entries,
  );
  const bounded = within(
    combined.map((e) => [e, copyOf(e, added.has(e)).copy ?? null]),
    bounds,
    view.length,
  );
  if (!borrowed && !bounded.some((e) => added.has(e))) return undefined;
  const list = [...bounded, ...view];
  return { list, copies: list.flatMap((e) => copyOf(e, added.has(e)).copy ?? []) };
}
