/**
 * After a failed passkey login the focus is on the sentence that says so (it fell to the page's
 * body: the button was `disabled` while the ceremony ran, which drops the keyboard's focus, and
 * nothing took it). The failure exists only in the browser, after a ceremony, so this reads the
 * page's markup as the compiler parses it: the button waits with `aria-disabled`, and the failure
 * is a `tabindex="-1"` target with the id the page focuses. That the focus lands there is for a
 * browser to confirm (test/e2e).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('./+page.svelte', import.meta.url), 'utf8');

interface Node {
  type: string;
  name?: string;
  start: number;
  end: number;
  attributes?: { type: string; name: string; start: number; end: number }[];
  [key: string]: unknown;
}

/** Every element named `name` in the page's template. */
function elements(name: string): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const node = value as Node;
      if (node.type === 'RegularElement' && node.name === name) found.push(node);
      for (const [key, child] of Object.entries(node)) if (key !== 'parent') visit(child);
    }
  };
  visit((parse(source, { modern: true }) as unknown as { fragment: unknown }).fragment);
  return found;
}

/** The source text of attribute `name` of `element`, or undefined. */
function attribute(element: Node, name: string): string | undefined {
  const found = element.attributes?.find((a) => a.type === 'Attribute' && a.name === name);
  return found === undefined ? undefined : source.slice(found.start, found.end);
}

describe('/login after a failed passkey', () => {
  it('keeps the button focusable while the ceremony runs (aria-disabled, not disabled)', () => {
    const [button] = elements('button');
    expect(button).toBeDefined();
    expect(attribute(button!, 'disabled') ?? '').not.toMatch(/working/);
    expect(attribute(button!, 'aria-disabled')).toBe('aria-disabled={working}');
  });

  it('makes the failure a focus target with the id the page focuses', () => {
    const failure = elements('p').find((p) => source.slice(p.start, p.end).includes('t(failure)'));
    expect(failure).toBeDefined();
    expect(attribute(failure!, 'tabindex')).toBe('tabindex="-1"');
    expect(attribute(failure!, 'role')).toBe('role="alert"');
    const id = /^id="([^"]+)"$/.exec(attribute(failure!, 'id') ?? '')?.[1];
    expect(id).toBeDefined();
    expect(source).toContain(`document.getElementById('${id}')?.focus()`);
  });
});
