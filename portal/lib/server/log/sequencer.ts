import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';

import {
  TILE_HEIGHT,
  TILE_WIDTH,
  appendLeaf,
  emptyTreeHash,
  encodeEntryBundle,
  encodeLogEntry,
  formatCheckpoint,
  leafHash,
  openNote,
  parseCheckpoint,
  rightEdgeOf,
  rootFromRightEdge,
  signNote,
  type NoteSigner,
  type NoteVerifier,
  type Sha256,
  unverifiedCheckpointOf,
} from '../../../../protocol/tlog';
import { bytesEqual } from '../../../../protocol/encoding';
import { isProtocolError } from '../../../../protocol/errors';
import { sql } from 'kysely';
import type { ClearinghouseDb } from '../db/database';
import { durableTransaction } from '../db/durable-transaction';
import type { DatabaseDialect } from '../db/schema';
import { createOutageReporter, type OutageLog } from '../db/unreachable';
import {
  SUBTREE_SLOTS,
  loadBundle,
  loadHashTile,
  saveBundle,
  saveHashTile,
  storedHashReader,
  subtreeSlot,
  type LogQueryable,
} from './tile-store';
import { NotLeaderError, type Leadership } from './election';

/** `crypto.hash` where Node has it (>= 20.12), typed for the latin1 form used below. */
const oneShotHash = (
  nodeCrypto as unknown as {
    hash?: (algorithm: string, data: Uint8Array, encoding: 'latin1') => string;
  }
).hash;

/**
 * SHA-256 from node:crypto, synchronous as protocol/tlog wants it (DESIGN "Shared pieces").
 *
 * Node 20's `crypto.hash` (>= 20.12) skips the Hash object, and asking it for a latin1 *string*
 * instead of a Buffer is what makes it cheap: every Buffer it returns is a fresh off-heap
 * allocation, which cost about 2 µs of the 2.8 µs per 65-byte node hash on this machine (the
 * SHA-NI compression itself is a tenth of a microsecond). A latin1 string maps byte i to char
 * code i, and 32 char codes copy into an on-heap Uint8Array in well under 0.1 µs: 0.9 µs per
 * hash in all (docs/performance.md, "Log").
 *
 * @example
 * ```ts
 * const root = rootFromRightEdge(nodeSha256, edge);
 * ```
 */
export const nodeSha256: Sha256 =
  oneShotHash !== undefined
    ? (data) => {
        const digest = oneShotHash('sha256', data, 'latin1');
        const out = new Uint8Array(32);
        for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
        return out;
      }
    : (data) => {
        const digest = createHash('sha256').update(data).digest();
        // A plain Uint8Array view (no copy): Buffer's own equality and JSON forms differ from it.
        return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
      };

/** The log's head after a committed batch: what /log/checkpoint serves. */
export interface LogHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The signed note (C2SP tlog-checkpoint + signed-note). */
  readonly checkpoint: string;
}

/** What one committed batch did, for listeners (receipt long-polls, benchmarks, tests). */
export interface BatchCommit {
  readonly head: LogHead;
  /** Index of the first entry of the batch (the old size). */
  readonly firstIndex: number;
  /** The message hashes sequenced, in index order. */
  readonly sha256s: readonly string[];
  /** Wall time of the transaction, milliseconds. */
  readonly durationMs: number;
}

export interface SequencerOptions {
  /** The log origin, e.g. `localhost:3000/log`: the first checkpoint line and the note key name. */
  origin: string;
  /** Signs checkpoints with the log key (its name must be `origin`). */
  signer: NoteSigner;
  /** The matching verifier: a stored checkpoint this key did not sign stops the start. */
  verifier: NoteVerifier;
  /** Default node:crypto. */
  sha256?: Sha256;
  /** A batch runs at least this often while entries wait (default 250 ms). */
  intervalMs?: number;
  /** A batch runs at once when `notifyQueued` has counted this many waiting entries (default 256). */
  triggerSize?: number;
  /** Most queue rows read per round (default 256; the benchmark uses bigger ones and says so). */
  maxBatch?: number;
  /**
   * While rounds come back full (a backlog), more rounds join the same transaction, up to this
   * many entries in all (default 8,192; at least `maxBatch` is always taken). Set it to
   * `maxBatch` for exactly one round per transaction.
   */
  maxTransactionEntries?: number;
  /** No further round starts once the batch has run this long (default 200 ms). */
  transactionBudgetMs?: number;
  /** Clock in milliseconds (default Date.now). */
  now?: () => number;
  /** Where failed batches are reported (default console.error); the loop retries on its own. */
  onError?: (error: unknown) => void;
  /**
   * Where the loop says that the database cannot be reached (db/unreachable.ts): one line when a
   * batch first finds it so, one when a batch works again, instead of `onError` at every retry
   * (default the process's logger).
   */
  outageLog?: OutageLog;
  /**
   * Several processes on one PostgreSQL database: the loop sequences only while this process
   * leads, and every loop batch is fenced (election.ts). `flush` is an explicit drain and is not
   * gated (the `log_state` row lock keeps it safe). Without it, every process with a loop
   * sequences (SQLite: one process).
   */
  leadership?: Leadership;
}

export interface SequencerStats {
  batches: number;
  entries: number;
  failures: number;
  /** Times the in-memory right edge was found stale (another process sequenced) and re-derived. */
  resyncs: number;
  /** Loop batches the fence stopped because another process had taken the sequencer lock. */
  fenced: number;
}

/**
 * The log's single writer. See {@link createSequencer}.
 */
export interface Sequencer {
  /**
   * Creates the empty log on first use and re-derives the right edge from the tiles, checking
   * that the stored checkpoint is this key's and this origin's. Idempotent; `start` and `flush`
   * call it when needed.
   */
  open(): Promise<void>;
  /** Opens the log and starts the batch loop. */
  start(): Promise<void>;
  /** Sequences everything waiting now, batch after batch; resolves with the head afterwards. */
  flush(): Promise<LogHead>;
  /** Tells the loop that `count` entries were queued (the API calls it after a 201). */
  notifyQueued(count?: number): void;
  /** The head as of the last batch this process committed or saw. */
  head(): LogHead;
  /** Calls `listener` after every committed batch; returns the unsubscribe function. */
  onCommit(listener: (commit: BatchCommit) => void): () => void;
  /** Stops the loop after the batch in flight; nothing is lost (the queue is in the database). */
  stop(): Promise<void>;
  readonly stats: SequencerStats;
}

const maxBatchLimit = 65_536;
const retryDelayMs = 1_000;

interface RightEdge {
  size: number;
  hashes: Uint8Array[];
}

interface PendingRow {
  seq: number;
  sha256: string;
  kind: string;
  company_id: string | null;
  pseudonym: string | null;
  received_at: number;
}

/**
 * Creates the sequencer: it takes waiting rows from `log_queue` in `seq` order, gives them
 * consecutive indices, and in ONE transaction per batch writes the new hash tiles and entry
 * bundles, the index of each message (`log_leaves`), a newly signed checkpoint (`log_state`),
 * and deletes the sequenced queue rows. A crash therefore leaves the old state or the new one,
 * never a mix; see docs/log.md for the argument. The queue is read in rounds of `maxBatch`; while
 * they come back full (a backlog), further rounds join the same transaction up to
 * `maxTransactionEntries` or `transactionBudgetMs`.
 *
 * Single writer across processes: every batch first updates the `log_state` row, which takes
 * that row's lock on PostgreSQL and the database's write lock on SQLite, so a second sequencer
 * waits for the first to commit. It then compares the stored size with its own right edge and
 * re-derives the edge from the tiles when another process moved the log meanwhile.
 *
 * @example
 * ```ts
 * const sequencer = createSequencer(cdb, { origin, signer, verifier });
 * await sequencer.start();
 * // ... after a 201: sequencer.notifyQueued();
 * const head = await sequencer.flush();
 * ```
 */
/**
 * A stored log this process must not continue: another origin, or a checkpoint its key did not
 * sign. The message says which variable to set back; the server's start turns it into its one-line
 * refusal (instance.ts `StartupError`).
 */
export class LogConfigurationError extends Error {
  override name = 'LogConfigurationError';
  constructor(
    /** The setting to correct. */
    readonly variable: 'LOG_ORIGIN' | 'LOG_KEY_PATH',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The stored head of the log (`undefined` when there is none yet), checked to be this log's: the
 * origin `origin`, a checkpoint `verifier` accepts, and the root that checkpoint names. The
 * sequencer opens with it; the server's start asks it before it creates a missing key file, with
 * no verifier when there is no key file (then any stored log is refused for `LOG_KEY_PATH`).
 *
 * @throws {LogConfigurationError} for another origin or key; an Error for a corrupt `log_state`.
 */
export async function loadCheckedHead(
  db: LogQueryable,
  origin: string,
  verifier: NoteVerifier | undefined,
): Promise<{ size: number; rootHash: Uint8Array } | undefined> {
  const row = await db
    .selectFrom('log_state')
    .select(['size', 'root_hash', 'checkpoint'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const size = Number(row.size);
  const rootHash = new Uint8Array(row.root_hash);
  // The origin first (from the unverified text), so a changed LOG_ORIGIN gets its own message.
  const unverified = unverifiedCheckpointOf(row.checkpoint);
  if (unverified.origin !== origin) {
    throw new LogConfigurationError(
      'LOG_ORIGIN',
      `The log's origin is "${unverified.origin}", but this process is configured as "${origin}". ` +
        'Set LOG_ORIGIN to the original origin: verifiers pinned it.',
    );
  }
  if (verifier === undefined) {
    throw new LogConfigurationError(
      'LOG_KEY_PATH',
      'There is no log key file (LOG_KEY_PATH), but the stored log is signed with a key already: ' +
        'set LOG_KEY_PATH to the file that holds that key (restore it from a backup if it is lost).',
    );
  }
  let checkpoint;
  try {
    checkpoint = parseCheckpoint(openNote(row.checkpoint, [verifier]).text);
  } catch (error) {
    throw new LogConfigurationError(
      'LOG_KEY_PATH',
      'The stored checkpoint is not signed by the configured log key. Restore the original key file ' +
        '(LOG_KEY_PATH) instead of starting a second log under a new key.',
      { cause: error },
    );
  }
  if (checkpoint.size !== size || !bytesEqual(checkpoint.rootHash, rootHash)) {
    throw new Error('log_state disagrees with its own checkpoint: the database is corrupt.');
  }
  return { size, rootHash };
}

export function createSequencer(cdb: ClearinghouseDb, options: SequencerOptions): Sequencer {
  const sha256 = options.sha256 ?? nodeSha256;
  const intervalMs = bounded(options.intervalMs ?? 250, 1, 60_000, 'intervalMs');
  const triggerSize = bounded(options.triggerSize ?? 256, 1, maxBatchLimit, 'triggerSize');
  const maxBatch = bounded(options.maxBatch ?? 256, 1, maxBatchLimit, 'maxBatch');
  const maxTransactionEntries = bounded(
    options.maxTransactionEntries ?? 8_192,
    1,
    maxBatchLimit,
    'maxTransactionEntries',
  );
  const transactionBudgetMs = bounded(
    options.transactionBudgetMs ?? 200,
    0,
    60_000,
    'transactionBudgetMs',
  );
  const now = options.now ?? Date.now;
  const onError =
    options.onError ??
    ((error: unknown) => console.error('[log sequencer] batch failed; retrying', error));
  const outage = createOutageReporter('log sequencer', {
    ...(options.outageLog === undefined ? {} : { log: options.outageLog }),
  });
  const { origin, signer, verifier } = options;
  if (signer.name !== origin) throw new Error('The log key must be named after the log origin.');

  const stats: SequencerStats = { batches: 0, entries: 0, failures: 0, resyncs: 0, fenced: 0 };
  const leadership = options.leadership;
  /** Set when this process (re)gains the lead: the next batch re-derives its edge from the database. */
  let takeOver = false;
  const listeners = new Set<(commit: BatchCommit) => void>();
  let edge: RightEdge | undefined;
  let current: LogHead | undefined;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let queuedHint = 0;
  /** The one batch (or start-up) in flight: batches of this process never overlap. */
  let chain: Promise<unknown> = Promise.resolve();
  let loopActive: Promise<void> | undefined;
  let unsubscribeLeadership: (() => void) | undefined;
  /** Whether the failure to write after a failed flush has been reported (once). */
  let storageFailureReported = false;

  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = chain.then(work, work);
    chain = result.catch(() => undefined);
    return result;
  }

  function signCheckpoint(size: number, rootHash: Uint8Array): string {
    return signNote(formatCheckpoint({ origin, size, rootHash, extensions: [] }), [signer]);
  }

  /** The stored size and root (inside a batch: the checkpoint was checked when the log was opened). */
  async function loadSizeAndRoot(
    db: LogQueryable,
  ): Promise<{ size: number; rootHash: Uint8Array } | undefined> {
    const row = await db
      .selectFrom('log_state')
      .select(['size', 'root_hash'])
      .where('id', '=', 1)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { size: Number(row.size), rootHash: new Uint8Array(row.root_hash) };
  }

  /** Reads the stored head and checks it is ours: same origin, signed by this key, matching root. */
  function loadHead(db: LogQueryable): Promise<{ size: number; rootHash: Uint8Array } | undefined> {
    return loadCheckedHead(db, origin, verifier);
  }

  /** The right edge of a stored tree, from its tiles; its root must be the stored root. */
  async function deriveEdge(
    db: LogQueryable,
    size: number,
    rootHash: Uint8Array,
  ): Promise<RightEdge> {
    const hashes = await rightEdgeOf(size, storedHashReader(db));
    if (!bytesEqual(rootFromRightEdge(sha256, hashes), rootHash)) {
      throw new Error(
        `The stored tiles do not hash to the stored root at size ${size}: the database is corrupt.`,
      );
    }
    return { size, hashes };
  }

  async function initialise(): Promise<void> {
    let stored = await loadHead(cdb.db);
    if (stored === undefined) {
      // Only the very first start writes here (a standby must open while the sequencer holds the
      // lock); concurrent first starts: the conflict clause lets exactly one empty head in.
      const empty = emptyTreeHash(sha256);
      await cdb.db
        .insertInto('log_state')
        .values({
          id: 1,
          size: 0,
          root_hash: empty,
          checkpoint: signCheckpoint(0, empty),
          updated_at: now(),
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      stored = await loadHead(cdb.db);
    }
    if (stored === undefined) throw new Error('log_state is missing right after creating it.');
    edge = await deriveEdge(cdb.db, stored.size, stored.rootHash);
    const checkpointRow = await cdb.db
      .selectFrom('log_state')
      .select('checkpoint')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    current = {
      size: stored.size,
      rootHash: stored.rootHash,
      checkpoint: checkpointRow.checkpoint,
    };
  }

  /**
   * One batch in one transaction; resolves with the number of entries sequenced. `fenced`: a
   * loop batch under an election, which writes nothing unless this process still holds the lock.
   */
  async function sequenceBatch(fenced = false): Promise<number> {
    if (edge === undefined) throw new Error('The sequencer has not been started.');
    // Idle ticks cost one indexed read, not a write transaction (and an fsync) every 250 ms.
    const waiting = await cdb.db.selectFrom('log_queue').select('seq').limit(1).executeTakeFirst();
    if (waiting === undefined) return 0;
    const started = performance.now();
    const wasTakeOver = takeOver;
    // Durable before anything below publishes it, without an fsync on the event loop.
    const outcome = await durableTransaction(cdb, async (trx) => {
      // The lock: an update of the one state row (row lock on PostgreSQL, write lock on SQLite)
      // before anything is read, so no other sequencer can commit between our read and our write.
      await trx
        .updateTable('log_state')
        .set((eb) => ({ updated_at: eb.ref('updated_at') }))
        .where('id', '=', 1)
        .execute();
      // The fence, under the row lock: a new leader's batch waits for this one to commit and
      // then re-reads the size below, so checking here and committing later is safe.
      if (fenced && leadership !== undefined) await leadership.fence(trx);
      const stored = await loadSizeAndRoot(trx);
      if (stored === undefined) throw new Error('log_state vanished.');
      let base = edge!;
      if (wasTakeOver || base.size !== stored.size) {
        stats.resyncs++;
        base = await deriveEdge(trx, stored.size, stored.rootHash);
      }

      // A deep queue (a backlog after an outage, a burst) is drained in rounds of `maxBatch`
      // rows inside this one transaction, until `maxTransactionEntries` or `transactionBudgetMs`:
      // one fsync, one checkpoint signature and one rewrite of each touched tile for the lot,
      // instead of one per 256 (docs/log.md). A round that comes back short means the queue is
      // empty, so a normal load still commits one round at a time.
      const rows: PendingRow[] = [];
      for (;;) {
        const round = await readQueue(trx, rows.at(-1)?.seq, maxBatch);
        for (const row of round) rows.push(row);
        if (
          round.length < maxBatch ||
          rows.length + maxBatch > maxTransactionEntries ||
          performance.now() - started >= transactionBudgetMs
        )
          break;
      }
      if (rows.length === 0) {
        return {
          count: 0,
          edge: base,
          head: undefined,
          sha256s: [] as string[],
          firstIndex: base.size,
          rejected: [],
        };
      }

      // A row that cannot become an entry is set aside (log_rejects) rather than stalling the log.
      const accepted: { row: PendingRow; entry: Uint8Array }[] = [];
      const rejected: { row: PendingRow; reason: string }[] = [];
      for (const row of rows) {
        try {
          accepted.push({
            row,
            entry: encodeLogEntry({
              v: 1,
              kind: row.kind,
              company: row.company_id ?? '',
              pseudonym: row.pseudonym,
              time: Math.floor(Number(row.received_at) / 1000),
              sha256: row.sha256,
            }),
          });
        } catch (error) {
          if (!isProtocolError(error)) throw error;
          rejected.push({ row, reason: `${error.code}: ${error.message}` });
        }
      }

      const firstIndex = base.size;
      let hashes = base.hashes;
      /** New hashes per hash tile, keyed `${level}/${index}`, in position order, and the subtrees they complete. */
      const tileAppends = new Map<
        string,
        {
          level: number;
          index: number;
          first: number;
          hashes: Uint8Array[];
          subtrees: { slot: number; hash: Uint8Array }[];
        }
      >();
      const bundleAppends = new Map<number, { first: number; entries: Uint8Array[] }>();
      accepted.forEach(({ entry }, offset) => {
        const index = firstIndex + offset;
        const appended = appendLeaf(sha256, hashes, index, leafHash(sha256, entry));
        hashes = appended.rightEdge;
        for (const node of appended.stored) {
          // C2SP tiles hold the levels that are multiples of the tile height; the subtrees in
          // between go to the tile's `subtrees` slots (server-only, for fast proofs). A subtree
          // completes together with the tile hash of its last leaf, so its tile is in this map.
          const level = Math.floor(node.level / TILE_HEIGHT);
          const inner = node.level - level * TILE_HEIGHT;
          const span = 2 ** (TILE_HEIGHT - inner);
          const tileIndex = Math.floor(node.index / span);
          const key = `${level}/${tileIndex}`;
          let append = tileAppends.get(key);
          if (inner === 0) {
            if (append === undefined) {
              append = {
                level,
                index: tileIndex,
                first: node.index % TILE_WIDTH,
                hashes: [],
                subtrees: [],
              };
              tileAppends.set(key, append);
            }
            append.hashes.push(node.hash);
          } else {
            if (append === undefined)
              throw new Error(`Subtree (${node.level}, ${node.index}) completed outside its tile.`);
            append.subtrees.push({
              slot: subtreeSlot(inner, node.index - tileIndex * span),
              hash: node.hash,
            });
          }
        }
        const bundleIndex = Math.floor(index / TILE_WIDTH);
        let bundle = bundleAppends.get(bundleIndex);
        if (bundle === undefined) {
          bundle = { first: index % TILE_WIDTH, entries: [] };
          bundleAppends.set(bundleIndex, bundle);
        }
        bundle.entries.push(entry);
      });
      const size = firstIndex + accepted.length;

      for (const append of tileAppends.values()) {
        const existing =
          append.first === 0 ? undefined : await loadHashTile(trx, append.level, append.index);
        const existingWidth = existing?.width ?? 0;
        if (existingWidth !== append.first) {
          throw new Error(
            `Hash tile ${append.level}/${append.index} has width ${existingWidth}, expected ${append.first}.`,
          );
        }
        const width = existingWidth + append.hashes.length;
        const subtrees = new Uint8Array(SUBTREE_SLOTS * 32);
        if (existing !== undefined) subtrees.set(existing.subtrees);
        for (const { slot, hash } of append.subtrees) subtrees.set(hash, slot * 32);
        await saveHashTile(
          trx,
          append.level,
          append.index,
          width,
          concat(existing?.data, append.hashes),
          subtrees,
        );
      }
      for (const [bundleIndex, append] of bundleAppends) {
        const existing = append.first === 0 ? undefined : await loadBundle(trx, bundleIndex);
        const existingWidth = existing?.width ?? 0;
        if (existingWidth !== append.first) {
          throw new Error(
            `Entry bundle ${bundleIndex} has width ${existingWidth}, expected ${append.first}.`,
          );
        }
        const data = concat(existing?.data, [encodeEntryBundle(append.entries)]);
        await saveBundle(trx, bundleIndex, existingWidth + append.entries.length, data);
      }

      if (accepted.length > 0) {
        await insertLeaves(
          trx,
          cdb.dialect,
          firstIndex,
          accepted.map(({ row }) => row),
        );
      }
      if (rejected.length > 0) {
        await trx
          .insertInto('log_rejects')
          .values(
            rejected.map(({ row, reason }) => ({ sha256: row.sha256, reason, rejected_at: now() })),
          )
          .onConflict((conflict) => conflict.column('sha256').doNothing())
          .execute();
      }
      await deleteQueued(
        trx,
        cdb.dialect,
        rows.map((row) => row.seq),
      );

      let head: LogHead | undefined;
      if (accepted.length > 0) {
        const rootHash = rootFromRightEdge(sha256, hashes);
        const checkpoint = signCheckpoint(size, rootHash);
        await trx
          .updateTable('log_state')
          .set({ size, root_hash: rootHash, checkpoint, updated_at: now() })
          .where('id', '=', 1)
          .execute();
        head = { size, rootHash, checkpoint };
      }
      return {
        count: rows.length,
        edge: { size, hashes },
        head,
        sha256s: accepted.map(({ row }) => row.sha256),
        firstIndex,
        rejected,
      };
    });

    // Committed: only now does memory move to the new state.
    edge = outcome.edge;
    if (wasTakeOver) takeOver = false;
    for (const { row, reason } of outcome.rejected) {
      onError(
        new Error(
          `Message ${row.sha256} (${row.kind}) cannot be logged and was set aside in log_rejects: ${reason}`,
        ),
      );
    }
    if (outcome.head === undefined) {
      if (current !== undefined && current.size !== edge.size) await refreshHead();
      return outcome.count;
    }
    current = outcome.head;
    stats.batches++;
    stats.entries += outcome.count;
    const commit: BatchCommit = {
      head: outcome.head,
      firstIndex: outcome.firstIndex,
      sha256s: outcome.sha256s,
      durationMs: performance.now() - started,
    };
    for (const listener of listeners) {
      try {
        listener(commit);
      } catch (error) {
        onError(error);
      }
    }
    return outcome.count;
  }

  /** After another process sequenced, take over its head for `head()`. */
  async function refreshHead(): Promise<void> {
    const row = await cdb.db
      .selectFrom('log_state')
      .select(['size', 'root_hash', 'checkpoint'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    current = {
      size: Number(row.size),
      rootHash: new Uint8Array(row.root_hash),
      checkpoint: row.checkpoint,
    };
  }

  function schedule(delayMs: number): void {
    if (!running || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void runLoop();
    }, delayMs);
  }

  const leads = () => leadership === undefined || leadership.isLeader();

  async function runLoop(): Promise<void> {
    if (!running || loopActive !== undefined) return;
    if (!leads()) {
      // A standby only ticks (an in-memory check); the election wakes it when it leads.
      schedule(intervalMs);
      return;
    }
    loopActive = (async () => {
      let delay = intervalMs;
      const loopBatch = async () => {
        const count = await sequenceBatch(leadership !== undefined);
        outage.succeeded();
        return count;
      };
      try {
        queuedHint = 0;
        // A full batch means more wait: go again at once rather than after the interval.
        while (running && leads() && (await exclusive(loopBatch)) >= maxBatch) queuedHint = 0;
      } catch (error) {
        if (error instanceof NotLeaderError) {
          stats.fenced++;
        } else {
          stats.failures++;
          // Once a flush has failed nothing is written until a restart: said once, not at every
          // retry (`ClearinghouseDb.storageFailure`).
          if (cdb.storageFailure?.() === undefined) {
            // A lost connection: one line when it goes and one when it is back, not one a retry.
            if (!outage.failed(error)) onError(error);
          } else if (!storageFailureReported) {
            storageFailureReported = true;
            onError(
              new Error(
                'The log stops sequencing: a flush of the database failed, and nothing is written until the server restarts.',
                { cause: error },
              ),
            );
          }
          delay = Math.max(intervalMs, retryDelayMs);
        }
      } finally {
        loopActive = undefined;
      }
      // Entries announced during the batch need not wait for the next tick.
      schedule(queuedHint >= triggerSize ? 0 : delay);
    })();
    await loopActive;
  }

  async function open(): Promise<void> {
    if (edge === undefined)
      await exclusive(async () => (edge === undefined ? initialise() : undefined));
  }

  return {
    open,

    async start() {
      if (running) return;
      await open();
      running = true;
      unsubscribeLeadership ??= leadership?.onChange((leader) => {
        if (!leader) return;
        // Another process may have sequenced meanwhile: re-read before the first batch.
        takeOver = true;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        schedule(0);
      });
      schedule(0);
    },

    async flush() {
      await open();
      while ((await exclusive(sequenceBatch)) > 0) {
        // keep going until a batch finds the queue empty
      }
      return current!;
    },

    notifyQueued(count = 1) {
      queuedHint += count;
      if (running && queuedHint >= triggerSize && loopActive === undefined) {
        if (timer !== undefined) {
          clearTimeout(timer);
          timer = undefined;
        }
        void runLoop();
      }
    },

    head() {
      if (current === undefined) throw new Error('The sequencer has not been started.');
      return current;
    },

    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async stop() {
      running = false;
      unsubscribeLeadership?.();
      unsubscribeLeadership = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await loopActive;
      await chain;
    },

    get stats() {
      return { ...stats };
    },
  };
}

/**
 * The next `limit` queue rows after `afterSeq` (all when undefined), with what their entries need
 * from `messages`, in `seq` order. A later round of the same transaction starts after the last
 * row of the previous one: those rows are still in the queue until the batch deletes them.
 */
async function readQueue(
  trx: LogQueryable,
  afterSeq: number | undefined,
  limit: number,
): Promise<PendingRow[]> {
  let query = trx
    .selectFrom('log_queue')
    .innerJoin('messages', 'messages.sha256', 'log_queue.sha256')
    .select([
      'log_queue.seq as seq',
      'log_queue.sha256 as sha256',
      'log_queue.kind as kind',
      'messages.company_id as company_id',
      'messages.pseudonym as pseudonym',
      'messages.received_at as received_at',
    ])
    .orderBy('log_queue.seq')
    .limit(limit);
  if (afterSeq !== undefined) query = query.where('log_queue.seq', '>', afterSeq);
  const rows = await query.execute();
  // pg hands bigint back as a string unless its parser is set; numbers make the rest simpler.
  return rows.map((row) => ({
    ...row,
    seq: Number(row.seq),
    received_at: Number(row.received_at),
  }));
}

/**
 * Inserts the (index, received_at, sha256) rows of a batch with ONE bound parameter instead of
 * three per row: building and binding thousands of row tuples cost more than the insert itself.
 * SQLite expands a JSON array of pairs with json_each, PostgreSQL two arrays with unnest.
 * The rows go in index order, and (about) arrival order for the lookup index: both B-trees grow
 * at their right edge (migration 0008_log_speed).
 */
async function insertLeaves(
  trx: LogQueryable,
  dialect: DatabaseDialect,
  firstIndex: number,
  rows: readonly Pick<PendingRow, 'sha256' | 'received_at'>[],
): Promise<void> {
  if (dialect === 'sqlite') {
    const pairs = JSON.stringify(rows.map((row) => [row.received_at, row.sha256]));
    await sql`insert into log_leaves (idx, received_at, sha256)
      select ${firstIndex} + key, json_extract(value, '$[0]'), json_extract(value, '$[1]')
      from json_each(${pairs}) order by key`.execute(trx);
  } else {
    await sql`insert into log_leaves (idx, received_at, sha256)
      select ${firstIndex}::bigint + ord - 1, at, sha
      from unnest(${rows.map((row) => row.sha256)}::text[], ${rows.map((row) => row.received_at)}::bigint[])
        with ordinality as t(sha, at, ord)`.execute(trx);
  }
}

/**
 * Deletes exactly the queue rows a batch read, by seq (one parameter, as above). Not a range: on
 * PostgreSQL a smaller seq can commit after a larger one, so a range could remove a row this
 * batch never saw.
 */
async function deleteQueued(
  trx: LogQueryable,
  dialect: DatabaseDialect,
  seqs: readonly number[],
): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`delete from log_queue where seq in (select value from json_each(${JSON.stringify(seqs)}))`.execute(
      trx,
    );
  } else {
    await sql`delete from log_queue where seq = any(${seqs}::bigint[])`.execute(trx);
  }
}

function concat(prefix: Uint8Array | undefined, parts: readonly Uint8Array[]): Uint8Array {
  let length = prefix?.length ?? 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  if (prefix !== undefined) {
    out.set(prefix, 0);
    offset = prefix.length;
  }
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function bounded(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
