/**
 * The layout's styles (+layout.svelte). `.visually-hidden` hides headings and captions meant
 * for screen readers on many pages (/me, /audit, /regulator); scoped to the layout, it matched
 * only the layout's own legend, and /me showed a second heading and its table's caption.
 */
import { readFileSync } from 'node:fs';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const file = new URL('./+layout.svelte', import.meta.url);

describe('the layout', () => {
  it('hides .visually-hidden on every page, not only in the layout itself', () => {
    const { css } = compile(readFileSync(file, 'utf8'), {
      filename: file.pathname,
      css: 'external',
    });
    const code = (css?.code ?? '').replace(/\/\*[\s\S]*?\*\//g, '');
    const rules = [...code.matchAll(/([^{}]*\.visually-hidden[^{}]*)\{([^}]*)\}/g)];
    expect(rules.map((r) => r[1]!.trim())).toEqual(['.visually-hidden']);
    expect(rules[0]![2]).toMatch(/position:\s*absolute/);
    expect(rules[0]![2]).toMatch(/clip-path:\s*inset\(50%\)/);
  });
});
