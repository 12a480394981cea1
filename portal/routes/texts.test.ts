/**
 * The portal's texts as people read them: no Markdown (the pages print text as it is, so
 * `` `npm start` `` showed its backticks on /me and the home page), and the Assistant named by
 * its name in each language (/me said "Consent Assistant" in German too).
 */
import { describe, expect, it } from 'vitest';
import { catalog, locales, t, type Entry } from '$protocol/i18n';

/** Every text of an entry: both languages, each plural form. */
function textsOf(entry: Entry): string[] {
  return locales.flatMap((locale) => {
    const text = entry[locale];
    return typeof text === 'string' ? [text] : Object.values(text);
  });
}

const portalEntries = Object.entries(catalog as Record<string, Entry>).filter(([key]) =>
  key.startsWith('portal.'),
);

describe("the portal's texts", () => {
  it('carry no Markdown code or emphasis marks', () => {
    const marked = portalEntries
      .filter(([, entry]) => textsOf(entry).some((text) => /`|\*\*|__/.test(text)))
      .map(([key]) => key);
    expect(marked).toEqual([]);
  });

  it.each(locales)('name the Assistant by its %s name where /me says to install it', (locale) => {
    const step = t(locale, 'portal.me.install.get');
    expect(step).toContain(t(locale, 'common.assistantName'));
    if (locale === 'de') expect(step).not.toContain('Consent Assistant');
  });
});
