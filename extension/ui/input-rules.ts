/**
 * What the Assistant's forms check before they send anything: each field against the schema the
 * background parses it with (extension/messages, extension/core, protocol), so a value the
 * background would refuse as a whole ("the message is not well-formed") is refused here instead,
 * with a sentence that names the field and what it allows. The bounds are read from those
 * schemas, never written down a second time.
 */
import * as v from 'valibot';
import { hasMessage, localeTags, t, type Locale, type MessageKey } from '../../protocol/i18n';
import { companyId, isTimeZone } from '../../protocol/messages/primitives';
import { offerCategory } from '../../protocol/messages/relay';

/**
 * What the sentences below call the field labelled `label`: its short name (the catalog's
 * `<label>.name`) where the label carries a hint or needs its legend to be understood, else the
 * label itself. A sentence quoting "Category code (e.g. travel/rail; only a–z, 0–9, _ and /)"
 * whole buries what it says; the label beside the field still gives the hint.
 *
 * @example
 * ```ts
 * fieldName('en', 'extension.profile.category') // 'Category code'
 * fieldName('en', 'extension.profile.timeZone') // 'Time zone' (the label: it has no hint)
 * ```
 */
export function fieldName(locale: Locale, label: MessageKey): string {
  const name = `${label}.name`;
  return t(locale, hasMessage(name) ? name : label);
}

/** The smallest and largest number a schema allows. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A schema as valibot builds it: wrapped (nullable, optional) or with a pipe of actions. */
interface Inspectable {
  readonly wrapped?: Inspectable;
  readonly pipe?: readonly { readonly type: string; readonly requirement?: unknown }[];
}

/**
 * The range of a number schema: the requirements of its `minValue` and `maxValue` actions
 * (through `nullable` and `optional`). Throws when the schema bounds no range: a programming
 * error, caught by the tests of the form that asks.
 *
 * @example
 * ```ts
 * rangeOf(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)))) // { min: 1, max: 3650 }
 * ```
 */
export function rangeOf(schema: v.GenericSchema): Range {
  let inner = schema as Inspectable;
  while (inner.wrapped !== undefined) inner = inner.wrapped;
  let min = -Infinity;
  let max = Infinity;
  for (const action of inner.pipe ?? []) {
    if (typeof action.requirement !== 'number') continue;
    if (action.type === 'min_value') min = Math.max(min, action.requirement);
    if (action.type === 'max_value') max = Math.min(max, action.requirement);
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error('the schema bounds no range');
  return { min, max };
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();

/** `n` with the locale's digit grouping (3,650 in English, 3.650 in German). */
function number(locale: Locale, n: number): string {
  let format = numberFormats.get(locale);
  if (format === undefined)
    numberFormats.set(locale, (format = new Intl.NumberFormat(localeTags[locale])));
  return format.format(n);
}

/** `range`'s bounds as the catalog's `{min}` and `{max}`, with the locale's digit grouping. */
export function rangeParams(locale: Locale, range: Range): { min: string; max: string } {
  return { min: number(locale, range.min), max: number(locale, range.max) };
}

/** The sentence for a whole number outside `range` (or none), naming `field`. */
export function wholeNumberText(locale: Locale, field: string, range: Range): string {
  return t(locale, 'extension.input.wholeNumber', { field, ...rangeParams(locale, range) });
}

/**
 * Why `value` (what a number input bound with `bind:value` holds: a number, or null when it is
 * empty or not a number) is not a whole number in `range`, as a sentence naming `field`; null
 * when it is one.
 *
 * @example
 * ```ts
 * wholeNumberProblem('en', 'Lock automatically after (minutes)', 2.5, { min: 1, max: 1440 })
 * // 'Enter a whole number from 1 to 1,440 in “Lock automatically after (minutes)”.'
 * ```
 */
export function wholeNumberProblem(
  locale: Locale,
  field: string,
  value: unknown,
  range: Range,
): string | null {
  const ok =
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= range.min &&
    value <= range.max;
  return ok ? null : wholeNumberText(locale, field, range);
}

/** The largest length a string schema allows (its `maxLength` action), if it sets one. */
function maxLengthOf(schema: v.GenericSchema): number | undefined {
  const action = (schema as Inspectable).pipe?.find((a) => a.type === 'max_length');
  return typeof action?.requirement === 'number' ? action.requirement : undefined;
}

/**
 * Why `value` is not text `schema` takes (protocol/messages/primitives `text`: 1 to max
 * characters, no control or text-direction characters), as a sentence naming `field`; null when
 * it is. Only spaces count as empty.
 *
 * @example
 * ```ts
 * textProblem('en', 'Brand', 'Acme\u202e', text(100)) // '“Brand” contains invisible control …'
 * ```
 */
export function textProblem(
  locale: Locale,
  field: string,
  value: string,
  schema: v.GenericSchema<string>,
): string | null {
  if (value.trim() === '') return t(locale, 'extension.input.missing', { field });
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return null;
  const max = maxLengthOf(schema);
  if (parsed.issues[0].type === 'max_length' && max !== undefined)
    return t(locale, 'extension.input.tooLong', { field, max: number(locale, max) });
  return t(locale, 'extension.input.controlCharacters', { field });
}

/** Why `value` is no company id (`co_…`, protocol/messages/primitives), naming `field`; or null. */
export function companyIdProblem(locale: Locale, field: string, value: string): string | null {
  if (value.trim() === '') return t(locale, 'extension.input.missing', { field });
  return v.is(companyId, value) ? null : t(locale, 'extension.input.companyId', { field });
}

/** Why `value` is no time zone the Assistant can evaluate, naming `field`; or null. */
export function timeZoneProblem(locale: Locale, field: string, value: string): string | null {
  if (value.trim() === '') return t(locale, 'extension.input.missing', { field });
  return isTimeZone(value) ? null : t(locale, 'extension.input.timeZone', { field });
}

/** Why `value` is no offer category (`travel/rail`, protocol/messages/relay), naming `field`; or null. */
export function categoryProblem(locale: Locale, field: string, value: string): string | null {
  if (value.trim() === '') return t(locale, 'extension.input.missing', { field });
  return v.is(offerCategory, value) ? null : t(locale, 'extension.input.category', { field });
}

/** A field that does not hold what it may, and the sentence saying why. */
export interface FieldProblem {
  readonly field: string;
  readonly text: string;
}

/**
 * The attributes of `field`'s input while `invalid` names it: marked invalid and described by its
 * sentence (`<field>-error`, extension/ui/FieldError.svelte); none otherwise. The ids in
 * `describedBy` (its character count, extension/ui/CharacterCount.svelte) describe it always.
 *
 * @example
 * ```svelte
 * <input id="auto-lock" {...fieldState(invalid, 'auto-lock')} />
 * <input id="bl-note" {...fieldState(invalid, 'bl-note', 'bl-note-count')} />
 * ```
 */
export function fieldState(
  invalid: FieldProblem | null,
  field: string,
  ...describedBy: string[]
): { 'aria-invalid'?: 'true'; 'aria-describedby'?: string } {
  const error = invalid?.field === field;
  const ids = [...(error ? [`${field}-error`] : []), ...describedBy];
  return {
    ...(error ? { 'aria-invalid': 'true' as const } : {}),
    ...(ids.length > 0 ? { 'aria-describedby': ids.join(' ') } : {}),
  };
}
