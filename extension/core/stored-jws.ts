import { base64urlDecode, utf8Decode } from '../../protocol/encoding';

/** Part `index` of a compact JWS read as a JSON object; `{}` when it is anything else. */
function storedPart(jws: string, index: 0 | 1): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[index] ?? '')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The payload of a JWS the vault holds, read, never checked here; anything unreadable (a damaged
 * record) gives `{}`, never an exception. What was checked when it was stored is the storing
 * module's to say: the customer's own grants, refusals and revocations (./own-messages), the
 * company's disclosures and answers (./disclosures), the regulator's decisions
 * (./complaint-decisions). The grant requests a relationship lists are the clearinghouse's copy,
 * not checked again (the wallet checked each one it answered, ./wallet `verifyRequest`).
 *
 * @example
 * ```ts
 * storedPayload(grant.jws).requestSha256; // the request this grant answers
 * ```
 */
export function storedPayload(jws: string): Record<string, unknown> {
  return storedPart(jws, 1);
}

/**
 * The protected header of a JWS verified before, read as {@link storedPayload} reads its payload
 * (nothing checked here; `{}` when unreadable).
 *
 * @example
 * ```ts
 * storedHeader(disclosure.jws).kid; // the key it was signed with
 * ```
 */
export function storedHeader(jws: string): Record<string, unknown> {
  return storedPart(jws, 0);
}
