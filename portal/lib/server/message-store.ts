import type { Transaction } from 'kysely';
import { ProtocolError } from '$protocol/errors';
import { sha256Of } from '$protocol/jws';
import type { ClearinghouseDb } from './db/database';
import type { BatchedEffect, DurableWriter } from './db/durable-writer';
import { prepared } from './db/prepared';
import type { Database } from './db/schema';

/** What every API service is handed: the database, the write path, who we are, and the clock. */
export interface ServiceContext {
  readonly cdb: ClearinghouseDb;
  readonly writer: DurableWriter;
  /** The clearinghouse's public origin, e.g. `http://localhost:3000`: the `aud` of its messages. */
  readonly origin: string;
  /** Milliseconds since the epoch (injected for tests). */
  readonly now: () => number;
}

/**
 * The answer to a logged message (SPECS "Receipts"): durable, its log entry still pending.
 * `created` is false when the very same message had been stored before (a resend): the route
 * answers 200 instead of 201 and nothing changed.
 */
export interface StoredReceipt {
  readonly sha256: string;
  readonly status: 'pending';
  readonly created: boolean;
}

/** A verified message about to be stored, with the aggregate rows that belong to it. */
export interface SignedForStorage {
  token: string;
  sha256: string;
  kind: string;
  kid: string;
  jti: string;
  iat: number;
  exp: number;
  companyId: string;
  pseudonym: string | null;
  /** Kinds of SPECS "What the log holds" go into the log. */
  logged: boolean;
  apply?: (trx: Transaction<Database>) => Promise<void>;
  /** Rows written once per batch for many messages (`MessageRecord.effect`). */
  effect?: BatchedEffect;
}

/**
 * Stores a verified message through the durable writer: the message, its `jti`, its log queue
 * entry and the caller's aggregate rows in one transaction (group-committed with others).
 *
 * @throws ProtocolError `ERR_JWS_REPLAYED` when the signer used this `jti` for another message;
 *   the writer's storage errors; whatever `apply` throws.
 * @example
 * ```ts
 * const receipt = await storeSigned(ctx, { token, sha256, kind: 'grant', ..., apply: (trx) => ... });
 * ```
 */
export async function storeSigned(
  ctx: ServiceContext,
  message: SignedForStorage,
): Promise<StoredReceipt> {
  const result = await ctx.writer.write({
    sha256: message.sha256,
    jws: message.token,
    kind: message.kind,
    signer: message.kid,
    jti: message.jti,
    companyId: message.companyId,
    pseudonym: message.pseudonym,
    iat: message.iat,
    exp: message.exp,
    logged: message.logged,
    ...(message.apply === undefined ? {} : { apply: message.apply }),
    ...(message.effect === undefined ? {} : { effect: message.effect }),
  });
  if (result.status === 'replayed') {
    throw new ProtocolError('ERR_JWS_REPLAYED', 'This jti was used before by this signer.');
  }
  return { sha256: message.sha256, status: 'pending', created: result.status === 'stored' };
}

/**
 * When this exact token was stored before as `kind`, its receipt: a resend after a lost answer
 * is answered like the first time and changes nothing, whatever has happened since.
 *
 * @example
 * ```ts
 * const again = await storedBefore(ctx, token, 'grant');
 * if (again) return again;
 * ```
 */
export async function storedBefore(
  ctx: ServiceContext,
  token: string,
  kind: string,
): Promise<StoredReceipt | undefined> {
  const sha256 = sha256Of(token);
  // Once a flush has failed, what SQLite holds may not be on disk: never answered as stored.
  if (ctx.cdb.storageFailure?.() !== undefined) return undefined;
  const row = await kindOfStored.first(ctx.cdb.db, { sha256 });
  return row?.kind === kind ? { sha256, status: 'pending', created: false } : undefined;
}

const kindOfStored = prepared<{ sha256: string }, { kind: string }>((db, arg) =>
  db.selectFrom('messages').select('kind').where('sha256', '=', arg('sha256')),
);

/** Seconds of the injected clock. */
export function nowSeconds(ctx: Pick<ServiceContext, 'now'>): number {
  return Math.floor(ctx.now() / 1000);
}
