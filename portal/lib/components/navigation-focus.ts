/**
 * Where the keyboard focus goes after a navigation (the root layout's `afterNavigate`), for every
 * page at once rather than page by page:
 *
 * - A URL with a fragment (a pager's "next page" link ending in `#cite-complaints`, a link to a
 *   section) focuses the element it names, made focusable with `tabindex="-1"` (until the focus
 *   leaves it) when it is not (a heading, a fieldset). SvelteKit only moves the "sequential focus navigation starting
 *   point" there and leaves the focus on `<body>`, so a screen reader announced nothing and the
 *   paged list was not where the keyboard was (WCAG 2.4.3 Focus Order).
 * - The language switch is a plain form POST (it works without JavaScript), so the page loads
 *   anew and the focus would start on `<body>`. The button pressed is remembered for the next
 *   page load of this tab, which focuses the switch's button of the language now shown.
 *
 * Pure of any global: the document and the storage come in as arguments.
 */

/** The part of `document` the focus needs. */
export interface FocusDocument {
  readonly activeElement: Element | null;
  readonly body: HTMLElement | null;
  getElementById(id: string): HTMLElement | null;
}

/** The part of `sessionStorage` the language switch needs. */
export interface SwitchStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The id of the language switch's fieldset in the layout; its buttons carry `value=<locale>`. */
export const languageSwitchId = 'language-switch';

/** The sessionStorage key that carries a language switch over its page load. */
const switchKey = 'clearinghouse:language-switch';

/**
 * How long a remembered switch waits for its page: the POST and its redirect take well under
 * this; a switch the server refused (no page of ours was loaded) must not pull the focus to the
 * switch on some later visit.
 */
export const languageSwitchTtlMs = 30_000;

/** True while nothing holds the focus: a page's own focus (an autofocus field) is left alone. */
function focusIsFree(doc: FocusDocument): boolean {
  return doc.activeElement === null || doc.activeElement === doc.body;
}

/**
 * Focuses the element `hash` names (`#cite-complaints`), when there is one and nothing else has
 * the focus, without scrolling (the navigation scrolled there already). An element that cannot
 * take the focus gets `tabindex="-1"` (focusable by script, not added to the Tab order) until the
 * focus leaves it.
 *
 * @returns the element focused, or null.
 * @example
 * ```ts
 * afterNavigate(({ to }) => setTimeout(() => focusFragment(document, to?.url.hash ?? '')));
 * ```
 */
export function focusFragment(doc: FocusDocument, hash: string): HTMLElement | null {
  if (!hash.startsWith('#') || hash.length < 2 || !focusIsFree(doc)) return null;
  let id: string;
  try {
    id = decodeURIComponent(hash.slice(1));
  } catch {
    return null;
  }
  const target = doc.getElementById(id);
  if (target === null) return null;
  // `tabIndex` is 0 or more for what takes the focus by itself (a link, a button, a field).
  if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) {
    target.setAttribute('tabindex', '-1');
    // Taken back once the focus moves on: a heading left focusable would take the focus from a
    // page's own focus later, when SvelteKit sets its starting point on the same fragment again
    // after a form action (Chromium focuses a focusable fragment target then).
    target.addEventListener('blur', () => target.removeAttribute('tabindex'), { once: true });
  }
  target.focus({ preventScroll: true });
  return doc.activeElement === target ? target : null;
}

/**
 * Remembers that the language switch was pressed (its `submit`), for the page it loads.
 * Storage that refuses (a private window's quota, storage switched off) only loses the focus.
 *
 * @example
 * ```ts
 * rememberLanguageSwitch(sessionStorage, Date.now());
 * ```
 */
export function rememberLanguageSwitch(storage: SwitchStorage | undefined, nowMs: number): void {
  try {
    storage?.setItem(switchKey, String(nowMs));
  } catch {
    // No storage, no focus to restore: the switch itself works without it.
  }
}

/**
 * After a page load: when the language switch was pressed just before (within
 * {@link languageSwitchTtlMs}), focuses its button of `locale` (the language now shown) and
 * forgets the switch. Each switch is taken once.
 *
 * @returns the button focused, or null.
 * @example
 * ```ts
 * afterNavigate(({ type }) => {
 *   if (type === 'enter') focusLanguageSwitch(document, sessionStorage, data.locale, Date.now());
 * });
 * ```
 */
export function focusLanguageSwitch(
  doc: FocusDocument,
  storage: SwitchStorage | undefined,
  locale: string,
  nowMs: number,
): HTMLElement | null {
  let at: number;
  try {
    const stored = storage?.getItem(switchKey) ?? null;
    if (stored === null) return null;
    storage?.removeItem(switchKey);
    at = Number(stored);
  } catch {
    return null;
  }
  if (!Number.isFinite(at) || nowMs - at < 0 || nowMs - at > languageSwitchTtlMs) return null;
  if (!focusIsFree(doc)) return null;
  const group = doc.getElementById(languageSwitchId);
  const button =
    [...(group?.querySelectorAll<HTMLElement>('button') ?? [])].find(
      (b) => b.getAttribute('value') === locale,
    ) ?? null;
  button?.focus();
  return button !== null && doc.activeElement === button ? button : null;
}
