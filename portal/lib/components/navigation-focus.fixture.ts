/**
 * A stand-in document for navigation-focus.ts in Node: elements by id that take the focus as a
 * browser's would (a link, a button or anything with a `tabindex` attribute; a heading or a
 * fieldset without one does not) and hear `blur` when it moves on, and a sessionStorage in a Map.
 */
import type { FocusDocument, SwitchStorage } from './navigation-focus';

/** What the fake document holds: its elements, and which one has the focus (null: `<body>`). */
export interface FakeDocument extends FocusDocument {
  readonly focused: () => string | null;
  /** Focuses an element as a script of the page would (`autofocus`, the page's own focus). */
  readonly focusOn: (id: string) => void;
}

const focusableTags = new Set(['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA']);

/**
 * A document with `elements` (and their children), focus on `<body>`.
 *
 * @example
 * ```ts
 * const doc = fakeDocument([{ id: 'cite-complaints', tagName: 'FIELDSET' }]);
 * ```
 */
export function fakeDocument(
  elements: readonly {
    id: string;
    tagName: string;
    attributes?: Record<string, string>;
    children?: readonly { tagName: string; attributes?: Record<string, string> }[];
  }[],
): FakeDocument {
  const body = { tagName: 'BODY' } as unknown as HTMLElement;
  let active: HTMLElement = body;
  const byId = new Map<string, HTMLElement>();

  function element(spec: {
    id: string;
    tagName: string;
    attributes?: Record<string, string>;
    children?: readonly { tagName: string; attributes?: Record<string, string> }[];
  }): HTMLElement {
    const attributes = new Map(Object.entries(spec.attributes ?? {}));
    const onBlur: (() => void)[] = [];
    const children = (spec.children ?? []).map((c) => element({ id: '', ...c }));
    const self = {
      id: spec.id,
      tagName: spec.tagName,
      get tabIndex() {
        const given = attributes.get('tabindex');
        if (given !== undefined) return Number(given);
        return focusableTags.has(spec.tagName) ? 0 : -1;
      },
      hasAttribute: (name: string) => attributes.has(name),
      getAttribute: (name: string) => attributes.get(name) ?? null,
      setAttribute: (name: string, value: string) => void attributes.set(name, value),
      removeAttribute: (name: string) => void attributes.delete(name),
      addEventListener: (type: string, listener: () => void) => {
        if (type === 'blur') onBlur.push(listener);
      },
      blur: () => {
        for (const listener of onBlur.splice(0)) listener();
      },
      querySelectorAll: (selector: string) =>
        children.filter((c) => c.tagName.toLowerCase() === selector),
      focus: () => {
        if (self.tabIndex < 0 && !attributes.has('tabindex')) return;
        if (active !== (self as unknown as HTMLElement)) active.blur?.();
        active = self as unknown as HTMLElement;
      },
    };
    return self as unknown as HTMLElement;
  }

  for (const spec of elements) byId.set(spec.id, element(spec));
  return {
    body,
    get activeElement() {
      return active;
    },
    getElementById: (id) => byId.get(id) ?? null,
    focused: () => (active === body ? null : active.id || (active.getAttribute('value') ?? '')),
    focusOn: (id) => byId.get(id)?.focus(),
  };
}

/**
 * A sessionStorage in a Map; `refusing` throws on every call, as a browser with storage off.
 *
 * @example
 * ```ts
 * const storage = fakeStorage();
 * ```
 */
export function fakeStorage(
  refusing = false,
): SwitchStorage & { readonly items: Map<string, string> } {
  const items = new Map<string, string>();
  const check = () => {
    if (refusing) throw new DOMException('storage is off', 'SecurityError');
  };
  return {
    items,
    getItem(key) {
      check();
      return items.get(key) ?? null;
    },
    setItem(key, value) {
      check();
      items.set(key, value);
    },
    removeItem(key) {
      check();
      items.delete(key);
    },
  };
}
