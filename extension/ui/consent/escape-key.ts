/**
 * When Escape leaves the consent window (Consent.svelte, ActionConfirm.svelte): the window listens
 * on `window`, so a key pressed anywhere in it reaches it, and this says which presses are the
 * customer's "not now" and which belong to the control that has the focus.
 */

/**
 * Where Escape has a meaning of its own, which it keeps: a `<select>` closes its open list
 * (whether that press also reaches the page differs between browsers and select styles, so a
 * select keeps every Escape), a search field clears, a field with a `<datalist>` closes its
 * suggestions, an expanded combobox, menu or disclosure collapses, and a dialog inside the page
 * closes. Other fields (number, password, plain text, a textarea) have no use for it, so
 * it leaves from there as closing the window would.
 */
const ownEscape = [
  'select',
  'input[type="search" i]',
  'input[list]',
  '[aria-expanded="true"]',
  'dialog[open]',
  '[role="dialog"]',
  '[role="alertdialog"]',
].join(', ');

/**
 * Whether `event` is a plain Escape the window may take as "leave without an answer". Not when a
 * control handled it already (`defaultPrevented`), while an input method composes (Escape drops
 * the composition: `isComposing`, or key code 229 where the browser gives no flag), with a
 * modifier held (the platform's or browser's shortcuts), for the repeats of a key held down (the
 * first press left; the rest would reach the page the window goes back to), or when the focus is
 * in a control with its own use for Escape ({@link ownEscape}).
 *
 * @example
 * ```ts
 * window.addEventListener('keydown', (event) => {
 *   if (!isLeaveKey(event)) return;
 *   event.preventDefault();
 *   void leave();
 * });
 * ```
 */
export function isLeaveKey(event: KeyboardEvent): boolean {
  if (event.key !== 'Escape' || event.defaultPrevented || event.repeat) return false;
  if (event.isComposing || event.keyCode === 229) return false;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return false;
  const target = event.target;
  return !(target instanceof Element && target.closest(ownEscape) !== null);
}
