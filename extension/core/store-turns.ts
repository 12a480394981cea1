/**
 * Turns: work on a store's records that must not interleave with other work of its kind on the
 * same store, run one at a time in the order it was asked for. In memory, per store object: after
 * a restart nothing is under way any more.
 */
import type { RecordStore } from './ports';

/**
 * Runs `work` once the turn before it in `turns` has ended (failed or not): one at a time per
 * store.
 *
 * @example
 * ```ts
 * const corrections = new WeakMap<RecordStore, Promise<unknown>>();
 * await inStoreTurn(corrections, vault, () => sendCorrections(vault));
 * ```
 */
export function inStoreTurn<T>(
  turns: WeakMap<RecordStore, Promise<unknown>>,
  store: RecordStore,
  work: () => Promise<T>,
): Promise<T> {
  const turn = (turns.get(store) ?? Promise.resolve()).catch(() => undefined).then(work);
  turns.set(store, turn);
  return turn;
}

/**
 * Every read-modify-write of relationship records, one at a time per store: the wallet's refresh
 * reads a record, waits on the network, then writes; a revocation's or data request's receipt
 * recorded meanwhile (`Wallet.notePending`, `Wallet.settle`) must not be written over with what
 * the refresh read before it, and a recovery from the phrase (./recovery) must not write its copy
 * over a record the wallet wrote while it asked the clearinghouse. Only the vault's read, merge
 * and write run in the turn, never a network call, and nothing in it takes the turn again.
 */
const relationshipTurns = new WeakMap<RecordStore, Promise<unknown>>();

/**
 * Runs `work` in the relationship turn of `store` ({@link relationshipTurns}).
 *
 * @example
 * ```ts
 * await inRelationshipTurn(vault, async () => {
 *   const stored = await vault.get('relationships', pseudonym);
 *   await vault.put('relationships', pseudonym, merge(stored, mine));
 * });
 * ```
 */
export function inRelationshipTurn<T>(store: RecordStore, work: () => Promise<T>): Promise<T> {
  return inStoreTurn(relationshipTurns, store, work);
}
