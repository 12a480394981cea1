import { hash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { ProtocolError, type ProtocolErrorCode } from '../../../../protocol/errors';
import type { ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import {
  fitsOneStatement,
  insertBatch,
  insertBatchInOneStatement,
  maxBatchLimit,
  UnsettledRecords,
  type BatchedEffect,
  type Outcome,
  type ValidRecord,
} from './insert-batch';
import type { Database, DatabaseDialect } from './schema';
import { noteWriteRefused, noteWriteStored } from './write-refusals';
import { WriterThreadGone } from './writer-thread';

export { batchedEffect, type BatchedEffect, type EffectRun } from './insert-batch';

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
  /**
   * How long the first record of an idle writer waits for company before committing (default
   * {@link defaultMaxWaitMs}: 2 ms on SQLite, 12 on PostgreSQL).
   */
  maxWaitMs?: number;
  /** Clock in milliseconds, injectable for tests (default `Date.now`). */
  now?: () => number;
}

/**
 * How long a record arriving at an idle writer waits for others by default, per database. A
 * PostgreSQL commit is a round trip to another process and a statement whose fixed cost (it
 * opens and locks seven tables and their indexes) is paid once per commit: at half the grants'
 * maximum rate, 6 ms instead of 2 cut PostgreSQL's CPU per grant by about a fifth, the median
 * answer unchanged (session 30), and 12 instead of 6 cut the p99 there in each of seven
 * alternating pairs (median 37 against 61 ms) for about 1.5 ms more at the median; 20 did not
 * better 12 (docs/performance.md "API", sessions 30 and 31; in session 12, when a commit was
 * about ten statements in a transaction, the commits followed each other at that rate and no
 * wait applied). A SQLite commit costs the writer thread far less, so it keeps the shorter wait.
 */
export const defaultMaxWaitMs: Readonly<Record<DatabaseDialect, number>> = {
  sqlite: 2,
  postgres: 12,
};

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
  /** Transactions PostgreSQL rolled back for another one (deadlock, serialization) and run again. */
  retries: number;
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

/** 2^40 seconds is year 36812: generous, yet every value fits int8 and a JavaScript number. */
const maxSeconds = 2 ** 40;

/**
 * Creates the write path for messages that must be durable before the API answers `201`.
 *
 * Group commit: writes arriving while the writer is idle wait up to `maxWaitMs` for company;
 * writes arriving while a transaction is committing wait for it and form the next batch. Each
 * batch is ONE transaction (messages + seen_jtis + log_queue + the records' rows), or on
 * PostgreSQL mostly one statement, so many writers share one fsync, and every caller's promise
 * settles only after that commit.
 *
 * One bad record never costs the others: when a batch fails as a whole, its records are
 * retried one per commit, and only those the database refuses are rejected.
 *
 * On a SQLite file a batch commits on the writer thread (`writer-thread.ts`, its own connection
 * under `synchronous = FULL`) when the thread runs and knows every record's effect; otherwise
 * through {@link durableTransaction}, where the write-ahead log is flushed on libuv's thread pool
 * before any caller's promise settles. Either way a batch is on disk before its callers hear of
 * it, without freezing the event loop for the flush (better-sqlite3 is synchronous). On
 * PostgreSQL a batch whose records' effects can be clauses of one statement is that one
 * statement, which commits by itself (`postgres-batch.ts`); any other batch is a transaction.
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
  const maxWaitMs = boundedInteger(
    options.maxWaitMs ?? defaultMaxWaitMs[cdb.dialect],
    0,
    1000,
    'maxWaitMs',
  );
  const now = options.now ?? Date.now;
  const stats: DurableWriterStats = {
    batches: 0,
    records: 0,
    stored: 0,
    duplicates: 0,
    replayed: 0,
    failed: 0,
    fallbacks: 0,
    retries: 0,
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

  /**
   * One transaction of `entries`, on disk when it returns: on the SQLite writer thread when it
   * runs and can take them (`writer-thread.ts`; the server's connection is held meanwhile, as a
   * transaction on it would hold it); on PostgreSQL as one statement when the records allow it
   * (`postgres-batch.ts`); otherwise on the server's connection (see {@link durableTransaction}).
   */
  async function transact(entries: Pending[]): Promise<Outcome[]> {
    const nowMs = now();
    const thread = await cdb.writerThread?.();
    if (thread !== undefined && thread.accepts(entries)) {
      try {
        return await thread.commit(entries, nowMs);
      } catch (error) {
        // The thread ended: its connection rolled the batch back, or it had committed and a
        // second try finds the records stored. Either way, again on the server's connection.
        if (!(error instanceof WriterThreadGone)) throw error;
      }
    }
    // PostgreSQL: one statement, atomic by itself, when the records' effects allow it.
    if (cdb.dialect === 'postgres' && fitsOneStatement(entries)) {
      return insertBatchInOneStatement(cdb.db, entries, nowMs);
    }
    return durableTransaction(cdb, (trx) => insertBatch(trx, entries, nowMs));
  }

  /**
   * {@link transact}, again when PostgreSQL rolled the transaction back to let another one finish
   * (a deadlock or a serialization failure, class 40): the same transaction run again normally
   * passes, where failing it would answer a valid message with a 5xx. At most three tries.
   */
  async function transactRetrying(entries: Pending[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await transact(entries);
      } catch (error) {
        if (attempt >= 3 || !rolledBackForAnother(error)) throw error;
        stats.retries++;
      }
    }
  }

  /** Never rejects: every failure is delivered to the affected callers. */
  async function commit(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await transactRetrying(batch);
    } catch (error) {
      if (error instanceof UnsettledRecords) {
        // Committed: the known outcomes stand; the rest stored nothing and hear why.
        stats.batches++;
        batch.forEach((entry, index) => {
          const outcome = error.outcomes[index];
          if (outcome === undefined) fail(entry, error.cause);
          else settle(entry, outcome);
        });
        return;
      }
      if (batch.length === 1 || refusesEveryWrite(error)) {
        // One record, or a database that takes no write at all: one by one would change nothing.
        for (const entry of batch) fail(entry, error);
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
        const [outcome] = await transactRetrying([entry]);
        stats.batches++;
        settle(entry, outcome!);
      } catch (thrown) {
        // One record: if its batch committed without an outcome for it, it stored nothing.
        const error = thrown instanceof UnsettledRecords ? thrown.cause : thrown;
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
      noteWriteStored();
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
      // The caller's own verdict from `apply` or an effect (e.g. a conflict only visible inside
      // the transaction, or a key the database checked: PostgresEffectClauses.refusal).
      entry.reject(error);
      return;
    }
    noteWriteRefused(error);
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

interface Pending {
  record: ValidRecord;
  receivedAt: number;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Errors caused by the record itself (a constraint, a trigger, a value the database will not
 * take), as opposed to the database being unreachable, locked, full or shutting down.
 * SQLite: better-sqlite3's extended result codes. PostgreSQL: SQLSTATE classes 22 (data
 * exception), 23 (integrity constraint violation) and P0 (raised by a trigger or function).
 */
/**
 * The database refuses every write until it is opened again (a failed flush of SQLite's
 * write-ahead log, `ClearinghouseDb.storageFailure`).
 */
function refusesEveryWrite(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === 'ERR_STORAGE_UNAVAILABLE';
}

/** PostgreSQL's deadlock_detected (40P01) and serialization_failure (40001). */
function rolledBackForAnother(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

function isRecordSpecific(error: unknown): boolean {
  // A record's own `apply` or effect refused it, unless the database refuses everything.
  if (error instanceof ProtocolError) return !refusesEveryWrite(error);
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
