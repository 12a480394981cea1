#!/usr/bin/env node
/**
 * `npm run test:full`: the same runner as `npm test` (scripts/test.mjs: setup, build, checks,
 * Vitest, Playwright, one closing `N passed, N failed` line) with `TEST_FULL=1`, which the suites
 * read to run at their full sizes (issue 12, SPECS "Test run"):
 *
 * - test/fault/: 20,000 messages and 5 SIGKILLs of the built server per database (2,000 and 2
 *   in `npm test`);
 * - the property-based API tests: their full case counts (200 per endpoint in `npm test`).
 *
 * It takes far longer than `npm test`'s 25-minute budget; docs/reliability.md has its latest
 * figures. Exits with the runner's code.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./test.mjs', import.meta.url));
const child = spawn(process.execPath, [runner, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TEST_FULL: '1' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`test:full: could not run ${runner}: ${error.message}`);
  process.exitCode = 1;
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
