/**
 * The in-browser half of `npm run bench:log`, section 4: bench/log.bench.ts builds this page with
 * Vite, serves it on a loopback port, and calls `window.__verifyLog` in Debian's Chromium with
 * one inclusion and one consistency proof taken from the benchmark's own 1,000,000-entry log.
 * The page verifies them with the same `protocol/tlog` code the auditor's pages run, hashing
 * with libsodium's `crypto_hash_sha256` (`protocol/sodium`, WebAssembly), as the browser does,
 * and with the pure-JS `@noble/hashes` for comparison.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { base64Decode } from '../../protocol/encoding';
import { ready, sha256 as sodiumSha256 } from '../../protocol/sodium';
import { verifyConsistency, verifyInclusion, type Sha256 } from '../../protocol/tlog';

/** The proofs, base64 throughout (what the Node side hands over). */
export interface LogProofs {
  inclusion: { leafHash: string; index: number; size: number; proof: string[]; root: string };
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] };
}

/** Microseconds per verification, per SHA-256 implementation. */
export interface LogVerifyResult {
  userAgent: string;
  sodium: { inclusion: number; consistency: number };
  noble: { inclusion: number; consistency: number };
}

/** Microseconds per call of `op`: a warm-up, then as many calls as fit in about 300 ms. */
function microsPerOp(op: () => void): number {
  for (let i = 0; i < 500; i++) op();
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < 300) {
    for (let i = 0; i < 100; i++) op();
    runs += 100;
  }
  return ((performance.now() - started) * 1000) / runs;
}

function measure(sha256: Sha256, proofs: LogProofs): { inclusion: number; consistency: number } {
  const inclusion = {
    leafHash: base64Decode(proofs.inclusion.leafHash),
    index: proofs.inclusion.index,
    size: proofs.inclusion.size,
    proof: proofs.inclusion.proof.map(base64Decode),
    root: base64Decode(proofs.inclusion.root),
  };
  const consistency = {
    size1: proofs.consistency.size1,
    size2: proofs.consistency.size2,
    root1: base64Decode(proofs.consistency.root1),
    root2: base64Decode(proofs.consistency.root2),
    proof: proofs.consistency.proof.map(base64Decode),
  };
  // Once outside the timing: a proof that does not verify throws here, not as a fast figure.
  verifyInclusion(sha256, inclusion);
  verifyConsistency(sha256, consistency);
  return {
    inclusion: microsPerOp(() => verifyInclusion(sha256, inclusion)),
    consistency: microsPerOp(() => verifyConsistency(sha256, consistency)),
  };
}

(window as unknown as { __verifyLog: (p: LogProofs) => Promise<LogVerifyResult> }).__verifyLog =
  async (proofs) => {
    await ready();
    return {
      userAgent: navigator.userAgent,
      sodium: measure(sodiumSha256, proofs),
      noble: measure(nobleSha256, proofs),
    };
  };
