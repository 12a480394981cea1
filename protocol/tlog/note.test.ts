import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, hexEncode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';
import { ready, sha256, signDetached, signSeedKeypair } from '../sodium';
import {
  ed25519NoteKeyId,
  MAX_NOTE_LENGTH,
  noteSigner,
  openNote,
  openNoteBytes,
  parseVerifierKey,
  signNote,
  verifierKeyText,
  type NoteSigner,
  type NoteVerifier,
} from './note';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const NAME = 'localhost:3000/log';
const TEXT = 'localhost:3000/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

let log: { publicKey: Uint8Array; privateKey: Uint8Array };
let witness: { publicKey: Uint8Array; privateKey: Uint8Array };
let stranger: { publicKey: Uint8Array; privateKey: Uint8Array };
let logSigner: NoteSigner;
let witnessSigner: NoteSigner;
let logVerifier: NoteVerifier;
let witnessVerifier: NoteVerifier;

beforeAll(async () => {
  await ready();
  log = signSeedKeypair(new Uint8Array(32).fill(1));
  witness = signSeedKeypair(new Uint8Array(32).fill(2));
  stranger = signSeedKeypair(new Uint8Array(32).fill(3));
  logSigner = noteSigner(NAME, log.privateKey, sha256);
  witnessSigner = noteSigner('witness.example/w1', witness.privateKey, sha256);
  logVerifier = parseVerifierKey(verifierKeyText(NAME, log.publicKey, sha256), sha256);
  witnessVerifier = parseVerifierKey(
    verifierKeyText('witness.example/w1', witness.publicKey, sha256),
    sha256,
  );
});

/** The key id computed from SPECS' definition with another SHA-256 and hand-built input. */
function independentKeyId(name: string, publicKey: Uint8Array): string {
  const input = [...new TextEncoder().encode(name), 0x0a, 0x01, ...publicKey];
  return hexEncode(nobleSha256(new Uint8Array(input)).subarray(0, 4));
}

describe('note keys', () => {
  it('derives the key id as the first four bytes of SHA-256(name || 0x0A || 0x01 || key)', () => {
    for (const name of [NAME, 'a', 'example.com/log-ü']) {
      const id = ed25519NoteKeyId(name, log.publicKey, sha256);
      expect(id.toString(16).padStart(8, '0')).toBe(independentKeyId(name, log.publicKey));
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(2 ** 32);
    }
  });

  it('writes the verifier key as <name>+<8 hex>+<base64(0x01 || key)>', () => {
    const text = verifierKeyText(NAME, log.publicKey, sha256);
    expect(text).toBe(
      `${NAME}+${independentKeyId(NAME, log.publicKey)}+${base64Encode(new Uint8Array([1, ...log.publicKey]))}`,
    );
    const verifier = parseVerifierKey(text, sha256);
    expect(verifier.name).toBe(NAME);
    expect(verifier.keyId).toBe(logSigner.keyId);
  });

  it('refuses malformed verifier keys', () => {
    const good = verifierKeyText(NAME, log.publicKey, sha256);
    const [name, id, key] = [NAME, good.split('+')[1]!, good.slice(NAME.length + 10)];
    const wrongType = base64Encode(new Uint8Array([2, ...log.publicKey]));
    const short = base64Encode(new Uint8Array([1, ...log.publicKey.subarray(1)]));
    const otherId = (parseInt(id, 16) ^ 1).toString(16).padStart(8, '0');
    for (const text of [
      `${name}+${otherId}+${key}`,
      `${name}+${id.toUpperCase()}+${key}`,
      `${name}+${id}+${wrongType}`,
      `${name}+${id}+${short}`,
      `${name}+${id}+${key.slice(0, -1)}`,
      `${name}+${id}`,
      `${name}`,
      `+${id}+${key}`,
      `a b+${id}+${key}`,
      `other.example+${id}+${key}`,
      '',
      'x'.repeat(600),
    ]) {
      expect([text, codeOf(() => parseVerifierKey(text, sha256))]).toEqual([
        text,
        'ERR_KEY_INVALID',
      ]);
    }
  });

  it('refuses a private key whose public half is not its own', () => {
    const mixed = new Uint8Array([...log.privateKey.subarray(0, 32), ...witness.publicKey]);
    expect(codeOf(() => noteSigner(NAME, mixed, sha256))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => noteSigner(NAME, log.privateKey.subarray(0, 32), sha256))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(codeOf(() => noteSigner('with space', log.privateKey, sha256))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => noteSigner('with+plus', log.privateKey, sha256))).toBe('ERR_KEY_INVALID');
  });
});

describe('signed notes', () => {
  it('signs as text, an empty line, and one "— name base64(id || sig)" line per key', () => {
    const note = signNote(TEXT, [logSigner]);
    const sig = signDetached(utf8Encode(TEXT), log.privateKey);
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, logSigner.keyId);
    expect(note).toBe(`${TEXT}\n\u2014 ${NAME} ${base64Encode(new Uint8Array([...id, ...sig]))}\n`);
    expect(openNote(note, [logVerifier])).toEqual({ text: TEXT, verifiedBy: [NAME] });
  });

  it('reads several signature lines and reports every known key that verified', () => {
    const note = signNote(TEXT, [logSigner, witnessSigner]);
    expect(openNote(note, [logVerifier, witnessVerifier]).verifiedBy).toEqual([
      NAME,
      'witness.example/w1',
    ]);
    expect(openNote(note, [witnessVerifier]).verifiedBy).toEqual(['witness.example/w1']);
  });

  it('ignores signatures by unknown keys, even under the pinned name', () => {
    const impostor = noteSigner(NAME, stranger.privateKey, sha256);
    const note = signNote(TEXT, [impostor, witnessSigner, logSigner]);
    expect(openNote(note, [logVerifier]).verifiedBy).toEqual([NAME]);
  });

  it('refuses a note signed only by other keys', () => {
    const impostor = noteSigner(NAME, stranger.privateKey, sha256);
    expect(codeOf(() => openNote(signNote(TEXT, [impostor, witnessSigner]), [logVerifier]))).toBe(
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
    );
  });

  it('refuses a bad signature by the pinned key, even beside a good cosignature', () => {
    const forged: NoteSigner = {
      name: NAME,
      keyId: logSigner.keyId,
      sign: (msg) => signDetached(msg, stranger.privateKey),
    };
    expect(
      codeOf(() =>
        openNote(signNote(TEXT, [witnessSigner, forged]), [logVerifier, witnessVerifier]),
      ),
    ).toBe('ERR_NOTE_SIGNATURE_INVALID');
  });

  it('refuses altered text and an altered signature', () => {
    const note = signNote(TEXT, [logSigner]);
    expect(codeOf(() => openNote(note.replace('\n3\n', '\n4\n'), [logVerifier]))).toBe(
      'ERR_NOTE_SIGNATURE_INVALID',
    );
    const line = note.split('\n')[4]!;
    const bytes = base64Decode(line.split(' ')[2]!);
    bytes[10]! ^= 1;
    const altered = note.replace(line, `\u2014 ${NAME} ${base64Encode(bytes)}`);
    expect(codeOf(() => openNote(altered, [logVerifier]))).toBe('ERR_NOTE_SIGNATURE_INVALID');
    const truncated = note.replace(line, `\u2014 ${NAME} ${base64Encode(bytes.subarray(0, 40))}`);
    expect(codeOf(() => openNote(truncated, [logVerifier]))).toBe('ERR_NOTE_SIGNATURE_INVALID');
  });

  it('opens a note given as UTF-8 bytes and refuses bytes that are not UTF-8', () => {
    const note = signNote(TEXT, [logSigner]);
    expect(openNoteBytes(utf8Encode(note), [logVerifier]).text).toBe(TEXT);
    const bytes = utf8Encode(note);
    bytes[2] = 0xff;
    expect(codeOf(() => openNoteBytes(bytes, [logVerifier]))).toBe('ERR_NOTE_MALFORMED');
  });

  describe('malformed notes', () => {
    let good: string;
    let sigLine: string;
    beforeAll(() => {
      good = signNote(TEXT, [logSigner]);
      sigLine = good.slice(TEXT.length + 1, -1);
    });

    it.each([
      ['no empty line', () => good.replace('\n\n', '\n')],
      ['no trailing newline', () => good.slice(0, -1)],
      ['no signature lines', () => TEXT + '\n'],
      ['a hyphen instead of the em dash', () => good.replace('\u2014', '-')],
      ['no space after the name', () => good.replace(`${NAME} `, NAME)],
      ['padding stripped from the signature', () => good.replace(/=\n$/, '\n')],
      ['a signature of four bytes', () => `${TEXT}\n\u2014 ${NAME} AAAAAA==\n`],
      ['an empty signature line', () => `${good}\n`],
      ['a name with a plus', () => good.replace(`\u2014 ${NAME}`, '\u2014 a+b')],
      ['a control character', () => good.replace('\n3\n', '\n3\u0007\n')],
      ['a carriage return', () => good.replace(/\n/g, '\r\n')],
      ['a lone surrogate', () => good.replace('\n3\n', '\n3\ud800\n')],
      ['over-long text', () => 'x'.repeat(MAX_NOTE_LENGTH) + good],
      ['101 signature lines', () => good + `${sigLine}\n`.repeat(100)],
    ])('refuses a note with %s', (_what, make) => {
      expect(codeOf(() => openNote(make(), [logVerifier]))).toBe('ERR_NOTE_MALFORMED');
    });

    it('reads a repeated signature line once', () => {
      expect(openNote(good + `${sigLine}\n`.repeat(5), [logVerifier]).verifiedBy).toEqual([NAME]);
    });
  });

  it.each([
    ['', 'empty text'],
    ['no newline', 'no trailing newline'],
    ['a\n\nb\n', 'an empty line'],
    ['\na\n', 'a leading empty line'],
    ['a\tb\n', 'a tab'],
  ])('refuses to sign %j (%s)', (text) => {
    expect(codeOf(() => signNote(text, [logSigner]))).toBe('ERR_NOTE_MALFORMED');
  });

  it('refuses to sign with no signer', () => {
    expect(codeOf(() => signNote(TEXT, []))).toBe('ERR_NOTE_MALFORMED');
  });
});
