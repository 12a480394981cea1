/**
 * The Assistant's encrypted vault (issue 6, DESIGN section 7, SPECS "Vault"): a random 32-byte
 * data key encrypts every record; the data key is wrapped by an Argon2id key of the passphrase.
 * Locked means the data key is in no variable of this object (its buffer is zeroed).
 *
 * Promises kept here, each with a test in vault.browser.test.ts:
 * - a wrong passphrase throws `ERR_VAULT_PASSPHRASE_WRONG` and writes nothing;
 * - a record that does not authenticate is reported as damaged (`listDamaged`, or
 *   `ERR_VAULT_RECORD_DAMAGED` with `{table, id}` when read alone) and is never overwritten or
 *   dropped by the vault: only the customer's explicit `delete` removes it;
 * - changing the passphrase re-wraps the key in one IndexedDB transaction: until it commits, the
 *   old passphrase is the one that works;
 * - a vault written by schema 1 is migrated at its next unlock (./migrate);
 * - an operation that awaits IndexedDB works on its own copy of the data key, wiped after
 *   ({@link Vault.withKey}): a lock meanwhile (which zeroes the vault's buffer) never makes it
 *   sign a backup or read and seal records with a zeroed key; if the vault no longer holds that
 *   key when the operation ends (locked, or re-keyed by a restore), it fails `ERR_VAULT_LOCKED`
 *   and writes nothing, rather than answering with false damage or a backup that fails at restore;
 * - records replaced wholesale (a backup restored, the vault wiped or created) move the vault to
 *   a new generation: an operation begun before fails `ERR_VAULT_REPLACED` and writes nothing,
 *   and so does every later call of a {@link Vault.handle} taken before.
 */
import { hexEncode, utf8Decode, utf8Encode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import type { Argon2Params } from '../build';
import { minimumPassphraseChars, newPassphraseProblem } from '../core/passphrase';
import type { RecordStore } from '../core/ports';
import { digestInput, parseBackup, recordId, serializeBackup } from './backup';
import {
  checkArgon2Params,
  decrypt,
  deriveKey,
  encrypt,
  equalBytes,
  keyBytes,
  keyedHash,
  randomBytes,
  ready,
  saltBytes,
  wipeBytes,
  type Sealed,
} from './crypto';
import {
  associatedData,
  defaultVaultName,
  recordTables,
  VaultDatabase,
  vaultSchemaVersion,
  type KeyringRow,
  type RecordRow,
  type RecordTable,
} from './database';
import { migrateFromSchema1 } from './migrate';
import * as v from 'valibot';

/**
 * Fewer characters than this are refused outright, as is a passphrase of white space only: the
 * rule is core/passphrase `newPassphraseProblem` (the forms check it too); the strength hint is
 * the UI's.
 */
export const minPassphraseChars = minimumPassphraseChars;

/**
 * The `identity` record noting a recovery phrase not yet typed back (`{confirmed: false}`); none
 * once it was, or for a vault recovered from its phrase or made before the note existed.
 */
export const phraseRecordId = 'phrase';

/** Records per IndexedDB request in {@link Vault.addMany}. */
const addChunk = 500;

/** Known plaintext of the key check (see `KeyringRow.check`). */
const checkPlaintext = utf8Encode('consent-assistant/vault-key-check/v1');
/** Domain separation of the backup digest's key from every other use of the data key. */
const backupMacContext = utf8Encode('consent-assistant/backup-mac/v1');

export type VaultState = 'absent' | 'locked' | 'unlocked';

/** A record that does not authenticate: shown to the customer, never silently dropped. */
export interface DamagedRecord {
  readonly table: string;
  readonly id: string;
}

/** The records of one table that decrypted, and those that did not. */
export interface RecordList {
  readonly items: { id: string; value: unknown }[];
  readonly damaged: DamagedRecord[];
}

export interface VaultOptions {
  /** IndexedDB database name; tests use their own. */
  readonly name?: string;
  /** Argon2id cost for new keyrings (create, change passphrase); read from the keyring otherwise. */
  readonly params: Argon2Params;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** Test seam of {@link Vault.changePassphrase}: runs inside the transaction, before it commits. */
export interface ChangePassphraseHooks {
  readonly beforeCommit?: () => void | Promise<void>;
}

function sealedOf(row: { n: Uint8Array; c: Uint8Array }): Sealed {
  return { nonce: row.n, ciphertext: row.c };
}

function rowOf(sealed: Sealed): { n: Uint8Array; c: Uint8Array } {
  return { n: sealed.nonce, c: sealed.ciphertext };
}

function checkRecordId(id: string): string {
  if (!v.is(recordId, id))
    throw new ProtocolError('ERR_MESSAGE_INVALID', 'a record id must be 1..64 of [A-Za-z0-9_-]');
  return id;
}

/** Every new passphrase (create, recover, change) passes the one rule of core/passphrase. */
function checkNewPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || newPassphraseProblem(passphrase) !== null)
    throw new ProtocolError(
      'ERR_VAULT_PASSPHRASE_WEAK',
      `a passphrase needs at least ${minPassphraseChars} characters, not all white space`,
    );
}

/** Runs an IndexedDB operation; anything but a ProtocolError becomes `ERR_VAULT_STORAGE_FAILED`. */
async function storage<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    if (isProtocolError(e)) throw e;
    const error = new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'IndexedDB refused the operation');
    error.cause = e;
    throw error;
  }
}

/**
 * The vault of one browser profile.
 *
 * @example
 * ```ts
 * const vault = await Vault.open({ params: argon2Params, now: () => clock.now() });
 * if ((await vault.state()) === 'absent') await vault.create(passphrase, masterSeed);
 * else await vault.unlock(passphrase);
 * await vault.put('profile', 'current', profile);
 * vault.lock();
 * ```
 */
export class Vault {
  private db: VaultDatabase;
  private dataKey: Uint8Array | null = null;
  /**
   * Counts the times the records were replaced wholesale: a restore's replacement, a creation, a
   * wipe (never a lock or an unlock, which leave the records as they are). What began on the
   * records of one generation must not write into another's ({@link handle}).
   */
  private generation = 0;

  private constructor(
    private readonly name: string,
    private readonly options: VaultOptions,
  ) {
    this.db = new VaultDatabase(name);
  }

  /**
   * Opens (or creates the empty database of) a vault; loads libsodium.
   *
   * @example
   * ```ts
   * const vault = await Vault.open({ name: 'test-vault', params: testArgon2Params, now: Date.now });
   * ```
   */
  static async open(options: VaultOptions): Promise<Vault> {
    await ready();
    const vault = new Vault(options.name ?? defaultVaultName, options);
    await storage(() => vault.db.open().then(() => undefined));
    return vault;
  }

  /** The database name, e.g. for a test that writes a fixture beside it. */
  get databaseName(): string {
    return this.name;
  }

  /** True while the data key is held. */
  get isUnlocked(): boolean {
    return this.dataKey !== null;
  }

  /**
   * `absent` (no keyring: onboarding or recovery next), `locked` or `unlocked`.
   *
   * @example
   * ```ts
   * await vault.state() // 'locked'
   * ```
   */
  async state(): Promise<VaultState> {
    if (this.dataKey !== null) return 'unlocked';
    return (await this.keyring()) === undefined ? 'absent' : 'locked';
  }

  private async keyring(): Promise<KeyringRow | undefined> {
    return storage(() => this.db.meta.get('keyring'));
  }

  private key(): Uint8Array {
    if (this.dataKey === null) throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault is locked');
    return this.dataKey;
  }

  /**
   * Runs `operation` with a copy of the data key, wiped when it ends. `lock()` zeroes the vault's
   * own buffer in place (and `unlock()` locks first even when unlocked), so an operation that
   * awaits IndexedDB must never hold that buffer: a backup would be signed with zeros and fail at
   * restore ("the backup was altered"), and records would read as damaged. When the operation
   * ends (or fails) and the vault no longer holds the same key, its result is not given:
   * `ERR_VAULT_LOCKED` (a re-unlock with the same key changes nothing); when its records were
   * replaced meanwhile (a restore of a backup with the very same key included),
   * `ERR_VAULT_REPLACED`. `operation` is handed the generation it began on, for
   * {@link requireKey} inside its write transaction.
   */
  private async withKey<T>(
    operation: (key: Uint8Array, generation: number) => Promise<T>,
  ): Promise<T> {
    const key = this.key().slice();
    const generation = this.generation;
    try {
      let result: T;
      try {
        result = await operation(key, generation);
      } catch (e) {
        this.requireKey(key, generation);
        throw e;
      }
      this.requireKey(key, generation);
      return result;
    } finally {
      wipeBytes(key);
    }
  }

  /**
   * `ERR_VAULT_LOCKED` unless the vault holds `key` now, `ERR_VAULT_REPLACED` unless its records
   * are still those of `generation`: after an operation, and inside a write transaction before it
   * writes, so that nothing sealed under a key the vault no longer holds, nor anything begun on
   * records a restore replaced since, is written. Inside a transaction, only once one of its
   * requests was answered: Dexie runs the transaction's function as soon as it creates it, while
   * IndexedDB starts it only after the transactions over the same tables asked for before (a
   * restore's replacement) committed; an answer comes after that, and so sees what they changed.
   */
  private requireKey(key: Uint8Array, generation: number): void {
    this.requireGeneration(generation);
    if (this.dataKey === null || !equalBytes(this.dataKey, key))
      throw new ProtocolError('ERR_VAULT_LOCKED', 'the vault was locked during the operation');
  }

  /** `ERR_VAULT_REPLACED` unless the records are still those of `generation`. */
  private requireGeneration(generation: number): void {
    if (generation !== this.generation)
      throw new ProtocolError(
        'ERR_VAULT_REPLACED',
        'the records were replaced (a backup restored, the vault wiped or created) meanwhile',
      );
  }

  /**
   * The vault as a record store bound to its records as they are now: every call of `get`,
   * `put`, `putMany`, `addMany`, `delete` and `list` goes to this vault, until its records are
   * replaced wholesale (a backup restored, the vault wiped or created); from then on every call
   * throws `ERR_VAULT_REPLACED`, and one under way at that moment writes nothing (checked inside
   * its write transaction, as the key is) and gives no result; its `check` throws the same at
   * once, for work that must not go on over replaced records between two calls (the offers sync
   * before each acknowledgement to the relay). The service hands one to each piece of work that
   * reads, waits on the network and writes afterwards (a refresh, an offers sync, a consent
   * answer): after a restore, that work must not land what it derived from the old records, under
   * pseudonyms the restored seed may not sign for, in the restored vault.
   * Lock and unlock leave a handle working. It shares the vault's turns (`turnKey`, see
   * extension/core/store-turns), so a restore taking them on the vault waits for work under way
   * through any handle.
   *
   * @example
   * ```ts
   * const store = vault.handle();
   * const wallet = new Wallet({ store, masterSeed: () => readMasterSeed(store), ...ports });
   * await wallet.refreshAll(); // ERR_VAULT_REPLACED when a backup was restored meanwhile
   * ```
   */
  handle(): RecordStore {
    const generation = this.generation;
    // The vault's own methods, called at once after the check: they take the generation they
    // began on synchronously (withKey), which is this one.
    const bound = async <T>(operation: () => Promise<T>): Promise<T> => {
      this.requireGeneration(generation);
      let result: T;
      try {
        result = await operation();
      } catch (e) {
        this.requireGeneration(generation);
        throw e;
      }
      this.requireGeneration(generation);
      return result;
    };
    return {
      turnKey: this,
      check: () => this.requireGeneration(generation),
      get: (table, id) => bound(() => this.get(table, id)),
      put: (table, id, value) => bound(() => this.put(table, id, value)),
      putMany: (table, items) => bound(() => this.putMany(table, items)),
      addMany: (table, items) => bound(() => this.addMany(table, items)),
      delete: (table, id) => bound(() => this.delete(table, id)),
      list: (table) => bound(() => this.list(table)),
    };
  }

  private newKeyring(passphrase: string, dataKey: Uint8Array, createdAt: number): KeyringRow {
    const params = checkArgon2Params(this.options.params, 'ERR_VAULT_RECORD_DAMAGED');
    const salt = randomBytes(saltBytes);
    const kek = deriveKey(passphrase, salt, params);
    try {
      const schema = vaultSchemaVersion;
      return {
        id: 'keyring',
        schema,
        kdf: { alg: 'argon2id13', opslimit: params.opslimit, memlimit: params.memlimit, salt },
        wrapped: rowOf(encrypt(kek, dataKey, associatedData('meta', 'keyring', schema))),
        check: rowOf(encrypt(dataKey, checkPlaintext, associatedData('meta', 'check', schema))),
        createdAt,
      };
    } finally {
      wipeBytes(kek);
    }
  }

  /** The data key of `keyring` under `passphrase`, or `ERR_VAULT_PASSPHRASE_WRONG`. */
  private unwrap(keyring: KeyringRow, passphrase: string): Uint8Array {
    if (keyring.kdf?.alg !== 'argon2id13' || !(keyring.kdf.salt instanceof Uint8Array))
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the keyring is damaged', {
        table: 'meta',
        id: 'keyring',
      });
    const kek = deriveKey(passphrase, keyring.kdf.salt, {
      opslimit: keyring.kdf.opslimit,
      memlimit: keyring.kdf.memlimit,
    });
    try {
      const key = decrypt(
        kek,
        sealedOf(keyring.wrapped),
        associatedData('meta', 'keyring', keyring.schema),
      );
      if (key.length !== keyBytes)
        throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'the data key has a wrong length');
      return key;
    } catch (e) {
      // The wrapped key authenticates under the right passphrase only: Poly1305 cannot tell a
      // wrong passphrase from an altered keyring, and "wrong passphrase" is the likely cause.
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) {
        throw new ProtocolError(
          'ERR_VAULT_PASSPHRASE_WRONG',
          'the passphrase does not unlock this vault',
        );
      }
      throw e;
    } finally {
      wipeBytes(kek);
    }
  }

  /**
   * Creates the vault: a fresh data key wrapped under `passphrase`, and the identity record
   * holding `masterSeed`. Leaves the vault unlocked. `ERR_VAULT_EXISTS` when one exists,
   * `ERR_VAULT_PASSPHRASE_WEAK` for a passphrase under {@link minPassphraseChars} characters or of
   * white space only.
   * `phraseUnconfirmed`: the seed is new, and its recovery phrase still has to be written down
   * and typed back: noted in the same transaction (`identity`/`phrase`), so that no vault exists
   * without the note, which a reload of the page in between would lose otherwise.
   *
   * @example
   * ```ts
   * await vault.create('a long passphrase', generateMasterSeed(randomBytes));
   * ```
   */
  async create(
    passphrase: string,
    masterSeed: Uint8Array,
    options: { phraseUnconfirmed?: boolean } = {},
  ): Promise<void> {
    checkNewPassphrase(passphrase);
    if (!(masterSeed instanceof Uint8Array) || masterSeed.length !== 32)
      throw new ProtocolError('ERR_KEY_INVALID', 'the master seed must be 32 bytes');
    if ((await this.keyring()) !== undefined)
      throw new ProtocolError('ERR_VAULT_EXISTS', 'a vault exists');
    const dataKey = randomBytes(keyBytes);
    const keyring = this.newKeyring(passphrase, dataKey, this.options.now());
    const identity = this.sealRecord(dataKey, 'identity', 'master', {
      masterSeed: hexEncode(masterSeed),
    });
    const phraseNote =
      options.phraseUnconfirmed === true
        ? this.sealRecord(dataKey, 'identity', phraseRecordId, { confirmed: false })
        : undefined;
    await storage(() =>
      this.db.transaction('rw', [this.db.meta, this.db.identity], async () => {
        // Checked again inside the transaction: two dashboards onboarding at once must not
        // leave one vault's key wrapping the other's records.
        if ((await this.db.meta.get('keyring')) !== undefined)
          throw new ProtocolError('ERR_VAULT_EXISTS', 'a vault exists');
        await this.db.meta.add(keyring);
        await this.db.identity.add(identity);
        if (phraseNote !== undefined) await this.db.identity.add(phraseNote);
      }),
    );
    this.dataKey = dataKey;
    this.generation += 1;
  }

  /**
   * Unlocks with the passphrase, migrating a vault of an older schema first. A wrong passphrase
   * throws `ERR_VAULT_PASSPHRASE_WRONG` and changes nothing; no vault: `ERR_VAULT_ABSENT`; a
   * vault of a newer schema: `ERR_VAULT_SCHEMA_UNSUPPORTED`.
   *
   * @example
   * ```ts
   * await vault.unlock(passphrase);
   * ```
   */
  async unlock(passphrase: string): Promise<void> {
    const keyring = await this.keyring();
    if (keyring === undefined) throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
    if (keyring.schema > vaultSchemaVersion)
      throw new ProtocolError(
        'ERR_VAULT_SCHEMA_UNSUPPORTED',
        'the vault is newer than this Assistant',
      );
    const dataKey = this.unwrap(keyring, passphrase);
    if (keyring.schema < vaultSchemaVersion) {
      try {
        await storage(() =>
          migrateFromSchema1(this.db, dataKey, (current) =>
            this.rewrap(keyring, passphrase, dataKey, current),
          ),
        );
      } catch (e) {
        wipeBytes(dataKey);
        throw e;
      }
    }
    this.lock();
    this.dataKey = dataKey;
  }

  /** The keyring re-wrapped at the current schema, keeping its salt and parameters. */
  private rewrap(
    old: KeyringRow,
    passphrase: string,
    dataKey: Uint8Array,
    schema: number,
  ): KeyringRow {
    const kek = deriveKey(passphrase, old.kdf.salt, {
      opslimit: old.kdf.opslimit,
      memlimit: old.kdf.memlimit,
    });
    try {
      return {
        ...old,
        schema,
        wrapped: rowOf(encrypt(kek, dataKey, associatedData('meta', 'keyring', schema))),
        check: rowOf(encrypt(dataKey, checkPlaintext, associatedData('meta', 'check', schema))),
      };
    } finally {
      wipeBytes(kek);
    }
  }

  /**
   * Unlocks with a data key kept in `storage.session` (a service worker restarted while the
   * vault was unlocked). A key that does not fit this vault any more (wiped, restored, another
   * vault) throws `ERR_VAULT_LOCKED`: the customer unlocks with the passphrase again.
   *
   * @example
   * ```ts
   * const saved = await readSession('vault.key');
   * if (saved) await vault.unlockWithKey(saved);
   * ```
   */
  async unlockWithKey(key: Uint8Array): Promise<void> {
    const keyring = await this.keyring();
    if (keyring === undefined) throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
    if (!(key instanceof Uint8Array) || key.length !== keyBytes || keyring.check === undefined)
      throw new ProtocolError('ERR_VAULT_LOCKED', 'this key does not unlock the vault');
    try {
      const plain = decrypt(
        key,
        sealedOf(keyring.check),
        associatedData('meta', 'check', keyring.schema),
      );
      if (!equalBytes(plain, checkPlaintext))
        throw new ProtocolError('ERR_VAULT_LOCKED', 'key check failed');
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED'))
        throw new ProtocolError('ERR_VAULT_LOCKED', 'this key does not unlock the vault');
      throw e;
    }
    this.lock();
    this.dataKey = key.slice();
  }

  /**
   * A copy of the data key, for `storage.session` only (never `storage.local`, never a message
   * to a page). `ERR_VAULT_LOCKED` when locked.
   *
   * @example
   * ```ts
   * await writeSession('vault.key', vault.sessionKey());
   * ```
   */
  sessionKey(): Uint8Array {
    return this.key().slice();
  }

  /**
   * Locks: zeroes and drops the data key. Idempotent.
   *
   * @example
   * ```ts
   * vault.lock();
   * ```
   */
  lock(): void {
    if (this.dataKey !== null) wipeBytes(this.dataKey);
    this.dataKey = null;
  }

  private sealRecord(key: Uint8Array, table: RecordTable, id: string, value: unknown): RecordRow {
    const bytes = utf8Encode(JSON.stringify(value));
    const sealed = encrypt(key, bytes, associatedData(table, id, vaultSchemaVersion));
    return { id, v: vaultSchemaVersion, n: sealed.nonce, c: sealed.ciphertext };
  }

  /** Decrypts one row; `ERR_VAULT_RECORD_DAMAGED` with `{table, id}` when it does not authenticate. */
  private openRecord(key: Uint8Array, table: string, row: RecordRow): unknown {
    try {
      if (typeof row.v !== 'number')
        throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'no schema version');
      return JSON.parse(
        utf8Decode(decrypt(key, sealedOf(row), associatedData(table, row.id, row.v))),
      );
    } catch (_e) {
      throw new ProtocolError('ERR_VAULT_RECORD_DAMAGED', 'a record does not authenticate', {
        table,
        id: String(row.id).slice(0, 64),
      });
    }
  }

  /**
   * The decrypted value of one record (parsed JSON, still untrusted: the caller parses it with
   * its schema), or `undefined` when absent. Damaged: `ERR_VAULT_RECORD_DAMAGED` with `{table, id}`.
   *
   * @example
   * ```ts
   * const raw = await vault.get('profile', 'current');
   * ```
   */
  async get(table: RecordTable, id: string): Promise<unknown> {
    return this.withKey(async (key) => {
      const row = await storage(() => this.db.recordTable(table).get(checkRecordId(id)));
      return row === undefined ? undefined : this.openRecord(key, table, row);
    });
  }

  /**
   * Writes one record. Refuses (`ERR_VAULT_RECORD_DAMAGED`) to overwrite a record that does not
   * authenticate: the customer sees it and decides.
   *
   * @example
   * ```ts
   * await vault.put('profile', 'current', profile);
   * ```
   */
  async put(table: RecordTable, id: string, value: unknown): Promise<void> {
    await this.withKey(async (key, generation) => {
      const row = this.sealRecord(key, table, checkRecordId(id), value);
      const t = this.db.recordTable(table);
      await storage(() =>
        this.db.transaction('rw', t, async () => {
          const existing = await t.get(id);
          this.requireKey(key, generation);
          if (existing !== undefined) this.openRecord(key, table, existing);
          await t.put(row);
        }),
      );
    });
  }

  /**
   * Writes many records in one transaction (IndexedDB `bulkPut`): all or none. Like
   * {@link put}, refuses (`ERR_VAULT_RECORD_DAMAGED`) to overwrite a record that does not
   * authenticate. One transaction instead of one per record is what makes refreshing hundreds of
   * relationships cheap (issue 9, bench/portal/me.ts).
   *
   * @example
   * ```ts
   * await vault.putMany('relationships', changed.map((r) => ({ id: r.pseudonym, value: r })));
   * ```
   */
  async putMany(
    table: RecordTable,
    items: readonly { id: string; value: unknown }[],
  ): Promise<void> {
    if (items.length === 0) return;
    await this.withKey(async (key, generation) => {
      for (const { id } of items) checkRecordId(id);
      const rows = items.map(({ id, value }) => this.sealRecord(key, table, id, value));
      const t = this.db.recordTable(table);
      await storage(() =>
        this.db.transaction('rw', t, async () => {
          const existing = await t.bulkGet(rows.map((r) => r.id));
          this.requireKey(key, generation);
          for (const row of existing) if (row !== undefined) this.openRecord(key, table, row);
          await t.bulkPut(rows);
        }),
      );
    });
  }

  /**
   * Adds many new records in one transaction (IndexedDB `bulkAdd`): an id that exists already
   * fails the whole call with `ERR_VAULT_STORAGE_FAILED` and nothing is written, so no existing
   * record is ever overwritten this way.
   *
   * @example
   * ```ts
   * await vault.addMany('blacklist', entries.map((e) => ({ id: e.id, value: e })));
   * ```
   */
  async addMany(
    table: RecordTable,
    items: readonly { id: string; value: unknown }[],
  ): Promise<void> {
    await this.withKey(async (key, generation) => {
      for (const { id } of items) checkRecordId(id);
      const t = this.db.recordTable(table);
      await storage(() =>
        this.db.transaction('rw', t, async () => {
          // Answered once the transaction runs ({@link requireKey}); one lookup, whatever the count.
          if (items.length > 0) await t.get(items[0]!.id);
          this.requireKey(key, generation);
          // Encrypt and hand over in chunks without waiting between them: IndexedDB writes one
          // chunk in the browser's storage process while this thread encrypts the next, so the
          // encryption mostly hides behind the write (bench/vault.bench.ts). One transaction: a
          // failing chunk aborts every chunk.
          const pending: Promise<unknown>[] = [];
          for (let i = 0; i < items.length; i += addChunk) {
            const rows = items
              .slice(i, i + addChunk)
              .map(({ id, value }) => this.sealRecord(key, table, id, value));
            pending.push(t.bulkAdd(rows));
          }
          await Promise.all(pending);
        }),
      );
    });
  }

  /**
   * Deletes one record: the customer's explicit choice, so damaged records may be deleted too.
   * Like {@link put}, deletes nothing once the records were replaced since it began (checked
   * inside its transaction): a delete queued behind a restore's replacement would take a record
   * of the restored vault.
   *
   * @example
   * ```ts
   * await vault.delete('blacklist', entryId);
   * ```
   */
  async delete(table: RecordTable, id: string): Promise<void> {
    await this.withKey(async (key, generation) => {
      checkRecordId(id);
      const t = this.db.recordTable(table);
      await storage(() =>
        this.db.transaction('rw', t, async () => {
          // Answered once the transaction runs ({@link requireKey}).
          await t.get(id);
          this.requireKey(key, generation);
          await t.delete(id);
        }),
      );
    });
  }

  /**
   * Every record of `table`, decrypted, and the ids of those that did not authenticate.
   *
   * @example
   * ```ts
   * const { items, damaged } = await vault.list('blacklist');
   * ```
   */
  async list(table: RecordTable): Promise<RecordList> {
    return this.withKey((key) => this.listWith(key, table));
  }

  /** {@link list} with the caller's copy of the key. */
  private async listWith(key: Uint8Array, table: RecordTable): Promise<RecordList> {
    const rows = await storage(() => this.db.recordTable(table).toArray());
    const items: { id: string; value: unknown }[] = [];
    const damaged: DamagedRecord[] = [];
    for (const row of rows) {
      try {
        items.push({ id: row.id, value: this.openRecord(key, table, row) });
      } catch (_e) {
        damaged.push({ table, id: String(row.id).slice(0, 64) });
      }
    }
    return { items, damaged };
  }

  /**
   * How many records `table` holds, without decrypting (the popup's counts).
   *
   * @example
   * ```ts
   * await vault.count('blacklist') // 3
   * ```
   */
  async count(table: RecordTable): Promise<number> {
    this.key();
    return storage(() => this.db.recordTable(table).count());
  }

  /**
   * Every record of the vault that does not authenticate, schema-1 leftovers included.
   *
   * @example
   * ```ts
   * for (const { table, id } of await vault.listDamaged()) show(table, id);
   * ```
   */
  async listDamaged(): Promise<DamagedRecord[]> {
    return this.withKey(async (key) => {
      const damaged: DamagedRecord[] = [];
      for (const table of recordTables) damaged.push(...(await this.listWith(key, table)).damaged);
      const leftovers = await storage(() => this.db.records.toArray());
      for (const row of leftovers) {
        try {
          decrypt(key, sealedOf(row), associatedData('records', row.id, row.v));
        } catch (_e) {
          damaged.push({ table: 'records', id: String(row.id).slice(0, 64) });
        }
      }
      return damaged;
    });
  }

  /**
   * Re-wraps the data key under `next` (new salt, the build's current Argon2id cost, so raising
   * the cost takes effect here). The keyring is replaced in one transaction that also checks it
   * is still the keyring `current` unlocked: an interruption before the commit leaves `current`
   * working. Wrong `current`: `ERR_VAULT_PASSPHRASE_WRONG`, nothing changed.
   *
   * @example
   * ```ts
   * await vault.changePassphrase(old, next);
   * ```
   */
  async changePassphrase(
    current: string,
    next: string,
    hooks: ChangePassphraseHooks = {},
  ): Promise<void> {
    checkNewPassphrase(next);
    const keyring = await this.keyring();
    if (keyring === undefined) throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
    const dataKey = this.unwrap(keyring, current);
    try {
      // Argon2id runs before the transaction: IndexedDB commits a transaction left idle, and
      // nothing should hold the database while the KDF runs.
      const replacement = this.newKeyring(next, dataKey, keyring.createdAt);
      replacement.schema = keyring.schema;
      await storage(() =>
        this.db.transaction('rw', this.db.meta, async () => {
          const now = await this.db.meta.get('keyring');
          if (now === undefined || !equalBytes(now.kdf.salt, keyring.kdf.salt))
            throw new ProtocolError(
              'ERR_VAULT_PASSPHRASE_WRONG',
              'the passphrase changed meanwhile',
            );
          await this.db.meta.put(replacement);
          await hooks.beforeCommit?.();
        }),
      );
    } finally {
      wipeBytes(dataKey);
    }
  }

  private backupMacKey(key: Uint8Array): Uint8Array {
    return keyedHash(key, backupMacContext);
  }

  /**
   * The backup file's text: the keyring and every record, still encrypted, with a keyed digest.
   * Restoring it needs the passphrase that was current when it was made. Damaged records are
   * carried over as they are (they stay damaged, and visible, after a restore). The keyring and
   * the records are read in one transaction, and the digest's key is a copy of the data key:
   * a vault locked or re-keyed meanwhile fails the export with `ERR_VAULT_LOCKED` instead of
   * producing a file that fails at restore.
   *
   * @example
   * ```ts
   * const text = await vault.exportBackup();
   * download(new Blob([text], { type: 'application/json' }));
   * ```
   */
  async exportBackup(): Promise<string> {
    return this.withKey(async (key) => {
      const { keyring, records } = await this.snapshot();
      const macKey = this.backupMacKey(key);
      try {
        const mac = keyedHash(macKey, digestInput(keyring, records));
        return serializeBackup(keyring, records, mac, this.options.now());
      } finally {
        wipeBytes(macKey);
      }
    });
  }

  /** The keyring and every record, still encrypted, read in one transaction (one state). */
  private async snapshot(): Promise<{
    keyring: KeyringRow;
    records: { table: RecordTable; row: RecordRow }[];
  }> {
    const records: { table: RecordTable; row: RecordRow }[] = [];
    const keyring = await storage(() =>
      this.db.transaction(
        'r',
        [this.db.meta, ...recordTables.map((t) => this.db.recordTable(t))],
        async () => {
          const row = await this.db.meta.get('keyring');
          for (const table of recordTables) {
            for (const r of await this.db.recordTable(table).toArray())
              records.push({ table, row: r });
          }
          return row;
        },
      ),
    );
    if (keyring === undefined) throw new ProtocolError('ERR_VAULT_ABSENT', 'there is no vault');
    return { keyring, records };
  }

  /**
   * Restores a backup made by {@link exportBackup}, unlocking with `passphrase` (the one current
   * when the backup was made). Refuses to replace an existing vault unless `replace` is true.
   * A malformed or altered file: `ERR_VAULT_BACKUP_INVALID`; a wrong passphrase:
   * `ERR_VAULT_PASSPHRASE_WRONG`. Either way the existing vault is untouched. On success the
   * vault holds exactly the backup's records and is unlocked.
   *
   * `replacing`: runs the replacement (the records, the key they are read with and the vault's
   * generation, in one step), once the file is checked, when the caller lets it; by default it
   * runs at once. Two things keep other work from landing over the restored records. The service
   * runs the replacement in every read-modify-write turn of the vault (extension/core/store-turns
   * `inAllVaultTurns`), so a write under way in a turn ends before it. And the new generation
   * ends everything begun on the old records ({@link handle}, {@link withKey}): work that read
   * before the restore and writes after it (a refresh waiting on the clearinghouse, an offers
   * sync, a consent answer being signed) fails `ERR_VAULT_REPLACED` and writes nothing. A
   * `replacing` that fails leaves the vault as it was (its key, unlocked or not, its records); one
   * that resolves without having run the replacement is a defect of the caller: the restore did
   * not happen, and throws.
   *
   * @example
   * ```ts
   * await vault.restoreBackup(await file.text(), passphrase, { replace: true });
   * ```
   */
  async restoreBackup(
    text: string,
    passphrase: string,
    options: {
      replace?: boolean;
      replacing?: (replace: () => Promise<void>) => Promise<void>;
    } = {},
  ): Promise<void> {
    const backup = parseBackup(text);
    if (backup.schema !== vaultSchemaVersion)
      throw new ProtocolError(
        'ERR_VAULT_SCHEMA_UNSUPPORTED',
        'the backup was written by another schema',
      );
    checkArgon2Params(backup.keyring.kdf, 'ERR_VAULT_BACKUP_INVALID');
    if (!options.replace && (await this.keyring()) !== undefined)
      throw new ProtocolError('ERR_VAULT_EXISTS', 'a vault exists; restoring would replace it');
    let dataKey: Uint8Array;
    try {
      dataKey = this.unwrap(backup.keyring, passphrase);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED'))
        throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'the backup keyring is damaged');
      throw e;
    }
    const macKey = this.backupMacKey(dataKey);
    const mac = keyedHash(macKey, digestInput(backup.keyring, backup.records));
    wipeBytes(macKey);
    if (!equalBytes(mac, backup.mac)) {
      wipeBytes(dataKey);
      throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'the backup was altered');
    }
    let replaced = false;
    let ended = false;
    const replace = async () => {
      // Run late, after the restore answered: the key it would switch to is wiped by then.
      if (ended) throw new Error('the replacement ran after the restore ended');
      const tables = [
        this.db.meta,
        this.db.records,
        ...recordTables.map((t) => this.db.recordTable(t)),
      ];
      await storage(() =>
        this.db.transaction('rw', tables, async () => {
          for (const t of tables) await t.clear();
          await this.db.meta.add(backup.keyring);
          for (const table of recordTables) {
            const rows = backup.records.filter((r) => r.table === table).map((r) => r.row);
            if (rows.length > 0) await this.db.recordTable(table).bulkAdd(rows);
          }
        }),
      );
      // In the same step as the records: what runs after it reads them with their key, and
      // what began before it is of another generation.
      this.lock();
      this.dataKey = dataKey;
      this.generation += 1;
      replaced = true;
    };
    try {
      await (options.replacing ?? ((run) => run()))(replace);
    } catch (e) {
      if (this.dataKey !== dataKey) wipeBytes(dataKey);
      throw e;
    } finally {
      ended = true;
    }
    if (!replaced) {
      wipeBytes(dataKey);
      // Not a refusal but a defect of the caller: kept as a technical problem (problem-log).
      throw new Error('the replacement never ran: the vault was not restored');
    }
  }

  /**
   * Deletes the whole vault (IndexedDB database included) and locks. Irreversible: the UI asks
   * first. The object stays usable: its state is `absent` afterwards, and its records are of a
   * new generation (what began before fails `ERR_VAULT_REPLACED`, {@link handle}).
   *
   * @example
   * ```ts
   * await vault.wipe();
   * ```
   */
  async wipe(): Promise<void> {
    this.lock();
    this.generation += 1;
    await storage(() => this.db.delete());
    this.db = new VaultDatabase(this.name);
    await storage(() => this.db.open().then(() => undefined));
  }

  /** Closes the database connection (tests; a deleted database waits for open connections). */
  close(): void {
    this.lock();
    this.db.close();
  }
}
