/**
 * The regulator's signed acts (DESIGN section 5), both logged. Regulators sign with the
 * WebCrypto Ed25519 key enrolled beside their passkey (SPECS "People who sign").
 */
import * as v from 'valibot';
import { clearinghouseAudience, message } from './claims';
import { companyId, localized, regulatorId, sha256 } from './primitives';

/** `complaint-decision`, regulator → clearinghouse: upheld or dismissed, with the reason. */
export const complaintDecision = message(regulatorId, clearinghouseAudience, {
  complaintSha256: sha256,
  decision: v.picklist(['upheld', 'dismissed']),
  reason: localized(2000),
});

/** `suspension`, regulator → clearinghouse: a company suspended or reinstated. */
export const suspension = message(regulatorId, clearinghouseAudience, {
  company: companyId,
  action: v.picklist(['suspend', 'reinstate']),
  reason: localized(2000),
  /** The upheld complaints this rests on, if any. */
  complaints: v.optional(v.pipe(v.array(sha256), v.minLength(1), v.maxLength(64))),
});
