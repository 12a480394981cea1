/**
 * Turns: work on a store's records that must not interleave with other work of its kind on the
 * same store, run one at a time in the order it was asked for. In memory, per store object (its
 * `turnKey`: every handle of the vault shares the vault's turns, {@link turnKeyOf}): after a
 * restart nothing is under way any more.
 *
 * Every such turn of the vault is one of {@link vaultTurnKinds}, so that a backup restore, which
 * replaces every record at once, can take them all ({@link inAllVaultTurns}).
 */
import type { RecordStore } from './ports';

/**
 * The vault's read-modify-write turns, by what they guard (each described where it is taken):
 * - `preferences`: the profile and the blacklist (./preferences);
 * - `relationships`: the relationship records ({@link inRelationshipTurn});
 * - `outbox`: the wallet's outbox record (./wallet `outboxUpdate`);
 * - `corrections`: the wallet's corrections record and their sending (./wallet `correct`);
 * - `blacklistSignals`: the anonymous signals' record and their sending (./blacklist-signals).
 */
export const vaultTurnKinds = [
  'preferences',
  'relationships',
  'outbox',
  'corrections',
  'blacklistSignals',
] as const;
export type VaultTurnKind = (typeof vaultTurnKinds)[number];

/**
 * The object `store`'s turns are kept under: its `turnKey` (a vault's handles give the vault), or
 * the store itself. Anything else kept per store in memory (./wallet's answers under way and
 * relationship views) is kept under it too, so that it is one per vault, not one per handle.
 *
 * @example
 * ```ts
 * turnKeyOf(vault.handle()) === vault // true
 * ```
 */
export function turnKeyOf(store: RecordStore): object {
  return store.turnKey ?? store;
}

/** The last turn asked for, per kind and turn key (what the next one waits for). */
const vaultTurns: Record<VaultTurnKind, WeakMap<object, Promise<unknown>>> = {
  preferences: new WeakMap(),
  relationships: new WeakMap(),
  outbox: new WeakMap(),
  corrections: new WeakMap(),
  blacklistSignals: new WeakMap(),
};

/**
 * Runs `work` once the turn before it in `turns` has ended (failed or not): one at a time per
 * store.
 */
function inStoreTurn<T>(
  turns: WeakMap<object, Promise<unknown>>,
  store: RecordStore,
  work: () => Promise<T>,
): Promise<T> {
  const key = turnKeyOf(store);
  const turn = (turns.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
  turns.set(key, turn);
  return turn;
}

/**
 * Runs `work` in the `kind` turn of `store`: after the work asked for before it in that turn
 * has ended (failed or not), and before the work asked for after it starts. Work in one of these
 * turns never takes another of them ({@link inAllVaultTurns} says why).
 *
 * @example
 * ```ts
 * await inVaultTurn('corrections', vault, () => sendCorrections(vault));
 * ```
 */
export function inVaultTurn<T>(
  kind: VaultTurnKind,
  store: RecordStore,
  work: () => Promise<T>,
): Promise<T> {
  return inStoreTurn(vaultTurns[kind], store, work);
}

/**
 * Runs `work` in every turn of `store` at once: after all the work asked for before it in any of
 * them has ended, and before any asked for after it starts. For a backup restore, which replaces
 * every record (extension/service.ts `restoreBackup`): a profile write under way must not land
 * its copy over the restored profile, and work asked for meanwhile reads the restored records.
 *
 * All at once rather than one after the other in a fixed order: taken in an order, work asked
 * for after the restore in a turn the restore has not reached yet would run first, on the records
 * about to be replaced. The price is a rule stricter than an order: work running in one of these
 * turns never takes another of them, nor waits for work that does, whatever the order; it would
 * wait behind the restore, which waits for it to end. Checked for every turn when the restore
 * began to take them (keep it so when adding work to one):
 * - `preferences`: Preferences.saveProfile, updateProfile (allowChannels, setSignalChoice) and
 *   addNow read the profile, the blacklist and the relationships without a turn and write;
 * - `relationships`: Wallet.notePending, Wallet.writeRelationships and recovery's storeRecovered
 *   read and write relationship records;
 * - `outbox`: outboxUpdate reads, applies a synchronous change, writes;
 * - `corrections`: Wallet.correct and resumeCorrections read the relationships and the record,
 *   read the registry, sign and send (the clearinghouse, bounded by ./timed-fetch), write;
 * - `blacklistSignals`: BlacklistSignals.sync reads the profile and the blacklist without a turn,
 *   signs, sends, writes.
 * The turns that do take these inside theirs are not among them, and a restore does not wait for
 * them: the wallet's answer turn per request (an answer writes the outbox, then the relationship)
 * and the offers service's queue (a sync refreshes the wallet). Their steps wait for the restore
 * one by one, each in its own turn.
 *
 * The turns alone do not keep out work that read the records before the restore and writes
 * after it: a refresh or an offers sync reads, waits on the clearinghouse outside any turn, then
 * takes its turn to write what it derived from the old records, and an answer signs with the old
 * identity. What keeps that out is the vault's generation (extension/vault `Vault.handle`): the
 * service hands every component a handle bound to the records as they were when its work began,
 * and once the restore replaced them (in this turn, with the key) every call of that handle
 * throws `ERR_VAULT_REPLACED` and writes nothing. Handles share the vault's turns
 * ({@link turnKeyOf}), so taking them on the vault covers the work asked for through any handle.
 *
 * @example
 * ```ts
 * await inAllVaultTurns(vault, () => replaceEveryRecord());
 * ```
 */
export function inAllVaultTurns<T>(store: RecordStore, work: () => Promise<T>): Promise<T> {
  const key = turnKeyOf(store);
  const before = vaultTurnKinds.map((kind) =>
    (vaultTurns[kind].get(key) ?? Promise.resolve()).catch(() => undefined),
  );
  const turn = Promise.all(before).then(work);
  for (const kind of vaultTurnKinds) vaultTurns[kind].set(key, turn);
  return turn;
}

/**
 * Every read-modify-write of relationship records, one at a time per store: the wallet's refresh
 * reads a record, waits on the network, then writes; a revocation's or data request's receipt
 * recorded meanwhile (`Wallet.notePending`, `Wallet.settle`) must not be written over with what
 * the refresh read before it, and a recovery from the phrase (./recovery) must not write its copy
 * over a record the wallet wrote while it asked the clearinghouse. Only the vault's read, merge
 * and write run in the turn, never a network call, and nothing in it takes a turn again.
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
  return inVaultTurn('relationships', store, work);
}
