/**
 * A {@link HashReader} over a tree held in memory: every complete subtree's hash, level by level.
 * For tests, for the auditor's full re-read (recompute the root from the entry bundles) and for
 * small logs in the browser. Memory: about two hashes per leaf.
 */
import { ProtocolError } from '../errors';
import { HASH_SIZE, nodeHash, type Sha256 } from './hash';
import type { HashReader, NodeId } from './tree';

/** An in-memory tree that can grow; `size` is its number of leaves. */
export interface MemoryHashReader extends HashReader {
  readonly size: number;
  /** Appends one leaf hash (32 bytes) and every complete subtree it completes. */
  append(leafHash: Uint8Array): void;
}

/**
 * Builds an in-memory tree over `leafHashes` (32 bytes each, in log order).
 *
 * @throws ProtocolError `ERR_TLOG_PROOF_INVALID` for a leaf hash that is not 32 bytes;
 * `readHashes` rejects with `ERR_TLOG_RANGE_INVALID` for a node that is not a complete subtree.
 * @example
 * ```ts
 * const reader = memoryHashReader(entries.map((e) => leafHash(sha256, e)), sha256);
 * const proof = await inclusionProof(sha256, 3, reader.size, reader);
 * ```
 */
export function memoryHashReader(
  leafHashes: readonly Uint8Array[],
  sha256: Sha256,
): MemoryHashReader {
  const levels: Uint8Array[][] = [[]];

  function append(leaf: Uint8Array): void {
    if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE) {
      throw new ProtocolError('ERR_TLOG_PROOF_INVALID', 'leaf hash is not 32 bytes');
    }
    let hash = leaf;
    for (let level = 0; ; level++) {
      const row = (levels[level] ??= []);
      row.push(hash);
      if (row.length % 2 === 1) return;
      hash = nodeHash(sha256, row[row.length - 2]!, hash);
    }
  }

  for (const leaf of leafHashes) append(leaf);

  return {
    get size() {
      return levels[0]!.length;
    },
    append,
    readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
      try {
        return Promise.resolve(
          nodes.map(({ level, index }) => {
            const hash = levels[level]?.[index];
            if (hash === undefined) {
              throw new ProtocolError('ERR_TLOG_RANGE_INVALID', 'no such complete subtree', {
                level,
                index,
              });
            }
            return hash;
          }),
        );
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
  };
}
