/**
 * RFC 6962 / RFC 9162 section 2.1.1 hashing with an injected SHA-256.
 *
 * SHA-256 is injected and synchronous (SPECS "Shared pieces"): `node:crypto` on the server,
 * libsodium's `crypto_hash_sha256` (protocol/sodium) or `@noble/hashes` in the browser. WebCrypto's
 * asynchronous digest would put a promise in the sequencer's inner loop.
 *
 * The 0x00 / 0x01 prefixes separate leaves from interior nodes, so no leaf can be passed off as a
 * node (a second-preimage attack on the tree).
 */

/**
 * A synchronous SHA-256: 32 bytes out for any bytes in. It must not keep `data` after it returns
 * (node:crypto, libsodium and @noble/hashes all copy or consume it): {@link leafHash} and
 * {@link nodeHash} hand it a scratch buffer that the next call overwrites.
 */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/**
 * Reused inputs of the two hash forms. A fresh Uint8Array of more than 64 bytes gets an
 * off-heap backing store in V8, and a 65-byte node input is just over that line: allocating one
 * per hash cost more than the SHA-256 itself in the sequencer's inner loop (docs/performance.md
 * "Log"). JavaScript runs one call at a time and the hash is synchronous, so one scratch each is
 * safe; an entry longer than the leaf scratch (never a valid entry, at most 1 KiB) gets its own.
 */
const nodeInput = new Uint8Array(65);
nodeInput[0] = 1;
const leafInput = new Uint8Array(1 + 1024);

/** Length of every hash in the log. */
export const HASH_SIZE = 32;

/**
 * The leaf hash of an entry: SHA-256(0x00 || entry).
 *
 * @example
 * ```ts
 * const h = leafHash(sha256, encodeLogEntry(entry));
 * ```
 */
export function leafHash(sha256: Sha256, entry: Uint8Array): Uint8Array {
  if (entry.length >= leafInput.length) {
    const input = new Uint8Array(entry.length + 1);
    input.set(entry, 1);
    return sha256(input);
  }
  leafInput.set(entry, 1);
  return sha256(leafInput.subarray(0, entry.length + 1));
}

/**
 * The hash of an interior node: SHA-256(0x01 || left || right).
 *
 * @example
 * ```ts
 * const parent = nodeHash(sha256, leftChild, rightChild);
 * ```
 */
export function nodeHash(sha256: Sha256, left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    // Not a tree hash (callers check sizes first); hashed as given rather than truncated.
    const input = new Uint8Array(1 + left.length + right.length);
    input[0] = 1;
    input.set(left, 1);
    input.set(right, 1 + left.length);
    return sha256(input);
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256(nodeInput);
}

/**
 * The root of the empty tree: SHA-256 of no bytes
 * (`e3b0c442…b855`, RFC 9162 section 2.1.1).
 *
 * @example
 * ```ts
 * emptyTreeHash(sha256) // e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
 * ```
 */
export function emptyTreeHash(sha256: Sha256): Uint8Array {
  return sha256(new Uint8Array(0));
}
