/**
 * `npm start`'s exit code when the server ends (scripts/start.mjs `superviseServer`): a server
 * killed by a signal nobody asked for (the out-of-memory killer's SIGKILL, a crash's SIGSEGV or
 * SIGABRT) is a failure a supervisor must see, as 128 + the signal's number; a stop that was asked
 * for (SIGINT or SIGTERM to `npm start`, passed on) is not. Each case runs start.mjs's own
 * supervision in a process of its own around a stand-in server (installing and building, what
 * `npm start` does first, is not what is tested here).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * start.mjs runs `npm start` (install, build, start the server) only as the program node runs;
 * a start.mjs without that guard would do all of it on import, here and in every supervisor
 * below. So it is checked before anything imports it.
 */
function checkImportable(): void {
  const source = readFileSync(new URL('./start.mjs', import.meta.url), 'utf8');
  if (!/^if \(isMain\(\)\) void main\(\);$/m.test(source)) {
    throw new Error('scripts/start.mjs runs npm start when imported: not importing it.');
  }
}

let exitCodeOf: (code: number | null, signal: string | null, forwarded?: string) => number;
let runQuietly: (
  command: string,
  args: string[],
  options: {
    cwd: string;
    logPath: string;
    label: string;
    progressMs?: number;
    tailLines?: number;
    say?: (line: string) => void;
    warn?: (line: string) => void;
  },
) => Promise<number>;
beforeAll(async () => {
  checkImportable();
  ({ exitCodeOf, runQuietly } = (await import('./start.mjs')) as {
    exitCodeOf: typeof exitCodeOf;
    runQuietly: typeof runQuietly;
  });
});

/**
 * `node -e` importing start.mjs and supervising `node -e <server>`; `signal` is sent to the
 * supervisor once the server printed `up`. Resolves with the supervisor's exit code and signal.
 */
async function supervise(
  server: string,
  signal?: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  checkImportable();
  const supervisor = `import { spawn } from 'node:child_process';
import { superviseServer } from './scripts/start.mjs';
superviseServer(spawn(process.execPath, ['-e', ${JSON.stringify(server)}], { stdio: 'inherit' }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', supervisor], {
    cwd: root,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (signal !== undefined && chunk.includes('up')) child.kill(signal);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    const [code, exitSignal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (c, s) => resolve([c, s]));
      },
    );
    return { code, signal: exitSignal, output };
  } finally {
    clearTimeout(timer);
  }
}

describe('npm start when the server ends', () => {
  it('exits 137 when the server is killed by SIGKILL, so a supervisor restarts it', async () => {
    const result = await supervise(`process.kill(process.pid, 'SIGKILL')`);
    expect(result).toMatchObject({ code: 137, signal: null });
  });

  it('exits 128 + the number of any other signal that ended it (SIGABRT, SIGTERM from elsewhere)', async () => {
    expect((await supervise(`process.kill(process.pid, 'SIGABRT')`)).code).toBe(
      128 + constants.signals.SIGABRT,
    );
    // A SIGTERM the server got from someone else than npm start is not a stop npm start asked for.
    expect((await supervise(`process.kill(process.pid, 'SIGTERM')`)).code).toBe(143);
  });

  it("passes the server's own exit code on", async () => {
    expect((await supervise('process.exit(3)')).code).toBe(3);
    expect((await supervise('')).code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 when it passed on %s and the server ended by it',
    async (signal) => {
      const result = await supervise(`console.log('up'); setInterval(() => {}, 1000);`, signal);
      expect(result.output).toContain('up');
      expect(result).toMatchObject({ code: 0, signal: null });
    },
  );
});

describe('exitCodeOf', () => {
  it('maps an end to the code a shell would report', () => {
    expect(exitCodeOf(0, null, undefined)).toBe(0);
    expect(exitCodeOf(1, null, 'SIGTERM')).toBe(1);
    expect(exitCodeOf(null, 'SIGKILL', undefined)).toBe(137);
    expect(exitCodeOf(null, 'SIGSEGV', 'SIGTERM')).toBe(139);
    expect(exitCodeOf(null, 'SIGTERM', 'SIGTERM')).toBe(0);
    expect(exitCodeOf(null, 'SIGINT', 'SIGTERM')).toBe(130);
  });
});

describe('runQuietly (the build of npm start)', () => {
  /** Runs `script` under node through runQuietly in a fresh folder; what it said, and the log. */
  async function quietly(script: string, progressMs?: number) {
    const dir = mkdtempSync(join(tmpdir(), 'start-quiet-'));
    try {
      const said: string[] = [];
      const warned: string[] = [];
      const logPath = join(dir, 'dist', 'build.log');
      const code = await runQuietly(process.execPath, ['-e', script], {
        cwd: dir,
        logPath,
        label: 'building',
        tailLines: 3,
        ...(progressMs === undefined ? {} : { progressMs }),
        say: (line) => said.push(line),
        warn: (line) => warned.push(line),
      });
      return { code, said, warned, log: readFileSync(logPath, 'utf8') };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("keeps a successful build's output in the log, off the terminal, and says where it is", async () => {
    const result = await quietly(
      'for (let i = 0; i < 400; i++) console.log("bundle line " + i); console.error("a warning");',
    );
    expect(result.code).toBe(0);
    expect(result.warned).toEqual([]);
    expect(result.said[0]).toBe(
      `start: building (its output goes to ${join('dist', 'build.log')})`,
    );
    expect(result.said.at(-1)).toMatch(/^start: done building in \d+ s$/);
    expect(result.said.join('\n')).not.toContain('bundle line');
    expect(result.log).toContain('bundle line 399');
    expect(result.log).toContain('a warning');
  });

  it('shows the last lines of a failed build and passes its exit code on', async () => {
    const result = await quietly(
      'for (let i = 0; i < 50; i++) console.log("line " + i); console.error("Error: cannot resolve x"); process.exit(3);',
    );
    expect(result.code).toBe(3);
    expect(result.warned[0]).toBe('line 48\nline 49\nError: cannot resolve x');
    expect(result.warned[1]).toMatch(
      /^start: building failed after \d+ s \(exit code 3\); the last 3 lines of dist\/build\.log are above, the whole output is in it\.$/,
    );
    expect(result.log).toContain('line 0\n');
  });

  it('says it is still at work while a long build runs', async () => {
    const result = await quietly('setTimeout(() => {}, 700);', 200);
    expect(result.code).toBe(0);
    expect(
      result.said.filter((line) => /^start: still building \(\d+ s\)$/.test(line)).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
