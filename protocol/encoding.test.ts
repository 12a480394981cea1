import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  bytesEqual,
  hexDecode,
  hexEncode,
  isCanonicalBase64url,
  utf8Decode,
  utf8Encode,
} from './encoding';
import { ProtocolError } from './errors';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

describe('base64url', () => {
  it.each([
    ['', []],
    ['AA', [0]],
    ['AAE', [0, 1]],
    ['AAEC', [0, 1, 2]],
    ['-_8', [251, 255]],
    ['Zm9vYmFy', [102, 111, 111, 98, 97, 114]],
  ])('decodes %j to the RFC 4648 bytes and encodes them back', (text, bytes) => {
    expect([...base64urlDecode(text)]).toEqual(bytes);
    expect(base64urlEncode(new Uint8Array(bytes))).toBe(text);
  });

  it.each([
    ['padding', 'AA=='],
    ['a single padding character', 'AAE='],
    ['the standard alphabet', '+/8'],
    ['a space', 'AA A'],
    ['an impossible length', 'AAAAA'],
    ['non-zero trailing bits after one byte', 'AB'],
    ['non-zero trailing bits after two bytes', 'AAF'],
    ['a non-ASCII character', 'AAé'],
    ['a dot', 'AA.A'],
  ])('rejects %s with ERR_BASE64URL_NONCANONICAL', (_what, text) => {
    expect(codeOf(() => base64urlDecode(text))).toBe('ERR_BASE64URL_NONCANONICAL');
    expect(isCanonicalBase64url(text)).toBe(false);
  });

  it('round-trips any bytes, and the encoding is the only text that decodes to them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base64urlEncode(bytes);
        expect(bytesEqual(base64urlDecode(text), bytes)).toBe(true);
        expect(isCanonicalBase64url(text)).toBe(true);
      }),
    );
  });

  it('rejects every other string that would decode leniently to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.nat(63), (bytes, flip) => {
        const text = base64urlEncode(bytes);
        if (text.length % 4 === 0) return; // no spare bits to flip
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const last = alphabet.indexOf(text.at(-1)!);
        const spareBits = text.length % 4 === 2 ? 15 : 3;
        const altered = last ^ (flip & spareBits);
        if (altered === last) return;
        expect(isCanonicalBase64url(text.slice(0, -1) + alphabet[altered]!)).toBe(false);
      }),
    );
  });
});

describe('base64', () => {
  it('encodes with padding and decodes it back', () => {
    expect(base64Encode(new Uint8Array([251, 255]))).toBe('+/8=');
    expect([...base64Decode('+/8=')]).toEqual([251, 255]);
    expect(base64Encode(new Uint8Array([1]))).toBe('AQ==');
  });

  it.each([
    ['missing padding', '+/8'],
    ['url alphabet', '-_8='],
    ['trailing bits', 'AR=='],
    ['too much padding', 'AQ==='],
  ])('rejects %s with ERR_ENCODING_INVALID', (_what, text) => {
    expect(codeOf(() => base64Decode(text))).toBe('ERR_ENCODING_INVALID');
  });
});

describe('hex and UTF-8', () => {
  it('round-trips hex and rejects odd lengths and upper case', () => {
    expect(hexEncode(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect([...hexDecode('000fff')]).toEqual([0, 15, 255]);
    expect(codeOf(() => hexDecode('abc'))).toBe('ERR_ENCODING_INVALID');
    expect(codeOf(() => hexDecode('AB'))).toBe('ERR_ENCODING_INVALID');
  });

  it('decodes strict UTF-8 and refuses malformed sequences instead of replacing them', () => {
    expect(utf8Decode(utf8Encode('Grüße'))).toBe('Grüße');
    expect(codeOf(() => utf8Decode(new Uint8Array([0xc3])))).toBe('ERR_ENCODING_INVALID');
    expect(codeOf(() => utf8Decode(new Uint8Array([0xed, 0xa0, 0x80])))).toBe(
      'ERR_ENCODING_INVALID',
    );
  });

  it('compares bytes by value and length', () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});
