/**
 * A receipt file chosen on /audit (./receipt-file): one larger than any receipt is said to be too
 * large (it was read as nothing and reported as "This is not JSON").
 */
import { describe, expect, it } from 'vitest';
import { MAX_RECEIPT_FILE_BYTES, readReceiptFile } from './receipt-file';

describe('a receipt file', () => {
  it('is read as text up to the limit', async () => {
    const text = `{"v":1,"pad":"${'x'.repeat(MAX_RECEIPT_FILE_BYTES - 16)}"}`;
    expect(text.length).toBe(MAX_RECEIPT_FILE_BYTES);
    expect(await readReceiptFile(new Blob([text]))).toEqual({ text });
  });

  it('is too large one byte beyond the limit, with its size, and is not read', async () => {
    const size = MAX_RECEIPT_FILE_BYTES + 1;
    expect(await readReceiptFile(new Blob([new Uint8Array(size)]))).toEqual({ tooLarge: size });
  });

  it('has a limit of 256 KiB, far above a receipt (16 KiB of checkpoint, 1 KiB of entry, 64 hashes)', () => {
    expect(MAX_RECEIPT_FILE_BYTES).toBe(256 * 1024);
  });
});
