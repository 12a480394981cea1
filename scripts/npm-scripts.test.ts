/**
 * `npm start` and `npm run admin` stopped with SIGTERM sent to npm (what a process manager or
 * `kill` does): npm passes it to its script's process, which must be the program itself, not a
 * `sh -c` around it. sh does not pass a signal on: before the scripts said `exec`, npm exited 143
 * and left the server (or the backup) running without it.
 *
 * Each case runs the real npm on a package.json whose script line is this repository's own,
 * in a temporary folder where the script's file is a stand-in (the real `npm start` installs and
 * builds first, and a real backup needs a database; neither is what is tested here). The stand-in
 * for start.mjs runs start.mjs's own supervision (`superviseServer`) around a server listening on
 * a free port; the one for admin.ts runs under the real tsx, as `npm run admin` does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scripts = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length > 0) cleanup.pop()!();
});

/** A package in a temporary folder with this repository's line for `script` and `files`. */
function packageWith(script: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'npm-scripts-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'stand-in',
      private: true,
      type: 'module',
      scripts: { [script]: scripts[script] },
    }),
  );
  // tsx, as `npm run` finds it (node_modules/.bin on the PATH).
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/**
 * Runs `npm run <script> <args>` in `dir`, waits for the stand-in's line `ready <pid> [<port>]`,
 * sends SIGTERM to npm (only to npm: not its process group) and resolves with npm's exit code
 * and the stand-in's pid and port.
 */
async function terminateNpm(
  dir: string,
  script: string,
  args: string[] = [],
): Promise<{ code: number | null; pid: number; port?: number; output: string }> {
  const npm = spawn(
    'npm',
    ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const standIn: number[] = [];
  cleanup.push(() => {
    for (const pid of standIn) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  let output = '';
  const timer = setTimeout(() => npm.kill('SIGKILL'), 30_000);
  try {
    const ready = new Promise<{ pid: number; port?: number }>((resolve, reject) => {
      npm.once('exit', () => reject(new Error(`npm ended before its script was ready: ${output}`)));
      npm.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /ready (\d+)(?: (\d+))?/.exec(output);
        if (match !== null) {
          standIn.push(Number(match[1]));
          resolve({
            pid: Number(match[1]),
            ...(match[2] === undefined ? {} : { port: Number(match[2]) }),
          });
        }
      });
    });
    npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    // The output is complete once every process holding npm's pipes ended: an orphan may not.
    const closed = new Promise((resolve) => npm.on('close', resolve));
    const { pid, port } = await ready;
    npm.kill('SIGTERM');
    const code = await exited;
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    return { code, pid, ...(port === undefined ? {} : { port }), output };
  } finally {
    clearTimeout(timer);
  }
}

describe('SIGTERM to npm', () => {
  it('npm start: reaches the server through start.mjs, which ends, the port closed, npm exiting 0', async () => {
    const server = `import http from 'node:http';
const server = http.createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1', () =>
  console.log('ready ' + process.pid + ' ' + server.address().port));`;
    const dir = packageWith('start', {
      'scripts/start.mjs': `import { spawn } from 'node:child_process';
import { superviseServer } from ${JSON.stringify(pathToFileURL(join(root, 'scripts/start.mjs')).href)};
superviseServer(spawn(process.execPath, ['--input-type=module', '-e', ${JSON.stringify(server)}], { stdio: 'inherit' }));
`,
    });
    expect(scripts.start).toMatch(/scripts\/start\.mjs/);
    const result = await terminateNpm(dir, 'start');
    expect(await until(() => !alive(result.pid), 5_000), `server ${result.pid} still runs`).toBe(
      true,
    );
    expect(await until(async () => !(await portOpen(result.port!)), 5_000)).toBe(true);
    // start.mjs passed SIGTERM on and the server ended by it: a stop that was asked for.
    expect(result.code, result.output).toBe(0);
  });

  it('npm run admin: reaches the command under tsx, which ends with 143 as a backup stopped so does', async () => {
    const dir = packageWith('admin', {
      'scripts/admin.ts': `const args: string[] = process.argv.slice(2);
process.on('SIGTERM', () => {
  console.error('interrupted (SIGTERM): ' + args.join(' '));
  process.exit(143);
});
setInterval(() => {}, 1000);
console.log('ready ' + process.pid);
`,
    });
    expect(scripts.admin).toMatch(/tsx scripts\/admin\.ts/);
    const result = await terminateNpm(dir, 'admin', ['backup', 'x.jsonl.gz']);
    expect(await until(() => !alive(result.pid), 5_000), `admin ${result.pid} still runs`).toBe(
      true,
    );
    expect(result.output).toContain('interrupted (SIGTERM): backup x.jsonl.gz');
    expect(result.code).toBe(143);
  });
});
