/**
 * Byte encodings used on the wire: canonical base64url (RFC 4648 section 5, no padding), standard
 * base64 (RFC 4648 section 4, padded), hex and strict UTF-8. Pure: no `Buffer`, no `atob`, so the
 * same code runs in Node, the extension's service worker and the browser.
 *
 * Decoders are strict on purpose. A lenient base64url decoder lets several different strings
 * decode to the same bytes, so two different JWS strings would verify as one signature and hash to
 * two different `sha256` values (SPECS "JWS": reject padding, foreign characters and non-zero
 * trailing bits before verification).
 */
import { ProtocolError } from './errors';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Character code -> 6-bit value, 255 for characters outside the alphabet. */
function decodeTable(alphabet: string): Uint8Array {
  const table = new Uint8Array(128).fill(255);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

const BASE64URL_TABLE = decodeTable(BASE64URL_ALPHABET);
const BASE64_TABLE = decodeTable(BASE64_ALPHABET);

function encodeWith(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      alphabet[(n >>> 18) & 63]! +
      alphabet[(n >>> 12) & 63]! +
      alphabet[(n >>> 6) & 63]! +
      alphabet[n & 63]!;
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full]! << 16;
    out += alphabet[(n >>> 18) & 63]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[full]! << 16) | (bytes[full + 1]! << 8);
    out +=
      alphabet[(n >>> 18) & 63]! +
      alphabet[(n >>> 12) & 63]! +
      alphabet[(n >>> 6) & 63]! +
      (pad ? '=' : '');
  }
  return out;
}

/** The 6-bit value of the character at `i`, or 255 when it is outside the alphabet. */
function sextet(text: string, i: number, table: Uint8Array): number {
  const code = text.charCodeAt(i);
  // Index only inside the 128-entry table: an out-of-bounds typed-array read is slow in V8.
  return code < 128 ? table[code]! : 255;
}

/**
 * Decodes unpadded base64 text with `table`, or returns `undefined` when the text is not the
 * canonical encoding of any byte string (foreign character, impossible length, non-zero trailing
 * bits).
 */
function decodeCanonical(text: string, table: Uint8Array): Uint8Array | undefined {
  const length = text.length;
  const rest = length % 4;
  if (rest === 1) return undefined;
  const out = new Uint8Array(((length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let o = 0;
  const full = length - rest;
  for (let i = 0; i < full; i += 4) {
    const a = sextet(text, i, table);
    const b = sextet(text, i + 1, table);
    const c = sextet(text, i + 2, table);
    const d = sextet(text, i + 3, table);
    if ((a | b | c | d) > 63) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  if (rest === 2) {
    const a = sextet(text, full, table);
    const b = sextet(text, full + 1, table);
    // Two characters carry 12 bits for one byte: the low 4 bits must be zero.
    if ((a | b) > 63 || (b & 15) !== 0) return undefined;
    out[o++] = (a << 2) | (b >>> 4);
  } else if (rest === 3) {
    const a = sextet(text, full, table);
    const b = sextet(text, full + 1, table);
    const c = sextet(text, full + 2, table);
    // Three characters carry 18 bits for two bytes: the low 2 bits must be zero.
    if ((a | b | c) > 63 || (c & 3) !== 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
  }
  return out;
}

/**
 * Encodes bytes as base64url without padding (RFC 4648 section 5), the form JOSE uses.
 *
 * @example
 * ```ts
 * base64urlEncode(new Uint8Array([251, 255])) // '-_8'
 * ```
 */
export function base64urlEncode(bytes: Uint8Array): string {
  return encodeWith(bytes, BASE64URL_ALPHABET, false);
}

/**
 * True when `text` is the canonical unpadded base64url encoding of some byte string.
 *
 * @example
 * ```ts
 * isCanonicalBase64url('-_8') // true
 * isCanonicalBase64url('-_9') // false: non-zero trailing bits
 * ```
 */
export function isCanonicalBase64url(text: string): boolean {
  return decodeCanonical(text, BASE64URL_TABLE) !== undefined;
}

/**
 * Decodes canonical unpadded base64url. Padding, characters outside the alphabet, an impossible
 * length or non-zero trailing bits throw `ERR_BASE64URL_NONCANONICAL`.
 *
 * @example
 * ```ts
 * base64urlDecode('-_8') // Uint8Array [251, 255]
 * base64urlDecode('-_8=') // throws ProtocolError ERR_BASE64URL_NONCANONICAL
 * ```
 */
export function base64urlDecode(text: string): Uint8Array {
  const bytes = typeof text === 'string' ? decodeCanonical(text, BASE64URL_TABLE) : undefined;
  if (bytes === undefined) {
    throw new ProtocolError('ERR_BASE64URL_NONCANONICAL', 'not canonical unpadded base64url');
  }
  return bytes;
}

/**
 * Encodes bytes as standard padded base64 (RFC 4648 section 4), the form of log entries, proofs
 * and signed notes.
 *
 * @example
 * ```ts
 * base64Encode(new Uint8Array([251, 255])) // '+/8='
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  return encodeWith(bytes, BASE64_ALPHABET, true);
}

/**
 * Decodes canonical padded base64: exactly the padding the length requires, alphabet only, zero
 * trailing bits. Anything else throws `ERR_ENCODING_INVALID`.
 *
 * @example
 * ```ts
 * base64Decode('+/8=') // Uint8Array [251, 255]
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (typeof text === 'string' && text.length % 4 === 0) {
    const body = text.endsWith('==')
      ? text.slice(0, -2)
      : text.endsWith('=')
        ? text.slice(0, -1)
        : text;
    bytes = decodeCanonical(body, BASE64_TABLE);
  }
  if (bytes === undefined)
    throw new ProtocolError('ERR_ENCODING_INVALID', 'not canonical padded base64');
  return bytes;
}

const HEX = '0123456789abcdef';

/**
 * Encodes bytes as lowercase hex (the form of raw byte strings in the test vectors).
 *
 * @example
 * ```ts
 * hexEncode(new Uint8Array([0, 255])) // '00ff'
 * ```
 */
export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >>> 4]! + HEX[byte & 15]!;
  return out;
}

/**
 * Decodes lowercase hex of even length; anything else throws `ERR_ENCODING_INVALID`.
 *
 * @example
 * ```ts
 * hexDecode('00ff') // Uint8Array [0, 255]
 * ```
 */
export function hexDecode(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new ProtocolError('ERR_ENCODING_INVALID', 'not lowercase hex of even length');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
// fatal: malformed UTF-8 is an error, never silently replaced by U+FFFD (two different byte
// strings must not decode to the same text).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Encodes a string as UTF-8. Lone surrogates become U+FFFD, as the WHATWG encoder does.
 *
 * @example
 * ```ts
 * utf8Encode('é') // Uint8Array [195, 169]
 * ```
 */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes strict UTF-8: malformed sequences throw `ERR_ENCODING_INVALID`; a leading BOM is kept
 * as U+FEFF rather than dropped.
 *
 * @example
 * ```ts
 * utf8Decode(new Uint8Array([195, 169])) // 'é'
 * ```
 */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ProtocolError('ERR_ENCODING_INVALID', 'not valid UTF-8');
  }
}

/**
 * Constant-shape byte comparison (no early exit), for comparing keys and hashes.
 *
 * @example
 * ```ts
 * bytesEqual(new Uint8Array([1]), new Uint8Array([1])) // true
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
