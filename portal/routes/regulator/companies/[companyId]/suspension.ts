/**
 * The regulator's suspension or reinstatement as the form holds it, checked before anything is
 * signed: the reason in German and in English, and no more cited complaints than one
 * `suspension` may carry (protocol/messages/oversight.ts). Each problem names the field it is
 * in, so the page shows it beside that field (as the complaint decision does, decision.ts).
 */
import type { MessageKey } from '$protocol/i18n';
import type { CompanyStatus } from '$lib/server/db/schema';

/** The most complaints one suspension may cite (protocol/messages/oversight.ts `suspension`). */
export const maxCited = 64;

/** What the form holds. `cited` counts only when suspending. */
export interface SuspensionForm {
  readonly action: 'suspend' | 'reinstate';
  readonly reasonDe: string;
  readonly reasonEn: string;
  readonly cited: readonly string[];
}

/** The form's fields a problem can be in: a reason's text, the list of complaints to cite. */
export type SuspensionField = 'reason-de' | 'reason-en' | 'cite';

/** One problem: the sentence, and the field it is beside. */
export interface SuspensionProblem {
  readonly field: SuspensionField;
  readonly message: MessageKey;
}

/** The `suspension` payload to sign, or every problem in the order the form shows the fields. */
export type SuspensionCheck =
  | {
      ok: true;
      payload: {
        company: string;
        action: 'suspend' | 'reinstate';
        reason: { de: string; en: string };
        complaints?: string[];
      };
    }
  | { ok: false; problems: SuspensionProblem[] };

/**
 * Checks `form` for the company `company`: both reasons given (trimmed), at most
 * {@link maxCited} complaints cited.
 *
 * @example
 * ```ts
 * suspensionPayload(companyId, { action: 'suspend', reasonDe: '', reasonEn: 'x', cited: [] });
 * // { ok: false, problems: [{ field: 'reason-de', message: 'portal.regulator.suspend.reasonMissing.de' }] }
 * ```
 */
export function suspensionPayload(company: string, form: SuspensionForm): SuspensionCheck {
  const de = form.reasonDe.trim();
  const en = form.reasonEn.trim();
  const suspending = form.action === 'suspend';
  const problems: SuspensionProblem[] = [];
  if (de === '')
    problems.push({ field: 'reason-de', message: 'portal.regulator.suspend.reasonMissing.de' });
  if (en === '')
    problems.push({ field: 'reason-en', message: 'portal.regulator.suspend.reasonMissing.en' });
  if (suspending && form.cited.length > maxCited)
    problems.push({ field: 'cite', message: 'portal.regulator.suspend.citeTooMany' });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    payload: {
      company,
      action: form.action,
      reason: { de, en },
      ...(suspending && form.cited.length > 0 ? { complaints: [...form.cited] } : {}),
    },
  };
}

/**
 * The sentence for a suspension or reinstatement refused because another regulator's came first
 * (`ERR_SUSPENSION_CONFLICT`): said from the state the company is in now, as the refreshed page
 * shows it (`status`), or, when the page could not be refreshed, from the state the refusal
 * implies (a suspension is refused only for a suspended company).
 *
 * @example
 * ```ts
 * conflictMessage('suspended'); // 'portal.regulator.suspend.already'
 * ```
 */
export function conflictMessage(status: CompanyStatus): MessageKey {
  return status === 'suspended'
    ? 'portal.regulator.suspend.already'
    : 'portal.regulator.reinstate.already';
}
