import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { isValidEd25519Point } from '$protocol/sodium';
import { onOffFromEnv } from './settings';

/**
 * The Ed25519 point check of a new public key (libsodium's `crypto_core_ed25519_is_valid_point`)
 * on a worker thread instead of the event loop: every grant carries a pseudonym key the server has
 * not seen (docs/performance.md "API"). Checks that arrive in the same turn of the event loop
 * travel to the worker as one message.
 *
 * The worker runs libsodium compiled natively (`sodium-native`, about 30 µs a check) and, when
 * that does not load or `POINT_CHECK_NATIVE=off`, the WebAssembly build the browser uses
 * (`libsodium-wrappers-sumo`, 60-90 µs): the same function of the same library, so the same answer
 * (point-check.test.ts compares them; sodium-native 4.x, with an older libsodium, accepted points
 * the WebAssembly build refuses: docs/operations.md). If the worker cannot start or stops, the
 * checks run on the calling thread as before (WebAssembly): the answer is the same, only slower.
 * `POINT_CHECK_WORKER=off` keeps them there from the start.
 */
export interface PointChecker {
  /** True when the 32 bytes are a valid Ed25519 public key (as `isValidEd25519Point`). */
  isValidPoint(publicKey: Uint8Array): Promise<boolean>;
  /** Where checks run now. */
  readonly mode: 'worker' | 'inline';
  /**
   * Which libsodium the worker checks with: `native` (sodium-native), `wasm`, or `undefined`
   * until it has said so (and without a worker).
   */
  readonly library: 'native' | 'wasm' | undefined;
  /** How many checks the worker answered so far. */
  readonly answeredByWorker: number;
  /** Stops the worker; later checks run inline. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The worker: libsodium of its own (native when `workerData.native` names it and it loads, else
 * WebAssembly), one answer per message, in the order of the keys. Its ready message says which.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
function start(library, isValidPoint) {
  parentPort.on('message', ({ id, keys }) => {
    const answers = new Uint8Array(keys.length / 32);
    for (let i = 0; i < answers.length; i++) {
      answers[i] = isValidPoint(keys.subarray(i * 32, i * 32 + 32)) ? 1 : 0;
    }
    parentPort.postMessage({ id, answers }, [answers.buffer]);
  });
  parentPort.postMessage({ ready: true, library });
}
let native;
try {
  native = workerData.native === undefined ? undefined : require(workerData.native);
} catch {
  native = undefined;
}
if (native !== undefined) {
  start('native', (key) => native.crypto_core_ed25519_is_valid_point(key));
} else {
  const sodium = require(workerData.sodium);
  sodium.ready.then(() => start('wasm', (key) => sodium.crypto_core_ed25519_is_valid_point(key)));
}
`;

interface Waiting {
  key: Uint8Array;
  resolve: (valid: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Starts the worker (lazily usable at once: checks made before it is ready wait for it).
 *
 * @example
 * ```ts
 * const points = createPointChecker();
 * await points.isValidPoint(publicKey); // true for a real Ed25519 public key
 * ```
 */
export function createPointChecker(
  env: Readonly<Record<string, string | undefined>> = process.env,
  /** Tests only: a worker that fails in a chosen way. */
  source: string = workerSource,
): PointChecker {
  let worker: Worker | undefined;
  let mode: 'worker' | 'inline' = 'inline';
  let library: 'native' | 'wasm' | undefined;
  let answeredByWorker = 0;
  let nextId = 1;
  /** Sent and not answered, by message id. */
  const sent = new Map<number, Waiting[]>();
  let queued: Waiting[] = [];
  let scheduled = false;

  function inline(waiting: readonly Waiting[]): void {
    for (const { key, resolve, reject } of waiting) {
      try {
        resolve(isValidEd25519Point(key));
      } catch (error) {
        reject(error); // libsodium not ready: the caller's request fails, nothing waits forever
      }
    }
  }

  /** The worker is gone: everything it held is checked here, and so is everything after. */
  function fallBack(): void {
    if (mode === 'inline' && worker === undefined) return;
    mode = 'inline';
    const orphaned = [...sent.values()].flat();
    sent.clear();
    worker?.removeAllListeners();
    void worker?.terminate();
    worker = undefined;
    inline(orphaned);
    inline(queued);
    queued = [];
  }

  function flush(): void {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    if (worker === undefined) {
      inline(batch);
      return;
    }
    const keys = new Uint8Array(batch.length * 32);
    batch.forEach((waiting, index) => keys.set(waiting.key, index * 32));
    const id = nextId++;
    // Held while answers are due, so a caller awaiting one keeps the process alive.
    if (sent.size === 0) worker.ref();
    sent.set(id, batch);
    worker.postMessage({ id, keys }, [keys.buffer]);
  }

  if (onOffFromEnv(env, 'POINT_CHECK_WORKER')) {
    try {
      const resolve = createRequire(import.meta.url).resolve;
      const sodium = resolve('libsodium-wrappers-sumo');
      let native: string | undefined;
      if (onOffFromEnv(env, 'POINT_CHECK_NATIVE')) {
        try {
          native = resolve('sodium-native');
        } catch {
          native = undefined; // not installed: the worker uses WebAssembly
        }
      }
      worker = new Worker(source, { eval: true, workerData: { sodium, native } });
      mode = 'worker';
      worker.on(
        'message',
        (message: { id?: number; answers?: Uint8Array; ready?: true; library?: unknown }) => {
          if (message.ready === true) {
            library = message.library === 'native' ? 'native' : 'wasm';
            return;
          }
          if (message.id === undefined || message.answers === undefined) return;
          const batch = sent.get(message.id);
          if (batch === undefined) return;
          sent.delete(message.id);
          if (sent.size === 0) worker?.unref();
          answeredByWorker += batch.length;
          batch.forEach((waiting, index) => waiting.resolve(message.answers![index] === 1));
        },
      );
      worker.on('error', (error) => {
        console.error('point check worker failed; checking on the event loop:', error);
        fallBack();
      });
      worker.on('exit', (code) => {
        // Not after stop(): fallBack removes this listener before it terminates the worker.
        console.error(`point check worker stopped (code ${code}); checking on the event loop`);
        fallBack();
      });
      // An idle checker must not keep the process alive. After the listeners: adding a
      // 'message' listener refs the worker again.
      worker.unref();
    } catch (error) {
      console.error('point check worker did not start; checking on the event loop:', error);
      worker = undefined;
      mode = 'inline';
    }
  }

  return {
    isValidPoint(publicKey) {
      if (publicKey.length !== 32) return Promise.resolve(false);
      if (worker === undefined) return Promise.resolve(isValidEd25519Point(publicKey));
      return new Promise<boolean>((resolve, reject) => {
        queued.push({ key: publicKey, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    get mode() {
      return mode;
    },
    get library() {
      return mode === 'worker' ? library : undefined;
    },
    get answeredByWorker() {
      return answeredByWorker;
    },
    async stop() {
      const running = worker;
      fallBack();
      await running?.terminate();
    },
  };
}

let shared: PointChecker | undefined;

/** The process's checker, started on first use. */
export function pointChecker(): PointChecker {
  shared ??= createPointChecker();
  return shared;
}
