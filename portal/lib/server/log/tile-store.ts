import type { Kysely, Transaction } from 'kysely';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  type HashReader,
  type NodeId,
  type TileId,
  type TileReader,
} from '../../../../protocol/tlog';
import type { Database } from '../db/schema';

/** Anything that runs Kysely queries on the clearinghouse database: the handle or a transaction. */
export type LogQueryable = Kysely<Database> | Transaction<Database>;

/** One stored tile or bundle: the newest width and its bytes. */
export interface StoredTile {
  readonly width: number;
  readonly data: Uint8Array;
}

/** A stored hash tile with the hashes of the complete subtrees inside it (server-only). */
export interface StoredHashTile extends StoredTile {
  readonly subtrees: Uint8Array;
}

const hashSize = 32;
/** Slots of the `subtrees` layout: 128 + 64 + … + 2 hashes for the levels 1..7 inside a tile. */
export const SUBTREE_SLOTS = TILE_WIDTH - 2;

/**
 * The slot of the subtree `position` (left to right) at `innerLevel` (1..7) inside a tile: the
 * rows of the levels are laid out one after the other, 2^(8-level) slots each.
 *
 * @example
 * ```ts
 * subtreeSlot(1, 0); // 0   (the first pair of leaves)
 * subtreeSlot(2, 0); // 128 (the first four)
 * subtreeSlot(7, 1); // 253 (the last slot)
 * ```
 */
export function subtreeSlot(innerLevel: number, position: number): number {
  return TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - innerLevel) + position;
}

/** The level under which entry bundles are cached beside hash tiles (hash tile levels are >= 0). */
const bundleLevel = -1;

/**
 * An LRU of *full* tiles and bundles. Full tiles never change (C2SP tlog-tiles), so caching them
 * needs no invalidation; partial ones are always read from the database, which is what makes
 * several portal processes over one PostgreSQL database serve the same bytes.
 *
 * @example
 * ```ts
 * const cache = new FullTileCache(32 * 1024 * 1024);
 * const reader = databaseTileReader(db, cache);
 * ```
 */
export class FullTileCache {
  readonly #entries = new Map<string, StoredTile | StoredHashTile>();
  readonly #maxBytes: number;
  #bytes = 0;

  /** @param maxBytes the budget; the least recently used tiles are dropped beyond it. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(level: number, index: number): StoredTile | StoredHashTile | undefined {
    const key = `${level}/${index}`;
    const data = this.#entries.get(key);
    if (data !== undefined) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, data);
    }
    return data;
  }

  set(level: number, index: number, tile: StoredTile | StoredHashTile): void {
    const key = `${level}/${index}`;
    const size = bytesOf(tile);
    if (this.#entries.has(key) || size > this.#maxBytes) return;
    this.#entries.set(key, tile);
    this.#bytes += size;
    for (const [oldest, value] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= bytesOf(value);
    }
  }
}

/**
 * The stored hash tile (level, index), newest width, or undefined when the log has none yet.
 *
 * @example
 * ```ts
 * const tile = await loadHashTile(trx, 0, 3); // { width: 17, data: <544 bytes> }
 * ```
 */
export async function loadHashTile(
  db: LogQueryable,
  level: number,
  index: number,
  cache?: FullTileCache,
): Promise<StoredHashTile | undefined> {
  const cached = cache?.get(level, index);
  if (cached !== undefined) return cached as StoredHashTile;
  const row = await db
    .selectFrom('log_tiles')
    .select(['width', 'data', 'subtrees'])
    .where('level', '=', level)
    .where('idx', '=', index)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const tile = {
    width: Number(row.width),
    data: asBytes(row.data),
    subtrees: asBytes(row.subtrees),
  };
  if (tile.width === TILE_WIDTH) cache?.set(level, index, tile);
  return tile;
}

/**
 * Several stored hash tiles at once: the cached full ones from `cache`, all others with ONE
 * query, keyed `${level}/${index}` (missing tiles are absent). A proof needs three or four tiles;
 * one statement instead of one each is what keeps the uncached proof path near 0.3 ms.
 *
 * @example
 * ```ts
 * const tiles = await loadHashTiles(db, [{ level: 0, index: 7 }, { level: 1, index: 0 }]);
 * tiles.get('0/7')?.width; // 256
 * ```
 */
export async function loadHashTiles(
  db: LogQueryable,
  wanted: readonly { level: number; index: number }[],
  cache?: FullTileCache,
): Promise<Map<string, StoredHashTile>> {
  const found = new Map<string, StoredHashTile>();
  const missing: { level: number; index: number }[] = [];
  for (const { level, index } of wanted) {
    const cached = cache?.get(level, index);
    if (cached !== undefined) found.set(`${level}/${index}`, cached as StoredHashTile);
    else missing.push({ level, index });
  }
  if (missing.length === 0) return found;
  const rows = await db
    .selectFrom('log_tiles')
    .select(['level', 'idx', 'width', 'data', 'subtrees'])
    .where((eb) =>
      eb.or(
        missing.map(({ level, index }) => eb.and([eb('level', '=', level), eb('idx', '=', index)])),
      ),
    )
    .execute();
  for (const row of rows) {
    const level = Number(row.level);
    const index = Number(row.idx);
    const tile = {
      width: Number(row.width),
      data: asBytes(row.data),
      subtrees: asBytes(row.subtrees),
    };
    if (tile.width === TILE_WIDTH) cache?.set(level, index, tile);
    found.set(`${level}/${index}`, tile);
  }
  return found;
}

/**
 * The stored entry bundle `index` (the entries of leaves index·256 …), newest width.
 *
 * @example
 * ```ts
 * const bundle = await loadBundle(db, 0); // { width: 3, data: <u16 length || entry, ×3> }
 * ```
 */
export async function loadBundle(
  db: LogQueryable,
  index: number,
  cache?: FullTileCache,
): Promise<StoredTile | undefined> {
  const cached = cache?.get(bundleLevel, index);
  if (cached !== undefined) return cached;
  const row = await db
    .selectFrom('log_bundles')
    .select(['width', 'data'])
    .where('idx', '=', index)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const bundle = { width: Number(row.width), data: asBytes(row.data) };
  if (bundle.width === TILE_WIDTH) cache?.set(bundleLevel, index, bundle);
  return bundle;
}

/**
 * Writes (inserts or widens) hash tile (level, index). Only the sequencer calls it, inside its
 * batch transaction.
 *
 * @example
 * ```ts
 * await saveHashTile(trx, 0, 3, 18, bytes, subtrees);
 * ```
 */
export async function saveHashTile(
  db: LogQueryable,
  level: number,
  index: number,
  width: number,
  data: Uint8Array,
  subtrees: Uint8Array,
): Promise<void> {
  await db
    .insertInto('log_tiles')
    .values({ level, idx: index, width, data, subtrees })
    .onConflict((conflict) =>
      conflict.columns(['level', 'idx']).doUpdateSet({ width, data, subtrees }),
    )
    .execute();
}

/**
 * Writes (inserts or widens) entry bundle `index`; the sequencer's counterpart of saveHashTile.
 *
 * @example
 * ```ts
 * await saveBundle(trx, 0, 4, bytes);
 * ```
 */
export async function saveBundle(
  db: LogQueryable,
  index: number,
  width: number,
  data: Uint8Array,
): Promise<void> {
  await db
    .insertInto('log_bundles')
    .values({ idx: index, width, data })
    .onConflict((conflict) => conflict.column('idx').doUpdateSet({ width, data }))
    .execute();
}

/**
 * A `TileReader` (protocol/tlog) over the database: returns exactly `width` hashes of the tile,
 * the prefix of the stored (newer or equal) width, since the hashes of a tile never change once
 * written. A tile that is missing or narrower than asked means the database lost data the log
 * already committed to: that is an internal failure, never a client error, so it throws a plain
 * Error (the API answers 500).
 *
 * @example
 * ```ts
 * const hashes = tileHashReader(sha256, size, databaseTileReader(db, cache));
 * const proof = await inclusionProof(sha256, index, size, hashes);
 * ```
 */
export function databaseTileReader(db: LogQueryable, cache?: FullTileCache): TileReader {
  return async (tile: TileId) => {
    const stored = await loadHashTile(db, tile.level, tile.index, cache);
    if (stored === undefined || stored.width < tile.width) {
      throw new Error(
        `Hash tile ${tile.level}/${tile.index} of width ${tile.width} is missing from the database.`,
      );
    }
    return stored.width === tile.width ? stored.data : stored.data.subarray(0, tile.width * 32);
  };
}

/**
 * A `HashReader` (protocol/tlog) straight from the stored tiles and the subtree hashes beside
 * them: every complete subtree of the tree is one slot of one row, so a proof at 1M entries is
 * three or four point reads and no hashing (a client, which only has the C2SP tiles, uses
 * `tileHashReader` and recomputes the levels in between). Each tile is read once per call.
 *
 * Asking for a subtree that is not complete in the stored tree is a caller bug or a lost row:
 * a plain Error (the API answers 500).
 *
 * @example
 * ```ts
 * const proof = await inclusionProof(sha256, index, size, storedHashReader(db, cache));
 * ```
 */
export function storedHashReader(db: LogQueryable, cache?: FullTileCache): HashReader {
  return {
    async readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
      const wanted = new Map<string, { level: number; index: number }>();
      const located = nodes.map(({ level, index }) => {
        const tileLevel = Math.floor(level / TILE_HEIGHT);
        const inner = level - tileLevel * TILE_HEIGHT;
        const span = 2 ** (TILE_HEIGHT - inner);
        const tileIndex = Math.floor(index / span);
        const position = index - tileIndex * span;
        const key = `${tileLevel}/${tileIndex}`;
        wanted.set(key, { level: tileLevel, index: tileIndex });
        return { level, index, key, inner, position };
      });
      const loaded = await loadHashTiles(db, [...wanted.values()], cache);
      return located.map(({ level, index, key, inner, position }) => {
        const tile = loaded.get(key);
        // The subtree is complete when the tile holds every hash below it.
        if (tile === undefined || (position + 1) * 2 ** inner > tile.width) {
          throw new Error(`Subtree (${level}, ${index}) is not in the stored tiles.`);
        }
        const slot = inner === 0 ? position : subtreeSlot(inner, position);
        const bytes = inner === 0 ? tile.data : tile.subtrees;
        return bytes.subarray(slot * hashSize, (slot + 1) * hashSize);
      });
    },
  };
}

function bytesOf(tile: StoredTile | StoredHashTile): number {
  return tile.data.length + ('subtrees' in tile ? tile.subtrees.length : 0);
}

/** better-sqlite3 and pg return Buffer, a Uint8Array subclass; keep plain Uint8Array semantics. */
function asBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
