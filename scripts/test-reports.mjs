/**
 * Reads the failed tests out of the runners' JSON reports, so that `npm test` can name each one
 * with the first line of its error at the very end of its output (a CI page may show only the
 * tail of a long log).
 */

/**
 * The first three non-empty lines of an error message (Playwright puts the matcher on the first
 * and what it expected and received on the next), without colour codes, at most 300 characters.
 */
export function firstLine(message) {
  const lines = String(message ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .slice(0, 3);
  const line = lines.length > 0 ? lines.join(' | ') : '(no message)';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/**
 * Vitest's JSON report: each failed test as "file › full name: first line", and the number of
 * files that failed before any test of theirs ran (an import error has no failed test).
 */
export function vitestFailures(report, root = '') {
  const failed = [];
  let brokenFiles = 0;
  for (const file of report.testResults ?? []) {
    const where = root && file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
    const tests = file.assertionResults ?? [];
    if (file.status === 'failed' && !tests.some((test) => test.status === 'failed')) {
      brokenFiles += 1;
      failed.push(`${where}: ${firstLine(file.message)}`);
    }
    for (const test of tests) {
      if (test.status === 'failed') {
        failed.push(`${where} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      }
    }
  }
  return { failed, brokenFiles };
}

/** Playwright's JSON report: each unexpected test as "file:line › titles: first line". */
export function playwrightFailures(report) {
  const failed = [];
  const visit = (suite, titles) => {
    // The outermost suite is the file; its title is the file name, which `spec.file` gives.
    const here = titles === undefined ? [] : suite.title ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const error = test.results?.at(-1)?.error?.message;
        const name = [...here, spec.title].join(' › ');
        failed.push(`${spec.file}:${spec.line} › ${name}: ${firstLine(error)}`);
      }
    }
    for (const child of suite.suites ?? []) visit(child, here);
  };
  for (const suite of report.suites ?? []) visit(suite, undefined);
  return failed;
}
