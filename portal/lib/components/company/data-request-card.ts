/**
 * A data request's card in the console (issue 5 "Data requests"): each open request has its own
 * card with its own answer forms, so a problem with one answer is said in that card, beside what
 * was typed there, not once at the top of the section where it could belong to any of them. The
 * forms carry the request's SHA-256 (`requestSha256`); the page's own checks and the action's
 * `fail()` payload name it back. And a deadline that has passed is said in words, not only in red.
 */
import type { MessageKey } from '$protocol/i18n';

const sha256Pattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * The data request a submitted form answers: its `requestSha256` field when that is a SHA-256
 * (base64url); `undefined` for a form without one or with anything else (it is echoed into the
 * page, so only the shape of an id passes).
 *
 * @example
 * ```ts
 * requestOf(formData); // 'q3V…' (43 characters) or undefined
 * ```
 */
export function requestOf(form: FormData): string | undefined {
  const value = form.get('requestSha256');
  return typeof value === 'string' && sha256Pattern.test(value) ? value : undefined;
}

/**
 * Where a problem of a data request's form is said: in the card of the request it names, when
 * that card is listed; otherwise (no request named, or one no longer on this page) `undefined`,
 * the top of the section, so no problem goes unsaid.
 *
 * @example
 * ```ts
 * problemCard('q3V…', ['q3V…', 'x9A…']); // 'q3V…'
 * problemCard(undefined, ['q3V…']); // undefined
 * ```
 */
export function problemCard(
  requestSha256: string | undefined,
  listed: readonly string[],
): string | undefined {
  return requestSha256 !== undefined && listed.includes(requestSha256) ? requestSha256 : undefined;
}

/**
 * The sentence of a request's deadline: when it is due, or, once it has passed, that it is
 * overdue (in words: the red alone says nothing to a screen reader or without colour).
 *
 * @example
 * ```ts
 * deadlineSentence(deadline, Date.now()); // 'portal.console.dataRequests.deadline'
 * ```
 */
export function deadlineSentence(deadline: number, now: number): MessageKey {
  return deadline < now
    ? 'portal.console.dataRequests.overdue'
    : 'portal.console.dataRequests.deadline';
}

/**
 * What is wrong with an erasure answer as the card's form gives it, or `undefined` when it may be
 * signed: something erased, no category both erased and kept, every category the request asked
 * for (`asked`; null: it named none) either erased or kept, and a reason in both languages for
 * what is kept (GDPR Art. 12(4)). The clearinghouse refuses such an answer too; said here first,
 * in the card, before anything is signed.
 *
 * @example
 * ```ts
 * erasureProblem(['address', 'purchase_history'], ['address'], [], { de: '', en: '' });
 * // 'portal.console.answer.error.unaccounted'
 * ```
 */
export function erasureProblem(
  asked: readonly string[] | null,
  erased: readonly string[],
  kept: readonly string[],
  reason: { de: string; en: string },
): MessageKey | undefined {
  if (erased.length === 0)
    return kept.length > 0
      ? 'portal.console.answer.error.allKept'
      : 'portal.console.answer.error.categories';
  if (kept.some((c) => erased.includes(c))) return 'portal.console.answer.error.erasedAndKept';
  if (asked !== null && asked.some((c) => !erased.includes(c) && !kept.includes(c)))
    return 'portal.console.answer.error.unaccounted';
  if (kept.length > 0 && (reason.de === '' || reason.en === ''))
    return 'portal.console.answer.error.keptReason';
  return undefined;
}
