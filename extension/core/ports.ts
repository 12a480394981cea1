/**
 * The ports the Assistant's core is handed (DESIGN section 4, STYLE habit 2): the core never
 * calls `browser.*`, IndexedDB or `fetch` itself. The background implements these with the
 * vault and the platform adapters; the Node tests implement them with fakes.
 */
import type { ClearinghouseClient } from '../../protocol/client';

/** The tables of the encrypted store the core reads and writes. */
export type StoreTable = 'identity' | 'profile' | 'blacklist' | 'relationships' | 'sites';

/** A record that did not authenticate: listed for the customer, never dropped. */
export interface DamagedRecord {
  readonly table: string;
  readonly id: string;
}

/**
 * The encrypted record store (extension/vault's `Vault` fits). Values are JSON-compatible and
 * come back unparsed: the core parses them with the schemas of `protocol/profile`.
 * Contract: `get` and `list` throw `ERR_VAULT_LOCKED` while locked; `get` throws
 * `ERR_VAULT_RECORD_DAMAGED` for a record that does not authenticate; `put` refuses to
 * overwrite such a record; `addMany` writes all items or none and never overwrites; `putMany`
 * writes all items or none (in one transaction) and, like `put`, refuses to overwrite a damaged
 * record. A store bound to one state of the records (extension/vault's `Vault.handle`) throws
 * `ERR_VAULT_REPLACED` from every call once they were replaced wholesale (a backup restored, the
 * vault wiped or created), and writes nothing then.
 */
export interface RecordStore {
  /**
   * The object whose read-modify-write turns (./store-turns) this store shares: every handle of
   * one vault gives the vault, so that work asked for through any of them, or through the vault
   * itself, waits for the same turns (and a backup restore taking them on the vault covers it
   * all). Absent: the store itself.
   */
  readonly turnKey?: object;
  /**
   * Throws `ERR_VAULT_REPLACED` when the records this store stands for were replaced since it was
   * taken (a backup restored, the vault wiped or created); absent: never. Synchronous, for work
   * that makes no store call between its writes and what it must not do on replaced records
   * (`OfferInbox.sync` acknowledges what it stored: after a restore, the relay must keep those
   * items for the restored vault).
   */
  readonly check?: () => void;
  get(table: StoreTable, id: string): Promise<unknown>;
  put(table: StoreTable, id: string, value: unknown): Promise<void>;
  putMany(table: StoreTable, items: readonly { id: string; value: unknown }[]): Promise<void>;
  addMany(table: StoreTable, items: readonly { id: string; value: unknown }[]): Promise<void>;
  delete(table: StoreTable, id: string): Promise<void>;
  list(
    table: StoreTable,
  ): Promise<{ items: { id: string; value: unknown }[]; damaged: DamagedRecord[] }>;
}

/** Milliseconds since the Unix epoch (extension/build's `clock` fits). */
export interface ClockPort {
  now(): number;
}

/** Cryptographically secure random bytes. */
export type RandomBytesPort = (length: number) => Uint8Array;

/**
 * The part of the clearinghouse client recovery needs: the registry, the relationships, and each
 * complaint they list (extension/core/recovered-complaints).
 */
export type RegistryPort = Pick<
  ClearinghouseClient,
  'listCompanies' | 'relationshipsBatch' | 'getComplaint'
>;

/** A small key-value cell that survives a service-worker restart (`storage.session` fits). */
export interface SessionCell<T> {
  read(): Promise<T | undefined>;
  write(value: T): Promise<void>;
}
