import { describe, expect, it } from 'vitest';
import { catalog, locales, negotiateLocale, t } from './index';

describe('negotiateLocale', () => {
  it.each([
    ['de-DE,de;q=0.9,en;q=0.8', 'de'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9,en;q=0.5,de;q=0.4', 'en'],
    ['fr-CH, fr;q=0.9, de;q=0.7', 'de'],
    ['de;q=0.2, en;q=0.3', 'en'],
    ['EN-gb', 'en'],
    ['en;q=0, de', 'de'],
  ])('picks the best supported language of %j', (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });

  it.each([[null], [undefined], [''], ['fr, it'], ['*'], [';;;,,,q=='], ['x'.repeat(5000)]])(
    'falls back for %j',
    (header) => {
      expect(negotiateLocale(header, 'en')).toBe('en');
      expect(negotiateLocale(header)).toBe('de');
    },
  );
});

describe('t', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('en', 'common.version', { version: '1.2.3' })).toBe('Version 1.2.3');
    expect(t('de', 'common.version')).toBe('Version {version}');
    expect(t('en', 'common.version', { other: 'x' })).toBe('Version {version}');
  });

  it('has every entry in every locale, non-empty, with the same placeholders', () => {
    for (const [key, entry] of Object.entries(catalog)) {
      // A text naming a count has a form per plural category; every form counts here, except
      // that the singular may say "one" in words rather than show {count}.
      const placeholders = locales.map((locale) => {
        const value = (entry as Record<string, string | Record<string, string>>)[locale];
        const texts = typeof value === 'object' ? Object.values(value) : [value];
        const names = new Set<string>();
        for (const text of texts) {
          expect(text, `${key} in ${locale}`).toBeTypeOf('string');
          expect(text?.trim().length, `${key} in ${locale}`).toBeGreaterThan(0);
          for (const m of (text ?? '').matchAll(/\{(\w+)\}/g)) names.add(m[1]!);
        }
        return [...names].sort();
      });
      expect(placeholders[1], `placeholders of ${key}`).toEqual(placeholders[0]);
    }
  });
});
