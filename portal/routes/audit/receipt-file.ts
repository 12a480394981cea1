/**
 * A receipt the auditor uploads to /audit, read with a bound: a receipt is a few KiB (an entry of
 * at most 1 KiB, a proof of at most 64 hashes, a checkpoint), so a larger file is not one, and is
 * said to be too large rather than read (it used to be replaced by nothing and reported as "This
 * is not JSON").
 */

/** The largest receipt file read, in bytes; also the paste field's limit in characters. */
export const MAX_RECEIPT_FILE_BYTES = 256 * 1024;

/** The file's text, or its size when it is larger than {@link MAX_RECEIPT_FILE_BYTES}. */
export type ReceiptFile = { text: string } | { tooLarge: number };

/**
 * Reads `file` as a receipt's text, unless it is too large to be one.
 *
 * @example
 * ```ts
 * const read = await readReceiptFile(input.files[0]);
 * if ('tooLarge' in read) say(`${read.tooLarge} bytes is too large for a receipt`);
 * ```
 */
export async function readReceiptFile(file: Blob): Promise<ReceiptFile> {
  if (file.size > MAX_RECEIPT_FILE_BYTES) return { tooLarge: file.size };
  return { text: await file.text() };
}
