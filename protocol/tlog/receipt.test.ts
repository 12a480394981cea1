import { beforeAll, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, base64urlEncode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256, signSeedKeypair } from '../sodium';
import { formatCheckpoint } from './checkpoint';
import { encodeLogEntry, type LogEntry } from './entry';
import { leafHash } from './hash';
import { memoryHashReader } from './memory';
import { noteSigner, parseVerifierKey, signNote, verifierKeyText, type NoteVerifier } from './note';
import { parseReceipt, verifyReceipt, type Receipt } from './receipt';
import { inclusionProof, treeHash } from './tree';

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const ORIGIN = 'localhost:3000/log';
const SIZE = 21;
const INDEX = 13;
let verifier: NoteVerifier;
let receipt: Receipt;
let entries: LogEntry[];
let otherCheckpoint: string;

beforeAll(async () => {
  await ready();
  const hash = (label: string) => base64urlEncode(sha256(utf8Encode(label)));
  entries = Array.from({ length: SIZE }, (_, i) => ({
    v: 1,
    kind: i % 2 === 0 ? 'grant' : 'refusal',
    company: `co_${hash(`company-${i % 3}`)}`,
    pseudonym: i % 5 === 0 ? null : `ps_${hash(`customer-${i}`)}`,
    time: 1767225600 + i,
    sha256: hash(`message-${i}`),
  }));
  const bytes = entries.map(encodeLogEntry);
  const reader = memoryHashReader(
    bytes.map((b) => leafHash(sha256, b)),
    sha256,
  );
  const key = signSeedKeypair(new Uint8Array(32).fill(9));
  verifier = parseVerifierKey(verifierKeyText(ORIGIN, key.publicKey, sha256), sha256);
  const signer = noteSigner(ORIGIN, key.privateKey, sha256);
  const checkpointFor = async (size: number) =>
    signNote(
      formatCheckpoint({
        origin: ORIGIN,
        size,
        rootHash: await treeHash(sha256, size, reader),
        extensions: [],
      }),
      [signer],
    );
  receipt = {
    v: 1,
    index: INDEX,
    entry: base64Encode(bytes[INDEX]!),
    proof: (await inclusionProof(sha256, INDEX, SIZE, reader)).map(base64Encode),
    checkpoint: await checkpointFor(SIZE),
  };
  otherCheckpoint = await checkpointFor(SIZE - 1);
});

describe('receipts', () => {
  it('verifies offline with the pinned key and returns the entry', () => {
    const result = verifyReceipt(sha256, receipt, verifier, ORIGIN, entries[INDEX]!.sha256);
    expect(result.entry).toEqual(entries[INDEX]);
    expect(result.index).toBe(INDEX);
    expect(result.checkpoint.size).toBe(SIZE);
  });

  it('round-trips through JSON', () => {
    const parsed = parseReceipt(JSON.parse(JSON.stringify(receipt)));
    expect(parsed).toEqual(receipt);
    verifyReceipt(sha256, parsed, verifier, ORIGIN);
  });

  const flipBase64 = (text: string, byte: number) => {
    const bytes = base64Decode(text);
    bytes[byte]! ^= 1;
    return base64Encode(bytes);
  };

  it.each<[string, () => unknown, string]>([
    ['v', () => ({ ...receipt, v: 2 }), 'ERR_RECEIPT_INVALID'],
    ['index + 1', () => ({ ...receipt, index: INDEX + 1 }), 'ERR_TLOG_INCLUSION_INVALID'],
    ['index - 1', () => ({ ...receipt, index: INDEX - 1 }), 'ERR_TLOG_INCLUSION_INVALID'],
    ['index beyond the tree', () => ({ ...receipt, index: SIZE }), 'ERR_TLOG_INCLUSION_INVALID'],
    ['index negative', () => ({ ...receipt, index: -1 }), 'ERR_RECEIPT_INVALID'],
    ['index as text', () => ({ ...receipt, index: String(INDEX) }), 'ERR_RECEIPT_INVALID'],
    [
      'entry bytes (a valid other entry)',
      () => ({ ...receipt, entry: base64Encode(encodeLogEntry(entries[INDEX - 1]!)) }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'entry bytes (one bit)',
      () => ({ ...receipt, entry: flipBase64(receipt.entry, 5) }),
      'ERR_LOG_ENTRY_INVALID',
    ],
    [
      'entry encoding',
      () => ({ ...receipt, entry: receipt.entry.replace(/=*$/, '') + '!' }),
      'ERR_RECEIPT_INVALID',
    ],
    [
      'a proof hash',
      () => ({ ...receipt, proof: [flipBase64(receipt.proof[0]!, 0), ...receipt.proof.slice(1)] }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'the last proof hash',
      () => ({
        ...receipt,
        proof: [...receipt.proof.slice(0, -1), flipBase64(receipt.proof.at(-1)!, 31)],
      }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'a dropped proof hash',
      () => ({ ...receipt, proof: receipt.proof.slice(1) }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'an extra proof hash',
      () => ({ ...receipt, proof: [...receipt.proof, receipt.proof[0]] }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'a short proof hash',
      () => ({ ...receipt, proof: [base64Encode(new Uint8Array(31))] }),
      'ERR_RECEIPT_INVALID',
    ],
    [
      'a checkpoint of another size',
      () => ({ ...receipt, checkpoint: otherCheckpoint }),
      'ERR_TLOG_INCLUSION_INVALID',
    ],
    [
      'the checkpoint text',
      () => ({
        ...receipt,
        checkpoint: receipt.checkpoint.replace(`\n${SIZE}\n`, `\n${SIZE + 1}\n`),
      }),
      'ERR_NOTE_SIGNATURE_INVALID',
    ],
    [
      'the checkpoint signature',
      () => ({
        ...receipt,
        checkpoint: receipt.checkpoint.replace(
          /\u2014 (\S+) (\S+)\n$/,
          (_m, n, s: string) => `\u2014 ${n} ${flipBase64(s, 20)}\n`,
        ),
      }),
      'ERR_NOTE_SIGNATURE_INVALID',
    ],
    ['an extra member', () => ({ ...receipt, extra: 1 }), 'ERR_RECEIPT_INVALID'],
    [
      'a missing member',
      () => ({ v: 1, index: INDEX, entry: receipt.entry, proof: receipt.proof }),
      'ERR_RECEIPT_INVALID',
    ],
  ])('refuses a receipt with tampered %s', async (_what, make, code) => {
    expect(await codeOf(() => verifyReceipt(sha256, make() as Receipt, verifier, ORIGIN))).toBe(
      code,
    );
  });

  it('refuses a receipt for another message', async () => {
    expect(
      await codeOf(() => verifyReceipt(sha256, receipt, verifier, ORIGIN, entries[0]!.sha256)),
    ).toBe('ERR_RECEIPT_INVALID');
  });

  it('checks the entry against the kind, company, pseudonym and time window expected', async () => {
    const entry = entries[INDEX]!;
    const expected = {
      sha256: entry.sha256,
      kind: entry.kind,
      company: entry.company,
      pseudonym: entry.pseudonym,
      time: { notBefore: entry.time, notAfter: entry.time },
    };
    expect(verifyReceipt(sha256, receipt, verifier, ORIGIN, expected).entry).toEqual(entry);
    for (const wrong of [
      { kind: 'revocation' },
      { company: entries[INDEX + 1]!.company },
      { pseudonym: entries[INDEX + 1]!.pseudonym },
      { pseudonym: null },
      { time: { notBefore: entry.time + 1, notAfter: entry.time + 600 } },
      { time: { notBefore: entry.time - 600, notAfter: entry.time - 1 } },
    ]) {
      expect(
        await codeOf(() =>
          verifyReceipt(sha256, receipt, verifier, ORIGIN, { ...expected, ...wrong }),
        ),
        JSON.stringify(wrong),
      ).toBe('ERR_RECEIPT_INVALID');
    }
  });

  it('refuses a receipt from another log or key', async () => {
    expect(await codeOf(() => verifyReceipt(sha256, receipt, verifier, 'example.com/log'))).toBe(
      'ERR_CHECKPOINT_ORIGIN_MISMATCH',
    );
    const other = signSeedKeypair(new Uint8Array(32).fill(10));
    const foreign = parseVerifierKey(verifierKeyText(ORIGIN, other.publicKey, sha256), sha256);
    expect(await codeOf(() => verifyReceipt(sha256, receipt, foreign, ORIGIN))).toBe(
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
    );
  });

  it.each([null, [], 'receipt', 42, { ...{} }])('refuses %j as a receipt', async (value) => {
    expect(await codeOf(() => parseReceipt(value))).toBe('ERR_RECEIPT_INVALID');
  });
});
