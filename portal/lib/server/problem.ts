import { ProtocolError, type ProtocolErrorCode } from '$protocol/errors';
import { hasMessage, t } from '$protocol/i18n';
import { databaseUnavailableError, isDatabaseUnreachable } from './db/unreachable';

/**
 * RFC 9457 problem details: the one place where error codes become HTTP answers
 * (DESIGN section 8, SPECS "Errors"). The `type` URI ends in the code.
 */
export const problemTypeBase = 'https://clearinghouse.invalid/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

const statusByCode: Partial<Record<ProtocolErrorCode, number>> = {
  ERR_MESSAGE_TOO_LARGE: 413,
  ERR_JWS_KID_UNKNOWN: 401,
  ERR_JWS_SIGNATURE_INVALID: 401,
  ERR_JWS_REPLAYED: 409,
  ERR_GRANT_NOT_COVERED: 403,
  ERR_STORAGE_UNAVAILABLE: 503,
  ERR_STORAGE_WRITE_FAILED: 500,
  // the clearinghouse API (docs/api.md, "Problem types")
  ERR_CONTENT_TYPE_UNSUPPORTED: 415,
  ERR_AUTH_MISSING: 401,
  ERR_REQUEST_MISMATCH: 401,
  ERR_NOT_AUTHORISED: 403,
  ERR_RESOURCE_NOT_FOUND: 404,
  ERR_COMPANY_UNKNOWN: 404,
  ERR_COMPANY_NOT_ACTIVE: 403,
  ERR_COMPANY_KEY_CONFLICT: 409,
  ERR_COMPANY_KEY_UNKNOWN: 404,
  ERR_ORIGIN_NOT_ALLOWED: 422,
  ERR_DOMAIN_PROOF_FAILED: 422,
  ERR_PURPOSE_NOT_DECLARED: 422,
  ERR_GRANT_REQUEST_UNKNOWN: 422,
  ERR_GRANT_REQUEST_VOIDED: 410,
  ERR_SCOPE_WIDER_THAN_REQUESTED: 422,
  ERR_PSEUDONYM_KEY_REQUIRED: 401,
  ERR_PSEUDONYM_KEY_MISMATCH: 401,
  ERR_PSEUDONYM_COMPANY_MISMATCH: 409,
  ERR_PSEUDONYM_UNKNOWN: 404,
  ERR_ASK_AGAIN_LATER: 403,
  ERR_GRANT_UNKNOWN: 422,
  ERR_REVOCATION_UNKNOWN: 404,
  ERR_REVOCATION_ALREADY_ACKED: 409,
  // people (docs/api.md "People")
  ERR_ENROLMENT_UNKNOWN: 404,
  ERR_ENROLMENT_EXPIRED: 410,
  ERR_ENROLMENT_USED: 410,
  ERR_WEBAUTHN_CHALLENGE_UNKNOWN: 400,
  ERR_WEBAUTHN_FAILED: 401,
  ERR_PERSON_UNKNOWN: 404,
  // obligations and oversight (docs/api.md, issue 5)
  ERR_EVIDENCE_INVALID: 422,
  ERR_DATA_REQUEST_UNKNOWN: 404,
  ERR_DATA_REQUEST_ALREADY_ANSWERED: 409,
  ERR_DISCLOSURE_UNKNOWN: 422,
  ERR_COMPLAINT_UNKNOWN: 404,
  ERR_COMPLAINT_ALREADY_DECIDED: 409,
  ERR_COMPLAINT_DUPLICATE: 409,
  ERR_TOO_MANY_OPEN_REQUESTS: 429,
  ERR_SUSPENSION_CONFLICT: 409,
  // limits (docs/api.md "Limits")
  ERR_RATE_LIMITED: 429,
  // the sealed relay (docs/api.md "Relay")
  ERR_OFFER_NOT_COVERED: 403,
  ERR_CONTACT_CAP_EXCEEDED: 403,
  ERR_INBOX_FULL: 429,
  ERR_TOO_MANY_OPEN_CORRECTIONS: 429,
};

/** The HTTP status for a protocol error code: 400 unless the code means something more specific. */
export function statusFor(code: ProtocolErrorCode): number {
  return statusByCode[code] ?? 400;
}

/** Builds a problem object; `code` becomes the last path segment of `type`. */
export function problem(
  status: number,
  code: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Problem {
  const body: Problem = { ...extensions, type: problemTypeBase + code, title, status, code };
  if (detail !== undefined) body.detail = detail;
  return body;
}

/** A problem+json response. */
export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/**
 * Maps a ProtocolError to its problem; a database that cannot be reached (`isDatabaseUnreachable`:
 * a refused or lost connection, PostgreSQL shutting down, SQLite busy or failing its I/O) to the
 * durable writer's `503 ERR_STORAGE_UNAVAILABLE`, wherever it was read; anything else to a 500
 * that reveals nothing. The `title` is
 * the code's own sentence (the English of its catalog entry, the same for every occurrence, as
 * RFC 9457 wants a title), the `detail` what this occurrence was and what to fix (the error's
 * message); a code without a catalog sentence has its message as the title.
 */
export function problemFromError(error: unknown): Problem {
  if (!(error instanceof ProtocolError) && isDatabaseUnreachable(error)) {
    return problemFromError(databaseUnavailableError());
  }
  if (error instanceof ProtocolError) {
    const key = `errors.${error.code}`;
    const title = hasMessage(key) ? t('en', key) : error.message;
    return problem(
      statusFor(error.code),
      error.code,
      title,
      error.message === title ? undefined : error.message,
      error.detail ? { detail_data: error.detail } : {},
    );
  }
  return problem(500, 'internal', 'Internal error', 'The request could not be completed.');
}
