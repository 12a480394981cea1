/**
 * The focus after a navigation (navigation-focus.ts), on a stand-in document: the element a URL's
 * fragment names gets it (the list a pager link paged; before, it stayed on `<body>`), and the
 * language switch gets it back after its page load.
 */
import { describe, expect, it } from 'vitest';
import { fakeDocument, fakeStorage } from './navigation-focus.fixture';
import {
  focusFragment,
  focusLanguageSwitch,
  languageSwitchId,
  languageSwitchTtlMs,
  rememberLanguageSwitch,
} from './navigation-focus';

/** The regulator's company page, as far as the focus is concerned. */
const companyPage = () =>
  fakeDocument([
    { id: 'open-complaints', tagName: 'H3' },
    { id: 'cite-complaints', tagName: 'FIELDSET' },
    { id: 'me-companies', tagName: 'H2', attributes: { tabindex: '-1' } },
    { id: 'reason-de', tagName: 'TEXTAREA' },
    { id: 'caf%C3%A9', tagName: 'H2' },
    { id: 'café', tagName: 'H2' },
  ]);

describe('focusFragment', () => {
  it.each([['#cite-complaints'], ['#open-complaints'], ['#me-companies']])(
    'focuses the list %s names, made focusable without joining the Tab order (failed before: <body>)',
    (hash) => {
      const doc = companyPage();
      const target = focusFragment(doc, hash);
      expect(doc.focused()).toBe(hash.slice(1));
      expect(target?.getAttribute('tabindex')).toBe('-1');
    },
  );

  it('takes the tabindex back once the focus moves on, so the list takes no later focus', () => {
    const doc = companyPage();
    const target = focusFragment(doc, '#cite-complaints');
    doc.focusOn('reason-de');
    expect(doc.focused()).toBe('reason-de');
    expect(target?.hasAttribute('tabindex')).toBe(false);
    // One the page gave itself stays.
    const other = companyPage();
    const own = focusFragment(other, '#me-companies');
    other.focusOn('reason-de');
    expect(own?.getAttribute('tabindex')).toBe('-1');
  });

  it('leaves a control that takes the focus by itself as it is', () => {
    const doc = companyPage();
    expect(focusFragment(doc, '#reason-de')?.hasAttribute('tabindex')).toBe(false);
    expect(doc.focused()).toBe('reason-de');
  });

  it('reads the fragment as the browser does, percent-decoded', () => {
    const doc = companyPage();
    focusFragment(doc, '#caf%C3%A9');
    expect(doc.focused()).toBe('café');
  });

  it.each([[''], ['#'], ['#nowhere'], ['#%E0%A4%A']])('leaves the focus alone for %j', (hash) => {
    const doc = companyPage();
    expect(focusFragment(doc, hash)).toBeNull();
    expect(doc.focused()).toBeNull();
  });

  it('does not take the focus from what a page focused itself', () => {
    const doc = companyPage();
    doc.focusOn('reason-de');
    expect(focusFragment(doc, '#cite-complaints')).toBeNull();
    expect(doc.focused()).toBe('reason-de');
  });
});

describe('the language switch', () => {
  const page = () =>
    fakeDocument([
      {
        id: languageSwitchId,
        tagName: 'FIELDSET',
        children: [
          { tagName: 'BUTTON', attributes: { value: 'de' } },
          { tagName: 'BUTTON', attributes: { value: 'en' } },
        ],
      },
      { id: 'reason-de', tagName: 'TEXTAREA' },
    ]);

  it('focuses the button of the language now shown after the switch reloaded the page (failed before: <body>)', () => {
    const storage = fakeStorage();
    rememberLanguageSwitch(storage, 1_000);
    const doc = page();
    expect(focusLanguageSwitch(doc, storage, 'de', 2_000)).not.toBeNull();
    expect(doc.focused()).toBe('de');
    // Taken once: the next page load of the tab starts where it would.
    const next = page();
    expect(focusLanguageSwitch(next, storage, 'de', 2_500)).toBeNull();
    expect(next.focused()).toBeNull();
  });

  it('does nothing on a page load the switch did not cause', () => {
    const doc = page();
    expect(focusLanguageSwitch(doc, fakeStorage(), 'en', 1_000)).toBeNull();
    expect(doc.focused()).toBeNull();
  });

  it('forgets a switch whose page never came (a refused post), and one from a wrong clock', () => {
    for (const now of [1_000 + languageSwitchTtlMs + 1, 999]) {
      const storage = fakeStorage();
      rememberLanguageSwitch(storage, 1_000);
      const doc = page();
      expect(focusLanguageSwitch(doc, storage, 'en', now)).toBeNull();
      expect(doc.focused()).toBeNull();
      expect(storage.items.size).toBe(0);
    }
  });

  it('leaves the focus a page set itself, and works on without storage', () => {
    const storage = fakeStorage();
    rememberLanguageSwitch(storage, 1_000);
    const doc = page();
    doc.focusOn('reason-de');
    expect(focusLanguageSwitch(doc, storage, 'en', 1_500)).toBeNull();
    expect(doc.focused()).toBe('reason-de');

    const off = fakeStorage(true);
    expect(() => rememberLanguageSwitch(off, 1_000)).not.toThrow();
    expect(focusLanguageSwitch(page(), off, 'en', 1_500)).toBeNull();
    expect(focusLanguageSwitch(page(), undefined, 'en', 1_500)).toBeNull();
  });
});
