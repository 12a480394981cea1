/**
 * The auditor's consistency check between two checkpoints seen (issue 10, "Auditor"), in the
 * browser, exactly as the command-line verifier does it (scripts/verify.ts `checkPrefix`): the
 * consistency proof is built from the log's C2SP tiles, each tile authenticated against the
 * newer, signed root, and `checkConsistentWith` of `protocol/tlog` decides. The tile fetcher is
 * handed in, so nothing here does I/O itself.
 */
import { isProtocolError } from '$protocol/errors';
import {
  checkConsistentWith,
  consistencyProof,
  openCheckpoint,
  tileHashReader,
  type Checkpoint,
  type NoteVerifier,
  type Sha256,
  type TileReader,
} from '$protocol/tlog';

export interface ConsistencyCheck {
  ok: boolean;
  older?: Checkpoint;
  newer?: Checkpoint;
  /** Hashes in the proof (0 for equal sizes or an empty older tree). */
  proofLength?: number;
  error?: string;
}

/**
 * Checks that the log of `newerNote` extends the log of `olderNote` (both signed notes).
 *
 * @example
 * ```ts
 * const result = await checkConsistency(sha256, verifier, origin, a, b, (tile) => fetchTile(tile));
 * ```
 */
export async function checkConsistency(
  sha256: Sha256,
  verifier: NoteVerifier,
  origin: string,
  olderNote: string,
  newerNote: string,
  readTile: TileReader,
): Promise<ConsistencyCheck> {
  const result: ConsistencyCheck = { ok: false };
  try {
    let older = openCheckpoint(olderNote, verifier, origin);
    let newer = openCheckpoint(newerNote, verifier, origin);
    // The auditor may pick them in either order; the smaller tree is the older one.
    if (older.size > newer.size) [older, newer] = [newer, older];
    result.older = older;
    result.newer = newer;
    let proof: Uint8Array[] = [];
    if (older.size > 0 && older.size < newer.size) {
      const reader = tileHashReader(sha256, newer.size, readTile, newer.rootHash);
      proof = await consistencyProof(sha256, older.size, newer.size, reader);
    }
    result.proofLength = proof.length;
    checkConsistentWith(sha256, older, newer, proof);
    result.ok = true;
  } catch (error) {
    result.error = isProtocolError(error) ? error.code : 'ERR_TLOG_CONSISTENCY_INVALID';
  }
  return result;
}
