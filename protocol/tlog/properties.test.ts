/**
 * Every parser of attacker-controlled log data, given arbitrary input, returns a value or throws a
 * ProtocolError: never a TypeError, RangeError or a hang (STYLE habit 6).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64Encode, base64urlEncode, utf8Decode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256, signSeedKeypair } from '../sodium';
import { formatCheckpoint, parseCheckpoint } from './checkpoint';
import { decodeLogEntry, encodeLogEntry } from './entry';
import {
  noteSigner,
  openNote,
  openNoteBytes,
  parseVerifierKey,
  signNote,
  verifierKeyText,
  type NoteVerifier,
} from './note';
import { parseReceipt, verifyReceipt } from './receipt';
import { decodeEntryBundle, parseTilePath } from './tiles';
import { verifyConsistency, verifyInclusion } from './tree';

/** Runs `parse`; passes when it returns or throws a ProtocolError, fails on anything else. */
function total(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (e) {
    if (e instanceof ProtocolError) return true;
    throw e;
  }
}

const RUNS = { numRuns: 300 };
const ORIGIN = 'localhost:3000/log';
let verifier: NoteVerifier;
let note: string;
let entryText: string;

beforeAll(async () => {
  await ready();
  const key = signSeedKeypair(new Uint8Array(32).fill(4));
  verifier = parseVerifierKey(verifierKeyText(ORIGIN, key.publicKey, sha256), sha256);
  note = signNote(
    formatCheckpoint({
      origin: ORIGIN,
      size: 42,
      rootHash: sha256(new Uint8Array(1)),
      extensions: ['ext'],
    }),
    [noteSigner(ORIGIN, key.privateKey, sha256)],
  );
  const hash = base64urlEncode(sha256(new Uint8Array(2)));
  entryText = utf8Decode(
    encodeLogEntry({
      v: 1,
      kind: 'grant',
      company: `co_${hash}`,
      pseudonym: `ps_${hash}`,
      time: 1,
      sha256: hash,
    }),
  );
});

/** Strings near the valid form: the valid text with one character replaced, inserted or removed. */
function mutated(base: () => string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.nat(),
      fc.constantFrom('replace', 'insert', 'delete'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
    )
    .map(([at, how, text]) => {
      const s = base();
      const i = at % (s.length + 1);
      if (how === 'insert') return s.slice(0, i) + text + s.slice(i);
      if (how === 'delete') return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + text + s.slice(i + 1);
    });
}

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ maxLength: 300 }),
);

describe('parsers never throw anything but a ProtocolError', () => {
  it('parseTilePath', () => {
    const pathLike = fc
      .array(
        fc.oneof(
          fc.constantFrom('tile', 'entries', 'x', '.p', '..', '0', '000', 'x001', '256', ''),
          fc.string({ maxLength: 5 }),
        ),
        {
          maxLength: 8,
        },
      )
      .map((parts) => parts.join('/'));
    fc.assert(
      fc.property(fc.oneof(anyString, pathLike), (path) => total(() => parseTilePath(path))),
      RUNS,
    );
  });

  it('decodeEntryBundle', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.integer({ min: -2, max: 300 })),
        (bytes, count) => total(() => decodeEntryBundle(bytes, count ?? undefined)),
      ),
      RUNS,
    );
  });

  it('parseCheckpoint', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyString,
          mutated(() => note.slice(0, note.indexOf('\n\n') + 1)),
        ),
        (text) => total(() => parseCheckpoint(text)),
      ),
      RUNS,
    );
  });

  it('openNote and openNoteBytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyString,
          mutated(() => note),
        ),
        (text) => total(() => openNote(text, [verifier])),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) =>
        total(() => openNoteBytes(bytes, [verifier])),
      ),
      RUNS,
    );
  });

  it('parseVerifierKey', () => {
    const good = () => verifierKeyText(ORIGIN, new Uint8Array(32).fill(5), sha256);
    fc.assert(
      fc.property(fc.oneof(anyString, mutated(good)), (text) =>
        total(() => parseVerifierKey(text, sha256)),
      ),
      RUNS,
    );
  });

  it('decodeLogEntry', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 1100 }),
          mutated(() => entryText).map(utf8Encode),
          fc.jsonValue().map((v) => utf8Encode(JSON.stringify(v) ?? '')),
        ),
        (bytes) => total(() => decodeLogEntry(bytes)),
      ),
      RUNS,
    );
  });

  it('parseReceipt and verifyReceipt', () => {
    const receiptLike = fc.record(
      {
        v: fc.oneof(fc.constant(1), fc.anything()),
        index: fc.oneof(fc.nat(100), fc.double(), fc.anything()),
        entry: fc.oneof(fc.uint8Array({ maxLength: 64 }).map(base64Encode), fc.anything()),
        proof: fc.oneof(
          fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(base64Encode), {
            maxLength: 8,
          }),
          fc.anything(),
        ),
        checkpoint: fc.oneof(
          fc.constant(note),
          mutated(() => note),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), receiptLike), (value) =>
        total(() => verifyReceipt(sha256, parseReceipt(value), verifier, ORIGIN)),
      ),
      RUNS,
    );
  });

  it('verifyInclusion and verifyConsistency', () => {
    const hash = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 40 }),
    );
    const count = fc.oneof(
      fc.nat(1000),
      fc.double(),
      fc.constant(Number.MAX_SAFE_INTEGER),
      fc.integer(),
    );
    fc.assert(
      fc.property(
        hash,
        count,
        count,
        fc.array(hash, { maxLength: 12 }),
        hash,
        (leaf, index, size, proof, root) =>
          total(() => verifyInclusion(sha256, { leafHash: leaf, index, size, proof, root })),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(
        count,
        count,
        hash,
        hash,
        fc.array(hash, { maxLength: 12 }),
        (size1, size2, root1, root2, proof) =>
          total(() => verifyConsistency(sha256, { size1, size2, root1, root2, proof })),
      ),
      RUNS,
    );
  });
});

describe('no mutation of a signed checkpoint opens to other text', () => {
  it('either refuses the mutated note or returns the signed text unchanged', () => {
    const signedText = () => note.slice(0, note.indexOf('\n\n') + 1);
    fc.assert(
      fc.property(
        mutated(() => note),
        (text) => {
          let opened: string | undefined;
          try {
            opened = openNote(text, [verifier]).text;
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
            return;
          }
          expect(opened).toBe(signedText());
        },
      ),
      { numRuns: 500 },
    );
  });
});
