/**
 * `npm start`'s exit code when the server ends (scripts/start.mjs `superviseServer`): a server
 * killed by a signal nobody asked for (the out-of-memory killer's SIGKILL, a crash's SIGSEGV or
 * SIGABRT) is a failure a supervisor must see, as 128 + the signal's number; a stop that was asked
 * for (SIGINT or SIGTERM to `npm start`, passed on) is not. Each case runs start.mjs's own
 * supervision in a process of its own around a stand-in server (installing and building, what
 * `npm start` does first, is not what is tested here).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
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
  if (!/^if \(isMain\(\)\) main\(\);$/m.test(source)) {
    throw new Error('scripts/start.mjs runs npm start when imported: not importing it.');
  }
}

let exitCodeOf: (code: number | null, signal: string | null, forwarded?: string) => number;
beforeAll(async () => {
  checkImportable();
  ({ exitCodeOf } = (await import('./start.mjs')) as { exitCodeOf: typeof exitCodeOf });
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
