/**
 * Migration of a schema-1 vault to schema 2 (see ./database for the history). It needs the data
 * key, so it runs at unlock, in one transaction with the re-wrapped keyring: either the whole
 * vault is at schema 2 afterwards or nothing changed.
 *
 * A schema-1 record that does not authenticate is left where it is (in `records`) and reported
 * by `Vault.listDamaged`: migrating must not be the step that silently drops it.
 */
import { hexEncode, utf8Decode, utf8Encode } from '../../protocol/encoding';
import { decrypt, encrypt, randomBytes } from './crypto';
import {
  associatedData,
  vaultSchemaVersion,
  type KeyringRow,
  type RecordRow,
  type RecordTable,
  type VaultDatabase,
} from './database';

/** Where each schema-1 record id goes in schema 2 (the blacklist is split, see below). */
const schema1Targets: Readonly<Record<string, { table: RecordTable; id: string }>> = {
  identity: { table: 'identity', id: 'master' },
  profile: { table: 'profile', id: 'current' },
};

function seal(key: Uint8Array, table: RecordTable, id: string, value: unknown): RecordRow {
  const sealed = encrypt(
    key,
    utf8Encode(JSON.stringify(value)),
    associatedData(table, id, vaultSchemaVersion),
  );
  return { id, v: vaultSchemaVersion, n: sealed.nonce, c: sealed.ciphertext };
}

/**
 * Moves every schema-1 record into its schema-2 table and replaces the keyring with
 * `rewrap(vaultSchemaVersion)`, all in one transaction. Schema-1 blacklist entries had no id:
 * each gets 16 random bytes in hex, the id format of schema 2.
 *
 * @example
 * ```ts
 * await migrateFromSchema1(db, dataKey, (schema) => rewrap(keyring, passphrase, dataKey, schema));
 * ```
 */
export async function migrateFromSchema1(
  db: VaultDatabase,
  dataKey: Uint8Array,
  rewrap: (schema: number) => KeyringRow,
): Promise<void> {
  // Argon2id for the re-wrap runs before the transaction opens (it takes a while).
  const keyring = rewrap(vaultSchemaVersion);
  await db.transaction(
    'rw',
    [db.meta, db.records, db.identity, db.profile, db.blacklist],
    async () => {
      for (const row of await db.records.toArray()) {
        let value: unknown;
        try {
          value = JSON.parse(
            utf8Decode(
              decrypt(
                dataKey,
                { nonce: row.n, ciphertext: row.c },
                associatedData('records', row.id, row.v),
              ),
            ),
          );
        } catch (_e) {
          continue; // stays in `records`, reported as damaged
        }
        const target = schema1Targets[row.id];
        if (target !== undefined) {
          await db.recordTable(target.table).put(seal(dataKey, target.table, target.id, value));
        } else if (row.id === 'blacklist' && Array.isArray(value)) {
          const rows = value.map((entry: unknown) => {
            const id = hexEncode(randomBytes(16));
            const withId = typeof entry === 'object' && entry !== null ? { ...entry, id } : entry;
            return seal(dataKey, 'blacklist', id, withId);
          });
          await db.blacklist.bulkAdd(rows);
        } else {
          continue; // unknown schema-1 record: kept, not guessed at
        }
        await db.records.delete(row.id);
      }
      await db.meta.put(keyring);
    },
  );
}
