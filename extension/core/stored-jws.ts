import { base64urlDecode, utf8Decode } from '../../protocol/encoding';

/**
 * The payload of a JWS the vault holds. It was verified when it was stored, so this only reads
 * it; anything unreadable (a damaged record) gives `{}`, never an exception.
 *
 * @example
 * ```ts
 * storedPayload(grant.jws).requestSha256; // the request this grant answers
 * ```
 */
export function storedPayload(jws: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1] ?? '')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
