import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkReachable,
  openDatabase,
  resolveDatabaseTarget,
  sqliteWalPath,
  walFile,
} from './database';
import { durableTransaction } from './durable-transaction';
import { migrateToLatest } from './migrate';
import { migrationsFor } from './migrations';
import { openTestDatabase, testDialects, type TestDatabase } from './test-databases';

describe('resolveDatabaseTarget', () => {
  it.each([
    ['postgres://u@h:5432/db', 'postgres'],
    ['postgresql://u@h/db', 'postgres'],
  ])('uses DATABASE_URL=%s as PostgreSQL', (url, dialect) => {
    expect(resolveDatabaseTarget({}, { DATABASE_URL: url }, '/srv')).toEqual({ dialect, url });
  });

  it('falls back to ./data/clearinghouse.db under the working directory', () => {
    expect(resolveDatabaseTarget({}, {}, '/srv/ch')).toEqual({
      dialect: 'sqlite',
      path: '/srv/ch/data/clearinghouse.db',
    });
    expect(resolveDatabaseTarget({}, { DATABASE_URL: '  ' }, '/srv/ch')).toEqual({
      dialect: 'sqlite',
      path: '/srv/ch/data/clearinghouse.db',
    });
  });

  it('prefers explicit options over the environment', () => {
    const env = { DATABASE_URL: 'postgres://env/db' };
    expect(resolveDatabaseTarget({ sqlitePath: 'x/y.db' }, env, '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/srv/x/y.db',
    });
    expect(resolveDatabaseTarget({ url: 'postgres://opt/db' }, env, '/srv')).toEqual({
      dialect: 'postgres',
      url: 'postgres://opt/db',
    });
  });

  it.each(['mysql://u@h/db', 'postgress://typo/db', 'sqlite:data.db'])(
    'refuses a DATABASE_URL that is not PostgreSQL (%s) instead of silently using SQLite',
    (url) => {
      expect(() => resolveDatabaseTarget({}, { DATABASE_URL: url }, '/srv')).toThrow(
        /DATABASE_URL/,
      );
      expect(() => resolveDatabaseTarget({ url }, {}, '/srv')).toThrow(/postgres/);
    },
  );
});

describe('openDatabase with SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clearinghouse-open-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the missing folder and sets WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const path = join(dir, 'nested', 'folder', 'ch.db');
    const cdb = await openDatabase({ sqlitePath: path });
    try {
      const pragma = async (name: string) =>
        (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(cdb.db)).rows[0];
      expect(cdb.dialect).toBe('sqlite');
      expect(cdb.location).toBe(path);
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('synchronous')).toEqual({ synchronous: 2 }); // 2 = FULL
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
      expect(Number((await pragma('busy_timeout'))?.timeout)).toBeGreaterThanOrEqual(1000);
    } finally {
      await cdb.close();
    }
    // WAL is a property of the file: a second, independent handle sees it too.
    const other = new SqliteDatabase(path, { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  it('enforces foreign keys: a log queue entry for an unknown message is refused', async () => {
    const cdb = await openDatabase({ sqlitePath: join(dir, 'fk.db') });
    try {
      await migrateToLatest(cdb);
      await expect(
        cdb.db
          .insertInto('log_queue')
          .values({ sha256: 'no-such-message', kind: 'grant', created_at: 1 })
          .execute(),
      ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    } finally {
      await cdb.close();
    }
  });

  it('calls a damaged file or one that is no database so and points to a backup, not to permissions', async () => {
    const good = join(dir, 'good.db');
    const cdb = await openDatabase({ sqlitePath: good });
    await migrateToLatest(cdb);
    await cdb.close();
    const bytes = readFileSync(good);
    // Cut off after three pages (a copy that stopped half-way), and overwritten from its start.
    const truncated = join(dir, 'truncated.db');
    writeFileSync(truncated, bytes.subarray(0, 3 * 4096));
    const overwritten = join(dir, 'overwritten.db');
    writeFileSync(overwritten, Buffer.alloc(8192, 'A'));
    const backupAdvice =
      'move it away (with its -wal and -shm files) and restore the last backup into a new file at DATABASE_PATH (npm run admin -- restore <backup>, docs/operations.md "Backup and restore").';
    await expect(openDatabase({ sqlitePath: truncated })).rejects.toThrow(
      `The SQLite database ${truncated} is damaged (database disk image is malformed, SQLITE_CORRUPT): ${backupAdvice}`,
    );
    await expect(openDatabase({ sqlitePath: overwritten })).rejects.toThrow(
      `The SQLite database ${overwritten} is not a SQLite database, or its first page is damaged (file is not a database, SQLITE_NOTADB): if DATABASE_PATH names the wrong file, set it to the clearinghouse's database; if this is the database, ${backupAdvice}`,
    );
    // Left as they were, for whoever wants to look at them.
    expect(readFileSync(truncated)).toEqual(bytes.subarray(0, 3 * 4096));
    // Any other reason keeps the sentence about the folder.
    await expect(openDatabase({ sqlitePath: join(overwritten, 'x.db') })).rejects.toThrow(
      `The SQLite database ${join(overwritten, 'x.db')} cannot be opened: a part of ${overwritten} is not a folder. Check that its folder exists and this process may write there`,
    );
  });

  it('closes cleanly even when no query ever ran, and close is idempotent', async () => {
    const cdb = await openDatabase({ sqlitePath: join(dir, 'idle.db') });
    await cdb.close();
    await cdb.close();
    expect(await checkReachable(cdb)).toBe(false);
  });

  // Descriptors of this process open on `path` (also once the file is deleted: `(deleted)`).
  const openOn = (path: string) =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target === path || target === `${path} (deleted)`;
      } catch {
        return false; // closed meanwhile (readdir's own descriptor)
      }
    }).length;

  it.runIf(process.platform === 'linux')(
    'flushes the write-ahead log through one descriptor it keeps open, and closes it with the database',
    async () => {
      const path = join(realpathSync(dir), 'flushes.db');
      const wal = sqliteWalPath(path);
      const cdb = await openDatabase({ sqlitePath: path });
      await migrateToLatest(cdb);
      const sqliteOwn = openOn(wal);
      expect(sqliteOwn).toBeGreaterThan(0);
      for (let i = 0; i < 5; i++) {
        await durableTransaction(cdb, (trx) =>
          sql`insert into log_state (id, size, root_hash, checkpoint, updated_at)
              values (${100 + i}, 0, '', '', 0)`.execute(trx),
        );
      }
      expect(openOn(wal)).toBe(sqliteOwn + 1);
      // Closed with the database, not left open on the WAL SQLite deletes at its last close.
      await cdb.close();
      expect(openOn(wal)).toBe(0);
    },
  );

  it.runIf(process.platform === 'linux')(
    'answers a failed flush with its error, closes that descriptor and opens the file again for the next flush',
    async () => {
      // A missing file: the open fails, and the next flush opens it.
      const later = join(realpathSync(dir), 'later.db-wal');
      const missing = walFile(later);
      await expect(missing.sync()).rejects.toMatchObject({ code: 'ENOENT' });
      writeFileSync(later, 'frames');
      await expect(missing.sync()).resolves.toBeUndefined();
      expect(openOn(later)).toBe(1);
      await missing.close();
      expect(openOn(later)).toBe(0);

      // A file that opens but refuses the flush (fdatasync of /dev/null is EINVAL): its
      // descriptor is closed, not kept, and each flush tries again with a new one.
      const before = openOn('/dev/null');
      const refusing = walFile('/dev/null');
      await expect(refusing.sync()).rejects.toMatchObject({ code: 'EINVAL' });
      expect(openOn('/dev/null')).toBe(before);
      await expect(refusing.sync()).rejects.toMatchObject({ code: 'EINVAL' });
      expect(openOn('/dev/null')).toBe(before);
      await refusing.close();
    },
  );

  it.runIf(process.platform === 'linux')(
    'waits for a flush under way before it closes, and flushes nothing after',
    async () => {
      const path = join(realpathSync(dir), 'closing.db-wal');
      writeFileSync(path, 'frames');
      const wal = walFile(path);
      const flushing = wal.sync();
      const closing = wal.close();
      await expect(flushing).resolves.toBeUndefined();
      await closing;
      expect(openOn(path)).toBe(0);
      await expect(wal.sync()).rejects.toThrow(/closed; nothing was flushed/);
      expect(openOn(path)).toBe(0);
    },
  );
});

describe.each(testDialects)('storage on %s', (dialect) => {
  let tdb: TestDatabase | undefined;
  afterEach(async () => {
    await tdb?.dispose();
    tdb = undefined;
  });

  it('applies every migration on a fresh database and creates the foundation tables', async () => {
    tdb = await openTestDatabase(dialect);
    const { applied } = await migrateToLatest(tdb.cdb);
    expect(applied).toEqual(Object.keys(migrationsFor(dialect)).sort());
    expect(applied[0]).toBe('0001_foundation');
    const tables = (await tdb.cdb.db.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual(expect.arrayContaining(['messages', 'seen_jtis', 'log_queue']));
  });

  it.runIf(dialect === 'postgres')(
    "keeps no planner statistics of the messages' tokens, and those of every other column",
    async () => {
      tdb = await openTestDatabase(dialect);
      await migrateToLatest(tdb.cdb);
      for (let i = 0; i < 50; i++) {
        await tdb.cdb.db
          .insertInto('messages')
          .values({
            sha256: `m${i}`,
            kind: 'grant',
            signer: 'ps_x',
            company_id: 'co_x',
            pseudonym: `ps_${i % 5}`,
            jws: `header.${'p'.repeat(500 + i)}.signature`,
            iat: i,
            exp: i + 60,
            received_at: i,
          })
          .execute();
      }
      await sql`analyze messages`.execute(tdb.cdb.db);
      const { rows } = await sql<{ attname: string }>`
        select attname from pg_stats where tablename = 'messages' order by attname`.execute(
        tdb.cdb.db,
      );
      const columns = rows.map((row) => row.attname);
      expect(columns).not.toContain('jws');
      const target = await sql<{ attname: string; target: number }>`
        select attname, attstattarget::int as target from pg_attribute
        where attrelid = 'messages'::regclass and attname in ('jws', 'sha256')
        order by attname`.execute(tdb.cdb.db);
      // 0: analyze skips it, on a database analyzed before too; -1: the default.
      expect(target.rows).toEqual([
        { attname: 'jws', target: 0 },
        { attname: 'sha256', target: -1 },
      ]);
      expect(columns).toEqual(expect.arrayContaining(['sha256', 'pseudonym', 'received_at']));
    },
  );

  it('running the migrations again applies nothing and keeps the data', async () => {
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
    await tdb.cdb.db
      .insertInto('seen_jtis')
      .values({ signer: 's', jti: 'j', expires_at: 1 })
      .execute();
    expect(await migrateToLatest(tdb.cdb)).toEqual({ applied: [] });
    expect(await tdb.cdb.db.selectFrom('seen_jtis').selectAll().execute()).toEqual([
      { signer: 's', jti: 'j', expires_at: 1 },
    ]);
  });

  it('migrates through the bare Kysely handle too', async () => {
    tdb = await openTestDatabase(dialect);
    expect(await migrateToLatest(tdb.cdb.db)).toEqual({
      applied: Object.keys(migrationsFor(dialect)).sort(),
    });
  });

  it('names the failed migration and rolls it back when the database refuses it', async () => {
    tdb = await openTestDatabase(dialect);
    // A table in the way makes 0001 fail half-way through.
    await sql.raw('create table log_queue (x integer)').execute(tdb.cdb.db);
    const error = await migrateToLatest(tdb.cdb).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      new RegExp(`^Migration 0001_foundation failed on the ${dialect} database`),
    );
    expect((error as Error).cause).toBeDefined();
    // SQLite and PostgreSQL both have transactional DDL: the tables created before the failure are gone.
    const tables = (await tdb.cdb.db.introspection.getTables()).map((table) => table.name);
    expect(tables).not.toContain('messages');
  });

  it('returns 64-bit integers as JavaScript numbers', async () => {
    tdb = await openTestDatabase(dialect);
    await migrateToLatest(tdb.cdb);
    const millis = 1_900_000_000_000; // beyond 32 bits
    await tdb.cdb.db
      .insertInto('seen_jtis')
      .values({ signer: 's', jti: 'j', expires_at: millis })
      .execute();
    const row = await tdb.cdb.db
      .selectFrom('seen_jtis')
      .select('expires_at')
      .executeTakeFirstOrThrow();
    expect(row.expires_at).toBe(millis);
    const count = await tdb.cdb.db
      .selectFrom('seen_jtis')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('reports the database reachable while open and unreachable once closed', async () => {
    tdb = await openTestDatabase(dialect);
    expect(await checkReachable(tdb.cdb)).toBe(true);
    expect(await checkReachable(tdb.cdb.db)).toBe(true);
    await tdb.cdb.close();
    expect(await checkReachable(tdb.cdb)).toBe(false);
  });
});

describe('checkReachable with PostgreSQL down', () => {
  it('answers false, without throwing, when nothing listens at the URL', async () => {
    // Port 1 on loopback: reserved (tcpmux) and never a PostgreSQL server here.
    const cdb = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      expect(await checkReachable(cdb, { timeoutMs: 5_000 })).toBe(false);
    } finally {
      await cdb.close();
    }
  });

  it('redacts the password in the location it reports', async () => {
    const cdb = await openDatabase({ url: 'postgres://user:secret@127.0.0.1:1/none' });
    try {
      expect(cdb.location).not.toContain('secret');
      expect(cdb.dialect).toBe('postgres');
    } finally {
      await cdb.close();
    }
  });
});
