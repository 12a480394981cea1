/**
 * TEST FIXTURE. A deliberately naive RFC 9162 section 2.1 reference, written straight from the
 * recursive definitions (MTH, PATH, PROOF/SUBPROOF) with @noble/hashes' SHA-256, so the tests
 * compare protocol/tlog against an implementation that shares none of its code or its hash.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** k: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class NaiveTree {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(readonly entries: readonly Uint8Array[]) {}

  leafHash(entry: Uint8Array): Uint8Array {
    return nobleSha256(concat(new Uint8Array([0]), entry));
  }

  /** MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Uint8Array {
    const key = `${lo}:${hi}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    let hash: Uint8Array;
    if (hi - lo === 0) hash = nobleSha256(new Uint8Array(0));
    else if (hi - lo === 1) hash = this.leafHash(this.entries[lo]!);
    else {
      const k = split(hi - lo);
      hash = nobleSha256(concat(new Uint8Array([1]), this.mth(lo, lo + k), this.mth(lo + k, hi)));
    }
    this.memo.set(key, hash);
    return hash;
  }

  root(size: number): Uint8Array {
    return this.mth(0, size);
  }

  /** PATH(m, D[lo:hi]). */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = split(n);
    return m < k
      ? [...this.path(m, lo, lo + k), this.mth(lo + k, hi)]
      : [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  inclusion(index: number, size: number): Uint8Array[] {
    return this.path(index, 0, size);
  }

  /** SUBPROOF(m, D[lo:hi], b). */
  subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = split(n);
    return m <= k
      ? [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  consistency(size1: number, size2: number): Uint8Array[] {
    if (size1 === 0 || size1 === size2) return [];
    return this.subproof(size1, 0, size2, true);
  }
}

/** `count` distinct entries: entry i is the 4 big-endian bytes of i followed by a marker. */
export function sampleEntries(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const entry = new Uint8Array(6);
    new DataView(entry.buffer).setUint32(0, i);
    entry[4] = 0x6c;
    entry[5] = 0x67;
    return entry;
  });
}

/** Tiles of a tree served from memory, with a record of reads and a way to damage one. */
export interface TileStore {
  readTile(tile: { level: number; index: number; width: number }): Promise<Uint8Array>;
  reads: string[];
  /** Flips one bit of hash `position` of tile (level, index), for every later read. */
  tamper(level: number, index: number, position: number): void;
}

/**
 * Serves C2SP hash tiles for `leafHashes`: tile (L, N) holds the level-8L hashes from N·256,
 * computed here with the naive tree (level-8L hash j = MTH of leaves [j·256^L, (j+1)·256^L)).
 */
export function tileStore(tree: NaiveTree, size: number): TileStore {
  const damaged = new Map<string, number>();
  const reads: string[] = [];
  return {
    reads,
    tamper(level, index, position) {
      damaged.set(`${level}/${index}`, position);
    },
    readTile({ level, index, width }) {
      const key = `${level}/${index}`;
      reads.push(`${key}.${width}`);
      const unit = 256 ** level;
      const out = new Uint8Array(width * 32);
      for (let i = 0; i < width; i++) {
        const j = index * 256 + i;
        if ((j + 1) * unit > size)
          return Promise.reject(new Error(`tile ${key} is beyond the tree`));
        out.set(tree.mth(j * unit, (j + 1) * unit), i * 32);
      }
      const position = damaged.get(key);
      if (position !== undefined && position < width) out[position * 32]! ^= 1;
      return Promise.resolve(out);
    },
  };
}
