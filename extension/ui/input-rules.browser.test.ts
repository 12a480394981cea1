/**
 * The checks the Assistant's forms make before sending: the bounds read from the background's
 * schemas, and a sentence per rule that names the field, in German and English.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { t } from '../../protocol/i18n';
import { text } from '../../protocol/messages/primitives';
import { consentChoice } from '../core/wallet';
import {
  categoryProblem,
  fieldName,
  fieldState,
  rangeOf,
  textProblem,
  wholeNumberProblem,
} from './input-rules';

describe('rangeOf', () => {
  it('reads the bounds of a number schema, through nullable', () => {
    expect(rangeOf(consentChoice.options[1].entries.askAgainAfterDays)).toEqual({
      min: 1,
      max: 3650,
    });
  });

  it('throws for a schema that bounds no range', () => {
    expect(() => rangeOf(v.number())).toThrow();
  });
});

describe('wholeNumberProblem', () => {
  const range = { min: 1, max: 1440 };
  it.each([null, 0, -5, 99999, 2.5, Number.NaN])('refuses %s', (value) => {
    expect(wholeNumberProblem('de', 'Minuten', value, range)).toBe(
      t('de', 'extension.input.wholeNumber', { field: 'Minuten', min: '1', max: '1.440' }),
    );
  });
  it.each([1, 15, 1440])('takes %s', (value) => {
    expect(wholeNumberProblem('en', 'Minutes', value, range)).toBeNull();
  });
});

describe('textProblem', () => {
  it.each([
    ['', 'extension.input.missing'],
    [' \t ', 'extension.input.missing'],
    ['Acme\u202e', 'extension.input.controlCharacters'],
    ['Acme\u0000', 'extension.input.controlCharacters'],
  ] as const)('says of %j: %s', (value, key) => {
    expect(textProblem('en', 'Brand', value, text(100))).toBe(t('en', key, { field: 'Brand' }));
  });
  it('says how long it may be', () => {
    expect(textProblem('en', 'Note', 'x'.repeat(1001), text(1000))).toBe(
      t('en', 'extension.input.tooLong', { field: 'Note', max: '1,000' }),
    );
  });
});

describe('categoryProblem', () => {
  /** The example code the category field's label gives in `locale` ("e.g. travel/rail"). */
  const exampleIn = (locale: 'de' | 'en') =>
    /(?:z\. B\.|e\.g\.) ([^;)\s]+)/.exec(t(locale, 'extension.profile.category'))?.[1];

  it('has the label give, in every language, the same example: a code the rule takes', () => {
    // Codes are what companies' offers carry: never translated.
    expect(exampleIn('de')).toBe(exampleIn('en'));
    for (const locale of ['de', 'en'] as const) {
      const label = t(locale, 'extension.profile.category');
      expect(categoryProblem(locale, label, exampleIn(locale)!)).toBeNull();
    }
  });

  it.each(['fußball', 'küche', 'Sports', 'sports running'])(
    'refuses %s, and the label says which characters a code may have',
    (value) => {
      for (const locale of ['de', 'en'] as const) {
        const label = t(locale, 'extension.profile.category');
        expect(categoryProblem(locale, label, value)).toBe(
          t(locale, 'extension.input.category', { field: label }),
        );
        expect(label).toMatch(/a–z.*, 0–9, _ (?:und|and) \//);
      }
      expect(t('de', 'extension.profile.category')).toMatch(/Code.*ohne Umlaute und ß/);
    },
  );

  it('takes a code with digits, _ and up to four parts', () => {
    expect(categoryProblem('de', 'Kategorie', 'sports/running_2/trail/ultra')).toBeNull();
  });
});

describe('fieldName', () => {
  it.each([
    ['en', 'extension.profile.category', 'Category code'],
    ['de', 'extension.profile.category', 'Kategorie-Code'],
    ['en', 'extension.profile.capOverall', 'Contacts per week (overall)'],
    ['de', 'extension.profile.capPerCompany', 'Kontakte pro Woche (je Unternehmen)'],
    ['en', 'extension.profile.companyId', 'Company id'],
    ['de', 'extension.blacklist.note', 'Notiz'],
  ] as const)('in %s calls the field labelled %s by its short name "%s"', (locale, label, name) => {
    expect(fieldName(locale, label)).toBe(name);
    // The label beside the field keeps its hint.
    expect(t(locale, label)).not.toBe(name);
  });

  it('calls a field whose label has no hint by its label', () => {
    expect(fieldName('de', 'extension.profile.timeZone')).toBe('Zeitzone');
    expect(fieldName('en', 'extension.blacklist.brand')).toBe('Brand');
  });
});

describe('fieldState', () => {
  const invalid = { field: 'bl-note', text: 'Too long.' };
  it('marks the field named invalid, described by its sentence and any other ids given', () => {
    expect(fieldState(invalid, 'bl-note', 'bl-note-count')).toEqual({
      'aria-invalid': 'true',
      'aria-describedby': 'bl-note-error bl-note-count',
    });
    expect(fieldState(invalid, 'bl-note')).toEqual({
      'aria-invalid': 'true',
      'aria-describedby': 'bl-note-error',
    });
  });
  it('leaves another field valid, described by the ids given only', () => {
    expect(fieldState(invalid, 'bl-name', 'bl-name-count')).toEqual({
      'aria-describedby': 'bl-name-count',
    });
    expect(fieldState(null, 'bl-name')).toEqual({});
  });
});
