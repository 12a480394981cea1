/**
 * `npm run admin` as an operator runs it: the real CLI in a fresh process of its own (nothing
 * this test process initialised, libsodium included, carries over), on temporary database and
 * key paths, judged by its exit code, its sentences and the files it leaves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../portal/lib/server/db/database';
import { migrateToLatest } from '../portal/lib/server/db/migrate';
import { tokenHash } from '../portal/lib/server/people';
import { startLog } from '../portal/lib/server/log/clearinghouse-log';
import { prepare, testLogConfig, writeMessages } from '../portal/lib/server/log/test-log';

const root = fileURLToPath(new URL('..', import.meta.url));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Each run of the CLI is a fresh process that transpiles its TypeScript: seconds, not milliseconds.
vi.setConfig({ testTimeout: 90_000 });

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()!();
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment an operator's shell would give it: no Vitest, no NODE_OPTIONS. */
function operatorEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return { ...env, ...variables };
}

/**
 * Runs `tsx scripts/admin.ts <args>` (what `npm run admin --` runs) from the repository's root and
 * waits for its end: exit code (null when killed after `timeoutMs`), signal and output.
 * `onStart` gets the process once it is spawned (to send it a signal).
 */
export async function runAdminCli(
  args: readonly string[],
  variables: Record<string, string>,
  options: {
    timeoutMs?: number;
    shellPrefix?: string;
    onStart?: (child: ChildProcess) => void;
  } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, '--import', 'tsx', join(root, 'scripts/admin.ts'), ...args];
  const quoted = argv.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  // A shell only when the test needs one (a resource limit set with `ulimit`).
  const child =
    options.shellPrefix === undefined
      ? spawn(argv[0]!, argv.slice(1), { cwd: root, env: operatorEnv(variables) })
      : spawn('/bin/sh', ['-c', `${options.shellPrefix}; exec ${quoted}`], {
          cwd: root,
          env: operatorEnv(variables),
        });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  options.onStart?.(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 25_000);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      },
    );
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The name of the first file in `dir` that matches `pattern`, looked for every 2 ms while `child`
 * runs (rejects once it ended without one).
 */
function fileAppears(dir: string, pattern: RegExp, child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`${child.pid} ended before a file in ${dir} matched ${pattern}`));
        return;
      }
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        // Not made yet.
      }
      const name = names.find((candidate) => pattern.test(candidate));
      if (name === undefined) setTimeout(look, 2);
      else resolve(name);
    };
    look();
  });
}

/** DATABASE_PATH, LOG_KEY_PATH and WEBHOOK_KEY_PATH in `dir`. */
function pathsIn(dir: string) {
  return {
    DATABASE_PATH: join(dir, 'clearinghouse.db'),
    LOG_KEY_PATH: join(dir, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
  };
}

/**
 * A SQLite clearinghouse in `dir` with a log of `entries` entries signed under
 * `localhost:3000/log`; returns its current checkpoint (what `/log/checkpoint` serves).
 */
async function clearinghouseIn(dir: string, entries: number): Promise<string> {
  const paths = pathsIn(dir);
  const cdb = await openDatabase({ sqlitePath: paths.DATABASE_PATH });
  try {
    const writer = await prepare(cdb);
    const log = await startLog(cdb, testLogConfig(dir));
    try {
      await writeMessages(writer, entries);
      await log.sequencer.flush();
      return await log.service.checkpoint();
    } finally {
      await writer.close();
      await log.stop();
    }
  } finally {
    await cdb.close();
  }
}

describe('npm run admin -- restore --published-checkpoint', () => {
  it('restores a backup given the log’s own current checkpoint', async () => {
    const from = folder();
    const checkpoint = await clearinghouseIn(from, 12);
    const file = join(from, 'backup.jsonl.gz');
    const backup = await runAdminCli(['backup', file], pathsIn(from));
    expect(backup.stderr).toMatch(/Backed up \d+ rows of \d+ tables/);
    expect(backup.code).toBe(0);
    const published = join(from, 'cp.txt');
    writeFileSync(published, checkpoint);

    const to = folder();
    const restore = await runAdminCli(
      ['restore', file, '--published-checkpoint', published],
      pathsIn(to),
    );
    expect(restore.stderr).toMatch(/Restored \d+ rows of \d+ tables/);
    expect(restore.stderr).toContain('The restored log has 12 entries');
    expect(restore.code).toBe(0);
  });

  it('refuses a checkpoint another log key signed with that sentence and exit code 1', async () => {
    const from = folder();
    await clearinghouseIn(from, 3);
    const other = folder();
    const foreign = await clearinghouseIn(other, 3);
    const file = join(from, 'backup.jsonl.gz');
    expect((await runAdminCli(['backup', file], pathsIn(from))).code).toBe(0);
    writeFileSync(join(from, 'cp.txt'), foreign);
    const to = folder();
    const restore = await runAdminCli(
      ['restore', file, '--published-checkpoint', join(from, 'cp.txt')],
      pathsIn(to),
    );
    expect(restore.stderr).toContain(
      "The published checkpoint is not one the backup's log key signed for localhost:3000/log",
    );
    expect(restore.code).toBe(1);
    expect(existsSync(pathsIn(to).LOG_KEY_PATH)).toBe(false);
  });
});

describe('npm run admin -- backup', () => {
  it('creates a missing folder for the backup (mode 0700), as in docs/operations.md', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    const file = join(dir, 'backups', '2026-12-02.jsonl.gz');
    const result = await runAdminCli(['backup', file], pathsIn(dir));
    expect(result.stderr).toMatch(/Backed up \d+ rows/);
    expect(result.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(statSync(join(dir, 'backups')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'backups'))).toEqual(['2026-12-02.jsonl.gz']);
  });

  it('ends a backup whose file cannot be written with one sentence and exit code 1', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const file = join(dir, 'not-a-folder', 'b.jsonl.gz');
    const result = await runAdminCli(['backup', file], pathsIn(dir));
    expect(result.stderr.trim()).toMatch(
      new RegExp(
        `^No backup was written to ${escapeRegExp(file)}: a part of ${escapeRegExp(
          join(dir, 'not-a-folder'),
        )} is not a folder \\((ENOTDIR|EEXIST)\\)\\. Nothing was left behind, the partial file included\\.$`,
      ),
    );
    expect(result.code).toBe(1);
    expect(readdirSync(dir).filter((name) => name.includes('b.jsonl'))).toEqual([]);
  });

  it('stops at a write that fails half-way (a file size limit) with a sentence, no crash, no hang and no partial file', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 6_000);
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    const file = join(backups, 'b.jsonl.gz');
    // 512 KiB (dash counts 512-byte blocks) or 1 MiB (bash: 1024): the backup is larger.
    const result = await runAdminCli(['backup', file], pathsIn(dir), {
      shellPrefix: 'ulimit -f 1024',
      timeoutMs: 60_000,
    });
    expect(result.signal).toBeNull(); // not killed after the timeout: it did not hang
    expect(result.stderr.trim()).toBe(
      `No backup was written to ${file}: the file grew larger than this process may write ` +
        '(its file size limit, ulimit -f) (EFBIG). Nothing was left behind, the partial file ' +
        'included.',
    );
    expect(result.stderr).not.toMatch(/node:internal|triggerUncaughtException|\n\s+at /);
    expect(result.code).toBe(1);
    // Nothing that holds the keys stays behind.
    expect(readdirSync(backups)).toEqual([]);
    // Without the limit the same backup is larger than it: the limit did cut it.
    const whole = await runAdminCli(['backup', file], pathsIn(dir), { timeoutMs: 60_000 });
    expect(whole.code).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(1024 * 1024);
  }, 120_000);
});

describe('npm run admin -- backup stopped by a signal', () => {
  it('removes its partial file on SIGINT or SIGTERM; after SIGKILL the next backup removes it and says so', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 6_000);
    const backups = join(dir, 'backups');
    const file = join(backups, 'b.jsonl.gz');
    const partial = /^b\.jsonl\.gz\.\d+\.\d+\.partial$/;
    /** Runs the backup and sends `signal` once its partial file (the keys in its first line) is there. */
    const stopped = async (signal: NodeJS.Signals) => {
      let seen: string | undefined;
      const result = await runAdminCli(['backup', file], pathsIn(dir), {
        timeoutMs: 60_000,
        onStart: (child) =>
          void fileAppears(backups, partial, child)
            .then((name) => {
              seen = name;
              child.kill(signal);
            })
            .catch(() => {}),
      });
      expect(seen, `${signal} was sent while the partial file was there`).toBeDefined();
      return { ...result, seen: seen! };
    };
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const result = await stopped(signal);
      expect(result.stderr.trim()).toBe(
        `The backup was interrupted (${signal}): no backup was written to ${file}, and its ` +
          'partial file was removed.',
      );
      expect(result.code).toBe(code);
      expect(readdirSync(backups)).toEqual([]);
    }
    // SIGKILL cannot be caught: the partial file stays, and the next backup to the file removes it.
    const killed = await stopped('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(readdirSync(backups)).toEqual([killed.seen]);
    const next = await runAdminCli(['backup', file], pathsIn(dir), { timeoutMs: 60_000 });
    expect(next.stderr).toContain(
      'Removed what earlier backups to this file left when their process was killed (partial ' +
        `files, which held the keys): ${join(backups, killed.seen)}.`,
    );
    expect(next.code).toBe(0);
    expect(readdirSync(backups)).toEqual(['b.jsonl.gz']);
  }, 240_000);
});

describe('npm run admin -- restore of a file or onto key paths it refuses', () => {
  it('refuses them before it creates anything, the database’s folder and file included', async () => {
    const from = folder();
    await clearinghouseIn(from, 3);
    const file = join(from, 'backup.jsonl.gz');
    expect((await runAdminCli(['backup', file], pathsIn(from))).code).toBe(0);
    const notBackup = join(from, 'passwd');
    writeFileSync(notBackup, 'root:x:0:0:root:/root:/bin/bash\n');
    const plain = join(from, 'plain');
    writeFileSync(plain, 'a file where a folder should be');
    const to = folder();
    // A new machine: the database and the keys in a folder that does not exist yet.
    const target = pathsIn(join(to, 'data'));
    const refusals: [string[], Record<string, string>, string][] = [
      [
        ['restore', join(from, 'typo.gz')],
        target,
        `${join(from, 'typo.gz')} cannot be read as a clearinghouse backup: there is no such file (ENOENT).`,
      ],
      [
        ['restore', notBackup],
        target,
        `${notBackup} cannot be read as a clearinghouse backup: it is not gzip-compressed as a backup is, or damaged (incorrect header check, Z_DATA_ERROR).`,
      ],
      [
        ['restore', file],
        { ...target, WEBHOOK_KEY_PATH: '/sys/webhook-key.json' },
        'The webhook key cannot be restored to WEBHOOK_KEY_PATH (/sys/webhook-key.json): this user may not write in /sys (EACCES); set WEBHOOK_KEY_PATH to a file in a folder this user may write in, and run the restore again; nothing was written.',
      ],
      [
        ['restore', file],
        { ...target, WEBHOOK_KEY_PATH: join(plain, 'webhook-key.json') },
        `The webhook key cannot be restored to WEBHOOK_KEY_PATH (${join(plain, 'webhook-key.json')}): ${plain} is a file, not a folder (ENOTDIR); set WEBHOOK_KEY_PATH to a file in a folder this user may write in, and run the restore again; nothing was written.`,
      ],
      [
        ['restore', file, '--published-checkpoint', join(from, 'checkpoint.txt')],
        target,
        `The published checkpoint ${join(from, 'checkpoint.txt')} cannot be read: there is no such file (ENOENT); give --published-checkpoint the checkpoint a monitor saved from /log/checkpoint, or the auditor's verifier state file; nothing was written.`,
      ],
    ];
    for (const [args, variables, sentence] of refusals) {
      const result = await runAdminCli(args, variables);
      // Not the DATABASE_PATH folder, not an empty SQLite file, not a key.
      expect(readdirSync(to), args.join(' ')).toEqual([]);
      expect(result.stderr.trim()).toBe(sentence);
      expect(result.code).toBe(1);
    }
    const restored = await runAdminCli(['restore', file], target);
    expect(restored.stderr).toMatch(/Restored \d+ rows of \d+ tables/);
    expect(restored.code).toBe(0);
    expect(
      readdirSync(join(to, 'data'))
        .filter((name) => !/-(wal|shm)$/.test(name))
        .sort(),
    ).toEqual(['clearinghouse.db', 'log-key.json', 'webhook-key.json']);
  }, 120_000);
});

describe('npm run admin -- backup of a database that is not there', () => {
  it('refuses a DATABASE_PATH with no file, creating neither it nor its folder', async () => {
    const dir = folder();
    const typo = join(dir, 'typo', 'ch.db');
    const file = join(dir, 'out.jsonl.gz');
    const result = await runAdminCli(['backup', file], { ...pathsIn(dir), DATABASE_PATH: typo });
    expect(result.stderr.trim()).toBe(
      `There is no SQLite database at ${typo}: set DATABASE_PATH to the clearinghouse's ` +
        'database file (or DATABASE_URL to its PostgreSQL database).',
    );
    expect(result.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a database file with no migration applied', async () => {
    const dir = folder();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const file = join(dir, 'out.jsonl.gz');
    const result = await runAdminCli(['backup', file], { ...pathsIn(dir), DATABASE_PATH: empty });
    expect(result.stderr).toContain(
      `The sqlite database at ${empty} has no clearinghouse tables (no migration was ever ` +
        'applied to it), so there is nothing to back up: check DATABASE_PATH or DATABASE_URL.',
    );
    expect(result.code).toBe(1);
    expect(existsSync(file)).toBe(false);
  });
});

describe('npm run admin -- backup onto an existing file', () => {
  it('refuses to replace it unless --force is given', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    const file = join(dir, 'b.jsonl.gz');
    writeFileSync(file, 'yesterday');
    const refused = await runAdminCli(['backup', file], pathsIn(dir));
    expect(refused.stderr.trim()).toBe(
      `${file} already exists: choose another name, or pass --force to replace it.`,
    );
    expect(refused.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('yesterday');
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);

    const forced = await runAdminCli(['backup', file, '--force'], pathsIn(dir));
    expect(forced.stderr).toMatch(/Backed up \d+ rows/);
    expect(forced.code).toBe(0);
    expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
  });
});

describe('npm run admin -- backup where no file can be written', () => {
  it('says a folder is a folder, not a file, with or without --force (it said "pass --force", then EISDIR)', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    const target = join(dir, 'backups');
    mkdirSync(target);
    for (const args of [
      ['backup', target],
      ['backup', target, '--force'],
    ]) {
      const result = await runAdminCli(args, pathsIn(dir));
      expect(result.stderr.trim()).toMatch(
        new RegExp(
          `^${escapeRegExp(target)} is a folder, not a file: give the backup a file name in it, e\\.g\\. ${escapeRegExp(target)}/\\d{4}-\\d\\d-\\d\\d\\.jsonl\\.gz; nothing was written\\.$`,
        ),
      );
      expect(result.code).toBe(1);
      expect(readdirSync(target)).toEqual([]);
    }
  });

  it('says it cannot write in a folder that takes no new files (it said /proc "does not exist")', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    const result = await runAdminCli(['backup', '/proc/x.jsonl.gz'], pathsIn(dir));
    expect(result.stderr.trim()).toBe(
      'No backup was written to /proc/x.jsonl.gz: this process cannot write there, as /proc takes ' +
        'no new files (ENOENT); choose a file in a folder this user may write in. Nothing was left ' +
        'behind, the partial file included.',
    );
    expect(result.code).toBe(1);
  });

  it('names DATABASE_URL when PostgreSQL cannot be reached (it said only "connect ECONNREFUSED")', async () => {
    const dir = folder();
    // A port nothing listens on.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = await runAdminCli(['backup', join(dir, 'b.jsonl.gz')], {
      ...pathsIn(dir),
      DATABASE_URL: `postgres://clearinghouse:secret@127.0.0.1:${port}/clearinghouse`,
    });
    expect(result.stderr.trim()).toBe(
      `The PostgreSQL database at 127.0.0.1:${port}/clearinghouse (DATABASE_URL) cannot be reached: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}. Start PostgreSQL, or set DATABASE_URL to the ` +
        "clearinghouse's database (unset, the SQLite file at DATABASE_PATH is used).",
    );
    expect(result.stderr).not.toContain('secret');
    expect(result.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports the absolute path, and where a relative one was taken from when started in a subfolder', async () => {
    const dir = folder();
    await clearinghouseIn(dir, 3);
    // A relative name (resolved against the root, where the command runs) that lands in `dir`.
    const name = relative(root, join(dir, 'b.jsonl.gz'));
    // What npm sets when `npm run admin` is started in docs/ (it runs the command in the root).
    const result = await runAdminCli(['backup', name], {
      ...pathsIn(dir),
      INIT_CWD: join(root, 'docs'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(` to ${join(dir, 'b.jsonl.gz')}. `);
    expect(result.stderr).toContain(
      `${name} was taken relative to ${resolve(root)}, where npm run admin runs its commands, not ` +
        `to ${join(root, 'docs')}, where it was started: give an absolute path to choose the folder.`,
    );
    expect(existsSync(join(dir, 'b.jsonl.gz'))).toBe(true);
  });
});

describe('npm run admin -- --help', () => {
  it('says what each command does and where the links go', async () => {
    const result = await runAdminCli(['--help'], { PORT: '3400' });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^ {2}enroll-regulator +prints a one-time link/m);
    expect(result.stderr).toMatch(/^ {2}backup +writes the database/m);
    expect(result.stderr).toContain('The links go to http://localhost:3400 now.');
  });
});

describe('npm run admin -- enroll-regulator', () => {
  it('says where the link goes when neither ORIGIN nor PORT is set', async () => {
    const dir = folder();
    const result = await runAdminCli(['enroll-regulator', '--name', 'Anna Admin'], pathsIn(dir));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      '(it goes to http://localhost:3000, as neither ORIGIN nor PORT is set: run this with the ' +
        'ORIGIN or PORT the server has if it runs elsewhere):',
    );
    expect(result.stdout).toMatch(/^http:\/\/localhost:3000\/enroll\//);
  });

  it('refuses a name over 100 characters with the rule, before it opens the database', async () => {
    const dir = folder();
    const result = await runAdminCli(['enroll-regulator', '--name', 'a'.repeat(101)], pathsIn(dir));
    expect(result.stderr.trim()).toBe('--name has 101 characters; a name may have at most 100.');
    expect(result.code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('links on http://localhost:$PORT when ORIGIN is unset, as the server does', async () => {
    const dir = folder();
    const result = await runAdminCli(['enroll-regulator', '--name', 'Anna Admin'], {
      ...pathsIn(dir),
      PORT: '3301',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^http:\/\/localhost:3301\/enroll\/[A-Za-z0-9_-]{43}\n$/);
    const withOrigin = await runAdminCli(['enroll-regulator', '--name', 'Anna Admin'], {
      ...pathsIn(dir),
      PORT: '3301',
      ORIGIN: 'https://ch.example/',
    });
    expect(withOrigin.stdout).toMatch(/^https:\/\/ch\.example\/enroll\/[A-Za-z0-9_-]{43}\n$/);
  });
});

describe('npm run admin -- list-people, recover-person and cancel-enrolment', () => {
  const personId = 'pe_RitaRegulatorAAAAAAAAA'; // pe_ + 22 characters
  const kid = 'kidOfRitasSigningKeyAAAAAAAAAAAAAAAAAAAAAAA';

  /** An enrolled regulator, as a completed enrolment leaves the rows (no ceremony here). */
  async function enrolledRegulator(dir: string): Promise<void> {
    const cdb = await openDatabase({ sqlitePath: pathsIn(dir).DATABASE_PATH });
    try {
      await migrateToLatest(cdb);
      await cdb.db
        .insertInto('people')
        .values({
          id: personId,
          role: 'regulator',
          company_id: null,
          name: 'Rita Regulator',
          webauthn_user_id: 'dXNlcg',
          created_at: Date.now() - 60_000,
          created_by: 'admin',
          removed_at: null,
        })
        .execute();
      await cdb.db
        .insertInto('person_keys')
        .values({
          kid,
          person_id: personId,
          x: 'A'.repeat(43),
          added_at: Date.now() - 60_000,
          retired_at: null,
        })
        .execute();
    } finally {
      await cdb.close();
    }
  }

  it('says when there is nobody yet', async () => {
    const dir = folder();
    const result = await runAdminCli(['list-people'], pathsIn(dir));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'No person and no open enrolment link yet: npm run admin -- enroll-regulator --name "<full name>" makes the first.',
    );
  });

  it('lists people and links, names whose keys a recovery retires, and cancels an unused link (the recovery named only the id before)', async () => {
    const dir = folder();
    await enrolledRegulator(dir);
    const invited = await runAdminCli(['enroll-regulator', '--name', 'Nina Neu'], pathsIn(dir));
    expect(invited.code).toBe(0);
    const token = invited.stdout.trim().split('/enroll/')[1]!;
    const linkId = tokenHash(token);

    const listed = await runAdminCli(['list-people'], pathsIn(dir));
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^status +role +name +company +keys +person +link$/);
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^enrolled +regulator +Rita Regulator +- +1 +${personId} +-$`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^invited +regulator +Nina Neu +- +0 +- +${escapeRegExp(linkId)} \\(valid until \\d{4}-`,
        ),
      ),
    );
    expect(listed.stderr.trim()).toBe(
      '1 person, 1 open enrolment link: npm run admin -- cancel-enrolment <link> voids one nobody has used yet.',
    );
    // The token is the link's secret: never listed.
    expect(listed.stdout + listed.stderr).not.toContain(token);

    const recovered = await runAdminCli(['recover-person', '--person', personId], pathsIn(dir));
    expect(recovered.code).toBe(0);
    expect(recovered.stderr).toMatch(
      new RegExp(
        `^One-time recovery link for Rita Regulator \\(${personId}, regulator\\), valid until [^.]+\\.\\d+Z\\. Retired now: their signing key ${kid}, and their passkeys and sessions`,
        'm',
      ),
    );
    expect(recovered.stdout).toMatch(/^http:\/\/localhost:3000\/enroll\/[A-Za-z0-9_-]{43}\n$/);
    const again = await runAdminCli(['list-people'], pathsIn(dir));
    expect(again.stdout).toMatch(
      new RegExp(
        `^recovery pending +regulator +Rita Regulator +- +1 +${personId} +\\S+ \\(valid until`,
        'm',
      ),
    );

    const cancelled = await runAdminCli(['cancel-enrolment', linkId], pathsIn(dir));
    expect(cancelled.code).toBe(0);
    expect(cancelled.stderr.trim()).toMatch(
      new RegExp(
        `^Cancelled the enrolment link ${escapeRegExp(linkId)} for a new regulator \\(Nina Neu\\), made by admin on [^:]+:\\d\\d:\\d\\d\\.\\d+Z: nobody can enrol with it any more\\.$`,
      ),
    );
    const twice = await runAdminCli(['cancel-enrolment', invited.stdout.trim()], pathsIn(dir));
    expect(twice.code).toBe(1);
    expect(twice.stderr.trim()).toMatch(
      /^This enrolment link expired, or was cancelled, on \S+: nobody can enrol with it any more, so there is nothing to cancel\. \(ERR_ENROLMENT_EXPIRED\)$/,
    );
    const unknown = await runAdminCli(['cancel-enrolment', 'B'.repeat(43)], pathsIn(dir));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      'No enrolment link has this id or token: give the id npm run admin -- list-people shows, or the link itself. (ERR_ENROLMENT_UNKNOWN)',
    );
    const after = await runAdminCli(['list-people'], pathsIn(dir));
    expect(after.stdout).not.toContain('Nina Neu');
  });

  it('refuses cancel-enrolment without exactly one link, with the usage and exit code 2', async () => {
    for (const args of [['cancel-enrolment'], ['cancel-enrolment', 'a', 'b']]) {
      const result = await runAdminCli(args, {});
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^cancel-enrolment needs exactly one link id/);
      expect(result.stderr).toContain('npm run admin -- cancel-enrolment <link id, token or link>');
    }
  });
});
