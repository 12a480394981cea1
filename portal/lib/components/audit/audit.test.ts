/**
 * The auditor's in-browser checks (inclusion-steps.ts, consistency.ts) on trees built here:
 * the step-by-step walk always agrees with `verifyReceipt`'s verdict, names the failure of a
 * tampered receipt, and the consistency check passes for a real prefix and fails for a forked
 * log or a tampered tile.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, base64urlEncode, utf8Encode } from '$protocol/encoding';
import { ready, sha256, signSeedKeypair } from '$protocol/sodium';
import {
  encodeLogEntry,
  formatCheckpoint,
  inclusionProof,
  leafHash,
  memoryHashReader,
  noteSigner,
  parseVerifierKey,
  signNote,
  treeHash,
  verifierKeyText,
  type NoteVerifier,
} from '$protocol/tlog';
import { NaiveTree, tileStore } from '$protocol/tlog/naive-tree.fixture';
import { checkConsistency } from './consistency';
import { checkReceipt } from './inclusion-steps';

const origin = 'localhost:3000/log';
const size = 300;
let verifier: NoteVerifier;
let signer: ReturnType<typeof noteSigner>;
let bytes: Uint8Array[];
let tree: NaiveTree;
let reader: ReturnType<typeof memoryHashReader>;

async function checkpoint(n: number, root?: Uint8Array): Promise<string> {
  return signNote(
    formatCheckpoint({
      origin,
      size: n,
      rootHash: root ?? (await treeHash(sha256, n, reader)),
      extensions: [],
    }),
    [signer],
  );
}

async function receiptAt(index: number, n = size) {
  return {
    v: 1,
    index,
    entry: base64Encode(bytes[index]!),
    proof: (await inclusionProof(sha256, index, n, reader)).map(base64Encode),
    checkpoint: await checkpoint(n),
  };
}

beforeAll(async () => {
  await ready();
  const hash = (label: string) => base64urlEncode(sha256(utf8Encode(label)));
  bytes = Array.from({ length: size }, (_, i) =>
    encodeLogEntry({
      v: 1,
      kind: 'grant',
      company: `co_${hash('company')}`,
      pseudonym: `ps_${hash(`customer-${i}`)}`,
      time: 1_767_225_600 + i,
      sha256: hash(`message-${i}`),
    }),
  );
  tree = new NaiveTree(bytes);
  reader = memoryHashReader(
    bytes.map((b) => leafHash(sha256, b)),
    sha256,
  );
  const key = signSeedKeypair(new Uint8Array(32).fill(7));
  verifier = parseVerifierKey(verifierKeyText(origin, key.publicKey, sha256), sha256);
  signer = noteSigner(origin, key.privateKey, sha256);
});

describe('checkReceipt', () => {
  it.each([0, 1, 13, 255, 256, 299])(
    'walks the proof of entry %i to the signed root',
    async (index) => {
      const receipt = await receiptAt(index);
      const check = checkReceipt(sha256, receipt, verifier, origin);
      expect(check.verified).toBe(true);
      expect(check.rootMatches).toBe(true);
      expect(check.steps).toHaveLength(receipt.proof.length);
      expect(check.entry?.time).toBe(1_767_225_600 + index);
      // The last intermediate hash is the root itself.
      expect(check.steps.at(-1)?.result).toBe(base64Encode(tree.root(size)));
    },
  );

  it('shows where a tampered proof parts from the root, agreeing with verifyReceipt', async () => {
    const receipt = await receiptAt(42);
    const flipped = base64Decode(receipt.proof[3]!);
    flipped[0]! ^= 1;
    const proof = [...receipt.proof];
    proof[3] = base64Encode(flipped);
    const check = checkReceipt(sha256, { ...receipt, proof }, verifier, origin);
    expect(check.verified).toBe(false);
    expect(check.rootMatches).toBe(false);
    expect(check.error).toBe('ERR_TLOG_INCLUSION_INVALID');
    // Steps before the tampered hash are the true ones.
    const honest = checkReceipt(sha256, receipt, verifier, origin);
    expect(check.steps.slice(0, 3)).toEqual(honest.steps.slice(0, 3));
    expect(check.steps[3]!.result).not.toBe(honest.steps[3]!.result);
  });

  it.each([
    [
      'another entry',
      async () => ({ ...(await receiptAt(5)), entry: base64Encode(bytes[6]!) }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'a forged checkpoint',
      async () => {
        const r = await receiptAt(5);
        return { ...r, checkpoint: r.checkpoint.replace(`\n${size}\n`, `\n${size + 1}\n`) };
      },
      'ERR_NOTE_SIGNATURE_INVALID',
    ],
    [
      'an unknown member',
      async () => ({ ...(await receiptAt(5)), extra: true }),
      'ERR_RECEIPT_INVALID',
    ],
    ['not an object', async () => 'receipt', 'ERR_RECEIPT_INVALID'],
  ])('refuses %s with its code and never throws', async (_, make, code) => {
    const check = checkReceipt(sha256, await make(), verifier, origin);
    expect(check.verified).toBe(false);
    expect(check.error).toBe(code);
  });
});

describe('checkConsistency', () => {
  it('passes for an older checkpoint of the same log, in either order', async () => {
    const older = await checkpoint(100);
    const newer = await checkpoint(size);
    const tiles = tileStore(tree, size);
    const forward = await checkConsistency(sha256, verifier, origin, older, newer, tiles.readTile);
    expect(forward).toMatchObject({ ok: true });
    expect(forward.proofLength).toBeGreaterThan(0);
    const backward = await checkConsistency(sha256, verifier, origin, newer, older, tiles.readTile);
    expect(backward).toMatchObject({ ok: true, older: { size: 100 }, newer: { size } });
    expect(tiles.reads.length).toBeGreaterThan(0);
  });

  it('fails for a fork at the same size and for a tampered tile', async () => {
    const forked = await checkpoint(size, new Uint8Array(32).fill(1));
    const tiles = tileStore(tree, size);
    const fork = await checkConsistency(
      sha256,
      verifier,
      origin,
      forked,
      await checkpoint(size),
      tiles.readTile,
    );
    expect(fork).toMatchObject({ ok: false, error: 'ERR_CHECKPOINT_FORK' });
    tiles.tamper(0, 0, 10);
    const tampered = await checkConsistency(
      sha256,
      verifier,
      origin,
      await checkpoint(100),
      await checkpoint(size),
      tiles.readTile,
    );
    expect(tampered.ok).toBe(false);
    expect(tampered.error).toMatch(/^ERR_/);
  });
});
