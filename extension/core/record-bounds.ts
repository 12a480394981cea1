/**
 * The bounds of a vault record that holds a list (the offers, the rewards ledger, the rejected
 * rewards): at most so many items, and at most so many characters of JSON. A count alone does
 * not bound the record when one item may be large (a relayed JWS is up to 256 KiB), and each such
 * record is encrypted and written whole again at every change, so a few huge items would make
 * every later write slow, or too large for the vault to take at all.
 */

/** How much one list record may hold. */
export interface RecordBounds {
  /** Most items. */
  readonly items: number;
  /** Most characters of the record's JSON, everything around the list included. */
  readonly chars: number;
}

/**
 * The items of `items` to store, so that the record `{ ...record, [list]: kept }` is within
 * `bounds`: items go in `order` (their indexes, the first to go first, asked for only when the
 * record is beyond its bounds; by default as listed, the oldest first) until it is; those kept stay in their order. In the default order the newest item
 * goes last, so it stays whenever the bound on characters is larger than one item can be.
 *
 * @example
 * ```ts
 * const bounds = { items: 200, chars: 4 * 1024 * 1024 };
 * const items = keptWithinBounds(all, { v: 1, items: [] }, bounds); // the oldest dropped first
 * await store.put('profile', 'rejected-rewards', { v: 1, items });
 * ```
 */
export function keptWithinBounds<T>(
  items: readonly T[],
  emptyRecord: object,
  bounds: RecordBounds,
  order?: () => Iterable<number>,
): T[] {
  // Each item's JSON and its comma, and the record around them: the record's exact length.
  const sizes = items.map((item) => JSON.stringify(item).length + 1);
  let chars = sizes.reduce((a, b) => a + b, JSON.stringify(emptyRecord).length - 1);
  let count = items.length;
  const within = () => count <= bounds.items && chars <= bounds.chars;
  if (within()) return [...items];
  const dropped = new Set<number>();
  for (const index of order?.() ?? items.keys()) {
    if (within()) break;
    dropped.add(index);
    count--;
    chars -= sizes[index]!;
  }
  return items.filter((_, index) => !dropped.has(index));
}
