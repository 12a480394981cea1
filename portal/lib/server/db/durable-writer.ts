import { hash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { ProtocolError, type ProtocolErrorCode } from '../../../../protocol/errors';
import type { ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import { argumentRows, preparedByCount } from './prepared';
import type { Database } from './schema';

/**
 * A verified message on its way into the database. The caller (the API) has parsed and
 * verified the JWS; the writer still checks every field's form and bounds, because a wrong
 * value here would be stored for good.
 */
export interface MessageRecord {
  /** base64url SHA-256 over the ASCII bytes of `jws` (checked against it). */
  sha256: string;
  /** The compact JWS as received. */
  jws: string;
  /** Message kind, e.g. `grant`. */
  kind: string;
  /** `kid` of the signing key (RFC 7638 thumbprint, 43 base64url characters). */
  signer: string;
  /** The payload's `jti`; refused when the same signer used it before. */
  jti: string;
  /** `co_...` when the message concerns a company. */
  companyId?: string | null;
  /** `ps_...` when the message concerns a pseudonym. */
  pseudonym?: string | null;
  /** The payload's `iat`, seconds. */
  iat: number;
  /** The payload's `exp`, seconds; the jti is remembered until then. */
  exp: number;
  /**
   * Whether the message goes into the Merkle log (queued in `log_queue`). The caller decides by
   * kind, from SPECS "What the log holds": the protocol, not the storage layer, owns that rule.
   */
  logged: boolean;
  /**
   * The caller's own rows for this message (an API aggregate: a grant, a company's key), written
   * in the same transaction right after the message, and only when the message is newly stored
   * (not for a duplicate or replay): the message and its effects commit together or not at all.
   * When it throws, this record fails (a `ProtocolError` reaches the caller unchanged) and the
   * other records of the batch are committed without it.
   */
  apply?: (trx: Transaction<Database>) => Promise<void>;
  /**
   * Like `apply`, for the hot paths: the writer collects the `item`s of every newly stored record
   * of the batch that names the same `run` and calls `run` ONCE with all of them (in arrival
   * order), after the records' `apply`s, so a batch of 200 grants costs a few multi-row statements
   * instead of 800 single-row ones. When `run` throws, the batch is retried one record per
   * transaction (as for `apply`), so a `ProtocolError` then fails only its own record.
   */
  effect?: BatchedEffect;
}

/** Rows of many records written by one call; see {@link MessageRecord.effect}. */
export type EffectRun<T> = (trx: Transaction<Database>, items: readonly T[]) => Promise<void>;

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

/**
 * The outcome of one write, known only after the commit:
 * - `stored`: durable (and queued for the log when `logged`).
 * - `duplicate`: a message with this sha256 was already stored; nothing changed. Retrying a
 *   request whose answer was lost is therefore safe.
 * - `replayed`: another message of this signer already used this jti; nothing was stored.
 */
export type WriteResult =
  | { status: 'stored'; sha256: string; receivedAt: number }
  | { status: 'duplicate'; sha256: string }
  | { status: 'replayed'; sha256: string };

export interface DurableWriterOptions {
  /** Most records per transaction (default 256, at most 1000 to stay within bind-parameter limits). */
  maxBatch?: number;
  /** How long the first record of an idle writer waits for company before committing (default 2 ms). */
  maxWaitMs?: number;
  /** Clock in milliseconds, injectable for tests (default `Date.now`). */
  now?: () => number;
}

/**
 * The server's writer options from the environment: `WRITER_MAX_WAIT_MS`, how long a message
 * arriving at an idle writer waits for others to share its commit (docs/operations.md). Unset:
 * the default of {@link createDurableWriter}.
 *
 * @throws Error naming the variable, for anything but a whole number from 0 to 1000 (a typo
 *   must stop the start rather than run with a setting the operator did not mean).
 * @example
 * ```ts
 * writerOptionsFromEnv({ WRITER_MAX_WAIT_MS: '8' }); // { maxWaitMs: 8 }
 * ```
 */
export function writerOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DurableWriterOptions {
  const raw = env.WRITER_MAX_WAIT_MS?.trim();
  if (raw === undefined || raw === '') return {};
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 1000) {
    throw new Error('WRITER_MAX_WAIT_MS must be a whole number of milliseconds from 0 to 1000.');
  }
  return { maxWaitMs: Number(raw) };
}

/** Counters for tests and benchmarks. */
export interface DurableWriterStats {
  /** Committed transactions (group commits, plus single-record retries after a failed batch). */
  batches: number;
  /** Records settled by a committed transaction: stored + duplicates + replayed. */
  records: number;
  stored: number;
  duplicates: number;
  replayed: number;
  /** Writes rejected with a storage error. */
  failed: number;
  /** Batches that failed as a whole and were retried record by record. */
  fallbacks: number;
}

export interface DurableWriter {
  /**
   * Resolves once the record is committed (or known to be a duplicate or replay). Rejects with a
   * `ProtocolError`: `ERR_MESSAGE_INVALID` / `ERR_MESSAGE_TOO_LARGE` for a malformed record
   * (nothing queued), `ERR_STORAGE_WRITE_FAILED` when the database refused this record,
   * `ERR_STORAGE_UNAVAILABLE` when the database is unreachable or the writer is closed.
   */
  write(record: MessageRecord): Promise<WriteResult>;
  /** Commits everything queued, then refuses new writes. Does not close the database. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  readonly stats: DurableWriterStats;
}

/** The largest compact JWS the clearinghouse stores (a disclosure may carry a sealed export). */
export const maxJwsLength = 1_048_576;

const maxBatchLimit = 1000;
/** 2^40 seconds is year 36812: generous, yet every value fits int8 and a JavaScript number. */
const maxSeconds = 2 ** 40;

/**
 * Creates the write path for messages that must be durable before the API answers `201`.
 *
 * Group commit: writes arriving while the writer is idle wait up to `maxWaitMs` for company;
 * writes arriving while a transaction is committing wait for it and form the next batch. Each
 * batch is ONE transaction (messages + seen_jtis + log_queue), so many writers share one
 * fsync, and every caller's promise settles only after that transaction committed.
 *
 * One bad record never costs the others: when a batch fails as a whole, its records are
 * retried one per transaction, and only those the database refuses are rejected.
 *
 * Each batch commits through {@link durableTransaction}: on a SQLite file the write-ahead log is
 * fsynced on libuv's thread pool before any caller's promise settles, as durable as
 * `synchronous = FULL` (which fsyncs the same file inside COMMIT), without freezing the event
 * loop for the length of a disk flush (better-sqlite3 is synchronous).
 *
 * @example
 * ```ts
 * const writer = createDurableWriter(cdb);
 * const result = await writer.write({ sha256, jws, kind: 'grant', signer: kid, jti, companyId,
 *   pseudonym, iat, exp, logged: true });
 * if (result.status === 'stored') respond(201, { sha256, status: 'pending' });
 * ```
 */
export function createDurableWriter(
  cdb: ClearinghouseDb,
  options: DurableWriterOptions = {},
): DurableWriter {
  const maxBatch = boundedInteger(options.maxBatch ?? 256, 1, maxBatchLimit, 'maxBatch');
  const maxWaitMs = boundedInteger(options.maxWaitMs ?? 2, 0, 1000, 'maxWaitMs');
  const now = options.now ?? Date.now;
  const stats: DurableWriterStats = {
    batches: 0,
    records: 0,
    stored: 0,
    duplicates: 0,
    replayed: 0,
    failed: 0,
    fallbacks: 0,
  };

  const queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;

  function schedule(): void {
    // A commit in flight drains the queue when it finishes: no timer needed meanwhile.
    if (inFlight !== undefined) return;
    if (queue.length >= maxBatch) flushNow();
    else timer ??= setTimeout(flushNow, maxWaitMs);
  }

  function flushNow(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (inFlight !== undefined || queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
    inFlight = commit(batch).finally(() => {
      inFlight = undefined;
      // Whatever queued up during the commit has already waited one commit: go at once.
      if (queue.length > 0) flushNow();
    });
  }

  /** One transaction of `entries`, on disk when it returns (see {@link durableTransaction}). */
  function transact(entries: Pending[]): Promise<Outcome[]> {
    return durableTransaction(cdb, (trx) => insertBatch(trx, entries, now()));
  }

  /** Never rejects: every failure is delivered to the affected callers. */
  async function commit(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await transact(batch);
    } catch (error) {
      if (batch.length === 1) {
        fail(batch[0]!, error);
        return;
      }
      stats.fallbacks++;
      await commitOneByOne(batch);
      return;
    }
    stats.batches++;
    batch.forEach((entry, index) => settle(entry, outcomes[index]!));
  }

  async function commitOneByOne(batch: Pending[]): Promise<void> {
    for (let index = 0; index < batch.length; index++) {
      const entry = batch[index]!;
      try {
        const [outcome] = await transact([entry]);
        stats.batches++;
        settle(entry, outcome!);
      } catch (error) {
        fail(entry, error);
        if (!isRecordSpecific(error)) {
          // The database itself is in trouble (gone, full, locked): trying the rest one by one
          // would only make each caller wait for its own timeout.
          for (const rest of batch.slice(index + 1)) fail(rest, error);
          return;
        }
      }
    }
  }

  function settle(entry: Pending, outcome: Outcome): void {
    stats.records++;
    const { sha256 } = entry.record;
    if (outcome === 'stored') {
      stats.stored++;
      entry.resolve({ status: 'stored', sha256, receivedAt: entry.receivedAt });
    } else if (outcome === 'duplicate') {
      stats.duplicates++;
      entry.resolve({ status: 'duplicate', sha256 });
    } else {
      stats.replayed++;
      entry.resolve({ status: 'replayed', sha256 });
    }
  }

  function fail(entry: Pending, error: unknown): void {
    stats.failed++;
    if (error instanceof ProtocolError) {
      // The caller's own verdict from `apply` (e.g. a conflict only visible inside the transaction).
      entry.reject(error);
      return;
    }
    const code: ProtocolErrorCode = isRecordSpecific(error)
      ? 'ERR_STORAGE_WRITE_FAILED'
      : 'ERR_STORAGE_UNAVAILABLE';
    const failure = new ProtocolError(
      code,
      code === 'ERR_STORAGE_WRITE_FAILED'
        ? 'The database refused to store this message.'
        : 'The database is unavailable; the message was not stored.',
    );
    // The database's own error stays server-side (logs), never in the caller-facing detail.
    failure.cause = error;
    entry.reject(failure);
  }

  return {
    write(record: MessageRecord): Promise<WriteResult> {
      if (closing) {
        return Promise.reject(
          new ProtocolError('ERR_STORAGE_UNAVAILABLE', 'The durable writer is closed.'),
        );
      }
      let valid: ValidRecord;
      try {
        valid = validateRecord(record);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<WriteResult>((resolve, reject) => {
        queue.push({ record: valid, receivedAt: now(), resolve, reject });
        schedule();
      });
    },

    close(): Promise<void> {
      closing = true;
      closed ??= (async () => {
        flushNow();
        // Each finished commit starts the next one while the queue is not empty.
        while (inFlight !== undefined) await inFlight;
      })();
      return closed;
    },

    get stats(): DurableWriterStats {
      return { ...stats };
    },
  };
}

interface ValidRecord {
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

interface Pending {
  record: ValidRecord;
  receivedAt: number;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = WriteResult['status'];

/**
 * The batch inside its transaction; returns one outcome per entry, in order.
 *
 * Conflicts are settled by the database (`on conflict do nothing ... returning`), not by a
 * read-then-write, so two portal processes writing the same message cannot both store it.
 * Keys are inserted in sorted order so concurrent transactions take their unique-index locks
 * in the same order and cannot deadlock on PostgreSQL.
 */
async function insertBatch(
  trx: Transaction<Database>,
  batch: Pending[],
  nowMs: number,
): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(batch.length);

  // 1. Repeats inside the batch: the first copy of a sha256 leads and later copies follow it;
  //    a later use of a (signer, jti) under another sha256 is a replay.
  const leaderOfSha = new Map<string, number>();
  const jtiKeys = new Set<string>();
  const followers: Array<[follower: number, leader: number]> = [];
  const candidates: number[] = [];
  batch.forEach(({ record }, index) => {
    const leader = leaderOfSha.get(record.sha256);
    if (leader !== undefined) {
      followers.push([index, leader]);
      return;
    }
    const key = jtiKey(record.signer, record.jti);
    if (jtiKeys.has(key)) {
      outcomes[index] = 'replayed';
      return;
    }
    leaderOfSha.set(record.sha256, index);
    jtiKeys.add(key);
    candidates.push(index);
  });

  // 2. Claim each (signer, jti). A pair the database already holds is a replay, unless the
  //    very same message is stored (then it is a duplicate).
  const fresh = new Set<string>();
  if (candidates.length > 0) {
    const args: unknown[] = [];
    for (const index of sortedBy(candidates, (index) =>
      jtiKey(batch[index]!.record.signer, batch[index]!.record.jti),
    )) {
      const { signer, jti, exp } = batch[index]!.record;
      args.push(signer, jti, exp);
    }
    const claimed = await claimJtis.forCount(candidates.length).execute(trx, args);
    for (const row of claimed.rows) fresh.add(jtiKey(row.signer, row.jti));
  }
  const unclaimed = candidates.filter(
    (index) => !fresh.has(jtiKey(batch[index]!.record.signer, batch[index]!.record.jti)),
  );
  if (unclaimed.length > 0) {
    const existing = await trx
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

  // 3. Store the messages. A conflict here means the message was stored before and its jti has
  //    since been purged: still a duplicate.
  const claimedIndexes = candidates.filter((index) => outcomes[index] === undefined);
  if (claimedIndexes.length > 0) {
    const args: unknown[] = [];
    for (const index of sortedBy(claimedIndexes, (index) => batch[index]!.record.sha256)) {
      const { record, receivedAt } = batch[index]!;
      args.push(
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
    const inserted = await insertMessages.forCount(claimedIndexes.length).execute(trx, args);
    const insertedShas = new Set(inserted.rows.map((row) => row.sha256));
    for (const index of claimedIndexes) {
      outcomes[index] = insertedShas.has(batch[index]!.record.sha256) ? 'stored' : 'duplicate';
    }
  }

  // 3b. The callers' own rows, in arrival order, inside this transaction; then the batched
  //     effects, each run once with its records' items in arrival order.
  const effects = new Map<EffectRun<never>, unknown[]>();
  for (const index of claimedIndexes) {
    if (outcomes[index] !== 'stored') continue;
    const { apply, effect } = batch[index]!.record;
    if (apply !== undefined) await apply(trx);
    if (effect !== undefined) {
      const items = effects.get(effect.run);
      if (items === undefined) effects.set(effect.run, [effect.item]);
      else items.push(effect.item);
    }
  }
  for (const [run, items] of effects) await run(trx, items as never[]);

  // 4. Queue the new logged messages for the sequencer, in arrival order.
  const queued = claimedIndexes.filter(
    (index) => outcomes[index] === 'stored' && batch[index]!.record.logged,
  );
  if (queued.length > 0) {
    const args: unknown[] = [];
    for (const index of queued) args.push(batch[index]!.record.sha256, batch[index]!.record.kind);
    args.push(nowMs);
    await queueForLog.forCount(queued.length).execute(trx, args);
  }

  // A later copy of a message stored by this batch is a duplicate; otherwise it shares its
  // leader's fate (a duplicate or replay of the same message is the same answer).
  for (const [follower, leader] of followers) {
    outcomes[follower] = outcomes[leader] === 'stored' ? 'duplicate' : outcomes[leader];
  }
  return outcomes.map((outcome) => outcome ?? 'replayed');
}

// The batch's statements, built once per dialect and row count (db/prepared.ts): arguments laid
// out row after row.
const claimJtis = preparedByCount<unknown[], { signer: string; jti: string }>(
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

function sortedBy(indexes: number[], key: (index: number) => string): number[] {
  return [...indexes].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/**
 * Errors caused by the record itself (a constraint, a trigger, a value the database will not
 * take), as opposed to the database being unreachable, locked, full or shutting down.
 * SQLite: better-sqlite3's extended result codes. PostgreSQL: SQLSTATE classes 22 (data
 * exception), 23 (integrity constraint violation) and P0 (raised by a trigger or function).
 */
function isRecordSpecific(error: unknown): boolean {
  if (error instanceof ProtocolError) return true; // raised by a record's own `apply`
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  if (typeof code !== 'string') return false;
  if (code.startsWith('SQLITE_')) {
    return (
      code.startsWith('SQLITE_CONSTRAINT') ||
      code === 'SQLITE_MISMATCH' ||
      code === 'SQLITE_TOOBIG' ||
      code === 'SQLITE_RANGE'
    );
  }
  return /^(22|23|P0)[0-9A-Z]{3}$/.test(code);
}

const base64url43 = /^[A-Za-z0-9_-]{43}$/;
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
const kindPattern = /^[a-z][a-z0-9-]{0,39}$/;
const jtiPattern = /^[\x21-\x7e]{1,128}$/;
const companyIdPattern = /^co_[A-Za-z0-9_-]{43}$/;
const pseudonymPattern = /^ps_[A-Za-z0-9_-]{43}$/;

/** Checks form and bounds of every field; throws `ERR_MESSAGE_INVALID` naming the field. */
function validateRecord(record: MessageRecord): ValidRecord {
  if (typeof record !== 'object' || record === null) invalid('record');
  const { sha256, jws, kind, signer, jti, iat, exp, logged } = record;
  if (typeof jws !== 'string') invalid('jws');
  if (jws.length > maxJwsLength) {
    throw new ProtocolError(
      'ERR_MESSAGE_TOO_LARGE',
      `The message exceeds ${maxJwsLength} characters.`,
      {
        field: 'jws',
        limit: maxJwsLength,
      },
    );
  }
  if (!compactJws.test(jws)) invalid('jws');
  if (typeof sha256 !== 'string' || !base64url43.test(sha256)) invalid('sha256');
  // One-shot: no Hash object (a native handle the garbage collector must finalize) per record.
  // `jws` matched `compactJws` above, so it is ASCII and its UTF-8 bytes are its latin1 bytes.
  if (hash('sha256', jws, 'base64url') !== sha256) invalid('sha256');
  if (typeof kind !== 'string' || !kindPattern.test(kind)) invalid('kind');
  if (typeof signer !== 'string' || !base64url43.test(signer)) invalid('signer');
  if (typeof jti !== 'string' || !jtiPattern.test(jti)) invalid('jti');
  const companyId = record.companyId ?? null;
  if (companyId !== null && (typeof companyId !== 'string' || !companyIdPattern.test(companyId)))
    invalid('companyId');
  const pseudonym = record.pseudonym ?? null;
  if (pseudonym !== null && (typeof pseudonym !== 'string' || !pseudonymPattern.test(pseudonym)))
    invalid('pseudonym');
  if (!isSeconds(iat)) invalid('iat');
  if (!isSeconds(exp) || exp < iat) invalid('exp');
  if (typeof logged !== 'boolean') invalid('logged');
  const apply = record.apply;
  if (apply !== undefined && typeof apply !== 'function') invalid('apply');
  const effect = record.effect;
  if (effect !== undefined && typeof effect?.run !== 'function') invalid('effect');
  return { sha256, jws, kind, signer, jti, companyId, pseudonym, iat, exp, logged, apply, effect };
}

function isSeconds(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= maxSeconds
  );
}

function invalid(field: string): never {
  throw new ProtocolError(
    'ERR_MESSAGE_INVALID',
    `The message record's ${field} is missing or malformed.`,
    { field },
  );
}

function boundedInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
