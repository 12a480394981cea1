import { isProtocolError } from '../../protocol/errors';
import { hasMessage, t, type Locale } from '../../protocol/i18n';

/**
 * The human sentence for a failure (DESIGN promise 5: never a stack trace): the catalog's
 * sentence for a `ProtocolError`'s code, else a generic one.
 *
 * @example
 * ```ts
 * errorText('en', new ProtocolError('ERR_VAULT_PASSPHRASE_WRONG', '…')) // 'The passphrase is wrong. Nothing was changed.'
 * ```
 */
export function errorText(locale: Locale, error: unknown): string {
  if (isProtocolError(error)) {
    const key = `errors.${error.code}`;
    if (hasMessage(key)) return t(locale, key);
  }
  return t(locale, 'errors.ERR_VAULT_STORAGE_FAILED');
}
