/**
 * The regulator's decision on a complaint as the form holds it, checked before anything is
 * signed: an upheld complaint is a legal finding that feeds the public figures, so the outcome
 * is never assumed; the regulator chooses it, and gives the reason in both languages.
 */
import type { MessageKey } from '$protocol/i18n';

export type Outcome = 'upheld' | 'dismissed';

/** What the form holds; `outcome` is undefined until the regulator chooses one. */
export interface DecisionForm {
  readonly outcome: Outcome | undefined;
  readonly reasonDe: string;
  readonly reasonEn: string;
}

/** The form's fields a missing piece is in: the outcome's radio group, a reason's text. */
export type DecisionField = 'outcome' | 'reason-de' | 'reason-en';

/**
 * The `complaint-decision` payload to sign, or the sentence that says what is missing and the
 * field it is missing in (the page ties the sentence to that field and moves the focus there).
 */
export type DecisionCheck =
  | {
      ok: true;
      payload: { complaintSha256: string; decision: Outcome; reason: { de: string; en: string } };
    }
  | { ok: false; message: MessageKey; field: DecisionField };

/**
 * Checks `form` for the complaint `complaintSha256`: an outcome chosen, a reason in German and
 * in English (trimmed).
 *
 * @example
 * ```ts
 * decisionPayload(sha256, { outcome: undefined, reasonDe: 'x', reasonEn: 'y' });
 * // { ok: false, message: 'portal.regulator.decision.missing', field: 'outcome' }
 * ```
 */
export function decisionPayload(complaintSha256: string, form: DecisionForm): DecisionCheck {
  if (form.outcome !== 'upheld' && form.outcome !== 'dismissed')
    return { ok: false, message: 'portal.regulator.decision.missing', field: 'outcome' };
  const de = form.reasonDe.trim();
  const en = form.reasonEn.trim();
  if (de === '' || en === '')
    return {
      ok: false,
      message: 'portal.regulator.reasonMissing',
      field: de === '' ? 'reason-de' : 'reason-en',
    };
  return { ok: true, payload: { complaintSha256, decision: form.outcome, reason: { de, en } } };
}
