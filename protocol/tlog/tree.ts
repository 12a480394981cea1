/**
 * The Merkle tree of RFC 9162 section 2.1: the root of a tree of any size, appending leaves
 * (the sequencer's inner loop), and building and verifying inclusion and consistency proofs.
 *
 * Storage is not done here (STYLE: the log client never does I/O itself). Proof construction is
 * handed a {@link HashReader} that returns hashes of *complete* subtrees, Tessera-style; the
 * server backs it with its hash tiles, the browser with fetched tiles ({@link tileHashReader}),
 * tests with {@link memoryHashReader}. A proof element whose subtree is not complete (the ragged
 * right edge of the tree) is computed here from the complete subtrees it is made of, so every
 * proof costs exactly one `readHashes` call.
 *
 * Sizes and indices are JavaScript numbers; every one is checked to be a safe integer, and all
 * arithmetic above 2^31 uses division instead of 32-bit bit operations.
 */
import { ProtocolError, type ProtocolErrorCode } from '../errors';
import { bytesEqual } from '../encoding';
import { emptyTreeHash, HASH_SIZE, nodeHash, type Sha256 } from './hash';

/**
 * A complete subtree: `level` is its height (0 = a leaf), `index` its position among the
 * complete subtrees of that height, left to right. Node (l, i) covers leaves [i·2^l, (i+1)·2^l).
 */
export interface NodeId {
  level: number;
  index: number;
}

/**
 * Where proofs get their hashes. `readHashes` returns the hash of each requested complete subtree,
 * in the order asked (duplicates allowed), or rejects. It is called once per proof with every
 * node that proof needs, so an implementation can batch its reads (one query, one fetch per tile).
 */
export interface HashReader {
  readHashes(nodes: readonly NodeId[]): Promise<Uint8Array[]>;
}

/** Largest tree (and leaf index + 1) the arithmetic here handles exactly. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** Longest proof accepted for verification: 2 · 64 covers every tree up to 2^64 leaves. */
export const MAX_PROOF_LENGTH = 128;

function fail(code: ProtocolErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new ProtocolError(code, message, detail);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** 2^level for 0 <= level <= 63, exact (powers of two are exact doubles). */
function pow2(level: number): number {
  return 2 ** level;
}

/** The largest power of two strictly below n (n >= 2), and its exponent. RFC 9162's split point. */
function splitPoint(n: number): number {
  if (n <= 0x80000000) return 2 ** (31 - Math.clz32(n - 1));
  let k = 0x80000000;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Exponent of the largest power of two <= n (n >= 1). */
function floorLog2(n: number): number {
  if (n < 0x100000000) return 31 - Math.clz32(n);
  let level = 32;
  while (2 ** (level + 1) <= n) level++;
  return level;
}

function popcount(n: number): number {
  let count = 0;
  while (n > 0) {
    if (n % 2 === 1) count++;
    n = Math.floor(n / 2);
  }
  return count;
}

function checkHash(hash: unknown, what: string, code: ProtocolErrorCode): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    fail(code, `${what} is not a ${HASH_SIZE}-byte hash`);
  }
  return hash;
}

/**
 * Appends the complete subtrees that make up leaves [lo, hi) to `out`, left to right. Every range
 * that RFC 9162's recursion produces starts at a multiple of its largest power-of-two part, so
 * the greedy split yields exactly the stored subtrees (golang.org/x/mod/sumdb/tlog subTreeIndex).
 */
function pushRange(lo: number, hi: number, out: NodeId[]): void {
  while (lo < hi) {
    const level = floorLog2(hi - lo);
    const width = pow2(level);
    out.push({ level, index: lo / width });
    lo += width;
  }
}

/** The hash of a range from the hashes of its complete subtrees, folded right to left. */
function foldRange(
  sha256: Sha256,
  hashes: readonly Uint8Array[],
  from: number,
  to: number,
): Uint8Array {
  let hash = hashes[to - 1]!;
  for (let i = to - 2; i >= from; i--) hash = nodeHash(sha256, hashes[i]!, hash);
  return hash;
}

/** Reads `nodes` and checks the reader kept its contract (count and hash sizes). */
async function readChecked(reader: HashReader, nodes: readonly NodeId[]): Promise<Uint8Array[]> {
  if (nodes.length === 0) return [];
  const hashes = await reader.readHashes(nodes);
  if (!Array.isArray(hashes) || hashes.length !== nodes.length) {
    fail('ERR_TLOG_TILE_INVALID', 'the hash reader returned the wrong number of hashes');
  }
  for (const hash of hashes) checkHash(hash, 'a stored hash', 'ERR_TLOG_TILE_INVALID');
  return hashes;
}

/**
 * Reads the hash of every range in `ranges` (pairs lo, hi) with one `readHashes` call.
 */
async function readRanges(
  sha256: Sha256,
  ranges: readonly number[],
  reader: HashReader,
): Promise<Uint8Array[]> {
  const nodes: NodeId[] = [];
  const ends: number[] = [];
  for (let i = 0; i < ranges.length; i += 2) {
    pushRange(ranges[i]!, ranges[i + 1]!, nodes);
    ends.push(nodes.length);
  }
  const hashes = await readChecked(reader, nodes);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const end of ends) {
    // A complete subtree is used as read: no hashing, no copy.
    out.push(end - start === 1 ? hashes[start]! : foldRange(sha256, hashes, start, end));
    start = end;
  }
  return out;
}

/**
 * The nodes to store when leaf `index` is appended to a tree of `index` leaves: the leaf itself
 * and every complete subtree it completes, and the new right edge. `rightEdge` is the compact
 * range of the tree before the append (the hashes of its maximal complete subtrees, left to right,
 * one per set bit of `index`), as returned by the previous call or by {@link rightEdgeOf}.
 * Pure and synchronous: the sequencer keeps the right edge in memory.
 *
 * @throws ProtocolError `ERR_TLOG_RANGE_INVALID` when `index` is not a safe integer or the right
 * edge does not belong to a tree of `index` leaves; `ERR_TLOG_PROOF_INVALID` for a hash that is
 * not 32 bytes.
 * @example
 * ```ts
 * let edge: Uint8Array[] = [];
 * for (const [i, entry] of entries.entries()) {
 *   const step = appendLeaf(sha256, edge, i, leafHash(sha256, entry));
 *   store(step.stored);
 *   edge = step.rightEdge;
 * }
 * const root = rootFromRightEdge(sha256, edge);
 * ```
 */
export function appendLeaf(
  sha256: Sha256,
  rightEdge: readonly Uint8Array[],
  index: number,
  leafHash: Uint8Array,
): { stored: { level: number; index: number; hash: Uint8Array }[]; rightEdge: Uint8Array[] } {
  if (!isCount(index) || index >= MAX_TREE_SIZE) {
    fail('ERR_TLOG_RANGE_INVALID', 'leaf index is not a safe non-negative integer');
  }
  if (rightEdge.length !== popcount(index)) {
    fail('ERR_TLOG_RANGE_INVALID', 'right edge does not belong to a tree of this size', {
      index,
      rightEdge: rightEdge.length,
    });
  }
  checkHash(leafHash, 'leaf hash', 'ERR_TLOG_PROOF_INVALID');
  const stored = [{ level: 0, index, hash: leafHash }];
  const edge = rightEdge.slice();
  let hash = leafHash;
  let level = 0;
  // Each trailing 1 bit of `index` is a complete subtree of that height directly to the left of
  // the new leaf: it merges with the new one into a complete subtree one level up.
  for (let rest = index; rest % 2 === 1; rest = Math.floor(rest / 2)) {
    const left = checkHash(edge.pop(), 'right edge hash', 'ERR_TLOG_PROOF_INVALID');
    hash = nodeHash(sha256, left, hash);
    level++;
    stored.push({ level, index: Math.floor(index / pow2(level)), hash });
  }
  edge.push(hash);
  return { stored, rightEdge: edge };
}

/**
 * The root hash of a tree from its right edge (its maximal complete subtrees, left to right);
 * the empty tree's hash for `[]`.
 *
 * @example
 * ```ts
 * const root = rootFromRightEdge(sha256, await rightEdgeOf(size, reader));
 * ```
 */
export function rootFromRightEdge(sha256: Sha256, rightEdge: readonly Uint8Array[]): Uint8Array {
  if (rightEdge.length === 0) return emptyTreeHash(sha256);
  for (const hash of rightEdge) checkHash(hash, 'right edge hash', 'ERR_TLOG_PROOF_INVALID');
  return foldRange(sha256, rightEdge, 0, rightEdge.length);
}

/** The maximal complete subtrees of a tree of `size` leaves, left to right. */
export function rightEdgeNodes(size: number): NodeId[] {
  if (!isCount(size))
    fail('ERR_TLOG_RANGE_INVALID', 'tree size is not a safe non-negative integer');
  const nodes: NodeId[] = [];
  pushRange(0, size, nodes);
  return nodes;
}

/**
 * Reads the right edge of a tree of `size` leaves, to resume appending after a restart.
 *
 * @example
 * ```ts
 * let edge = await rightEdgeOf(storedSize, reader);
 * ```
 */
export async function rightEdgeOf(size: number, reader: HashReader): Promise<Uint8Array[]> {
  return readChecked(reader, rightEdgeNodes(size));
}

/**
 * The root hash of the tree of the first `size` leaves.
 *
 * @example
 * ```ts
 * const root = await treeHash(sha256, checkpoint.size, reader);
 * ```
 */
export async function treeHash(
  sha256: Sha256,
  size: number,
  reader: HashReader,
): Promise<Uint8Array> {
  return rootFromRightEdge(sha256, await rightEdgeOf(size, reader));
}

/** RFC 9162 PATH(m, D[lo:hi]) as ranges (lo, hi pairs), innermost first. */
function inclusionRanges(index: number, lo: number, hi: number, out: number[]): void {
  if (hi - lo <= 1) return;
  const k = splitPoint(hi - lo);
  if (index < lo + k) {
    inclusionRanges(index, lo, lo + k, out);
    out.push(lo + k, hi);
  } else {
    inclusionRanges(index, lo + k, hi, out);
    out.push(lo, lo + k);
  }
}

/** RFC 9162 SUBPROOF(m, D[lo:hi], b) as ranges, innermost first. */
function consistencyRanges(m: number, lo: number, hi: number, whole: boolean, out: number[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!whole) out.push(lo, hi);
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    consistencyRanges(m, lo, lo + k, whole, out);
    out.push(lo + k, hi);
  } else {
    consistencyRanges(m - k, lo + k, hi, false, out);
    out.push(lo, lo + k);
  }
}

/**
 * The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 section 2.1.3.1),
 * built from one `readHashes` call.
 *
 * @throws ProtocolError `ERR_TLOG_RANGE_INVALID` unless 0 <= index < size.
 * @example
 * ```ts
 * const proof = await inclusionProof(sha256, 5, 8, reader);
 * verifyInclusion(sha256, { leafHash: h5, index: 5, size: 8, proof, root });
 * ```
 */
export async function inclusionProof(
  sha256: Sha256,
  index: number,
  size: number,
  reader: HashReader,
): Promise<Uint8Array[]> {
  if (!isCount(index) || !isCount(size) || index >= size) {
    fail('ERR_TLOG_RANGE_INVALID', 'leaf index is not inside the tree', { index, size });
  }
  const ranges: number[] = [];
  inclusionRanges(index, 0, size, ranges);
  return readRanges(sha256, ranges, reader);
}

/**
 * The consistency proof between the trees of `size1` and `size2` leaves (RFC 9162 section
 * 2.1.4.1). Empty when the sizes are equal or `size1` is 0, as RFC 9162 and
 * transparency-dev/merkle define it.
 *
 * @throws ProtocolError `ERR_TLOG_RANGE_INVALID` unless 0 <= size1 <= size2.
 * @example
 * ```ts
 * const proof = await consistencyProof(sha256, older.size, newer.size, reader);
 * ```
 */
export async function consistencyProof(
  sha256: Sha256,
  size1: number,
  size2: number,
  reader: HashReader,
): Promise<Uint8Array[]> {
  if (!isCount(size1) || !isCount(size2) || size1 > size2) {
    fail('ERR_TLOG_RANGE_INVALID', 'tree sizes are not 0 <= size1 <= size2', { size1, size2 });
  }
  if (size1 === 0 || size1 === size2) return [];
  const ranges: number[] = [];
  consistencyRanges(size1, 0, size2, true, ranges);
  return readRanges(sha256, ranges, reader);
}

function checkProof(proof: unknown): readonly Uint8Array[] {
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) {
    fail('ERR_TLOG_PROOF_INVALID', 'proof is not a list of at most 128 hashes');
  }
  for (const hash of proof) checkHash(hash, 'proof element', 'ERR_TLOG_PROOF_INVALID');
  return proof as readonly Uint8Array[];
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`
 * (RFC 9162 section 2.1.3.2). Returns nothing; throws on any mismatch.
 *
 * @throws ProtocolError `ERR_TLOG_PROOF_INVALID` for malformed input (a hash that is not
 * 32 bytes, more than 128 proof elements); `ERR_TLOG_INCLUSION_INVALID` when the index lies
 * outside the tree or the proof does not lead to `root`.
 * @example
 * ```ts
 * verifyInclusion(sha256, { leafHash: leafHash(sha256, entryBytes), index, size, proof, root });
 * ```
 */
export function verifyInclusion(
  sha256: Sha256,
  p: {
    leafHash: Uint8Array;
    index: number;
    size: number;
    proof: readonly Uint8Array[];
    root: Uint8Array;
  },
): void {
  const proof = checkProof(p.proof);
  checkHash(p.leafHash, 'leaf hash', 'ERR_TLOG_PROOF_INVALID');
  checkHash(p.root, 'root hash', 'ERR_TLOG_PROOF_INVALID');
  const { index, size } = p;
  if (!isCount(index) || !isCount(size) || index >= size) {
    fail('ERR_TLOG_INCLUSION_INVALID', 'leaf index is not inside the tree', { index, size });
  }
  let fn = index;
  let sn = size - 1;
  let r = p.leafHash;
  for (const element of proof) {
    if (sn === 0) fail('ERR_TLOG_INCLUSION_INVALID', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sha256, element, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(sha256, r, element);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail('ERR_TLOG_INCLUSION_INVALID', 'inclusion proof is too short');
  if (!bytesEqual(r, p.root)) {
    fail('ERR_TLOG_INCLUSION_INVALID', 'inclusion proof does not lead to the root');
  }
}

/**
 * Verifies that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
 * with root `root1` (RFC 9162 section 2.1.4.2). Equal sizes need equal roots and an empty proof;
 * size 0 needs the empty tree's root and an empty proof.
 *
 * @throws ProtocolError `ERR_TLOG_PROOF_INVALID` for malformed input; `ERR_TLOG_CONSISTENCY_INVALID`
 * when the sizes are out of order or the proof does not lead to both roots.
 * @example
 * ```ts
 * verifyConsistency(sha256, { size1: 4, size2: 7, root1, root2, proof });
 * ```
 */
export function verifyConsistency(
  sha256: Sha256,
  p: {
    size1: number;
    size2: number;
    root1: Uint8Array;
    root2: Uint8Array;
    proof: readonly Uint8Array[];
  },
): void {
  const proof = checkProof(p.proof);
  checkHash(p.root1, 'first root hash', 'ERR_TLOG_PROOF_INVALID');
  checkHash(p.root2, 'second root hash', 'ERR_TLOG_PROOF_INVALID');
  const { size1, size2 } = p;
  if (!isCount(size1) || !isCount(size2) || size1 > size2) {
    fail('ERR_TLOG_CONSISTENCY_INVALID', 'tree sizes are not 0 <= size1 <= size2', {
      size1,
      size2,
    });
  }
  if (size1 === size2 || size1 === 0) {
    if (proof.length !== 0) fail('ERR_TLOG_CONSISTENCY_INVALID', 'expected an empty proof');
    const expected = size1 === 0 ? emptyTreeHash(sha256) : p.root2;
    if (!bytesEqual(p.root1, expected)) {
      fail('ERR_TLOG_CONSISTENCY_INVALID', 'the roots differ');
    }
    return;
  }
  if (proof.length === 0) fail('ERR_TLOG_CONSISTENCY_INVALID', 'consistency proof is empty');
  // Step 2: when size1 is a power of two, the old root is itself a node of the new tree.
  let path = proof;
  if (size1 === pow2(floorLog2(size1))) path = [p.root1, ...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) fail('ERR_TLOG_CONSISTENCY_INVALID', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(sha256, c, fr);
      sr = nodeHash(sha256, c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sha256, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail('ERR_TLOG_CONSISTENCY_INVALID', 'consistency proof is too short');
  // Both comparisons always run, so the time taken does not say which root failed.
  const firstOk = bytesEqual(fr, p.root1);
  const secondOk = bytesEqual(sr, p.root2);
  if (!firstOk || !secondOk) {
    fail('ERR_TLOG_CONSISTENCY_INVALID', 'consistency proof does not lead to both roots');
  }
}
