#!/usr/bin/env node
/**
 * `npm start`: installs what is missing, builds what changed, and starts the clearinghouse
 * on its embedded default (SQLite under ./data/, no other server). The server migrates the
 * database itself when it starts. A second run reuses the install and the build.
 *
 * Environment: PORT (3000), HOST (127.0.0.1), ORIGIN (http://localhost:PORT),
 * DATABASE_URL (postgres://… to use PostgreSQL), DATABASE_PATH (SQLite file).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFingerprint } from './fingerprint.mjs';
import { serverArgv } from './server-node-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function step(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`start: "${command} ${args.join(' ')}" failed; see the output above.`);
    process.exit(result.status ?? 1);
  }
}

step(process.execPath, ['scripts/setup.mjs', '--for=start']);

const stampFile = join(root, 'dist', '.build-stamp');
const fingerprint = sourceFingerprint(root);
const built =
  existsSync(join(root, 'dist', 'portal', 'index.js')) &&
  existsSync(join(root, 'dist', 'extension', 'chromium', 'manifest.json')) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === fingerprint;
if (built) {
  console.log('start: the build is up to date');
} else {
  step('npm', ['run', 'build']);
  writeFileSync(stampFile, fingerprint);
}

const port = process.env.PORT ?? '3000';
const env = {
  ...process.env,
  PORT: port,
  HOST: process.env.HOST ?? '127.0.0.1',
  ORIGIN: process.env.ORIGIN ?? `http://localhost:${port}`,
};
console.log(`
  Clearinghouse:   ${env.ORIGIN}  (bound to ${env.HOST}:${port})
  Database:        ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : (env.DATABASE_PATH ?? 'data/clearinghouse.db') + ' (SQLite)'}
  Assistant:       load ${join(root, 'dist/extension/chromium')} in Chromium (chrome://extensions, developer mode, "Load unpacked")
                   or ${join(root, 'dist/extension/firefox/manifest.json')} in Firefox (about:debugging, "Load Temporary Add-on")
`);

const server = spawn(process.execPath, serverArgv(), {
  cwd: root,
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
