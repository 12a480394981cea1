#!/usr/bin/env node
/**
 * Installs what is missing, and nothing else: npm packages when package-lock.json changed,
 * and (for the test run) Debian's `chromium`, `firefox-esr`, `unzip` and `postgresql` when absent.
 * Uses only Node's built-ins, because it runs before node_modules exists.
 *
 *   node scripts/setup.mjs --for=start   npm packages only
 *   node scripts/setup.mjs --for=test    npm packages, chromium, firefox-esr, unzip, postgresql
 *
 * Exits non-zero with one clear sentence when something cannot be installed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const purpose = process.argv.find((a) => a.startsWith('--for='))?.slice(6) ?? 'test';

function fail(sentence) {
  console.error(`setup: ${sentence}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  console.log(`setup: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  fail(`Node ${process.versions.node} is too old: install Node 20.19 or newer.`);
}

// npm packages: reinstall only when the lock file changed since the last install.
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.setup-stamp');
const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
const installed = existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash;
if (!installed) {
  // Not `npm ci`: the registry reachable here lacks some of rollup's optional per-platform
  // packages, so the lock file cannot list them and `npm ci` refuses it as out of sync.
  // `npm install` installs exactly the locked versions and skips what this platform cannot use.
  if (!run('npm', ['install', '--no-audit', '--no-fund'])) {
    fail('npm install failed; see the output above.');
  }
  writeFileSync(stamp, lockHash);
} else {
  console.log('setup: npm packages are up to date');
}

if (purpose !== 'test') process.exit(0);

/** Debian packages the tests need, each with how to tell it is there. */
const systemPackages = [
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { name: 'firefox-esr', present: () => existsSync('/usr/bin/firefox-esr') },
  // Reads back the Assistant's downloads (scripts/zip.test.ts).
  { name: 'unzip', present: () => existsSync('/usr/bin/unzip') },
  {
    name: 'postgresql',
    present: () =>
      existsSync('/usr/lib/postgresql') &&
      readdirSync('/usr/lib/postgresql').some((v) =>
        existsSync(`/usr/lib/postgresql/${v}/bin/initdb`),
      ),
  },
];
const missing = systemPackages.filter((p) => !p.present()).map((p) => p.name);
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    fail(
      `the tests need Debian's ${missing.join(' and ')}: run "sudo apt-get install -y ${missing.join(' ')}" and try again.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update', '-qq'], { env }))
    fail('apt-get update failed; see the output above.');
  if (!run('apt-get', ['install', '-y', '-qq', ...missing], { env })) {
    fail(`apt-get could not install ${missing.join(' ')}; see the output above.`);
  }
  const still = systemPackages.filter((p) => !p.present()).map((p) => p.name);
  if (still.length > 0) fail(`${still.join(' and ')} still missing after apt-get install.`);
} else {
  console.log(`setup: ${systemPackages.map((p) => p.name).join(', ')} are installed`);
}
