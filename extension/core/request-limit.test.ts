import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../protocol/errors';
import { FakeClock, memoryCell } from './fakes';
import { maxRequestsPerCompanyPerMinute, RequestLimit } from './request-limit';

const A = `co_${'A'.repeat(43)}`;
const B = `co_${'B'.repeat(43)}`;

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('RequestLimit', () => {
  it(`takes ${maxRequestsPerCompanyPerMinute} requests of a company a minute, each company its own`, async () => {
    const clock = new FakeClock(1_000_000);
    const limit = new RequestLimit({ clock });
    for (let i = 0; i < maxRequestsPerCompanyPerMinute; i++) {
      await limit.take(A);
      clock.ms += 1_000;
    }
    expect(await codeOf(() => limit.take(A))).toBe('ERR_RATE_LIMITED');
    // A refusal is not counted: a minute after the first request, one more is taken.
    expect(await codeOf(() => limit.take(B))).toBeUndefined();
    clock.ms = 1_000_000 + 59_999;
    expect(await codeOf(() => limit.take(A))).toBe('ERR_RATE_LIMITED');
    clock.ms = 1_000_000 + 60_000;
    expect(await codeOf(() => limit.take(A))).toBeUndefined();
    expect(await codeOf(() => limit.take(A))).toBe('ERR_RATE_LIMITED');
  });

  it('holds across a worker restart: a new limit on the same cell counts what came before', async () => {
    const clock = new FakeClock(5_000_000);
    const cell = memoryCell<unknown>();
    for (let i = 0; i < maxRequestsPerCompanyPerMinute; i++)
      await new RequestLimit({ cell, clock }).take(A);
    expect(await codeOf(() => new RequestLimit({ cell, clock }).take(A))).toBe('ERR_RATE_LIMITED');
    // Only companies and times are kept.
    expect(await cell.read()).toEqual({ [A]: [5_000_000, 5_000_000, 5_000_000] });
  });

  it('counts requests arriving together one after the other', async () => {
    const clock = new FakeClock(0);
    const limit = new RequestLimit({ cell: memoryCell<unknown>(), clock });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => codeOf(() => limit.take(A))),
    );
    expect(outcomes.filter((code) => code === undefined)).toHaveLength(
      maxRequestsPerCompanyPerMinute,
    );
    expect(outcomes.filter((code) => code === 'ERR_RATE_LIMITED')).toHaveLength(
      5 - maxRequestsPerCompanyPerMinute,
    );
  });

  it('ignores malformed entries and times after now (a clock set back holds no one off)', async () => {
    const clock = new FakeClock(10_000_000);
    const cell = memoryCell<unknown>();
    await cell.write({
      [A]: [clock.ms + 3_600_000, clock.ms + 3_600_000, clock.ms + 3_600_000],
      [B]: ['x', null, 1e300],
      'not a company': [clock.ms],
    });
    const limit = new RequestLimit({ cell, clock });
    expect(await codeOf(() => limit.take(A))).toBeUndefined();
    expect(await codeOf(() => limit.take(B))).toBeUndefined();
    expect(await cell.read()).toEqual({ [A]: [clock.ms], [B]: [clock.ms] });
    for (const broken of [null, 'text', [1, 2], 7]) {
      await cell.write(broken);
      expect(await codeOf(() => limit.take(A))).toBeUndefined();
    }
  });

  it('fails a request it cannot count with the storage’s error, and goes on after it', async () => {
    const clock = new FakeClock(0);
    const cell = memoryCell<unknown>();
    let failing = true;
    const limit = new RequestLimit({
      cell: {
        read: () => (failing ? Promise.reject(new Error('storage gone')) : cell.read()),
        write: (value) => cell.write(value),
      },
      clock,
    });
    expect(await codeOf(() => limit.take(A))).toBe('Error: storage gone');
    failing = false;
    expect(await codeOf(() => limit.take(A))).toBeUndefined();
    expect(await cell.read()).toEqual({ [A]: [0] });
  });

  it('remembers at most 500 companies, forgetting those that asked longest ago', async () => {
    const clock = new FakeClock(0);
    const cell = memoryCell<unknown>();
    const limit = new RequestLimit({ cell, clock });
    const company = (i: number) => `co_${String(i).padStart(43, '0')}`;
    for (let i = 0; i < 501; i++) {
      clock.ms = i;
      await limit.take(company(i));
    }
    const kept = Object.keys((await cell.read()) as object);
    expect(kept).toHaveLength(500);
    expect(kept).not.toContain(company(0));
    expect(kept).toContain(company(500));
  });

  it('gives back a request counted and then refused for another reason, once', async () => {
    const clock = new FakeClock(0);
    const limit = new RequestLimit({ cell: memoryCell<unknown>(), clock });
    const at = await limit.take(A);
    await limit.take(A);
    await limit.take(A);
    expect(await codeOf(() => limit.take(A))).toBe('ERR_RATE_LIMITED');
    await limit.refund(A, at);
    await limit.refund(A, at + 12_345); // none taken then: nothing
    expect(await codeOf(() => limit.take(A))).toBeUndefined();
    expect(await codeOf(() => limit.take(A))).toBe('ERR_RATE_LIMITED');
  });
});
