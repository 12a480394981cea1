/**
 * C2SP signed-note with Ed25519 keys (https://c2sp.org/signed-note), the envelope of checkpoints.
 * The semantics follow golang.org/x/mod/sumdb/note: a note is text ending in a newline, one empty
 * line, then one line per signature `— <key name> <base64(key id (4 bytes) || signature)>`.
 * Signatures by keys the caller does not know are ignored (witnesses may cosign); a signature by a
 * known key that does not verify refuses the whole note; a note with no known signature is
 * refused.
 *
 * Key id of an Ed25519 note key: the first 4 bytes (big-endian) of
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key) (SPECS "The log").
 */
import { base64Decode, base64Encode, bytesEqual, utf8Decode, utf8Encode } from '../encoding';
import { ProtocolError, isProtocolError, type ProtocolErrorCode } from '../errors';
import { signDetached, signSeedKeypair, verifyDetached } from '../sodium';
import type { Sha256 } from './hash';

/** A key that can check signatures by one (name, key id). */
export interface NoteVerifier {
  name: string;
  keyId: number;
  /** True when `sig` is a valid signature of `msg`; never throws for a bad signature. */
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** A key that signs notes under one (name, key id). */
export interface NoteSigner {
  name: string;
  keyId: number;
  sign(msg: Uint8Array): Uint8Array;
}

/** Longest note accepted, in UTF-16 code units (a checkpoint with a few cosignatures is < 2 KiB). */
export const MAX_NOTE_LENGTH = 64 * 1024;
/** Most signature lines read, as in Go's note.Open: a note cannot make us verify forever. */
export const MAX_NOTE_SIGNATURES = 100;
/** The signature type byte of Ed25519 note keys. */
const ED25519_TYPE = 0x01;
/** U+2014 EM DASH and a space: how every signature line starts. */
const SIGNATURE_PREFIX = '\u2014 ';

function fail(code: ProtocolErrorCode, message: string): never {
  throw new ProtocolError(code, message);
}

/** A C0 control character other than newline, or a lone surrogate (not encodable as UTF-8). */
const FORBIDDEN_TEXT =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0009\u000b-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Key names: non-empty, no whitespace, no '+' (it separates the parts of a verifier key). */
function isValidName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 256 &&
    !/[\s+]/u.test(name) &&
    !FORBIDDEN_TEXT.test(name)
  );
}

function checkPublicKey(publicKey: unknown): asserts publicKey is Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    fail('ERR_KEY_INVALID', 'Ed25519 public key is not 32 bytes');
  }
}

/**
 * The key id of an Ed25519 note key: the first four bytes, big-endian, of
 * SHA-256(name || 0x0A || 0x01 || publicKey), as an unsigned 32-bit number.
 *
 * @throws ProtocolError `ERR_KEY_INVALID` for an invalid name or a public key that is not 32 bytes.
 * @example
 * ```ts
 * const id = ed25519NoteKeyId('localhost:3000/log', publicKey, sha256);
 * id.toString(16).padStart(8, '0');
 * ```
 */
export function ed25519NoteKeyId(name: string, publicKey: Uint8Array, sha256: Sha256): number {
  if (!isValidName(name)) fail('ERR_KEY_INVALID', 'note key name is empty or contains space or +');
  checkPublicKey(publicKey);
  const nameBytes = utf8Encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + 32);
  input.set(nameBytes, 0);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ED25519_TYPE;
  input.set(publicKey, nameBytes.length + 2);
  const h = sha256(input);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/**
 * The verifier key in text form, `<name>+<key id as 8 lowercase hex digits>+<base64(0x01 || pk)>`:
 * what `/.well-known/clearinghouse.json` publishes as `logVerifierKey`.
 *
 * @example
 * ```ts
 * verifierKeyText('localhost:3000/log', publicKey, sha256) // 'localhost:3000/log+1a2b3c4d+AT…'
 * ```
 */
export function verifierKeyText(name: string, publicKey: Uint8Array, sha256: Sha256): string {
  const keyId = ed25519NoteKeyId(name, publicKey, sha256);
  const typed = new Uint8Array(33);
  typed[0] = ED25519_TYPE;
  typed.set(publicKey, 1);
  return `${name}+${keyIdHex(keyId)}+${base64Encode(typed)}`;
}

/**
 * Parses a verifier key in text form into a {@link NoteVerifier} (Ed25519 through libsodium, so
 * `await ready()` from protocol/sodium before verifying). The key id must match the name and key.
 *
 * @throws ProtocolError `ERR_KEY_INVALID` for anything but a well-formed Ed25519 verifier key.
 * @example
 * ```ts
 * const verifier = parseVerifierKey(wellKnown.logVerifierKey, sha256);
 * const { text } = openNote(note, [verifier]);
 * ```
 */
export function parseVerifierKey(text: string, sha256: Sha256): NoteVerifier {
  if (typeof text !== 'string' || text.length > 512) fail('ERR_KEY_INVALID', 'not a verifier key');
  // The name cannot contain '+', the hex id cannot either; base64 can, so split twice only.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) fail('ERR_KEY_INVALID', 'verifier key is not <name>+<id>+<key>');
  const name = text.slice(0, first);
  const idText = text.slice(first + 1, second);
  if (!isValidName(name) || !/^[0-9a-f]{8}$/.test(idText)) {
    fail('ERR_KEY_INVALID', 'verifier key has an invalid name or key id');
  }
  let typed: Uint8Array;
  try {
    typed = base64Decode(text.slice(second + 1));
  } catch {
    fail('ERR_KEY_INVALID', 'verifier key is not canonical base64');
  }
  if (typed.length !== 33 || typed[0] !== ED25519_TYPE) {
    fail('ERR_KEY_INVALID', 'verifier key is not an Ed25519 note key');
  }
  const publicKey = typed.slice(1);
  const keyId = ed25519NoteKeyId(name, publicKey, sha256);
  if (keyIdHex(keyId) !== idText) fail('ERR_KEY_INVALID', 'verifier key id does not match its key');
  return {
    name,
    keyId,
    verify(msg: Uint8Array, sig: Uint8Array): boolean {
      if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
      try {
        return verifyDetached(sig, msg, publicKey);
      } catch (e) {
        // Not ready is the caller's mistake and must not look like a forged signature.
        if (isProtocolError(e)) throw e;
        return false;
      }
    },
  };
}

/**
 * A note signer for an Ed25519 key. `privateKey` is libsodium's 64 bytes (seed || public key);
 * the pair is checked once here (needs `await ready()`), because a mismatched key would sign
 * checkpoints nobody can verify.
 *
 * @throws ProtocolError `ERR_KEY_INVALID` for an invalid name or key.
 * @example
 * ```ts
 * const signer = noteSigner(origin, keyPair.privateKey, sha256);
 * const note = signNote(formatCheckpoint(checkpoint), [signer]);
 * ```
 */
export function noteSigner(name: string, privateKey: Uint8Array, sha256: Sha256): NoteSigner {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 64) {
    fail('ERR_KEY_INVALID', 'Ed25519 private key is not 64 bytes');
  }
  const publicKey = privateKey.slice(32);
  if (!bytesEqual(signSeedKeypair(privateKey.subarray(0, 32)).publicKey, publicKey)) {
    fail('ERR_KEY_INVALID', 'Ed25519 private key does not match its public half');
  }
  const keyId = ed25519NoteKeyId(name, publicKey, sha256);
  const secret = privateKey.slice();
  return { name, keyId, sign: (msg) => signDetached(msg, secret) };
}

function checkText(text: unknown): asserts text is string {
  if (
    typeof text !== 'string' ||
    text.length === 0 ||
    text.length > MAX_NOTE_LENGTH ||
    !text.endsWith('\n') ||
    text.startsWith('\n') ||
    text.includes('\n\n') ||
    FORBIDDEN_TEXT.test(text)
  ) {
    fail(
      'ERR_NOTE_MALFORMED',
      'note text must be non-empty lines of UTF-8 text, each ending in a newline, no empty line',
    );
  }
}

/**
 * Signs `text` (which must end with a newline and contain no empty line) with every signer, in
 * order, and returns the signed note.
 *
 * @throws ProtocolError `ERR_NOTE_MALFORMED` for invalid text or no signer; `ERR_KEY_INVALID` for
 * a signer with an invalid name or key id.
 * @example
 * ```ts
 * const note = signNote('localhost:3000/log\n3\n…=\n', [signer]);
 * ```
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  if (!Array.isArray(signers) || signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES) {
    fail('ERR_NOTE_MALFORMED', 'a note needs 1..100 signers');
  }
  const message = utf8Encode(text);
  let out = `${text}\n`;
  for (const signer of signers) {
    if (
      !isValidName(signer.name) ||
      !Number.isInteger(signer.keyId) ||
      signer.keyId < 0 ||
      signer.keyId > 0xffffffff
    ) {
      fail('ERR_KEY_INVALID', 'signer has an invalid name or key id');
    }
    const sig = signer.sign(message);
    const line = new Uint8Array(4 + sig.length);
    new DataView(line.buffer).setUint32(0, signer.keyId);
    line.set(sig, 4);
    out += `${SIGNATURE_PREFIX}${signer.name} ${base64Encode(line)}\n`;
  }
  return out;
}

/**
 * Opens a signed note: checks its form and its signatures against `verifiers` (matched by name and
 * key id) and returns the text with the names of the keys that verified it. Unknown signers are
 * ignored; repeated signatures by one key are read once.
 *
 * @throws ProtocolError `ERR_NOTE_MALFORMED` for a note that is too long, has control characters,
 * no empty line before the signatures, no trailing newline, a malformed signature line or more
 * than 100 of them; `ERR_NOTE_SIGNATURE_INVALID` when a known key's signature does not verify;
 * `ERR_NOTE_NO_TRUSTED_SIGNATURE` when no known key signed it.
 * @example
 * ```ts
 * const { text, verifiedBy } = openNote(body, [parseVerifierKey(pinnedKey, sha256)]);
 * ```
 */
export function openNote(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; verifiedBy: string[] } {
  if (typeof note !== 'string' || note.length > MAX_NOTE_LENGTH || FORBIDDEN_TEXT.test(note)) {
    fail('ERR_NOTE_MALFORMED', 'note is too long or not valid text');
  }
  if (!Array.isArray(verifiers)) fail('ERR_KEY_INVALID', 'verifiers is not a list');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('ERR_NOTE_MALFORMED', 'note has no empty line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    fail('ERR_NOTE_MALFORMED', 'note has no signature lines or no final newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    fail('ERR_NOTE_MALFORMED', 'note has too many signatures');
  const message = utf8Encode(text);
  const seen = new Set<string>();
  const verifiedBy: string[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) fail('ERR_NOTE_MALFORMED', 'not a signature line');
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? '' : rest.slice(space + 1);
    let bytes: Uint8Array;
    try {
      bytes = base64Decode(encoded);
    } catch {
      fail('ERR_NOTE_MALFORMED', 'signature is not canonical base64');
    }
    if (!isValidName(name) || bytes.length < 5)
      fail('ERR_NOTE_MALFORMED', 'malformed signature line');
    const keyId = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    const verifier = verifiers.find((v) => v.name === name && v.keyId === keyId);
    if (verifier === undefined) continue;
    const key = `${keyId}:${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!verifier.verify(message, bytes.subarray(4))) {
      fail('ERR_NOTE_SIGNATURE_INVALID', `the signature by ${name} does not verify`);
    }
    verifiedBy.push(name);
  }
  if (verifiedBy.length === 0) {
    fail('ERR_NOTE_NO_TRUSTED_SIGNATURE', 'no signature by a known key');
  }
  return { text, verifiedBy };
}

/**
 * {@link openNote} for a note as received over HTTP: strict UTF-8 first.
 *
 * @throws ProtocolError `ERR_NOTE_MALFORMED` for bytes that are not UTF-8, and everything
 * {@link openNote} throws.
 * @example
 * ```ts
 * const { text } = openNoteBytes(new Uint8Array(await response.arrayBuffer()), [verifier]);
 * ```
 */
export function openNoteBytes(
  bytes: Uint8Array,
  verifiers: readonly NoteVerifier[],
): { text: string; verifiedBy: string[] } {
  if (!(bytes instanceof Uint8Array) || bytes.length > 3 * MAX_NOTE_LENGTH) {
    fail('ERR_NOTE_MALFORMED', 'note is not bytes or too long');
  }
  let note: string;
  try {
    note = utf8Decode(bytes);
  } catch {
    fail('ERR_NOTE_MALFORMED', 'note is not valid UTF-8');
  }
  return openNote(note, verifiers);
}
