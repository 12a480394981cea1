import { base64Encode } from '../../../../protocol/encoding';
import {
  TILE_WIDTH,
  consistencyProof,
  inclusionProof,
  tileWidthFor,
  type Receipt,
  type Sha256,
} from '../../../../protocol/tlog';
import type { ClearinghouseDb } from '../db/database';
import type { BatchCommit } from './sequencer';
import { nodeSha256 } from './sequencer';
import { FullTileCache, loadBundle, loadHashTile, storedHashReader } from './tile-store';

/**
 * Why a log request was refused. Stable codes (the last segment of the problem `type`), each with
 * its HTTP status; docs/log.md lists them.
 */
export type LogRequestErrorCode =
  | 'log-query-invalid'
  | 'log-size-beyond-tree'
  | 'log-tile-not-found'
  | 'log-entry-pending'
  | 'log-entry-unknown'
  | 'log-entry-not-logged'
  | 'log-entry-rejected';

const statusByCode: Record<LogRequestErrorCode, number> = {
  'log-query-invalid': 400,
  'log-size-beyond-tree': 400,
  'log-tile-not-found': 404,
  // Accepted but not yet sequenced: the client should ask again (Retry-After).
  'log-entry-pending': 202,
  'log-entry-unknown': 404,
  'log-entry-not-logged': 404,
  // Accepted, but the sequencer could not turn it into an entry (log_rejects): our fault.
  'log-entry-rejected': 500,
};

/**
 * A refused log request; `status` is its HTTP status. The routes turn it into problem+json
 * (`portal/lib/server/log/http.ts`).
 *
 * @example
 * ```ts
 * throw new LogRequestError('log-query-invalid', 'index must be a decimal integer');
 * ```
 */
export class LogRequestError extends Error {
  override readonly name = 'LogRequestError';
  readonly code: LogRequestErrorCode;
  readonly status: number;
  constructor(code: LogRequestErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = statusByCode[code];
  }
}

/** JSON of `GET /api/v1/log/proof/inclusion`. */
export interface InclusionProofBody {
  index: number;
  size: number;
  /** Standard base64 hashes, leaf to root (RFC 9162 section 2.1.3). */
  proof: string[];
}

/** JSON of `GET /api/v1/log/proof/consistency`. */
export interface ConsistencyProofBody {
  from: number;
  to: number;
  proof: string[];
}

export interface LogServiceOptions {
  sha256?: Sha256;
  /** In-process commits (the sequencer's `onCommit`): wakes receipt long-polls at once. */
  onCommit?: (listener: (commit: BatchCommit) => void) => () => void;
  /** How often a waiting receipt re-reads the database (other processes may sequence). Default 250 ms. */
  pollMs?: number;
  /** Budget of the full-tile cache, bytes (default 32 MiB). */
  cacheBytes?: number;
}

/** The most a receipt request waits for the sequencer (SPECS "Receipts": long-poll up to 10 s). */
export const maxReceiptWaitMs = 10_000;

/**
 * Read access to the log for the HTTP surface: checkpoint, tiles and bundles (C2SP tlog-tiles),
 * proofs, and receipts. Reads only committed state, so any number of portal processes can serve
 * it beside the one sequencer.
 *
 * Consistency without transactions: the checkpoint is read first, then tiles for the widths its
 * size implies. The log only grows and a tile's hashes never change once written, so a tile read
 * after a later batch is a superset whose prefix is exactly the tile of the older size.
 */
export interface LogService {
  /** The latest signed checkpoint (note text). */
  checkpoint(): Promise<string>;
  /** The size of the latest checkpoint. */
  size(): Promise<number>;
  /** Hash tile bytes (width × 32), or a `log-tile-not-found` error. */
  hashTile(level: number, index: number, width: number): Promise<Uint8Array>;
  /** Entry bundle bytes, or a `log-tile-not-found` error. */
  entryBundle(index: number, width: number): Promise<Uint8Array>;
  inclusionProof(index: number, size: number): Promise<InclusionProofBody>;
  consistencyProof(from: number, to: number): Promise<ConsistencyProofBody>;
  /**
   * The receipt of a logged message (SPECS "Receipts"). While the entry is pending, waits up to
   * `waitMs` (at most 10 s) for the sequencer, then throws `log-entry-pending`; an unknown hash
   * throws `log-entry-unknown` at once, a stored message of a kind that is not logged
   * `log-entry-not-logged`.
   */
  receipt(sha256: string, waitMs: number, signal?: AbortSignal): Promise<Receipt>;
}

/**
 * Creates the read side of the log over the clearinghouse database.
 *
 * @example
 * ```ts
 * const service = createLogService(cdb, { onCommit: sequencer.onCommit });
 * const receipt = await service.receipt(sha256, 10_000);
 * ```
 */
export function createLogService(
  cdb: ClearinghouseDb,
  options: LogServiceOptions = {},
): LogService {
  const sha256 = options.sha256 ?? nodeSha256;
  const pollMs = options.pollMs ?? 250;
  const cache = new FullTileCache(options.cacheBytes ?? 32 * 1024 * 1024);
  const db = cdb.db;

  async function state(): Promise<{ size: number; checkpoint: string }> {
    const row = await db
      .selectFrom('log_state')
      .select(['size', 'checkpoint'])
      .where('id', '=', 1)
      .executeTakeFirst();
    // No state row: the sequencer never started on this database; the log is empty and unsigned.
    if (row === undefined)
      throw new Error('The log has not been initialised (no sequencer started).');
    return { size: Number(row.size), checkpoint: row.checkpoint };
  }

  // Proofs read stored subtree hashes directly (tile-store); every stored hash is immutable, so
  // one reader serves every tree size up to the current one.
  const reader = storedHashReader(db, cache);

  async function inclusionAt(index: number, size: number): Promise<Uint8Array[]> {
    return inclusionProof(sha256, index, size, reader);
  }

  /** Looks a message up in the log, the queue, and the messages table, in the order that cannot miss a move. */
  async function locate(
    hash: string,
  ): Promise<
    | { state: 'sequenced'; index: number }
    | { state: 'pending' | 'unknown' | 'not-logged' | 'rejected' }
  > {
    // Two point reads: the message's primary key gives received_at, which leads the leaves'
    // lookup index (migration 0008_log_speed: that index grows in arrival order, not at random).
    const leaf = async () =>
      db
        .selectFrom('messages')
        .innerJoin('log_leaves', (join) =>
          join
            .onRef('log_leaves.received_at', '=', 'messages.received_at')
            .onRef('log_leaves.sha256', '=', 'messages.sha256'),
        )
        .select('log_leaves.idx as idx')
        .where('messages.sha256', '=', hash)
        .executeTakeFirst();
    let found = await leaf();
    if (found !== undefined) return { state: 'sequenced', index: Number(found.idx) };
    const queued = await db
      .selectFrom('log_queue')
      .select('seq')
      .where('sha256', '=', hash)
      .executeTakeFirst();
    if (queued !== undefined) return { state: 'pending' };
    // The sequencer moves a row from the queue to log_leaves in one transaction: if the queue
    // missed it, that commit happened before, and this second look sees it.
    found = await leaf();
    if (found !== undefined) return { state: 'sequenced', index: Number(found.idx) };
    const rejected = await db
      .selectFrom('log_rejects')
      .select('sha256')
      .where('sha256', '=', hash)
      .executeTakeFirst();
    if (rejected !== undefined) return { state: 'rejected' };
    const message = await db
      .selectFrom('messages')
      .select('sha256')
      .where('sha256', '=', hash)
      .executeTakeFirst();
    return { state: message === undefined ? 'unknown' : 'not-logged' };
  }

  async function receiptFor(index: number): Promise<Receipt | undefined> {
    const { size, checkpoint } = await state();
    // The leaf was committed with a checkpoint covering it, so this holds unless the read raced
    // a database restore; then ask again rather than answer with a proof that cannot verify.
    if (index >= size) return undefined;
    const bundle = await loadBundle(db, Math.floor(index / TILE_WIDTH), cache);
    if (bundle === undefined) throw new Error(`Entry bundle of leaf ${index} is missing.`);
    const entry = entryAt(bundle.data, index % TILE_WIDTH);
    const proof = await inclusionAt(index, size);
    return { v: 1, index, entry: base64Encode(entry), proof: proof.map(base64Encode), checkpoint };
  }

  function waitForCommitOrPoll(
    hash: string,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve) => {
      const delay = Math.max(0, Math.min(pollMs, deadline - Date.now()));
      // `done` runs from a timer, a commit or an abort: never before the constants below exist.
      const done = () => {
        clearTimeout(timer);
        unsubscribe?.();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      const unsubscribe = options.onCommit?.((commit) => {
        if (commit.sha256s.includes(hash)) done();
      });
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  return {
    async checkpoint() {
      return (await state()).checkpoint;
    },

    async size() {
      return (await state()).size;
    },

    async hashTile(level, index, width) {
      const { size } = await state();
      // Only widths some tree size up to the current one implies: a wider one does not exist yet.
      const current = tileWidthFor(size, level, index);
      if (width > current) throw tileNotFound();
      const tile = await loadHashTile(db, level, index, cache);
      if (tile === undefined || tile.width < width) throw tileNotFound();
      return tile.width === width ? tile.data : tile.data.slice(0, width * 32);
    },

    async entryBundle(index, width) {
      const { size } = await state();
      const current = tileWidthFor(size, 0, index);
      if (width > current) throw tileNotFound();
      const bundle = await loadBundle(db, index, cache);
      if (bundle === undefined || bundle.width < width) throw tileNotFound();
      return bundle.width === width ? bundle.data : bundlePrefix(bundle.data, width);
    },

    async inclusionProof(index, size) {
      const current = (await state()).size;
      if (size > current) {
        throw new LogRequestError(
          'log-size-beyond-tree',
          `size ${size} exceeds the tree size ${current}`,
        );
      }
      if (index >= size) {
        throw new LogRequestError('log-query-invalid', 'index must be smaller than size');
      }
      const proof = await inclusionAt(index, size);
      return { index, size, proof: proof.map(base64Encode) };
    },

    async consistencyProof(from, to) {
      const current = (await state()).size;
      if (to > current) {
        throw new LogRequestError(
          'log-size-beyond-tree',
          `to ${to} exceeds the tree size ${current}`,
        );
      }
      if (from > to) throw new LogRequestError('log-query-invalid', 'from must not exceed to');
      const proof = await consistencyProof(sha256, from, to, reader);
      return { from, to, proof: proof.map(base64Encode) };
    },

    async receipt(hash, waitMs, signal) {
      const deadline = Date.now() + Math.max(0, Math.min(waitMs, maxReceiptWaitMs));
      for (;;) {
        const where = await locate(hash);
        if (where.state === 'sequenced') {
          const receipt = await receiptFor(where.index);
          if (receipt !== undefined) return receipt;
        } else if (where.state === 'unknown') {
          throw new LogRequestError(
            'log-entry-unknown',
            'No message with this sha256 was accepted.',
          );
        } else if (where.state === 'rejected') {
          throw new LogRequestError(
            'log-entry-rejected',
            'The message is stored, but the log could not take it; the operators have been alerted.',
          );
        } else if (where.state === 'not-logged') {
          throw new LogRequestError(
            'log-entry-not-logged',
            'This message was accepted, but its kind is not logged (SPECS "What the log holds").',
          );
        }
        if (Date.now() >= deadline || signal?.aborted === true) {
          throw new LogRequestError(
            'log-entry-pending',
            'The message is stored durably and waits for the sequencer; ask again shortly.',
          );
        }
        await waitForCommitOrPoll(hash, deadline, signal);
      }
    },
  };
}

function tileNotFound(): LogRequestError {
  return new LogRequestError('log-tile-not-found', 'The log has no such tile at its current size.');
}

/** The bytes of the first `width` entries of a bundle (each a u16 big-endian length and its bytes). */
function bundlePrefix(data: Uint8Array, width: number): Uint8Array {
  let offset = 0;
  for (let i = 0; i < width; i++) offset = nextEntryOffset(data, offset);
  return data.slice(0, offset);
}

/** Entry `position` of a bundle. */
function entryAt(data: Uint8Array, position: number): Uint8Array {
  let offset = 0;
  for (let i = 0; i < position; i++) offset = nextEntryOffset(data, offset);
  const end = nextEntryOffset(data, offset);
  return data.slice(offset + 2, end);
}

function nextEntryOffset(data: Uint8Array, offset: number): number {
  if (offset + 2 > data.length) throw new Error('A stored entry bundle is truncated.');
  const end = offset + 2 + ((data[offset]! << 8) | data[offset + 1]!);
  if (end > data.length) throw new Error('A stored entry bundle is truncated.');
  return end;
}
