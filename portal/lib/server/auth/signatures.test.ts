/**
 * `peekMessage` judges what a token shows on its own exactly as `openMessage` does (same code, same
 * order), so that routes can answer it before any lookup: both run protocol/jws.ts's parse, and
 * this table holds them to the same codes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '$protocol/encoding';
import { isProtocolError } from '$protocol/errors';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import { openMessage } from '$protocol/signed';
import { ready, signDetached } from '$protocol/sodium';
import { peekClaims, peekMessage } from './signatures';

const origin = 'http://localhost:3000';
const b64 = (bytes: Uint8Array) => base64urlEncode(bytes);
const part = (value: unknown) => b64(utf8Encode(JSON.stringify(value)));

let keyPair: Ed25519KeyPair;
let kid: string;

/** A token of these encoded parts, signed by `keyPair` (so the signature is never the fault). */
function signed(header: string, payload: string): string {
  const input = `${header}.${payload}`;
  return `${input}.${b64(signDetached(utf8Encode(input), keyPair.privateKey))}`;
}

function payload(): string {
  const iat = Math.floor(Date.now() / 1000);
  return part({ v: 1, iss: `co_${kid}`, aud: origin, iat, exp: iat + 60, jti: randomUUID() });
}

/** The code `step` throws, or 'none'. */
async function codeOf(step: () => unknown): Promise<string> {
  try {
    await step();
    return 'none';
  } catch (error) {
    if (isProtocolError(error)) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  await ready();
  keyPair = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
  kid = thumbprint(publicJwk(keyPair));
});

describe('peekMessage', () => {
  const header = (extra: Record<string, unknown> = {}) =>
    part({ alg: 'EdDSA', typ: 'grant-request+jws', kid, ...extra });
  // [what, token, the code both give]
  const cases: [string, () => string, string][] = [
    ['one part', () => 'abc', 'ERR_JWS_MALFORMED'],
    ['an empty part', () => `${header()}..${b64(new Uint8Array(64))}`, 'ERR_JWS_MALFORMED'],
    ['four parts', () => `${signed(header(), payload())}.x`, 'ERR_JWS_MALFORMED'],
    ['a padded header', () => signed(`${header()}=`, payload()), 'ERR_BASE64URL_NONCANONICAL'],
    ['a padded payload', () => signed(header(), `${payload()}=`), 'ERR_BASE64URL_NONCANONICAL'],
    ['a padded signature', () => `${signed(header(), payload())}=`, 'ERR_BASE64URL_NONCANONICAL'],
    [
      'a header that is not JSON',
      () => signed(b64(utf8Encode('{')), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a header that is an array',
      () => signed(part(['EdDSA']), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a header that is not UTF-8',
      () => signed(b64(new Uint8Array([0xff, 0xfe])), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    ['a crit header', () => signed(header({ crit: ['exp'] }), payload()), 'ERR_JWS_HEADER_INVALID'],
    [
      'an embedded jwk',
      () => signed(header({ jwk: publicJwk(keyPair) }), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    ['no alg', () => signed(header({ alg: undefined }), payload()), 'ERR_JWS_HEADER_INVALID'],
    ['alg none', () => signed(header({ alg: 'none' }), payload()), 'ERR_JWS_ALG_NOT_ALLOWED'],
    ['alg HS256', () => signed(header({ alg: 'HS256' }), payload()), 'ERR_JWS_ALG_NOT_ALLOWED'],
    ['alg eddsa', () => signed(header({ alg: 'eddsa' }), payload()), 'ERR_JWS_ALG_NOT_ALLOWED'],
    ['no typ', () => signed(header({ typ: undefined }), payload()), 'ERR_JWS_HEADER_INVALID'],
    [
      'a typ that is a number',
      () => signed(header({ typ: 1 }), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'the typ of another kind',
      () => signed(header({ typ: 'grant+jws' }), payload()),
      'ERR_JWS_TYP_MISMATCH',
    ],
    ['no kid', () => signed(header({ kid: undefined }), payload()), 'ERR_JWS_HEADER_INVALID'],
    [
      'a short kid',
      () => signed(header({ kid: kid.slice(1) }), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    // 43 characters carry 2 unused bits: setting one is non-canonical.
    [
      'a non-canonical kid',
      () =>
        signed(header({ kid: `${kid.slice(0, 42)}${kid.at(-1) === 'B' ? 'C' : 'B'}` }), payload()),
      'ERR_JWS_HEADER_INVALID',
    ],
    // The header comes first, as in protocol/jws.ts.
    [
      'alg none and a payload that is not JSON',
      () => signed(header({ alg: 'none' }), b64(utf8Encode('x'))),
      'ERR_JWS_ALG_NOT_ALLOWED',
    ],
    [
      'a payload that is not JSON',
      () => signed(header(), b64(utf8Encode('x'))),
      'ERR_JWS_MALFORMED',
    ],
    ['a payload that is an array', () => signed(header(), part([1])), 'ERR_JWS_MALFORMED'],
    [
      'a payload that is not UTF-8',
      () => signed(header(), b64(new Uint8Array([0xff, 0xfe]))),
      'ERR_JWS_MALFORMED',
    ],
    [
      'a token over the size bound of every route',
      () => signed(header(), part({ pad: 'x'.repeat(256 * 1024) })),
      'ERR_MESSAGE_TOO_LARGE',
    ],
  ];

  it.each(cases)('refuses %s with the code openMessage gives it', async (_what, make, code) => {
    const token = make();
    const opened = await codeOf(() =>
      openMessage('grant-request', token, {
        audience: origin,
        now: Math.floor(Date.now() / 1000),
        resolveKey: () => keyPair.publicKey,
      }),
    );
    expect({ peeked: await codeOf(() => peekMessage('grant-request', token)), opened }).toEqual({
      peeked: code,
      opened: code,
    });
  });

  it.each([
    ['EdDSA', 'EdDSA'],
    ['Ed25519, the RFC 9864 synonym', 'Ed25519'],
  ])('passes a sound token with alg %s, with the claims peekClaims reads', async (_what, alg) => {
    const token = signed(part({ alg, typ: 'grant-request+jws', kid }), payload());
    const { inspected, ...claims } = peekMessage('grant-request', token);
    expect(claims).toEqual(peekClaims(token));
    expect(inspected.header).toEqual({ alg, typ: 'grant-request+jws', kid });
    const opened = await openMessage('grant-request', token, {
      inspected,
      audience: origin,
      now: Math.floor(Date.now() / 1000),
      resolveKey: () => keyPair.publicKey,
    }).catch((error: unknown) => error);
    // Past the form: the schema of a grant request refuses these bare claims.
    expect(isProtocolError(opened, 'ERR_MESSAGE_INVALID')).toBe(true);
  });
});
