/**
 * One group commit's statements (messages, seen_jtis, log_queue and the records' effects), apart
 * from the writer's queue so that the SQLite writer thread (`writer-thread.worker.ts`) runs the
 * very same code in its own transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  claimAndStore,
  onPostgres,
  type EffectPart,
  type PostgresEffectClauses,
} from './postgres-batch';
import { argumentRows, preparedByCount } from './prepared';
import type { Database } from './schema';

/** Rows of many records written by one call; see {@link MessageRecord.effect}. */
export type EffectRun<T> = (trx: Transaction<Database>, items: readonly T[]) => Promise<void>;

/** The name an effect is known by on the SQLite writer thread (see {@link namedEffect}). */
const effectNames = new WeakMap<EffectRun<never>, string>();

/**
 * `run`, known as `name` to the SQLite writer thread, which can then run a batch with this effect
 * itself (it must list the same function in `writer-thread.worker.ts`); a batch with an unnamed
 * effect or an `apply` commits on the event loop's connection.
 *
 * @example
 * ```ts
 * export const storeGrants = namedEffect('grants', async (trx, grants) => { ... });
 * ```
 */
export function namedEffect<T>(name: string, run: EffectRun<T>): EffectRun<T> {
  effectNames.set(run as EffectRun<never>, name);
  return run;
}

/** The name {@link namedEffect} gave `run`, if any. */
export function effectName(run: EffectRun<never>): string | undefined {
  return effectNames.get(run);
}

/** The clauses {@link postgresEffect} gave an effect. */
const postgresClauses = new WeakMap<EffectRun<never>, PostgresEffectClauses<never>>();

/**
 * Declares how `run` writes its items as clauses of a batch's one statement on PostgreSQL
 * (postgres-batch.ts): a batch whose records have only such effects (or none) and no `apply` is
 * stored by {@link insertBatchInOneStatement}, without a transaction.
 *
 * @example
 * ```ts
 * postgresEffect(storeGrants, grantClauses);
 * ```
 */
export function postgresEffect<T>(run: EffectRun<T>, clauses: PostgresEffectClauses<T>): void {
  postgresClauses.set(run as EffectRun<never>, clauses as PostgresEffectClauses<never>);
}

/** One record's share of a batched effect: made by {@link batchedEffect}. */
export interface BatchedEffect {
  readonly run: EffectRun<never>;
  readonly item: unknown;
}

/**
 * A record's part of the batched effect `run` (which must be one function shared by all records
 * it batches, e.g. created once per service, not per call).
 *
 * @example
 * ```ts
 * const insertGrants: EffectRun<GrantRow> = async (trx, rows) => { await trx.insertInto('grants').values([...rows]).execute(); };
 * await writer.write({ ...record, effect: batchedEffect(insertGrants, row) });
 * ```
 */
export function batchedEffect<T>(run: EffectRun<T>, item: T): BatchedEffect {
  return { run: run as EffectRun<never>, item };
}

/** A record the writer has checked (see `validateRecord` in durable-writer.ts). */
export interface ValidRecord {
  sha256: string;
  jws: string;
  kind: string;
  signer: string;
  jti: string;
  companyId: string | null;
  pseudonym: string | null;
  iat: number;
  exp: number;
  logged: boolean;
  apply: ((trx: Transaction<Database>) => Promise<void>) | undefined;
  effect: BatchedEffect | undefined;
}

/** What became of one record of a batch (see `WriteResult`). */
export type Outcome = 'stored' | 'duplicate' | 'replayed';

/** A record of a batch and when it arrived. */
export interface BatchEntry {
  record: ValidRecord;
  receivedAt: number;
}

/**
 * The batch inside its transaction; returns one outcome per entry, in order.
 *
 * Conflicts are settled by the database (`on conflict do nothing ... returning`), not by a
 * read-then-write, so two portal processes writing the same message cannot both store it.
 * Keys are inserted in sorted order so concurrent transactions take their unique-index locks
 * in the same order and cannot deadlock on PostgreSQL.
 */
export async function insertBatch(
  trx: Transaction<Database>,
  batch: readonly BatchEntry[],
  nowMs: number,
): Promise<Outcome[]> {
  const { outcomes, candidates, followers, taken } = leadersOf(batch);

  // 2. Claim each (signer, jti) and store the messages whose pair this batch claimed (on
  //    PostgreSQL in one statement, which also queues the logged ones: postgres-batch.ts). A
  //    message that conflicts on its sha256 was stored before and its jti has since been purged:
  //    still a duplicate.
  const postgres = onPostgres(trx);
  const unclaimed = postgres
    ? await claimAndStoreOnPostgres(trx, batch, candidates, outcomes, nowMs)
    : await claimAndStoreOnSqlite(trx, batch, candidates, outcomes);

  // 3. A pair the database (or an earlier record of the batch) held already is a replay, unless
  //    the very same message is stored (then it is a duplicate).
  await settleUnclaimed(trx, batch, [...unclaimed, ...taken], outcomes);
  const storedIndexes = candidates.filter((index) => outcomes[index] === 'stored');

  // 3b. The callers' own rows, in arrival order, inside this transaction; then the batched
  //     effects, each run once with its records' items in arrival order.
  for (const index of storedIndexes) await batch[index]!.record.apply?.(trx);
  for (const [run, items] of effectItems(batch, storedIndexes)) await run(trx, items as never[]);

  // 4. Queue the new logged messages for the sequencer, in arrival order (PostgreSQL did in 2).
  const queued = postgres ? [] : storedIndexes.filter((index) => batch[index]!.record.logged);
  if (queued.length > 0) {
    const args: unknown[] = [];
    for (const index of queued) args.push(batch[index]!.record.sha256, batch[index]!.record.kind);
    args.push(nowMs);
    await queueForLog.forCount(queued.length).execute(trx, args);
  }

  return finished(outcomes, followers);
}

/**
 * Step 2 on SQLite: claims the candidates' pairs, then stores the messages of those claimed;
 * sets `outcomes` of the stored and duplicate ones and returns the candidates not claimed.
 */
async function claimAndStoreOnSqlite(
  trx: Transaction<Database>,
  batch: readonly BatchEntry[],
  candidates: readonly number[],
  outcomes: (Outcome | undefined)[],
): Promise<number[]> {
  if (candidates.length === 0) return [];
  const args: unknown[] = [];
  for (const index of sortedBy(candidates, (index) =>
    jtiKey(batch[index]!.record.signer, batch[index]!.record.jti),
  )) {
    const { signer, jti, exp } = batch[index]!.record;
    args.push(signer, jti, exp);
  }
  const claimed = await claimJtis.forCount(candidates.length).execute(trx, args);
  const fresh = new Set(claimed.rows.map((row) => jtiKey(row.signer, row.jti)));
  const isFresh = (index: number) =>
    fresh.has(jtiKey(batch[index]!.record.signer, batch[index]!.record.jti));
  const claimedIndexes = candidates.filter(isFresh);
  if (claimedIndexes.length > 0) {
    const rows: unknown[] = [];
    for (const index of sortedBy(claimedIndexes, (index) => batch[index]!.record.sha256)) {
      const { record, receivedAt } = batch[index]!;
      rows.push(
        record.sha256,
        record.kind,
        record.signer,
        record.companyId,
        record.pseudonym,
        record.jws,
        record.iat,
        record.exp,
        receivedAt,
      );
    }
    const inserted = await insertMessages.forCount(claimedIndexes.length).execute(trx, rows);
    const insertedShas = new Set(inserted.rows.map((row) => row.sha256));
    for (const index of claimedIndexes) {
      outcomes[index] = insertedShas.has(batch[index]!.record.sha256) ? 'stored' : 'duplicate';
    }
  }
  return candidates.filter((index) => !isFresh(index));
}

/**
 * Step 2 on PostgreSQL, in one statement that also queues the stored logged messages (and writes
 * `effects`, for {@link insertBatchInOneStatement}).
 */
async function claimAndStoreOnPostgres(
  executor: Kysely<Database> | Transaction<Database>,
  batch: readonly BatchEntry[],
  candidates: readonly number[],
  outcomes: (Outcome | undefined)[],
  nowMs: number,
  effects: readonly EffectPart[] = [],
): Promise<number[]> {
  if (candidates.length === 0) return [];
  const results = await claimAndStore(
    executor,
    candidates.map((index) => {
      const { record, receivedAt } = batch[index]!;
      return { ...record, receivedAt };
    }),
    nowMs,
    effects,
  );
  const unclaimed: number[] = [];
  for (const index of candidates) {
    const result = results.get(batch[index]!.record.sha256);
    if (result === undefined || !result.claimed) unclaimed.push(index);
    else outcomes[index] = result.stored ? 'stored' : 'duplicate';
  }
  return unclaimed;
}

/**
 * {@link insertBatch} on PostgreSQL as one statement outside any transaction (postgres-batch.ts),
 * for a batch {@link fitsOneStatement} says it can be: one round trip instead of a `begin`, a
 * statement per step and a `commit`. The same outcomes as {@link insertBatch}.
 *
 * @throws the database's error or an effect's refusal of it; nothing is written then. Or
 *   {@link UnsettledRecords} when the statement committed but the check of the records whose jti
 *   was held failed: it carries the outcomes known.
 */
export async function insertBatchInOneStatement(
  db: Kysely<Database>,
  batch: readonly BatchEntry[],
  nowMs: number,
): Promise<Outcome[]> {
  const { outcomes, candidates, followers, taken } = leadersOf(batch);
  // Every candidate's items: the clauses write those of the records the statement stores.
  const effects: EffectPart[] = [...effectItems(batch, candidates)].map(([run, items]) => ({
    clauses: postgresClauses.get(run)!,
    items,
  }));
  const unclaimed = await claimAndStoreOnPostgres(db, batch, candidates, outcomes, nowMs, effects);
  try {
    await settleUnclaimed(db, batch, [...unclaimed, ...taken], outcomes);
  } catch (error) {
    // The statement committed: its stored and duplicate records are settled. Only the ones it
    // did not claim (which stored nothing) are left without an answer, and their copies.
    throw new UnsettledRecords(followLeaders(outcomes, followers), error);
  }
  return finished(outcomes, followers);
}

/**
 * A batch committed, but telling its unclaimed records' duplicates from replays failed: the
 * records with an outcome here are settled; those without stored nothing and fail with `cause`.
 */
export class UnsettledRecords extends Error {
  constructor(
    readonly outcomes: readonly (Outcome | undefined)[],
    cause: unknown,
  ) {
    super('The batch committed; some of its records could not be told duplicate or replayed.', {
      cause,
    });
    this.name = 'UnsettledRecords';
  }
}

/**
 * Whether {@link insertBatchInOneStatement} can store `batch`: no record has an `apply`, and
 * every effect declared its clauses ({@link postgresEffect}).
 */
export function fitsOneStatement(batch: readonly BatchEntry[]): boolean {
  return batch.every(
    ({ record }) =>
      record.apply === undefined &&
      (record.effect === undefined || postgresClauses.has(record.effect.run)),
  );
}

/** The items of the records at `indexes` per batched effect, each in arrival order. */
function effectItems(
  batch: readonly BatchEntry[],
  indexes: readonly number[],
): Map<EffectRun<never>, unknown[]> {
  const effects = new Map<EffectRun<never>, unknown[]>();
  for (const index of indexes) {
    const effect = batch[index]!.record.effect;
    if (effect === undefined) continue;
    const items = effects.get(effect.run);
    if (items === undefined) effects.set(effect.run, [effect.item]);
    else items.push(effect.item);
  }
  return effects;
}

/**
 * Step 1, repeats inside the batch: the first copy of a sha256 leads and later copies follow it;
 * a later use of a (signer, jti) under another sha256 cannot be stored (`taken`): a replay, unless
 * that very message was stored before (a resend, then a duplicate; step 3 tells). Returns the
 * leaders (`candidates`, in arrival order), the followers with their leaders, and `taken`.
 */
function leadersOf(batch: readonly BatchEntry[]): {
  outcomes: (Outcome | undefined)[];
  candidates: number[];
  followers: Array<[follower: number, leader: number]>;
  taken: number[];
} {
  const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(batch.length);
  const leaderOfSha = new Map<string, number>();
  const jtiKeys = new Set<string>();
  const followers: Array<[follower: number, leader: number]> = [];
  const candidates: number[] = [];
  const taken: number[] = [];
  batch.forEach(({ record }, index) => {
    const leader = leaderOfSha.get(record.sha256);
    if (leader !== undefined) {
      followers.push([index, leader]);
      return;
    }
    const key = jtiKey(record.signer, record.jti);
    if (jtiKeys.has(key)) {
      taken.push(index);
      return;
    }
    leaderOfSha.set(record.sha256, index);
    jtiKeys.add(key);
    candidates.push(index);
  });
  return { outcomes, candidates, followers, taken };
}

/**
 * Step 3: a record whose (signer, jti) the database held already is a replay, unless the very
 * same message is stored (then it is a duplicate).
 */
async function settleUnclaimed(
  executor: Kysely<Database> | Transaction<Database>,
  batch: readonly BatchEntry[],
  unclaimed: readonly number[],
  outcomes: (Outcome | undefined)[],
): Promise<void> {
  if (unclaimed.length === 0) return;
  const existing = await executor
    .selectFrom('messages')
    .select('sha256')
    .where(
      'sha256',
      'in',
      unclaimed.map((index) => batch[index]!.record.sha256),
    )
    .execute();
  const stored = new Set(existing.map((row) => row.sha256));
  for (const index of unclaimed)
    outcomes[index] = stored.has(batch[index]!.record.sha256) ? 'duplicate' : 'replayed';
}

/**
 * The outcomes in order: a later copy of a message stored by this batch is a duplicate;
 * otherwise it shares its leader's fate (a duplicate or replay of the same message is the same
 * answer).
 */
function finished(
  outcomes: (Outcome | undefined)[],
  followers: readonly (readonly [follower: number, leader: number])[],
): Outcome[] {
  return followLeaders(outcomes, followers).map((outcome) => outcome ?? 'replayed');
}

/** Sets each follower's outcome from its leader's (none while the leader has none). */
function followLeaders(
  outcomes: (Outcome | undefined)[],
  followers: readonly (readonly [follower: number, leader: number])[],
): (Outcome | undefined)[] {
  for (const [follower, leader] of followers) {
    outcomes[follower] = outcomes[leader] === 'stored' ? 'duplicate' : outcomes[leader];
  }
  return outcomes;
}

// The batch's statements, built once per dialect and row count (db/prepared.ts): arguments laid
// out row after row.
export const maxBatchLimit = 1000;

/**
 * Claims (signer, jti) pairs, row after row; returns the pairs newly claimed (a pair already
 * held is a replay). Shared with the request signatures' claims (`jti-claims.ts`).
 */
export const claimJtis = preparedByCount<unknown[], { signer: string; jti: string }>(
  (db, arg, count) =>
    db
      .insertInto('seen_jtis')
      .values(argumentRows<'seen_jtis'>(arg, count, ['signer', 'jti', 'expires_at']))
      .onConflict((conflict) => conflict.columns(['signer', 'jti']).doNothing())
      .returning(['signer', 'jti']),
  maxBatchLimit,
);

/** A message's columns, in the order of the statement's arguments (row after row). */
const messageColumns = [
  'sha256',
  'kind',
  'signer',
  'company_id',
  'pseudonym',
  'jws',
  'iat',
  'exp',
  'received_at',
] as const;
const insertMessages = preparedByCount<unknown[], { sha256: string }>(
  (db, arg, count) =>
    db
      .insertInto('messages')
      .values(argumentRows<'messages'>(arg, count, messageColumns))
      .onConflict((conflict) => conflict.column('sha256').doNothing())
      .returning('sha256'),
  maxBatchLimit,
);

/** Arguments: sha256 and kind of each row, then the one `created_at` (last). */
const queueForLog = preparedByCount<unknown[], never>(
  (db, arg, count) =>
    db
      .insertInto('log_queue')
      .values(
        argumentRows<'log_queue'>(arg, count, ['sha256', 'kind'], { created_at: arg(2 * count) }),
      ),
  maxBatchLimit,
);

function jtiKey(signer: string, jti: string): string {
  // Neither a signer (base64url) nor a jti (printable ASCII) can contain a newline.
  return `${signer}\n${jti}`;
}

function sortedBy(indexes: readonly number[], key: (index: number) => string): number[] {
  return [...indexes].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
