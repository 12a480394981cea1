/**
 * The Assistant's dates, in a real Chromium: with the project's language tags (protocol/i18n
 * `localeTags`), so English is written day first with a 24-hour clock, as the clearinghouse's
 * pages write it, never as US English.
 */
import { expect, it } from 'vitest';
import { dateFormat } from './date-format';

const at = Date.UTC(2026, 11, 6, 19, 9);

it.each([
  ['en', '6 Dec 2026, 19:09'],
  ['de', '06.12.2026, 19:09'],
] as const)('writes a date and time in %s as %s', (locale, said) => {
  expect(
    dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at),
  ).toBe(said);
});

it('builds one format per locale and options', () => {
  expect(dateFormat('en', { dateStyle: 'long' })).toBe(dateFormat('en', { dateStyle: 'long' }));
  expect(dateFormat('en', { dateStyle: 'long' })).not.toBe(dateFormat('de', { dateStyle: 'long' }));
});
