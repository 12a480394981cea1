import { beforeAll, describe, expect, it, vi } from 'vitest';
import { hexDecode, hexEncode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256 } from '../sodium';
import { emptyTreeHash, leafHash, nodeHash } from './hash';
import { memoryHashReader } from './memory';
import { NaiveTree, sampleEntries, tileStore } from './naive-tree.fixture';
import { tileHashReader } from './tiles';
import {
  appendLeaf,
  consistencyProof,
  inclusionProof,
  rightEdgeOf,
  rootFromRightEdge,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type HashReader,
} from './tree';

// The exhaustive tables hash a few hundred thousand times: generous for a busy 2-core machine.
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

/** Hashes as one hex string: far cheaper to compare than arrays of Uint8Array. */
function hex(hashes: readonly Uint8Array[]): string {
  return hashes.map(hexEncode).join(',');
}

function flip(hash: Uint8Array, bit = 0): Uint8Array {
  const out = hash.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

// RFC 6962's reference test data (certificate-transparency, transparency-dev/merkle testonly):
// eight leaves and the root of every prefix.
const rfcLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hexDecode);
const rfcRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree to SHA-256 of no bytes', () => {
    expect(hexEncode(emptyTreeHash(sha256))).toBe(rfcRoots[0]);
  });

  it('prefixes leaves with 0x00 and nodes with 0x01', () => {
    const a = new Uint8Array([7]);
    expect(leafHash(sha256, a)).toEqual(sha256(new Uint8Array([0, 7])));
    const l = new Uint8Array(32).fill(1);
    const r = new Uint8Array(32).fill(2);
    expect(nodeHash(sha256, l, r)).toEqual(sha256(new Uint8Array([1, ...l, ...r])));
  });

  it.each(rfcRoots.map((root, size) => [size, root] as const))(
    'gives the RFC 6962 root of the first %i reference leaves',
    async (size, root) => {
      const leaves = rfcLeaves.slice(0, size).map((e) => leafHash(sha256, e));
      const reader = memoryHashReader(leaves, sha256);
      expect(hexEncode(await treeHash(sha256, size, reader))).toBe(root);
      expect(hexEncode(new NaiveTree(rfcLeaves).root(size))).toBe(root);
    },
  );
});

describe('appendLeaf', () => {
  it('keeps the right edge whose root matches the naive tree at every size up to 300', () => {
    const entries = sampleEntries(300);
    const naive = new NaiveTree(entries);
    let edge: Uint8Array[] = [];
    expect(rootFromRightEdge(sha256, edge)).toEqual(naive.root(0));
    for (let i = 0; i < entries.length; i++) {
      const step = appendLeaf(sha256, edge, i, leafHash(sha256, entries[i]!));
      // Every stored node is the complete subtree it claims to be.
      for (const node of step.stored) {
        const width = 2 ** node.level;
        expect(node.hash).toEqual(naive.mth(node.index * width, (node.index + 1) * width));
      }
      // The leaf, plus one node per trailing 1 bit of i.
      let trailing = 0;
      while ((i >> trailing) & 1) trailing++;
      expect(step.stored).toHaveLength(1 + trailing);
      edge = step.rightEdge;
      expect(rootFromRightEdge(sha256, edge)).toEqual(naive.root(i + 1));
    }
  });

  it('refuses a right edge that does not belong to a tree of that size', async () => {
    const h = leafHash(sha256, new Uint8Array([1]));
    expect(await codeOf(() => appendLeaf(sha256, [], 1, h))).toBe('ERR_TLOG_RANGE_INVALID');
    expect(await codeOf(() => appendLeaf(sha256, [h], 3, h))).toBe('ERR_TLOG_RANGE_INVALID');
    expect(await codeOf(() => appendLeaf(sha256, [], -1, h))).toBe('ERR_TLOG_RANGE_INVALID');
    expect(await codeOf(() => appendLeaf(sha256, [], 0, new Uint8Array(31)))).toBe(
      'ERR_TLOG_PROOF_INVALID',
    );
  });

  it('resumes from rightEdgeOf exactly where it stopped', async () => {
    const entries = sampleEntries(77);
    const reader = memoryHashReader(
      entries.map((e) => leafHash(sha256, e)),
      sha256,
    );
    let edge = await rightEdgeOf(
      50,
      memoryHashReader(
        entries.slice(0, 50).map((e) => leafHash(sha256, e)),
        sha256,
      ),
    );
    for (let i = 50; i < 77; i++)
      edge = appendLeaf(sha256, edge, i, leafHash(sha256, entries[i]!)).rightEdge;
    expect(rootFromRightEdge(sha256, edge)).toEqual(await treeHash(sha256, 77, reader));
  });
});

const MAX = 64;
// One more entry than the largest tree, so a proof can be checked against the next size up.
const entries = sampleEntries(MAX + 1);
const naive = new NaiveTree(entries);
const leafHashes = entries.map((e) => naive.leafHash(e));
const leafHashesUpToMax = leafHashes.slice(0, MAX);

describe(`inclusion proofs for every (index, size) up to ${MAX} leaves`, () => {
  it('match the naive PATH, verify, and refuse every tampering', async () => {
    const reader = memoryHashReader(leafHashesUpToMax, sha256);
    for (let size = 1; size <= MAX; size++) {
      const root = naive.root(size);
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(sha256, index, size, reader);
        expect(hex(proof)).toBe(hex(naive.inclusion(index, size)));
        const good = { leafHash: leafHashes[index]!, index, size, proof, root };
        verifyInclusion(sha256, good);
        const refuse = (p: typeof good) => codeOf(() => verifyInclusion(sha256, p));
        const bad = 'ERR_TLOG_INCLUSION_INVALID';
        for (let i = 0; i < proof.length; i++) {
          const tampered = proof.slice();
          tampered[i] = flip(proof[i]!, index % 256);
          expect(await refuse({ ...good, proof: tampered })).toBe(bad);
        }
        expect(await refuse({ ...good, proof: [...proof, root] })).toBe(bad);
        if (proof.length > 0) expect(await refuse({ ...good, proof: proof.slice(1) })).toBe(bad);
        if (proof.length > 0)
          expect(await refuse({ ...good, proof: proof.slice(0, -1) })).toBe(bad);
        expect(await refuse({ ...good, root: flip(root, 255) })).toBe(bad);
        expect(await refuse({ ...good, leafHash: flip(good.leafHash) })).toBe(bad);
        expect(await refuse({ ...good, index: index + 1 })).toBe(bad);
        if (index > 0) expect(await refuse({ ...good, index: index - 1 })).toBe(bad);
        // Another size, with that size's root: the proof binds the tree it was made for. (The
        // size alone cannot be checked: trees of different sizes can share a leaf's path, and the
        // checkpoint's signature is what binds a size to its root.)
        for (const other of [size - 1, size + 1]) {
          if (other > index) {
            expect(await refuse({ ...good, size: other, root: naive.root(other) })).toBe(bad);
          }
        }
      }
    }
  });
});

describe(`consistency proofs for every (size1, size2) up to ${MAX} leaves`, () => {
  it('match the naive PROOF, verify, and refuse every tampering', async () => {
    const reader = memoryHashReader(leafHashesUpToMax, sha256);
    for (let size2 = 0; size2 <= MAX; size2++) {
      for (let size1 = 0; size1 <= size2; size1++) {
        const proof = await consistencyProof(sha256, size1, size2, reader);
        expect(hex(proof)).toBe(hex(naive.consistency(size1, size2)));
        const root1 = naive.root(size1);
        const root2 = naive.root(size2);
        const good = { size1, size2, root1, root2, proof };
        verifyConsistency(sha256, good);
        const refuse = (p: typeof good) => codeOf(() => verifyConsistency(sha256, p));
        const bad = 'ERR_TLOG_CONSISTENCY_INVALID';
        for (let i = 0; i < proof.length; i++) {
          const tampered = proof.slice();
          tampered[i] = flip(proof[i]!, 3);
          expect(await refuse({ ...good, proof: tampered })).toBe(bad);
        }
        expect(await refuse({ ...good, proof: [...proof, root2] })).toBe(bad);
        if (proof.length > 0)
          expect(await refuse({ ...good, proof: proof.slice(0, -1) })).toBe(bad);
        expect(await refuse({ ...good, root1: flip(root1) })).toBe(bad);
        // Every tree extends the empty one, whatever its root: only size1 > 0 binds root2.
        if (size1 > 0) expect(await refuse({ ...good, root2: flip(root2) })).toBe(bad);
        if (size1 > 0 && size1 < size2) {
          const with1 = (n: number) => ({ ...good, size1: n, root1: naive.root(n) });
          const with2 = (n: number) => ({ ...good, size2: n, root2: naive.root(n) });
          expect(await refuse(with1(size1 + 1))).toBe(bad);
          expect(await refuse(with2(size2 + 1))).toBe(bad);
          if (size1 > 1) expect(await refuse(with1(size1 - 1))).toBe(bad);
          if (size2 - 1 > size1) expect(await refuse(with2(size2 - 1))).toBe(bad);
        }
        if (size1 < size2) {
          expect(await refuse({ ...good, size1: size2, size2: size1 })).toBe(bad);
        }
      }
    }
  });
});

describe('proofs through tiles', () => {
  /** Counts readHashes calls, to show each proof costs one. */
  function counting(reader: HashReader): HashReader & { calls: number } {
    const counted = {
      calls: 0,
      readHashes(nodes: Parameters<HashReader['readHashes']>[0]) {
        counted.calls++;
        return reader.readHashes(nodes);
      },
    };
    return counted;
  }

  it('builds the same proofs from tiles as from memory for every pair up to 64 leaves', async () => {
    for (let size = 1; size <= MAX; size++) {
      const reader = counting(
        tileHashReader(sha256, size, tileStore(naive, size).readTile, naive.root(size)),
      );
      for (let index = 0; index < size; index++) {
        expect(hex(await inclusionProof(sha256, index, size, reader))).toBe(
          hex(naive.inclusion(index, size)),
        );
      }
      for (let size1 = 0; size1 <= size; size1++) {
        expect(hex(await consistencyProof(sha256, size1, size, reader))).toBe(
          hex(naive.consistency(size1, size)),
        );
      }
      expect(await treeHash(sha256, size, reader)).toEqual(naive.root(size));
    }
  });

  const big = 256 * 256 + 256 * 3 + 17;
  const bigEntries = sampleEntries(big);
  const bigNaive = new NaiveTree(bigEntries);

  it.each([1, 255, 256, 257, 511, 512, 513, 256 * 3 + 17, 256 * 256 - 1, 256 * 256, big])(
    'builds proofs across several tiles in a tree of %i leaves, reading each tile once',
    async (size) => {
      const store = tileStore(bigNaive, size);
      const root = bigNaive.root(size);
      const withRoot = tileHashReader(sha256, size, store.readTile, root);
      const plain = tileHashReader(sha256, size, store.readTile);
      const indices = [0, 1, 255, 256, 257, 700, 65535, 65536, size - 2, size - 1].filter(
        (i) => i >= 0 && i < size,
      );
      for (const index of indices) {
        for (const reader of [withRoot, plain]) {
          store.reads.length = 0;
          const proof = await inclusionProof(sha256, index, size, reader);
          expect(hex(proof)).toBe(hex(bigNaive.inclusion(index, size)));
          expect(new Set(store.reads).size).toBe(store.reads.length);
          verifyInclusion(sha256, {
            leafHash: bigNaive.leafHash(bigEntries[index]!),
            index,
            size,
            proof,
            root,
          });
        }
      }
      for (const size1 of [1, 3, 256, 300, 511, 65536, size - 1].filter(
        (s) => s > 0 && s <= size,
      )) {
        store.reads.length = 0;
        const proof = await consistencyProof(sha256, size1, size, withRoot);
        expect(hex(proof)).toBe(hex(bigNaive.consistency(size1, size)));
        expect(new Set(store.reads).size).toBe(store.reads.length);
        verifyConsistency(sha256, {
          size1,
          size2: size,
          root1: bigNaive.root(size1),
          root2: root,
          proof,
        });
      }
      expect(await treeHash(sha256, size, plain)).toEqual(root);
    },
  );

  it('asks for the width the tree size implies', async () => {
    const store = tileStore(bigNaive, 256 * 3 + 17);
    await inclusionProof(
      sha256,
      770,
      256 * 3 + 17,
      tileHashReader(sha256, 256 * 3 + 17, store.readTile),
    );
    expect(store.reads.sort()).toEqual(['0/3.17', '1/0.3'].sort());
  });
});

describe('proof arguments', () => {
  let reader: HashReader;
  beforeAll(() => {
    reader = memoryHashReader(leafHashes.slice(0, 8), sha256);
  });

  it.each([
    [8, 8],
    [-1, 8],
    [0, 0],
    [1.5, 8],
    [Number.MAX_SAFE_INTEGER + 1, Number.MAX_SAFE_INTEGER + 2],
  ])('refuses to build an inclusion proof for index %s in size %s', async (index, size) => {
    expect(await codeOf(() => inclusionProof(sha256, index, size, reader))).toBe(
      'ERR_TLOG_RANGE_INVALID',
    );
  });

  it('refuses a consistency proof from a larger to a smaller tree', async () => {
    expect(await codeOf(() => consistencyProof(sha256, 5, 4, reader))).toBe(
      'ERR_TLOG_RANGE_INVALID',
    );
  });

  it('refuses to build a proof the reader cannot serve', async () => {
    expect(await codeOf(() => inclusionProof(sha256, 3, 9, reader))).toBe('ERR_TLOG_RANGE_INVALID');
  });

  it('refuses malformed hashes and over-long proofs as malformed, not as a mismatch', async () => {
    const root = naive.root(8);
    const proof = naive.inclusion(3, 8);
    const good = { leafHash: leafHashes[3]!, index: 3, size: 8, proof, root };
    verifyInclusion(sha256, good);
    const code = (p: typeof good) => codeOf(() => verifyInclusion(sha256, p));
    expect(await code({ ...good, root: root.subarray(1) })).toBe('ERR_TLOG_PROOF_INVALID');
    expect(await code({ ...good, leafHash: new Uint8Array(33) })).toBe('ERR_TLOG_PROOF_INVALID');
    expect(await code({ ...good, proof: [...proof.slice(1), new Uint8Array(31)] })).toBe(
      'ERR_TLOG_PROOF_INVALID',
    );
    expect(await code({ ...good, proof: Array.from({ length: 129 }, () => root) })).toBe(
      'ERR_TLOG_PROOF_INVALID',
    );
    expect(await code({ ...good, index: Number.NaN })).toBe('ERR_TLOG_INCLUSION_INVALID');
  });

  it('accepts only the empty proof and the empty root from size 0', async () => {
    const root2 = naive.root(8);
    const empty = emptyTreeHash(sha256);
    verifyConsistency(sha256, { size1: 0, size2: 8, root1: empty, root2, proof: [] });
    expect(
      await codeOf(() =>
        verifyConsistency(sha256, { size1: 0, size2: 8, root1: root2, root2, proof: [] }),
      ),
    ).toBe('ERR_TLOG_CONSISTENCY_INVALID');
    expect(
      await codeOf(() =>
        verifyConsistency(sha256, { size1: 0, size2: 8, root1: empty, root2, proof: [root2] }),
      ),
    ).toBe('ERR_TLOG_CONSISTENCY_INVALID');
  });

  it('handles sizes above 2^32 without 32-bit overflow', async () => {
    // A tree of 2^33 + 5 leaves where every level-33 subtree and the tail are read from a fake
    // reader: the proof nodes must be the ones RFC 9162 names.
    const size = 2 ** 33 + 5;
    const asked: string[] = [];
    const fake: HashReader = {
      readHashes(nodes) {
        for (const n of nodes) asked.push(`${n.level}/${n.index}`);
        return Promise.resolve(nodes.map(() => new Uint8Array(32)));
      },
    };
    await inclusionProof(sha256, 2 ** 33 + 4, size, fake);
    expect(asked).toEqual(['2/2147483648', '33/0']);
    asked.length = 0;
    await inclusionProof(sha256, 2 ** 32 + 1, size, fake);
    const expected = ['0/4294967296'];
    for (let level = 1; level <= 31; level++) expected.push(`${level}/${2 ** (32 - level) + 1}`);
    expected.push('32/0', '2/2147483648', '0/8589934596');
    expect(asked).toEqual(expected);
  });
});
