/**
 * The `chromium-test` build's test hooks, reached only from `if (isTestBuild)` branches so that
 * the shipped bundles do not contain this module at all (see ./build).
 */
import { clock, setTestClock } from './build';
import type { TestRequest, TestResponse } from './messages';

/**
 * Answers a test-build request: sets or resets the background's clock and reports its new time.
 *
 * @example
 * ```ts
 * answerTestRequest({ type: 'test.clock.set', now: Date.UTC(2030, 0, 1) }) // { type: 'test.clock', now: ≈1893456000000 }
 * ```
 */
export function answerTestRequest(request: TestRequest): TestResponse {
  setTestClock(request.type === 'test.clock.set' ? request.now : null);
  return { type: 'test.clock', now: clock.now() };
}
