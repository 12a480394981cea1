import { isProtocolError } from '../../protocol/errors';
import { hasMessage, t, type Locale } from '../../protocol/i18n';

/**
 * The human sentence for a failure (DESIGN promise 5: never a stack trace): the catalog's
 * sentence for a `ProtocolError`'s code (a storage failure is one, `ERR_VAULT_STORAGE_FAILED`,
 * extension/vault), else one that names no cause: anything else (the background not answering,
 * a bug) may have come after the action took effect, so it must not say nothing was changed.
 *
 * @example
 * ```ts
 * errorText('en', new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', '…')) // 'The passphrase is wrong. Nothing was changed.'
 * errorText('en', new Error('Receiving end does not exist.')) // 'Something unexpected went wrong. …'
 * ```
 */
export function errorText(locale: Locale, error: unknown): string {
  if (isProtocolError(error)) {
    const key = `errors.${error.code}`;
    if (hasMessage(key)) return t(locale, key);
  }
  return t(locale, 'extension.error.unexpected');
}

/**
 * The human sentence for an error code a record keeps (an offer that did not open, a rejected
 * reward, a complaint that was not submitted). The record holds a string: a code this version
 * does not know (or none) gets a sentence that says so; a code is never shown as it is.
 *
 * @example
 * ```ts
 * errorCodeText('en', 'ERR_GRANT_UNKNOWN') // the sentence of `errors.ERR_GRANT_UNKNOWN`
 * errorCodeText('en', 'ERR_FROM_A_NEWER_VERSION') // 'The Assistant does not recognise this error.'
 * ```
 */
export function errorCodeText(locale: Locale, code: string | undefined): string {
  // The catalog has a sentence for each protocol code and no other (protocol/i18n/index.test).
  const key = `errors.${code ?? ''}`;
  return hasMessage(key) ? t(locale, key) : t(locale, 'extension.error.unknownCode');
}
