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
 * (`retained.reason.de`). An offer's fields first, all its content signed to judge it by (its
 * text, its category, its links, above all the unsubscribe link every offer must carry: SPECS
 * requirement 13, complaint reason `missing_unsubscribe`), then a grant request's incentive, a
 * disclosure's holdings ({@link holdingFacts}, between the two: one group per holding), then a
 * data-request answer's: what it answered, what it erased and when, what it kept and why, a
 * refusal's reason (both languages: the regulator judges what was signed in each). Left out are
 * what the page shows elsewhere or cannot read: hashes of other messages (the review verifies
 * them), sealed boxes, the envelope's claims but `iat`.
 */
const fieldLabels = {
  purpose: 'portal.regulator.evidence.field.purpose',
  channel: 'portal.regulator.evidence.field.channel',
  brand: 'portal.regulator.evidence.field.brand',
  category: 'portal.regulator.evidence.field.category',
  title: 'portal.regulator.evidence.field.title',
  body: 'portal.regulator.evidence.field.body',
  link: 'portal.regulator.evidence.field.link',
  unsubscribe: 'portal.regulator.evidence.field.unsubscribe',
  validUntil: 'portal.regulator.evidence.field.validUntil',
  advertisement: 'portal.regulator.evidence.field.advertisement',
  'incentive.type': 'portal.regulator.evidence.field.incentive',
  'incentive.description.de': 'portal.regulator.evidence.field.incentiveDe',
  'incentive.description.en': 'portal.regulator.evidence.field.incentiveEn',
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

/** The parts of a disclosure's holding, in the order shown, with their names. */
const holdingLabels = {
  dataCategory: 'portal.regulator.evidence.field.holding',
  sources: 'portal.regulator.evidence.field.holdingSources',
  purposes: 'portal.regulator.evidence.field.holdingPurposes',
  retentionDays: 'portal.regulator.evidence.field.holdingRetentionDays',
  recipients: 'portal.regulator.evidence.field.holdingRecipients',
  collectedSince: 'portal.regulator.evidence.field.holdingCollectedSince',
} as const satisfies Record<string, MessageKey>;

/** A shown field: its path in the claims (`holdings.0.sources`: of the first holding). */
export type EvidenceField =
  | keyof typeof fieldLabels
  | 'holdings'
  | `holdings.${number}`
  | `holdings.${number}.${keyof typeof holdingLabels}`;

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
  'incentive.type': 'vocabulary.incentiveType',
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
  return (Object.keys(fieldLabels) as (keyof typeof fieldLabels)[]).flatMap(
    (field): EvidenceFact[] => {
      const holdings = field === 'outcome' ? holdingFacts(read(claims, 'holdings')) : [];
      if (answerFields.has(field) && !answer) return holdings;
      const value = read(claims, field);
      const label =
        !answer && field in askingLabels
          ? askingLabels[field as keyof typeof askingLabels]
          : fieldLabels[field];
      return value === undefined
        ? holdings
        : [...holdings, { field, label, value: valueOf(field, value) }];
    },
  );
}

/**
 * A disclosure's holdings, each a group that starts with its data category: where the data came
 * from, for which purposes, how long it is kept, who else receives it (name, country, company
 * id, as signed), since when it is collected. What is not the shape the schema defines (a
 * holding that is no object, holdings that are no list) is shown as it came.
 */
function holdingFacts(holdings: unknown): EvidenceFact[] {
  if (holdings === undefined) return [];
  if (!Array.isArray(holdings)) {
    return [{ field: 'holdings', label: holdingLabels.dataCategory, value: asText(holdings) }];
  }
  return holdings.flatMap((holding: unknown, index): EvidenceFact[] => {
    if (typeof holding !== 'object' || holding === null || Array.isArray(holding)) {
      return [
        { field: `holdings.${index}`, label: holdingLabels.dataCategory, value: asText(holding) },
      ];
    }
    const parts = holding as Record<string, unknown>;
    return (Object.keys(holdingLabels) as (keyof typeof holdingLabels)[]).flatMap((part) => {
      const value = Object.hasOwn(parts, part) ? parts[part] : undefined;
      if (value === undefined) return [];
      return [
        {
          field: `holdings.${index}.${part}`,
          label: holdingLabels[part],
          value: holdingValue(part, value),
        },
      ];
    });
  });
}

/** The vocabulary lists a holding's parts take their labels from. */
const holdingVocabulary = {
  dataCategory: 'vocabulary.dataCategory',
  sources: 'vocabulary.provenanceSource',
  purposes: 'vocabulary.purpose',
} as const;

function holdingValue(part: keyof typeof holdingLabels, value: unknown): FactValue {
  if (part === 'dataCategory' && typeof value === 'string') {
    return labelOf(holdingVocabulary.dataCategory, value);
  }
  if ((part === 'sources' || part === 'purposes') && Array.isArray(value)) {
    const list = holdingVocabulary[part];
    return {
      list: value.map((id: unknown) => (typeof id === 'string' ? labelOf(list, id) : asText(id))),
    };
  }
  if (part === 'recipients' && Array.isArray(value)) {
    return { list: value.map(recipientLabel) };
  }
  if (part === 'collectedSince' && typeof value === 'number' && Number.isFinite(value)) {
    return { at: value * 1000 };
  }
  return asText(value);
}

/** A recipient as signed: its name, then its country and company id where given. */
function recipientLabel(recipient: unknown): Label {
  if (typeof recipient !== 'object' || recipient === null) return asText(recipient);
  const { name, country, company } = recipient as Record<string, unknown>;
  if (typeof name !== 'string') return asText(recipient);
  const more = [country, company].filter((part): part is string => typeof part === 'string');
  return { text: more.length === 0 ? name : `${name} (${more.join(', ')})` };
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
