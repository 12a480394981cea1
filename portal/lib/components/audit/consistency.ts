/**
 * The auditor's consistency check between two checkpoints seen (issue 10, "Auditor"), in the
 * browser, exactly as the command-line verifier does it (scripts/verify.ts `checkPrefix`): the
 * consistency proof is built from the log's C2SP tiles, each tile authenticated against the
 * newer, signed root, and `checkConsistentWith` of `protocol/tlog` decides. The tile fetcher is
 * handed in, so nothing here does I/O itself; {@link logTileReader} makes one from `fetch` with
 * the verifier's rules for what a failed download means (docs/log.md, "The auditor's verifier").
 */
import { isProtocolError } from '$protocol/errors';
import {
  checkConsistentWith,
  consistencyProof,
  openCheckpoint,
  tileHashReader,
  tilePath,
  TILE_WIDTH,
  type Checkpoint,
  type NoteVerifier,
  type Sha256,
  type TileId,
  type TileReader,
} from '$protocol/tlog';

/**
 * Why a proof could not be built: no verdict on the log. `unreachable`: no connection, or the
 * log (or a proxy in front of it) answered 429 or a 5xx, so try again later; `missing`: the log
 * does not serve a tile its signed checkpoint implies (a 404, also for the full tile a partial
 * one is the prefix of, or another 4xx). `path` is the tile's path under the log prefix.
 */
export interface Unavailable {
  readonly kind: 'unreachable' | 'missing';
  readonly status?: number;
  readonly path?: string;
}

/** Thrown by {@link logTileReader}'s reader when a tile cannot be had; see {@link Unavailable}. */
export class LogUnavailable extends Error {
  constructor(readonly unavailable: Unavailable) {
    super(`tile ${unavailable.path ?? ''} unavailable (${unavailable.status ?? 'no connection'})`);
  }
}

export interface ConsistencyCheck {
  ok: boolean;
  older?: Checkpoint;
  newer?: Checkpoint;
  /** Hashes in the proof (0 for equal sizes or an empty older tree). */
  proofLength?: number;
  /** The code of the check that failed: the two checkpoints do not belong to one log. */
  error?: string;
  /** The proof could not be built (the log was not reached, …): nothing was decided. */
  unavailable?: Unavailable;
}

/**
 * Checks that the log of `newerNote` extends the log of `olderNote` (both signed notes). A tile
 * the reader could not get is {@link ConsistencyCheck.unavailable}, never a failed check.
 *
 * @example
 * ```ts
 * const result = await checkConsistency(sha256, verifier, origin, a, b, logTileReader((p) => fetch(`/log/${p}`)));
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
    if (error instanceof LogUnavailable) result.unavailable = error.unavailable;
    else if (isProtocolError(error)) result.error = error.code;
    // Anything else (a reader that failed in its own way) decides nothing about the log either.
    else result.unavailable = { kind: 'unreachable' };
  }
  return result;
}

/**
 * A {@link TileReader} over `get` (the log's tile path, e.g. `tile/0/000.p/14`, to its answer),
 * with the command-line verifier's rules (scripts/verify.ts `fetchPartialOrFull`): a partial
 * tile answered 404 is read from the full tile, whose prefix it is (the log grew meanwhile); no
 * connection, 429 or a 5xx is {@link LogUnavailable} `unreachable`; a 404 of both, or another
 * status, is `missing`. The bytes are checked by `tileHashReader`, not here.
 *
 * @example
 * ```ts
 * const readTile = logTileReader((path) => fetch(`/log/${path}`));
 * ```
 */
export function logTileReader(get: (path: string) => Promise<Response>): TileReader {
  const read = async (tile: TileId): Promise<Uint8Array | undefined> => {
    const path = tilePath(tile);
    let response: Response;
    try {
      response = await get(path);
    } catch {
      throw new LogUnavailable({ kind: 'unreachable', path });
    }
    const { status } = response;
    if (status === 200) {
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch {
        throw new LogUnavailable({ kind: 'unreachable', path });
      }
    }
    await response.body?.cancel().catch(() => {});
    if (status === 429 || status >= 500)
      throw new LogUnavailable({ kind: 'unreachable', status, path });
    if (status === 404) return undefined;
    throw new LogUnavailable({ kind: 'missing', status, path });
  };
  return async (tile) => {
    const partial = await read(tile);
    if (partial !== undefined) return partial;
    if (tile.width < TILE_WIDTH) {
      const full = await read({ ...tile, width: TILE_WIDTH });
      // A full tile of the wrong length is passed on whole, for tileHashReader to refuse.
      if (full !== undefined) {
        return full.length === TILE_WIDTH * 32 ? full.subarray(0, tile.width * 32) : full;
      }
    }
    throw new LogUnavailable({ kind: 'missing', status: 404, path: tilePath(tile) });
  };
}
