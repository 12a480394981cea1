import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../protocol/errors';
import {
  argon2Params,
  buildTarget,
  clock,
  isTestBuild,
  setTestClock,
  shippedArgon2Params,
  testArgon2Params,
} from './build';

describe('build settings without the extension build', () => {
  it('fall back to a shipped target, so a missing define never enables test hooks', () => {
    expect(buildTarget).toBe('chromium');
    expect(isTestBuild).toBe(false);
  });

  it('use the shipped Argon2id cost of 3 passes over 64 MiB', () => {
    expect(argon2Params).toEqual({ opslimit: 3, memlimit: 64 * 1024 * 1024 });
    expect(argon2Params).toBe(shippedArgon2Params);
  });

  it('keep the test cost at libsodium’s minimum, far below the shipped one', () => {
    expect(testArgon2Params).toEqual({ opslimit: 1, memlimit: 8192 });
  });

  it('read the real time from the clock', () => {
    const before = Date.now();
    const now = clock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('refuse to set the clock', () => {
    let error: unknown;
    try {
      setTestClock(0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('ERR_MESSAGE_KIND_UNKNOWN');
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1000);
  });
});
