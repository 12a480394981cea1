import { describe, expect, test } from 'vitest';
import { firstLine, playwrightFailures, vitestFailures } from './test-reports.mjs';

// Shapes as Vitest 4 and Playwright write them (trimmed from real reports of a failing run).
const vitestReport = {
  testResults: [
    {
      name: '/repo/portal/a.test.ts',
      status: 'failed',
      message: '',
      assertionResults: [
        {
          fullName: 'group fails',
          status: 'failed',
          failureMessages: [
            'AssertionError: expected 1 to be 2 // Object.is equality\n    at /repo/portal/a.test.ts:2:59',
          ],
        },
        { fullName: 'group passes', status: 'passed', failureMessages: [] },
      ],
    },
    {
      name: '/repo/portal/b.test.ts',
      status: 'failed',
      message: "Cannot find module './missing' imported from /repo/portal/b.test.ts",
      assertionResults: [],
    },
    { name: '/repo/portal/c.test.ts', status: 'passed', message: '', assertionResults: [] },
  ],
};

const playwrightReport = {
  suites: [
    {
      title: 'c.spec.ts',
      file: 'c.spec.ts',
      specs: [
        {
          title: 'top passes',
          file: 'c.spec.ts',
          line: 3,
          tests: [{ status: 'expected', results: [{ status: 'passed' }] }],
        },
      ],
      suites: [
        {
          title: 'outer',
          specs: [
            {
              title: 'fails here',
              file: 'c.spec.ts',
              line: 2,
              tests: [
                {
                  status: 'unexpected',
                  results: [
                    { status: 'failed', error: { message: 'Error: first try' } },
                    {
                      status: 'failed',
                      error: {
                        message:
                          'Error: \u001b[2mexpect(\u001b[22mreceived).toBe(expected)\n\nExpected: \u001b[32m2\u001b[39m\nReceived: 1\nmore',
                      },
                    },
                  ],
                },
              ],
            },
            {
              title: 'flaky but passed',
              file: 'c.spec.ts',
              line: 9,
              tests: [{ status: 'flaky', results: [{ status: 'failed' }, { status: 'passed' }] }],
            },
          ],
        },
      ],
    },
  ],
};

describe('the failed tests named at the end of npm test', () => {
  test('Vitest: each failed test and each file that failed before its tests ran', () => {
    expect(vitestFailures(vitestReport, '/repo/')).toEqual({
      failed: [
        'portal/a.test.ts › group fails: AssertionError: expected 1 to be 2 // Object.is equality | at /repo/portal/a.test.ts:2:59',
        "portal/b.test.ts: Cannot find module './missing' imported from /repo/portal/b.test.ts",
      ],
      brokenFiles: 1,
    });
  });

  test('Playwright: only unexpected tests, with their describe titles and the last attempt', () => {
    expect(playwrightFailures(playwrightReport)).toEqual([
      'c.spec.ts:2 › outer › fails here: Error: expect(received).toBe(expected) | Expected: 2 | Received: 1',
    ]);
  });

  test('a message is cut to 300 characters and an absent one is said', () => {
    expect(firstLine('x'.repeat(400))).toHaveLength(300);
    expect(firstLine(undefined)).toBe('(no message)');
    expect(firstLine('\n\n  ')).toBe('(no message)');
  });

  test('empty reports name nothing', () => {
    expect(vitestFailures({}, '')).toEqual({ failed: [], brokenFiles: 0 });
    expect(playwrightFailures({})).toEqual([]);
  });
});
