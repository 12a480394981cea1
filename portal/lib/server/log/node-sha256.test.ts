import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeSha256 } from './sequencer';

describe('nodeSha256 (the latin1 fast path)', () => {
  it.each([0, 1, 33, 64, 65, 127, 128, 1_000, 70_000])(
    'equals a node:crypto Hash digest for %i random bytes, including bytes >= 0x80',
    (length) => {
      for (let round = 0; round < 20; round++) {
        const data = randomBytes(length);
        const expected = new Uint8Array(createHash('sha256').update(data).digest());
        const actual = nodeSha256(new Uint8Array(data));
        expect(actual).toBeInstanceOf(Uint8Array);
        expect(actual).toEqual(expected);
      }
    },
  );

  it('gives the known answer for "abc" (FIPS 180-2)', () => {
    expect(Buffer.from(nodeSha256(new TextEncoder().encode('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('returns a fresh array each call: callers keep hashes without copying', () => {
    const a = nodeSha256(new Uint8Array([1]));
    const b = nodeSha256(new Uint8Array([2]));
    expect(a).not.toBe(b);
    expect(a).not.toEqual(b);
  });
});
