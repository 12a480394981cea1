/**
 * The consent conversation between a company and a pseudonym (DESIGN section 5): the company
 * asks (`grant-request`), the customer answers (`grant` or `refusal`), may later take it back
 * (`revocation`), and the company confirms it stopped (`revocation-ack`). All five are logged.
 */
import * as v from 'valibot';
import { clearinghouseAudience, message } from './claims';
import {
  channel,
  companyId,
  ed25519PublicJwk,
  epochSeconds,
  incentive,
  limits,
  localized,
  pseudonym,
  purpose,
  relationshipType,
  scope,
  sha256,
  distinct,
} from './primitives';
import { purposeIds } from '../vocabulary';

const scopes = v.pipe(v.array(scope), v.minLength(1), v.maxLength(limits.scopesPerGrant));

/**
 * `grant-request`, company → customer. Addressed to a pseudonym when *targeted* (sent to its
 * inbox), or to the clearinghouse when *open* (a link, QR code or the page bridge; it names no
 * pseudonym), SPECS "Consent conditions".
 */
export const grantRequest = message(companyId, v.union([pseudonym, clearinghouseAudience]), {
  scopes,
  incentive: v.optional(incentive),
  /** Why the company asks, in the customer's words (requirement 47: benefit before request). */
  reason: localized(2000),
});

/**
 * `grant`, pseudonym → company. `until` is how long the grant lasts (not `exp`, which is the
 * transport window). The first message of a pseudonym carries its public key (SPECS
 * "Identifiers"), so `pseudonymKey` is optional here and on `refusal`.
 */
export const grant = message(pseudonym, companyId, {
  requestSha256: sha256,
  scopes,
  preferredChannel: channel,
  until: epochSeconds,
  /** The relationship the customer wants with this company (requirement 24). */
  relationshipType: v.optional(relationshipType),
  pseudonymKey: v.optional(ed25519PublicJwk),
});

/** `refusal`, pseudonym → company: an explicit "no", optionally "ask me again after". */
export const refusal = message(pseudonym, companyId, {
  requestSha256: sha256,
  askAgainAfter: v.optional(epochSeconds),
  pseudonymKey: v.optional(ed25519PublicJwk),
});

/** One grant taken back, wholly or for some of its purposes. */
export const revokedGrant = v.strictObject({
  grantSha256: sha256,
  /** Absent: the whole grant. */
  purposes: v.optional(distinct(purpose, 1, purposeIds.length)),
});

/**
 * `revocation`, pseudonym → company, effective immediately (at its `iat`): every grant the
 * pseudonym gave this company (`'all'`), or the listed ones.
 */
export const revocation = message(pseudonym, companyId, {
  grants: v.union([
    v.literal('all'),
    v.pipe(v.array(revokedGrant), v.minLength(1), v.maxLength(64)),
  ]),
});

/** `revocation-ack`, company → clearinghouse: the company confirms it stopped. */
export const revocationAck = message(companyId, clearinghouseAudience, {
  revocationSha256: sha256,
  pseudonym,
  stoppedAt: epochSeconds,
});
