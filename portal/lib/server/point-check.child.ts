/**
 * Child process of point-check.test.ts (run with tsx, never imported): awaits a few checks on the
 * worker and prints the answers, then simply returns. The process must end by itself: an idle
 * checker may not keep it alive (a server's graceful stop waits for that), nor may a pending
 * check let it end before its answer.
 */
import { ready } from '$protocol/sodium';
import { createPointChecker } from './point-check';

await ready();
const checker = createPointChecker({});
const identity = new Uint8Array(32);
identity[0] = 1;
const answers = await Promise.all([identity, new Uint8Array(31)].map(checker.isValidPoint));
console.log(`${checker.mode} ${answers.join(' ')}`);
