import type { Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * Forgets the jtis whose message expired before `nowSeconds`. A replay of such a message is
 * already refused by the JWS check of `exp` (SPECS "JWS": jtis are kept "until the message's
 * `exp` has passed"), so the row is no longer needed. Run it periodically; it returns how many
 * rows it deleted.
 *
 * The clock skew the verifier allows is the caller's to add: pass `now - skew` to keep a jti a
 * little longer than its `exp`.
 *
 * @example
 * ```ts
 * const removed = await purgeExpiredJtis(cdb.db, Math.floor(Date.now() / 1000) - 60);
 * ```
 */
export async function purgeExpiredJtis(db: Kysely<Database>, nowSeconds: number): Promise<number> {
  if (!Number.isSafeInteger(nowSeconds)) throw new RangeError('nowSeconds must be an integer');
  const result = await db
    .deleteFrom('seen_jtis')
    .where('expires_at', '<', nowSeconds)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
