import { describe, expect, it } from 'vitest';
import { protocolErrorCodes } from '../errors';
import { vocabularyLists } from '../vocabulary';
import { catalog, hasMessage, locales, t } from './index';

describe('error sentences (catalog/errors.ts)', () => {
  it.each(protocolErrorCodes)('has a German and an English sentence for %s', (code) => {
    const key = `errors.${code}`;
    expect(hasMessage(key)).toBe(true);
    if (!hasMessage(key)) return;
    for (const locale of locales) expect(t(locale, key).trim()).not.toBe('');
    // A sentence that is the same in both languages is almost always an untranslated copy.
    expect(t('de', key)).not.toBe(t('en', key));
  });

  it('has no sentence for a code that does not exist', () => {
    const keys = Object.keys(catalog).filter((k) => k.startsWith('errors.'));
    expect(keys.sort()).toEqual(protocolErrorCodes.map((c) => `errors.${c}`).sort());
  });
});

describe('vocabulary labels (catalog/vocabulary.ts)', () => {
  const listed = Object.entries(vocabularyLists).flatMap(([list, ids]) =>
    ids.map((id) => `vocabulary.${list}.${id}`),
  );

  it.each(listed)('has a German and an English label for %s', (key) => {
    expect(hasMessage(key)).toBe(true);
    if (!hasMessage(key)) return;
    for (const locale of locales) expect(t(locale, key).trim()).not.toBe('');
  });

  it('has no label for an id that is not in the vocabulary', () => {
    const keys = Object.keys(catalog).filter((k) => k.startsWith('vocabulary.'));
    expect(keys.sort()).toEqual([...listed].sort());
  });
});

describe('every catalog entry', () => {
  it('has non-empty German and English text', () => {
    for (const [key, entry] of Object.entries(catalog)) {
      for (const locale of locales) {
        expect(typeof entry[locale], `${key}.${locale}`).toBe('string');
        expect(entry[locale].trim(), `${key}.${locale}`).not.toBe('');
      }
    }
  });
});
