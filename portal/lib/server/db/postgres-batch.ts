/**
 * A group commit on PostgreSQL as ONE statement (data-modifying `with` queries over arrays),
 * because there every statement costs a round trip: about 1-2 ms under load at the median
 * (docs/performance.md "API"), and a writer batch ran its statements and its `begin` and `commit`
 * one after the other. A statement is atomic by itself, so a batch whose records' effects can all
 * be written by clauses of the same statement ({@link PostgresEffectClauses}) needs no
 * transaction: one round trip stores it. SQLite runs in-process and keeps the plain statements
 * of `insert-batch.ts`.
 *
 * Rows arrive as one array per column (`unnest`), so a statement has one text whatever the batch
 * size, named once per connection (`named-statements.ts`).
 */
import { CompiledQuery, PostgresAdapter, type QueryResult } from 'kysely';
import type { ProtocolError } from '$protocol/errors';
import type { Executor } from './prepared';

/** Whether `executor` runs on PostgreSQL. */
export function onPostgres(executor: Executor): boolean {
  return executor.getExecutor().adapter instanceof PostgresAdapter;
}

/** Runs a fixed SQL text with `parameters` (logged by Kysely like any other query). */
export function runText<R>(
  executor: Executor,
  text: string,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return executor.executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
}

/**
 * How a batched effect writes its rows as part of the batch's one statement on PostgreSQL.
 *
 * `clauses(first)` are further clauses of the `with` query, each starting with `, name as (`,
 * whose bind parameters are numbered from `$first` on (as many as `parameters` returns). They
 * must write only the rows of items whose message the statement stored: the CTE `stored` holds
 * their `sha256`s. Their names must not clash with the batch's own (`input`, `claimed`, `stored`,
 * `queued`) nor with another effect's.
 *
 * A check the effect makes in JavaScript inside a transaction must here be the database's own
 * (a constraint), since the statement commits by itself; `refusal` turns the error of such a
 * check into the caller's answer.
 */
export interface PostgresEffectClauses<T> {
  clauses(first: number): string;
  parameters(items: readonly T[]): unknown[];
  /** The caller-facing error for a database error this effect's rows caused, if it is one. */
  refusal?(error: unknown): ProtocolError | undefined;
}

/** A record to claim and store: its message row and whether it goes into the log. */
interface StoreRow {
  sha256: string;
  kind: string;
  signer: string;
  jti: string;
  companyId: string | null;
  pseudonym: string | null;
  jws: string;
  iat: number;
  exp: number;
  receivedAt: number;
  logged: boolean;
}

/** What the statement did with a record: its jti claimed (or held already), its message stored. */
interface StoreResult {
  claimed: boolean;
  stored: boolean;
}

/** Effects written by the same statement: each with its items (see {@link PostgresEffectClauses}). */
export interface EffectPart {
  clauses: PostgresEffectClauses<never>;
  items: readonly unknown[];
}

/**
 * Claims each (signer, jti), stores the messages whose jti this claimed, queues the stored logged
 * ones for the sequencer, and writes `effects` for the stored ones, in one statement. Pairs and
 * messages are inserted in a fixed order (by bytes), so concurrent batches take their
 * unique-index locks in the same order; the log queue is filled in the order of `rows` (arrival).
 *
 * The caller tells apart, for a record whose jti was held already, a duplicate from a replay with
 * a later statement: this one sees the table as it was when it began, not a message another
 * node committed while it waited for that pair's lock.
 *
 * @returns per sha256 of `rows` (which must be distinct), whether it was claimed and stored.
 * @throws the database's error (nothing written), or an effect's {@link PostgresEffectClauses.refusal} of it.
 */
export async function claimAndStore(
  executor: Executor,
  rows: readonly StoreRow[],
  nowMs: number,
  effects: readonly EffectPart[] = [],
): Promise<Map<string, StoreResult>> {
  const columns: unknown[][] = Array.from({ length: 11 }, () => []);
  for (const row of rows) {
    columns[0]!.push(row.sha256);
    columns[1]!.push(row.kind);
    columns[2]!.push(row.signer);
    columns[3]!.push(row.jti);
    columns[4]!.push(row.companyId);
    columns[5]!.push(row.pseudonym);
    columns[6]!.push(row.jws);
    columns[7]!.push(row.iat);
    columns[8]!.push(row.exp);
    columns[9]!.push(row.receivedAt);
    columns[10]!.push(row.logged);
  }
  const parameters: unknown[] = [...columns, nowMs];
  let text = claimAndStoreClauses;
  for (const { clauses, items } of effects) {
    text += clauses.clauses(parameters.length + 1);
    parameters.push(...clauses.parameters(items as never[]));
  }
  text += claimAndStoreResult;
  let result: QueryResult<{ sha256: string; claimed: boolean; stored: boolean }>;
  try {
    result = await runText(executor, text, parameters);
  } catch (error) {
    for (const { clauses } of effects) {
      const refusal = clauses.refusal?.(error);
      if (refusal !== undefined) throw refusal;
    }
    throw error;
  }
  return new Map(
    result.rows.map((row) => [row.sha256, { claimed: row.claimed, stored: row.stored }]),
  );
}

const claimAndStoreClauses = `with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
    $7::text[], $8::int8[], $9::int8[], $10::int8[], $11::bool[])
    with ordinality as input(sha256, kind, signer, jti, company_id, pseudonym, jws, iat, exp,
      received_at, logged, ord)
), claimed as (
  insert into seen_jtis (signer, jti, expires_at)
  select signer, jti, exp from input order by signer collate "C", jti collate "C"
  on conflict (signer, jti) do nothing
  returning signer, jti
), stored as (
  insert into messages (sha256, kind, signer, company_id, pseudonym, jws, iat, exp, received_at)
  select i.sha256, i.kind, i.signer, i.company_id, i.pseudonym, i.jws, i.iat, i.exp, i.received_at
  from input i join claimed c on c.signer = i.signer and c.jti = i.jti
  order by i.sha256 collate "C"
  on conflict (sha256) do nothing
  returning sha256
), queued as (
  insert into log_queue (sha256, kind, created_at)
  select i.sha256, i.kind, $12::int8 from input i join stored s on s.sha256 = i.sha256
  where i.logged
  order by i.ord
)`;

const claimAndStoreResult = `
select i.sha256, c.jti is not null as claimed, s.sha256 is not null as stored
from input i
left join claimed c on c.signer = i.signer and c.jti = i.jti
left join stored s on s.sha256 = i.sha256`;

/**
 * Runs `effect`'s clauses for `items` on their own, inside a transaction of the records that
 * stored their messages already (the writer's path for a batch that cannot be one statement).
 *
 * @throws the database's error, or the effect's {@link PostgresEffectClauses.refusal} of it.
 */
export async function runEffectClauses<T>(
  executor: Executor,
  effect: PostgresEffectClauses<T>,
  items: readonly T[],
  shas: readonly string[],
): Promise<void> {
  // The items' messages are stored already: `stored` is just their hashes.
  const text = `with stored as (select unnest($1::text[]) as sha256)${effect.clauses(2)}
select 1 as done`;
  try {
    await runText(executor, text, [shas, ...effect.parameters(items)]);
  } catch (error) {
    throw effect.refusal?.(error) ?? error;
  }
}
