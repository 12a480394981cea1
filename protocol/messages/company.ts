/**
 * A company's registration and the life of its keys (DESIGN section 5), both logged.
 */
import * as v from 'valibot';
import { claimEntries, clearinghouseAudience, expiresAfterIssue, message } from './claims';
import {
  companyId,
  distinct,
  ed25519PublicJwk,
  email,
  epochSeconds,
  limits,
  origin,
  phone,
  purpose,
  text,
  thumbprint,
  webUrl,
} from './primitives';
import { purposeIds } from '../vocabulary';

/**
 * Where the clearinghouse POSTs the company's feed events (docs/api.md, "Webhooks"): an origin as
 * `domain` accepts it (https; http only on localhost or 127.0.0.1, which the server accepts only
 * while it runs on loopback itself), then an optional path. No query, fragment or credentials, so
 * one URL has one spelling and carries no secret that would then sit in the public log.
 */
export const webhookUrl = v.pipe(
  v.string(),
  v.maxLength(512),
  v.regex(/^[^/?#]+:\/\/[^/?#]+(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*$/),
  v.check((s) => {
    const cut = s.indexOf('/', s.indexOf('//') + 2);
    return v.is(origin, cut === -1 ? s : s.slice(0, cut));
  }, 'the webhook must start with an acceptable origin'),
);

/**
 * `company`, company → clearinghouse. `iss` is `co_` + the thumbprint of the key that signs
 * this registration, which must be one of `keys` (checked where signatures are).
 */
export const company = message(companyId, clearinghouseAudience, {
  legalName: text(200),
  /** Commercial register entry, e.g. `HRB 12345, Amtsgericht München`. */
  registerId: text(100),
  domain: origin,
  contact: v.strictObject({
    email,
    phone: v.optional(phone),
    postalAddress: v.optional(text(500)),
    privacyPolicy: v.optional(webUrl),
  }),
  keys: v.pipe(v.array(ed25519PublicJwk), v.minLength(1), v.maxLength(limits.keysPerCompany)),
  purposes: distinct(purpose, 1, purposeIds.length),
  /** Brands the company sends under, so customers can blacklist a brand (requirement 27). */
  brands: v.optional(v.pipe(v.array(text(100)), v.maxLength(32))),
  /** Optional: where feed events are POSTed, signed with the clearinghouse's webhook key. */
  webhook: v.optional(webhookUrl),
});

const companyKeyClaims = claimEntries(companyId, clearinghouseAudience);

/**
 * `company-key`, company → clearinghouse, signed by another current key: a key `add`ed,
 * `retire`d from now on, or `compromised` since a given time (signatures made with it after
 * `since` are void).
 */
const companyKeyBody = v.variant('action', [
  v.strictObject({ ...companyKeyClaims, action: v.literal('add'), key: ed25519PublicJwk }),
  v.strictObject({ ...companyKeyClaims, action: v.literal('retire'), kid: thumbprint }),
  v.strictObject({
    ...companyKeyClaims,
    action: v.literal('compromised'),
    kid: thumbprint,
    since: epochSeconds,
  }),
]);
export const companyKey = v.pipe(
  companyKeyBody,
  expiresAfterIssue<v.InferOutput<typeof companyKeyBody>>(),
);
