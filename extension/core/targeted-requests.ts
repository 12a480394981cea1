import { storedPayload } from './stored-jws';
import type { WalletRelationship } from './wallet';

/**
 * The targeted grant requests to this relationship's pseudonym (their `aud` is the pseudonym)
 * that no grant or refusal answers yet, newest first: what the relationships view offers to
 * answer (the wallet checks each again as request source `inbox`).
 *
 * @example
 * ```ts
 * for (const { sha256 } of openTargetedRequests(relationship)) show(sha256);
 * ```
 */
export function openTargetedRequests(
  relationship: Pick<WalletRelationship, 'pseudonym' | 'requests' | 'grants' | 'refusals'>,
): { sha256: string; iat: number }[] {
  const answered = new Set(
    [...relationship.grants, ...relationship.refusals].map(
      (message) => storedPayload(message.jws).requestSha256,
    ),
  );
  return relationship.requests
    .map((request) => ({ request, payload: storedPayload(request.jws) }))
    .filter(
      ({ request, payload }) =>
        payload.aud === relationship.pseudonym && !answered.has(request.sha256),
    )
    .map(({ request, payload }) => ({
      sha256: request.sha256,
      iat: typeof payload.iat === 'number' ? payload.iat : 0,
    }))
    .sort((a, b) => b.iat - a.iat);
}
