import { describe, expect, it } from 'vitest';
import { declinedWindowQuietMs, DeclinedWindows, quietCancelDelayMs } from './declined-windows';
import { FakeClock, memoryCell } from './fakes';

const A = `co_${'A'.repeat(43)}`;
const B = `co_${'B'.repeat(43)}`;

describe('DeclinedWindows', () => {
  it('remembers a company’s declined window for a day from the first one, in the session cell', async () => {
    const clock = new FakeClock(1_000_000);
    const cell = memoryCell<unknown>();
    const declined = new DeclinedWindows({ cell, clock });
    expect(await declined.shownRecently(A)).toBe(false);
    await declined.note(A);
    clock.ms += declinedWindowQuietMs / 2;
    // A second note within the day keeps the first time: one window a day, not a sliding one.
    await declined.note(A);
    expect(await declined.shownRecently(A)).toBe(true);
    expect(await declined.shownRecently(B)).toBe(false);
    // A restarted worker reads the same cell.
    expect(await new DeclinedWindows({ cell, clock }).shownRecently(A)).toBe(true);
    clock.ms = 1_000_000 + declinedWindowQuietMs;
    expect(await declined.shownRecently(A)).toBe(false);
  });

  it('ends the quiet when the customer’s "ask me again after" ends, if sooner than a day', async () => {
    const clock = new FakeClock(2_000_000);
    const declined = new DeclinedWindows({ clock });
    const hour = 60 * 60 * 1000;
    await declined.note(A, clock.ms + hour);
    expect(await declined.shownRecently(A)).toBe(true);
    // Failed before: quiet for the whole day, though the company may ask again after the hour.
    clock.ms += hour;
    expect(await declined.shownRecently(A)).toBe(false);
    // A cool-down already over records nothing.
    await declined.note(B, clock.ms - 1);
    expect(await declined.shownRecently(B)).toBe(false);
  });

  it('forgets one company or all, and ignores malformed or far-future entries', async () => {
    const clock = new FakeClock(5_000_000);
    const cell = memoryCell<unknown>();
    const declined = new DeclinedWindows({ cell, clock });
    await declined.note(A);
    await declined.note(B);
    await declined.forget(A);
    expect([await declined.shownRecently(A), await declined.shownRecently(B)]).toEqual([
      false,
      true,
    ]);
    await declined.forget(null);
    expect(await declined.shownRecently(B)).toBe(false);
    cell.value = {
      [A]: clock.ms + declinedWindowQuietMs + 60_000,
      [B]: 'yesterday',
      // Within the day: only its key, no company id, keeps it out.
      toString: clock.ms + 60_000,
    };
    expect(await declined.shownRecently(A)).toBe(false);
    expect(await declined.shownRecently(B)).toBe(false);
    expect(await declined.shownRecently('toString')).toBe(false);
    cell.value = [A];
    expect(await declined.shownRecently(A)).toBe(false);
  });
});

describe('quietCancelDelayMs', () => {
  it('waits between 3 and 40 seconds, as a person closing a window would', () => {
    const bytes = (fill: number) => () => new Uint8Array(4).fill(fill);
    expect(quietCancelDelayMs(bytes(0))).toBe(3_000);
    expect(quietCancelDelayMs(bytes(255))).toBe(39_999);
    expect(quietCancelDelayMs(bytes(128))).toBeGreaterThan(20_000);
  });
});
