/**
 * TEST FIXTURE. Builds protocol/test-vectors/tlog.json from fixed inputs, so regenerating gives
 * the same bytes (Ed25519 signatures are deterministic). `test-vectors.node.test.ts` compares the
 * file with this builder; `test-vectors.test.ts` checks the file against the implementation.
 * Regenerate: `UPDATE_TEST_VECTORS=1 npx vitest run --project protocol-node protocol/tlog/test-vectors.node.test.ts`.
 * Call `await ready()` (protocol/sodium) first.
 */
import {
  base64Encode,
  base64urlEncode,
  hexDecode,
  hexEncode,
  utf8Decode,
  utf8Encode,
} from '../encoding';
import { ProtocolError } from '../errors';
import { sha256, signSeedKeypair } from '../sodium';
import { formatCheckpoint } from './checkpoint';
import { encodeLogEntry, type LogEntry } from './entry';
import { leafHash } from './hash';
import { memoryHashReader } from './memory';
import { ed25519NoteKeyId, noteSigner, signNote, verifierKeyText } from './note';
import { entryBundlePath, encodeEntryBundle, parseTilePath, tilePath } from './tiles';
import { consistencyProof, inclusionProof, treeHash } from './tree';

const hex = (hashes: readonly Uint8Array[]) => hashes.map(hexEncode);

/** SHA-256("consent-clearinghouse/test-vectors/" + label), as the other vector files use. */
function fixedSeed(label: string): Uint8Array {
  return sha256(utf8Encode(`consent-clearinghouse/test-vectors/${label}`));
}

/** RFC 6962's eight reference leaves (certificate-transparency's test data). */
export const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

export async function buildTlogVectors() {
  const leaves = RFC6962_LEAVES.map(hexDecode);
  const leafHashes = leaves.map((l) => leafHash(sha256, l));
  const reader = memoryHashReader(leafHashes, sha256);
  const roots = [];
  for (let size = 0; size <= leaves.length; size++) {
    roots.push({ size, root: hexEncode(await treeHash(sha256, size, reader)) });
  }
  const inclusion = [];
  for (const [index, size] of [
    [0, 1],
    [0, 8],
    [5, 8],
    [6, 7],
    [3, 5],
    [2, 3],
  ] as const) {
    inclusion.push({
      index,
      size,
      leafHash: hexEncode(leafHashes[index]!),
      proof: hex(await inclusionProof(sha256, index, size, reader)),
    });
  }
  const consistency = [];
  for (const [size1, size2] of [
    [1, 8],
    [3, 7],
    [4, 8],
    [6, 8],
    [2, 5],
    [5, 5],
    [0, 8],
  ] as const) {
    consistency.push({
      size1,
      size2,
      proof: hex(await consistencyProof(sha256, size1, size2, reader)),
    });
  }

  const tiles = [
    { level: 0, index: 0, width: 256 },
    { level: 0, index: 255, width: 256 },
    { level: 0, index: 256, width: 256 },
    { level: 0, index: 1000, width: 256 },
    { level: 0, index: 1234067, width: 256 },
    { level: 0, index: 1234067, width: 12 },
    { level: 2, index: 0, width: 1 },
  ].map((tile) => ({ ...tile, path: tilePath(tile) }));
  const entryBundles = [
    { index: 0, width: 256 },
    { index: 1234067, width: 7 },
  ].map(({ index, width }) => ({ index, width, path: entryBundlePath(index, width) }));
  const invalidTilePaths = [
    'tile/0/5',
    'tile/0/x000/005',
    'tile/00/000',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/x009/x007/x199/x254/x740/993',
    'tile/0/../000',
    'tile/0/000/extra',
  ].map((path) => ({ path, error: codeOf(() => parseTilePath(path)) }));

  const bundleEntries = [new Uint8Array(0), utf8Encode('a'), new Uint8Array(300).fill(0xab)];

  const origin = 'localhost:3000/log';
  const seed = fixedSeed('log-key');
  const key = signSeedKeypair(seed);
  const signer = noteSigner(origin, key.privateKey, sha256);
  const checkpointText = formatCheckpoint({
    origin,
    size: 8,
    rootHash: await treeHash(sha256, 8, reader),
    extensions: [],
  });
  const signedCheckpoint = signNote(checkpointText, [signer]);

  // A small log of log entries, and the receipt for one of them.
  const b64url = (label: string) => base64urlEncode(fixedSeed(label));
  const logEntries: LogEntry[] = Array.from({ length: 5 }, (_, i) => ({
    v: 1,
    kind: ['company', 'grant-request', 'grant', 'refusal', 'revocation'][i]!,
    company: `co_${b64url('company')}`,
    pseudonym: i < 2 ? null : `ps_${b64url(`customer-${i}`)}`,
    time: 1767225600 + i * 60,
    sha256: b64url(`message-${i}`),
  }));
  const entryBytes = logEntries.map(encodeLogEntry);
  const entryReader = memoryHashReader(
    entryBytes.map((e) => leafHash(sha256, e)),
    sha256,
  );
  const receiptCheckpoint = signNote(
    formatCheckpoint({
      origin,
      size: 5,
      rootHash: await treeHash(sha256, 5, entryReader),
      extensions: [],
    }),
    [signer],
  );
  const receiptIndex = 3;
  const receipt = {
    v: 1,
    index: receiptIndex,
    entry: base64Encode(entryBytes[receiptIndex]!),
    proof: (await inclusionProof(sha256, receiptIndex, 5, entryReader)).map(base64Encode),
    checkpoint: receiptCheckpoint,
  };

  return {
    description:
      'protocol/tlog vectors: RFC 6962/9162 hashing and proofs, C2SP tlog-tiles paths and entry bundles, C2SP signed-note Ed25519 keys, a C2SP tlog-checkpoint, the log entry and a receipt (SPECS "The log", "Receipts"). Bytes and hashes are lowercase hex unless a field says base64.',
    tree: {
      leaves: RFC6962_LEAVES,
      leafHashes: hex(leafHashes),
      roots,
      inclusion,
      consistency,
    },
    tiles: { hashTiles: tiles, entryBundles, invalidPaths: invalidTilePaths },
    entryBundle: {
      entries: hex(bundleEntries),
      bundle: hexEncode(encodeEntryBundle(bundleEntries)),
    },
    noteKey: {
      seed: hexEncode(seed),
      name: origin,
      publicKey: hexEncode(key.publicKey),
      keyIdInput: hexEncode(new Uint8Array([...utf8Encode(origin), 0x0a, 0x01, ...key.publicKey])),
      keyId: ed25519NoteKeyId(origin, key.publicKey, sha256).toString(16).padStart(8, '0'),
      verifierKey: verifierKeyText(origin, key.publicKey, sha256),
    },
    checkpoint: { origin, size: 8, text: checkpointText, signedNote: signedCheckpoint },
    logEntries: logEntries.map((entry, i) => ({
      entry,
      bytes: utf8Decode(entryBytes[i]!),
      leafHash: hexEncode(leafHash(sha256, entryBytes[i]!)),
    })),
    receipt: { origin, messageSha256: logEntries[receiptIndex]!.sha256, receipt },
    mustFail: [
      {
        what: 'the checkpoint with its size changed',
        signedNote: signedCheckpoint.replace('\n8\n', '\n9\n'),
        error: 'ERR_NOTE_SIGNATURE_INVALID',
      },
      {
        what: 'the receipt with index 2',
        receipt: { ...receipt, index: 2 },
        error: 'ERR_TLOG_INCLUSION_INVALID',
      },
    ],
  };
}

export type TlogVectors = Awaited<ReturnType<typeof buildTlogVectors>>;

/** The file's exact text: two-space JSON and a final newline, as the other vector files. */
export function tlogVectorText(vectors: TlogVectors): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}
