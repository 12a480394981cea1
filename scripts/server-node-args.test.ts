import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serverArgv, serverNodeArgs } from './server-node-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe('how node runs the built server (server-node-args.mjs)', () => {
  it('puts the server flags first, then the extra flags, then the entry', () => {
    expect(serverArgv()).toEqual([...serverNodeArgs, 'dist/portal/index.js']);
    expect(serverArgv('/tmp/x/index.js', ['--cpu-prof', '--allocation-site-pretenuring'])).toEqual([
      ...serverNodeArgs,
      '--cpu-prof',
      '--allocation-site-pretenuring',
      '/tmp/x/index.js',
    ]);
    expect(serverNodeArgs).toContain('--no-allocation-site-pretenuring');
  });

  it('is how every launcher of the built server starts it', () => {
    // Every `spawn(process.execPath, <args>` whose arguments name the built server (its path or an
    // entry variable) must take them from serverArgv.
    const launchers: string[] = [];
    const offenders: string[] = [];
    for (const dir of ['scripts', 'bench', 'test', 'portal']) {
      for (const file of sourceFiles(join(root, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const call of text.matchAll(/spawn\(\s*process\.execPath,\s*([^{]*?),\s*\{/gs)) {
          const args = call[1]!;
          if (args.startsWith('serverArgv(')) launchers.push(relative(root, file));
          else if (/index\.js|[eE]ntry/.test(args))
            offenders.push(`${relative(root, file)}: ${args}`);
        }
      }
    }
    expect(offenders).toEqual([]);
    expect(new Set(launchers)).toEqual(
      new Set([
        'scripts/start.mjs',
        'scripts/e2e-server.mjs',
        'scripts/cluster-lib.mjs',
        'scripts/demo.ts',
        'test/fault/built-server.ts',
        'test/fault/listen-refusal.test.ts',
        'test/fault/output-full.test.ts',
        'test/fault/start-refusal.test.ts',
        'bench/load/built-server.ts',
        'bench/portal/me.ts',
        'bench/portal/regulator.ts',
      ]),
    );
  });
});
