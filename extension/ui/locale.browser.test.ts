import { describe, expect, it } from 'vitest';
import { pickLocale } from './locale';

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
