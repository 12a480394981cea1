#!/usr/bin/env node
/** Starts the built portal on a fresh temporary SQLite database, for the end-to-end tests. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverArgv } from './server-node-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'clearinghouse-e2e-'));
const databasePath = join(dir, 'clearinghouse.db');
// Tests that need the database itself (e.g. the admin command's enrolment link in people.spec.ts)
// read where it is from here.
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(join(root, 'test-results', 'e2e-db-path.txt'), databasePath + '\n');
const server = spawn(process.execPath, serverArgv(), {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    DATABASE_PATH: databasePath,
    DATABASE_URL: '',
    // The log's and the webhooks' keys beside the database, not in ./data/ under the working
    // directory (a developer's own keys, which the defaults would use and create).
    LOG_KEY_PATH: join(dir, 'log-key.json'),
    WEBHOOK_KEY_PATH: join(dir, 'webhook-key.json'),
    // Many tests share one loopback address; limits have their own tests.
    RATE_LIMIT_ADDRESS_PER_MINUTE: '0',
    RATE_LIMIT_KEY_PER_MINUTE: '0',
  },
});
const cleanup = () => rmSync(dir, { recursive: true, force: true });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => {
  cleanup();
  process.exit(code ?? 0);
});
