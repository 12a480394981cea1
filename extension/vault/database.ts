/**
 * The vault's IndexedDB layout (Dexie). Every row of a record table is ciphertext: the data key
 * encrypts the record's JSON with the associated data `<table>/<id>/<schema version>` (SPECS
 * "Vault"); only ids, which are random or fixed names, stay readable. The `meta` table holds the
 * keyring: the data key wrapped by the passphrase's Argon2id key, with the Argon2id parameters
 * beside it so they can be raised later.
 *
 * Schema history (a Dexie version and the vault's record schema move together):
 * - 1: `meta` and one `records` table holding `identity`, `profile` and the whole blacklist as a
 *   single record (`blacklist`, an array).
 * - 2: one table per kind of record, one blacklist entry per row (editing one entry of 10,000 no
 *   longer re-encrypts all of them). `records` stays declared until every vault has migrated,
 *   which happens at unlock because only the data key can read it (see ./migrate).
 * - Dexie version 3 (issue 11) adds the `sites` table; the record schema stays 2, so older backups
 *   (without `sites`) still restore.
 */
import Dexie, { type Table } from 'dexie';

/** The record schema this code writes. */
export const vaultSchemaVersion = 2;

/** Tables of encrypted records in the current schema. */
export const recordTables = ['identity', 'profile', 'blacklist', 'relationships', 'sites'] as const;
export type RecordTable = (typeof recordTables)[number];

/** The database name the Assistant uses; tests pass their own. */
export const defaultVaultName = 'assistant-vault';

/** One encrypted record: readable id, the schema it was written under, nonce and ciphertext. */
export interface RecordRow {
  id: string;
  /** Schema version bound into the associated data. */
  v: number;
  n: Uint8Array;
  c: Uint8Array;
}

/** Argon2id parameters and salt, stored beside the wrapped key. */
export interface KdfRow {
  alg: 'argon2id13';
  opslimit: number;
  memlimit: number;
  salt: Uint8Array;
}

/** The keyring: the only row of `meta`. */
export interface KeyringRow {
  id: 'keyring';
  /** The record schema of this vault; below {@link vaultSchemaVersion} means "migrate at unlock". */
  schema: number;
  kdf: KdfRow;
  /** The data key, encrypted with the passphrase's key; AD `meta/keyring/<schema>`. */
  wrapped: { n: Uint8Array; c: Uint8Array };
  /**
   * A known plaintext under the data key (AD `meta/check/<schema>`), so a data key restored from
   * `storage.session` can be checked without the passphrase. Absent in schema 1.
   */
  check?: { n: Uint8Array; c: Uint8Array };
  createdAt: number;
}

/** The Dexie database of one vault. */
export class VaultDatabase extends Dexie {
  meta!: Table<KeyringRow, string>;
  identity!: Table<RecordRow, string>;
  profile!: Table<RecordRow, string>;
  blacklist!: Table<RecordRow, string>;
  relationships!: Table<RecordRow, string>;
  /** Issue 11: one record per site the Assistant met (id: a keyed hash of the site). */
  sites!: Table<RecordRow, string>;
  /** Schema 1 only; emptied by the migration. */
  records!: Table<RecordRow, string>;

  constructor(name: string) {
    super(name);
    this.version(1).stores({ meta: 'id', records: 'id' });
    // Dexie 4 carries tables over from earlier versions: only the new ones are listed.
    this.version(2).stores({ identity: 'id', profile: 'id', blacklist: 'id', relationships: 'id' });
    // A new table only: the records' schema (and so their associated data) stays at 2.
    this.version(3).stores({ sites: 'id' });
  }

  /** The record table called `name`. */
  recordTable(name: RecordTable): Table<RecordRow, string> {
    return this[name];
  }
}

/**
 * The associated data of a record (SPECS "Vault"): UTF-8 of `<table>/<id>/<schema version>`.
 *
 * @example
 * ```ts
 * associatedData('profile', 'current', 2) // 'profile/current/2'
 * ```
 */
export function associatedData(table: string, id: string, schema: number): string {
  return `${table}/${id}/${schema}`;
}
