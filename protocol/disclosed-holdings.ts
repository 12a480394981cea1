/**
 * What a company still holds of what it disclosed: its newest disclosure lists data categories as
 * held, and its verified erasure answers (protocol/messages `data-request-answer`, outcome
 * `erased`) say which of them it erased since, and when. The clearinghouse's "my data" page
 * (portal/routes/me) and the Assistant's relationships view read it alike, from their own
 * shapes: the rule is written once, here.
 *
 * Semantics, in whole seconds:
 * - an erasure counts from the disclosure's own time on, inclusive: one confirmed at the same
 *   second counts, one confirmed before it does not (the disclosure is the newer statement, and
 *   lists again what the company held then);
 * - with no disclosure, or one whose time is not known (`since` null), every erasure counts;
 * - an erasure answer without a time (`erasedAt` null) cannot be placed against the disclosure
 *   and does not count;
 * - a category erased more than once keeps its latest time;
 * - a disclosure without holdings holds nothing (the protocol requires at least one, so this
 *   only meets a shape the caller built).
 *
 * Nothing here verifies anything: hand in only erasure answers the Assistant verified.
 *
 * @example
 * ```ts
 * const disclosure = { at: 1_765_000_000, dataCategories: ['address', 'location'] };
 * const erasures = [{ dataCategories: ['address'], erasedAt: 1_765_000_500 }];
 * erasedSince(disclosure.at, erasures); // Map { 'address' => 1_765_000_500 }
 * stillHolds(disclosure, erasures); // true: 'location' is still listed and not erased
 * ```
 */

/** A company's verified answer that it erased data categories. */
export interface ConfirmedErasure {
  /** The data categories it erased. */
  readonly dataCategories: readonly string[];
  /** When it erased them (seconds); null: the answer names no time and does not count. */
  readonly erasedAt: number | null;
}

/** A company's newest disclosure, as far as what it holds goes. */
export interface DisclosedHoldings {
  /**
   * When the company disclosed (seconds: the disclosure's `iat`); null: not known (protocol/connect
   * `CustomerViewItem` allows it), and every erasure counts against it.
   */
  readonly at: number | null;
  /** The data categories its holdings list. */
  readonly dataCategories: readonly string[];
}

/**
 * The data categories the company confirmed erasing since `since` (seconds, the newest
 * disclosure's time; null: there is none, or its time is not known), each with the latest time
 * it was erased.
 *
 * @example
 * ```ts
 * erasedSince(1_700_000_000, [
 *   { dataCategories: ['address'], erasedAt: 1_699_999_000 }, // before the disclosure: ignored
 *   { dataCategories: ['location'], erasedAt: 1_700_000_500 },
 * ]); // Map { 'location' => 1_700_000_500 }
 * ```
 */
export function erasedSince(
  since: number | null,
  erasures: Iterable<ConfirmedErasure>,
): Map<string, number> {
  const erased = new Map<string, number>();
  for (const { dataCategories, erasedAt } of erasures) {
    if (erasedAt === null || (since !== null && erasedAt < since)) continue;
    for (const category of dataCategories)
      erased.set(category, Math.max(erased.get(category) ?? erasedAt, erasedAt));
  }
  return erased;
}

/**
 * Whether `disclosure` still lists a data category the company has not confirmed erasing since
 * it: what the customer knows the company holds. False without a disclosure, or for one every
 * category of which was erased since.
 *
 * @example
 * ```ts
 * stillHolds({ at: 10, dataCategories: ['address'] }, [{ dataCategories: ['address'], erasedAt: 12 }]); // false
 * stillHolds(null, []); // false
 * ```
 */
export function stillHolds(
  disclosure: DisclosedHoldings | null,
  erasures: Iterable<ConfirmedErasure>,
): boolean {
  if (disclosure === null || disclosure.dataCategories.length === 0) return false;
  const erased = erasedSince(disclosure.at, erasures);
  return disclosure.dataCategories.some((category) => !erased.has(category));
}
