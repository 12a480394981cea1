/**
 * Which Escape presses leave the consent window (./escape-key.ts), in a real Chromium: a plain
 * press from a field without a use for it does; one a control keeps for itself does not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLeaveKey } from './escape-key';

/** The controls of a window, each with the `data-testid` a row below names. */
const fixture = `
  <button data-testid="button">Grant</button>
  <input data-testid="number" type="number" value="30" />
  <input data-testid="password" type="password" />
  <input data-testid="text" type="text" />
  <textarea data-testid="textarea"></textarea>
  <input data-testid="checkbox" type="checkbox" />
  <select data-testid="select"><option>E-mail</option><option>Post</option></select>
  <input data-testid="search" type="search" />
  <input data-testid="search-upper" type="SEARCH" />
  <input data-testid="datalist" list="channels" /><datalist id="channels"><option>E-mail</option></datalist>
  <button data-testid="expanded" aria-expanded="true">Channels</button>
  <button data-testid="collapsed" aria-expanded="false">Channels</button>
  <dialog open><button data-testid="in-dialog">OK</button></dialog>
  <div role="alertdialog"><button data-testid="in-alertdialog">Cancel</button></div>
  <div role="dialog"><input data-testid="in-role-dialog" /></div>
`;

let root: HTMLElement;
beforeEach(() => {
  root = document.createElement('div');
  root.innerHTML = fixture;
  document.body.append(root);
});
afterEach(() => root.remove());

/**
 * Whether an Escape keydown with `init`, dispatched on the control `id` (null: the page), leaves
 * the window; `taken`: the control takes the key itself first (`preventDefault`).
 */
function leaves(id: string | null, init: KeyboardEventInit = {}, taken = false): boolean {
  const target = id === null ? document.body : root.querySelector(`[data-testid="${id}"]`)!;
  let seen: boolean | undefined;
  const listen = (event: Event) => (seen = isLeaveKey(event as KeyboardEvent));
  if (taken) target.addEventListener('keydown', (event) => event.preventDefault(), { once: true });
  window.addEventListener('keydown', listen);
  try {
    target.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true, ...init }),
    );
  } finally {
    window.removeEventListener('keydown', listen);
  }
  if (seen === undefined) throw new Error('the keydown did not reach the window');
  return seen;
}

describe('a plain Escape leaves from a field without a use for it', () => {
  it.each([null, 'button', 'number', 'password', 'text', 'textarea', 'checkbox', 'collapsed'])(
    'from %s',
    (id) => {
      expect(leaves(id)).toBe(true);
    },
  );
});

describe('a control with its own use for Escape keeps it', () => {
  it.each([
    ['select', 'its list closes'],
    ['search', 'the search field clears'],
    ['search-upper', 'the search field clears (type in capitals)'],
    ['datalist', 'its suggestions close'],
    ['expanded', 'the expanded control collapses'],
    ['in-dialog', 'the dialog in the page closes'],
    ['in-alertdialog', 'the alert dialog in the page closes'],
    ['in-role-dialog', 'the dialog in the page closes'],
  ])('%s: %s', (id) => {
    expect(leaves(id)).toBe(false);
  });

  it('a control that took the key itself (preventDefault) keeps it', () => {
    expect(leaves('number', {}, true)).toBe(false);
  });
});

describe('only a plain press leaves', () => {
  it.each([
    ['while an input method composes', { isComposing: true }],
    ['for the key code input methods give', { keyCode: 229 }],
    ['when held down (a repeat)', { repeat: true }],
    ['with Shift', { shiftKey: true }],
    ['with Ctrl', { ctrlKey: true }],
    ['with Alt', { altKey: true }],
    ['with Meta', { metaKey: true }],
    ['for another key', { key: 'Esc' }],
    ['for Enter', { key: 'Enter' }],
  ] as const)('not %s', (_what, init) => {
    expect(leaves('number', init)).toBe(false);
  });
});
