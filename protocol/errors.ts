/**
 * The one error type of the protocol. Every failure to parse, verify, open or
 * cover is a `ProtocolError` with a stable `code`; callers and tests match the
 * code, never the message. The API maps codes to RFC 9457 problem+json once
 * (SPECS "Errors").
 *
 * @example
 * ```ts
 * try { verifyCompact(token, options) } catch (e) {
 *   if (e instanceof ProtocolError && e.code === 'ERR_JWS_SIGNATURE_INVALID') { ... }
 * }
 * ```
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Stable, machine-readable code, e.g. `ERR_JWS_ALG_NOT_ALLOWED`. */
  readonly code: ProtocolErrorCode;
  /** Optional structured detail safe to show to the caller (never secrets). */
  readonly detail?: Readonly<Record<string, unknown>>;

  constructor(code: ProtocolErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.code = code;
    if (detail !== undefined) this.detail = Object.freeze({ ...detail });
  }
}

/**
 * Every code the protocol can raise. Adding a code is an API change: it becomes
 * the last path segment of a problem `type` URI.
 */
export const protocolErrorCodes = [
  // parsing and schemas
  'ERR_MESSAGE_INVALID',
  'ERR_MESSAGE_KIND_UNKNOWN',
  'ERR_MESSAGE_TOO_LARGE',
  'ERR_MESSAGE_ISSUER_MISMATCH',
  // encodings
  'ERR_BASE64URL_NONCANONICAL',
  'ERR_ENCODING_INVALID',
  // JWS
  'ERR_JWS_MALFORMED',
  'ERR_JWS_ALG_NOT_ALLOWED',
  'ERR_JWS_HEADER_INVALID',
  'ERR_JWS_TYP_MISMATCH',
  'ERR_JWS_KID_UNKNOWN',
  'ERR_JWS_SIGNATURE_INVALID',
  'ERR_JWS_AUD_MISMATCH',
  'ERR_JWS_NOT_YET_VALID',
  'ERR_JWS_EXPIRED',
  'ERR_JWS_WINDOW_TOO_LONG',
  'ERR_JWS_REPLAYED',
  // keys
  'ERR_KEY_INVALID',
  // a typed recovery phrase that gives no seed (extension/core/identity: `detail.problem` says why)
  'ERR_RECOVERY_PHRASE_INVALID',
  // sealed boxes
  'ERR_SEAL_OPEN_FAILED',
  'ERR_SEAL_CONTENT_INVALID',
  // grant coverage
  'ERR_GRANT_NOT_COVERED',
  // a coverage question that is itself malformed (time not an integer, negative count)
  'ERR_COVERAGE_QUERY_INVALID',
  // crypto runtime: libsodium used before `await ready()` (protocol/sodium)
  'ERR_CRYPTO_NOT_READY',
  // storage (portal/lib/server/db): the database refused or is gone; the API answers 503
  'ERR_STORAGE_UNAVAILABLE',
  'ERR_STORAGE_WRITE_FAILED',
  // the public log (protocol/tlog): RFC 9162 proofs, C2SP tlog-tiles, signed-note, tlog-checkpoint
  'ERR_TLOG_RANGE_INVALID',
  'ERR_TLOG_PROOF_INVALID',
  'ERR_TLOG_INCLUSION_INVALID',
  'ERR_TLOG_CONSISTENCY_INVALID',
  'ERR_TLOG_TILE_INVALID',
  'ERR_TLOG_PATH_INVALID',
  'ERR_TLOG_BUNDLE_INVALID',
  'ERR_NOTE_MALFORMED',
  'ERR_NOTE_SIGNATURE_INVALID',
  'ERR_NOTE_NO_TRUSTED_SIGNATURE',
  'ERR_CHECKPOINT_MALFORMED',
  'ERR_CHECKPOINT_ORIGIN_MISMATCH',
  'ERR_CHECKPOINT_SHRUNK',
  'ERR_CHECKPOINT_FORK',
  'ERR_RECEIPT_INVALID',
  'ERR_LOG_ENTRY_INVALID',
  // the clearinghouse API (docs/api.md)
  'ERR_CONTENT_TYPE_UNSUPPORTED',
  'ERR_AUTH_MISSING',
  'ERR_REQUEST_MISMATCH',
  'ERR_NOT_AUTHORISED',
  'ERR_QUERY_INVALID',
  'ERR_RESOURCE_NOT_FOUND',
  'ERR_COMPANY_UNKNOWN',
  'ERR_COMPANY_NOT_ACTIVE',
  'ERR_COMPANY_KEY_CONFLICT',
  'ERR_COMPANY_KEY_UNKNOWN',
  'ERR_ORIGIN_NOT_ALLOWED',
  'ERR_DOMAIN_PROOF_FAILED',
  'ERR_PURPOSE_NOT_DECLARED',
  'ERR_GRANT_REQUEST_UNKNOWN',
  'ERR_GRANT_REQUEST_VOIDED',
  'ERR_SCOPE_WIDER_THAN_REQUESTED',
  'ERR_PSEUDONYM_KEY_REQUIRED',
  'ERR_PSEUDONYM_KEY_MISMATCH',
  'ERR_PSEUDONYM_COMPANY_MISMATCH',
  'ERR_PSEUDONYM_UNKNOWN',
  'ERR_ASK_AGAIN_LATER',
  'ERR_GRANT_UNKNOWN',
  'ERR_REVOCATION_UNKNOWN',
  'ERR_REVOCATION_ALREADY_ACKED',
  // people: passkeys, enrolment links, sessions (docs/api.md "People")
  'ERR_ENROLMENT_UNKNOWN',
  'ERR_ENROLMENT_EXPIRED',
  'ERR_ENROLMENT_USED',
  'ERR_WEBAUTHN_CHALLENGE_UNKNOWN',
  'ERR_WEBAUTHN_FAILED',
  'ERR_PERSON_UNKNOWN',
  // the Assistant's profile and blacklist (protocol/profile) and its vault (extension/vault)
  'ERR_PROFILE_INVALID',
  // a profile saved over a copy that is no longer the stored one (extension/core/preferences)
  'ERR_PROFILE_CHANGED',
  'ERR_VAULT_ABSENT',
  'ERR_VAULT_EXISTS',
  'ERR_VAULT_LOCKED',
  'ERR_VAULT_PASSPHRASE_WRONG',
  'ERR_VAULT_PASSPHRASE_WEAK',
  'ERR_VAULT_RECORD_DAMAGED',
  'ERR_VAULT_SCHEMA_UNSUPPORTED',
  'ERR_VAULT_BACKUP_INVALID',
  'ERR_VAULT_STORAGE_FAILED',
  // work begun on records a backup restore replaced meanwhile (extension/vault `Vault.handle`)
  'ERR_VAULT_REPLACED',
  'ERR_CLEARINGHOUSE_UNREACHABLE',
  // webhooks (portal/lib/server/webhooks.ts): a delivery that did not reach the company
  'ERR_WEBHOOK_DELIVERY_FAILED',
  // obligations and oversight (issue 5: portal/lib/server/obligations.ts, oversight.ts)
  'ERR_EVIDENCE_INVALID',
  'ERR_DATA_REQUEST_UNKNOWN',
  'ERR_DATA_REQUEST_ALREADY_ANSWERED',
  'ERR_TOO_MANY_OPEN_REQUESTS',
  'ERR_TOO_MANY_OPEN_CORRECTIONS',
  'ERR_DISCLOSURE_UNKNOWN',
  'ERR_COMPLAINT_UNKNOWN',
  'ERR_COMPLAINT_ALREADY_DECIDED',
  'ERR_COMPLAINT_DUPLICATE',
  'ERR_SUSPENSION_CONFLICT',
  // the page bridge and the wallet (issue 7: extension/content/bridge, extension/core/wallet)
  'ERR_BRIDGE_ORIGIN_MISMATCH',
  'ERR_BRIDGE_BUSY',
  'ERR_ASSISTANT_SILENT',
  'ERR_COMPANY_DOMAIN_UNVERIFIED',
  'ERR_COMPANY_BLACKLISTED',
  'ERR_WALLET_REQUEST_UNKNOWN',
  // typed or pasted in the dashboard: neither a request link nor a QR code's id (protocol/connect)
  'ERR_REQUEST_LINK_INVALID',
  'ERR_WALLET_CHOICE_INVALID',
  'ERR_LOG_KEY_NOT_PINNED',
  'ERR_RECEIPT_TIMEOUT',
  // rate limits of the API (portal/lib/server/rate-limits.ts, docs/api.md "Limits")
  'ERR_RATE_LIMITED',
  // the sealed relay (portal/lib/server/relay.ts, docs/api.md "Relay")
  'ERR_OFFER_NOT_COVERED',
  'ERR_CONTACT_CAP_EXCEEDED',
  'ERR_INBOX_FULL',
] as const;

export type ProtocolErrorCode = (typeof protocolErrorCodes)[number];

/** True when `e` is a ProtocolError, optionally with the given code. */
export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}
