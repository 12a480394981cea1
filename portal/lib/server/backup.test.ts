import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { runVerifier } from '../../../scripts/verify';
import {
  BackupError,
  BackupInterruptedError,
  backupWriteError,
  checkBackupFile,
  restoreBackup,
  writeBackup,
} from './backup';
import { openDatabase, type ClearinghouseDb } from './db/database';
import { migrateToLatest } from './db/migrate';
import { openTestDatabase, testDialects, type TestDatabase } from './db/test-databases';
import { startLog } from './log/clearinghouse-log';
import { createLogHttpServer } from './log/log-http-server';
import { keyFolder, prepare, referenceTree, testLogConfig, writeMessages } from './log/test-log';
import type { DatabaseDialect } from './db/schema';

const cleanup: (() => Promise<void> | void)[] = [];
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

/** A clearinghouse database with a log of `entries` entries and its key folder. */
async function source(dialect: DatabaseDialect, entries: number) {
  const tdb = await openTestDatabase(dialect);
  const keys = keyFolder();
  const writer = await prepare(tdb.cdb);
  const log = await startLog(tdb.cdb, testLogConfig(keys.dir));
  await writeMessages(writer, entries);
  await log.sequencer.flush();
  cleanup.push(() => keys.remove());
  cleanup.push(() => tdb.dispose());
  cleanup.push(() => writer.close());
  cleanup.push(() => log.stop());
  return { tdb, keys, writer, log, paths: pathsIn(keys.dir) };
}

function pathsIn(dir: string) {
  const config = testLogConfig(dir);
  return { logKeyPath: config.logKeyPath, webhookKeyPath: config.webhookKeyPath };
}

async function fresh(dialect: DatabaseDialect) {
  const tdb = await openTestDatabase(dialect);
  const keys = keyFolder();
  cleanup.push(() => keys.remove());
  cleanup.push(() => tdb.dispose());
  return { tdb, keys, paths: pathsIn(keys.dir) };
}

/** A second, independent connection to the same database (the admin command's own process). */
async function secondConnection(tdb: TestDatabase): Promise<ClearinghouseDb> {
  const cdb = await openDatabase(
    tdb.postgresUrl !== undefined ? { url: tdb.postgresUrl } : { sqlitePath: tdb.sqlitePath! },
  );
  cleanup.push(() => cdb.close());
  return cdb;
}

/** Starts the log on a restored database and runs the auditor's verifier with --full against it. */
async function verifyRestored(cdb: ClearinghouseDb, keyDir: string) {
  const log = await startLog(cdb, testLogConfig(keyDir));
  const server = createLogHttpServer(log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    let out = '';
    let err = '';
    const code = await runVerifier(
      [
        '--url',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        '--state',
        join(keyDir, 'verifier-state.json'),
        '--full',
      ],
      {
        fetch: globalThis.fetch,
        stdout: (line) => (out += `${line}\n`),
        stderr: { write: (text) => (err += text), isTTY: false },
      },
    );
    return { code, out, err, head: log.sequencer.head() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await log.stop();
  }
}

describe.each(testDialects)('backup and restore on %s', (dialect) => {
  it('backs up while messages keep arriving and restores a log the verifier accepts in full', async () => {
    const from = await source(dialect, 300);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    const admin = await secondConnection(from.tdb);

    // The server keeps accepting and sequencing while the admin process backs up.
    const arriving = (async () => {
      for (let round = 0; round < 5; round++) {
        await writeMessages(from.writer, 40);
        await from.log.sequencer.flush();
      }
    })();
    const progress: string[] = [];
    const summary = await writeBackup(admin, from.paths, file, (p) => progress.push(p.table));
    await arriving;

    expect(summary.keys.sort()).toEqual(['log', 'webhook']);
    expect(summary.rows).toBeGreaterThan(300);
    expect(progress).toContain('log_leaves');
    expect(statSync(file).mode & 0o077).toBe(0); // it carries the keys

    const to = await fresh(dialect);
    const restored = await restoreBackup(to.tdb.cdb, to.paths, file);
    expect(restored.rows).toBe(summary.rows);
    expect(readFileSync(to.paths.logKeyPath, 'utf8')).toBe(
      readFileSync(from.paths.logKeyPath, 'utf8'),
    );

    // Every message in the backup is in its log under one index, and the log verifies in full.
    const reference = await referenceTree(to.tdb.cdb);
    expect(reference.entries.length).toBeGreaterThanOrEqual(300);
    const messages = await to.tdb.cdb.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(messages.n)).toBeGreaterThanOrEqual(reference.entries.length);
    const verified = await verifyRestored(to.tdb.cdb, to.keys.dir);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toMatch(new RegExp(`all ${verified.head.size} entries`));
    expect(verified.head.size).toBe(reference.entries.length);
  });

  it('refuses to leave out the log key or to carry another one, and writes no file then', async () => {
    const from = await source(dialect, 5);
    const other = await source(dialect, 1); // a log of its own, under its own keys
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    const missing = join(from.keys.dir, 'elsewhere', 'log-key.json');
    const cases: [Partial<typeof from.paths>, RegExp][] = [
      [
        { logKeyPath: missing },
        new RegExp(
          `checkpoint, but there is no log key file at LOG_KEY_PATH \\(${escapeRegExp(missing)}\\)`,
        ),
      ],
      [
        { logKeyPath: other.paths.logKeyPath },
        /log key file at LOG_KEY_PATH \(.*\) did not sign the log's checkpoint/,
      ],
      [
        { webhookKeyPath: missing },
        /records a webhook key \(kid [\w-]{43}\), but there is no webhook key file at WEBHOOK_KEY_PATH/,
      ],
      [
        { webhookKeyPath: other.paths.webhookKeyPath },
        /webhook key file at WEBHOOK_KEY_PATH \(.*\) \(kid [\w-]{43}\) is not the one the database records/,
      ],
    ];
    for (const [paths, message] of cases) {
      const error = await writeBackup(from.tdb.cdb, { ...from.paths, ...paths }, file).catch(
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(paths)).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(message);
      expect(readdirSync(from.keys.dir).filter((name) => name.includes('backup'))).toEqual([]);
    }
  });

  it('backs up a database that needs no key yet without one', async () => {
    const empty = await fresh(dialect);
    const writer = await prepare(empty.tdb.cdb);
    cleanup.push(() => writer.close());
    const summary = await writeBackup(
      empty.tdb.cdb,
      empty.paths,
      join(empty.keys.dir, 'backup.jsonl.gz'),
    );
    expect(summary.keys).toEqual([]);
  });

  it('refuses a database that is not empty and changes nothing in it', async () => {
    const from = await source(dialect, 20);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const other = await source(dialect, 5);
    const before = await referenceTree(other.tdb.cdb);
    await expect(restoreBackup(other.tdb.cdb, pathsIn(other.keys.dir), file)).rejects.toThrow(
      /is not empty \(table \w+ has \d+ rows\): restore into a new, empty database: (drop it and create it again|stop the server, move .+ away)/,
    );
    expect((await referenceTree(other.tdb.cdb)).sha256s).toEqual(before.sha256s);
  });
});

describe('backup files that must not be restored', () => {
  it('refuses a cut-off, altered or foreign file before writing anything', async () => {
    const from = await source('sqlite', 50);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const lines = text.trimEnd().split('\n');

    const cutOff = join(from.keys.dir, 'cut.jsonl.gz');
    writeFileSync(cutOff, gzipSync(`${lines.slice(0, -3).join('\n')}\n`));
    const altered = join(from.keys.dir, 'altered.jsonl.gz');
    writeFileSync(altered, gzipSync(text.replace(/"ps_[A-Za-z0-9_-]{10}/, '"ps_AAAAAAAAAA')));
    const truncatedGzip = join(from.keys.dir, 'truncated.gz');
    const bytes = readFileSync(file);
    writeFileSync(truncatedGzip, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const foreign = join(from.keys.dir, 'foreign.gz');
    writeFileSync(foreign, gzipSync('{"hello":"world"}\n'));
    const notGzip = join(from.keys.dir, 'plain.txt');
    writeFileSync(notGzip, 'just text');

    const cases: [string, RegExp][] = [
      [cutOff, /is cut off|does not add up|does not end/],
      [altered, /altered or damaged/],
      [truncatedGzip, /cannot be read as a clearinghouse backup|is cut off/],
      [foreign, /is not a clearinghouse backup/],
      [
        notGzip,
        /cannot be read as a clearinghouse backup: it is not gzip-compressed as a backup is, or damaged \(incorrect header check, Z_DATA_ERROR\)\./,
      ],
      [
        join(from.keys.dir, 'missing.gz'),
        /cannot be read as a clearinghouse backup: there is no such file \(ENOENT\)\./,
      ],
    ];
    for (const [bad, message] of cases) {
      const to = await fresh('sqlite');
      const error = await restoreBackup(to.tdb.cdb, to.paths, bad).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(message);
      // Nothing was written: no table, no key file.
      const tables = await to.tdb.cdb.db.introspection.getTables();
      expect(tables, bad).toEqual([]);
      expect(existsSync(to.paths.logKeyPath)).toBe(false);
    }
    await expect(checkBackupFile(file)).resolves.toMatchObject({ tablesTotal: expect.any(Number) });
  });

  it('refuses to replace another key, before the database is touched', async () => {
    const from = await source('sqlite', 10);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const other = await source('sqlite', 1); // has its own log key in its folder
    const to = await fresh('sqlite');
    await expect(
      restoreBackup(to.tdb.cdb, { ...to.paths, logKeyPath: other.paths.logKeyPath }, file),
    ).rejects.toThrow(/Another log key already lives at .*move it away before restoring/);
    expect(await to.tdb.cdb.db.introspection.getTables()).toEqual([]);
  });

  it('restores a SQLite backup into PostgreSQL, and the log still verifies', async () => {
    const from = await source('sqlite', 120);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('postgres');
    await restoreBackup(to.tdb.cdb, to.paths, file);
    const verified = await verifyRestored(to.tdb.cdb, to.keys.dir);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.head.size).toBe(120);
    // A serial column continues above the restored rows.
    const writer = await prepare(to.tdb.cdb);
    cleanup.push(() => writer.close());
    await expect(writeMessages(writer, 3)).resolves.toHaveLength(3);
  });

  it('says which checkpoint it restores, and refuses one older than the log published unless the fork is accepted', async () => {
    const from = await source('sqlite', 10);
    const at10 = await from.log.service.checkpoint();
    await writeMessages(from.writer, 10);
    await from.log.sequencer.flush();
    const at20 = await from.log.service.checkpoint();
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    // The log goes on after the snapshot and publishes a larger checkpoint; then it is lost.
    await writeMessages(from.writer, 5);
    await from.log.sequencer.flush();
    const at25 = await from.log.service.checkpoint();
    // Another history of the backup's size under the same key (what a fork looks like).
    const forked = await openTestDatabase('sqlite');
    cleanup.push(() => forked.dispose());
    const forkedWriter = await prepare(forked.cdb);
    cleanup.push(() => forkedWriter.close());
    const forkedLog = await startLog(forked.cdb, testLogConfig(from.keys.dir));
    cleanup.push(() => forkedLog.stop());
    await writeMessages(forkedWriter, 10);
    await forkedLog.sequencer.flush();
    const otherAt10 = await forkedLog.service.checkpoint();
    await writeMessages(forkedWriter, 10);
    await forkedLog.sequencer.flush();
    const otherAt20 = await forkedLog.service.checkpoint();
    const foreign = await source('sqlite', 20); // its own key

    const refusals: [string, string, RegExp][] = [
      [
        'a larger checkpoint',
        at25,
        /published a checkpoint of size 25, but the backup's log holds 20 entries: restoring it forks the log .*--accept-fork/,
      ],
      [
        'another root at the same size',
        otherAt20,
        /published a checkpoint of size 20 with another root, but the backup's log holds 20 entries/,
      ],
      [
        // Smaller, so the size alone says nothing: the consistency proof from the backup's
        // tiles does not lead to its root.
        'a smaller checkpoint of another history',
        otherAt10,
        /published a checkpoint of size 10 that the backup's log does not extend \(another history\), but the backup's log holds 20 entries/,
      ],
      [
        'a checkpoint another key signed',
        await foreign.log.service.checkpoint(),
        /not one the backup's log key signed for localhost:3000\/log/,
      ],
    ];
    for (const [what, publishedCheckpoint, message] of refusals) {
      const to = await fresh('sqlite');
      const error = await restoreBackup(to.tdb.cdb, to.paths, file, undefined, {
        publishedCheckpoint,
      }).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(BackupError);
      expect((error as Error).message, what).toMatch(message);
      expect(await to.tdb.cdb.db.introspection.getTables(), what).toEqual([]);
      expect(existsSync(to.paths.logKeyPath), what).toBe(false);
    }

    // Without the published checkpoint, and with one the backup already holds or extends: the
    // restore names the checkpoint it goes on from.
    const restored20 = {
      size: 20,
      rootHash: at20.split('\n')[2],
      checkpoint: at20,
    };
    for (const options of [{}, { publishedCheckpoint: at20 }, { publishedCheckpoint: at10 }]) {
      const to = await fresh('sqlite');
      const summary = await restoreBackup(to.tdb.cdb, to.paths, file, undefined, options);
      expect(summary.log, JSON.stringify(options)).toEqual(restored20);
    }

    // Accepted: restored, and the result says which published checkpoint it contradicts.
    const to = await fresh('sqlite');
    const accepted = await restoreBackup(to.tdb.cdb, to.paths, file, undefined, {
      publishedCheckpoint: at25,
      acceptFork: true,
    });
    expect(accepted.log).toEqual({
      ...restored20,
      contradicts: { size: 25, rootHash: at25.split('\n')[2] },
    });
    expect((await referenceTree(to.tdb.cdb)).entries).toHaveLength(20);
    const otherHistory = await fresh('sqlite');
    const acceptedOther = await restoreBackup(
      otherHistory.tdb.cdb,
      otherHistory.paths,
      file,
      undefined,
      { publishedCheckpoint: otherAt10, acceptFork: true },
    );
    expect(acceptedOther.log).toEqual({
      ...restored20,
      contradicts: { size: 10, rootHash: otherAt10.split('\n')[2] },
    });
  });
  it('checks a smaller published checkpoint of a log past one tile by the tiles above it too', async () => {
    // 256 entries fill the first level-0 tile: the proof from 256 to 300 and its authentication
    // read the level-1 tile as well, which a first round does not know it needs.
    const from = await source('sqlite', 256);
    const at256 = await from.log.service.checkpoint();
    await writeMessages(from.writer, 44);
    await from.log.sequencer.flush();
    const at300 = await from.log.service.checkpoint();
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('sqlite');
    const summary = await restoreBackup(to.tdb.cdb, to.paths, file, undefined, {
      publishedCheckpoint: at256,
    });
    expect(summary.log).toEqual({
      size: 300,
      rootHash: at300.split('\n')[2],
      checkpoint: at300,
    });
  });
});

describe('a backup whose file fails', () => {
  it('ends with one sentence on a full disk, after the header with the keys was written, and leaves no file', async () => {
    const from = await source('sqlite', 400);
    const folder = join(from.keys.dir, 'backups');
    const file = join(folder, 'full.jsonl.gz');
    let written = 0;
    // The file as a disk with 16 KiB free: the first writes land, then ENOSPC.
    const openOutput = (temporary: string) => {
      const real = createWriteStream(temporary, { mode: 0o600, flags: 'wx' });
      return new Writable({
        write(chunk: Buffer, _encoding, done) {
          written += chunk.length;
          if (written > 16 * 1024) {
            done(
              Object.assign(new Error('ENOSPC: no space left on device, write'), {
                code: 'ENOSPC',
              }),
            );
          } else real.write(chunk, done);
        },
        destroy(error, done) {
          real.destroy();
          real.once('close', () => done(error));
        },
      });
    };
    const error = await writeBackup(from.tdb.cdb, from.paths, file, undefined, {
      openOutput,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe(
      `No backup was written to ${file}: there is no space left on the device (ENOSPC). ` +
        'Nothing was left behind, the partial file included.',
    );
    expect(written).toBeGreaterThan(16 * 1024);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('says what the system reported in words, with the path', () => {
    const error = (code: string) =>
      backupWriteError('/srv/b/x.gz', Object.assign(new Error(`${code}: …`), { code })).message;
    expect(error('ENOENT')).toBe(
      'No backup was written to /srv/b/x.gz: the folder /srv/b does not exist (ENOENT). ' +
        'Nothing was left behind, the partial file included.',
    );
    expect(error('EACCES')).toContain(': this user may not write in /srv/b (EACCES).');
    // A folder that exists and takes no new files (/proc, /sys): not "does not exist". Said here,
    // at the source, for every caller (before December 2026 only npm run admin reworded it).
    const existing = mkdtempSync(join(tmpdir(), 'backup-enoent-'));
    try {
      expect(
        backupWriteError(
          join(existing, 'x.gz'),
          Object.assign(new Error('ENOENT: …'), { code: 'ENOENT' }),
        ).message,
      ).toBe(
        `No backup was written to ${join(existing, 'x.gz')}: this process cannot write there, as ` +
          `${existing} takes no new files (ENOENT); choose a file in a folder this user may write ` +
          'in. Nothing was left behind, the partial file included.',
      );
    } finally {
      rmSync(existing, { recursive: true, force: true });
    }
    expect(error('EROFS')).toContain(': /srv/b is on a read-only file system (EROFS).');
    expect(error('EXDEV')).toContain(': EXDEV: … (EXDEV).');
  });
});

describe('a backup onto a folder', () => {
  it('is refused as a folder, with or without force, and nothing is written in it (it said "pass --force", then EISDIR)', async () => {
    const from = await source('sqlite', 3);
    const target = join(from.keys.dir, 'backups');
    mkdirSync(target);
    for (const force of [false, true]) {
      const error = await writeBackup(from.tdb.cdb, from.paths, target, undefined, {
        force,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a folder, not a file: give the backup a file name in it, e\\.g\\. .*/\\d{4}-\\d\\d-\\d\\d\\.jsonl\\.gz; nothing was written\\.$`,
        ),
      );
      expect(readdirSync(target)).toEqual([]);
    }
  });
});

describe.each(testDialects)('a backup of a database never migrated on %s', (dialect) => {
  it('is refused with a sentence, and no file is written', async () => {
    const empty = await fresh(dialect);
    const file = join(empty.keys.dir, 'backup.jsonl.gz');
    const error = await writeBackup(empty.tdb.cdb, empty.paths, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toMatch(
      /database at .* has no clearinghouse tables \(no migration was ever applied to it\), so there is nothing to back up: check DATABASE_PATH or DATABASE_URL\./,
    );
    expect(readdirSync(empty.keys.dir)).toEqual([]);
  });
});

describe('restoreBackup in a process that never loaded libsodium', () => {
  it('checks the published checkpoint all the same (it loads libsodium itself)', async () => {
    const from = await source('sqlite', 7);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const published = join(from.keys.dir, 'cp.txt');
    writeFileSync(published, await from.log.service.checkpoint());
    const to = await fresh('sqlite');
    await to.tdb.cdb.close();
    const code = `import { readFileSync } from 'node:fs';
import { restoreBackup } from './portal/lib/server/backup.ts';
import { openDatabase } from './portal/lib/server/db/database.ts';
const [database, logKeyPath, webhookKeyPath, file, published] = process.argv.slice(1);
const cdb = await openDatabase({ sqlitePath: database });
try {
  const summary = await restoreBackup(cdb, { logKeyPath, webhookKeyPath }, file, undefined, {
    publishedCheckpoint: readFileSync(published, 'utf8'),
  });
  console.log(JSON.stringify(summary.log));
} finally {
  await cdb.close();
}`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        code,
        to.tdb.sqlitePath!,
        to.paths.logKeyPath,
        to.paths.webhookKeyPath,
        file,
        published,
      ],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(exit).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ size: 7 });
  });
});

/** The files in `dir` and below it, as paths relative to it (folders end with /). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => {
      const path = join(entry.parentPath, entry.name).slice(dir.length + 1);
      return entry.isDirectory() ? `${path}/` : path;
    })
    .sort();
}

/** How many rows the restore's tables hold together (0: nothing was restored). */
async function rowCount(cdb: ClearinghouseDb): Promise<number> {
  let total = 0;
  for (const table of await cdb.db.introspection.getTables()) {
    const { n } = (await sql<{ n: number | string }>`select count(*) as n from ${sql.table(
      table.name,
    )}`
      .execute(cdb.db)
      .then((result) => result.rows[0]!)) as { n: number | string };
    total += Number(n);
  }
  return total;
}

describe('a restore whose key paths cannot take the keys', () => {
  it('refuses such a path before any row, naming its variable and why, and writes nothing', async () => {
    const from = await source('sqlite', 10);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('sqlite');
    // The log key's folders do not exist yet: made for it, and removed again with the refusal.
    const logKeyPath = join(to.keys.dir, 'keys', 'log', 'log-key.json');
    const plain = join(to.keys.dir, 'plain');
    writeFileSync(plain, 'a file where a folder should be');
    const cases: [string, string][] = [
      // Root passes every permission check on /sys, yet nothing can be created there: only a
      // file written and removed again proves a path.
      ['/sys/webhook-key.json', 'this user may not write in /sys (EACCES)'],
      [join(plain, 'webhook-key.json'), `${plain} is a file, not a folder (ENOTDIR)`],
    ];
    for (const [webhookKeyPath, why] of cases) {
      const error = await restoreBackup(to.tdb.cdb, { logKeyPath, webhookKeyPath }, file).catch(
        (e: unknown) => e,
      );
      expect(error, webhookKeyPath).toBeInstanceOf(BackupError);
      expect((error as Error).message).toBe(
        `The webhook key cannot be restored to WEBHOOK_KEY_PATH (${webhookKeyPath}): ${why}; set ` +
          'WEBHOOK_KEY_PATH to a file in a folder this user may write in, and run the restore ' +
          'again; nothing was written.',
      );
      // Nothing: no table, no key, no temporary file, not the folders made for the log key.
      expect(await to.tdb.cdb.db.introspection.getTables()).toEqual([]);
      expect(tree(to.keys.dir)).toEqual(['plain']);
    }
    // Both keys at one path cannot be: refused before anything, too.
    await expect(
      restoreBackup(to.tdb.cdb, { logKeyPath, webhookKeyPath: logKeyPath }, file),
    ).rejects.toThrow(
      `LOG_KEY_PATH and WEBHOOK_KEY_PATH both name ${logKeyPath}, but the backup holds two keys: set them to two files; nothing was written.`,
    );
    expect(tree(to.keys.dir)).toEqual(['plain']);
    // The same restore with a path that takes the key goes through.
    const webhookKeyPath = join(to.keys.dir, 'keys', 'webhook-key.json');
    const summary = await restoreBackup(to.tdb.cdb, { logKeyPath, webhookKeyPath }, file);
    expect(summary.keys).toEqual(['log', 'webhook']);
    expect(readFileSync(webhookKeyPath, 'utf8')).toBe(
      readFileSync(from.paths.webhookKeyPath, 'utf8'),
    );
    expect(statSync(join(to.keys.dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(tree(to.keys.dir)).toEqual([
      'keys/',
      'keys/log/',
      'keys/log/log-key.json',
      'keys/webhook-key.json',
      'plain',
    ]);
  });

  it('takes the keys back out when another key appears at a path while the rows load', async () => {
    const from = await source('sqlite', 10);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const other = await source('sqlite', 1); // a webhook key of its own
    const to = await fresh('sqlite');
    // Another process puts its key at the webhook path while the rows load (a race).
    let raced = false;
    const race = () => {
      if (raced) return;
      raced = true;
      writeFileSync(to.paths.webhookKeyPath, readFileSync(other.paths.webhookKeyPath), {
        mode: 0o600,
      });
    };
    const error = await restoreBackup(to.tdb.cdb, to.paths, file, race).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe(
      `Another webhook key appeared at WEBHOOK_KEY_PATH (${to.paths.webhookKeyPath}) while ` +
        'restoring; no row was restored and no key was installed: move it away and run the ' +
        'restore again.',
    );
    // The log key, linked before the webhook key was found taken, is gone again, and no row stays.
    expect(tree(to.keys.dir)).toEqual(['webhook-key.json']);
    expect(await rowCount(to.tdb.cdb)).toBe(0);
    // What the sentence says: the restore then goes through on the same database.
    rmSync(to.paths.webhookKeyPath);
    const summary = await restoreBackup(to.tdb.cdb, to.paths, file);
    expect(summary.keys).toEqual(['log', 'webhook']);
    expect(tree(to.keys.dir)).toEqual(['log-key.json', 'webhook-key.json']);
  });

  it.each(testDialects)(
    'takes the keys back out when the commit fails after they were put in place, on %s',
    async (dialect) => {
      const from = await source(dialect, 10);
      const file = join(from.keys.dir, 'backup.jsonl.gz');
      await writeBackup(from.tdb.cdb, from.paths, file);
      const to = await fresh(dialect);
      // A database at the backup's schema (a restore accepts it: it has no row) whose commit
      // fails: a deferred foreign key that the insert into log_state breaks, checked at COMMIT.
      await migrateToLatest(to.tdb.cdb);
      const statements =
        dialect === 'sqlite'
          ? [
              'create table zz_parent (id integer primary key)',
              'create table zz_child (p integer references zz_parent (id) deferrable initially deferred)',
              'create trigger zz_fail after insert on log_state begin insert into zz_child values (42); end',
            ]
          : [
              'create table zz_parent (id integer primary key)',
              'create table zz_child (p integer references zz_parent (id) deferrable initially deferred)',
              'create function zz_fail() returns trigger language plpgsql as $$ begin insert into zz_child values (42); return null; end $$',
              'create trigger zz_fail after insert on log_state for each row execute function zz_fail()',
            ];
      for (const statement of statements) await sql.raw(statement).execute(to.tdb.cdb.db);

      const error = await restoreBackup(to.tdb.cdb, to.paths, file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^No row was restored into the ${dialect} database at ${escapeRegExp(to.tdb.cdb.location)}: ` +
            '.*(FOREIGN KEY constraint failed|violates foreign key constraint).*\\. No key was ' +
            'installed either: run the restore again once that is fixed\\.$',
        ),
      );
      expect(tree(to.keys.dir)).toEqual([]);
      expect(await rowCount(to.tdb.cdb)).toBe(0);

      // Without the trap the same database takes the restore.
      await sql
        .raw('drop trigger zz_fail' + (dialect === 'postgres' ? ' on log_state' : ''))
        .execute(to.tdb.cdb.db);
      const summary = await restoreBackup(to.tdb.cdb, to.paths, file);
      expect(summary.keys).toEqual(['log', 'webhook']);
      expect(tree(to.keys.dir)).toEqual(['log-key.json', 'webhook-key.json']);
    },
  );
});

describe('a restore onto a full disk', () => {
  it('says so in words, and leaves a database the restore can run on again', async () => {
    const from = await source('sqlite', 300);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('sqlite');
    // SQLite's own limit on the file's size: the same SQLITE_FULL a full disk gives, once the
    // schema is in and the rows are loading.
    await sql.raw('pragma max_page_count = 200').execute(to.tdb.cdb.db);
    const error = await restoreBackup(to.tdb.cdb, to.paths, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe(
      `No row was restored into the sqlite database at ${to.tdb.cdb.location}: there is no ` +
        'space left on the device (SQLite: database or disk is full, SQLITE_FULL). Free some ' +
        'space and run the restore again: the database holds no row, and no key was installed.',
    );
    expect(await rowCount(to.tdb.cdb)).toBe(0);
    expect(tree(to.keys.dir)).toEqual([]);
    // Space again: the same database takes it.
    await sql.raw('pragma max_page_count = 1073741823').execute(to.tdb.cdb.db);
    const summary = await restoreBackup(to.tdb.cdb, to.paths, file);
    expect(summary.rows).toBeGreaterThan(300);
  });
});

describe('a backup or restore stopped by a signal', () => {
  it('removes the backup’s partial file, which holds the keys', async () => {
    const from = await source('sqlite', 400);
    const folder = join(from.keys.dir, 'backups');
    const file = join(folder, 'b.jsonl.gz');
    const controller = new AbortController();
    let partial: string | undefined;
    // The signal comes once the partial file holds the header (and with it the keys).
    const openOutput = (temporary: string) => {
      const real = createWriteStream(temporary, { mode: 0o600, flags: 'wx' });
      return new Writable({
        write(chunk: Buffer, _encoding, done) {
          real.write(chunk, (error) => {
            partial = temporary;
            if (!controller.signal.aborted) controller.abort('SIGINT');
            done(error);
          });
        },
        destroy(error, done) {
          if (real.closed) done(error);
          else {
            real.once('close', () => done(error));
            real.destroy();
          }
        },
      });
    };
    const error = await writeBackup(from.tdb.cdb, from.paths, file, undefined, {
      openOutput,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupInterruptedError);
    expect((error as BackupInterruptedError).signal).toBe('SIGINT');
    expect((error as Error).message).toBe(
      `The backup was interrupted (SIGINT): no backup was written to ${file}, and its partial ` +
        'file was removed.',
    );
    expect(partial).toMatch(
      new RegExp(`^${escapeRegExp(file)}\\.${process.pid}\\.\\d+\\.partial$`),
    );
    expect(readdirSync(folder)).toEqual([]);
  });

  it('removes the partial files a killed backup to the same file left, and names them', async () => {
    const from = await source('sqlite', 5);
    const folder = join(from.keys.dir, 'backups');
    mkdirSync(folder);
    const file = join(folder, 'b.jsonl.gz');
    // A process that has ended: what SIGKILL or a power cut leaves behind is its pid.
    const ended = spawn(process.execPath, ['-e', '']);
    const gone = await new Promise<number>((resolve) =>
      ended.on('exit', () => resolve(ended.pid!)),
    );
    const stale = `${file}.${gone}.1764633600000.partial`;
    const running = `${file}.${process.pid}.1764633600000.partial`; // a backup under way
    const otherTarget = join(folder, `other.jsonl.gz.${gone}.1764633600000.partial`);
    for (const path of [stale, running, otherTarget]) writeFileSync(path, 'keys', { mode: 0o600 });

    const summary = await writeBackup(from.tdb.cdb, from.paths, file);
    expect(summary.removedPartials).toEqual([stale]);
    expect(readdirSync(folder).sort()).toEqual(
      ['b.jsonl.gz', basename(running), basename(otherTarget)].sort(),
    );
    // None the next time.
    const again = await writeBackup(from.tdb.cdb, from.paths, file, undefined, { force: true });
    expect(again.removedPartials).toBeUndefined();
  });

  it('removes the key files a killed restore left under temporary names, and names them', async () => {
    const from = await source('sqlite', 5);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('sqlite');
    const ended = spawn(process.execPath, ['-e', '']);
    const gone = await new Promise<number>((resolve) =>
      ended.on('exit', () => resolve(ended.pid!)),
    );
    const stale = `${to.paths.webhookKeyPath}.${gone}.1764633600000.restoring`;
    const running = `${to.paths.logKeyPath}.${process.pid}.1764633600000.restoring`;
    for (const path of [stale, running]) {
      writeFileSync(path, readFileSync(from.paths.webhookKeyPath), { mode: 0o600 });
    }
    const summary = await restoreBackup(to.tdb.cdb, to.paths, file);
    expect(summary.removedPartials).toEqual([stale]);
    expect(tree(to.keys.dir)).toEqual(['log-key.json', basename(running), 'webhook-key.json']);
  });

  it('stops a restore before its commit and undoes it, so that it runs again', async () => {
    const from = await source('sqlite', 30);
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    await writeBackup(from.tdb.cdb, from.paths, file);
    const to = await fresh('sqlite');
    const controller = new AbortController();
    // The signal comes while the rows load, after the keys were written under temporary names.
    const error = await restoreBackup(
      to.tdb.cdb,
      to.paths,
      file,
      () => {
        expect(readdirSync(to.keys.dir).filter((name) => name.endsWith('.restoring'))).toHaveLength(
          2,
        );
        controller.abort('SIGTERM');
      },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupInterruptedError);
    expect((error as Error).message).toBe(
      'The restore was interrupted (SIGTERM): no row was restored and no key was installed; run it again.',
    );
    expect(tree(to.keys.dir)).toEqual([]);
    expect(await rowCount(to.tdb.cdb)).toBe(0);
    const summary = await restoreBackup(to.tdb.cdb, to.paths, file);
    expect(summary.rows).toBeGreaterThan(30);
  });
});

describe('a backup with a key path that is not in a folder', () => {
  it('is refused with a sentence naming the variable, not the system’s ENOTDIR', async () => {
    const from = await source('sqlite', 3);
    const plain = join(from.keys.dir, 'plain');
    writeFileSync(plain, 'x');
    const webhookKeyPath = join(plain, 'webhook-key.json');
    const file = join(from.keys.dir, 'backup.jsonl.gz');
    const error = await writeBackup(from.tdb.cdb, { ...from.paths, webhookKeyPath }, file).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toBe(
      `The webhook key file at WEBHOOK_KEY_PATH (${webhookKeyPath}) cannot be read: ${plain} is ` +
        'a file, not a folder (ENOTDIR); set WEBHOOK_KEY_PATH to the key file the clearinghouse ' +
        'signs with.',
    );
    expect(existsSync(file)).toBe(false);
  });
});
