import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { shippedArgon2Params, testArgon2Params } from '../build';
import { deriveKey, encrypt, randomBytes, ready } from './crypto';
import { associatedData, vaultSchemaVersion, type KeyringRow } from './database';
import { backupVersion, settingsRecord } from './backup';
import { Vault } from './vault';

const PASS = 'correct horse battery staple';
const OTHER = 'a different passphrase';
const seed = () => new Uint8Array(32).map((_, i) => i + 1);

const opened: Vault[] = [];
let counter = 0;

async function openVault(name = `vault-test-${Date.now()}-${counter++}`): Promise<Vault> {
  const vault = await Vault.open({ name, params: testArgon2Params, now: () => 1_750_000_000_000 });
  opened.push(vault);
  return vault;
}

afterEach(async () => {
  // wipe() deletes through the vault's own connection, so the deletion is never blocked by it.
  for (const vault of opened.splice(0)) await vault.wipe().finally(() => vault.close());
});

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

/** Raw access to the database beside the vault, as an attacker with disk access would have. */
function raw(name: string): Dexie {
  const db = new Dexie(name);
  db.version(2).stores({
    meta: 'id',
    records: 'id',
    identity: 'id',
    profile: 'id',
    blacklist: 'id',
    relationships: 'id',
  });
  return db;
}

describe('creating and unlocking', () => {
  it('round-trips records and forgets the key when locked', async () => {
    const vault = await openVault();
    expect(await vault.state()).toBe('absent');
    await vault.create(PASS, seed());
    expect(await vault.state()).toBe('unlocked');
    await vault.put('profile', 'current', { mode: 'manual', note: 'äöü' });
    expect(await vault.get('profile', 'current')).toEqual({ mode: 'manual', note: 'äöü' });

    vault.lock();
    expect(await vault.state()).toBe('locked');
    expect(await codeOf(() => vault.get('profile', 'current'))).toBe('ERR_VAULT_LOCKED');
    expect(await codeOf(() => vault.put('profile', 'current', {}))).toBe('ERR_VAULT_LOCKED');

    await vault.unlock(PASS);
    expect(await vault.get('profile', 'current')).toEqual({ mode: 'manual', note: 'äöü' });
    expect(await vault.get('identity', 'master')).toEqual({
      masterSeed: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',
    });
  });

  it('stores ciphertext only, with the Argon2id parameters beside the wrapped key', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { secret: 'PLAINTEXT-MARKER' });
    const db = raw(vault.databaseName);
    const row = await db.table('profile').get('current');
    const keyring = (await db.table('meta').get('keyring')) as KeyringRow;
    db.close();
    expect(row.v).toBe(vaultSchemaVersion);
    expect(row.n).toHaveLength(24);
    expect(new TextDecoder().decode(row.c)).not.toContain('PLAINTEXT-MARKER');
    expect(keyring.kdf).toMatchObject({ alg: 'argon2id13', ...testArgon2Params });
    expect(keyring.kdf.salt).toHaveLength(16);
  });

  it('refuses a wrong passphrase and touches nothing', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    vault.lock();
    const db = raw(vault.databaseName);
    const before = await db.table('meta').get('keyring');
    expect(await codeOf(() => vault.unlock(OTHER))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    expect(await codeOf(() => vault.unlock(''))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    expect(await db.table('meta').get('keyring')).toEqual(before);
    db.close();
    expect(await vault.state()).toBe('locked');
    await vault.unlock(PASS);
  });

  it('refuses a short passphrase, a second vault and unlocking nothing', async () => {
    const vault = await openVault();
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_ABSENT');
    expect(await codeOf(() => vault.create('short', seed()))).toBe('ERR_VAULT_PASSPHRASE_WEAK');
    await vault.create(PASS, seed());
    expect(await codeOf(() => vault.create(PASS, seed()))).toBe('ERR_VAULT_EXISTS');
  });

  it('refuses a passphrase of white space only, however long, and keeps spaces as typed', async () => {
    const vault = await openVault();
    // Failed before: ten spaces made a vault (its minimum counted them as characters).
    expect(await codeOf(() => vault.create(' '.repeat(10), seed()))).toBe(
      'ERR_VAULT_PASSPHRASE_WEAK',
    );
    expect(await codeOf(() => vault.create('\t \u00a0'.repeat(8), seed()))).toBe(
      'ERR_VAULT_PASSPHRASE_WEAK',
    );
    expect(await vault.state()).toBe('absent');
    // Only the check trims: the spaces around a passphrase are part of it.
    await vault.create(`  ${PASS}  `, seed());
    vault.lock();
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    await vault.unlock(`  ${PASS}  `);
  });

  it('refuses a vault written by a newer schema', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    vault.lock();
    const db = raw(vault.databaseName);
    await db.table('meta').update('keyring', { schema: vaultSchemaVersion + 1 });
    db.close();
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_SCHEMA_UNSUPPORTED');
  });

  it('accepts the passphrase in either Unicode normalisation form', async () => {
    const vault = await openVault();
    await vault.create('caf\u00e9 au lait, bitte', seed());
    vault.lock();
    await vault.unlock('cafe\u0301 au lait, bitte');
    expect(vault.isUnlocked).toBe(true);
  });

  it('unlocks with the session key, and refuses a key that no longer fits', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { a: 1 });
    const key = vault.sessionKey();
    vault.lock();
    await vault.unlockWithKey(key);
    expect(await vault.get('profile', 'current')).toEqual({ a: 1 });
    vault.lock();
    expect(await codeOf(() => vault.unlockWithKey(randomBytes(32)))).toBe('ERR_VAULT_LOCKED');
    await vault.wipe();
    await vault.create(PASS, seed());
    vault.lock();
    expect(await codeOf(() => vault.unlockWithKey(key))).toBe('ERR_VAULT_LOCKED');
  });

  it(
    'unlocks at the shipped Argon2id cost of 3 passes over 64 MiB',
    { timeout: 60_000 },
    async () => {
      const name = `vault-shipped-${Date.now()}`;
      const vault = await Vault.open({ name, params: shippedArgon2Params, now: Date.now });
      opened.push(vault);
      await vault.create(PASS, seed());
      vault.lock();
      expect(await codeOf(() => vault.unlock(OTHER))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
      await vault.unlock(PASS);
      const db = raw(name);
      const keyring = (await db.table('meta').get('keyring')) as KeyringRow;
      db.close();
      expect(keyring.kdf).toMatchObject({ opslimit: 3, memlimit: 64 * 1024 * 1024 });
    },
  );
});

describe('damaged records', () => {
  async function vaultWithBlacklist() {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.addMany('blacklist', [
      { id: 'a'.repeat(32), value: { n: 1 } },
      { id: 'b'.repeat(32), value: { n: 2 } },
      { id: 'c'.repeat(32), value: { n: 3 } },
    ]);
    return vault;
  }

  it('lists a record with a flipped bit as damaged and keeps it', async () => {
    const vault = await vaultWithBlacklist();
    const db = raw(vault.databaseName);
    const row = await db.table('blacklist').get('b'.repeat(32));
    row.c[3] ^= 0x01;
    await db.table('blacklist').put(row);

    const { items, damaged } = await vault.list('blacklist');
    expect(items.map((i) => i.value)).toEqual([{ n: 1 }, { n: 3 }]);
    expect(damaged).toEqual([{ table: 'blacklist', id: 'b'.repeat(32) }]);
    expect(await vault.listDamaged()).toEqual([{ table: 'blacklist', id: 'b'.repeat(32) }]);

    try {
      await vault.get('blacklist', 'b'.repeat(32));
      expect.unreachable();
    } catch (e) {
      expect((e as ProtocolError).code).toBe('ERR_VAULT_RECORD_DAMAGED');
      expect((e as ProtocolError).detail).toEqual({ table: 'blacklist', id: 'b'.repeat(32) });
    }
    // Never overwritten: the damaged bytes are still there after a refused write.
    expect(await codeOf(() => vault.put('blacklist', 'b'.repeat(32), { n: 9 }))).toBe(
      'ERR_VAULT_RECORD_DAMAGED',
    );
    expect(
      await codeOf(() => vault.addMany('blacklist', [{ id: 'b'.repeat(32), value: {} }])),
    ).toBe('ERR_VAULT_STORAGE_FAILED');
    expect((await db.table('blacklist').get('b'.repeat(32))).c).toEqual(row.c);
    db.close();

    // Only the customer's explicit delete removes it.
    await vault.delete('blacklist', 'b'.repeat(32));
    expect(await vault.listDamaged()).toEqual([]);
  });

  it('writes all of a bulk put or nothing when it would overwrite a damaged record', async () => {
    const vault = await vaultWithBlacklist();
    const db = raw(vault.databaseName);
    const row = await db.table('blacklist').get('c'.repeat(32));
    row.c[0] ^= 0x01;
    await db.table('blacklist').put(row);
    const code = await codeOf(() =>
      vault.putMany('blacklist', [
        { id: 'a'.repeat(32), value: { n: 10 } },
        { id: 'd'.repeat(32), value: { n: 4 } },
        { id: 'c'.repeat(32), value: { n: 30 } },
      ]),
    );
    expect(code).toBe('ERR_VAULT_RECORD_DAMAGED');
    expect((await db.table('blacklist').get('c'.repeat(32))).c).toEqual(row.c);
    db.close();
    expect(await vault.get('blacklist', 'a'.repeat(32))).toEqual({ n: 1 });
    expect(await vault.count('blacklist')).toBe(3);
    // Without the damaged one: existing records replaced, new ones added, in one call.
    await vault.putMany('blacklist', [
      { id: 'a'.repeat(32), value: { n: 10 } },
      { id: 'd'.repeat(32), value: { n: 4 } },
    ]);
    expect(await vault.get('blacklist', 'a'.repeat(32))).toEqual({ n: 10 });
    expect(await vault.get('blacklist', 'd'.repeat(32))).toEqual({ n: 4 });
    expect(await vault.get('blacklist', 'b'.repeat(32))).toEqual({ n: 2 });
  });

  it('writes all of a bulk add or nothing when one id exists', async () => {
    const vault = await vaultWithBlacklist();
    const fresh = Array.from({ length: 1200 }, (_, i) => ({
      id: i.toString(16).padStart(32, '0'),
      value: { i },
    }));
    const code = await codeOf(() =>
      vault.addMany('blacklist', [...fresh, { id: 'a'.repeat(32), value: { n: 9 } }]),
    );
    expect(code).toBe('ERR_VAULT_STORAGE_FAILED');
    expect(await vault.count('blacklist')).toBe(3);
    expect(await vault.get('blacklist', 'a'.repeat(32))).toEqual({ n: 1 });
    await vault.addMany('blacklist', fresh);
    expect(await vault.count('blacklist')).toBe(1203);
  });

  it('treats a ciphertext moved to another id or table as damaged (associated data)', async () => {
    const vault = await vaultWithBlacklist();
    const db = raw(vault.databaseName);
    const a = await db.table('blacklist').get('a'.repeat(32));
    await db.table('blacklist').put({ ...a, id: 'd'.repeat(32) });
    await db.table('relationships').put({ ...a });
    await db.table('blacklist').put({ ...(await db.table('blacklist').get('c'.repeat(32))), v: 1 });
    db.close();
    expect(
      (await vault.listDamaged()).sort((x, y) => (x.table + x.id).localeCompare(y.table + y.id)),
    ).toEqual([
      { table: 'blacklist', id: 'c'.repeat(32) },
      { table: 'blacklist', id: 'd'.repeat(32) },
      { table: 'relationships', id: 'a'.repeat(32) },
    ]);
  });
});

describe('changing the passphrase', () => {
  it('re-wraps the key: the new passphrase unlocks, the old one does not', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { kept: true });
    expect(await codeOf(() => vault.changePassphrase(OTHER, 'whatever long enough'))).toBe(
      'ERR_VAULT_PASSPHRASE_WRONG',
    );
    expect(await codeOf(() => vault.changePassphrase(PASS, 'short'))).toBe(
      'ERR_VAULT_PASSPHRASE_WEAK',
    );
    expect(await codeOf(() => vault.changePassphrase(PASS, ' '.repeat(12)))).toBe(
      'ERR_VAULT_PASSPHRASE_WEAK',
    );
    await vault.changePassphrase(PASS, OTHER);
    vault.lock();
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    await vault.unlock(OTHER);
    expect(await vault.get('profile', 'current')).toEqual({ kept: true });
  });

  it('leaves the old passphrase working when the transaction is interrupted', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { kept: true });
    const interrupted = new ProtocolError(
      'ERR_VAULT_STORAGE_FAILED',
      'simulated crash before commit',
    );
    await expect(
      vault.changePassphrase(PASS, OTHER, {
        beforeCommit: () => {
          throw interrupted;
        },
      }),
    ).rejects.toBe(interrupted);
    vault.lock();
    expect(await codeOf(() => vault.unlock(OTHER))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    await vault.unlock(PASS);
    expect(await vault.get('profile', 'current')).toEqual({ kept: true });
  });
});

describe('backup and restore', () => {
  async function filledVault() {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { mode: 'automatic' });
    await vault.addMany('blacklist', [
      { id: 'a'.repeat(32), value: { n: 1 } },
      { id: 'b'.repeat(32), value: { n: 2 } },
    ]);
    return vault;
  }

  it('restores every record on another profile with the backup’s passphrase', async () => {
    const source = await filledVault();
    const file = await source.exportBackup();
    expect(file).not.toContain('automatic');
    const target = await openVault();
    await target.restoreBackup(file, PASS);
    expect(await target.state()).toBe('unlocked');
    expect(await target.get('profile', 'current')).toEqual({ mode: 'automatic' });
    expect((await target.list('blacklist')).items.map((i) => i.value)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    target.lock();
    await target.unlock(PASS);
    expect(await target.get('identity', 'master')).toEqual(await source.get('identity', 'master'));
  });

  it('carries the settings record like any other: encrypted, in a version-1 file an older Assistant reads', async () => {
    const source = await filledVault();
    const carried = { clearinghouseUrl: 'http://localhost:4201', language: 'en' };
    await source.put(settingsRecord.table, settingsRecord.id, carried);
    const file = await source.exportBackup();
    expect(file).not.toContain('4201');
    const parsed = JSON.parse(file) as { v: number; records: { table: string; id: string }[] };
    expect(parsed.v).toBe(backupVersion);
    expect(backupVersion).toBe(1);
    expect(parsed.records).toContainEqual(expect.objectContaining(settingsRecord));
    // The vault's restore is an older Assistant's: it knows nothing of the record, and takes it.
    const target = await openVault();
    await target.restoreBackup(file, PASS);
    expect(await target.get('profile', 'current')).toEqual({ mode: 'automatic' });
    expect(await target.get(settingsRecord.table, settingsRecord.id)).toEqual(carried);
  });

  it('refuses a wrong passphrase, and replacing a vault unless asked to', async () => {
    const source = await filledVault();
    const file = await source.exportBackup();
    const target = await openVault();
    expect(await codeOf(() => target.restoreBackup(file, OTHER))).toBe(
      'ERR_VAULT_PASSPHRASE_WRONG',
    );
    expect(await target.state()).toBe('absent');
    await target.create(OTHER, new Uint8Array(32));
    expect(await codeOf(() => target.restoreBackup(file, PASS))).toBe('ERR_VAULT_EXISTS');
    await target.restoreBackup(file, PASS, { replace: true });
    expect(await target.get('profile', 'current')).toEqual({ mode: 'automatic' });
  });

  it.each<
    [string, (backup: Record<string, unknown> & { records: Record<string, unknown>[] }) => unknown]
  >([
    ['a record removed', (b) => ({ ...b, records: b.records.slice(1) })],
    [
      'two records swapped',
      (b) => ({ ...b, records: [b.records[1], b.records[0], ...b.records.slice(2)] }),
    ],
    [
      'a ciphertext altered',
      (b) => {
        const r = b.records[0]!;
        const bytes = base64urlDecode(r.ciphertext as string);
        bytes[0]! ^= 1;
        return {
          ...b,
          records: [{ ...r, ciphertext: base64urlEncode(bytes) }, ...b.records.slice(1)],
        };
      },
    ],
    ['the Argon2id cost lowered', (b) => ({ ...b, kdf: { ...(b.kdf as object), opslimit: 2 } })],
    ['an unknown field', (b) => ({ ...b, extra: 1 })],
    ['an unknown table', (b) => ({ ...b, records: [{ ...b.records[0], table: 'secrets' }] })],
    ['not JSON at all', () => undefined],
  ])('refuses a backup with %s and leaves the vault as it was', async (_name, mutate) => {
    const source = await filledVault();
    const backup = JSON.parse(await source.exportBackup());
    const mutated = mutate(backup);
    const text = mutated === undefined ? 'not json' : JSON.stringify(mutated);
    const target = await openVault();
    await target.create(OTHER, new Uint8Array(32));
    await target.put('profile', 'current', { mine: true });
    const code = await codeOf(() => target.restoreBackup(text, PASS, { replace: true }));
    // A lowered cost derives another key, so the wrapped key no longer opens: indistinguishable
    // from a wrong passphrase, and just as refused.
    expect(['ERR_VAULT_BACKUP_INVALID', 'ERR_VAULT_PASSPHRASE_WRONG']).toContain(code);
    if (_name !== 'the Argon2id cost lowered') expect(code).toBe('ERR_VAULT_BACKUP_INVALID');
    expect(await target.get('profile', 'current')).toEqual({ mine: true });
  });
});

describe('a restore whose replacement does not happen', () => {
  /** A vault with a profile, and a backup of another vault (other records, another key). */
  async function vaultAndForeignBackup() {
    const source = await openVault();
    await source.create(PASS, seed());
    await source.put('profile', 'current', { from: 'backup' });
    const file = await source.exportBackup();
    const vault = await openVault();
    await vault.create(OTHER, new Uint8Array(32).fill(7));
    await vault.put('profile', 'current', { from: 'vault' });
    return { vault, file };
  }

  it('keeps the old key, the vault unlocked and its records when the replacement fails', async () => {
    const { vault, file } = await vaultAndForeignBackup();
    const key = vault.sessionKey();
    const before = vault.handle();
    // The replacement's transaction fails once it has cleared the tables (a full disk, say).
    const db = (vault as unknown as { db: { meta: { add: (row: unknown) => Promise<unknown> } } })
      .db;
    const add = db.meta.add.bind(db.meta);
    const code = await codeOf(() =>
      vault.restoreBackup(file, PASS, {
        replace: true,
        replacing: async (replace) => {
          db.meta.add = () => Promise.reject(new Error('QuotaExceededError'));
          try {
            await replace();
          } finally {
            db.meta.add = add;
          }
        },
      }),
    );
    expect(code).toBe('ERR_VAULT_STORAGE_FAILED');
    expect(vault.isUnlocked).toBe(true);
    expect(vault.sessionKey()).toEqual(key);
    expect(await vault.get('profile', 'current')).toEqual({ from: 'vault' });
    // Nothing was replaced: what began before goes on.
    expect(await before.get('profile', 'current')).toEqual({ from: 'vault' });
    vault.lock();
    await vault.unlock(OTHER);
    expect(await vault.get('profile', 'current')).toEqual({ from: 'vault' });
  });

  it('throws, rather than report a restore, when the replacement never ran, and keeps the records', async () => {
    const { vault, file } = await vaultAndForeignBackup();
    const key = vault.sessionKey();
    await expect(
      vault.restoreBackup(file, PASS, { replace: true, replacing: async () => undefined }),
    ).rejects.toThrow('never ran');
    expect(vault.isUnlocked).toBe(true);
    expect(vault.sessionKey()).toEqual(key);
    expect(await vault.get('profile', 'current')).toEqual({ from: 'vault' });
    vault.lock();
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    await vault.unlock(OTHER);
    expect(await vault.get('profile', 'current')).toEqual({ from: 'vault' });
  });
});

describe('a handle bound to the records as they were', () => {
  async function filledVault() {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { in: 'backup' });
    return vault;
  }

  it('refuses every call once a backup replaced the records, even one of the same key', async () => {
    const vault = await filledVault();
    const file = await vault.exportBackup();
    await vault.put('profile', 'current', { in: 'vault only' });
    const before = vault.handle();
    expect(await before.get('profile', 'current')).toEqual({ in: 'vault only' });
    // The vault's own backup: the same data key, so the key check alone would let writes in.
    await vault.restoreBackup(file, PASS, { replace: true });
    expect(await codeOf(() => before.get('profile', 'current'))).toBe('ERR_VAULT_REPLACED');
    expect(await codeOf(() => before.put('profile', 'stale', { in: 'old' }))).toBe(
      'ERR_VAULT_REPLACED',
    );
    expect(
      await codeOf(() => before.putMany('relationships', [{ id: 'p1', value: { old: true } }])),
    ).toBe('ERR_VAULT_REPLACED');
    expect(
      await codeOf(() => before.addMany('blacklist', [{ id: 'b1', value: { old: true } }])),
    ).toBe('ERR_VAULT_REPLACED');
    expect(await codeOf(() => before.delete('profile', 'current'))).toBe('ERR_VAULT_REPLACED');
    expect(await codeOf(() => before.list('profile'))).toBe('ERR_VAULT_REPLACED');
    expect(await vault.get('profile', 'stale')).toBeUndefined();
    expect((await vault.list('relationships')).items).toEqual([]);
    expect((await vault.list('blacklist')).items).toEqual([]);
    expect(await vault.get('profile', 'current')).toEqual({ in: 'backup' });
    const after = vault.handle();
    expect(await after.get('profile', 'current')).toEqual({ in: 'backup' });
    await after.put('profile', 'fresh', { in: 'restored' });
    expect(await vault.get('profile', 'fresh')).toEqual({ in: 'restored' });
  });

  it.each([
    ['put', (vault: Vault) => vault.put('relationships', 'p1', { old: true })],
    [
      'putMany',
      (vault: Vault) => vault.putMany('relationships', [{ id: 'p1', value: { old: true } }]),
    ],
    [
      'addMany',
      (vault: Vault) => vault.addMany('relationships', [{ id: 'p1', value: { old: true } }]),
    ],
    ['delete', (vault: Vault) => vault.delete('profile', 'current')],
  ])(
    'writes nothing of a %s begun before the restore replaced the records and let in after',
    async (_name, write) => {
      const vault = await filledVault();
      // The vault's own backup: the same data key, so only the generation tells the records apart.
      const file = await vault.exportBackup();
      let writing: Promise<string> | undefined;
      await vault.restoreBackup(file, PASS, {
        replace: true,
        replacing: async (replace) => {
          const replaced = replace();
          // A microtask on, Dexie has opened the replacement's IndexedDB transaction (over every
          // table): the write's, asked for now, waits until that one committed and the generation
          // moved, though the write began on the old one.
          await Promise.resolve();
          writing = codeOf(() => write(vault));
          await replaced;
        },
      });
      expect(await writing).toBe('ERR_VAULT_REPLACED');
      expect((await vault.list('relationships')).items).toEqual([]);
      expect(await vault.get('profile', 'current')).toEqual({ in: 'backup' });
    },
  );

  it('keeps working across a lock and an unlock', async () => {
    const vault = await filledVault();
    const store = vault.handle();
    vault.lock();
    expect(await codeOf(() => store.get('profile', 'current'))).toBe('ERR_VAULT_LOCKED');
    await vault.unlock(PASS);
    expect(await store.get('profile', 'current')).toEqual({ in: 'backup' });
  });

  it('refuses every call once the vault was wiped, or created anew', async () => {
    const vault = await filledVault();
    const beforeWipe = vault.handle();
    await vault.wipe();
    const beforeCreate = vault.handle();
    await vault.create(PASS, seed());
    expect(await codeOf(() => beforeWipe.get('profile', 'current'))).toBe('ERR_VAULT_REPLACED');
    expect(await codeOf(() => beforeWipe.put('profile', 'current', { old: true }))).toBe(
      'ERR_VAULT_REPLACED',
    );
    expect(await codeOf(() => beforeCreate.put('profile', 'current', { old: true }))).toBe(
      'ERR_VAULT_REPLACED',
    );
    expect(await vault.get('profile', 'current')).toBeUndefined();
    await vault.handle().put('profile', 'current', { new: true });
    expect(await vault.get('profile', 'current')).toEqual({ new: true });
  });
});

describe('a lock while an operation is under way', () => {
  async function filledVault() {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { mode: 'automatic' });
    await vault.addMany('blacklist', [{ id: 'a'.repeat(32), value: { n: 1 } }]);
    return vault;
  }

  it('signs a backup with the data key when the vault is unlocked again during the export', async () => {
    const source = await filledVault();
    const exporting = source.exportBackup();
    // unlock() locks first, which zeroes the key's buffer, even when the vault is unlocked.
    await source.unlock(PASS);
    const file = await exporting;
    const target = await openVault();
    await target.restoreBackup(file, PASS);
    expect(await target.get('profile', 'current')).toEqual({ mode: 'automatic' });
  });

  it('fails an export with ERR_VAULT_LOCKED when the vault locks during it, never a bad file', async () => {
    const source = await filledVault();
    const exporting = codeOf(() => source.exportBackup());
    source.lock();
    expect(await exporting).toBe('ERR_VAULT_LOCKED');
  });

  it('never reports intact records as damaged because of a lock or an unlock meanwhile', async () => {
    const vault = await filledVault();
    const listing = vault.list('blacklist');
    const reading = vault.get('profile', 'current');
    const checking = vault.listDamaged();
    await vault.unlock(PASS);
    expect(await listing).toEqual({
      items: [{ id: 'a'.repeat(32), value: { n: 1 } }],
      damaged: [],
    });
    expect(await reading).toEqual({ mode: 'automatic' });
    expect(await checking).toEqual([]);
    const locked = [vault.list('blacklist'), vault.get('profile', 'current'), vault.listDamaged()];
    vault.lock();
    for (const call of locked) expect(await codeOf(() => call)).toBe('ERR_VAULT_LOCKED');
  });

  it('never writes a record sealed with a zeroed key', async () => {
    const vault = await filledVault();
    const session = vault.sessionKey();
    const writes = [
      codeOf(() => vault.put('profile', 'current', { mode: 'manual' })),
      codeOf(() => vault.addMany('blacklist', [{ id: 'b'.repeat(32), value: { n: 2 } }])),
      codeOf(() => vault.putMany('blacklist', [{ id: 'a'.repeat(32), value: { n: 3 } }])),
    ];
    vault.lock();
    await vault.unlockWithKey(session);
    for (const code of await Promise.all(writes))
      expect(['none', 'ERR_VAULT_LOCKED']).toContain(code);
    expect(await vault.listDamaged()).toEqual([]);
  });
});

describe('wipe', () => {
  it('deletes everything and leaves an absent vault', async () => {
    const vault = await openVault();
    await vault.create(PASS, seed());
    await vault.put('profile', 'current', { a: 1 });
    await vault.wipe();
    expect(await vault.state()).toBe('absent');
    expect(await codeOf(() => vault.unlock(PASS))).toBe('ERR_VAULT_ABSENT');
  });
});

describe('migration from schema 1', () => {
  /** Writes a vault exactly as schema 1 did: one `records` table, the blacklist as one array. */
  async function writeSchema1Vault(name: string, passphrase: string) {
    await ready();
    const dataKey = randomBytes(32);
    const salt = randomBytes(16);
    const kek = deriveKey(passphrase, salt, testArgon2Params);
    const wrapped = encrypt(kek, dataKey, associatedData('meta', 'keyring', 1));
    const seal = (id: string, value: unknown) => {
      const s = encrypt(
        dataKey,
        utf8Encode(JSON.stringify(value)),
        associatedData('records', id, 1),
      );
      return { id, v: 1, n: s.nonce, c: s.ciphertext };
    };
    const db = new Dexie(name);
    db.version(1).stores({ meta: 'id', records: 'id' });
    await db.open();
    await db.table('meta').add({
      id: 'keyring',
      schema: 1,
      kdf: { alg: 'argon2id13', ...testArgon2Params, salt },
      wrapped: { n: wrapped.nonce, c: wrapped.ciphertext },
      createdAt: 1,
    });
    await db.table('records').bulkAdd([
      seal('identity', { masterSeed: '11'.repeat(32) }),
      seal('profile', { mode: 'manual' }),
      seal('blacklist', [
        { target: { kind: 'brand', brand: 'Acme' }, reason: 'too_frequent', at: 10 },
        { target: { kind: 'brand', brand: 'Zeta' }, reason: 'other', at: 20 },
      ]),
    ]);
    // A schema-1 record that was already damaged: migration must keep it, not drop it.
    const broken = seal('notes', { x: 1 });
    broken.c[0]! ^= 1;
    await db.table('records').add(broken);
    db.close();
  }

  it('upgrades a schema-1 vault at unlock and keeps its data', async () => {
    const name = `vault-v1-${Date.now()}`;
    await writeSchema1Vault(name, PASS);
    const vault = await openVault(name);
    expect(await vault.state()).toBe('locked');
    expect(await codeOf(() => vault.unlock(OTHER))).toBe('ERR_VAULT_PASSPHRASE_WRONG');
    await vault.unlock(PASS);

    expect(await vault.get('identity', 'master')).toEqual({ masterSeed: '11'.repeat(32) });
    expect(await vault.get('profile', 'current')).toEqual({ mode: 'manual' });
    const { items, damaged } = await vault.list('blacklist');
    expect(damaged).toEqual([]);
    expect(items.map((i) => i.value)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          target: { kind: 'brand', brand: 'Acme' },
          reason: 'too_frequent',
        }),
        expect.objectContaining({ target: { kind: 'brand', brand: 'Zeta' }, reason: 'other' }),
      ]),
    );
    for (const item of items) expect((item.value as { id: string }).id).toBe(item.id);
    expect(await vault.listDamaged()).toEqual([{ table: 'records', id: 'notes' }]);

    const db = raw(name);
    const keyring = (await db.table('meta').get('keyring')) as KeyringRow;
    expect(keyring.schema).toBe(vaultSchemaVersion);
    expect(await db.table('records').count()).toBe(1);
    db.close();

    // After the migration the session key works (schema 1 had no key check) and so does the passphrase.
    const key = vault.sessionKey();
    vault.lock();
    await vault.unlockWithKey(key);
    vault.lock();
    await vault.unlock(PASS);
    expect(await vault.get('profile', 'current')).toEqual({ mode: 'manual' });
  });
});
