/**
 * The checkpoint pasted into /audit: the whitespace copying adds is removed before it is verified
 * (./pasted-checkpoint). A genuine checkpoint with two spaces in front used to fail as "its
 * checkpoint was altered", and one with a blank line after it as "not well-formed".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '$protocol/errors';
import { ready, sha256, signSeedKeypair } from '$protocol/sodium';
import {
  formatCheckpoint,
  noteSigner,
  openCheckpoint,
  parseVerifierKey,
  signNote,
  verifierKeyText,
  type NoteVerifier,
} from '$protocol/tlog';
import { pastedCheckpoint } from './pasted-checkpoint';

const origin = 'ch.example/log';
let verifier: NoteVerifier;
/** A genuine checkpoint, as the log signs it. */
let note: string;

beforeAll(async () => {
  await ready();
  const log = signSeedKeypair(new Uint8Array(32).fill(3));
  verifier = parseVerifierKey(verifierKeyText(origin, log.publicKey, sha256), sha256);
  const text = formatCheckpoint({
    origin,
    size: 12,
    rootHash: new Uint8Array(32).fill(9),
    extensions: [],
  });
  note = signNote(text, [noteSigner(origin, log.privateKey, sha256)]);
});

/** The code the pasted text fails with once made a note, or 'verified'. */
function outcome(pasted: string): string {
  try {
    openCheckpoint(pastedCheckpoint(pasted)!, verifier, origin);
    return 'verified';
  } catch (error) {
    return error instanceof ProtocolError ? error.code : String(error);
  }
}

describe('a pasted checkpoint', () => {
  it.each([
    ['as copied', (n: string) => n],
    ['without its final newline', (n: string) => n.slice(0, -1)],
    ['with two spaces in front', (n: string) => `  ${n}`],
    ['with blank lines around it', (n: string) => `\n\n${n}\n\n`],
    ['with spaces and a tab after it', (n: string) => `${n}  \t`],
    ['with spaces at the end of every line', (n: string) => n.replace(/\n/g, '   \n')],
    ['with CR LF line ends', (n: string) => n.replace(/\n/g, '\r\n')],
  ])('verifies when pasted %s', (_how, paste) => {
    expect(outcome(paste(note))).toBe('verified');
  });

  it('becomes the signed note itself, ending with one newline', () => {
    expect(pastedCheckpoint(` \n${note.replace(/\n/g, ' \r\n')}\n\n  `)).toBe(note);
  });

  it('still fails when it was altered: removing whitespace makes no altered note verify', () => {
    const altered = note.replace('\n12\n', '\n13\n');
    expect(outcome(`  ${altered}\n\n`)).toBe('ERR_NOTE_SIGNATURE_INVALID');
    // Spaces inside a line, or at the start of one, are the note's own: kept, so it fails.
    expect(outcome(note.replace('\n12\n', '\n 12\n'))).toBe('ERR_NOTE_SIGNATURE_INVALID');
  });

  it.each(['', '   ', '\n \t\n'])('is nothing when only whitespace was pasted (%j)', (pasted) => {
    expect(pastedCheckpoint(pasted)).toBeUndefined();
  });
});
