#!/usr/bin/env node
/**
 * `npm test`: sets up what is missing, then runs every check and test runner, prints each
 * stage's time, and ends with one line `N passed, N failed` summed over every runner and
 * check (SPECS "Test run"). Each non-test check (setup, build, typecheck, lint, web-ext lint)
 * counts as one result; a stage that cannot run counts as failed, never as skipped.
 * Exits non-zero when anything failed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { playwrightFailures, vitestFailures } from './test-reports.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const timings = [];
const failures = [];
/** Each failed test by name with the first line of its error, repeated in the summary so that
 * the end of a long log (all a CI page may show) says what failed, not only how many. */
const failedTests = [];

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', (error) => {
      console.error(`test: could not run ${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function banner(name) {
  console.log(`\n━━━ ${name} ━━━`);
}

/** A check that passes or fails as a whole. */
async function check(name, command, args, env) {
  banner(name);
  const started = performance.now();
  const code = await run(command, args, env);
  const seconds = (performance.now() - started) / 1000;
  if (code === 0) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(name);
  }
  timings.push({ name, seconds, outcome: code === 0 ? 'passed' : `FAILED (exit ${code})` });
  return code === 0;
}

/** A test runner whose own report gives the counts; `count` reads them from its JSON file. */
async function runner(name, command, args, env, count) {
  banner(name);
  const started = performance.now();
  const code = await run(command, args, env);
  const seconds = (performance.now() - started) / 1000;
  let counted;
  try {
    counted = count();
  } catch (error) {
    console.error(`test: ${name} left no readable report (${error.message})`);
  }
  let outcome;
  if (counted === undefined) {
    totals.failed += 1;
    failures.push(`${name}: no report`);
    outcome = `FAILED (exit ${code}, no report)`;
  } else {
    totals.passed += counted.passed;
    totals.failed += counted.failed;
    totals.skipped += counted.skipped;
    if (counted.failed > 0) failures.push(`${name}: ${counted.failed} failed`);
    // A runner that exits non-zero with every test green still failed (e.g. an unhandled error).
    if (code !== 0 && counted.failed === 0) {
      totals.failed += 1;
      failures.push(`${name}: exit ${code}`);
    }
    if (counted.passed + counted.failed === 0) {
      totals.failed += 1;
      failures.push(`${name}: ran no test`);
    }
    outcome = `${counted.passed} passed, ${counted.failed} failed, ${counted.skipped} skipped${code !== 0 ? ` (exit ${code})` : ''}`;
  }
  timings.push({ name, seconds, outcome });
}

const readJson = (file) => JSON.parse(readFileSync(join(results, file), 'utf8'));
const npx = (bin) => join(root, 'node_modules', '.bin', bin);
const overall = performance.now();

const ready = await check('setup', process.execPath, ['scripts/setup.mjs', '--for=test']);
if (ready) {
  await check('build: portal', 'npm', ['run', 'build:portal']);
  await check('build: extension', 'npm', ['run', 'build:extension']);
  await check('typecheck: tsc', 'sh', [
    '-c',
    `${npx('svelte-kit')} sync && ${npx('tsc')} --noEmit -p tsconfig.json`,
  ]);
  await check('typecheck: svelte-check', npx('svelte-check'), [
    '--tsconfig',
    './tsconfig.json',
    '--threshold',
    'error',
    '--output',
    'human',
  ]);
  await check('lint: eslint', npx('eslint'), ['.']);
  await check('lint: prettier', npx('prettier'), ['--check', '.']);
  await check('lint: web-ext (Firefox build)', npx('web-ext'), [
    'lint',
    '--source-dir',
    'dist/extension/firefox',
    '--no-input',
  ]);
  await runner(
    'unit and browser tests (vitest)',
    npx('vitest'),
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(results, 'vitest.json')}`,
    ],
    {},
    () => {
      const report = readJson('vitest.json');
      const { failed, brokenFiles } = vitestFailures(report, root);
      failedTests.push(...failed);
      return {
        passed: report.numPassedTests,
        failed: report.numFailedTests + brokenFiles,
        skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
      };
    },
  );
  await runner(
    'end-to-end tests (playwright)',
    npx('playwright'),
    ['test'],
    { PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, 'playwright.json') },
    () => {
      const report = readJson('playwright.json');
      const { stats } = report;
      failedTests.push(...playwrightFailures(report));
      return {
        passed: stats.expected + stats.flaky,
        failed: stats.unexpected,
        skipped: stats.skipped,
      };
    },
  );
} else {
  failures.push('setup failed: nothing else could run');
}

banner('summary');
for (const { name, seconds, outcome } of timings) {
  console.log(`${seconds.toFixed(1).padStart(7)} s  ${name}: ${outcome}`);
}
console.log(`${((performance.now() - overall) / 1000).toFixed(1).padStart(7)} s  total`);
if (totals.skipped > 0) console.log(`${totals.skipped} skipped`);
for (const test of failedTests) console.log(`✘ ${test}`);
if (failures.length > 0) console.log(`failed: ${failures.join('; ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 ? 1 : 0;
