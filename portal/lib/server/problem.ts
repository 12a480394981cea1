import { ProtocolError, type ProtocolErrorCode } from '$protocol/errors';

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

/** Maps a ProtocolError to its problem; anything else to a 500 that reveals nothing. */
export function problemFromError(error: unknown): Problem {
  if (error instanceof ProtocolError) {
    return problem(
      statusFor(error.code),
      error.code,
      error.message,
      undefined,
      error.detail ? { detail_data: error.detail } : {},
    );
  }
  return problem(500, 'internal', 'Internal error', 'The request could not be completed.');
}
