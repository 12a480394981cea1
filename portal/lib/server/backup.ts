/**
 * Backups of a running clearinghouse (issue 12, "Running it for real"): the database and the log's
 * keys together in one file, consistent while the server keeps writing, and a restore into a
 * fresh database that either loads everything or writes nothing.
 *
 * The file is gzip-compressed JSON lines, the same for SQLite and PostgreSQL (so a backup of one
 * restores into the other):
 *
 *   {"format":"consent-clearinghouse-backup","v":1,"createdAt":…,"dialect":…,"migrations":[…],"keys":{…}}
 *   {"table":"companies","columns":["id",…]}      tables in foreign-key order (parents first)
 *   ["co_…",…]                                     one row per line; bytes as {"b":"<base64>"}
 *   {"end":"companies","rows":3}
 *   …
 *   {"format":"consent-clearinghouse-backup","end":true,"tables":N,"rows":N,"sha256":"<hex>"}
 *
 * The last line's `sha256` covers every line before it, so a truncated or altered file is
 * refused before anything is written. The rows are read in one snapshot (a repeatable-read,
 * read-only transaction on PostgreSQL; one read transaction on SQLite in WAL mode), so the log's
 * tiles, checkpoint and entries always agree with each other in a backup. The log signing key and
 * the webhook key are in the file: it is written with mode 0600 and must be kept like the keys.
 *
 * A restore brings the log back to the backup's checkpoint. Every checkpoint the log published
 * after the snapshot (a larger size) is contradicted by the entries the restored log appends
 * next, and verifiers that saw one report a fork; the restore says so, and with the last
 * published checkpoint in hand ({@link RestoreOptions}) refuses unless the operator accepts it.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import { liveSqliteLockHolder, takeSqliteLock } from './db/database-lock';
import { base64Encode, base64urlDecode, bytesEqual } from '../../../protocol/encoding';
import { isProtocolError, type ProtocolErrorCode } from '../../../protocol/errors';
import { thumbprint } from '../../../protocol/keys';
import { ready } from '../../../protocol/sodium';
import {
  consistencyProof,
  openCheckpoint,
  openNote,
  parseVerifierKey,
  tileHashReader,
  verifierKeyText,
  verifyConsistency,
  type Checkpoint,
  type NoteVerifier,
  type TileId,
  unverifiedCheckpointOf,
} from '../../../protocol/tlog';
import type { ClearinghouseDb } from './db/database';
import { migrateToLatest, migrateUpTo } from './db/migrate';
import { readExistingKeyFile, readKeyFileText, syncFolder } from './log/key-file';
import { nodeSha256 } from './log/sequencer';

export const backupFormat = 'consent-clearinghouse-backup';
const backupVersion = 1;
/** Rows read per query while dumping (keyset pages on SQLite's rowid / PostgreSQL's ctid). */
const pageRows = 2_000;
/** Bound parameters per INSERT, below SQLite's 32,766 and PostgreSQL's 65,535. */
const maxParameters = 30_000;
/** A row line longer than this is not one we wrote (the largest column is a 256 KiB sealed body). */
const maxLineChars = 4 * 1024 * 1024;

/** The key files a backup carries, by role. */
export interface BackupKeyPaths {
  logKeyPath: string;
  webhookKeyPath: string;
}

/** Progress of a long backup or restore, for a line on stderr. */
export interface BackupProgress {
  table: string;
  rows: number;
  tablesDone: number;
  tables: number;
}

/** What a backup or restore did. */
export interface BackupSummary {
  tables: number;
  rows: number;
  migrations: string[];
  keys: string[];
  /** A restore's log, when the backup holds one. */
  log?: RestoredLog;
  /**
   * What earlier runs killed half-way (SIGKILL, a crash, a power cut) left, removed by this one:
   * a backup's partial files of the same target, a restore's temporary key files at its key
   * paths. Both held private keys.
   */
  removedPartials?: string[];
}

/** The log a restore brought back: it goes on from this checkpoint. */
export interface RestoredLog {
  /** Entries in the restored log. */
  size: number;
  /** Its root hash, standard base64. */
  rootHash: string;
  /** The signed checkpoint it restores (the backup's newest). */
  checkpoint: string;
  /**
   * The published checkpoint the restore was given and, with `acceptFork`, went past: the
   * restored log contradicts it (verifiers that saw it report a fork).
   */
  contradicts?: { size: number; rootHash: string };
}

/** What a restore is told about the log as the world last saw it. */
export interface RestoreOptions {
  /**
   * The last checkpoint the log published (signed note text, e.g. `/log/checkpoint` as a monitor
   * or the auditor's verifier saved it). A larger one than the backup's, or another root at the
   * same size, is refused: the restored log would contradict it.
   */
  publishedCheckpoint?: string;
  /** Restore all the same, forking the log (the operator tells the auditors). */
  acceptFork?: boolean;
  /**
   * Stops the restore when aborted (the admin command's SIGINT or SIGTERM), with its reason (the
   * signal's name) in the sentence: before its rows are committed, it undoes what it wrote and
   * throws {@link BackupInterruptedError}; once they are, it finishes.
   */
  signal?: AbortSignal;
}

/** A backup file that cannot be restored, or a target that must not be restored into. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * A backup or restore stopped by its `signal` (Ctrl+C: SIGINT, or SIGTERM), after it removed what
 * it had written; its sentence says so. `signal` is the abort's reason, the signal's name.
 */
export class BackupInterruptedError extends BackupError {
  override name = 'BackupInterruptedError';
  readonly signal: string;
  constructor(message: string, signal: string) {
    super(message);
    this.signal = signal;
  }
}

/** The name an abort was given (the admin command gives the signal's), for the sentence. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'aborted';
}

interface Header {
  format: typeof backupFormat;
  v: number;
  createdAt: string;
  dialect: string;
  migrations: string[];
  keys: Partial<Record<keyof typeof keyRoles, string>>;
}

const keyRoles = { log: 'logKeyPath', webhook: 'webhookKeyPath' } as const;

/** The environment variable that names each key file's path (clearinghouse-log.ts). */
export const backupKeyVariables = { log: 'LOG_KEY_PATH', webhook: 'WEBHOOK_KEY_PATH' } as const;

type Cell = string | number | null | { b: string };

// Any table, by name: the dump is generic over the schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** How a backup is written. */
export interface WriteBackupOptions {
  /** Replace a file already at the target (`--force`); refused otherwise. */
  force?: boolean;
  /**
   * For tests: the stream the compressed backup goes into, given the temporary file's path
   * (default: that file, created with mode 0600 and never over an existing one).
   */
  openOutput?: (temporary: string) => Writable;
  /**
   * Stops the backup when aborted (the admin command's SIGINT or SIGTERM): the partial file, which
   * holds both private keys from its first line, is removed, and {@link BackupInterruptedError}
   * thrown with the abort's reason (the signal's name) in its sentence.
   */
  signal?: AbortSignal;
}

/**
 * Writes a consistent backup of the database and the key files to `file` (atomically: a temporary
 * file renamed into place after fsync, so a crash never leaves half a backup under that name).
 * A missing folder is created (mode 0700); a file already there is refused unless `force`.
 *
 * The key files must be the database's own ({@link checkBackupKeys}): the admin command reads
 * them from its own environment, which may point elsewhere than the server's.
 *
 * The temporary file is `<file>.<pid>.<ms>.partial` in the target's folder. One that an earlier
 * backup to the same file left there, its process gone (SIGKILL, a crash, a power cut: nothing
 * could remove it), holds the keys too: it is removed before this backup writes, and named in the
 * summary ({@link removeStaleFiles}). An aborted `options.signal` (SIGINT, SIGTERM) removes this
 * backup's own.
 *
 * @throws {BackupError} when the target exists (without `force`); when the database has no
 *   migration applied (nothing to back up: a mistyped path or URL); when the log has a checkpoint
 *   and the log key is missing or did not sign it, or the database records a webhook key and the
 *   webhook key file is missing or another one; when a key path cannot be read (a part of it is
 *   a file, not a folder); and when the file cannot be written (a sentence with the path and the
 *   system's reason: a full disk, a folder it may not write in). No file is left behind then, the
 *   temporary one included. {@link BackupInterruptedError} when `options.signal` aborted it.
 * @example
 * ```ts
 * const summary = await writeBackup(cdb, { logKeyPath, webhookKeyPath }, 'backup.jsonl.gz');
 * ```
 */
export async function writeBackup(
  cdb: ClearinghouseDb,
  keyPaths: BackupKeyPaths,
  file: string,
  onProgress: (progress: BackupProgress) => void = () => {},
  options: WriteBackupOptions = {},
): Promise<BackupSummary> {
  await ready();
  const target = resolve(file);
  refuseExistingTarget(target, options.force === true);
  const temporary = `${target}.${process.pid}.${Date.now()}.partial`;
  const keys: Header['keys'] = {};
  for (const [role, option] of Object.entries(keyRoles) as [
    keyof typeof keyRoles,
    keyof BackupKeyPaths,
  ][]) {
    const text = await readKeyAt(role, keyPaths[option], 'backup');
    if (text !== undefined) keys[role] = text;
  }

  const signal = options.signal;
  let output: BackupOutput | undefined;
  let total = 0;
  let tableCount = 0;
  let migrations: string[] = [];
  let removedPartials: string[] = [];
  try {
    await snapshot(cdb, async (db) => {
      migrations = await appliedMigrations(db);
      if (migrations.length === 0) {
        throw new BackupError(
          `The ${cdb.dialect} database at ${cdb.location} has no clearinghouse tables (no migration ` +
            'was ever applied to it), so there is nothing to back up: check DATABASE_PATH or ' +
            'DATABASE_URL.',
        );
      }
      const tables = await tablesInForeignKeyOrder(db, cdb.dialect);
      await checkBackupKeys(db, tables, keys, keyPaths);
      tableCount = tables.length;
      if (signal?.aborted === true) throw new BackupError('interrupted'); // the sentence: below
      // Only now, with the database found and its keys checked, is anything created or removed.
      removedPartials = removeStaleFiles(target, 'partial');
      const out = (output = openBackupOutput(target, temporary, options.openOutput, signal));
      const header: Header = {
        format: backupFormat,
        v: backupVersion,
        createdAt: new Date().toISOString(),
        dialect: cdb.dialect,
        migrations,
        keys,
      };
      await out.writeLine(header);
      for (const [index, table] of tables.entries()) {
        let columns: string[] | undefined;
        let rows = 0;
        for await (const page of pages(db, cdb.dialect, table)) {
          if (columns === undefined) {
            columns = Object.keys(page[0]!);
            await out.writeLine({ table, columns });
          }
          for (const row of page) {
            await out.writeLine(columns.map((column) => encodeCell(row[column])));
          }
          rows += page.length;
          onProgress({ table, rows, tablesDone: index, tables: tables.length });
        }
        if (columns === undefined) await out.writeLine({ table, columns: [] });
        await out.writeLine({ end: table, rows });
        total += rows;
        onProgress({ table, rows, tablesDone: index + 1, tables: tables.length });
      }
    });
    await output!.finish({ tables: tableCount, rows: total });
    // Checked again at the end: a file that appeared there while the backup ran is kept.
    refuseExistingTarget(target, options.force === true);
    // The last moment a signal still stops it; after the rename the backup is complete.
    if (signal?.aborted === true) throw new BackupError('interrupted');
    onFile(target, () => renameSync(temporary, target));
    syncFolder(dirname(target));
  } catch (error) {
    await output?.abort();
    // Whatever the abort made fail (a write woken, a query cut short), it was the signal.
    if (signal?.aborted === true) {
      throw new BackupInterruptedError(
        `The backup was interrupted (${abortReason(signal)}): no backup was written to ${target}` +
          (output === undefined ? '; nothing was created.' : ', and its partial file was removed.'),
        abortReason(signal),
      );
    }
    throw error;
  }
  return {
    tables: tableCount,
    rows: total,
    migrations,
    keys: Object.keys(keys),
    ...(removedPartials.length > 0 ? { removedPartials } : {}),
  };
}

/**
 * Removes the temporary files `<target>.<pid>.<ms>.<suffix>` that earlier runs whose process no
 * longer runs left beside `target`, and returns their paths: a backup's partial files
 * ({@link writeBackup}), holding both private keys from their first line, or a restore's key
 * files under temporary names ({@link stageKeys}). Only a process killed without a chance to
 * clean up (SIGKILL, a crash, a power cut) leaves one. One of a process that runs (another backup
 * to the same file under way, this process included) is left alone; so is one that cannot be
 * removed (its path is not returned then).
 */
function removeStaleFiles(target: string, suffix: 'partial' | 'restoring'): string[] {
  const folder = dirname(target);
  const pattern = new RegExp(`^${escapeRegExp(basename(target))}\\.(\\d+)\\.\\d+\\.${suffix}$`);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return []; // no folder yet (it is created for the backup), so none of ours
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = pattern.exec(name)?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    try {
      rmSync(join(folder, name));
      removed.push(join(folder, name));
    } catch {
      // Removed meanwhile, or not ours to remove: left as it is.
    }
  }
  return removed;
}

/** Whether process `pid` runs on this machine (signal 0 tests for it without sending one). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What to do when a restore's database is not new and empty (the end of the refusal's sentence):
 * a restore writes only into a new, empty database, so an operator who started the server on
 * it once (which migrates it and writes the log's first checkpoint) must drop and create it, or
 * name another. Nothing is written before this check.
 *
 * @example
 * ```ts
 * restoreIntoEmpty(cdb); // 'restore into a new, empty database: drop it and create it again (as …'
 * ```
 */
export function restoreIntoEmpty(cdb: Pick<ClearinghouseDb, 'dialect' | 'location'>): string {
  if (cdb.dialect === 'postgres') {
    let name = '';
    try {
      name = decodeURIComponent(new URL(cdb.location).pathname.replace(/^\//, ''));
    } catch {
      // A location that is no URL: the sentence names no database then.
    }
    const db = /^[\w.-]+$/.test(name) ? name : '<database>';
    return (
      `restore into a new, empty database: drop it and create it again (as its owner: dropdb ${db} && createdb ${db}), ` +
      'or set DATABASE_URL to another, empty database, and run the restore before a server starts on it; nothing was written.'
    );
  }
  return (
    `restore into a new, empty database: stop the server, move ${cdb.location} away (with its -wal and -shm files), ` +
    'or set DATABASE_PATH to a new file, and run the restore before a server starts on it; nothing was written.'
  );
}

/**
 * A backup's target that exists already is refused, unless the operator said to replace it; a
 * folder always, with or without `force`, as what it is (before December 2026 "… already exists:
 * … pass --force", and with --force Node's EISDIR).
 */
function refuseExistingTarget(target: string, force: boolean): void {
  let folder = false;
  try {
    folder = statSync(target).isDirectory();
  } catch {
    // Not there (or not to be looked at): the write says why when it fails.
  }
  if (folder) {
    throw new BackupError(
      `${target} is a folder, not a file: give the backup a file name in it, e.g. ` +
        `${join(target, `${new Date().toISOString().slice(0, 10)}.jsonl.gz`)}; nothing was written.`,
    );
  }
  if (force || !existsSync(target)) return;
  throw new BackupError(
    `${target} already exists: choose another name, or pass --force to replace it.`,
  );
}

/**
 * The sentence for a backup file that cannot be written: the path, and the system's reason in
 * words (a folder that does not exist, a full disk, no permission), never a bare errno.
 *
 * @example
 * ```ts
 * backupWriteError('/b/x.gz', Object.assign(new Error('…'), { code: 'ENOSPC' })).message;
 * // 'No backup was written to /b/x.gz: there is no space left on the device (…).'
 * ```
 */
export function backupWriteError(target: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const folder = dirname(target);
  // A folder that exists and still "has no such file" to create (/proc, /sys) is no folder that
  // does not exist (what ENOENT says otherwise).
  const reason =
    (error as { code?: unknown } | null)?.code === 'ENOENT' && existsSync(folder)
      ? `this process cannot write there, as ${folder} takes no new files (ENOENT); choose a file in a folder this user may write in`
      : writeFailure(target, folder, error);
  return new BackupError(
    `No backup was written to ${target}: ${reason}. ` +
      'Nothing was left behind, the partial file included.',
    { cause: error },
  );
}

/**
 * Why writing `target` in `folder` failed, in words with the system's code ("there is no space
 * left on the device (ENOSPC)"); the error's own message for a code without words.
 */
function writeFailure(target: string, folder: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: `the folder ${folder} does not exist`,
    ENOSPC: 'there is no space left on the device',
    EDQUOT: 'the disk quota is used up',
    EFBIG: 'the file grew larger than this process may write (its file size limit, ulimit -f)',
    EACCES: `this user may not write in ${folder}`,
    EPERM: `this user may not write in ${folder}`,
    EROFS: `${folder} is on a read-only file system`,
    ENOTDIR: `a part of ${folder} is not a folder`,
    EEXIST: `a part of ${folder} is not a folder`,
    EISDIR: `${target} is a folder`,
    EIO: 'the device reported an input/output error',
  };
  const message = error instanceof Error ? error.message : String(error);
  const reason = (typeof code === 'string' ? reasons[code] : undefined) ?? message;
  return `${reason}${typeof code === 'string' ? ` (${code})` : ''}`;
}

/** Runs a step on the backup's file, with its error as {@link backupWriteError}'s sentence. */
function onFile<T>(target: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw backupWriteError(target, error);
  }
}

/** Where a backup's lines go: gzip into the temporary file. */
interface BackupOutput {
  /** Writes one line (waiting while the file cannot take more); rejects once a write failed. */
  writeLine(value: unknown): Promise<void>;
  /** Writes the trailer, flushes the file to disk (fsync) and closes it. */
  finish(counts: { tables: number; rows: number }): Promise<void>;
  /** Stops writing and removes the temporary file (once it is closed). Never rejects. */
  abort(): Promise<void>;
}

/**
 * Opens the temporary file (its folder made first, mode 0700) behind a gzip stream. Any error of
 * either stream ends the backup: it is kept as {@link backupWriteError}'s sentence, every
 * `writeLine` waiting for the stream to drain is woken with it, and the next one throws it. No
 * promise is left to reject unobserved (that ended the process), and none waits for a 'drain'
 * that a failed file never sends.
 */
function openBackupOutput(
  target: string,
  temporary: string,
  open: WriteBackupOptions['openOutput'],
  signal: AbortSignal | undefined,
): BackupOutput {
  onFile(target, () => mkdirSync(dirname(target), { recursive: true, mode: 0o700 }));
  const gzip = createGzip();
  const out = open?.(temporary) ?? createWriteStream(temporary, { mode: 0o600, flags: 'wx' });
  const hash = createHash('sha256');
  let failure: BackupError | undefined;
  const waiting = new Set<(error: Error) => void>();
  /** Settles when the file is written and closed, or once anything failed (`failure` says so). */
  let settle!: () => void;
  const finished = new Promise<void>((resolveFinished) => (settle = resolveFinished));
  const fail = (error: unknown) => {
    failure ??= backupWriteError(target, error);
    for (const wake of waiting) wake(failure);
    waiting.clear();
    settle();
  };
  gzip.on('error', fail);
  out.on('error', fail);
  out.on('finish', () => settle());
  gzip.pipe(out);
  // A signal ends it as a failed write does: a write waiting for 'drain' is woken at once.
  const interrupt = () => fail(new BackupError('interrupted'));
  signal?.addEventListener('abort', interrupt, { once: true });

  const drained = () =>
    new Promise<void>((resolveDrained, reject) => {
      const wake = (error?: Error) => {
        gzip.off('drain', onDrain);
        waiting.delete(wake);
        if (error === undefined) resolveDrained();
        else reject(error);
      };
      const onDrain = () => wake();
      gzip.once('drain', onDrain);
      waiting.add(wake);
    });

  return {
    async writeLine(value) {
      if (failure !== undefined) throw failure;
      const line = `${JSON.stringify(value)}\n`;
      hash.update(line);
      if (!gzip.write(line)) await drained();
      if (failure !== undefined) throw failure;
    },
    async finish({ tables, rows }) {
      if (failure !== undefined) throw failure;
      const trailer = { format: backupFormat, end: true, tables, rows, sha256: hash.digest('hex') };
      gzip.end(`${JSON.stringify(trailer)}\n`);
      await finished;
      // Written and closed: a signal from here on is seen by the check before the rename.
      signal?.removeEventListener('abort', interrupt);
      if (failure !== undefined) throw failure;
      onFile(target, () => {
        const fd = openSync(temporary, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      });
    },
    async abort() {
      signal?.removeEventListener('abort', interrupt);
      gzip.unpipe(out);
      gzip.destroy();
      // The stream opens its file asynchronously: removed before that, the file would be made
      // afterwards and left behind. So the stream is closed (opened first if it was about to be)
      // before the file goes.
      await new Promise<void>((closed) => {
        if (out.closed) closed();
        else {
          out.once('close', () => closed());
          out.destroy();
        }
      });
      rmSync(temporary, { force: true });
    },
  };
}

/**
 * Checks, in the backup's snapshot, that the key files it is about to carry are the ones the
 * database needs: the log key that signed the stored checkpoint (`log_state`), and the webhook
 * key every node recorded (`instance_keys`, shared-key.ts). A database that needs neither yet (no
 * checkpoint, no recorded key) is backed up with whatever key files there are.
 *
 * @throws {BackupError} naming the variable and the path looked at.
 */
async function checkBackupKeys(
  db: AnyDb,
  tables: readonly string[],
  keys: Header['keys'],
  keyPaths: BackupKeyPaths,
): Promise<void> {
  if (tables.includes('log_state')) {
    const state = (await db
      .selectFrom('log_state')
      .select('checkpoint')
      .where('id', '=', 1)
      .executeTakeFirst()) as { checkpoint: string } | undefined;
    if (state !== undefined) checkLogKey(state.checkpoint, keys.log, keyPaths.logKeyPath);
  }
  if (tables.includes('instance_keys')) {
    const recorded = (await db
      .selectFrom('instance_keys')
      .select('x')
      .where('name', '=', 'webhook')
      .executeTakeFirst()) as { x: string } | undefined;
    if (recorded !== undefined) checkWebhookKey(recorded.x, keys.webhook, keyPaths.webhookKeyPath);
  }
}

/** `LOG_KEY_PATH (/abs/path)`: where a key was looked for, as the operator sets it. */
function keyLocation(role: keyof typeof keyRoles, path: string): string {
  return `${backupKeyVariables[role]} (${resolve(path)})`;
}

/**
 * The key file text at `path` ({@link readKeyFileText}), with a path the system cannot look into
 * as a sentence naming the variable: a part of it that is a file, not a folder (ENOTDIR), a folder
 * this user may not read. Before December 2026 those ended the command with the system's bare
 * "ENOTDIR: not a directory, stat …". key-file.ts's own sentences (a file others may read, one
 * that is no key) stand as they are.
 */
async function readKeyAt(
  role: keyof typeof keyRoles,
  path: string,
  command: 'backup' | 'restore',
): Promise<string | undefined> {
  try {
    return await readKeyFileText(path);
  } catch (error) {
    if (typeof (error as { code?: unknown } | null)?.code !== 'string') throw error;
    if (command === 'restore') throw keyPathRefusal(role, path, error);
    throw new BackupError(
      `The ${role} key file at ${keyLocation(role, path)} cannot be read: ` +
        `${keyPathProblem(path, error, 'read')}; set ${backupKeyVariables[role]} to the key file ` +
        'the clearinghouse signs with.',
      { cause: error },
    );
  }
}

/** A restore's refusal of a key path it cannot write the key to: nothing was written. */
function keyPathRefusal(role: keyof typeof keyRoles, path: string, error: unknown): BackupError {
  const code = (error as { code?: unknown } | null)?.code;
  const variable = backupKeyVariables[role];
  const remedy =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free some space (or set ${variable} to a file on another disk)`
      : `set ${variable} to a file in a folder this user may write in`;
  return new BackupError(
    `The ${role} key cannot be restored to ${keyLocation(role, path)}: ` +
      `${keyPathProblem(path, error, 'write')}; ${remedy}, and run the restore again; nothing ` +
      'was written.',
    { cause: error },
  );
}

/**
 * Why the key path `path` cannot be read or written, in words with the system's code: the part of
 * it that is a file, not a folder, or what {@link writeFailure} says about the nearest folder of
 * the path that exists (the one a missing folder would be made in).
 */
function keyPathProblem(path: string, error: unknown, access: 'read' | 'write'): string {
  const absolute = resolve(path);
  const folder = dirname(absolute);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const file = fileInPath(folder);
    return `${file === undefined ? `a part of ${folder} is not a folder` : `${file} is a file, not a folder`} (${code})`;
  }
  // A folder that exists and still "has no such file" to create: procfs and the like.
  if (code === 'ENOENT' && access === 'write' && existsSync(folder)) {
    return `${folder} takes no new files (ENOENT)`;
  }
  let existing = folder;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (access === 'read' && (code === 'EACCES' || code === 'EPERM')) {
    return `this user may not look into ${existing} (${code})`;
  }
  return writeFailure(absolute, existing, error);
}

/** The part of `folder`'s path that is a file, where a folder should be (none: undefined). */
function fileInPath(folder: string): string | undefined {
  for (let part = folder; ; part = dirname(part)) {
    try {
      return statSync(part).isDirectory() ? undefined : part;
    } catch {
      // Missing, or below the file: look one level up.
    }
    if (dirname(part) === part) return undefined;
  }
}

/**
 * The log key file's text must hold the key that signed `checkpoint` under the checkpoint's own
 * origin (the note key name is the log origin, clearinghouse-log.ts).
 */
function checkLogKey(checkpoint: string, keyText: string | undefined, path: string): void {
  const where = keyLocation('log', path);
  if (keyText === undefined) {
    throw new BackupError(
      `The log has a signed checkpoint, but there is no log key file at ${where}: set ` +
        'LOG_KEY_PATH to the key file the clearinghouse signs with; without it a restore ' +
        'could not go on with this log.',
    );
  }
  try {
    openNote(checkpoint, [logVerifier(unverifiedCheckpointOf(checkpoint).origin, keyText)]);
  } catch (error) {
    // Libsodium not initialised, or another fault: its own message, not "another key".
    if (isProtocolError(error, 'ERR_CRYPTO_NOT_READY')) throw error;
    // Whichever other step failed, it means one thing to the operator: this is not the log's key.
    throw new BackupError(
      `The log key file at ${where} did not sign the log's checkpoint: set LOG_KEY_PATH to the ` +
        'key file the clearinghouse signs with; a backup with another key could not continue ' +
        'the log.',
      { cause: error },
    );
  }
}

/** The webhook key file's text must hold the public key the database recorded. */
function checkWebhookKey(recordedX: string, keyText: string | undefined, path: string): void {
  const where = keyLocation('webhook', path);
  const kid = (x: string) => thumbprint({ kty: 'OKP', crv: 'Ed25519', x });
  if (keyText === undefined) {
    throw new BackupError(
      `The database records a webhook key (kid ${kid(recordedX)}), but there is no webhook key ` +
        `file at ${where}: set WEBHOOK_KEY_PATH to the key file the clearinghouse signs ` +
        'webhooks with.',
    );
  }
  const x = publicKeyOf(keyText);
  if (x !== recordedX) {
    throw new BackupError(
      `The webhook key file at ${where} (kid ${typeof x === 'string' ? kid(x) : '?'}) is not the ` +
        `one the database records (kid ${kid(recordedX)}): set WEBHOOK_KEY_PATH to the key file ` +
        'the clearinghouse signs webhooks with.',
    );
  }
}

/**
 * Restores a backup into a fresh database (no rows in any table, no migration beyond the
 * backup's) and installs its key files. The file is checked completely before anything is
 * written, and so is each key path: the key is written next to it under a temporary name
 * ({@link stageKeys}), which proves the path can take it, or refuses it with a sentence naming the
 * variable. Then the database is brought to the backup's schema and the rows load in one
 * transaction, at whose end, before its commit, the keys are linked into place; then the database
 * is migrated to this release's schema, so a backup of an older release restores too.
 *
 * Why the keys go in before the commit and not after it: rows without their keys are a database
 * no server starts on and no restore goes into again (it is not empty), while keys without rows
 * are what the next run of the restore accepts (the same key at a path is fine). So a failure, a
 * signal or a crash at any point leaves everything restored, or a state the restore can simply be
 * run again on. A transaction that fails takes its keys back out; after a failed commit only once
 * a query shows its rows are not there (when the database cannot tell, the keys stay, and the
 * sentence says so). Before December 2026 the keys were installed after the commit, and a key
 * path it could not write left the rows without a key, which the operator had to undo by hand.
 *
 * The summary carries the restored log's size, root and checkpoint (`log`): any checkpoint the
 * log published with a larger size will be contradicted by the entries it appends next.
 *
 * @throws {BackupError} for a damaged or foreign file, a database that is not empty, another
 *   key already at a key path, a key path it cannot write, or (without `acceptFork`) a published
 *   checkpoint the restored log would contradict, or one the backup's log key did not sign;
 *   nothing is written then. For a failure while loading (a full disk), a sentence saying that
 *   no row was restored and no key installed. {@link BackupInterruptedError} when
 *   `options.signal` aborted it before the commit.
 * @example
 * ```ts
 * const { log } = await restoreBackup(cdb, keyPaths, 'b.jsonl.gz', undefined, { publishedCheckpoint });
 * ```
 */
export async function restoreBackup(
  cdb: ClearinghouseDb,
  keyPaths: BackupKeyPaths,
  file: string,
  onProgress: (progress: BackupProgress) => void = () => {},
  options: RestoreOptions = {},
): Promise<BackupSummary> {
  // The published checkpoint's signature is checked with libsodium: initialised here, so that no
  // caller has to know (the admin command did not, and every checkpoint looked like a wrong one).
  await ready();
  const source = resolve(file);
  // A server still running on the SQLite file (moved away and restored into while it runs) would
  // go on acknowledging writes into the moved file: refused, and no server starts while this runs.
  let releaseLock: (() => void) | undefined;
  try {
    releaseLock = cdb.dialect === 'sqlite' ? lockForRestore(cdb.location) : undefined;
  } catch (error) {
    // The open made an empty file where the server's was moved away: it goes when it is closed.
    cdb.discardCreated?.();
    throw error;
  }
  try {
    return await restoreUnlocked(cdb, keyPaths, source, onProgress, options);
  } catch (error) {
    releaseLock?.();
    // Refused before anything was written (a cut-off backup, a published checkpoint it
    // contradicts): the empty SQLite file the open just created goes too when the caller closes
    // it, as the docs promise. A database with a table in it by then stays (discardCreated).
    cdb.discardCreated?.();
    throw error;
  } finally {
    releaseLock?.();
  }
}

/**
 * Takes the SQLite database's lock (db/database-lock.ts) for the restore.
 *
 * @throws {BackupError} while a live server (or another restore) holds it.
 */
function lockForRestore(path: string): () => void {
  const holder = liveSqliteLockHolder(path);
  const refusal = (pid: number) =>
    new BackupError(
      `A clearinghouse process (pid ${pid}) uses the SQLite database at ${path} (DATABASE_PATH): stop the server first, then restore into a new, empty database (move ${path} away with its -wal and -shm files, or set DATABASE_PATH to a new file); nothing was written.`,
    );
  if (holder !== undefined) throw refusal(holder.pid);
  try {
    return takeSqliteLock(path);
  } catch (error) {
    const pid = (error as { holder?: { pid: number } }).holder?.pid;
    if (pid !== undefined) throw refusal(pid);
    throw error;
  }
}

async function restoreUnlocked(
  cdb: ClearinghouseDb,
  keyPaths: BackupKeyPaths,
  source: string,
  onProgress: (progress: BackupProgress) => void,
  options: RestoreOptions,
): Promise<BackupSummary> {
  const signal = options.signal;
  const header = await checkBackupFile(source, signal);
  const log = await restoredLog(source, header, options);
  const db = cdb.db as AnyDb;

  const present = await appliedMigrations(db);
  const newer = present.filter((name) => !header.migrations.includes(name));
  if (newer.length > 0) {
    throw new BackupError(
      `The database at ${cdb.location} already has migration ${newer[0]}, which the backup does not: ${restoreIntoEmpty(cdb)}`,
    );
  }
  for (const table of await userTables(db, cdb.dialect)) {
    const { count } = (await db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('count'))
      .executeTakeFirstOrThrow()) as { count: number | string };
    if (Number(count) > 0) {
      throw new BackupError(
        `The database at ${cdb.location} is not empty (table ${table} has ${count} rows): ${restoreIntoEmpty(cdb)}`,
      );
    }
  }
  // The last refusal: a key path that cannot take its key. From here on every failure undoes.
  const keys = await stageKeys(header.keys, keyPaths);
  // A restore killed half-way (SIGKILL, a power cut) left its keys under temporary names beside
  // these paths: copies only (the links into place come before the commit), so they go.
  const removedPartials = Object.values(keyRoles).flatMap((option) =>
    removeStaleFiles(resolve(keyPaths[option]), 'restoring'),
  );

  let total = 0;
  let tables = 0;
  /** A table the backup has rows of: after a failed commit, a row there says it went through. */
  let filled: string | undefined;
  /** The rows were loaded and the keys linked: only the commit was left. */
  let loaded = false;
  try {
    throwIfInterrupted(signal);
    const last = header.migrations.at(-1);
    if (last !== undefined) await migrateUpTo(cdb, last);
    await db.transaction().execute(async (trx) => {
      let table: string | undefined;
      let columns: string[] = [];
      let batch: Record<string, unknown>[] = [];
      let rows = 0;
      const flush = async () => {
        if (batch.length === 0 || table === undefined) return;
        await trx.insertInto(table).values(batch).execute();
        batch = [];
      };
      for await (const value of lines(source, signal)) {
        if (Array.isArray(value)) {
          const row: Record<string, unknown> = {};
          columns.forEach((column, i) => (row[column] = decodeCell(value[i] as Cell)));
          batch.push(row);
          rows++;
          if ((batch.length + 1) * Math.max(columns.length, 1) > maxParameters) await flush();
        } else if (typeof value.table === 'string') {
          table = value.table;
          columns = value.columns as string[];
          rows = 0;
        } else if (typeof value.end === 'string') {
          await flush();
          total += rows;
          tables++;
          if (rows > 0) filled ??= value.end;
          onProgress({ table: value.end, rows, tablesDone: tables, tables: header.tablesTotal });
          table = undefined;
        }
      }
      if (cdb.dialect === 'postgres') await resetSequences(trx);
      // The last moment a signal still stops it: from the links on, the restore goes through.
      throwIfInterrupted(signal);
      await keys.install();
      loaded = true;
    });
  } catch (error) {
    // Before the commit the transaction was rolled back; a failed commit may still have gone
    // through (PostgreSQL's answer lost with its connection): a row says which.
    const there = loaded && filled !== undefined ? await rowsThere(db, filled) : false;
    if (there === false) {
      keys.discard();
      throw restoreFailure(cdb, error);
    }
    if (there === undefined) throw commitUnknown(cdb, error, keys.locations());
    // There: the commit went through, only its answer failed.
  }
  try {
    await migrateToLatest(cdb);
  } catch (error) {
    const full = diskFull(error);
    throw new BackupError(
      `Restored ${total} rows and the keys into the ${cdb.dialect} database at ${cdb.location}, ` +
        `but migrating it to this release's schema failed: ${full ?? sentenceless(error)}; ` +
        `${full === undefined ? '' : 'free some space and '}start the server, which applies ` +
        'the migrations left at its start.',
      { cause: error },
    );
  }
  return {
    tables,
    rows: total,
    migrations: header.migrations,
    keys: Object.keys(keyRoles).filter((role) => header.keys[role as keyof typeof keyRoles]),
    ...(log === undefined ? {} : { log }),
    ...(removedPartials.length > 0 ? { removedPartials } : {}),
  };
}

/**
 * What a restore refuses before its database is even opened, for the admin command to run first,
 * so that a refusal creates nothing (neither the `DATABASE_PATH` folder nor an empty SQLite file):
 * a file that is not there, cannot be read or does not begin with a backup's header line, and a
 * key path that cannot take the key the backup holds for it (proved by writing the key there
 * under a temporary name and removing it again, {@link stageKeys}), or holds another key. The
 * rest of the file is checked by {@link restoreBackup}, before it writes anything.
 *
 * @throws {BackupError} with the sentence {@link restoreBackup} would give.
 * @example
 * ```ts
 * await checkRestoreFile('backups/2026-12-02.jsonl.gz', { logKeyPath, webhookKeyPath });
 * const cdb = await openDatabase(); // only now
 * ```
 */
export async function checkRestoreFile(file: string, keyPaths: BackupKeyPaths): Promise<void> {
  await ready();
  const header = await readBackupHeader(resolve(file));
  (await stageKeys(header.keys, keyPaths)).discard();
}

/** A restore stopped by its signal: the sentence, once what it wrote is undone. */
function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  throw new BackupInterruptedError(
    `The restore was interrupted (${abortReason(signal)}): no row was restored and no key was ` +
      'installed; run it again.',
    abortReason(signal),
  );
}

/** An error's message without its final period, to go inside a sentence. */
function sentenceless(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}

/**
 * A full disk among `error` and its causes (a migration's error carries SQLite's as its cause),
 * in words as {@link backupWriteError} says it, or undefined.
 */
function diskFull(error: unknown): string | undefined {
  for (let cause = error, depth = 0; depth < 8; depth++) {
    if (typeof cause !== 'object' || cause === null) return undefined;
    const code = (cause as { code?: unknown }).code;
    const message = sentenceless(cause);
    if (code === 'SQLITE_FULL') {
      return `there is no space left on the device (SQLite: ${message}, SQLITE_FULL)`;
    }
    if (code === 'ENOSPC') return 'there is no space left on the device (ENOSPC)';
    if (code === 'EDQUOT') return 'the disk quota is used up (EDQUOT)';
    // PostgreSQL's disk_full: the database server's disk, not this machine's.
    if (code === '53100') {
      return `there is no space left on the database server's disk (PostgreSQL: ${message}, 53100)`;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The sentence for a restore that failed before its commit (the transaction rolled back, the keys
 * taken out again): no row was restored and no key installed. A full disk is said in words
 * (before December 2026 only "database or disk is full"); a {@link BackupError} keeps its own.
 */
function restoreFailure(cdb: ClearinghouseDb, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const where = `the ${cdb.dialect} database at ${cdb.location}`;
  const full = diskFull(error);
  return new BackupError(
    full === undefined
      ? `No row was restored into ${where}: ${sentenceless(error)}. No key was installed ` +
          'either: run the restore again once that is fixed.'
      : `No row was restored into ${where}: ${full}. Free some space and run the restore ` +
          'again: the database holds no row, and no key was installed.',
    { cause: error },
  );
}

/** A commit that failed without saying whether it went through: the keys stay (see above). */
function commitUnknown(cdb: ClearinghouseDb, error: unknown, keys: string[]): BackupError {
  return new BackupError(
    `The commit of the restored rows into the ${cdb.dialect} database at ${cdb.location} failed ` +
      `(${sentenceless(error)}), and the database cannot tell now whether they are there: the ` +
      `backup's keys stay installed (${keys.join(', ')}); once it answers, start the server if ` +
      'its tables hold rows, or else run the restore again, which accepts these keys.',
    { cause: error },
  );
}

/** Whether `table` holds a row; undefined when the database does not answer. */
async function rowsThere(db: AnyDb, table: string): Promise<boolean | undefined> {
  try {
    const result = await sql`select 1 as one from ${sql.table(table)} limit 1`.execute(db);
    return result.rows.length > 0;
  } catch {
    return undefined;
  }
}

/** The backup's keys, written next to their paths under temporary names ({@link stageKeys}). */
interface StagedKeys {
  /**
   * Links each key into place (a hard link, which never replaces a file there) and removes its
   * temporary name.
   *
   * @throws {BackupError} when one cannot be linked, or another key appeared at its path.
   */
  install(): Promise<void>;
  /** Undoes everything: the keys linked, the temporary files, the folders made. Never throws. */
  discard(): void;
  /** `LOG_KEY_PATH (/abs/path)` of each key linked. */
  locations(): string[];
}

/**
 * Writes each key the backup holds under a temporary name next to its path
 * (`<path>.<pid>.<ms>.restoring`, mode 0600, fsynced), making missing folders as the key's own
 * creation does (mode 0700). That proves the path can take the key before any row is written (a
 * check of permissions alone cannot: root passes it on /sys, where nothing can be created): a
 * path it cannot write (no permission, a part that is a file, a full disk) is refused with a
 * sentence naming its variable, and whatever was written for the other key is removed. A path
 * that holds this very key already needs nothing; one that holds another key is refused.
 *
 * @throws {BackupError} naming the variable and the path; nothing stays written then.
 */
async function stageKeys(keys: Header['keys'], keyPaths: BackupKeyPaths): Promise<StagedKeys> {
  const staged: {
    role: keyof typeof keyRoles;
    path: string;
    temporary: string;
    text: string;
    linked: boolean;
  }[] = [];
  /** The folders made for them, to remove again (deepest first). */
  const made: string[] = [];
  const discard = () => {
    for (const key of staged) {
      for (const path of key.linked ? [key.temporary, key.path] : [key.temporary]) {
        try {
          rmSync(path, { force: true });
        } catch {
          // Nothing more to do: the sentence thrown stands.
        }
      }
      key.linked = false;
    }
    for (const folder of made.sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(folder);
      } catch {
        // Not empty (someone put a file there meanwhile), or gone: left as it is.
      }
    }
  };
  const shared = resolve(keyPaths.logKeyPath);
  if (
    keys.log !== undefined &&
    keys.webhook !== undefined &&
    resolve(keyPaths.webhookKeyPath) === shared
  ) {
    throw new BackupError(
      `LOG_KEY_PATH and WEBHOOK_KEY_PATH both name ${shared}, but the backup holds two keys: set ` +
        'them to two files; nothing was written.',
    );
  }
  try {
    for (const role of Object.keys(keyRoles) as (keyof typeof keyRoles)[]) {
      const text = keys[role];
      if (typeof text !== 'string') continue;
      const path = resolve(keyPaths[keyRoles[role]]);
      const existing = await readKeyAt(role, path, 'restore');
      if (existing !== undefined) {
        if (publicKeyOf(existing) === publicKeyOf(text)) continue; // this very key: nothing to do
        throw new BackupError(
          `Another ${role} key already lives at ${keyLocation(role, path)}: move it away before ` +
            'restoring; nothing was written.',
        );
      }
      const temporary = `${path}.${process.pid}.${Date.now()}.restoring`;
      try {
        const first = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        for (let folder = dirname(path); first !== undefined; folder = dirname(folder)) {
          made.push(folder);
          if (folder === first || dirname(folder) === folder) break;
        }
        const fd = openSync(temporary, 'wx', 0o600);
        staged.push({ role, path, temporary, text, linked: false });
        try {
          writeSync(fd, text);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        throw keyPathRefusal(role, path, error);
      }
      // Read back as the server reads its keys: a text that is no usable key is refused now.
      try {
        await readExistingKeyFile(temporary);
      } catch (error) {
        throw new BackupError(
          `The backup's ${role} key is not a key file the clearinghouse can use, so the backup ` +
            'is damaged; nothing was written.',
          { cause: error },
        );
      }
    }
  } catch (error) {
    discard();
    throw error;
  }
  return {
    async install() {
      for (const key of staged) {
        const where = keyLocation(key.role, key.path);
        try {
          linkSync(key.temporary, key.path);
          key.linked = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
            throw new BackupError(
              `The ${key.role} key cannot be put in place at ${where}: ` +
                `${keyPathProblem(key.path, error, 'write')}; no row was restored and no key was ` +
                'installed: run the restore again once that is fixed.',
              { cause: error },
            );
          }
          // A file appeared there since the key was staged: the same key is fine.
          const appeared = await readKeyFileText(key.path).catch(() => undefined);
          if (appeared === undefined || publicKeyOf(appeared) !== publicKeyOf(key.text)) {
            throw new BackupError(
              `Another ${key.role} key appeared at ${where} while restoring; no row was restored ` +
                'and no key was installed: move it away and run the restore again.',
            );
          }
        }
      }
      for (const key of staged) {
        try {
          unlinkSync(key.temporary);
        } catch {
          // Gone already; the key is in place under its own name.
        }
      }
      for (const folder of new Set(staged.map((key) => dirname(key.path)))) syncFolder(folder);
    },
    discard,
    locations: () =>
      staged.filter((key) => key.linked).map((key) => keyLocation(key.role, key.path)),
  };
}

/**
 * What `openNote` / `openCheckpoint` throw for a note that is not a checkpoint the given key
 * signed for the given log: malformed, signed by another key, a bad signature, another origin.
 */
const wrongCheckpointCodes: readonly ProtocolErrorCode[] = [
  'ERR_NOTE_MALFORMED',
  'ERR_NOTE_SIGNATURE_INVALID',
  'ERR_NOTE_NO_TRUSTED_SIGNATURE',
  'ERR_CHECKPOINT_MALFORMED',
  'ERR_CHECKPOINT_ORIGIN_MISMATCH',
];

function isWrongCheckpoint(error: unknown): boolean {
  return isProtocolError(error) && wrongCheckpointCodes.includes(error.code);
}

/** The note verifier of the log key in the key file text `keyText`, for log `origin`. */
function logVerifier(origin: string, keyText: string): NoteVerifier {
  const publicKey = base64urlDecode(publicKeyOf(keyText) as string);
  return parseVerifierKey(verifierKeyText(origin, publicKey, nodeSha256), nodeSha256);
}

/**
 * The log the backup brings back, checked against the last published checkpoint when given: a
 * larger one, another root at the same size, or a smaller one the backup's log does not extend
 * (checked by a consistency proof from the backup's own hash tiles) is a checkpoint the restored
 * log contradicts (a fork).
 *
 * @throws {BackupError} for such a checkpoint without `acceptFork`, for a published checkpoint
 *   that is not one the backup's log key signed for its log (a wrong file), and for a backup
 *   whose hash tiles do not lead to its own checkpoint (a damaged file).
 */
async function restoredLog(
  source: string,
  header: Awaited<ReturnType<typeof checkBackupFile>>,
  options: RestoreOptions,
): Promise<RestoredLog | undefined> {
  const note = header.logCheckpoint;
  const backup = note === undefined ? undefined : unverifiedCheckpointOf(note);
  const log =
    note === undefined || backup === undefined
      ? undefined
      : { size: backup.size, rootHash: base64Encode(backup.rootHash), checkpoint: note };
  if (options.publishedCheckpoint === undefined) return log;

  if (backup === undefined || header.keys.log === undefined) {
    if (options.acceptFork === true) return log;
    throw new BackupError(
      'The backup holds no log, so the published checkpoint cannot be compared with it; ' +
        'pass --accept-fork to restore it all the same.',
    );
  }
  let verifier: NoteVerifier;
  try {
    verifier = logVerifier(backup.origin, header.keys.log);
  } catch (error) {
    // The backup's own key, not the checkpoint the operator gave.
    throw new BackupError(
      `The backup's log key cannot be read (${(error as Error).message}): the file is damaged.`,
      { cause: error },
    );
  }
  let published: Checkpoint;
  try {
    published = openCheckpoint(options.publishedCheckpoint, verifier, backup.origin);
  } catch (error) {
    // Only a note this key did not sign for this log is the operator's wrong file; anything else
    // (libsodium not initialised, a fault) keeps its own message.
    if (!isWrongCheckpoint(error)) throw error;
    if (options.acceptFork === true) return log;
    throw new BackupError(
      `The published checkpoint is not one the backup's log key signed for ${backup.origin}: ` +
        'give the last checkpoint this log published.',
      { cause: error },
    );
  }
  const contradicted =
    published.size > backup!.size ||
    (published.size === backup!.size && !bytesEqual(published.rootHash, backup!.rootHash)) ||
    (published.size < backup!.size &&
      !(await backupExtends(source, published, backup!, options.signal)));
  if (!contradicted) return log;
  const contradicts = { size: published.size, rootHash: base64Encode(published.rootHash) };
  if (options.acceptFork !== true) {
    throw new BackupError(
      `The log published a checkpoint of size ${published.size}` +
        (published.size === backup!.size
          ? ' with another root'
          : published.size < backup!.size
            ? " that the backup's log does not extend (another history)"
            : '') +
        `, but the backup's log holds ${backup!.size} entries: restoring it forks the log (its ` +
        'next entries contradict that checkpoint, and every verifier that saw it reports a ' +
        'fork). Restore a newer backup, or pass --accept-fork to restore this one all the same.',
    );
  }
  return { ...log!, contradicts };
}

/**
 * Whether the backup's log (checkpoint `backup`) extends `published`, a smaller checkpoint: the
 * consistency proof between them, built from the backup's hash tiles (`log_tiles`, authenticated
 * against the backup's root as they are read), verifies. A pass over the file keeps the tiles a
 * round asked for and those above level 0 ({@link backupTiles}).
 *
 * @throws {BackupError} when the backup's tiles are missing or do not lead to its own root.
 */
async function backupExtends(
  source: string,
  published: Checkpoint,
  backup: { size: number; rootHash: Uint8Array },
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const damaged = (cause?: unknown) =>
    new BackupError(
      "The backup's log tiles do not lead to its own checkpoint: the file is damaged.",
      cause === undefined ? undefined : { cause },
    );
  // The tiles the proof and their authentication read depend only on the sizes, but the
  // authentication stops at its first mismatch: so each round reads those it asked for and did not
  // have (zeros stood in for them), until a round asks for none.
  const tiles = new Map<string, Uint8Array>();
  let proof: Uint8Array[] | undefined;
  for (;;) {
    const missing = new Set<string>();
    try {
      const made = await consistencyProof(
        nodeSha256,
        published.size,
        backup.size,
        tileHashReader(
          nodeSha256,
          backup.size,
          async (tile: TileId) => {
            const data = tiles.get(`${tile.level}/${tile.index}`);
            if (data === undefined) {
              missing.add(`${tile.level}/${tile.index}`);
              return new Uint8Array(tile.width * 32);
            }
            if (data.length < tile.width * 32) throw damaged();
            return data.subarray(0, tile.width * 32);
          },
          backup.rootHash,
        ),
      );
      if (missing.size === 0) proof = made;
    } catch (error) {
      if (missing.size === 0) throw error instanceof BackupError ? error : damaged(error);
    }
    if (proof !== undefined) break;
    const read = await backupTiles(source, missing, signal);
    if ([...missing].some((key) => !read.has(key))) throw damaged();
    for (const [key, data] of read) tiles.set(key, data);
  }
  try {
    verifyConsistency(nodeSha256, {
      size1: published.size,
      size2: backup.size,
      root1: published.rootHash,
      root2: backup.rootHash,
      proof,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The `data` of the backup's hash tiles named in `wanted` (`level/index`), read from the file,
 * and of every tile above level 0 (about one in 256 of them): the authentication of the tiles
 * asked for reads some of those, so one pass over the file is usually all it takes.
 */
async function backupTiles(
  source: string,
  wanted: ReadonlySet<string>,
  signal: AbortSignal | undefined,
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  let columns: string[] | undefined;
  for await (const value of lines(source, signal)) {
    if (!Array.isArray(value)) {
      columns = value.table === 'log_tiles' ? (value.columns as string[]) : undefined;
      continue;
    }
    const names = columns;
    if (names === undefined) continue;
    const cell = (name: string) => decodeCell(value[names.indexOf(name)] as Cell);
    const level = Number(cell('level'));
    const key = `${level}/${Number(cell('idx'))}`;
    const data = cell('data');
    if ((level > 0 || wanted.has(key)) && data instanceof Uint8Array) found.set(key, data);
  }
  return found;
}

/**
 * Reads the whole file once and checks its format, structure and checksum.
 *
 * @throws {BackupError} with a sentence saying what is wrong;
 *   {@link BackupInterruptedError} once `signal` is aborted.
 */
export async function checkBackupFile(
  file: string,
  signal?: AbortSignal,
): Promise<Header & { tablesTotal: number; rowsTotal: number; logCheckpoint?: string }> {
  const hash = createHash('sha256');
  /** The log's signed checkpoint (`log_state.checkpoint`), the column it is in while read. */
  let logCheckpoint: string | undefined;
  let checkpointColumn = -1;
  let header: Header | undefined;
  let trailer: { tables: number; rows: number; sha256: string } | undefined;
  let open: { table: string; columns: number; rows: number } | undefined;
  let tables = 0;
  let rows = 0;
  let lineNumber = 0;
  const broken = (why: string) =>
    new BackupError(`${file} is not a complete clearinghouse backup: ${why} (line ${lineNumber}).`);
  try {
    for await (const { text, value } of rawLines(file, signal)) {
      lineNumber++;
      if (trailer !== undefined) throw broken('there is data after its last line');
      if (isRecord(value) && value.format === backupFormat && value.end === true) {
        trailer = value as unknown as typeof trailer;
        continue;
      }
      hash.update(`${text}\n`);
      if (header === undefined) {
        header = checkedHeader(file, value);
      } else if (Array.isArray(value)) {
        if (open === undefined || value.length !== open.columns)
          throw broken('a row is out of place');
        if (!value.every(isCell)) throw broken('a row holds a value of an unknown type');
        const cell = value[checkpointColumn];
        if (open.table === 'log_state' && typeof cell === 'string') logCheckpoint = cell;
        open.rows++;
      } else if (
        isRecord(value) &&
        typeof value.table === 'string' &&
        Array.isArray(value.columns)
      ) {
        if (open !== undefined) throw broken(`table ${open.table} does not end`);
        if (!/^[a-z_][a-z0-9_]*$/.test(value.table)) throw broken('a table name is malformed');
        if (!value.columns.every((c) => typeof c === 'string' && /^[a-z_][a-z0-9_]*$/.test(c))) {
          throw broken('a column name is malformed');
        }
        open = { table: value.table, columns: value.columns.length, rows: 0 };
        checkpointColumn = value.table === 'log_state' ? value.columns.indexOf('checkpoint') : -1;
      } else if (isRecord(value) && typeof value.end === 'string') {
        if (open?.table !== value.end || open.rows !== value.rows) {
          throw broken(`table ${String(value.end)} does not add up`);
        }
        tables++;
        rows += open.rows;
        open = undefined;
      } else {
        throw broken('a line has an unknown shape');
      }
    }
  } catch (error) {
    throw unreadableBackup(file, error);
  }
  if (header === undefined)
    throw new BackupError(`${file} is empty or not a clearinghouse backup.`);
  if (trailer === undefined || open !== undefined) {
    throw new BackupError(`${file} is cut off: its last line is missing.`);
  }
  if (trailer.sha256 !== hash.digest('hex') || trailer.tables !== tables || trailer.rows !== rows) {
    throw new BackupError(`${file} was altered or damaged: its checksum does not match.`);
  }
  return {
    ...header,
    tablesTotal: tables,
    rowsTotal: rows,
    ...(logCheckpoint === undefined ? {} : { logCheckpoint }),
  };
}

/**
 * The header of the backup `file` from its first line alone (not the rest of the file, which
 * {@link checkBackupFile} reads): enough to refuse a mistyped name or a file that is no backup
 * before anything is created for the restore.
 *
 * @throws {BackupError} with the sentence {@link checkBackupFile} gives for the same file.
 */
async function readBackupHeader(file: string): Promise<Header> {
  try {
    for await (const { value } of rawLines(file)) return checkedHeader(file, value);
  } catch (error) {
    throw unreadableBackup(file, error);
  }
  throw new BackupError(`${file} is empty or not a clearinghouse backup.`);
}

/** A backup's first line as its header, or the sentence saying why it is none. */
function checkedHeader(file: string, value: unknown): Header {
  if (!isRecord(value) || value.format !== backupFormat) {
    throw new BackupError(`${file} is not a clearinghouse backup.`);
  }
  if (value.v !== backupVersion) {
    throw new BackupError(
      `${file} is a backup of format version ${String(value.v)}, which this release cannot read.`,
    );
  }
  if (!Array.isArray(value.migrations) || !isRecord(value.keys)) {
    throw new BackupError(
      `${file} is not a complete clearinghouse backup: its header is malformed (line 1).`,
    );
  }
  return value as unknown as Header;
}

/**
 * A backup file that cannot be read, as a sentence with the reason in words: no such file, one
 * this user may not read, a folder, not gzip data (before December 2026 the system's bare
 * message, "ENOENT: no such file or directory, open …"). A {@link BackupError} keeps its own.
 */
function unreadableBackup(file: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = sentenceless(error);
  const reasons: Record<string, string> = {
    ENOENT: 'there is no such file',
    EACCES: 'this user may not read it',
    EPERM: 'this user may not read it',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of its path is a file, not a folder',
    Z_DATA_ERROR: 'it is not gzip-compressed as a backup is, or damaged',
    Z_BUF_ERROR: 'it is cut off',
  };
  const words = typeof code === 'string' ? reasons[code] : undefined;
  // zlib's message says where it stopped ("incorrect header check"): kept beside its code.
  const reason =
    words === undefined
      ? `${message}${typeof code === 'string' ? ` (${code})` : ''}`
      : `${words} (${String(code).startsWith('Z_') ? `${message}, ` : ''}${String(code)})`;
  return new BackupError(`${file} cannot be read as a clearinghouse backup: ${reason}.`, {
    cause: error,
  });
}

async function snapshot(cdb: ClearinghouseDb, work: (db: AnyDb) => Promise<void>): Promise<void> {
  const db = cdb.db as AnyDb;
  if (cdb.dialect === 'postgres') {
    await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(work);
  } else {
    // SQLite in WAL mode: a read transaction sees one snapshot from its first read to its end.
    await db.transaction().execute(work);
  }
}

async function* pages(
  db: AnyDb,
  dialect: ClearinghouseDb['dialect'],
  table: string,
): AsyncGenerator<Record<string, unknown>[]> {
  const position = dialect === 'postgres' ? 'ctid' : 'rowid';
  let after: string | number = dialect === 'postgres' ? '(0,0)' : -Infinity;
  for (;;) {
    const result = await sql<Record<string, unknown>>`select ${sql.raw(
      dialect === 'postgres' ? 'ctid::text' : 'rowid',
    )} as backup_position__, * from ${sql.table(table)} where ${sql.raw(position)} > ${
      dialect === 'postgres'
        ? sql`${after}::tid`
        : after === -Infinity
          ? sql`-9223372036854775808`
          : sql`${after}`
    } order by ${sql.raw(position)} limit ${pageRows}`.execute(db);
    if (result.rows.length === 0) return;
    after = result.rows.at(-1)!.backup_position__ as string | number;
    yield result.rows.map(({ backup_position__: _, ...row }) => row);
    if (result.rows.length < pageRows) return;
  }
}

async function appliedMigrations(db: AnyDb): Promise<string[]> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
    return rows.map((row) => row.name as string);
  } catch {
    return []; // a database never migrated has no migration table yet
  }
}

async function userTables(db: AnyDb, dialect: ClearinghouseDb['dialect']): Promise<string[]> {
  const result =
    dialect === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'
          and table_name not like 'kysely_migration%' order by table_name`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table'
          and name not like 'sqlite_%' and name not like 'kysely_migration%' order by name`.execute(
          db,
        );
  return result.rows.map((row) => row.name);
}

/** The tables with every referenced table before the tables referencing it (Kahn, by name). */
async function tablesInForeignKeyOrder(
  db: AnyDb,
  dialect: ClearinghouseDb['dialect'],
): Promise<string[]> {
  const tables = await userTables(db, dialect);
  const edges =
    dialect === 'postgres'
      ? await sql<{ child: string; parent: string }>`select c.conrelid::regclass::text as child,
          c.confrelid::regclass::text as parent from pg_constraint c
          join pg_namespace n on n.oid = c.connamespace
          where c.contype = 'f' and n.nspname = current_schema()`.execute(db)
      : await sql<{ child: string; parent: string }>`select m.name as child, p."table" as parent
          from sqlite_master m join pragma_foreign_key_list(m.name) p
          where m.type = 'table'`.execute(db);
  const parents = new Map(tables.map((table) => [table, new Set<string>()]));
  for (const { child, parent } of edges.rows) {
    if (child !== parent && parents.has(child) && parents.has(parent))
      parents.get(child)!.add(parent);
  }
  const ordered: string[] = [];
  while (parents.size > 0) {
    const ready = [...parents].filter(([, waiting]) => waiting.size === 0).map(([table]) => table);
    if (ready.length === 0)
      throw new Error(`Foreign keys form a cycle among ${[...parents.keys()].join(', ')}.`);
    for (const table of ready.sort()) {
      ordered.push(table);
      parents.delete(table);
      for (const waiting of parents.values()) waiting.delete(table);
    }
  }
  return ordered;
}

/** After rows with explicit ids, every serial column's sequence continues above the largest. */
async function resetSequences(db: AnyDb): Promise<void> {
  const serials = await sql<{ table: string; column: string }>`select table_name as "table",
      column_name as "column" from information_schema.columns
      where table_schema = current_schema() and column_default like 'nextval(%'`.execute(db);
  for (const { table, column } of serials.rows) {
    await sql`select setval(pg_get_serial_sequence(${table}, ${column}),
        coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(
      db,
    );
  }
}

function encodeCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return { b: Buffer.from(value).toString('base64') };
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new Error(`A column holds a ${typeof value}, which a backup cannot carry.`);
}

function decodeCell(cell: Cell): unknown {
  return cell !== null && typeof cell === 'object' ? Buffer.from(cell.b, 'base64') : cell;
}

function isCell(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    (isRecord(value) && typeof value.b === 'string' && Object.keys(value).length === 1)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function publicKeyOf(keyFileText: string): unknown {
  return (JSON.parse(keyFileText) as { x?: unknown }).x;
}

/** The file's lines, parsed, with their text (for the checksum). */
async function* rawLines(
  file: string,
  signal?: AbortSignal,
): AsyncGenerator<{ text: string; value: unknown }> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  // pipe() does not forward errors: a missing file must fail the iteration, not the process.
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const parse = (text: string) => {
    try {
      return { text, value: JSON.parse(text) as unknown };
    } catch {
      throw new BackupError(`${file} holds a line that is not JSON.`);
    }
  };
  try {
    for await (const chunk of gunzip) {
      // Only a restore reads with a signal: a long file is left at once when it is aborted.
      throwIfInterrupted(signal);
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      let newline: number;
      while ((newline = pending.indexOf('\n', start)) !== -1) {
        yield parse(pending.slice(start, newline));
        start = newline + 1;
      }
      pending = pending.slice(start);
      if (pending.length > maxLineChars) {
        throw new BackupError(`${file} holds a line too long to be ours.`);
      }
    }
    pending += decoder.end();
    if (pending !== '') yield parse(pending);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

/** The file's lines after the header, parsed (the file was checked before). */
async function* lines(
  file: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Record<string, unknown> | unknown[]> {
  let first = true;
  for await (const { value } of rawLines(file, signal)) {
    if (first) {
      first = false;
      continue;
    }
    if (isRecord(value) && value.end === true) return;
    yield value as Record<string, unknown> | unknown[];
  }
}
