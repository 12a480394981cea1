import { describe, expect, it } from 'vitest';
import { assistantLocale, browserLocale, pickLocale } from './locale';

describe('pickLocale', () => {
  it.each([
    { preferences: ['de-DE', 'en-US'], expected: 'de' },
    { preferences: ['en-US', 'de-DE'], expected: 'en' },
    { preferences: ['fr-FR', 'EN-gb'], expected: 'en' },
    { preferences: ['fr-FR', 'it'], expected: 'de' },
    { preferences: [], expected: 'de' },
    { preferences: ['x'.repeat(100) + '-en', 'en'], expected: 'en' },
  ])('picks $expected for $preferences', ({ preferences, expected }) => {
    expect(pickLocale(preferences)).toBe(expected);
  });

  it('picks the locale of the real browser preferences when the catalog has it', () => {
    const primary = navigator.language.split('-')[0]?.toLowerCase();
    const picked = pickLocale(navigator.languages);
    expect(['de', 'en']).toContain(picked);
    if (primary === 'de' || primary === 'en') expect(picked).toBe(primary);
  });
});

describe('browserLocale', () => {
  it.each([
    { languages: ['en-GB', 'de'], language: 'de-DE', expected: 'en' },
    { languages: [], language: 'en-US', expected: 'en' },
    { languages: [], language: 'fr', expected: 'de' },
  ])('picks $expected for $languages and $language', ({ languages, language, expected }) => {
    expect(browserLocale({ languages, language })).toBe(expected);
  });
});

describe('assistantLocale', () => {
  it.each([
    { setting: null, browser: 'de', expected: 'de' },
    { setting: null, browser: 'en', expected: 'en' },
    { setting: 'en', browser: 'de', expected: 'en' },
    { setting: 'de', browser: 'en', expected: 'de' },
  ] as const)(
    'speaks $expected for the setting $setting in a browser speaking $browser',
    ({ setting, browser, expected }) => {
      expect(assistantLocale(setting, browser)).toBe(expected);
    },
  );
});
