/**
 * Which two of the checkpoints seen the consistency check compares. The history fills in after
 * the page has loaded (it is kept in this browser) and grows as receipts are checked, so the
 * pair is worked out again each time it changes rather than chosen once.
 */

/** The two checkpoints, by key, in the order the auditor's choice or the default put them. */
export interface CheckpointPair {
  readonly first: string;
  readonly second: string;
}

/**
 * The pair to offer for `keys` (the checkpoints seen, oldest first): each of `chosen` that the
 * auditor picked and that is still listed (among `choosable`, by default `keys`: the page also
 * lists the checkpoints kept as evidence of a fork, to be picked but never a default), otherwise
 * the oldest as the first and the newest as the second; undefined when nothing has been seen. A
 * pair of one checkpoint with itself is returned when only one has been seen; the page says that
 * two are needed.
 *
 * @example
 * ```ts
 * checkpointPair(['5:a', '9:b', '12:c'], {}); // { first: '5:a', second: '12:c' }
 * checkpointPair(['5:a', '9:b', '12:c'], { second: '9:b' }); // { first: '5:a', second: '9:b' }
 * ```
 */
export function checkpointPair(
  keys: readonly string[],
  chosen: { readonly first?: string | undefined; readonly second?: string | undefined },
  choosable: readonly string[] = keys,
): CheckpointPair | undefined {
  const oldest = keys[0];
  const newest = keys[keys.length - 1];
  if (oldest === undefined || newest === undefined) return undefined;
  const listed = (key: string | undefined) =>
    key !== undefined && (keys.includes(key) || choosable.includes(key)) ? key : undefined;
  return { first: listed(chosen.first) ?? oldest, second: listed(chosen.second) ?? newest };
}
