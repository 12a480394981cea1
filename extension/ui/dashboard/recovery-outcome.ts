/**
 * What a recovery from the phrase found, as one human sentence per count. Shown by the recovery
 * form and, after a recovery at onboarding, by the dashboard it opens (the form is gone by then,
 * and the owner must still learn how many companies could not be checked).
 *
 * Pure: no browser API, no I/O.
 */
import { t, type Locale } from '../../../protocol/i18n';
import type { Response } from '../../messages';

/** The counts of a `vault.recovered` answer. */
export type RecoveryOutcome = Pick<
  Extract<Response, { type: 'vault.recovered' }>,
  'companiesChecked' | 'relationships' | 'failed' | 'unreachable'
>;

/**
 * The outcome in `locale`: companies checked, relationships restored, and how many failed (only
 * when some did); when the clearinghouse stopped answering, that, followed by the counts up to
 * then if it had answered for some companies.
 *
 * @example
 * ```ts
 * recoveryOutcomeText('en', { companiesChecked: 3, relationships: 1, failed: 0 });
 * // '3 companies checked. 1 relationship restored.'
 * ```
 */
export function recoveryOutcomeText(locale: Locale, outcome: RecoveryOutcome): string {
  if (outcome.unreachable === true) {
    const unreachable = t(locale, 'extension.recovery.unreachable');
    // Cut short after some pages: what was checked and restored until then is kept; say so.
    if (outcome.companiesChecked === 0) return unreachable;
    return `${unreachable} ${t(locale, 'extension.recovery.soFar')} ${counts(locale, outcome)}`;
  }
  return counts(locale, outcome);
}

/** The counts as sentences: checked, restored, and failed where some did. */
function counts(locale: Locale, outcome: RecoveryOutcome): string {
  return [
    t(locale, 'extension.recovery.checked', { count: outcome.companiesChecked }),
    t(locale, 'extension.recovery.restored', { count: outcome.relationships }),
    ...(outcome.failed > 0
      ? [t(locale, 'extension.recovery.failed', { count: outcome.failed })]
      : []),
  ].join(' ');
}
