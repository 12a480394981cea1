/**
 * What differs between the shipped builds and the test build (SPECS "Shared pieces").
 *
 * `__BUILD_TARGET__` is a build-time constant, so `if (isTestBuild) …` folds to `if (false) …` in
 * the shipped bundles and the bundler drops the branch and everything only it reaches: the test
 * hooks are not merely disabled there, they are absent (test/e2e/extension.spec.ts greps for them).
 */
import { ProtocolError } from '../protocol/errors';
import type { BuildTarget } from './target';

/**
 * The target this code was built for. Code run without the extension build (Vitest, tsx) sees
 * `chromium`, a shipped target: a missing `define` must never switch the test hooks on.
 */
export const buildTarget: BuildTarget =
  typeof __BUILD_TARGET__ === 'string' ? __BUILD_TARGET__ : 'chromium';

/**
 * The clearinghouse the Assistant talks to until the customer changes it in the settings
 * (SPECS "clearinghouse URL": the build-time `CLEARINGHOUSE_URL`, default `http://localhost:3000`).
 */
export const defaultClearinghouseUrl: string =
  typeof __CLEARINGHOUSE_URL__ === 'string' ? __CLEARINGHOUSE_URL__ : 'http://localhost:3000';

/** True only in the `chromium-test` build. */
export const isTestBuild: boolean = buildTarget === 'chromium-test';

/** Argon2id cost for `crypto_pwhash` (libsodium names: passes and bytes). */
export interface Argon2Params {
  readonly opslimit: number;
  readonly memlimit: number;
}

/**
 * The shipped vault KDF cost: 3 passes over 64 MiB, RFC 9106's second recommended option
 * (SPECS "Vault"). Exported so that one test can still unlock with the real settings.
 */
export const shippedArgon2Params: Argon2Params = /* @__PURE__ */ Object.freeze({
  opslimit: 3,
  memlimit: 64 * 1024 * 1024,
});

/**
 * libsodium's minimum Argon2id cost (`crypto_pwhash_OPSLIMIT_MIN`, `crypto_pwhash_MEMLIMIT_MIN`):
 * only for the test build, where hundreds of unlocks must stay fast.
 */
export const testArgon2Params: Argon2Params = /* @__PURE__ */ Object.freeze({
  opslimit: 1,
  memlimit: 8192,
});

/**
 * The Argon2id cost this build uses for new vaults.
 *
 * @example
 * ```ts
 * sodium.crypto_pwhash(32, passphrase, salt, argon2Params.opslimit, argon2Params.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
 * ```
 */
export const argon2Params: Argon2Params = isTestBuild ? testArgon2Params : shippedArgon2Params;

/** The time source handed to the Assistant's core. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Test build only: what the test hook added to the real time, in milliseconds. */
let clockOffsetMs = 0;

/**
 * The clock of this build. Shipped builds read `Date.now()` and nothing else; the test build adds
 * an offset that a test sets with the `test.clock.set` message, so time jumps and then runs on
 * (a frozen clock would stall anything that waits).
 *
 * @example
 * ```ts
 * const iat = Math.floor(clock.now() / 1000);
 * ```
 */
export const clock: Clock = isTestBuild
  ? { now: () => Date.now() + clockOffsetMs }
  : { now: () => Date.now() };

/**
 * Test build only: makes {@link clock} read `nowMs` at this instant (then run on), or the real
 * time again when `nowMs` is null. Any other build refuses, although no shipped code reaches it.
 *
 * @example
 * ```ts
 * setTestClock(Date.UTC(2030, 0, 1)); // clock.now() ≈ 2030-01-01T00:00:00Z
 * setTestClock(null);                 // back to the real time
 * ```
 */
export function setTestClock(nowMs: number | null): void {
  if (!isTestBuild)
    throw new ProtocolError(
      'ERR_MESSAGE_KIND_UNKNOWN',
      'The clock is not adjustable in this build.',
    );
  clockOffsetMs = nowMs === null ? 0 : nowMs - Date.now();
}
