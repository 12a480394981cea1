/**
 * What the complaint review shows of one piece of evidence (the claims the company signed,
 * decoded for display; the browser verifies them apart, evidence.ts): each field under its name
 * in the page's language, vocabulary ids under their labels, yes or no for a flag, and times as
 * times. An id this version does not know, or a value of an unexpected type, is shown as it came
 * rather than dropped: the regulator judges what was signed.
 */
import { hasMessage, type MessageKey } from '$protocol/i18n';
import type { Label } from '../company/complaint';

/**
 * The fields shown, in this order, with their names; a dotted field is read inside the claims
 * (`retained.reason.de`). An offer's fields first, then a data-request answer's: what it
 * answered, what it erased and when, what it kept and why, a refusal's reason (both languages:
 * the regulator judges what was signed in each).
 */
const fieldLabels = {
  purpose: 'portal.regulator.evidence.field.purpose',
  channel: 'portal.regulator.evidence.field.channel',
  brand: 'portal.regulator.evidence.field.brand',
  title: 'portal.regulator.evidence.field.title',
  validUntil: 'portal.regulator.evidence.field.validUntil',
  advertisement: 'portal.regulator.evidence.field.advertisement',
  outcome: 'portal.regulator.evidence.field.outcome',
  dataCategories: 'portal.regulator.evidence.field.erasedCategories',
  erasedAt: 'portal.regulator.evidence.field.erasedAt',
  'retained.dataCategories': 'portal.regulator.evidence.field.retainedCategories',
  'retained.reason.de': 'portal.regulator.evidence.field.retainedReasonDe',
  'retained.reason.en': 'portal.regulator.evidence.field.retainedReasonEn',
  'reason.de': 'portal.regulator.evidence.field.reasonDe',
  'reason.en': 'portal.regulator.evidence.field.reasonEn',
  iat: 'portal.regulator.evidence.field.iat',
} as const satisfies Record<string, MessageKey>;

export type EvidenceField = keyof typeof fieldLabels;

/**
 * A shown value: a catalog label, text as it came, a time (milliseconds since the epoch), or a
 * list of labels (data categories).
 */
export type FactValue = Label | { at: number } | { list: Label[] };

/** One field of a piece of evidence as the review shows it. */
export interface EvidenceFact {
  field: EvidenceField;
  label: MessageKey;
  value: FactValue;
}

/** The vocabulary list whose labels a field's ids take. */
const vocabularyOf: Partial<Record<EvidenceField, string>> = {
  purpose: 'vocabulary.purpose',
  channel: 'vocabulary.channel',
  outcome: 'portal.regulator.evidence.outcome',
};
/** Fields holding lists of data category ids. */
const categoryFields = new Set<EvidenceField>(['dataCategories', 'retained.dataCategories']);
/** Fields holding seconds since the epoch (JWT NumericDate). */
const timeFields = new Set<EvidenceField>(['validUntil', 'erasedAt', 'iat']);

/** A vocabulary id under its label, or as it came when this version does not know it. */
function labelOf(list: string, value: string): Label {
  const key = `${list}.${value}`;
  return hasMessage(key) ? { key } : { text: value };
}

function asText(value: unknown): Label {
  return { text: typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)) };
}

function valueOf(field: EvidenceField, value: unknown): FactValue {
  const list = vocabularyOf[field];
  if (list !== undefined && typeof value === 'string') return labelOf(list, value);
  if (categoryFields.has(field) && Array.isArray(value)) {
    return {
      list: value.map((id) =>
        typeof id === 'string' ? labelOf('vocabulary.dataCategory', id) : asText(id),
      ),
    };
  }
  if (timeFields.has(field) && typeof value === 'number' && Number.isFinite(value)) {
    return { at: value * 1000 };
  }
  if (typeof value === 'boolean') {
    return { key: value ? 'portal.regulator.evidence.yes' : 'portal.regulator.evidence.no' };
  }
  return asText(value);
}

/** The value at a dotted `field` of `claims`, or undefined (own members only). */
function read(claims: Readonly<Record<string, unknown>>, field: string): unknown {
  let at: unknown = claims;
  for (const part of field.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * The fields of a piece of evidence's claims the review shows, in a fixed order; absent ones
 * are left out.
 *
 * @example
 * ```ts
 * evidenceFacts({ purpose: 'product_launch', advertisement: false });
 * // [{field: 'purpose', label: 'portal.regulator.evidence.field.purpose',
 * //   value: {key: 'vocabulary.purpose.product_launch'}},
 * //  {field: 'advertisement', label: …, value: {key: 'portal.regulator.evidence.no'}}]
 * ```
 */
export function evidenceFacts(claims: Readonly<Record<string, unknown>>): EvidenceFact[] {
  // A data-request answer's fields are read only in an answer (it alone has an `outcome`); a
  // grant request's `reason` is why the company asks, not a refusal's.
  const answer = Object.hasOwn(claims, 'outcome');
  return (Object.keys(fieldLabels) as EvidenceField[]).flatMap((field) => {
    if (answerFields.has(field) && !answer) return [];
    const value = read(claims, field);
    const label =
      !answer && field in askingLabels
        ? askingLabels[field as keyof typeof askingLabels]
        : fieldLabels[field];
    return value === undefined ? [] : [{ field, label, value: valueOf(field, value) }];
  });
}

/** Fields that belong to a data-request answer only. */
const answerFields = new Set<EvidenceField>([
  'outcome',
  'dataCategories',
  'erasedAt',
  'retained.dataCategories',
  'retained.reason.de',
  'retained.reason.en',
]);

/** What `reason` is in a message that is no answer (a grant request: why the company asks). */
const askingLabels = {
  'reason.de': 'portal.regulator.evidence.field.askingReasonDe',
  'reason.en': 'portal.regulator.evidence.field.askingReasonEn',
} as const satisfies Partial<Record<EvidenceField, MessageKey>>;
