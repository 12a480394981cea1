/**
 * The point check on a worker thread (point-check.ts): it answers exactly what libsodium answers
 * on the event loop, for real keys and for the points a key must not be, alone and in batches,
 * and keeps answering the same after its worker is gone.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '$protocol/keys';
import { isValidEd25519Point, ready } from '$protocol/sodium';
import { createPointChecker, type PointChecker } from './point-check';
import { runScript } from './test-child';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** Real public keys, small-order points, non-canonical encodings and random bytes, mixed. */
function sampleKeys(): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) keys.push(generateKeyPair(random).publicKey);
  keys.push(new Uint8Array([1, ...new Uint8Array(31)])); // the identity, of small order
  keys.push(new Uint8Array([0xec, ...new Uint8Array(30).fill(0xff), 0x7f])); // y = -1, order 2
  keys.push(new Uint8Array([0xed, ...new Uint8Array(30).fill(0xff), 0x7f])); // y = p: not canonical
  for (let i = 0; i < 20; i++) keys.push(random(32)); // about half are no point at all
  return keys;
}

describe('the point check worker', () => {
  let checker: PointChecker | undefined;
  beforeAll(() => ready());
  afterEach(async () => {
    await checker?.stop();
    checker = undefined;
  });

  it('answers as libsodium does on the event loop, for 43 keys checked at once', async () => {
    checker = createPointChecker({});
    expect(checker.mode).toBe('worker');
    const keys = sampleKeys();
    const answers = await Promise.all(keys.map((key) => checker!.isValidPoint(key)));
    expect(answers).toEqual(keys.map((key) => isValidEd25519Point(key)));
    expect(answers.slice(0, 20).every(Boolean)).toBe(true);
    expect(answers.slice(20, 23)).toEqual([false, false, false]);
    // The answers came from the worker, which is still there, checking with native libsodium.
    expect(checker.answeredByWorker).toBe(keys.length);
    expect(checker.mode).toBe('worker');
    expect(checker.library).toBe('native');
  });

  it('POINT_CHECK_NATIVE=off checks on the worker with WebAssembly, with the same answers', async () => {
    checker = createPointChecker({ POINT_CHECK_NATIVE: 'off' });
    const keys = sampleKeys();
    const answers = await Promise.all(keys.map((key) => checker!.isValidPoint(key)));
    expect(answers).toEqual(keys.map((key) => isValidEd25519Point(key)));
    expect(checker.answeredByWorker).toBe(keys.length);
    expect(checker.library).toBe('wasm');
  });

  it('agrees with the WebAssembly build on 2,000 random byte strings and 200 real keys', async () => {
    // About half of random 32 bytes decode to a point; of those, about one in eight is in the
    // prime-order subgroup: many cases of each answer, all compared with the browser's libsodium.
    checker = createPointChecker({});
    const keys: Uint8Array[] = Array.from({ length: 2000 }, () => random(32));
    for (let i = 0; i < 200; i++) keys.push(generateKeyPair(random).publicKey);
    const answers = await Promise.all(keys.map((key) => checker!.isValidPoint(key)));
    expect(answers).toEqual(keys.map((key) => isValidEd25519Point(key)));
    expect(answers.filter(Boolean).length).toBeGreaterThan(200);
    expect(checker.library).toBe('native');
  });

  it('answers checks made one after another, and leaves the caller its bytes', async () => {
    checker = createPointChecker({});
    for (const key of sampleKeys()) {
      const copy = key.slice();
      expect(await checker.isValidPoint(key)).toBe(isValidEd25519Point(copy));
      expect(key).toEqual(copy);
    }
  });

  it('refuses anything but 32 bytes without asking the worker', async () => {
    checker = createPointChecker({});
    // A real key first: the worker answers it, so it is there to be asked.
    const key = sampleKeys()[0]!;
    expect(await checker.isValidPoint(key)).toBe(true);
    expect(checker.answeredByWorker).toBe(1);
    const longer = new Uint8Array(33);
    longer.set(key);
    expect(await checker.isValidPoint(new Uint8Array(31))).toBe(false);
    expect(await checker.isValidPoint(longer)).toBe(false);
    expect(checker.answeredByWorker).toBe(1);
  });

  it('answers checks still waiting when the worker stops, and every later one, on the event loop', async () => {
    checker = createPointChecker({});
    const keys = sampleKeys();
    const waiting = keys.map((key) => checker!.isValidPoint(key));
    await checker.stop();
    expect(checker.mode).toBe('inline');
    expect(await Promise.all(waiting)).toEqual(keys.map((key) => isValidEd25519Point(key)));
    expect(await checker.isValidPoint(keys[0]!)).toBe(true);
    expect(await checker.isValidPoint(keys[20]!)).toBe(false);
  });

  it.each([
    ['exits', 'process.exit(3)'],
    ['throws', "throw new Error('the worker broke')"],
  ])(
    'answers checks the worker held when it %s, on the event loop, and every later one',
    async (_how, failure) => {
      const failing = `const { parentPort } = require('node:worker_threads');
        parentPort.on('message', () => { ${failure}; });`;
      const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        checker = createPointChecker({}, failing);
        const keys = sampleKeys();
        const answers = await Promise.all(keys.map((key) => checker!.isValidPoint(key)));
        expect(answers).toEqual(keys.map((key) => isValidEd25519Point(key)));
        expect(checker.answeredByWorker).toBe(0);
        expect(checker.mode).toBe('inline');
        expect(await checker.isValidPoint(keys[0]!)).toBe(true);
        expect(quiet).toHaveBeenCalled();
      } finally {
        quiet.mockRestore();
      }
    },
  );

  it('POINT_CHECK_WORKER=off checks on the event loop from the start', async () => {
    checker = createPointChecker({ POINT_CHECK_WORKER: 'off' });
    expect(checker.mode).toBe('inline');
    expect(checker.library).toBeUndefined();
    const keys = sampleKeys();
    expect(await Promise.all(keys.map((key) => checker!.isValidPoint(key)))).toEqual(
      keys.map((key) => isValidEd25519Point(key)),
    );
  });

  it('lets its process end by itself once the answers are in, and not before', async () => {
    // A worker that holds the process keeps it running: killed after 15 s, the test fails below.
    const { code, stdout, stderr } = await runScript(
      new URL('./point-check.child.ts', import.meta.url),
      [],
      { timeoutMs: 15_000 },
    );
    const output = stdout + stderr;
    expect(output.trim()).toBe('worker false false');
    expect(code).toBe(0);
  }, 30_000);
});
