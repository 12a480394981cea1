import { describe, expect, it } from 'vitest';
import { protocolErrorCodes } from '../errors';
import { vocabularyLists } from '../vocabulary';
import { catalog, hasMessage, locales, t, translator, type Locale, type MessageKey } from './index';

/** Every text of an entry with where it sits: one per locale, or one per plural form. */
function textsOf(entry: unknown): [string, unknown][] {
  return locales.flatMap((locale) => {
    const text = (entry as Record<string, unknown>)[locale];
    return typeof text === 'object' && text !== null
      ? Object.entries(text).map(([form, value]): [string, unknown] => [`${locale}.${form}`, value])
      : [[locale, text]];
  });
}

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
  it('has non-empty German and English text, in every plural form where it names a count', () => {
    for (const [key, entry] of Object.entries(catalog)) {
      for (const [where, text] of textsOf(entry)) {
        expect(typeof text, `${key}.${where}`).toBe('string');
        expect((text as string).trim(), `${key}.${where}`).not.toBe('');
      }
    }
  });

  it('names a count in the same way in every locale: plain text in all, or one and other in all', () => {
    for (const [key, entry] of Object.entries(catalog)) {
      const shapes = locales.map((locale) => {
        const text = (entry as Record<string, unknown>)[locale];
        return typeof text === 'string'
          ? 'text'
          : Object.keys(text as object)
              .sort()
              .join();
      });
      expect(new Set(shapes).size, key).toBe(1);
      expect(['text', 'one,other'], key).toContain(shapes[0]);
      // The plural form is picked by `count`, so the general form shows it.
      if (shapes[0] !== 'text')
        for (const locale of locales)
          expect((entry as Record<Locale, { other: string }>)[locale].other, key).toContain(
            '{count}',
          );
    }
  });
});

describe('texts naming a count', () => {
  it.each([
    ['en', 1, '1 company holds data about you or asked for your permission'],
    ['en', 0, '0 companies hold data about you or asked for your permission'],
    ['en', 2, '2 companies hold data about you or asked for your permission'],
    ['de', 1, '1 Unternehmen hält Daten über Sie oder hat Sie um Erlaubnis gefragt'],
    ['de', 3, '3 Unternehmen halten Daten über Sie oder haben Sie um Erlaubnis gefragt'],
  ] as const)(
    'agree with the count in %s for %i (failed before: the plural for 1)',
    (locale, count, text) => {
      expect(t(locale, 'portal.me.summary.companies', { count })).toBe(text);
    },
  );

  it.each([
    ['portal.me.refusals', 'de', 1, '1 Ablehnung'],
    ['portal.me.refusals', 'en', 1, '1 refusal'],
    ['portal.me.summary.overdueRevocations', 'en', 1, '1 revocation overdue'],
    ['portal.me.summary.overdueRevocations', 'de', 2, '2 Widerrufe überfällig'],
    ['portal.me.held.retention', 'de', 1, 'Aufbewahrung: 1 Tag'],
    ['portal.me.held.retention', 'en', 365, 'Retention: 365 days'],
    ['portal.me.rewards.points', 'en', 1, '1 point'],
  ] as const)('picks the form of %s in %s for %i', (key, locale, count, text) => {
    expect(t(locale, key, { count })).toBe(text);
  });

  // Texts whose callers have no test of their own that shows the singular (popup, blacklist,
  // recovery view; a suggestion not shown yet).
  it.each([
    ['extension.popup.counts', 'en', 1, { blacklist: '2' }, '2 blacklisted, 1 relationship'],
    ['extension.popup.counts', 'de', 1, { blacklist: '0' }, '0 auf der Sperrliste, 1 Beziehung'],
    ['extension.popup.counts', 'de', 3, { blacklist: '1' }, '1 auf der Sperrliste, 3 Beziehungen'],
    [
      'extension.blacklist.grants',
      'en',
      1,
      {},
      'This company holds 1 valid grant from you. Revoke it in your grant overview once it is available.',
    ],
    [
      'extension.blacklist.grants',
      'de',
      1,
      {},
      'Dieses Unternehmen hat 1 gültige Einwilligung von Ihnen. Widerrufen Sie sie in Ihrer Einwilligungsübersicht, sobald sie verfügbar ist.',
    ],
    ['extension.recovery.checked', 'en', 1, {}, '1 company checked.'],
    ['extension.recovery.restored', 'en', 1, {}, '1 relationship restored.'],
    ['extension.recovery.restored', 'de', 1, {}, '1 Beziehung wiederhergestellt.'],
    [
      'extension.recovery.failed',
      'en',
      1,
      {},
      '1 company could not be checked. Please try again later.',
    ],
    [
      'extension.recovery.failed',
      'de',
      1,
      {},
      '1 Unternehmen konnte nicht geprüft werden. Versuchen Sie es später noch einmal.',
    ],
    [
      'filter.suggestion.cool_down',
      'en',
      1,
      { company: 'Laufhaus', negatives: '5', of: '5' },
      'You have been leaving offers from Laufhaus alone for a while (5 of 5). Pause them for 1 day?',
    ],
    [
      'filter.suggestion.cool_down',
      'de',
      1,
      { company: 'Laufhaus', negatives: '5', of: '5' },
      'Sie lassen die Angebote von Laufhaus seit einer Weile liegen (5 von 5). Eine Pause von 1 Tag einlegen?',
    ],
    [
      'portal.console.disclose.exportOver',
      'de',
      1,
      { max: '24.528' },
      '1 Byte zu viel: höchstens 24.528 Bytes in UTF-8.',
    ],
    [
      'portal.company.history.lead',
      'en',
      1,
      {},
      'Per calendar week (Monday to Sunday, UTC) of the last 1 week, counted from the stored grants, refusals and revocations. A revocation counts in the week it arrived.',
    ],
  ] as const)('picks the form of %s in %s for %i', (key, locale, count, params, text) => {
    expect(t(locale, key, { ...params, count })).toBe(text);
  });

  it("shows the count with the language's digit grouping", () => {
    expect(t('de', 'portal.me.refusals', { count: 12345 })).toBe('12.345 Ablehnungen');
    expect(t('en', 'portal.me.refusals', { count: 12345 })).toBe('12,345 refusals');
    expect(translator('de')('portal.me.rewards.points', { count: 1500 })).toBe('1.500 Punkte');
  });

  it('fills the other placeholders as given', () => {
    expect(t('en', 'portal.me.offers', { count: 1, delivered: '1', held: '0', hidden: '0' })).toBe(
      '1 offer: 1 delivered, 0 waiting to be delivered later, 0 hidden',
    );
  });

  it('leaves {count} visible in the general form when the count is missing or not a number', () => {
    const loose = (params?: Record<string, string | number>) =>
      t('en', 'portal.me.refusals' as MessageKey, params);
    expect(loose()).toBe('{count} refusals');
    expect(loose({ count: 'many' })).toBe('{count} refusals');
    expect(loose({ count: Number.NaN })).toBe('{count} refusals');
  });

  it('asks for the count at compile time', () => {
    // @ts-expect-error a text naming a count cannot be asked for without its count
    expect(t('en', 'portal.me.refusals')).toBe('{count} refusals');
    // @ts-expect-error nor with the count already formatted as text
    expect(t('en', 'portal.me.refusals', { count: '1' })).toBe('{count} refusals');
  });
});
