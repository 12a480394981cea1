import { beforeAll, describe, expect, it } from 'vitest';
import { base64Encode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256, signSeedKeypair } from '../sodium';
import {
  checkConsistentWith,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  unverifiedCheckpointOf,
  type Checkpoint,
} from './checkpoint';
import { NaiveTree, sampleEntries, tileStore } from './naive-tree.fixture';
import { noteSigner, parseVerifierKey, signNote, verifierKeyText, type NoteVerifier } from './note';
import { emptyTreeHash } from './hash';
import { tileHashReader } from './tiles';
import { consistencyProof, inclusionProof } from './tree';

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const ORIGIN = 'localhost:3000/log';
const entries = sampleEntries(600);
const naive = new NaiveTree(entries);
const checkpointAt = (size: number, root = naive.root(size)): Checkpoint => ({
  origin: ORIGIN,
  size,
  rootHash: root,
  extensions: [],
});

let verifier: NoteVerifier;
let logKey: Uint8Array;
let sign: (c: Checkpoint) => string;
let signByOther: (c: Checkpoint) => string;

beforeAll(async () => {
  await ready();
  const log = signSeedKeypair(new Uint8Array(32).fill(7));
  logKey = log.privateKey;
  const other = signSeedKeypair(new Uint8Array(32).fill(8));
  verifier = parseVerifierKey(verifierKeyText(ORIGIN, log.publicKey, sha256), sha256);
  sign = (c) => signNote(formatCheckpoint(c), [noteSigner(ORIGIN, log.privateKey, sha256)]);
  signByOther = (c) =>
    signNote(formatCheckpoint(c), [noteSigner(ORIGIN, other.privateKey, sha256)]);
});

describe('checkpoint text (C2SP tlog-checkpoint)', () => {
  it('writes origin, size, base64 root and extension lines, each ending in a newline', () => {
    const root = naive.root(3);
    const c = { ...checkpointAt(3), extensions: ['— not a signature, an extension', 'x'] };
    const text = formatCheckpoint(c);
    expect(text).toBe(`${ORIGIN}\n3\n${base64Encode(root)}\n— not a signature, an extension\nx\n`);
    expect(parseCheckpoint(text)).toEqual(c);
    expect(parseCheckpoint(formatCheckpoint(checkpointAt(0)))).toEqual(checkpointAt(0));
  });

  it.each([
    ['a size with a leading zero', (r: string) => `${ORIGIN}\n03\n${r}\n`],
    ['a negative size', (r: string) => `${ORIGIN}\n-3\n${r}\n`],
    ['a size with a plus', (r: string) => `${ORIGIN}\n+3\n${r}\n`],
    ['a size in hex', (r: string) => `${ORIGIN}\n0x3\n${r}\n`],
    ['a size above 2^53', (r: string) => `${ORIGIN}\n9007199254740993\n${r}\n`],
    ['a size of 17 digits', (r: string) => `${ORIGIN}\n10000000000000000\n${r}\n`],
    ['no root line', () => `${ORIGIN}\n3\n`],
    ['a root of 31 bytes', () => `${ORIGIN}\n3\n${base64Encode(new Uint8Array(31))}\n`],
    ['a root without padding', (r: string) => `${ORIGIN}\n3\n${r.slice(0, -1)}\n`],
    ['a root in base64url', () => `${ORIGIN}\n3\n${'_'.repeat(43)}=\n`],
    ['an empty origin', (r: string) => `\n3\n${r}\n`],
    ['an empty extension line', (r: string) => `${ORIGIN}\n3\n${r}\n\nx\n`],
    ['no trailing newline', (r: string) => `${ORIGIN}\n3\n${r}`],
    ['carriage returns', (r: string) => `${ORIGIN}\r\n3\r\n${r}\r\n`],
    ['17 extension lines', (r: string) => `${ORIGIN}\n3\n${r}\n${'e\n'.repeat(17)}`],
    ['size 0 with a root that is not the empty tree hash', (r: string) => `${ORIGIN}\n0\n${r}\n`],
  ])('refuses %s', async (_what, make) => {
    expect(await codeOf(() => parseCheckpoint(make(base64Encode(naive.root(3)))))).toBe(
      'ERR_CHECKPOINT_MALFORMED',
    );
  });

  it('refuses to write a checkpoint that could not be read back', async () => {
    for (const c of [
      { ...checkpointAt(3), origin: 'two\nlines' },
      { ...checkpointAt(3), size: -1 },
      { ...checkpointAt(3), rootHash: new Uint8Array(31) },
      { ...checkpointAt(3), extensions: [''] },
      { ...checkpointAt(0), rootHash: naive.root(3) },
    ]) {
      expect(await codeOf(() => formatCheckpoint(c))).toBe('ERR_CHECKPOINT_MALFORMED');
    }
  });
});

describe('unverifiedCheckpointOf', () => {
  it('reads the checkpoint of a signed note whatever key signed it', () => {
    expect(unverifiedCheckpointOf(sign(checkpointAt(5)))).toEqual(checkpointAt(5));
    expect(unverifiedCheckpointOf(signByOther(checkpointAt(7)))).toEqual(checkpointAt(7));
  });

  it('refuses a note without its checkpoint text', async () => {
    expect(await codeOf(() => unverifiedCheckpointOf('no checkpoint'))).toBe(
      'ERR_CHECKPOINT_MALFORMED',
    );
  });
});

describe('openCheckpoint', () => {
  it('opens a checkpoint signed by the pinned key for the expected origin', () => {
    expect(openCheckpoint(sign(checkpointAt(5)), verifier, ORIGIN)).toEqual(checkpointAt(5));
  });

  it('refuses a checkpoint signed by another key', async () => {
    expect(await codeOf(() => openCheckpoint(signByOther(checkpointAt(5)), verifier, ORIGIN))).toBe(
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
    );
  });

  it('refuses an altered checkpoint', async () => {
    const note = sign(checkpointAt(5)).replace('\n5\n', '\n6\n');
    expect(await codeOf(() => openCheckpoint(note, verifier, ORIGIN))).toBe(
      'ERR_NOTE_SIGNATURE_INVALID',
    );
  });

  it('refuses a checkpoint of another log', async () => {
    expect(
      await codeOf(() => openCheckpoint(sign(checkpointAt(5)), verifier, 'example.com/log')),
    ).toBe('ERR_CHECKPOINT_ORIGIN_MISMATCH');
  });

  it('opens a signed empty tree only with the empty tree hash (SHA-256 of nothing) as its root', async () => {
    const signedText = (root: Uint8Array) =>
      signNote(`${ORIGIN}\n0\n${base64Encode(root)}\n`, [noteSigner(ORIGIN, logKey, sha256)]);
    expect(openCheckpoint(signedText(emptyTreeHash(sha256)), verifier, ORIGIN)).toEqual(
      checkpointAt(0, emptyTreeHash(sha256)),
    );
    for (const root of [naive.root(3), new Uint8Array(32)]) {
      expect(await codeOf(() => openCheckpoint(signedText(root), verifier, ORIGIN))).toBe(
        'ERR_CHECKPOINT_MALFORMED',
      );
    }
  });
});

describe('checkConsistentWith', () => {
  const reader = () => tileHashReader(sha256, 600, tileStore(naive, 600).readTile, naive.root(600));

  it('accepts a log that only grew, and the same checkpoint twice', async () => {
    for (const [a, b] of [
      [0, 600],
      [1, 2],
      [255, 600],
      [256, 257],
      [300, 600],
      [600, 600],
    ] as const) {
      const proof = await consistencyProof(sha256, a, b, reader());
      checkConsistentWith(sha256, checkpointAt(a), checkpointAt(b), proof);
    }
  });

  it('refuses a shrinking log with ERR_CHECKPOINT_SHRUNK', async () => {
    expect(
      await codeOf(() => checkConsistentWith(sha256, checkpointAt(300), checkpointAt(299), [])),
    ).toBe('ERR_CHECKPOINT_SHRUNK');
  });

  it('refuses another root at the same size with ERR_CHECKPOINT_FORK', async () => {
    const forked = checkpointAt(300, naive.root(299));
    expect(await codeOf(() => checkConsistentWith(sha256, checkpointAt(300), forked, []))).toBe(
      'ERR_CHECKPOINT_FORK',
    );
  });

  it('refuses a larger tree that does not extend the older one', async () => {
    const other = new NaiveTree(sampleEntries(600).reverse());
    const proof = await consistencyProof(sha256, 300, 600, reader());
    const rewritten = checkpointAt(600, other.root(600));
    expect(
      await codeOf(() => checkConsistentWith(sha256, checkpointAt(300), rewritten, proof)),
    ).toBe('ERR_TLOG_CONSISTENCY_INVALID');
    expect(
      await codeOf(() => checkConsistentWith(sha256, checkpointAt(300), checkpointAt(600), [])),
    ).toBe('ERR_TLOG_CONSISTENCY_INVALID');
  });

  it('refuses to compare checkpoints of two logs', async () => {
    const other = { ...checkpointAt(300), origin: 'example.com/log' };
    expect(await codeOf(() => checkConsistentWith(sha256, checkpointAt(300), other, []))).toBe(
      'ERR_CHECKPOINT_ORIGIN_MISMATCH',
    );
  });
});

describe('what an auditor can detect', () => {
  it('gives a tampered tile, a foreign key, a shrink and a fork each its own code', async () => {
    const store = tileStore(naive, 600);
    store.tamper(0, 1, 3);
    const tampered = await codeOf(() =>
      inclusionProof(
        sha256,
        300,
        600,
        tileHashReader(sha256, 600, store.readTile, naive.root(600)),
      ),
    );
    const foreign = await codeOf(() =>
      openCheckpoint(signByOther(checkpointAt(600)), verifier, ORIGIN),
    );
    const shrunk = await codeOf(() =>
      checkConsistentWith(sha256, checkpointAt(600), checkpointAt(599), []),
    );
    const fork = await codeOf(() =>
      checkConsistentWith(sha256, checkpointAt(600), checkpointAt(600, naive.root(599)), []),
    );
    expect([tampered, foreign, shrunk, fork]).toEqual([
      'ERR_TLOG_TILE_INVALID',
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
      'ERR_CHECKPOINT_SHRUNK',
      'ERR_CHECKPOINT_FORK',
    ]);
  });
});
