import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { AutoLock } from './auto-lock';
import { FakeClock, memoryCell } from './fakes';

describe('AutoLock', () => {
  it('is due once the idle minutes have passed since the last activity', async () => {
    const clock = new FakeClock(1_000_000);
    const lastActivity = memoryCell<number>();
    let minutes = 5;
    const timer = new AutoLock({ clock, lastActivity, minutes: () => minutes });
    await timer.touch();
    expect(await timer.deadline()).toBe(1_000_000 + 300_000);
    clock.ms += 299_999;
    expect(await timer.due()).toBe(false);
    clock.ms += 1;
    expect(await timer.due()).toBe(true);
    await timer.touch();
    minutes = 1;
    clock.ms += 59_999;
    expect(await timer.due()).toBe(false);
  });

  it('survives a restart: a new timer reads the same activity', async () => {
    const clock = new FakeClock(0);
    const lastActivity = memoryCell<number>();
    await new AutoLock({ clock, lastActivity, minutes: () => 1 }).touch();
    clock.ms = 61_000;
    expect(await new AutoLock({ clock, lastActivity, minutes: () => 1 }).due()).toBe(true);
  });

  it('locks when no activity was ever recorded, and refuses impossible minutes', async () => {
    const clock = new FakeClock(0);
    expect(await new AutoLock({ clock, lastActivity: memoryCell(), minutes: () => 5 }).due()).toBe(
      true,
    );
    const cell = memoryCell<number>();
    cell.value = 0;
    await expect(
      new AutoLock({ clock, lastActivity: cell, minutes: () => 0 }).due(),
    ).rejects.toBeInstanceOf(ProtocolError);
  });
});
