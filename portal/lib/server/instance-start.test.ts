/**
 * A value the server cannot read stops its start with one sentence naming the variable
 * (docs/operations.md), not with Node's report of a crash. Each case starts the instance the way
 * the server's `init` hook does (`getInstance()`), in a fresh process without Vitest's
 * environment, and fails before anything listens: a few hundred milliseconds each.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
      'The clearinghouse cannot start: The log\'s origin is "localhost:3000/log", but this process is configured as "clearinghouse.example/log". Set LOG_ORIGIN to the original origin: verifiers pinned it. No key file was created.\n',
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
      'The clearinghouse cannot start: The log\'s origin is "localhost:3000/log", but this process is configured as "clearinghouse.example/log". Set LOG_ORIGIN to the original origin: verifiers pinned it.\n',
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
