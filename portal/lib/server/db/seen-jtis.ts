import type { Kysely } from 'kysely';
import { CLOCK_SKEW_SECONDS } from '$protocol/jws';
import type { ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import type { Database } from './schema';

/**
 * Forgets at most `limit` of the jtis whose message expired before `nowSeconds`. A replay of such
 * a message is already refused by the JWS check of `exp` (SPECS "JWS": jtis are kept "until the
 * message's `exp` has passed"), so the row is no longer needed. {@link purgeSeenJtis} runs it in
 * batches; it returns how many rows it deleted.
 *
 * The clock skew the verifier allows is the caller's to add: pass `now - skew` to keep a jti a
 * little longer than its `exp`.
 *
 * @example
 * ```ts
 * const removed = await purgeExpiredJtis(cdb.db, Math.floor(Date.now() / 1000) - 60, 5000);
 * ```
 */
export async function purgeExpiredJtis(
  db: Kysely<Database>,
  nowSeconds: number,
  limit: number,
): Promise<number> {
  if (!Number.isSafeInteger(nowSeconds)) throw new RangeError('nowSeconds must be an integer');
  const result = await db
    .deleteFrom('seen_jtis')
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('signer', 'jti'),
        'in',
        selectFrom('seen_jtis')
          .select(['signer', 'jti'])
          .where('expires_at', '<', nowSeconds)
          .limit(limit)
          .$asTuple('signer', 'jti'),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Kept this much longer than the verifier accepts a message (`exp` plus the clock skew): a node
 * whose clock runs a little ahead must not forget a jti another node may still accept.
 */
export const purgeMarginSeconds = 300;

/** How often the server forgets the jtis of expired messages (besides once at start): hourly. */
export const jtiPurgeIntervalMs = 60 * 60 * 1000;

/**
 * Forgets every jti whose message expired more than the clock skew and {@link purgeMarginSeconds}
 * before `nowSeconds`, in batches of `batchSize` rows, each its own short commit (SQLite flushes
 * off the event loop), so a large backlog never holds the database for long. Every signed request
 * and message leaves one row (its replay protection), so without this the table grows for good.
 *
 * @example
 * ```ts
 * startPeriodicPurge(() => purgeSeenJtis(cdb, Math.floor(Date.now() / 1000)), { ... });
 * ```
 */
export async function purgeSeenJtis(
  cdb: ClearinghouseDb,
  nowSeconds: number,
  batchSize = 5000,
): Promise<number> {
  let purged = 0;
  for (;;) {
    const deleted = await durableTransaction(cdb, (trx) =>
      purgeExpiredJtis(trx, nowSeconds - CLOCK_SKEW_SECONDS - purgeMarginSeconds, batchSize),
    );
    purged += deleted;
    if (deleted < batchSize) return purged;
  }
}
