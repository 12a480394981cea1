/**
 * What a recovery from the phrase found, as one human sentence per count. Shown by the recovery
 * form and, after a recovery at onboarding, by the dashboard it opens (the form is gone by then,
 * and the owner must still learn how many companies could not be checked). And, before a
 * recovery is sent, what is wrong with the phrase typed ({@link phraseProblemText}).
 *
 * Pure: no browser API, no I/O.
 */
import { t, type Locale } from '../../../protocol/i18n';
import type { PhraseProblem } from '../../core/identity';
import type { Response } from '../../messages';

/** The counts of a `vault.recovered` answer. */
export type RecoveryOutcome = Pick<
  Extract<Response, { type: 'vault.recovered' }>,
  | 'companiesChecked'
  | 'relationships'
  | 'failed'
  | 'complaints'
  | 'complaintsNotRestored'
  | 'unreachable'
>;

/**
 * A recovery form's state that outlives the form: a recovery runs for up to a minute, and the
 * owner may switch to another view and back meanwhile. The dashboard keeps it (App.svelte) and
 * binds it to each form it mounts, so the form comes back busy, and shows the outcome once it
 * ends. Never the phrase: that stays in the form.
 */
export interface RecoveryRun {
  /** A recovery is under way (its button waits, its status says what it does). */
  busy: boolean;
  /** What the last recovery found ({@link recoveryOutcomeText}), or ''. */
  message: string;
  /** Why the last recovery failed, as a sentence, or ''. */
  error: string;
}

/** A form no recovery ran from yet. */
export function idleRecoveryRun(): RecoveryRun {
  return { busy: false, message: '', error: '' };
}

/**
 * The outcome in `locale`: companies checked, relationships restored, and how many failed (only
 * when some did), then complaints restored and how many could not be (each only when there are
 * some: nothing of complaints where none were listed); when the clearinghouse stopped answering,
 * that, followed by the counts up to then if it had answered for some companies.
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

/**
 * Whether a recovery left something to recover later: the clearinghouse stopped answering, or
 * could not answer for some companies. Such an outcome stays said above every view of the
 * dashboard until a later recovery ends without (App.svelte).
 *
 * @example
 * ```ts
 * recoveryIncomplete({ companiesChecked: 2, relationships: 2, failed: 0 }); // false
 * ```
 */
export function recoveryIncomplete(outcome: RecoveryOutcome): boolean {
  return outcome.unreachable === true || outcome.failed > 0;
}

/**
 * The counts as sentences: checked, restored, and failed where some did; complaints restored,
 * and not restored where some were not.
 */
function counts(locale: Locale, outcome: RecoveryOutcome): string {
  const notRestored = outcome.complaintsNotRestored ?? 0;
  return [
    t(locale, 'extension.recovery.checked', { count: outcome.companiesChecked }),
    t(locale, 'extension.recovery.restored', { count: outcome.relationships }),
    ...(outcome.failed > 0
      ? [t(locale, 'extension.recovery.failed', { count: outcome.failed })]
      : []),
    // Nothing of complaints for a customer who has none listed.
    ...((outcome.complaints ?? 0) > 0 || notRestored > 0
      ? [t(locale, 'extension.recovery.complaints', { count: outcome.complaints ?? 0 })]
      : []),
    ...(notRestored > 0
      ? [t(locale, 'extension.recovery.complaintsNotRestored', { count: notRestored })]
      : []),
  ].join(' ');
}

/** A word longer than this is cut in a sentence: it is what was typed, and may be anything. */
const maxWordChars = 24;

/**
 * Why the typed phrase cannot be recovered from, in `locale`: `fieldLabel` names the field for an
 * empty one (as every form says it), the count typed, the first word not in the word list with
 * its position, or a checksum that does not match. Every sentence but the empty one says that
 * nothing was changed (nothing was sent).
 *
 * @example
 * ```ts
 * phraseProblemText('en', { problem: 'count', words: 3 }, 'The 24 words');
 * // 'You typed 3 words; a recovery phrase has exactly 24. Nothing was changed.'
 * ```
 */
export function phraseProblemText(
  locale: Locale,
  problem: PhraseProblem,
  fieldLabel: string,
): string {
  switch (problem.problem) {
    case 'empty':
      return t(locale, 'extension.input.missing', { field: fieldLabel });
    case 'count':
      return t(locale, 'extension.recovery.phraseCount', { count: problem.words });
    case 'word': {
      const chars = [...problem.word];
      const word =
        chars.length > maxWordChars ? `${chars.slice(0, maxWordChars).join('')}…` : problem.word;
      return t(locale, 'extension.recovery.phraseWord', { position: problem.position, word });
    }
    case 'checksum':
      return t(locale, 'extension.recovery.phraseChecksum');
  }
}
