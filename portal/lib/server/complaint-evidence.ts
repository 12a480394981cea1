/**
 * What the clearinghouse keeps beside a complaint about its evidence (`[{kind, jws}]`): the kinds
 * in their order, which the company console lists, and a key of the evidence as a set, by which a
 * second open complaint of the same pseudonym about the same company with the same evidence is
 * refused (migration 0017). Used by the migration for stored complaints and by the service for new
 * ones, so both compute the same values.
 */
import { createHash } from 'node:crypto';

/** The kinds of a complaint's evidence, in its order; anything that is not a kind is skipped. */
export function evidenceKindsOf(evidence: unknown): string[] {
  if (!Array.isArray(evidence)) return [];
  return evidence
    .map((e: unknown) => (e as { kind?: unknown } | null)?.kind)
    .filter((kind): kind is string => typeof kind === 'string');
}

/**
 * The evidence as a set: base64url SHA-256 over the sorted SHA-256 of each piece's compact JWS
 * (order and repetition do not make another complaint). `null` for evidence that names none.
 *
 * @example
 * ```ts
 * evidenceKeyOf([{ kind: 'offer', jws }]); // 'q3…'
 * ```
 */
export function evidenceKeyOf(evidence: unknown): string | null {
  if (!Array.isArray(evidence)) return null;
  const hashes = new Set<string>();
  for (const piece of evidence) {
    const jws = (piece as { jws?: unknown } | null)?.jws;
    if (typeof jws === 'string') {
      hashes.add(createHash('sha256').update(jws, 'ascii').digest('base64url'));
    }
  }
  if (hashes.size === 0) return null;
  return createHash('sha256')
    .update([...hashes].sort().join('\n'), 'ascii')
    .digest('base64url');
}
