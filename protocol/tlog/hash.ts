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

/** A synchronous SHA-256: 32 bytes out for any bytes in. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

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
  const input = new Uint8Array(entry.length + 1);
  input.set(entry, 1);
  return sha256(input);
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
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
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
