/**
 * The layout (+layout.svelte). Its styles: `.visually-hidden` hides headings and captions meant
 * for screen readers on many pages (/me, /audit, /regulator); scoped to the layout, it matched
 * only the layout's own legend, and /me showed a second heading and its table's caption.
 * Its focus after a navigation (navigation-focus.ts): on the list a pager link paged, and back on
 * the language switch after it reloaded the page; both were left on `<body>`.
 */
import { readFileSync } from 'node:fs';
import type { AfterNavigate } from '@sveltejs/kit';
import { compile } from 'svelte/compiler';
import { createRawSnippet } from 'svelte';
import { render } from 'svelte/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeDocument, fakeStorage } from '$lib/components/navigation-focus.fixture';
import { languageSwitchId, rememberLanguageSwitch } from '$lib/components/navigation-focus';
import Layout from './+layout.svelte';

const navigation = vi.hoisted(() => ({ after: [] as ((n: AfterNavigate) => void)[] }));
// The layout's afterNavigate callback, kept to be called as SvelteKit would in the browser.
vi.mock('$app/navigation', () => ({
  afterNavigate: (callback: (n: AfterNavigate) => void) => void navigation.after.push(callback),
}));

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

describe("the layout's text on a narrow screen", () => {
  /** The layout's compiled rules, comments dropped: [selector, declarations]. */
  function rules(): [string, string][] {
    const { css } = compile(readFileSync(file, 'utf8'), {
      filename: file.pathname,
      css: 'external',
    });
    const code = (css?.code ?? '').replace(/\/\*[\s\S]*?\*\//g, '');
    return [...code.matchAll(/([^{}]+)\{([^}]*)\}/g)].map((r) => [r[1]!.trim(), r[2]!]);
  }

  it('wraps every page\'s headings inside the window, hyphenated in the page\'s language (failed before: "Datenschutzerklärung" made /privacy 417 px wide at 320 px)', () => {
    const headings = rules().filter(([selector]) =>
      ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].every((h) =>
        selector.split(',').some((s) => s.trim() === h),
      ),
    );
    expect(headings).toHaveLength(1);
    expect(headings[0]![1]).toMatch(/overflow-wrap:\s*anywhere/);
    expect(headings[0]![1]).toMatch(/hyphens:\s*auto/);
    // Unscoped (no .svelte-… class): the headings are the pages', not the layout's.
    expect(headings[0]![0]).not.toMatch(/svelte-/);
  });

  it('breaks any other word longer than its line rather than widen the page', () => {
    const body = rules().find(([selector]) => selector === 'body');
    expect(body?.[1]).toMatch(/overflow-wrap:\s*break-word/);
  });
});

describe('the focus after a navigation', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    navigation.after.length = 0;
  });

  /** Renders the layout in `locale` and returns what it renders and its afterNavigate callback. */
  function layout(locale: 'de' | 'en') {
    const children = createRawSnippet(() => ({ render: () => '<p>page</p>' }));
    const { body } = render(Layout, {
      props: { data: { locale, version: '1', path: '/regulator' }, children } as never,
    });
    expect(navigation.after).toHaveLength(1);
    return { body, afterNavigate: navigation.after[0]! };
  }

  /** Navigates to `href` as SvelteKit would, then lets the deferred focus run. */
  function navigate(after: (n: AfterNavigate) => void, type: AfterNavigate['type'], href: string) {
    vi.useFakeTimers();
    after({ type, to: { url: new URL(href) } } as AfterNavigate);
    vi.runAllTimers();
  }

  const page = () =>
    fakeDocument([
      { id: 'cite-complaints', tagName: 'FIELDSET' },
      {
        id: languageSwitchId,
        tagName: 'FIELDSET',
        children: [
          { tagName: 'BUTTON', attributes: { value: 'de' } },
          { tagName: 'BUTTON', attributes: { value: 'en' } },
        ],
      },
    ]);

  it('names the language switch so its buttons can be found again', () => {
    const { body } = layout('de');
    expect(body).toContain(`<fieldset id="${languageSwitchId}"`);
    expect(body).toMatch(/<button type="submit" name="lang" value="en"/);
  });

  it.each(['link', 'enter'] as const)(
    'focuses the paged list a URL names after a %s navigation (failed before: <body>)',
    (type) => {
      const { afterNavigate } = layout('en');
      const doc = page();
      vi.stubGlobal('document', doc);
      vi.stubGlobal('sessionStorage', fakeStorage());
      navigate(
        afterNavigate,
        type,
        'http://localhost/regulator/companies/x?upheld=a50#cite-complaints',
      );
      expect(doc.focused()).toBe('cite-complaints');
    },
  );

  it('leaves Back and Forward to the browser', () => {
    const { afterNavigate } = layout('en');
    const doc = page();
    vi.stubGlobal('document', doc);
    navigate(afterNavigate, 'popstate', 'http://localhost/regulator/companies/x#cite-complaints');
    expect(doc.focused()).toBeNull();
  });

  it('puts the focus back on the language switch, on the language now shown (failed before: <body>)', () => {
    const storage = fakeStorage();
    rememberLanguageSwitch(storage, Date.now());
    const { afterNavigate } = layout('de');
    const doc = page();
    vi.stubGlobal('document', doc);
    vi.stubGlobal('sessionStorage', storage);
    navigate(afterNavigate, 'enter', 'http://localhost/regulator');
    expect(doc.focused()).toBe('de');
  });
});
