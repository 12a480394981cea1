/**
 * A value the server cannot read stops its start with one sentence naming the variable
 * (docs/operations.md), not with Node's report of a crash. Each case starts the instance the way
 * the server's `init` hook does (`getInstance()`), in a fresh process without Vitest's
 * environment, and fails before anything listens: a few hundred milliseconds each.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from './db/test-databases';
import { checkStartSettings, StartupError } from './instance';
import { runAsOperator } from './test-child';

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length > 0) cleanup.pop()!();
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'instance-start-'));
  cleanup.push(() => {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function keysIn(dir: string): Record<string, string> {
  return {
    LOG_KEY_PATH: join(dir, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
  };
}

/** A loopback port nothing listens on (one that was just free). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Starts the instance in a process of its own; resolves with its exit code and output. */
async function startInstance(
  variables: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const code = `import { getInstance, stopInstance } from './portal/lib/server/instance.ts';
await getInstance();
console.log('started');
await stopInstance();`;
  return runAsOperator(['--import', 'tsx', '--input-type=module', '-e', code], variables, {
    timeoutMs: 20_000,
  });
}

describe('a start with a setting the server cannot read', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT must be a port number from 1 to 65535, not "abc".'],
    ['PORT=99999', { PORT: '99999' }, 'PORT must be a port number from 1 to 65535, not "99999".'],
    [
      'LOG_LEVEL=verbose',
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "verbose".',
    ],
    [
      'DATABASE_URL=mysql://x/y',
      { DATABASE_URL: 'mysql://x/y' },
      'DATABASE_URL must start with postgres:// or postgresql://; unset it to use the embedded SQLite database.',
    ],
    [
      'LOG_SEQUENCER=no',
      { LOG_SEQUENCER: 'no' },
      'LOG_SEQUENCER must be on or off (unset: on), not "no".',
    ],
    [
      'WEBHOOKS=false',
      { WEBHOOKS: 'false' },
      'WEBHOOKS must be on or off (unset: on), not "false".',
    ],
    [
      'ORIGIN=clearinghouse example',
      { ORIGIN: 'clearinghouse example' },
      'ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "clearinghouse example".',
    ],
    [
      'ORIGIN=notaurl',
      { ORIGIN: 'notaurl' },
      'ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "notaurl".',
    ],
    [
      'ORIGIN=ftp://x.example',
      { ORIGIN: 'ftp://x.example' },
      'ORIGIN must be an http(s) URL such as https://clearinghouse.example, not "ftp://x.example".',
    ],
    [
      'SHUTDOWN_TIMEOUT=abc (adapter-node read NaN and cut connections after a millisecond)',
      { SHUTDOWN_TIMEOUT: 'abc' },
      'SHUTDOWN_TIMEOUT must be a whole number of seconds from 0 to 2147483 (default 30) that a stop waits for open connections, not "abc".',
    ],
    [
      'SHUTDOWN_TIMEOUT=9999999 (more than a timer waits: adapter-node would cut connections at once)',
      { SHUTDOWN_TIMEOUT: '9999999' },
      'SHUTDOWN_TIMEOUT must be a whole number of seconds from 0 to 2147483 (default 30) that a stop waits for open connections, not "9999999".',
    ],
    // Read by the services after the database and the key files were created, with a stack.
    [
      'REVOCATION_ACK_DEADLINE_HOURS=abc',
      { REVOCATION_ACK_DEADLINE_HOURS: 'abc' },
      'REVOCATION_ACK_DEADLINE_HOURS must be a whole number of hours from 1 to 8760, not "abc".',
    ],
    [
      'REVOCATION_ACK_DEADLINE_HOURS=-5',
      { REVOCATION_ACK_DEADLINE_HOURS: '-5' },
      'REVOCATION_ACK_DEADLINE_HOURS must be a whole number of hours from 1 to 8760, not "-5".',
    ],
    [
      'RATE_LIMIT_KEY_PER_MINUTE=abc',
      { RATE_LIMIT_KEY_PER_MINUTE: 'abc' },
      'RATE_LIMIT_KEY_PER_MINUTE must be a whole number of requests per minute (0 = no limit), not "abc".',
    ],
    [
      'DATA_REQUEST_DEADLINE_DAYS=x',
      { DATA_REQUEST_DEADLINE_DAYS: 'x' },
      'DATA_REQUEST_DEADLINE_DAYS must be a whole number of days from 1 to 366, not "x".',
    ],
    [
      'TRUSTED_PROXY_HEADER="x forwarded"',
      { TRUSTED_PROXY_HEADER: 'x forwarded' },
      'TRUSTED_PROXY_HEADER must be one HTTP header name (up to 64 letters, digits and !#$%&\'*+-.^_`|~), e.g. x-forwarded-for or forwarded, not "x forwarded".',
    ],
    // On/off switches that read anything but "off" as on.
    ...(
      [
        ['PG_NAMED_STATEMENTS', 'false'],
        ['SQLITE_WRITER_THREAD', 'false'],
        ['SQLITE_CHECKPOINTER', 'no'],
        ['POINT_CHECK_WORKER', 'nope'],
        ['POINT_CHECK_NATIVE', 'disabled'],
        ['VERIFY_NATIVE', '0'],
      ] as const
    ).map(([name, value]): [string, Record<string, string>, string] => [
      `${name}=${value}`,
      { [name]: value },
      `${name} must be on or off (unset: on), not "${value}".`,
    ]),
  ];

  it.each(cases)(
    '%s stops it with one sentence naming the variable and exit code 1',
    async (_name, variables, sentence) => {
      const dir = folder();
      const result = await startInstance({
        DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
        LOG_KEY_PATH: join(dir, 'log-key.json'),
        WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
        ...variables,
      });
      expect(result.stderr).toBe(`The clearinghouse cannot start: ${sentence}\n`);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      // Nothing was opened or created.
      expect(existsSync(join(dir, 'data'))).toBe(false);
      expect(existsSync(join(dir, 'log-key.json'))).toBe(false);
    },
  );

  it('a data folder the server may not write in stops it with a sentence naming the file', async () => {
    const dir = folder();
    let path: string;
    if (process.getuid?.() === 0) {
      // root may write in any folder of a normal file system; procfs takes no new files.
      path = '/proc/clearinghouse.db';
    } else {
      const data = join(dir, 'data');
      mkdirSync(data);
      chmodSync(data, 0o500);
      path = join(data, 'clearinghouse.db');
    }
    const result = await startInstance({
      DATABASE_PATH: path,
      LOG_KEY_PATH: join(dir, 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
    });
    expect(result.stderr).toMatch(
      new RegExp(
        `^The clearinghouse cannot start: The SQLite database ${path.replace(/\./g, '\\.')} cannot be opened: .+\\. Check that its folder exists and this process may write there \\(for the file and its -wal and -shm files\\), or set DATABASE_PATH to another file\\.\\n$`,
      ),
    );
    expect(result.code).toBe(1);
  });
});

describe('a start with legal texts it cannot show', () => {
  it('an English text missing beside the German one stops it, naming the file, before anything opens', async () => {
    const dir = folder();
    const legal = join(dir, 'legal');
    mkdirSync(legal);
    writeFileSync(join(legal, 'imprint.de.txt'), 'Stadt Musterstadt\nRathausplatz 1\n');
    const result = await startInstance({
      DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
      LOG_KEY_PATH: join(dir, 'data', 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'data', 'webhook-key.json'),
      LEGAL_TEXT_DIR: legal,
    });
    const en = join(legal, 'imprint.en.txt');
    const de = join(legal, 'imprint.de.txt');
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: The legal text ${en} is missing while ${de} exists: add it (a page needs both languages), or remove ${de} to show the placeholder.\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('a LEGAL_TEXT_DIR that does not exist stops it too', async () => {
    const dir = folder();
    const result = await startInstance({
      DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
      LOG_KEY_PATH: join(dir, 'data', 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'data', 'webhook-key.json'),
      LEGAL_TEXT_DIR: join(dir, 'legl'),
    });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: LEGAL_TEXT_DIR names ${join(dir, 'legl')}, which is not a folder (it does not exist): correct it, or unset LEGAL_TEXT_DIR to show the placeholders.\n`,
    );
    expect(result.code).toBe(1);
  });
});

describe('a refused start creates no key file', () => {
  /** A database the server has started on once, with its two key files. */
  async function startedOnce() {
    const dir = folder();
    const settings = {
      DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
      LOG_KEY_PATH: join(dir, 'data', 'log-key.json'),
      WEBHOOK_KEY_PATH: join(dir, 'data', 'webhook-key.json'),
      LOG_SEQUENCER: 'off',
      WEBHOOKS: 'off',
      // Its worker does not load under tsx (a line on stderr); the start does not need it.
      SQLITE_CHECKPOINTER: 'off',
    };
    const first = await startInstance(settings);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('started');
    return { dir, settings };
  }

  it('a mistyped LOG_KEY_PATH stops it with a sentence, and no key is created there', async () => {
    const { dir, settings } = await startedOnce();
    const mistyped = join(dir, 'data', 'log-kye.json');
    const result = await startInstance({ ...settings, LOG_KEY_PATH: mistyped });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: There is no log key at ${mistyped} (LOG_KEY_PATH), but the log in ${settings.DATABASE_PATH} is signed with a key already: set LOG_KEY_PATH to the file that holds that key (restore it from a backup if it is lost); no key file was created.\n`,
    );
    expect(result.code).toBe(1);
    expect(existsSync(mistyped)).toBe(false);
  });

  it('a mistyped LOG_KEY_PATH in a new folder creates neither the key nor the folder', async () => {
    const { dir, settings } = await startedOnce();
    const mistyped = join(dir, 'dta', 'log-key.json');
    const result = await startInstance({ ...settings, LOG_KEY_PATH: mistyped });
    expect(result.stderr).toMatch(/^The clearinghouse cannot start: There is no log key at /);
    expect(result.code).toBe(1);
    expect(existsSync(join(dir, 'dta'))).toBe(false);
  });

  it('a mistyped WEBHOOK_KEY_PATH stops it, and no key is created there', async () => {
    const { dir, settings } = await startedOnce();
    const mistyped = join(dir, 'data', 'webhok-key.json');
    const result = await startInstance({ ...settings, WEBHOOK_KEY_PATH: mistyped });
    expect(result.stderr).toMatch(
      new RegExp(
        `^The clearinghouse cannot start: There is no webhook key at ${mistyped.replace(/\./g, '\\.')} \\(WEBHOOK_KEY_PATH\\), but the nodes of this database sign webhooks with the key [\\w-]{43}: copy their key file there, or set WEBHOOK_KEY_PATH to it \\(docs/scaling\\.md\\); no key file was created\\.\\n$`,
      ),
    );
    expect(result.code).toBe(1);
    expect(existsSync(mistyped)).toBe(false);
  });

  it('a changed LOG_ORIGIN with a mistyped LOG_KEY_PATH stops it at the origin, creating no key', async () => {
    const { dir, settings } = await startedOnce();
    const mistyped = join(dir, 'data', 'log-kye.json');
    const result = await startInstance({
      ...settings,
      LOG_KEY_PATH: mistyped,
      LOG_ORIGIN: 'clearinghouse.example/log',
    });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: The log's origin is "localhost:3000/log", but this process is configured as "clearinghouse.example/log". Set LOG_ORIGIN to the original origin: verifiers pinned it. The log holds no entry yet: moving the data folder ${join(dir, 'data')} away (the database with its -wal and -shm files, and the key files) starts a new log under the configured origin. No key file was created.\n`,
    );
    expect(result.code).toBe(1);
    expect(existsSync(mistyped)).toBe(false);
  });

  it('another log key, or another origin, with both key files there: one sentence, no stack (a plain error with its stack before)', async () => {
    const { settings } = await startedOnce();
    const other = await startedOnce();
    const result = await startInstance({ ...settings, LOG_KEY_PATH: other.settings.LOG_KEY_PATH });
    expect(result.stderr).toBe(
      'The clearinghouse cannot start: The stored checkpoint is not signed by the configured log key. Restore the original key file (LOG_KEY_PATH) instead of starting a second log under a new key.\n',
    );
    expect(result.code).toBe(1);
    const origin = await startInstance({ ...settings, LOG_ORIGIN: 'clearinghouse.example/log' });
    expect(origin.stderr).toBe(
      `The clearinghouse cannot start: The log's origin is "localhost:3000/log", but this process is configured as "clearinghouse.example/log". Set LOG_ORIGIN to the original origin: verifiers pinned it. The log holds no entry yet: moving the data folder ${join(settings.DATABASE_PATH, '..')} away (the database with its -wal and -shm files, and the key files) starts a new log under the configured origin.\n`,
    );
    expect(origin.code).toBe(1);
  });

  it('a webhook key path where no file can be created stops it before the log key is created', async () => {
    const dir = folder();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const logKey = join(dir, 'data', 'log-key.json');
    const result = await startInstance({
      DATABASE_PATH: join(dir, 'data', 'clearinghouse.db'),
      LOG_KEY_PATH: logKey,
      WEBHOOK_KEY_PATH: join(blocker, 'webhook-key.json'),
      LOG_SEQUENCER: 'off',
      WEBHOOKS: 'off',
      // Its worker does not load under tsx (a line on stderr); the start does not need it.
      SQLITE_CHECKPOINTER: 'off',
    });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: WEBHOOK_KEY_PATH names ${join(blocker, 'webhook-key.json')}, where there is no key file and none can be created (${blocker} is a file, not a folder): correct WEBHOOK_KEY_PATH, or let the server's user write there; no key file was created.\n`,
    );
    expect(result.code).toBe(1);
    expect(existsSync(logKey)).toBe(false);
  });

  it("another node's webhook key beside the right log key: one sentence, no stack (a plain error with its stack before)", async () => {
    const { settings } = await startedOnce();
    const other = await startedOnce();
    const webhookKeyPath = other.settings.WEBHOOK_KEY_PATH;
    const result = await startInstance({ ...settings, WEBHOOK_KEY_PATH: webhookKeyPath });
    expect(result.stderr).toMatch(
      new RegExp(
        `^The clearinghouse cannot start: The webhook key in ${escape(webhookKeyPath)} \\(WEBHOOK_KEY_PATH\\) is not the key [\\w-]{43} the other nodes of this database use: copy their key file there and start again \\(docs/scaling\\.md\\); no key file was created\\.\\n$`,
      ),
    );
    expect(result.code).toBe(1);
  });

  it('another PORT than the first start, with ORIGIN unset: says that the first start fixed the origin, and how to begin anew while the log is empty', async () => {
    const { dir, settings } = await startedOnce();
    const result = await startInstance({ ...settings, PORT: '3407' });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: The log's origin is "localhost:3000/log", but this process is configured as "localhost:3407/log". Set LOG_ORIGIN to the original origin: verifiers pinned it. The log holds no entry yet: moving the data folder ${join(dir, 'data')} away (the database with its -wal and -shm files, and the key files) starts a new log under the configured origin.\n`,
    );
    expect(result.code).toBe(1);
  });

  it('a database a newer release migrated (a rollback): one sentence at the start and from npm run migrate', async () => {
    const { settings } = await startedOnce();
    const sqlite = new SqliteDatabase(settings.DATABASE_PATH);
    sqlite
      .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
      .run('0023_future', new Date().toISOString());
    sqlite.close();
    const sentence =
      'This database was migrated by a newer release (0023_future): run that release, or restore a backup taken before the upgrade.';
    const result = await startInstance(settings);
    expect(result.stderr).toBe(`The clearinghouse cannot start: ${sentence}\n`);
    expect(result.code).toBe(1);
    const migrate = await runAsOperator(
      ['--import', 'tsx', 'portal/lib/server/db/migrate-cli.ts'],
      { DATABASE_PATH: settings.DATABASE_PATH },
      { timeoutMs: 20_000 },
    );
    expect(migrate.stderr).toBe(`${sentence}\n`);
    expect(migrate.code).toBe(1);
  });

  it.skipIf(process.getuid?.() === 0)(
    "a key file the server's user may not read: says so in words, with the user and how to fix it",
    async () => {
      const { settings } = await startedOnce();
      chmodSync(settings.LOG_KEY_PATH, 0o000);
      const result = await startInstance(settings);
      const user = userInfo().username;
      const file = settings.LOG_KEY_PATH;
      expect(result.stderr).toBe(
        `The clearinghouse cannot start: LOG_KEY_PATH names ${file}, a key file the server's user (${user}) may not read (EACCES): make that user its owner with mode 0600 (chown ${user} ${file} && chmod 600 ${file}), or set LOG_KEY_PATH to a copy it owns; the key was left as it is.\n`,
      );
      expect(result.code).toBe(1);
    },
  );
});

describe('a start on a PostgreSQL database it cannot use', () => {
  /** The URL as the server names it: the password masked. */
  const masked = (url: string) => {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  };

  it('nothing listening at the URL: one sentence naming DATABASE_URL, the password masked (a stack before)', async () => {
    const port = await closedPort();
    const url = `postgres://u:pw@127.0.0.1:${port}/db`;
    const result = await startInstance({ DATABASE_URL: url, ...keysIn(folder()) });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: The PostgreSQL database ${masked(url)} (DATABASE_URL) cannot be used: nothing accepts connections at 127.0.0.1:${port} (ECONNREFUSED). Start PostgreSQL there, or correct the host and port in DATABASE_URL.\n`,
    );
    expect(result.stderr).not.toContain(':pw@');
    expect(result.code).toBe(1);
  });

  it("a database that does not exist: PostgreSQL's reason in the sentence", async () => {
    const url = new URL(await createPostgresDatabase());
    url.pathname = '/nosuchdb_for_start';
    const result = await startInstance({ DATABASE_URL: url.toString(), ...keysIn(folder()) });
    expect(result.stderr).toBe(
      `The clearinghouse cannot start: The PostgreSQL database ${masked(url.toString())} (DATABASE_URL) cannot be used: PostgreSQL says database "nosuchdb_for_start" does not exist (3D000). Create it (as its owner: createdb <name>), or correct the database name in DATABASE_URL.\n`,
    );
    expect(result.code).toBe(1);
  });

  it("a role that does not exist: PostgreSQL's reason in the sentence", async () => {
    const url = new URL(await createPostgresDatabase());
    url.username = 'nosuchuser';
    url.password = 'pw';
    const result = await startInstance({ DATABASE_URL: url.toString(), ...keysIn(folder()) });
    expect(result.stderr).toMatch(
      /^The clearinghouse cannot start: The PostgreSQL database postgres:\/\/nosuchuser:\*\*\*@.+ \(DATABASE_URL\) cannot be used: PostgreSQL refused the login: .+ \((28000|28P01)\)\. Correct the user name and password in DATABASE_URL, or create that role\.\n$/,
    );
    expect(result.code).toBe(1);
  });
});

describe('checkStartSettings', () => {
  it('accepts what the server has always taken', () => {
    for (const env of [
      {},
      { PORT: '3301', LOG_LEVEL: 'warn', LOG_SEQUENCER: 'off', WEBHOOKS: 'OFF' },
      { LOG_SEQUENCER: 'on', WEBHOOKS: ' on ', LOG_LEVEL: 'silent', METRICS_PORT: '9464' },
      { SOCKET_PATH: '/run/ch.sock', ORIGIN: 'https://ch.example' },
      { DATABASE_URL: 'postgres://db/ch', PG_STATEMENT_TIMEOUT_MS: '0', WRITER_MAX_WAIT_MS: '8' },
    ]) {
      expect(() => checkStartSettings(env), JSON.stringify(env)).not.toThrow();
    }
    expect(checkStartSettings({ WEBHOOKS: 'off' }).webhooks).toBe(false);
    expect(checkStartSettings({}).webhooks).toBe(true);
  });

  it.each([
    [{ PORT: '0' }, /^PORT must be/],
    [{ PORT: '80.5' }, /^PORT must be/],
    [{ METRICS_PORT: 'x' }, /^METRICS_PORT must be/],
    [{ PG_STATEMENT_TIMEOUT_MS: '-1' }, /^PG_STATEMENT_TIMEOUT_MS must be/],
    [{ WRITER_MAX_WAIT_MS: 'soon' }, /^WRITER_MAX_WAIT_MS must be/],
    [{ ORIGIN: 'ftp://ch.example' }, /^ORIGIN must be an http\(s\) URL/],
  ])('refuses %j with a sentence naming the variable', (env, sentence) => {
    const error = (() => {
      try {
        checkStartSettings(env);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(sentence);
  });
});
