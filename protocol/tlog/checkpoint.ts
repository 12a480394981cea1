/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed statement "the log called
 * <origin> has <size> entries with root <hash>", carried in a signed note.
 *
 * Text: the origin, the size in decimal without leading zeros, the root hash in standard base64,
 * each on its own line, then optional non-empty extension lines; the text ends with a newline.
 */
import { base64Decode, base64Encode, bytesEqual } from '../encoding';
import { ProtocolError, type ProtocolErrorCode } from '../errors';
import { HASH_SIZE, type Sha256 } from './hash';
import { openNote, type NoteVerifier } from './note';
import { verifyConsistency } from './tree';

/** A parsed checkpoint. `extensions` are the lines after the root hash, without newlines. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** Longest origin line accepted. */
export const MAX_ORIGIN_LENGTH = 256;
/** Most extension lines accepted, and the longest one. */
export const MAX_CHECKPOINT_EXTENSIONS = 16;
export const MAX_EXTENSION_LENGTH = 1024;

/**
 * The root of the empty tree, SHA-256 of no bytes (RFC 9162 section 2.1.1; `emptyTreeHash` in
 * ./hash computes the same with the injected SHA-256). A constant here because parsing takes no
 * hash function: a checkpoint of size 0 states this root and no other.
 */
const EMPTY_TREE_ROOT = base64Decode('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');

function fail(code: ProtocolErrorCode, message: string, detail?: Record<string, unknown>): never {
  throw new ProtocolError(code, message, detail);
}

/** One line of text: no newline, no other control character, no lone surrogate. */
const LINE_FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkLine(line: unknown, max: number, what: string): asserts line is string {
  if (
    typeof line !== 'string' ||
    line.length === 0 ||
    line.length > max ||
    LINE_FORBIDDEN.test(line)
  ) {
    fail(
      'ERR_CHECKPOINT_MALFORMED',
      `${what} is not a non-empty line of at most ${max} characters`,
    );
  }
}

function checkCheckpoint(c: Checkpoint): void {
  if (typeof c !== 'object' || c === null) fail('ERR_CHECKPOINT_MALFORMED', 'not a checkpoint');
  checkLine(c.origin, MAX_ORIGIN_LENGTH, 'origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) {
    fail('ERR_CHECKPOINT_MALFORMED', 'size is not a safe non-negative integer');
  }
  if (!(c.rootHash instanceof Uint8Array) || c.rootHash.length !== HASH_SIZE) {
    fail('ERR_CHECKPOINT_MALFORMED', 'root hash is not 32 bytes');
  }
  // A signed "0 entries, root X" with X not the empty tree's root is a statement no tree makes;
  // accepted, it would stand as an auditor's first checkpoint and later make every honest proof
  // look like a fork.
  if (c.size === 0 && !bytesEqual(c.rootHash, EMPTY_TREE_ROOT)) {
    fail('ERR_CHECKPOINT_MALFORMED', 'a checkpoint of size 0 must carry the empty tree hash');
  }
  if (!Array.isArray(c.extensions) || c.extensions.length > MAX_CHECKPOINT_EXTENSIONS) {
    fail('ERR_CHECKPOINT_MALFORMED', 'too many extension lines');
  }
  for (const line of c.extensions) checkLine(line, MAX_EXTENSION_LENGTH, 'extension line');
}

/**
 * The checkpoint's note text (ends with a newline), ready for `signNote`.
 *
 * @throws ProtocolError `ERR_CHECKPOINT_MALFORMED` for an empty or multi-line origin, a size that
 * is not a safe integer, a root that is not 32 bytes (or, at size 0, not the empty tree's hash),
 * or bad extension lines.
 * @example
 * ```ts
 * formatCheckpoint({ origin: 'localhost:3000/log', size: 3, rootHash, extensions: [] })
 * // 'localhost:3000/log\n3\n<base64 root>\n'
 * ```
 */
export function formatCheckpoint(c: Checkpoint): string {
  checkCheckpoint(c);
  const lines = [c.origin, String(c.size), base64Encode(c.rootHash), ...c.extensions];
  return `${lines.join('\n')}\n`;
}

/**
 * The checkpoint a signed checkpoint note carries, parsed from its text before the signatures and
 * NOT verified: to learn its origin (to pick the verifier) or to compare sizes before checking.
 *
 * @throws ProtocolError `ERR_CHECKPOINT_MALFORMED` as {@link parseCheckpoint}.
 * @example
 * ```ts
 * const verifier = verifierFor(unverifiedCheckpointOf(note).origin);
 * ```
 */
export function unverifiedCheckpointOf(note: string): Checkpoint {
  return parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1));
}

/**
 * Parses checkpoint text (the note text, without signatures).
 *
 * @throws ProtocolError `ERR_CHECKPOINT_MALFORMED` unless it is exactly the form
 * {@link formatCheckpoint} writes (a size of 0 with any root but the empty tree's hash included).
 * @example
 * ```ts
 * const { size, rootHash } = parseCheckpoint(openNote(note, [verifier]).text);
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  const max = MAX_ORIGIN_LENGTH + 64 + MAX_CHECKPOINT_EXTENSIONS * (MAX_EXTENSION_LENGTH + 1);
  if (typeof text !== 'string' || text.length > max || !text.endsWith('\n')) {
    fail('ERR_CHECKPOINT_MALFORMED', 'checkpoint text is not lines ending in a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('ERR_CHECKPOINT_MALFORMED', 'checkpoint has fewer than three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(sizeText)) {
    fail('ERR_CHECKPOINT_MALFORMED', 'size is not a decimal number without leading zeros');
  }
  let rootHash: Uint8Array;
  try {
    rootHash = base64Decode(rootText);
  } catch {
    fail('ERR_CHECKPOINT_MALFORMED', 'root hash is not canonical base64');
  }
  const checkpoint = { origin, size: Number(sizeText), rootHash, extensions };
  checkCheckpoint(checkpoint);
  return checkpoint;
}

/**
 * Opens a signed checkpoint with the pinned log key and checks that it is for `expectedOrigin`.
 * Cosignatures by other keys (witnesses) are ignored.
 *
 * @throws ProtocolError everything {@link openNote} throws (`ERR_NOTE_NO_TRUSTED_SIGNATURE` for a
 * checkpoint signed by another key, `ERR_NOTE_SIGNATURE_INVALID` for an altered one),
 * `ERR_CHECKPOINT_MALFORMED`, and `ERR_CHECKPOINT_ORIGIN_MISMATCH` for another log's checkpoint.
 * @example
 * ```ts
 * const checkpoint = openCheckpoint(await fetchText('/log/checkpoint'), verifier, 'localhost:3000/log');
 * ```
 */
export function openCheckpoint(
  signedNote: string,
  verifier: NoteVerifier,
  expectedOrigin: string,
): Checkpoint {
  const { text } = openNote(signedNote, [verifier]);
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== expectedOrigin) {
    fail('ERR_CHECKPOINT_ORIGIN_MISMATCH', 'checkpoint is for another log', {
      origin: checkpoint.origin,
      expected: expectedOrigin,
    });
  }
  return checkpoint;
}

/**
 * Checks that `newer` extends `older` (what an auditor does with every checkpoint it sees): a
 * smaller tree is a shrink, the same size with another root is a fork, and a larger tree needs a
 * valid consistency proof.
 *
 * @throws ProtocolError `ERR_CHECKPOINT_ORIGIN_MISMATCH` for two different logs,
 * `ERR_CHECKPOINT_SHRUNK`, `ERR_CHECKPOINT_FORK`, or `ERR_TLOG_CONSISTENCY_INVALID` /
 * `ERR_TLOG_PROOF_INVALID` from the proof.
 * @example
 * ```ts
 * checkConsistentWith(sha256, lastSeen, current, await fetchConsistencyProof(lastSeen.size, current.size));
 * ```
 */
export function checkConsistentWith(
  sha256: Sha256,
  older: Checkpoint,
  newer: Checkpoint,
  proof: readonly Uint8Array[],
): void {
  checkCheckpoint(older);
  checkCheckpoint(newer);
  if (older.origin !== newer.origin) {
    fail('ERR_CHECKPOINT_ORIGIN_MISMATCH', 'the checkpoints are for different logs');
  }
  if (newer.size < older.size) {
    fail('ERR_CHECKPOINT_SHRUNK', 'the log has fewer entries than before', {
      before: older.size,
      now: newer.size,
    });
  }
  if (newer.size === older.size && !bytesEqual(newer.rootHash, older.rootHash)) {
    fail('ERR_CHECKPOINT_FORK', 'the log has another root at the same size', { size: newer.size });
  }
  verifyConsistency(sha256, {
    size1: older.size,
    size2: newer.size,
    root1: older.rootHash,
    root2: newer.rootHash,
    proof,
  });
}
