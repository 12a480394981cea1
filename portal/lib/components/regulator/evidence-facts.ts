/**
 * What the complaint review shows of one piece of evidence (the claims the company signed,
 * decoded for display; the browser verifies them apart, evidence.ts): each field under its name
 * in the page's language, vocabulary ids under their labels, yes or no for a flag, and times as
 * times. An id this version does not know, or a value of an unexpected type, is shown as it came
 * rather than dropped: the regulator judges what was signed.
 */
import { hasMessage, type MessageKey } from '$protocol/i18n';
import type { Label } from '../company/complaint';

/** The fields shown, in this order, with their names. */
const fieldLabels = {
  purpose: 'portal.regulator.evidence.field.purpose',
  channel: 'portal.regulator.evidence.field.channel',
  brand: 'portal.regulator.evidence.field.brand',
  title: 'portal.regulator.evidence.field.title',
  validUntil: 'portal.regulator.evidence.field.validUntil',
  advertisement: 'portal.regulator.evidence.field.advertisement',
  iat: 'portal.regulator.evidence.field.iat',
} as const satisfies Record<string, MessageKey>;

export type EvidenceField = keyof typeof fieldLabels;

/** A shown value: a catalog label, text as it came, or a time (milliseconds since the epoch). */
export type FactValue = Label | { at: number };

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
};
/** Fields holding seconds since the epoch (JWT NumericDate). */
const timeFields = new Set<EvidenceField>(['validUntil', 'iat']);

function valueOf(field: EvidenceField, value: unknown): FactValue {
  const list = vocabularyOf[field];
  if (list !== undefined && typeof value === 'string') {
    const key = `${list}.${value}`;
    return hasMessage(key) ? { key } : { text: value };
  }
  if (timeFields.has(field) && typeof value === 'number' && Number.isFinite(value)) {
    return { at: value * 1000 };
  }
  if (typeof value === 'boolean') {
    return { key: value ? 'portal.regulator.evidence.yes' : 'portal.regulator.evidence.no' };
  }
  return { text: typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)) };
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
  return (Object.keys(fieldLabels) as EvidenceField[])
    .filter((field) => claims[field] !== undefined)
    .map((field) => ({ field, label: fieldLabels[field], value: valueOf(field, claims[field]) }));
}
