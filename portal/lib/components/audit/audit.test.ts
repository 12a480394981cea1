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
  parseTilePath,
  parseVerifierKey,
  signNote,
  treeHash,
  verifierKeyText,
  type NoteVerifier,
} from '$protocol/tlog';
import { NaiveTree, tileStore } from '$protocol/tlog/naive-tree.fixture';
import { checkConsistency, logTileReader } from './consistency';
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

/**
 * A tile the log did not give is no verdict on the log: the page used to throw a plain Error for
 * any status, which checkConsistency took for ERR_TLOG_CONSISTENCY_INVALID ("the log was
 * rewritten") when a proxy answered 500 or a partial tile 404. Now the reader follows the
 * command-line verifier: a partial tile answered 404 is read from the full one, no connection,
 * 429 and 5xx are "try again later", and a tile the log does not serve at all is said as such.
 */
describe('logTileReader', () => {
  /** The log's tiles over HTTP, as `answer` changes them (by path under the log prefix). */
  function served(answer: (path: string) => Response | undefined = () => undefined) {
    const tiles = tileStore(tree, size);
    const paths: string[] = [];
    const get = async (path: string) => {
      paths.push(path);
      const custom = answer(path);
      if (custom !== undefined) return custom;
      const tile = parseTilePath(path);
      if (tile.kind !== 'hash') return new Response('', { status: 404 });
      try {
        return new Response((await tiles.readTile(tile)) as Uint8Array<ArrayBuffer>);
      } catch {
        return new Response('', { status: 404 });
      }
    };
    return { readTile: logTileReader(get), paths };
  }
  const status = (code: number) => new Response('', { status: code });

  it('proves consistency over HTTP, and reads a partial tile answered 404 from the full tile', async () => {
    // Checkpoints of 100 and 200: the proof needs tile 0/000 at width 200.
    const honest = served();
    const result = await checkConsistency(
      sha256,
      verifier,
      origin,
      await checkpoint(100),
      await checkpoint(200),
      honest.readTile,
    );
    expect(result).toMatchObject({ ok: true });
    expect(honest.paths).toEqual(['tile/0/000.p/200']);

    const grown = served((path) => (path === 'tile/0/000.p/200' ? status(404) : undefined));
    const fromFull = await checkConsistency(
      sha256,
      verifier,
      origin,
      await checkpoint(100),
      await checkpoint(200),
      grown.readTile,
    );
    expect(fromFull).toMatchObject({ ok: true });
    expect(grown.paths).toEqual(['tile/0/000.p/200', 'tile/0/000']);
  });

  it.each<[string, (path: string) => Response | undefined, object]>([
    ['a 500', () => status(500), { kind: 'unreachable', status: 500, path: 'tile/0/000.p/200' }],
    ['a 502 of a proxy', () => status(502), { kind: 'unreachable', status: 502 }],
    ['a 429', () => status(429), { kind: 'unreachable', status: 429 }],
    [
      'no connection',
      () => {
        throw new TypeError('Failed to fetch');
      },
      { kind: 'unreachable', path: 'tile/0/000.p/200' },
    ],
    [
      'a 404 of the partial tile and of the full one',
      () => status(404),
      { kind: 'missing', status: 404, path: 'tile/0/000.p/200' },
    ],
    ['a 410', () => status(410), { kind: 'missing', status: 410 }],
  ])(
    'says that %s decided nothing, instead of "not consistent"',
    async (_, answer, unavailable) => {
      const result = await checkConsistency(
        sha256,
        verifier,
        origin,
        await checkpoint(100),
        await checkpoint(200),
        served(answer).readTile,
      );
      expect(result.ok).toBe(false);
      expect(result.error).toBeUndefined();
      expect(result.unavailable).toMatchObject(unavailable);
    },
  );

  it('still refuses a tile served at the wrong length, as the log failing its checkpoint', async () => {
    const long = served((path) =>
      path === 'tile/0/000.p/200' ? new Response(new Uint8Array(201 * 32)) : undefined,
    );
    const result = await checkConsistency(
      sha256,
      verifier,
      origin,
      await checkpoint(100),
      await checkpoint(200),
      long.readTile,
    );
    expect(result).toMatchObject({ ok: false, error: 'ERR_TLOG_TILE_INVALID' });
    expect(result.unavailable).toBeUndefined();
  });
});
