/**
 * The check of every form that sets a new passphrase (onboarding's "create", the settings'
 * change, the recovery's new passphrase) before anything is sent: the passphrase against the
 * vault's one rule (extension/core/passphrase `newPassphraseProblem`), then the same passphrase
 * typed again, since a typo in it alone would lock the owner out of the vault. Each refusal is a
 * sentence tied to its field (extension/ui/input-rules `FieldProblem`), the same on every form.
 */
import { t, type Locale } from '../../protocol/i18n';
import { newPassphraseProblem } from '../core/passphrase';
import type { FieldProblem } from './input-rules';

/** One of the two fields: its element id, its label (as shown) and what it holds. */
export interface PassphraseField {
  readonly id: string;
  readonly label: string;
  readonly value: string;
}

/**
 * The first of the two fields that keeps the form from going, with the sentence that says why;
 * null when the new passphrase may be sent. Empty: "… is empty"; refused by the rule (too short,
 * white space only): the sentence of the vault's own refusal (`ERR_VAULT_PASSPHRASE_WEAK`); typed
 * again differently: "The two passphrases do not match.", at the repeat field.
 *
 * @example
 * ```ts
 * newPassphraseFieldProblem('en', {
 *   passphrase: { id: 'new-pass', label: 'New passphrase', value: 'a long passphrase' },
 *   repeat: { id: 'new-pass-repeat', label: 'Repeat the new passphrase', value: 'a long passphrse' },
 * }) // { field: 'new-pass-repeat', text: 'The two passphrases do not match.' }
 * ```
 */
export function newPassphraseFieldProblem(
  locale: Locale,
  { passphrase, repeat }: { passphrase: PassphraseField; repeat: PassphraseField },
): FieldProblem | null {
  const missing = (field: PassphraseField): FieldProblem => ({
    field: field.id,
    text: t(locale, 'extension.input.missing', { field: field.label }),
  });
  if (passphrase.value === '') return missing(passphrase);
  if (newPassphraseProblem(passphrase.value) !== null)
    return { field: passphrase.id, text: t(locale, 'errors.ERR_VAULT_PASSPHRASE_WEAK') };
  if (repeat.value === '') return missing(repeat);
  if (repeat.value !== passphrase.value)
    return { field: repeat.id, text: t(locale, 'extension.onboarding.mismatch') };
  return null;
}
