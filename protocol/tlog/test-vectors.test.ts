/**
 * Runs protocol/test-vectors/tlog.json against this implementation, in Node and in Chromium.
 * Another implementation of the log runs the same file against itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexDecode, hexEncode, utf8Decode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256, signSeedKeypair } from '../sodium';
import vectors from '../test-vectors/tlog.json';
import { openCheckpoint, parseCheckpoint } from './checkpoint';
import { decodeLogEntry, encodeLogEntry, type LogEntry } from './entry';
import { leafHash } from './hash';
import { memoryHashReader } from './memory';
import { ed25519NoteKeyId, openNote, parseVerifierKey, verifierKeyText } from './note';
import { parseReceipt, verifyReceipt } from './receipt';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entryBundlePath,
  parseTilePath,
  tilePath,
} from './tiles';
import {
  consistencyProof,
  inclusionProof,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from './tree';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

beforeAll(async () => {
  await ready();
});

const { tree } = vectors;
const leafHashes = () => tree.leaves.map((l) => leafHash(sha256, hexDecode(l)));
const rootOf = (size: number) => hexDecode(tree.roots.find((r) => r.size === size)!.root);

describe('tlog.json: tree', () => {
  it('has the leaf hashes and roots of every prefix', async () => {
    expect(leafHashes().map(hexEncode)).toEqual(tree.leafHashes);
    const reader = memoryHashReader(leafHashes(), sha256);
    for (const { size, root } of tree.roots)
      expect(hexEncode(await treeHash(sha256, size, reader))).toBe(root);
  });

  it.each(tree.inclusion.map((v) => [v.index, v.size, v] as const))(
    'inclusion proof of leaf %i in size %i',
    async (index, size, v) => {
      const proof = v.proof.map(hexDecode);
      verifyInclusion(sha256, {
        leafHash: hexDecode(v.leafHash),
        index,
        size,
        proof,
        root: rootOf(size),
      });
      const built = await inclusionProof(
        sha256,
        index,
        size,
        memoryHashReader(leafHashes(), sha256),
      );
      expect(built.map(hexEncode)).toEqual(v.proof);
    },
  );

  it.each(tree.consistency.map((v) => [v.size1, v.size2, v] as const))(
    'consistency proof from size %i to %i',
    async (size1, size2, v) => {
      const proof = v.proof.map(hexDecode);
      verifyConsistency(sha256, {
        size1,
        size2,
        root1: rootOf(size1),
        root2: rootOf(size2),
        proof,
      });
      const built = await consistencyProof(
        sha256,
        size1,
        size2,
        memoryHashReader(leafHashes(), sha256),
      );
      expect(built.map(hexEncode)).toEqual(v.proof);
    },
  );
});

describe('tlog.json: tiles', () => {
  it.each(vectors.tiles.hashTiles.map((t) => [t.path, t] as const))('hash tile %s', (path, t) => {
    const tile = { level: t.level, index: t.index, width: t.width };
    expect(tilePath(tile)).toBe(path);
    expect(parseTilePath(path)).toEqual({ kind: 'hash', ...tile });
  });

  it.each(vectors.tiles.entryBundles.map((t) => [t.path, t] as const))(
    'entry bundle %s',
    (path, t) => {
      expect(entryBundlePath(t.index, t.width)).toBe(path);
      expect(parseTilePath(path)).toEqual({ kind: 'entries', index: t.index, width: t.width });
    },
  );

  it.each(vectors.tiles.invalidPaths.map((t) => [t.path, t.error] as const))(
    'refuses %s',
    (path, error) => {
      expect(codeOf(() => parseTilePath(path))).toBe(error);
    },
  );

  it('encodes and decodes the entry bundle', () => {
    const entries = vectors.entryBundle.entries.map(hexDecode);
    expect(hexEncode(encodeEntryBundle(entries))).toBe(vectors.entryBundle.bundle);
    expect(
      decodeEntryBundle(hexDecode(vectors.entryBundle.bundle), entries.length).map(hexEncode),
    ).toEqual(vectors.entryBundle.entries);
  });
});

describe('tlog.json: note key and checkpoint', () => {
  const k = vectors.noteKey;

  it('derives the key, its id and the verifier key from the seed', () => {
    const pair = signSeedKeypair(hexDecode(k.seed));
    expect(hexEncode(pair.publicKey)).toBe(k.publicKey);
    expect(hexEncode(sha256(hexDecode(k.keyIdInput)).subarray(0, 4))).toBe(k.keyId);
    expect(ed25519NoteKeyId(k.name, pair.publicKey, sha256).toString(16).padStart(8, '0')).toBe(
      k.keyId,
    );
    expect(verifierKeyText(k.name, pair.publicKey, sha256)).toBe(k.verifierKey);
  });

  it('opens the signed checkpoint with the verifier key', () => {
    const verifier = parseVerifierKey(k.verifierKey, sha256);
    const c = vectors.checkpoint;
    expect(openNote(c.signedNote, [verifier]).text).toBe(c.text);
    const opened = openCheckpoint(c.signedNote, verifier, c.origin);
    expect(opened).toEqual(parseCheckpoint(c.text));
    expect(opened.size).toBe(c.size);
    expect(opened.rootHash).toEqual(rootOf(c.size));
  });
});

describe('tlog.json: log entries and the receipt', () => {
  it.each(vectors.logEntries.map((v, i) => [i, v] as const))(
    'entry %i encodes canonically',
    (_i, v) => {
      const bytes = encodeLogEntry(v.entry as LogEntry);
      expect(utf8Decode(bytes)).toBe(v.bytes);
      expect(decodeLogEntry(utf8Encode(v.bytes))).toEqual(v.entry);
      expect(hexEncode(leafHash(sha256, bytes))).toBe(v.leafHash);
    },
  );

  it('verifies the receipt offline', () => {
    const { origin, messageSha256, receipt } = vectors.receipt;
    const verifier = parseVerifierKey(vectors.noteKey.verifierKey, sha256);
    const result = verifyReceipt(sha256, parseReceipt(receipt), verifier, origin, messageSha256);
    expect(result.entry.sha256).toBe(messageSha256);
  });

  it.each(vectors.mustFail.map((v) => [v.what, v] as const))('refuses %s', (_what, v) => {
    const verifier = parseVerifierKey(vectors.noteKey.verifierKey, sha256);
    const run =
      'signedNote' in v && v.signedNote !== undefined
        ? () => openCheckpoint(v.signedNote, verifier, vectors.checkpoint.origin)
        : () => verifyReceipt(sha256, parseReceipt(v.receipt), verifier, vectors.receipt.origin);
    expect(codeOf(run)).toBe(v.error);
  });
});
