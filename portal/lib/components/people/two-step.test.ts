/**
 * The consoles' two-step acts on a colleague (two-step.svelte.ts): Escape in the second step does
 * what Cancel does, back to the button that asked; the page's elements are stood in for by the
 * ids the focus is moved to.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TwoStep } from './two-step.svelte';

const focused: string[] = [];
beforeEach(() => {
  focused.length = 0;
  vi.stubGlobal('document', {
    getElementById: (id: string) => ({ focus: () => focused.push(id) }),
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** A key pressed, and whether its default was prevented. */
function key(name: string) {
  const event = { key: name, prevented: false, preventDefault: () => (event.prevented = true) };
  return event;
}

describe('TwoStep', () => {
  it('cancels the second step on Escape and returns the focus to the button that asked', async () => {
    const step = new TwoStep();
    await step.ask('remove', 'rita');
    expect(focused).toEqual(['confirm-rita']);
    const escape = key('Escape');
    step.keydown(escape, false);
    await vi.waitFor(() => expect(focused).toEqual(['confirm-rita', 'remove-rita']));
    expect(step.current).toBeUndefined();
    expect(escape.prevented).toBe(true);
  });

  it('keeps the second step on other keys, and on Escape while the act is on its way', async () => {
    const step = new TwoStep();
    await step.ask('recover', 'uwe');
    for (const [name, busy] of [
      ['Enter', false],
      ['a', false],
      ['Escape', true],
    ] as const) {
      const event = key(name);
      step.keydown(event, busy);
      expect(event.prevented).toBe(false);
    }
    await Promise.resolve();
    expect(step.current).toEqual({ kind: 'recover', personId: 'uwe' });
    expect(focused).toEqual(['confirm-uwe']);
  });

  it('does nothing on Escape with no step open', () => {
    const step = new TwoStep();
    const escape = key('Escape');
    step.keydown(escape, false);
    expect(escape.prevented).toBe(false);
    expect(focused).toEqual([]);
  });
});
