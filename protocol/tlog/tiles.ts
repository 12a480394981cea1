/**
 * C2SP tlog-tiles: tile arithmetic, tile and entry-bundle paths, entry bundles, and a
 * {@link HashReader} over tiles (https://c2sp.org/tlog-tiles).
 *
 * A tile at level L, index N holds up to 256 hashes of the subtrees of height 8·L that start at
 * leaf N·256·256^L, left to right; only complete subtrees appear, so a tree of size s has
 * floor(s / 256^L) hashes at level L (SPECS "The log"). Hashes at levels that are not multiples of
 * 8 are not stored anywhere: they are computed from the tile below them.
 *
 * Paths are attacker-controlled on the server (they come from URLs): {@link parseTilePath} accepts
 * only the canonical form, with bounded numbers, so one tile never has two names.
 */
import { ProtocolError, type ProtocolErrorCode } from '../errors';
import { bytesEqual } from '../encoding';
import { HASH_SIZE, nodeHash, type Sha256 } from './hash';
import { rightEdgeNodes, type HashReader, type NodeId } from './tree';

/** Height of a tile: 8 levels of the tree, 2^8 hashes. */
export const TILE_HEIGHT = 8;
/** Hashes (or entries) in a full tile. */
export const TILE_WIDTH = 256;
/** Highest tile level a path may name (C2SP tlog-tiles: L is 0..63). */
export const MAX_TILE_LEVEL = 63;
/** Largest entry an entry bundle can carry: its length is a big-endian uint16. */
export const MAX_BUNDLE_ENTRY_SIZE = 0xffff;

/** A tile: `width` is how many hashes (or entries) it holds, 1..256; 256 is a full tile. */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

/**
 * Reads one hash tile and returns its `width` hashes concatenated (width · 32 bytes). It is given
 * the width the tree size implies; the server answers from its store, a browser fetches
 * `tilePath(tile)` (a full tile where one exists at a larger width is fine too, see C2SP). A
 * rejection is passed through to the caller unchanged.
 */
export type TileReader = (tile: TileId) => Promise<Uint8Array>;

function fail(code: ProtocolErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new ProtocolError(code, message, detail);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function checkTile(tile: TileId, code: ProtocolErrorCode): void {
  if (
    typeof tile !== 'object' ||
    tile === null ||
    !isCount(tile.level) ||
    tile.level > MAX_TILE_LEVEL ||
    !isCount(tile.index) ||
    !isCount(tile.width) ||
    tile.width < 1 ||
    tile.width > TILE_WIDTH
  ) {
    fail(code, 'not a tile: level 0..63, index a safe integer, width 1..256');
  }
}

/**
 * The tile index in C2SP form: groups of three digits, every group but the last prefixed `x`.
 *
 * @throws ProtocolError `ERR_TLOG_PATH_INVALID` unless `n` is a safe non-negative integer.
 * @example
 * ```ts
 * formatTileIndex(1234067) // 'x001/x234/067'
 * formatTileIndex(5)       // '005'
 * ```
 */
export function formatTileIndex(n: number): string {
  if (!isCount(n)) fail('ERR_TLOG_PATH_INVALID', 'tile index is not a safe non-negative integer');
  let out = String(n % 1000).padStart(3, '0');
  for (let rest = Math.floor(n / 1000); rest > 0; rest = Math.floor(rest / 1000)) {
    out = `x${String(rest % 1000).padStart(3, '0')}/${out}`;
  }
  return out;
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/**
 * The path of a hash tile under the log prefix.
 *
 * @throws ProtocolError `ERR_TLOG_PATH_INVALID` for a level above 63, a bad index or a width
 * outside 1..256.
 * @example
 * ```ts
 * tilePath({ level: 0, index: 1234067, width: 256 }) // 'tile/0/x001/x234/067'
 * tilePath({ level: 1, index: 5, width: 12 })        // 'tile/1/005.p/12'
 * ```
 */
export function tilePath(tile: TileId): string {
  checkTile(tile, 'ERR_TLOG_PATH_INVALID');
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/**
 * The path of the entry bundle that goes with level-0 tile `index`.
 *
 * @example
 * ```ts
 * entryBundlePath(3, 256) // 'tile/entries/003'
 * entryBundlePath(3, 7)   // 'tile/entries/003.p/7'
 * ```
 */
export function entryBundlePath(index: number, width: number): string {
  checkTile({ level: 0, index, width }, 'ERR_TLOG_PATH_INVALID');
  return `tile/entries/${formatTileIndex(index)}${widthSuffix(width)}`;
}

/** Longest canonical path: 'tile/entries/' + 6 groups + '.p/255'. */
const MAX_PATH_LENGTH = 64;
const PATH_PATTERN =
  /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/){0,5}[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a tile or entry-bundle path (the part after the log prefix, e.g. `tile/0/x001/000.p/3`).
 * Only the canonical form is accepted: the one {@link tilePath} or {@link entryBundlePath}
 * writes, so `tile/0/x000/005`, `tile/00/000`, `.p/0` and `.p/256` are refused.
 *
 * @throws ProtocolError `ERR_TLOG_PATH_INVALID` for anything else.
 * @example
 * ```ts
 * parseTilePath('tile/1/x002/017.p/9') // { kind: 'hash', level: 1, index: 2017, width: 9 }
 * parseTilePath('tile/entries/000')     // { kind: 'entries', index: 0, width: 256 }
 * ```
 */
export function parseTilePath(
  path: string,
):
  | { kind: 'hash'; level: number; index: number; width: number }
  | { kind: 'entries'; index: number; width: number } {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) {
    fail('ERR_TLOG_PATH_INVALID', 'not a tile path');
  }
  const match = PATH_PATTERN.exec(path);
  if (match === null) fail('ERR_TLOG_PATH_INVALID', 'not a tile path');
  const [, levelText, indexText, widthText] = match;
  let index = 0;
  for (const group of indexText!.split('/')) {
    index = index * 1000 + Number(group.startsWith('x') ? group.slice(1) : group);
  }
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (!Number.isSafeInteger(index) || (widthText !== undefined && width >= TILE_WIDTH)) {
    fail('ERR_TLOG_PATH_INVALID', 'tile index or width out of range');
  }
  // Refuses leading zero groups ('x000/005' names tile 5, whose one name is '005').
  if (formatTileIndex(index) !== indexText) {
    fail('ERR_TLOG_PATH_INVALID', 'tile index is not in canonical form');
  }
  if (levelText === 'entries') return { kind: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) fail('ERR_TLOG_PATH_INVALID', 'tile level out of range');
  return { kind: 'hash', level, index, width };
}

/**
 * How many hashes tile (`level`, `index`) holds in a tree of `treeSize` leaves: 256 when full,
 * 1..255 when partial, 0 when the tile does not exist at that size.
 *
 * @throws ProtocolError `ERR_TLOG_RANGE_INVALID` for arguments that are not safe integers.
 * @example
 * ```ts
 * tileWidthFor(1000, 0, 3) // 232: leaves 768..999
 * tileWidthFor(1000, 1, 0) // 3: subtrees of 256 leaves
 * tileWidthFor(1000, 0, 4) // 0
 * ```
 */
export function tileWidthFor(treeSize: number, level: number, index: number): number {
  if (!isCount(treeSize) || !isCount(level) || level > MAX_TILE_LEVEL || !isCount(index)) {
    fail('ERR_TLOG_RANGE_INVALID', 'tree size, tile level or index out of range');
  }
  const count = Math.floor(treeSize / TILE_WIDTH ** level);
  const start = index * TILE_WIDTH;
  if (start >= count) return 0;
  return Math.min(TILE_WIDTH, count - start);
}

/**
 * The hash tiles whose contents change when the tree grows from `oldSize` to `newSize`, each
 * with its width at `newSize`: what the sequencer rewrites after a batch. The level-0 entries are
 * also the entry bundles that change.
 *
 * @throws ProtocolError `ERR_TLOG_RANGE_INVALID` unless 0 <= oldSize <= newSize.
 * @example
 * ```ts
 * tilesChanged(250, 260) // [{level:0,index:0,width:256}, {level:0,index:1,width:4}, {level:1,index:0,width:1}]
 * ```
 */
export function tilesChanged(oldSize: number, newSize: number): TileId[] {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) {
    fail('ERR_TLOG_RANGE_INVALID', 'tree sizes are not 0 <= oldSize <= newSize');
  }
  const out: TileId[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const unit = TILE_WIDTH ** level;
    const before = Math.floor(oldSize / unit);
    const after = Math.floor(newSize / unit);
    // No new hash at this level means none at any level above it either.
    if (after === before) break;
    const last = Math.floor((after - 1) / TILE_WIDTH);
    for (let index = Math.floor(before / TILE_WIDTH); index <= last; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, after - index * TILE_WIDTH) });
    }
  }
  return out;
}

/**
 * Encodes entries as a C2SP entry bundle: each a big-endian uint16 length, then its bytes.
 *
 * @throws ProtocolError `ERR_TLOG_BUNDLE_INVALID` for more than 256 entries or an entry over
 * 65535 bytes.
 * @example
 * ```ts
 * const bundle = encodeEntryBundle(entries.slice(0, 256));
 * ```
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length > TILE_WIDTH) {
    fail('ERR_TLOG_BUNDLE_INVALID', 'an entry bundle holds at most 256 entries');
  }
  let total = 0;
  for (const entry of entries) {
    if (!(entry instanceof Uint8Array) || entry.length > MAX_BUNDLE_ENTRY_SIZE) {
      fail('ERR_TLOG_BUNDLE_INVALID', 'an entry is not bytes or longer than 65535 bytes');
    }
    total += 2 + entry.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    out[offset] = entry.length >>> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/**
 * Decodes an entry bundle into its entries (views into `bytes`, no copies). When `expectedCount`
 * is given (the width the tree size implies), the bundle must hold exactly that many.
 *
 * @throws ProtocolError `ERR_TLOG_BUNDLE_INVALID` for a truncated entry, more than 256 entries,
 * or a count other than `expectedCount` (bytes after the expected entries: "too long").
 * @example
 * ```ts
 * const entries = decodeEntryBundle(bytes, tileWidthFor(size, 0, n));
 * ```
 */
export function decodeEntryBundle(bytes: Uint8Array, expectedCount?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) fail('ERR_TLOG_BUNDLE_INVALID', 'entry bundle is not bytes');
  if (
    expectedCount !== undefined &&
    (!isCount(expectedCount) || expectedCount < 1 || expectedCount > TILE_WIDTH)
  ) {
    fail('ERR_TLOG_BUNDLE_INVALID', 'expected entry count is not 1..256');
  }
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    // Bytes after the entries the tree size implies: the bundle is too long, not truncated.
    if (entries.length === expectedCount) {
      fail(
        'ERR_TLOG_BUNDLE_INVALID',
        `entry bundle is too long: ${bytes.length - offset} trailing byte(s) after its ${expectedCount} entries`,
        { expected: expectedCount, trailing: bytes.length - offset },
      );
    }
    if (entries.length === TILE_WIDTH) {
      fail('ERR_TLOG_BUNDLE_INVALID', 'entry bundle holds more than 256 entries');
    }
    if (offset + 2 > bytes.length) {
      fail(
        'ERR_TLOG_BUNDLE_INVALID',
        `entry bundle ends in 1 byte after ${entries.length} entries, too few for an entry length (a stray trailing byte, or a truncated bundle)`,
      );
    }
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const start = offset + 2;
    if (start + length > bytes.length) {
      fail(
        'ERR_TLOG_BUNDLE_INVALID',
        `entry bundle is truncated: entry ${entries.length} is ${length} bytes long, only ${bytes.length - start} follow`,
      );
    }
    entries.push(bytes.subarray(start, start + length));
    offset = start + length;
  }
  if (expectedCount !== undefined && entries.length !== expectedCount) {
    fail('ERR_TLOG_BUNDLE_INVALID', 'entry bundle holds the wrong number of entries', {
      expected: expectedCount,
      actual: entries.length,
    });
  }
  return entries;
}

/** The hash of the `count` (a power of two) consecutive hashes of `data` from hash `offset`. */
function hashInTile(sha256: Sha256, data: Uint8Array, offset: number, count: number): Uint8Array {
  if (count === 1) return data.subarray(offset * HASH_SIZE, (offset + 1) * HASH_SIZE);
  const half = count / 2;
  return nodeHash(
    sha256,
    hashInTile(sha256, data, offset, half),
    hashInTile(sha256, data, offset + half, half),
  );
}

interface PlannedTile extends TileId {
  data?: Uint8Array;
  /** For a full tile read through a cache: its 255 interior hashes (see TileInteriorCache). */
  interior?: Uint8Array;
}

/** Where the hashes of height `r` (1..8) start in a full tile's interior: 256 - 2^(9-r). */
function interiorStart(height: number): number {
  return TILE_WIDTH - 2 ** (TILE_HEIGHT + 1 - height);
}

/** All 255 interior hashes of a full tile, height 1 (128 hashes) up to its root (1 hash). */
function computeInterior(sha256: Sha256, data: Uint8Array): Uint8Array {
  const out = new Uint8Array((TILE_WIDTH - 1) * HASH_SIZE);
  let below = data;
  let at = 0;
  for (let count = TILE_WIDTH / 2; count >= 1; count /= 2) {
    const start = at;
    for (let i = 0; i < count; i++) {
      const left = below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE);
      const right = below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE);
      out.set(nodeHash(sha256, left, right), at * HASH_SIZE);
      at++;
    }
    below = out.subarray(start * HASH_SIZE, at * HASH_SIZE);
  }
  return out;
}

/** The hash of `span` (a power of two) hashes of `tile` from `offset`, from the cache if it can. */
function subtreeOf(sha256: Sha256, tile: PlannedTile, offset: number, span: number): Uint8Array {
  if (span === 1 || tile.interior === undefined)
    return hashInTile(sha256, tile.data!, offset, span);
  const at = interiorStart(Math.log2(span)) + offset / span;
  return tile.interior.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE);
}

/**
 * Remembers the interior hashes of full tiles, which never change, so proofs that share tiles do
 * not hash them again: a proof at a million entries needs about 500 hashes from cold tiles and
 * almost none from warm ones. It is a memo of a pure function of the tile's bytes (each entry keeps
 * the bytes it was computed from and is used only for identical bytes), so sharing one cache
 * between readers of different tree sizes, or with tampered tiles, can never give a wrong hash.
 * Least recently used tiles are dropped past `maxTiles` (about 16 KiB each).
 */
export interface TileInteriorCache {
  readonly maxTiles: number;
  readonly size: number;
}

class InteriorCache implements TileInteriorCache {
  private readonly entries = new Map<string, { bytes: Uint8Array; interior: Uint8Array }>();
  constructor(readonly maxTiles: number) {}

  get size(): number {
    return this.entries.size;
  }

  interiorOf(sha256: Sha256, level: number, index: number, bytes: Uint8Array): Uint8Array {
    const key = `${level}/${index}`;
    const known = this.entries.get(key);
    if (known !== undefined && bytesEqual(known.bytes, bytes)) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, known);
      return known.interior;
    }
    const interior = computeInterior(sha256, bytes);
    this.entries.delete(key);
    this.entries.set(key, { bytes: bytes.slice(), interior });
    while (this.entries.size > this.maxTiles) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return interior;
  }
}

/**
 * A cache of full tiles' interior hashes for {@link tileHashReader}; share one per log.
 *
 * @example
 * ```ts
 * const cache = createTileInteriorCache(4096);
 * const reader = tileHashReader(sha256, size, readTile, undefined, { cache });
 * ```
 */
export function createTileInteriorCache(maxTiles = 1024): TileInteriorCache {
  if (!isCount(maxTiles) || maxTiles < 1) {
    fail('ERR_TLOG_RANGE_INVALID', 'a tile cache holds at least one tile');
  }
  return new InteriorCache(maxTiles);
}

/** Options of {@link tileHashReader}. */
export interface TileHashReaderOptions {
  /** Remembers full tiles' interior hashes across calls and readers (see TileInteriorCache). */
  cache?: TileInteriorCache;
}

/**
 * A {@link HashReader} over the hash tiles of a tree of `treeSize` leaves. Each `readHashes` call
 * reads every tile it needs once (concurrently), checks each tile's length against the width the
 * tree size implies, and computes hashes at levels between tile levels from the tile below.
 *
 * When `expectedRoot` is given (a root from a verified checkpoint), every tile read is also
 * authenticated, as golang.org/x/mod/sumdb/tlog's TileHashReader does: the partial tiles at each
 * level must hash to the root, and every full tile to its entry in the tile above. A server
 * reading its own store leaves it out; a client fetching tiles from the network passes it.
 *
 * `options.cache` (from {@link createTileInteriorCache}) keeps full tiles' interior hashes across
 * calls, which is what makes proofs at a million entries cost next to no hashing instead of about
 * 500 hashes. Tiles are still read (and authenticated) on every call.
 *
 * @throws ProtocolError (from `readHashes`) `ERR_TLOG_RANGE_INVALID` for a node that is not a
 * complete subtree of the tree; `ERR_TLOG_TILE_INVALID` for a tile of the wrong length or one that
 * does not match `expectedRoot`.
 * @example
 * ```ts
 * const reader = tileHashReader(sha256, checkpoint.size, (tile) => fetchBytes(tilePath(tile)), checkpoint.rootHash);
 * const proof = await inclusionProof(sha256, index, checkpoint.size, reader);
 * ```
 */
export function tileHashReader(
  sha256: Sha256,
  treeSize: number,
  readTile: TileReader,
  expectedRoot?: Uint8Array,
  options: TileHashReaderOptions = {},
): HashReader {
  if (options.cache !== undefined && !(options.cache instanceof InteriorCache)) {
    fail('ERR_TLOG_RANGE_INVALID', 'not a cache from createTileInteriorCache');
  }
  const cache = options.cache as InteriorCache | undefined;
  if (!isCount(treeSize)) fail('ERR_TLOG_RANGE_INVALID', 'tree size is not a safe integer');
  if (
    expectedRoot !== undefined &&
    (!(expectedRoot instanceof Uint8Array) || expectedRoot.length !== HASH_SIZE)
  ) {
    fail('ERR_TLOG_PROOF_INVALID', 'expected root is not a 32-byte hash');
  }

  async function readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]> {
    if (nodes.length === 0) return [];
    const tiles = new Map<string, PlannedTile>();
    const plan = (level: number, index: number): PlannedTile => {
      const key = `${level}/${index}`;
      let tile = tiles.get(key);
      if (tile === undefined) {
        tile = { level, index, width: tileWidthFor(treeSize, level, index) };
        tiles.set(key, tile);
      }
      return tile;
    };
    // Where each requested node lives: its tile, its first hash there, how many hashes it spans.
    const located = nodes.map(({ level, index }) => {
      if (
        !isCount(level) ||
        level > 63 ||
        !isCount(index) ||
        index >= Math.floor(treeSize / 2 ** level)
      ) {
        fail('ERR_TLOG_RANGE_INVALID', 'not a complete subtree of the tree', {
          level,
          index,
          treeSize,
        });
      }
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const span = 2 ** (level - tileLevel * TILE_HEIGHT);
      const first = index * span;
      const tile = plan(tileLevel, Math.floor(first / TILE_WIDTH));
      return { tile, offset: first % TILE_WIDTH, span };
    });

    if (expectedRoot !== undefined) {
      // The partial tile of each level carries the tree's right edge: it is checked against the
      // root. Every full tile is checked against its hash in its parent, up to a partial one.
      for (let level = 0; ; level++) {
        const count = Math.floor(treeSize / TILE_WIDTH ** level);
        if (count === 0) break;
        if (count % TILE_WIDTH !== 0) plan(level, Math.floor(count / TILE_WIDTH));
      }
      for (const tile of [...tiles.values()]) {
        for (let t = tile; t.width === TILE_WIDTH;)
          t = plan(t.level + 1, Math.floor(t.index / TILE_WIDTH));
      }
    }

    const planned = [...tiles.values()];
    const data = await Promise.all(
      planned.map((tile) => readTile({ level: tile.level, index: tile.index, width: tile.width })),
    );
    planned.forEach((tile, i) => {
      const bytes = data[i];
      if (!(bytes instanceof Uint8Array) || bytes.length !== tile.width * HASH_SIZE) {
        fail('ERR_TLOG_TILE_INVALID', 'tile has the wrong length', {
          level: tile.level,
          index: tile.index,
          width: tile.width,
        });
      }
      tile.data = bytes;
      if (cache !== undefined && tile.width === TILE_WIDTH) {
        tile.interior = cache.interiorOf(sha256, tile.level, tile.index, bytes);
      }
    });

    if (expectedRoot !== undefined) authenticate(sha256, treeSize, tiles, expectedRoot);

    return located.map(({ tile, offset, span }) => subtreeOf(sha256, tile, offset, span));
  }

  return { readHashes };
}

/** Checks every read tile against `root` (see {@link tileHashReader}). */
function authenticate(
  sha256: Sha256,
  treeSize: number,
  tiles: ReadonlyMap<string, PlannedTile>,
  root: Uint8Array,
): void {
  const edge = rightEdgeNodes(treeSize).map(({ level, index }) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level - tileLevel * TILE_HEIGHT);
    const first = index * span;
    const tile = tiles.get(`${tileLevel}/${Math.floor(first / TILE_WIDTH)}`)!;
    return subtreeOf(sha256, tile, first % TILE_WIDTH, span);
  });
  let computed = edge[edge.length - 1];
  for (let i = edge.length - 2; i >= 0; i--) computed = nodeHash(sha256, edge[i]!, computed!);
  if (computed === undefined || !bytesEqual(computed, root)) {
    fail('ERR_TLOG_TILE_INVALID', 'the tiles do not hash to the checkpoint root');
  }
  for (const tile of tiles.values()) {
    if (tile.width !== TILE_WIDTH) continue;
    const parent = tiles.get(`${tile.level + 1}/${Math.floor(tile.index / TILE_WIDTH)}`)!;
    const expected = hashInTile(sha256, parent.data!, tile.index % TILE_WIDTH, 1);
    if (!bytesEqual(subtreeOf(sha256, tile, 0, TILE_WIDTH), expected)) {
      fail('ERR_TLOG_TILE_INVALID', 'a tile does not match its parent tile', {
        level: tile.level,
        index: tile.index,
      });
    }
  }
}
