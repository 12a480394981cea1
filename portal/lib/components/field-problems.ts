/**
 * What the portal's forms do with a field a problem is shown for (the company's registration,
 * the regulator's suspension and complaint decision): the field is marked invalid and described
 * by the sentence beside it, and once the page shows the problems the focus moves to the first
 * such field. The look (`.field-error`, `[aria-invalid='true']`) is the layout's.
 */
import { tick } from 'svelte';
import type { MessageKey, Params } from '$protocol/i18n';

/**
 * A sentence of the catalog and the values its placeholders name, if any: the recipients field
 * says which line is wrong (`{line}`, `{text}`), so its problems carry them. Without `params`
 * a sentence is its key alone, as every other field's is.
 */
export interface Sentence {
  key: MessageKey;
  params?: Params;
}

/**
 * A problem of one field of a form: `field` names the field (not its input), the sentence says
 * what is wrong with it. A field may have several (one per faulty line of the recipients field).
 */
export interface FieldProblem extends Sentence {
  field: string;
}

/** The attributes a field carries: none while it is fine. */
export interface ProblemAttributes {
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/**
 * A field's attributes: marked invalid and described by the sentence with id `sentenceId` while
 * there is one, none otherwise.
 *
 * @example
 * ```svelte
 * <input id="domain" {...problemAttributes(invalid.has('domain') ? 'domain-error' : undefined)} />
 * ```
 */
export function problemAttributes(sentenceId: string | undefined): ProblemAttributes {
  return sentenceId === undefined ? {} : { 'aria-invalid': 'true', 'aria-describedby': sentenceId };
}

/**
 * Moves the focus to the first field of `form` marked invalid (a group's first input), once the
 * page shows the problems: left on the button or the field Enter was pressed in, a keyboard user
 * had to search the form for what to fix.
 *
 * @example
 * ```ts
 * problems = checked.problems;
 * await focusFirstInvalid(form);
 * ```
 */
export async function focusFirstInvalid(form: HTMLFormElement | undefined): Promise<void> {
  await tick();
  const first = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  const target =
    first instanceof HTMLFieldSetElement ? first.querySelector<HTMLElement>('input') : first;
  target?.focus();
}

/**
 * A form's own `id` attribute. Not `form.id`: a form's named controls are also its properties, so
 * in a form with a field named `id` (the console's correction rows send the correction's id so)
 * `form.id` is that input, and whatever was filed under it matched no form.
 *
 * @example
 * ```ts
 * local = { formId: formIdOf(formElement), fields };
 * ```
 */
export function formIdOf(form: HTMLFormElement): string {
  return form.getAttribute('id') ?? '';
}
