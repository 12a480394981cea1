/**
 * Receipts (SPECS "Receipts"): what `GET /api/v1/log/receipts/<sha256>` answers once a message is
 * in the log, `{"v":1,"index":…,"entry":<base64>,"proof":[<base64 hash>…],"checkpoint":<note>}`.
 * Whoever holds one can check offline, with the pinned log key, that the message is in the log.
 */
import { base64Decode } from '../encoding';
import { ProtocolError, isProtocolError } from '../errors';
import { type Checkpoint, openCheckpoint } from './checkpoint';
import { decodeLogEntry, MAX_LOG_ENTRY_SIZE, type LogEntry } from './entry';
import { HASH_SIZE, leafHash, type Sha256 } from './hash';
import { MAX_NOTE_LENGTH, type NoteVerifier } from './note';
import { MAX_PROOF_LENGTH, verifyInclusion } from './tree';

/** A receipt as served, before verification. */
export interface Receipt {
  v: 1;
  index: number;
  /** The entry bytes, standard base64. */
  entry: string;
  /** The inclusion proof, each hash standard base64. */
  proof: string[];
  /** The signed checkpoint note the proof leads to. */
  checkpoint: string;
}

/**
 * What the entry of a receipt must say for the message its holder has in hand; each field given
 * is checked. Without them a receipt proves only that *some* entry with that hash is logged, not
 * that the log committed to the company, pseudonym and time the holder relies on.
 */
export interface ExpectedEntry {
  /** The base64url SHA-256 of the compact JWS. */
  readonly sha256: string;
  readonly kind?: string;
  readonly company?: string;
  readonly pseudonym?: string | null;
  /** The entry's `time` (seconds) must lie within these bounds, both included. */
  readonly time?: { readonly notBefore: number; readonly notAfter: number };
}

const RECEIPT_KEYS = ['checkpoint', 'entry', 'index', 'proof', 'v'];
/** 44 characters of padded base64 for 32 bytes. */
const HASH_BASE64_LENGTH = 44;

function invalid(message: string): never {
  throw new ProtocolError('ERR_RECEIPT_INVALID', message);
}

function decodeBase64(text: unknown, maxLength: number, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length > maxLength) invalid(`${what} is not base64 text`);
  try {
    return base64Decode(text);
  } catch {
    invalid(`${what} is not canonical base64`);
  }
}

/**
 * Checks the shape of a receipt (for example `await response.json()`) and returns it typed. It
 * does not verify it: see {@link verifyReceipt}.
 *
 * @throws ProtocolError `ERR_RECEIPT_INVALID` for unknown or missing members, `v` other than 1,
 * an index that is not a safe integer, an entry that is not 1..1024 bytes of base64, a proof that
 * is not at most 128 base64 hashes of 32 bytes, or an over-long checkpoint.
 * @example
 * ```ts
 * const receipt = parseReceipt(JSON.parse(fileText));
 * ```
 */
export function parseReceipt(value: unknown): Receipt {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('not an object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  if (keys.length !== RECEIPT_KEYS.length || keys.some((k, i) => k !== RECEIPT_KEYS[i])) {
    invalid('receipt has unknown or missing members');
  }
  if (record.v !== 1) invalid('v is not 1');
  const index = record.index;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    invalid('index is not a safe non-negative integer');
  }
  const entryBytes = decodeBase64(record.entry, 4 * Math.ceil(MAX_LOG_ENTRY_SIZE / 3), 'entry');
  if (entryBytes.length === 0) invalid('entry is empty');
  const proof = record.proof;
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) {
    invalid('proof is not a list of at most 128 hashes');
  }
  for (const hash of proof) {
    if (decodeBase64(hash, HASH_BASE64_LENGTH, 'proof hash').length !== HASH_SIZE) {
      invalid('proof hash is not 32 bytes');
    }
  }
  const checkpoint = record.checkpoint;
  if (typeof checkpoint !== 'string' || checkpoint.length > MAX_NOTE_LENGTH) {
    invalid('checkpoint is not a signed note');
  }
  return {
    v: 1,
    index,
    entry: record.entry as string,
    proof: [...(proof as string[])],
    checkpoint,
  };
}

/**
 * Verifies a receipt offline: the checkpoint is signed by the pinned log key for `origin`, the
 * entry is a well-formed log entry (for the expected message, when `expected` is given: the
 * base64url SHA-256 of the compact JWS, or an {@link ExpectedEntry} that also names the kind,
 * company, pseudonym and time window the entry must carry), and the proof puts it at `index` in
 * the tree of the checkpoint.
 *
 * @throws ProtocolError `ERR_RECEIPT_INVALID` (malformed, or for another message, or an entry
 * that does not say what `expected` does),
 * `ERR_LOG_ENTRY_INVALID`, the checkpoint's codes (`ERR_NOTE_SIGNATURE_INVALID`,
 * `ERR_NOTE_NO_TRUSTED_SIGNATURE`, `ERR_CHECKPOINT_*`), or `ERR_TLOG_INCLUSION_INVALID` when the
 * entry is not at that index under that root.
 * @example
 * ```ts
 * const { entry, index, checkpoint } = verifyReceipt(sha256, receipt, pinnedVerifier, 'localhost:3000/log', messageHash);
 * verifyReceipt(sha256, receipt, pinnedVerifier, origin, {
 *   sha256: messageHash, kind: 'grant', company, pseudonym, time: { notBefore: iat - 60, notAfter: exp + 60 },
 * });
 * ```
 */
export function verifyReceipt(
  sha256: Sha256,
  receipt: Receipt,
  verifier: NoteVerifier,
  origin: string,
  expected?: string | ExpectedEntry,
): { entry: LogEntry; index: number; checkpoint: Checkpoint } {
  const parsed = parseReceipt(receipt);
  const checkpoint = openCheckpoint(parsed.checkpoint, verifier, origin);
  const entryBytes = base64Decode(parsed.entry);
  const entry = decodeLogEntry(entryBytes);
  if (expected !== undefined)
    checkEntry(entry, typeof expected === 'string' ? { sha256: expected } : expected);
  try {
    verifyInclusion(sha256, {
      leafHash: leafHash(sha256, entryBytes),
      index: parsed.index,
      size: checkpoint.size,
      proof: parsed.proof.map((hash) => base64Decode(hash)),
      root: checkpoint.rootHash,
    });
  } catch (e) {
    // The proof's shape was checked by parseReceipt; any failure here is a wrong proof.
    if (isProtocolError(e, 'ERR_TLOG_PROOF_INVALID')) {
      throw new ProtocolError('ERR_TLOG_INCLUSION_INVALID', 'inclusion proof is invalid');
    }
    throw e;
  }
  return { entry, index: parsed.index, checkpoint };
}

function checkEntry(entry: LogEntry, expected: ExpectedEntry): void {
  if (entry.sha256 !== expected.sha256) invalid('the receipt is for another message');
  if (expected.kind !== undefined && entry.kind !== expected.kind) {
    invalid('the receipt is for another kind');
  }
  if (expected.company !== undefined && entry.company !== expected.company) {
    invalid("the receipt's entry names another company");
  }
  if (expected.pseudonym !== undefined && entry.pseudonym !== expected.pseudonym) {
    invalid("the receipt's entry names another pseudonym");
  }
  const time = expected.time;
  if (time !== undefined && !(entry.time >= time.notBefore && entry.time <= time.notAfter)) {
    invalid("the receipt's entry time is outside the message's window");
  }
}
