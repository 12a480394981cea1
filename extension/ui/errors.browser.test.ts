/**
 * The sentences the Assistant's pages show for a failure: a protocol error's own, and for
 * anything else one that names no cause and does not claim that nothing was changed.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { locales, t } from '../../protocol/i18n';
import { errorCodeText, errorText } from './errors';

describe('errorText', () => {
  it.each(locales)('still says a storage failure is one, in %s', (locale) => {
    expect(errorText(locale, new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'x'))).toBe(
      t(locale, 'errors.ERR_VAULT_STORAGE_FAILED'),
    );
  });

  it.each([
    { failure: 'the background not answering', error: new Error('Receiving end does not exist.') },
    { failure: 'a bug', error: new TypeError("Cannot read properties of undefined (reading 'x')") },
    { failure: 'something thrown that is no Error', error: 'nope' },
  ])('names no cause and claims no "nothing was changed" for $failure', ({ error }) => {
    for (const locale of locales) {
      const said = errorText(locale, error);
      expect(said).toBe(t(locale, 'extension.error.unexpected'));
      expect(said).not.toBe(t(locale, 'errors.ERR_VAULT_STORAGE_FAILED'));
    }
    expect(errorText('en', error)).not.toMatch(/nothing was changed|store/i);
    expect(errorText('de', error)).not.toMatch(/nichts verändert|speichern/i);
  });
});

describe('errorCodeText', () => {
  it.each(locales)('says a protocol code’s sentence in %s', (locale) => {
    expect(errorCodeText(locale, 'ERR_SEAL_OPEN_FAILED')).toBe(
      t(locale, 'errors.ERR_SEAL_OPEN_FAILED'),
    );
  });

  it.each([
    { record: 'a code this version does not know', code: 'ERR_FROM_A_NEWER_VERSION' },
    { record: 'no code', code: undefined },
    { record: 'an empty code', code: '' },
    { record: 'a name of the catalog’s object', code: '__proto__' },
  ])('never shows the code itself for $record', ({ code }) => {
    for (const locale of locales) {
      expect(errorCodeText(locale, code)).toBe(t(locale, 'extension.error.unknownCode'));
    }
  });
});
