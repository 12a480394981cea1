/**
 * The customer's rights (DESIGN section 5): complain with evidence, blacklist a company,
 * ask for access or erasure; and the company's answer.
 */
import * as v from 'valibot';
import { claimEntries, clearinghouseAudience, expiresAfterIssue, message } from './claims';
import {
  companyId,
  compactJws,
  dataCategory,
  distinct,
  epochSeconds,
  localized,
  pseudonym,
  sha256,
  text,
} from './primitives';
import { dataCategoryIds } from '../vocabulary';

/** Kinds of signed evidence a complaint can carry. */
export const evidenceKinds = [
  'offer',
  'offer-content',
  'disclosure',
  'grant-request',
  'data-request-answer',
  'reward',
] as const;

/** What was wrong, as stable ids (counted per company for the regulator's figures). */
export const complaintReasons = [
  'not_covered',
  'wrong_channel',
  'outside_time_window',
  'contact_cap_exceeded',
  'after_revocation',
  'missing_unsubscribe',
  'missing_advertisement_label',
  'outer_inner_mismatch',
  'misleading',
  'undisclosed_data',
  'unlawful_onward_transfer',
  'request_unanswered',
  'other',
] as const;

/**
 * The size bound of a signed complaint, in characters: two pieces of evidence of up to
 * `limits.jwsChars` each, encoded once more inside the complaint's payload, do not fit the
 * default 64 KiB of a JWS; the API takes a complaint as it takes sealed payloads, up to 256 KiB.
 */
export const maxComplaintLength = 256 * 1024;

/** `complaint`, pseudonym → clearinghouse: signed evidence and what was wrong with it. */
export const complaint = message(pseudonym, clearinghouseAudience, {
  company: companyId,
  evidence: v.pipe(
    v.array(v.strictObject({ kind: v.picklist(evidenceKinds), jws: compactJws })),
    v.minLength(1),
    v.maxLength(2),
  ),
  reasons: distinct(v.picklist(complaintReasons), 1, complaintReasons.length),
  comment: v.optional(text(2000)),
});

/** Why a company was blacklisted (the public boycott figure counts per reason). */
export const blacklistReasons = [
  'unwanted_contact',
  'ignored_refusal',
  'too_frequent',
  'irrelevant',
  'misleading',
  'data_misuse',
  'other',
] as const;

/**
 * `blacklist`, pseudonym → clearinghouse: "I blacklisted this company" (or brand), or
 * withdrawn. Counted only for pseudonyms with a logged relationship (SPECS).
 */
export const blacklist = message(pseudonym, clearinghouseAudience, {
  company: companyId,
  brand: v.optional(text(100)),
  action: v.picklist(['add', 'withdraw']),
  reason: v.picklist(blacklistReasons),
});

/**
 * `data-request`, pseudonym → company: GDPR Art. 15 (`access`) or Art. 17 (`erasure`),
 * answered within a month; optionally limited to some categories.
 */
export const dataRequest = message(pseudonym, companyId, {
  type: v.picklist(['access', 'erasure']),
  dataCategories: v.optional(distinct(dataCategory, 1, dataCategoryIds.length)),
});

const answerClaims = claimEntries(companyId, pseudonym);

/**
 * `data-request-answer`, company → pseudonym: a `disclosure` (by its hash), the confirmation of
 * erasure, or a reasoned refusal (e.g. a statutory retention duty).
 *
 * An erasure may be partial: `dataCategories` were erased, `retained` names the categories kept
 * and why (GDPR Art. 17(3), e.g. a retention duty under tax law; Art. 12(4) asks for the reasons).
 * The two are disjoint; an answer to a request that named categories must account for each of
 * them in one or the other (the clearinghouse checks that against the request).
 */
const erasedAnswer = v.pipe(
  v.strictObject({
    ...answerClaims,
    requestSha256: sha256,
    outcome: v.literal('erased'),
    dataCategories: distinct(dataCategory, 1, dataCategoryIds.length),
    erasedAt: epochSeconds,
    retained: v.optional(
      v.strictObject({
        dataCategories: distinct(dataCategory, 1, dataCategoryIds.length),
        reason: localized(2000),
      }),
    ),
  }),
  v.forward(
    v.check(
      (a) =>
        a.retained === undefined ||
        !a.retained.dataCategories.some((c) => a.dataCategories.includes(c)),
      'a category cannot be both erased and retained',
    ),
    ['retained', 'dataCategories'],
  ),
);

const dataRequestAnswerBody = v.variant('outcome', [
  v.strictObject({
    ...answerClaims,
    requestSha256: sha256,
    outcome: v.literal('disclosure'),
    disclosureSha256: sha256,
  }),
  erasedAnswer,
  v.strictObject({
    ...answerClaims,
    requestSha256: sha256,
    outcome: v.literal('refused'),
    reason: localized(2000),
  }),
]);
export const dataRequestAnswer = v.pipe(
  dataRequestAnswerBody,
  expiresAfterIssue<v.InferOutput<typeof dataRequestAnswerBody>>(),
);
