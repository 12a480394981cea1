import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../errors';
import { ready, sha256 } from '../sodium';
import { NaiveTree, sampleEntries, tileStore } from './naive-tree.fixture';
import { hexEncode } from '../encoding';
import {
  createTileInteriorCache,
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundlePath,
  formatTileIndex,
  parseTilePath,
  tileHashReader,
  tilePath,
  tilesChanged,
  tileWidthFor,
} from './tiles';
import { inclusionProof, verifyInclusion } from './tree';

vi.setConfig({ testTimeout: 60_000 });

beforeAll(async () => {
  await ready();
});

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('tile paths (C2SP tlog-tiles)', () => {
  it.each([
    [0, '000'],
    [5, '005'],
    [255, '255'],
    [256, '256'],
    [999, '999'],
    [1000, 'x001/000'],
    [1234067, 'x001/x234/067'],
    [Number.MAX_SAFE_INTEGER, 'x009/x007/x199/x254/x740/991'],
  ])('writes index %i as %s', (index, text) => {
    expect(formatTileIndex(index)).toBe(text);
  });

  it.each([
    [{ level: 0, index: 0, width: 256 }, 'tile/0/000'],
    [{ level: 0, index: 255, width: 256 }, 'tile/0/255'],
    [{ level: 0, index: 256, width: 256 }, 'tile/0/256'],
    [{ level: 0, index: 1000, width: 256 }, 'tile/0/x001/000'],
    [{ level: 0, index: 1234067, width: 256 }, 'tile/0/x001/x234/067'],
    [{ level: 0, index: 1234067, width: 12 }, 'tile/0/x001/x234/067.p/12'],
    [{ level: 2, index: 0, width: 1 }, 'tile/2/000.p/1'],
    [{ level: 1, index: 1000, width: 255 }, 'tile/1/x001/000.p/255'],
  ])('writes hash tile %o as %s, and reads it back', (tile, path) => {
    expect(tilePath(tile)).toBe(path);
    expect(parseTilePath(path)).toEqual({ kind: 'hash', ...tile });
  });

  it.each([
    [0, 256, 'tile/entries/000'],
    [1234067, 256, 'tile/entries/x001/x234/067'],
    [1000, 7, 'tile/entries/x001/000.p/7'],
  ])('writes the entry bundle %i of width %i as %s, and reads it back', (index, width, path) => {
    expect(entryBundlePath(index, width)).toBe(path);
    expect(parseTilePath(path)).toEqual({ kind: 'entries', index, width });
  });

  it.each([
    ['tile/0/5', 'leading zeros missing'],
    ['tile/0/05', 'leading zeros missing'],
    ['tile/0/0005', 'four digits'],
    ['tile/0/x000/005', 'a leading zero group'],
    ['tile/0/x1/000', 'a short group'],
    ['tile/0/001x', 'a misplaced x'],
    ['tile/0/x001', 'x on the last group'],
    ['tile/00/000', 'a leading zero level'],
    ['tile/64/000', 'level 64'],
    ['tile/-1/000', 'a negative level'],
    ['tile/1e3/000', 'an exponent'],
    ['tile/0/000.p/0', 'width 0'],
    ['tile/0/000.p/256', 'width 256 (a full tile has no .p)'],
    ['tile/0/000.p/012', 'a width with a leading zero'],
    ['tile/0/000.p/', 'an empty width'],
    ['tile/0/000.p/1/2', 'an extra width segment'],
    ['tile/entries/000.p/256', 'entries of width 256'],
    ['tile/0/x001/x002/x003/x004/x005/x006/007', 'seven groups'],
    ['tile/0/x009/x007/x199/x254/x740/993', 'an index above 2^53'],
    ['tile/0/999999999999999999999', 'a huge number'],
    ['tile/../000', 'a dot-dot level'],
    ['tile/0/../000', 'a dot-dot segment'],
    ['tile/0/000/extra', 'an extra segment'],
    ['tile/0/000/', 'a trailing slash'],
    ['/tile/0/000', 'a leading slash'],
    ['tile//000', 'an empty level'],
    ['Tile/0/000', 'a capital letter'],
    ['tile/0/000 ', 'a trailing space'],
    ['tile/0/000\n', 'a trailing newline'],
    ['tile/entry/000', 'a misspelt entries'],
    ['tile/0/\u0663\u0663\u0663', 'non-ASCII digits'],
    ['checkpoint', 'the checkpoint'],
    ['', 'nothing'],
  ])('refuses %j (%s)', async (path) => {
    expect(await codeOf(() => parseTilePath(path))).toBe('ERR_TLOG_PATH_INVALID');
  });

  it('refuses to write a tile that cannot exist', async () => {
    for (const tile of [
      { level: 0, index: -1, width: 256 },
      { level: 0, index: 1.5, width: 256 },
      { level: 0, index: 0, width: 0 },
      { level: 0, index: 0, width: 257 },
      { level: 64, index: 0, width: 256 },
    ]) {
      expect(await codeOf(() => tilePath(tile))).toBe('ERR_TLOG_PATH_INVALID');
    }
  });
});

describe('tile widths', () => {
  it.each([
    [0, 0, 0, 0],
    [1, 0, 0, 1],
    [255, 0, 0, 255],
    [256, 0, 0, 256],
    [256, 0, 1, 0],
    [256, 1, 0, 1],
    [1000, 0, 3, 232],
    [1000, 1, 0, 3],
    [1000, 0, 4, 0],
    [65536, 2, 0, 1],
    [65535, 2, 0, 0],
    [1_000_000, 1, 15, 66],
  ])('size %i has width %i at level %i, tile %i', (size, level, index, width) => {
    expect(tileWidthFor(size, level, index)).toBe(width);
  });

  it('lists exactly the tiles whose width (hence content) changes when the tree grows', () => {
    const sizes = [0, 1, 2, 255, 256, 257, 300, 511, 512, 1000, 65535, 65536, 65537, 70000];
    for (const oldSize of sizes) {
      for (const newSize of sizes.filter((s) => s >= oldSize)) {
        const expected: string[] = [];
        for (let level = 0; level < 3; level++) {
          for (let index = 0; index * 256 * 256 ** level <= newSize; index++) {
            const before = tileWidthFor(oldSize, level, index);
            const after = tileWidthFor(newSize, level, index);
            if (after !== before) expected.push(`${level}/${index}.${after}`);
          }
        }
        const changed = tilesChanged(oldSize, newSize).map(
          (t) => `${t.level}/${t.index}.${t.width}`,
        );
        expect(changed).toEqual(expected);
      }
    }
  });

  it('refuses a shrinking range', async () => {
    expect(await codeOf(() => tilesChanged(5, 4))).toBe('ERR_TLOG_RANGE_INVALID');
  });
});

describe('entry bundles', () => {
  it('round-trips entries of every length class, as views into the bundle', () => {
    const entries = [
      new Uint8Array(0),
      new Uint8Array([1]),
      new Uint8Array(300).fill(7),
      new Uint8Array(65535).fill(9),
    ];
    const bundle = encodeEntryBundle(entries);
    expect(bundle.length).toBe(2 * 4 + 0 + 1 + 300 + 65535);
    expect([...bundle.subarray(0, 5)]).toEqual([0, 0, 0, 1, 1]);
    const decoded = decodeEntryBundle(bundle, 4);
    expect(decoded).toEqual(entries);
    expect(decoded[2]!.buffer).toBe(bundle.buffer);
    expect(decodeEntryBundle(new Uint8Array(0))).toEqual([]);
  });

  it('holds 256 entries and not one more', async () => {
    const full = Array.from({ length: 256 }, (_, i) => new Uint8Array([i]));
    expect(decodeEntryBundle(encodeEntryBundle(full), 256)).toHaveLength(256);
    expect(await codeOf(() => encodeEntryBundle([...full, new Uint8Array(1)]))).toBe(
      'ERR_TLOG_BUNDLE_INVALID',
    );
    const tooMany = new Uint8Array(257 * 2); // 257 empty entries
    expect(await codeOf(() => decodeEntryBundle(tooMany))).toBe('ERR_TLOG_BUNDLE_INVALID');
  });

  it.each([
    [[0], 'half a length'],
    [[0, 2, 1], 'a truncated entry'],
    [[0, 1, 1, 0], 'a trailing half length'],
  ])('refuses %j (%s)', async (bytes) => {
    expect(await codeOf(() => decodeEntryBundle(new Uint8Array(bytes)))).toBe(
      'ERR_TLOG_BUNDLE_INVALID',
    );
  });

  it('refuses a bundle with another count than the tree size implies', async () => {
    const bundle = encodeEntryBundle([new Uint8Array([1]), new Uint8Array([2])]);
    expect(await codeOf(() => decodeEntryBundle(bundle, 3))).toBe('ERR_TLOG_BUNDLE_INVALID');
    expect(await codeOf(() => decodeEntryBundle(bundle, 0))).toBe('ERR_TLOG_BUNDLE_INVALID');
  });

  // `npm run verify -- --full` said "truncated entry length" for a bundle served 1 byte too long.
  it.each<[string, (bundle: Uint8Array) => Uint8Array, RegExp]>([
    [
      '1 byte too long',
      (b) => new Uint8Array([...b, 0]),
      /too long: 1 trailing byte\(s\) after its 2 entries/,
    ],
    ['a whole entry too long', (b) => new Uint8Array([...b, 0, 1, 3]), /too long: 3 trailing/],
    [
      '1 byte short',
      (b) => b.subarray(0, b.length - 1),
      /truncated: entry 1 is 1 bytes long, only 0 follow/,
    ],
  ])('says what is wrong with a bundle %s', (_, change, message) => {
    const bundle = encodeEntryBundle([new Uint8Array([1]), new Uint8Array([2])]);
    expect(() => decodeEntryBundle(change(bundle), 2)).toThrow(message);
  });

  it('refuses an entry longer than a 16-bit length can say', async () => {
    expect(await codeOf(() => encodeEntryBundle([new Uint8Array(65536)]))).toBe(
      'ERR_TLOG_BUNDLE_INVALID',
    );
  });
});

describe('tileHashReader against tampering', () => {
  const size = 256 * 3 + 17;
  const entries = sampleEntries(size);
  const naive = new NaiveTree(entries);
  const root = () => naive.root(size);

  async function proveWith(store: ReturnType<typeof tileStore>, withRoot: boolean, index = 5) {
    const reader = tileHashReader(sha256, size, store.readTile, withRoot ? root() : undefined);
    return inclusionProof(sha256, index, size, reader);
  }

  it('refuses a tampered tile on the proof path with ERR_TLOG_TILE_INVALID when it knows the root', async () => {
    const store = tileStore(naive, size);
    store.tamper(0, 0, 4); // leaf 4, the sibling of leaf 5
    expect(await codeOf(() => proveWith(store, true))).toBe('ERR_TLOG_TILE_INVALID');
  });

  it('refuses a tampered hash the proof does not use, because the tile no longer matches its parent', async () => {
    const store = tileStore(naive, size);
    store.tamper(0, 0, 200);
    expect(await codeOf(() => proveWith(store, true))).toBe('ERR_TLOG_TILE_INVALID');
  });

  it('refuses a tampered partial tile and a tampered parent tile', async () => {
    for (const [level, index, position] of [
      [0, 3, 16],
      [1, 0, 1],
    ] as const) {
      const store = tileStore(naive, size);
      store.tamper(level, index, position);
      expect(await codeOf(() => proveWith(store, true))).toBe('ERR_TLOG_TILE_INVALID');
    }
  });

  it('lets verification catch a tampered tile when the reader does not know the root', async () => {
    const store = tileStore(naive, size);
    store.tamper(0, 0, 4);
    const proof = await proveWith(store, false);
    expect(
      await codeOf(() =>
        verifyInclusion(sha256, {
          leafHash: naive.leafHash(entries[5]!),
          index: 5,
          size,
          proof,
          root: root(),
        }),
      ),
    ).toBe('ERR_TLOG_INCLUSION_INVALID');
  });

  it('refuses a tile of the wrong length', async () => {
    const store = tileStore(naive, size);
    const short = (tile: { level: number; index: number; width: number }) =>
      store.readTile(tile).then((bytes) => bytes.subarray(32));
    const reader = tileHashReader(sha256, size, short);
    expect(await codeOf(() => inclusionProof(sha256, 5, size, reader))).toBe(
      'ERR_TLOG_TILE_INVALID',
    );
  });

  it('refuses a node outside the tree', async () => {
    const reader = tileHashReader(sha256, size, tileStore(naive, size).readTile);
    expect(await codeOf(() => reader.readHashes([{ level: 8, index: 3 }]))).toBe(
      'ERR_TLOG_RANGE_INVALID',
    );
    expect(await codeOf(() => reader.readHashes([{ level: 0, index: size }]))).toBe(
      'ERR_TLOG_RANGE_INVALID',
    );
    expect(await codeOf(() => reader.readHashes([{ level: -1, index: 0 }]))).toBe(
      'ERR_TLOG_RANGE_INVALID',
    );
  });
});

describe('tile interior cache', () => {
  const size = 256 * 256 + 256 * 5 + 3;
  const entries = sampleEntries(size);
  const naive = new NaiveTree(entries);

  it('gives the same proofs warm as cold, and stays within its bound', async () => {
    const cache = createTileInteriorCache(8);
    const store = tileStore(naive, size);
    for (const withRoot of [undefined, naive.root(size)]) {
      for (const index of [0, 5, 300, 300, 65535, 65536, size - 1, 1000, 5]) {
        const reader = tileHashReader(sha256, size, store.readTile, withRoot, { cache });
        const proof = await inclusionProof(sha256, index, size, reader);
        expect(proof.map(hexEncode)).toEqual(naive.inclusion(index, size).map(hexEncode));
      }
    }
    expect(cache.size).toBeLessThanOrEqual(8);
    expect(cache.size).toBeGreaterThan(0);
  });

  it('serves proofs for a smaller tree from a cache filled at a larger one', async () => {
    const cache = createTileInteriorCache();
    const big = tileStore(naive, size);
    await inclusionProof(
      sha256,
      70,
      size,
      tileHashReader(sha256, size, big.readTile, undefined, { cache }),
    );
    const small = 600;
    const proof = await inclusionProof(
      sha256,
      70,
      small,
      tileHashReader(sha256, small, tileStore(naive, small).readTile, naive.root(small), { cache }),
    );
    expect(proof.map(hexEncode)).toEqual(naive.inclusion(70, small).map(hexEncode));
  });

  it('never answers from a warm cache for tiles whose bytes changed', async () => {
    const cache = createTileInteriorCache();
    const store = tileStore(naive, size);
    const root = naive.root(size);
    await inclusionProof(
      sha256,
      5,
      size,
      tileHashReader(sha256, size, store.readTile, root, { cache }),
    );
    store.tamper(0, 0, 100);
    const authenticated = tileHashReader(sha256, size, store.readTile, root, { cache });
    expect(await codeOf(() => inclusionProof(sha256, 5, size, authenticated))).toBe(
      'ERR_TLOG_TILE_INVALID',
    );
    const plain = tileHashReader(sha256, size, store.readTile, undefined, { cache });
    const proof = await inclusionProof(sha256, 5, size, plain);
    expect(
      await codeOf(() =>
        verifyInclusion(sha256, {
          leafHash: naive.leafHash(entries[5]!),
          index: 5,
          size,
          proof,
          root,
        }),
      ),
    ).toBe('ERR_TLOG_INCLUSION_INVALID');
  });

  it('refuses a cache it did not make', async () => {
    const fake = { maxTiles: 1, size: 0 };
    expect(
      await codeOf(() =>
        tileHashReader(sha256, 1, tileStore(naive, 1).readTile, undefined, { cache: fake }),
      ),
    ).toBe('ERR_TLOG_RANGE_INVALID');
    expect(await codeOf(() => createTileInteriorCache(0))).toBe('ERR_TLOG_RANGE_INVALID');
  });
});
