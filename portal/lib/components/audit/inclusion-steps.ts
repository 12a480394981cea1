/**
 * The auditor's receipt check, shown step by step (issue 10, "Auditor"). The verdict is always
 * `protocol/tlog`'s `verifyReceipt`, the code the Assistant and the command-line verifier run;
 * the steps beside it recompute the same RFC 9162 section 2.1.3.2 walk with the same `nodeHash`,
 * only to show the auditor which hash is combined with which, on which side, and where a
 * tampered receipt parts from the signed root. Pure: SHA-256 and the verifier key are handed in.
 */
import { base64Decode, base64Encode, bytesEqual } from '$protocol/encoding';
import { isProtocolError } from '$protocol/errors';
import {
  decodeLogEntry,
  leafHash,
  nodeHash,
  openCheckpoint,
  parseReceipt,
  verifyReceipt,
  type Checkpoint,
  type LogEntry,
  type NoteVerifier,
  type Sha256,
} from '$protocol/tlog';

/** One combination of the walk: `hash = H(0x01 || left || right)`. */
export interface ProofStep {
  /** Position in the proof, from 0. */
  index: number;
  /** Whether the proof's hash went on the left (the path's node was a right child). */
  siblingOnLeft: boolean;
  sibling: string;
  result: string;
}

/** What the auditor sees after a check; `error` is the code of the first failure. */
export interface ReceiptCheck {
  /** The receipt's own fields, when its shape was right. */
  index?: number;
  checkpoint?: Checkpoint;
  /** The checkpoint note text, to keep in the history of checkpoints seen. */
  checkpointNote?: string;
  entry?: LogEntry;
  leaf?: string;
  steps: ProofStep[];
  /** The root the walk arrived at, and whether it is the checkpoint's. */
  computedRoot?: string;
  rootMatches?: boolean;
  /** `verifyReceipt`'s verdict. */
  verified: boolean;
  error?: string;
}

function codeOf(error: unknown): string {
  return isProtocolError(error) ? error.code : 'ERR_RECEIPT_INVALID';
}

/**
 * Checks a receipt (parsed JSON) against the pinned log key and origin.
 *
 * @example
 * ```ts
 * const check = checkReceipt(sha256, JSON.parse(text), parseVerifierKey(key, sha256), 'localhost:3000/log');
 * if (!check.verified) showFailure(check.error);
 * ```
 */
export function checkReceipt(
  sha256: Sha256,
  value: unknown,
  verifier: NoteVerifier,
  origin: string,
): ReceiptCheck {
  const check: ReceiptCheck = { steps: [], verified: false };
  try {
    const receipt = parseReceipt(value);
    check.index = receipt.index;
    check.checkpoint = openCheckpoint(receipt.checkpoint, verifier, origin);
    check.checkpointNote = receipt.checkpoint;
    const entryBytes = base64Decode(receipt.entry);
    check.entry = decodeLogEntry(entryBytes);
    // The walk of verifyInclusion (protocol/tlog/tree.ts), recording each combination.
    let hash = leafHash(sha256, entryBytes);
    check.leaf = base64Encode(hash);
    let fn = receipt.index;
    let sn = check.checkpoint.size - 1;
    for (const [i, encoded] of receipt.proof.entries()) {
      if (sn === 0) break;
      const sibling = base64Decode(encoded);
      const left = fn % 2 === 1 || fn === sn;
      hash = left ? nodeHash(sha256, sibling, hash) : nodeHash(sha256, hash, sibling);
      if (left && fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
      check.steps.push({
        index: i,
        siblingOnLeft: left,
        sibling: encoded,
        result: base64Encode(hash),
      });
    }
    check.computedRoot = base64Encode(hash);
    check.rootMatches = bytesEqual(hash, check.checkpoint.rootHash);
    verifyReceipt(sha256, receipt, verifier, origin);
    check.verified = true;
  } catch (error) {
    check.error = codeOf(error);
  }
  return check;
}
