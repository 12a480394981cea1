import { ProtocolError } from '../../../../protocol/errors';
import type { ClearinghouseDb } from './database';
import { durableTransaction } from './durable-transaction';
import { claimJtis } from './insert-batch';

/** Claims of `(signer, jti)` pairs in `seen_jtis`, grouped into shared durable commits. */
export interface JtiClaimer {
  /**
   * Records `(signer, jti)` until `expiresAt` (seconds). Resolves `true` once the claim is
   * committed durably, `false` when the pair was claimed before (a replay), including by an
   * earlier claim of the same batch.
   *
   * @throws ProtocolError `ERR_STORAGE_UNAVAILABLE` when the claim could not be committed (then
   *   nothing may be answered as if it had been).
   */
  claim(signer: string, jti: string, expiresAt: number): Promise<boolean>;
  /** Counters for tests: committed transactions and the claims they carried. */
  readonly stats: { batches: number; claims: number };
}

interface Pending {
  signer: string;
  jti: string;
  expiresAt: number;
  resolve: (claimed: boolean) => void;
  reject: (error: unknown) => void;
}

/** Most claims per transaction (3 bind parameters each, well inside both databases' limits). */
const maxBatch = 256;

/**
 * The replay check of request signatures (GET and DELETE, which store nothing else) with group
 * commit, as the durable writer does for POSTs: the claims that arrive while a commit is in
 * flight wait for it and go together into ONE transaction committed by
 * {@link durableTransaction}, whose disk flush (SQLite: of the write-ahead log, on libuv's thread
 * pool instead of the event loop) every claim of the batch shares. A claim resolves only after
 * its commit is on disk, so a request is answered only once its jti is recorded durably: after a
 * crash a replay still finds it. Each claim is an `insert ... on conflict do nothing`, so two
 * nodes cannot both win the same pair; within a batch the first claim of a pair wins.
 *
 * @example
 * ```ts
 * const claims = createJtiClaimer(cdb);
 * if (!(await claims.claim(kid, jti, exp + 60))) throw replayed();
 * ```
 */
export function createJtiClaimer(cdb: ClearinghouseDb): JtiClaimer {
  let queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let scheduled = false;
  const stats = { batches: 0, claims: 0 };

  function schedule(): void {
    // A commit in flight starts the next batch when it ends.
    if (inFlight !== undefined || scheduled) return;
    scheduled = true;
    // The claims of this turn of the event loop join the same transaction.
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    if (inFlight !== undefined || queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    inFlight = commit(batch).finally(() => {
      inFlight = undefined;
      if (queue.length > 0) flush();
    });
  }

  /** Never rejects: the outcome goes to each claim. */
  async function commit(batch: Pending[]): Promise<void> {
    // The first claim of a pair in the batch is its candidate; later ones are replays.
    const firstOf = new Map<string, Pending>();
    for (const pending of batch) {
      const key = pairKey(pending.signer, pending.jti);
      if (!firstOf.has(key)) firstOf.set(key, pending);
    }
    // Sorted, so two nodes' transactions take their unique-index locks in the same order.
    const keys = [...firstOf.keys()].sort();
    const args: unknown[] = [];
    for (const key of keys) {
      const { signer, jti, expiresAt } = firstOf.get(key)!;
      args.push(signer, jti, expiresAt);
    }
    let claimed: Set<string>;
    try {
      const result = await durableTransaction(cdb, (trx) =>
        claimJtis.forCount(keys.length).execute(trx, args),
      );
      claimed = new Set(result.rows.map((row) => pairKey(row.signer, row.jti)));
    } catch (error) {
      const failure = new ProtocolError(
        'ERR_STORAGE_UNAVAILABLE',
        'The request could not be recorded; please try again.',
      );
      failure.cause = error;
      for (const pending of batch) pending.reject(failure);
      return;
    }
    stats.batches++;
    stats.claims += batch.length;
    for (const pending of batch) {
      const key = pairKey(pending.signer, pending.jti);
      pending.resolve(firstOf.get(key) === pending && claimed.has(key));
    }
  }

  return {
    claim(signer, jti, expiresAt) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ signer, jti, expiresAt, resolve, reject });
        schedule();
      });
    },
    get stats() {
      return { ...stats };
    },
  };
}

function pairKey(signer: string, jti: string): string {
  // Neither a signer (base64url) nor a jti (printable ASCII) can contain a newline.
  return `${signer}\n${jti}`;
}
