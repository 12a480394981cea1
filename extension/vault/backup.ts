/**
 * The backup file: the keyring and every encrypted record exactly as stored, plus a keyed digest
 * over all of it. Records stay ciphertext and the data key stays wrapped by the passphrase's
 * Argon2id key, so the file is as safe at rest as the vault itself; the digest (BLAKE2b keyed
 * with a key derived from the data key) makes a record removed, added or swapped in the file
 * fail the restore, not just an altered one.
 *
 * The file is untrusted input when it comes back: bounded in size, parsed strictly, every
 * failure `ERR_VAULT_BACKUP_INVALID`.
 *
 * The settings of the customer's setup (the clearinghouse address with the log key and origin
 * pinned for it, the auto-lock minutes, the language) live outside the vault, in
 * `storage.local`, but travel in the backup as one more record, {@link settingsRecord}: the
 * service writes their copy into the vault just before each export and puts them back after a
 * restore (extension/service.ts, extension/core/settings `settingsFromBackup`). So they are
 * encrypted and under the digest like every record (an address altered in the file fails the
 * whole restore, never redirects the Assistant to another log), and the file layout stays
 * {@link backupVersion} 1 in both directions: an older Assistant restores a newer backup and
 * ignores the record; a backup of an older Assistant has no such record, and the restore says
 * that its settings were not in it.
 */
import * as v from 'valibot';
import { base64urlDecode, base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { ProtocolError } from '../../protocol/errors';
import { recordTables, type KeyringRow, type RecordRow, type RecordTable } from './database';

/** The `format` member of every backup file. */
export const backupFormat = 'consent-assistant-backup';
/** Version of the file layout (not of the records inside it). */
export const backupVersion = 1;

/**
 * The record that carries the settings of the customer's setup in a backup (see the module's
 * comment): `extension/core/settings` `BackupSettings`, as JSON. The vault keeps the copy of the
 * last export; only a restore reads it. Its content may gain fields (an older Assistant ignores
 * those it does not know); a change of meaning takes a new record id.
 */
export const settingsRecord = { table: 'profile', id: 'backup-settings' } as const satisfies {
  table: RecordTable;
  id: string;
};

export const backupLimits = {
  /** 10,000 blacklist entries take about 2 MB; 64 MiB leaves room without inviting abuse. */
  maxChars: 64 * 1024 * 1024,
  maxRecords: 200_000,
  /** One record's ciphertext, in base64url characters (about 768 KiB of bytes). */
  maxCiphertextChars: 1024 * 1024,
} as const;

/** A record id: fixed names, hex ids, pseudonyms. Nothing that needs escaping anywhere. */
export const recordId = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(64),
  v.regex(/^[A-Za-z0-9_-]+$/),
);

function b64(maxChars: number, exactBytes?: number) {
  return v.pipe(
    v.string(),
    v.maxLength(maxChars),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        const bytes = base64urlDecode(dataset.value);
        if (exactBytes !== undefined && bytes.length !== exactBytes) {
          addIssue({ message: 'wrong length' });
          return NEVER;
        }
        return bytes;
      } catch {
        addIssue({ message: 'not canonical base64url' });
        return NEVER;
      }
    }),
  );
}

const sealedSchema = v.strictObject({
  nonce: b64(32, 24),
  ciphertext: b64(backupLimits.maxCiphertextChars),
});

const backupSchema = v.strictObject({
  format: v.literal(backupFormat),
  v: v.literal(backupVersion),
  schema: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
  createdAt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8.64e15)),
  kdf: v.strictObject({
    alg: v.literal('argon2id13'),
    opslimit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
    memlimit: v.pipe(v.number(), v.integer(), v.minValue(8192), v.maxValue(1024 * 1024 * 1024)),
    salt: b64(24, 16),
  }),
  wrapped: sealedSchema,
  check: sealedSchema,
  records: v.pipe(
    v.array(
      v.strictObject({
        table: v.picklist(recordTables),
        id: recordId,
        v: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
        nonce: b64(32, 24),
        ciphertext: b64(backupLimits.maxCiphertextChars),
      }),
    ),
    v.maxLength(backupLimits.maxRecords),
  ),
  mac: b64(43, 32),
});

/** A parsed backup: bytes decoded, shapes checked, the digest not yet verified. */
export interface ParsedBackup {
  readonly schema: number;
  readonly createdAt: number;
  readonly keyring: KeyringRow;
  readonly records: readonly { table: RecordTable; row: RecordRow }[];
  readonly mac: Uint8Array;
}

/**
 * The bytes the digest covers: every field in a fixed order, each length-prefixed, so no two
 * different backups produce the same input.
 */
export function digestInput(
  keyring: KeyringRow,
  records: readonly { table: RecordTable; row: RecordRow }[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  const push = (bytes: Uint8Array) => {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, bytes.length);
    parts.push(length, bytes);
  };
  const text = (s: string) => push(utf8Encode(s));
  text(`${backupFormat}/${backupVersion}/${keyring.schema}`);
  text(`${keyring.kdf.alg}/${keyring.kdf.opslimit}/${keyring.kdf.memlimit}`);
  push(keyring.kdf.salt);
  push(keyring.wrapped.n);
  push(keyring.wrapped.c);
  if (keyring.check !== undefined) {
    push(keyring.check.n);
    push(keyring.check.c);
  }
  text(String(records.length));
  for (const { table, row } of records) {
    text(`${table}/${row.id}/${row.v}`);
    push(row.n);
    push(row.c);
  }
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The backup file's text for a keyring and its records (the caller computes `mac` over
 * {@link digestInput}).
 *
 * @example
 * ```ts
 * const text = serializeBackup(keyring, records, mac, Date.now());
 * ```
 */
export function serializeBackup(
  keyring: KeyringRow,
  records: readonly { table: RecordTable; row: RecordRow }[],
  mac: Uint8Array,
  createdAt: number,
): string {
  if (keyring.check === undefined)
    throw new ProtocolError('ERR_VAULT_LOCKED', 'unlock the vault once before backing it up');
  return JSON.stringify({
    format: backupFormat,
    v: backupVersion,
    schema: keyring.schema,
    createdAt,
    kdf: {
      alg: keyring.kdf.alg,
      opslimit: keyring.kdf.opslimit,
      memlimit: keyring.kdf.memlimit,
      salt: base64urlEncode(keyring.kdf.salt),
    },
    wrapped: {
      nonce: base64urlEncode(keyring.wrapped.n),
      ciphertext: base64urlEncode(keyring.wrapped.c),
    },
    check: {
      nonce: base64urlEncode(keyring.check.n),
      ciphertext: base64urlEncode(keyring.check.c),
    },
    records: records.map(({ table, row }) => ({
      table,
      id: row.id,
      v: row.v,
      nonce: base64urlEncode(row.n),
      ciphertext: base64urlEncode(row.c),
    })),
    mac: base64urlEncode(mac),
  });
}

/**
 * Parses an untrusted backup file's text. Too large, not JSON, or any shape error:
 * `ERR_VAULT_BACKUP_INVALID`. The digest is verified later, once the passphrase gave the key.
 *
 * @example
 * ```ts
 * const parsed = parseBackup(await file.text());
 * ```
 */
export function parseBackup(text: unknown): ParsedBackup {
  if (typeof text !== 'string' || text.length > backupLimits.maxChars)
    throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'the backup is not text of a bounded size');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'the backup is not JSON');
  }
  const result = v.safeParse(backupSchema, json);
  if (!result.success)
    throw new ProtocolError(
      'ERR_VAULT_BACKUP_INVALID',
      'the backup does not have the expected shape',
    );
  const b = result.output;
  const seen = new Set<string>();
  for (const r of b.records) {
    const key = `${r.table}/${r.id}`;
    if (seen.has(key))
      throw new ProtocolError('ERR_VAULT_BACKUP_INVALID', 'a record appears twice');
    seen.add(key);
  }
  return {
    schema: b.schema,
    createdAt: b.createdAt,
    keyring: {
      id: 'keyring',
      schema: b.schema,
      kdf: { alg: b.kdf.alg, opslimit: b.kdf.opslimit, memlimit: b.kdf.memlimit, salt: b.kdf.salt },
      wrapped: { n: b.wrapped.nonce, c: b.wrapped.ciphertext },
      check: { n: b.check.nonce, c: b.check.ciphertext },
      createdAt: b.createdAt,
    },
    records: b.records.map((r) => ({
      table: r.table,
      row: { id: r.id, v: r.v, n: r.nonce, c: r.ciphertext },
    })),
    mac: b.mac,
  };
}
