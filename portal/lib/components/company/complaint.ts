/**
 * A complaint against the company as the console words it (issue 5 "Complaints";
 * docs/architecture.md "Company console"): its reasons in the words the regulator's console uses
 * for the protocol's reason ids, the very ids the Assistant sends (`portal.regulator.reason.*`,
 * neutral; the Assistant's own `extension.offers.complaint.reason.*` speak to the customer,
 * "after your revocation", and would misread in a company's console), the kinds of its
 * evidence, and its state: open for how long, or the regulator's decision, its date and its
 * reason as the regulator gave it.
 */
import { hasMessage, type Locale, type MessageKey, type Params } from '$protocol/i18n';
import type { complaintReasons, evidenceKinds } from '$protocol/messages';

export type ComplaintReason = (typeof complaintReasons)[number];
export type EvidenceKind = (typeof evidenceKinds)[number];

/** Every evidence kind a complaint may carry, with its label (a new kind fails the type check). */
const evidenceLabels: Record<EvidenceKind, MessageKey> = {
  offer: 'portal.console.complaints.evidence.offer',
  'offer-content': 'portal.console.complaints.evidence.offer-content',
  disclosure: 'portal.console.complaints.evidence.disclosure',
  'grant-request': 'portal.console.complaints.evidence.grant-request',
  'data-request-answer': 'portal.console.complaints.evidence.data-request-answer',
  reward: 'portal.console.complaints.evidence.reward',
};

/** A label: a catalog key, or (for an id this version does not know) the id as it came. */
export type Label = { key: MessageKey } | { text: string };

/**
 * The label of a complaint reason id.
 *
 * @example
 * ```ts
 * reasonLabel('wrong_channel'); // {key: 'portal.regulator.reason.wrong_channel'}
 * ```
 */
export function reasonLabel(reason: string): Label {
  const key = `portal.regulator.reason.${reason}`;
  return hasMessage(key) ? { key } : { text: reason };
}

/**
 * The label of an evidence kind.
 *
 * @example
 * ```ts
 * evidenceLabel('disclosure'); // {key: 'portal.console.complaints.evidence.disclosure'}
 * ```
 */
export function evidenceLabel(kind: string): Label {
  return Object.prototype.hasOwnProperty.call(evidenceLabels, kind)
    ? { key: evidenceLabels[kind as EvidenceKind] }
    : { text: kind };
}

/** What the page needs of a complaint to say where it stands. */
export interface ComplaintStanding {
  state: 'open' | 'upheld' | 'dismissed';
  openDays: number | null;
  decision: { decidedAt: number } | null;
}

/**
 * The sentence of a complaint's state: how long an open one has waited, or the decision and its
 * date (`date` formats the decision's time as the page formats times).
 *
 * @example
 * ```ts
 * complaintState({state: 'open', openDays: 3, decision: null}, format);
 * // {key: 'portal.console.complaints.openDays', params: {count: 3}}
 * ```
 */
export function complaintState(
  complaint: ComplaintStanding,
  date: (ms: number) => string,
): { key: MessageKey; params?: Params } {
  if (complaint.state === 'open' || complaint.decision === null) {
    const days = complaint.openDays ?? 0;
    if (days < 1) return { key: 'portal.console.complaints.openToday' };
    return { key: 'portal.console.complaints.openDays', params: { count: days } };
  }
  return {
    key:
      complaint.state === 'upheld'
        ? 'portal.console.complaints.upheld'
        : 'portal.console.complaints.dismissed',
    params: { date: date(complaint.decision.decidedAt) },
  };
}

/**
 * The regulator's reason in the page's language, or in the other one where that is empty (the
 * message requires both; a stored one is shown as it came).
 *
 * @example
 * ```ts
 * reasonText({de: 'Irreführend.', en: 'Misleading.'}, 'en'); // {lang: 'en', text: 'Misleading.'}
 * ```
 */
export function reasonText(
  reason: Readonly<Record<Locale, string>>,
  locale: Locale,
): { lang: Locale; text: string } {
  const other: Locale = locale === 'de' ? 'en' : 'de';
  return reason[locale].trim() !== '' || reason[other].trim() === ''
    ? { lang: locale, text: reason[locale] }
    : { lang: other, text: reason[other] };
}
