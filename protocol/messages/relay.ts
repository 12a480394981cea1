/**
 * What flows between a company and a pseudonym through the relay (DESIGN section 5), mostly
 * end-to-end encrypted: offers, disclosures, corrections and rewards; plus the company's
 * batched report of data `access` under grants.
 */
import * as v from 'valibot';
import { clearinghouseAudience, message } from './claims';
import {
  boundedInteger,
  channel,
  companyId,
  dataCategory,
  distinct,
  epochSeconds,
  limits,
  localized,
  provenanceSource,
  pseudonym,
  purpose,
  recipient,
  sealed,
  sha256,
  text,
  webUrl,
  incentiveType,
} from './primitives';
import { dataCategoryIds, provenanceSourceIds, purposeIds } from '../vocabulary';

/**
 * `offer` (outer), company → pseudonym: what the relay may see to route and count it, and the
 * sealed box holding the signed `offer-content` (SPECS "JWS": a mismatch between outer and
 * inner grant id, purpose or channel is itself a violation). Its transport window runs to
 * `validUntil`, at most 90 days.
 */
export const offer = message(companyId, pseudonym, {
  grantSha256: sha256,
  purpose,
  channel,
  validUntil: epochSeconds,
  sealed,
});

/** An offer's category, a lower-case path such as `sports/running` (the filter learns on it). */
export const offerCategory = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(100),
  v.regex(/^[a-z0-9_]+(?:\/[a-z0-9_]+){0,3}$/),
);

/** `offer-content` (inner), company → pseudonym, inside the sealed box of an `offer`. */
export const offerContent = message(companyId, pseudonym, {
  grantSha256: sha256,
  purpose,
  channel,
  brand: text(100),
  category: offerCategory,
  title: text(200),
  body: text(8000),
  validUntil: epochSeconds,
  link: v.optional(webUrl),
  /** The "advertisement" label (requirement 35); false only for e.g. pure service messages. */
  advertisement: v.boolean(),
  /** How to unsubscribe, required in every message (requirement 13). */
  unsubscribe: webUrl,
});

/** One kind of data a company holds about the customer, and where it came from. */
export const holding = v.strictObject({
  dataCategory,
  sources: distinct(provenanceSource, 1, provenanceSourceIds.length),
  purposes: distinct(purpose, 1, purposeIds.length),
  retentionDays: boundedInteger(1, limits.maxRetentionDays),
  recipients: v.pipe(v.array(recipient), v.maxLength(limits.onwardRecipients)),
  collectedSince: v.optional(epochSeconds),
});

/**
 * `disclosure`, company → pseudonym: what the company holds (categories, sources, purposes,
 * retention, recipients), in clear for the customer's overview, plus an optional sealed export
 * of the data itself. Refers to the grant it relates to and/or the data request it answers.
 */
export const disclosure = message(companyId, pseudonym, {
  grantSha256: v.optional(sha256),
  dataRequestSha256: v.optional(sha256),
  holdings: v.pipe(v.array(holding), v.minLength(1), v.maxLength(dataCategoryIds.length)),
  export: v.optional(sealed),
});

/** One use of data under a grant. */
export const accessEntry = v.strictObject({
  grantSha256: sha256,
  purpose,
  dataCategories: distinct(dataCategory, 1, dataCategoryIds.length),
  at: epochSeconds,
  /** How many uses this entry stands for (batched). */
  count: v.optional(boundedInteger(1, 1_000_000)),
});

/** `access`, company → clearinghouse: uses of data under grants, batched and counted. */
export const access = message(companyId, clearinghouseAudience, {
  entries: v.pipe(v.array(accessEntry), v.minLength(1), v.maxLength(256)),
});

/**
 * `correction`, pseudonym → company: a corrected value for one data category, sealed to the
 * company (the sealed JSON is `correctionContent`).
 */
export const correction = message(pseudonym, companyId, {
  dataCategory,
  sealed,
});

/** The plaintext inside a correction's sealed box. */
export const correctionContent = v.strictObject({
  dataCategory,
  value: text(4000),
});

/**
 * `reward`, company → pseudonym: what the customer earned under a grant's incentive, sealed
 * (the sealed JSON is `rewardContent`); the Assistant keeps the ledger.
 */
export const reward = message(companyId, pseudonym, {
  grantSha256: sha256,
  sealed,
});

/** The plaintext inside a reward's sealed box. */
export const rewardContent = v.strictObject({
  type: incentiveType,
  /** Points, or a discount in per cent, as the type says; absent for status or access. */
  amount: v.optional(boundedInteger(1, 1_000_000)),
  description: localized(500),
  validUntil: v.optional(epochSeconds),
});
