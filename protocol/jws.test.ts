import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from './encoding';
import { ProtocolError } from './errors';
import {
  CLOCK_SKEW_SECONDS,
  MAX_WINDOW_SECONDS,
  inspectCompact,
  sha256Of,
  signCompact,
  verifyCompact,
  type ReplayStore,
  type ResolvedKey,
  type VerifyOptions,
} from './jws';
import {
  importPublicJwk,
  keyPairFromSeed,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
} from './keys';
import { ready, signDetached } from './sodium';

const NOW = 1_700_000_000;
const AUD = 'http://localhost:3000';

let signer: Ed25519KeyPair;
let stranger: Ed25519KeyPair;
let kid: string;
let strangerKid: string;

beforeAll(async () => {
  await ready();
  signer = keyPairFromSeed(new Uint8Array(32).fill(1));
  stranger = keyPairFromSeed(new Uint8Array(32).fill(2));
  kid = thumbprint(publicJwk(signer));
  strangerKid = thumbprint(publicJwk(stranger));
});

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    iss: 'co_test',
    aud: AUD,
    iat: NOW,
    exp: NOW + 300,
    jti: '3f1c9a52-8b0e-4f5a-9d2c-7e6b1a0c4d8f',
    ...overrides,
  };
}

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    kind: 'grant',
    resolveKey: (k) =>
      k === kid ? publicJwk(signer) : k === strangerKid ? publicJwk(stranger) : undefined,
    audience: AUD,
    now: NOW,
    ...overrides,
  };
}

/** A compact JWS with any header and payload text, validly signed: for headers signCompact refuses to make. */
function forge(header: unknown, payload: unknown, by: Ed25519KeyPair = signer): string {
  const h = base64urlEncode(
    utf8Encode(typeof header === 'string' ? header : JSON.stringify(header)),
  );
  const p = base64urlEncode(
    utf8Encode(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  );
  const signature = signDetached(utf8Encode(`${h}.${p}`), by.privateKey);
  return `${h}.${p}.${base64urlEncode(signature)}`;
}

const goodHeader = () => ({ alg: 'EdDSA', typ: 'grant+jws', kid });

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

function memoryReplayStore(): ReplayStore & { calls: [string, string, number][] } {
  const seen = new Set<string>();
  const calls: [string, string, number][] = [];
  return {
    calls,
    checkAndRemember(signerKid, jti, rememberUntil) {
      calls.push([signerKid, jti, rememberUntil]);
      const key = `${signerKid} ${jti}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

describe('signCompact and verifyCompact', () => {
  it('round-trips a payload with header {alg: EdDSA, typ: <kind>+jws, kid: thumbprint}', async () => {
    const token = await signCompact({
      kind: 'grant',
      keyPair: signer,
      payload: claims({ until: 1_800_000_000 }),
    });
    const [h] = token.split('.');
    expect(JSON.parse(utf8Decode(base64urlDecode(h!)))).toEqual({
      alg: 'EdDSA',
      typ: 'grant+jws',
      kid,
    });

    const verified = await verifyCompact(token, options());
    expect(verified.header).toEqual({ alg: 'EdDSA', typ: 'grant+jws', kid });
    expect(verified.kid).toBe(kid);
    expect(verified.payload).toEqual(claims({ until: 1_800_000_000 }));
    expect(verified.claims).toEqual({ aud: AUD, iat: NOW, exp: NOW + 300, jti: claims().jti });
    expect(verified.sha256).toBe(sha256Of(token));
    expect(verified.sha256).toBe(sha256Of(token)); // stable on a second read
  });

  it('hashes the ASCII bytes of the compact JWS for sha256Of', async () => {
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    expect(sha256Of(token)).toBe(base64urlEncode(sha256(utf8Encode(token))));
    expect(await codeOf(async () => sha256Of(`${token}é`))).toBe('ERR_JWS_MALFORMED');
  });

  it('accepts the RFC 9864 algorithm name Ed25519 as a synonym of EdDSA', async () => {
    const token = forge({ alg: 'Ed25519', typ: 'grant+jws', kid }, claims());
    expect((await verifyCompact(token, options())).header.alg).toBe('Ed25519');
  });

  it('accepts keys resolved as raw bytes, as imported keys and asynchronously', async () => {
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    const imported = importPublicJwk(publicJwk(signer));
    const forms: ResolvedKey[] = [signer.publicKey, imported, publicJwk(signer)];
    for (const key of forms) {
      expect((await verifyCompact(token, options({ resolveKey: async () => key }))).kid).toBe(kid);
    }
  });

  it('signs with a WebCrypto Ed25519 private key given with its kid', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    const webKid = thumbprint(publicJwk(raw));
    const token = await signCompact({
      kind: 'suspension',
      privateKey: pair.privateKey,
      kid: webKid,
      payload: claims(),
    });
    const verified = await verifyCompact(
      token,
      options({ kind: 'suspension', resolveKey: () => raw }),
    );
    expect(verified.kid).toBe(webKid);
  });
});

describe('verifyCompact rejects', () => {
  const cases: [string, () => Promise<string> | string, string, Partial<VerifyOptions>?][] = [
    [
      'a token over the size bound',
      () => forge(goodHeader(), claims({ pad: 'x'.repeat(70_000) })),
      'ERR_MESSAGE_TOO_LARGE',
    ],
    [
      'a token over a caller-chosen bound',
      () => forge(goodHeader(), claims()),
      'ERR_MESSAGE_TOO_LARGE',
      { maxLength: 100 },
    ],
    [
      'two parts',
      () => forge(goodHeader(), claims()).split('.').slice(0, 2).join('.'),
      'ERR_JWS_MALFORMED',
    ],
    ['four parts', () => `${forge(goodHeader(), claims())}.AA`, 'ERR_JWS_MALFORMED'],
    [
      'an empty payload part (detached form)',
      () => forge(goodHeader(), claims()).replace(/\.[^.]+\./, '..'),
      'ERR_JWS_MALFORMED',
    ],
    [
      'a padded signature',
      () => `${forge(goodHeader(), claims())}==`,
      'ERR_BASE64URL_NONCANONICAL',
    ],
    [
      'standard base64 characters',
      () => forge(goodHeader(), claims()).replace(/-|_/, '+'),
      'ERR_BASE64URL_NONCANONICAL',
    ],
    ['a header that is not JSON', () => forge('{alg:EdDSA}', claims()), 'ERR_JWS_HEADER_INVALID'],
    ['a header that is an array', () => forge([goodHeader()], claims()), 'ERR_JWS_HEADER_INVALID'],
    [
      'a header that is not UTF-8',
      async () => {
        const t = forge(goodHeader(), claims());
        return `${base64urlEncode(new Uint8Array([0xff, 0xfe]))}${t.slice(t.indexOf('.'))}`;
      },
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'an embedded jwk header',
      () => forge({ ...goodHeader(), jwk: publicJwk(signer) }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a jku header',
      () => forge({ ...goodHeader(), jku: 'https://evil.example/keys' }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'an x5u header',
      () => forge({ ...goodHeader(), x5u: 'https://evil.example/cert' }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'an x5c header',
      () => forge({ ...goodHeader(), x5c: ['MIIB'] }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a crit header',
      () => forge({ ...goodHeader(), crit: ['exp'] }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a b64 header',
      () => forge({ ...goodHeader(), b64: false }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'a header without alg',
      () => forge({ typ: 'grant+jws', kid }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'alg none',
      () => forge({ ...goodHeader(), alg: 'none' }, claims()),
      'ERR_JWS_ALG_NOT_ALLOWED',
    ],
    [
      'alg HS256',
      () => forge({ ...goodHeader(), alg: 'HS256' }, claims()),
      'ERR_JWS_ALG_NOT_ALLOWED',
    ],
    [
      'alg ES256',
      () => forge({ ...goodHeader(), alg: 'ES256' }, claims()),
      'ERR_JWS_ALG_NOT_ALLOWED',
    ],
    [
      'alg eddsa in the wrong case',
      () => forge({ ...goodHeader(), alg: 'eddsa' }, claims()),
      'ERR_JWS_ALG_NOT_ALLOWED',
    ],
    [
      'a header without typ',
      () => forge({ alg: 'EdDSA', kid }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'the typ of another kind',
      () => forge({ ...goodHeader(), typ: 'refusal+jws' }, claims()),
      'ERR_JWS_TYP_MISMATCH',
    ],
    ['typ JWT', () => forge({ ...goodHeader(), typ: 'JWT' }, claims()), 'ERR_JWS_TYP_MISMATCH'],
    [
      'a kid that is not a thumbprint',
      () => forge({ ...goodHeader(), kid: 'key-1' }, claims()),
      'ERR_JWS_HEADER_INVALID',
    ],
    [
      'an unknown kid',
      () => forge({ ...goodHeader(), kid: base64urlEncode(new Uint8Array(32)) }, claims()),
      'ERR_JWS_KID_UNKNOWN',
    ],
    [
      "a signature by another key under the signer's kid",
      () => forge(goodHeader(), claims(), stranger),
      'ERR_JWS_SIGNATURE_INVALID',
    ],
    [
      'an altered payload',
      () => {
        const [h, , s] = forge(goodHeader(), claims()).split('.');
        return `${h}.${base64urlEncode(utf8Encode(JSON.stringify(claims({ iss: 'co_evil' }))))}.${s}`;
      },
      'ERR_JWS_SIGNATURE_INVALID',
    ],
    [
      'a signature of the wrong length',
      () => `${forge(goodHeader(), claims()).split('.').slice(0, 2).join('.')}.AAAA`,
      'ERR_JWS_SIGNATURE_INVALID',
    ],
    [
      'a signed payload that is not JSON',
      () => forge(goodHeader(), 'not json'),
      'ERR_JWS_MALFORMED',
    ],
    [
      'a signed payload that is an array',
      () => forge(goodHeader(), [claims()]),
      'ERR_JWS_MALFORMED',
    ],
    [
      'a payload without jti',
      () => forge(goodHeader(), claims({ jti: undefined })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a jti with a NUL character',
      () => forge(goodHeader(), claims({ jti: 'a\u0000b' })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a jti with a space',
      () => forge(goodHeader(), claims({ jti: 'a b' })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a jti of 129 characters',
      () => forge(goodHeader(), claims({ jti: 'j'.repeat(129) })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a payload with a fractional iat',
      () => forge(goodHeader(), claims({ iat: NOW + 0.5 })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a payload with exp as a string',
      () => forge(goodHeader(), claims({ exp: String(NOW + 300) })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a payload whose exp is before its iat',
      () => forge(goodHeader(), claims({ exp: NOW - 1 })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a payload with an array aud',
      () => forge(goodHeader(), claims({ aud: [AUD] })),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'another audience',
      () => forge(goodHeader(), claims({ aud: 'https://other.example' })),
      'ERR_JWS_AUD_MISMATCH',
    ],
    [
      'iat more than 60 s in the future',
      () => forge(goodHeader(), claims({ iat: NOW + 61, exp: NOW + 361 })),
      'ERR_JWS_NOT_YET_VALID',
    ],
    [
      'a window over 10 minutes',
      () => forge(goodHeader(), claims({ exp: NOW + 601 })),
      'ERR_JWS_WINDOW_TOO_LONG',
    ],
    [
      'a window over a caller-chosen maximum',
      () => forge(goodHeader(), claims({ exp: NOW + 120 })),
      'ERR_JWS_WINDOW_TOO_LONG',
      { maxWindowSeconds: 60 },
    ],
    [
      'a caller asking for more than 90 days',
      () => forge(goodHeader(), claims()),
      'ERR_JWS_WINDOW_TOO_LONG',
      { maxWindowSeconds: MAX_WINDOW_SECONDS + 1 },
    ],
    [
      'a message expired more than 60 s ago',
      () => forge(goodHeader(), claims()),
      'ERR_JWS_EXPIRED',
      { now: NOW + 300 + 61 },
    ],
    [
      'an unknown kind name',
      () => forge(goodHeader(), claims()),
      'ERR_MESSAGE_KIND_UNKNOWN',
      { kind: 'Grant Request' },
    ],
  ];

  it.each(cases)('%s', async (_what, make, code, overrides) => {
    const token = await make();
    expect(await codeOf(() => verifyCompact(token, options(overrides)))).toBe(code);
  });

  /** The codes inspectCompact promises: everything judged before the key is asked for. */
  const beforeTheKey = new Set([
    'ERR_MESSAGE_KIND_UNKNOWN',
    'ERR_MESSAGE_TOO_LARGE',
    'ERR_JWS_MALFORMED',
    'ERR_BASE64URL_NONCANONICAL',
    'ERR_JWS_HEADER_INVALID',
    'ERR_JWS_ALG_NOT_ALLOWED',
    'ERR_JWS_TYP_MISMATCH',
  ]);

  it.each(cases)(
    'inspectCompact judges %s as verifyCompact does up to the key, and passes it after',
    async (_what, make, code, overrides) => {
      const token = await make();
      const { kind, maxLength } = options(overrides);
      // A payload that is not a JSON object fails after the signature in verifyCompact, and
      // without any signature here: the same code either way.
      expect(await codeOf(async () => inspectCompact(token, { kind, maxLength }))).toBe(
        beforeTheKey.has(code) ? code : undefined,
      );
    },
  );

  it('rejects a non-string token with ERR_JWS_MALFORMED', async () => {
    expect(await codeOf(() => verifyCompact(42 as unknown as string, options()))).toBe(
      'ERR_JWS_MALFORMED',
    );
  });

  it('rejects a resolver answer that is not the key the kid names', async () => {
    const token = forge(goodHeader(), claims());
    expect(
      await codeOf(() => verifyCompact(token, options({ resolveKey: () => publicJwk(stranger) }))),
    ).toBe('ERR_JWS_KID_UNKNOWN');
  });

  it('rejects a resolver answer that is not a valid key with ERR_KEY_INVALID', async () => {
    const token = forge(goodHeader(), claims());
    const bad = { kty: 'OKP', crv: 'Ed25519', x: 'short' } as unknown as ResolvedKey;
    expect(await codeOf(() => verifyCompact(token, options({ resolveKey: () => bad })))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  it('checks again a resolver answer that only looks like an imported key (a small-order point)', async () => {
    // The identity point (y = 1) is of small order: importPublicJwk refuses it. An object shaped
    // like its result, but not made by it, must not skip that check.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const x = base64urlEncode(identity);
    const lookAlike = {
      jwk: { kty: 'OKP', crv: 'Ed25519', x },
      publicKey: identity,
      kid: thumbprint({ kty: 'OKP', crv: 'Ed25519', x }),
    } as ResolvedKey;
    const token = forge({ ...goodHeader(), kid: (lookAlike as { kid: string }).kid }, claims());
    expect(await codeOf(() => verifyCompact(token, options({ resolveKey: () => lookAlike })))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  it('checks the header before asking for a key, and the signature before reading claims', async () => {
    let asked = 0;
    const counting = options({
      resolveKey: (k) => (asked++, k === kid ? signer.publicKey : undefined),
    });
    expect(
      await codeOf(() =>
        verifyCompact(forge({ ...goodHeader(), typ: 'offer+jws' }, claims()), counting),
      ),
    ).toBe('ERR_JWS_TYP_MISMATCH');
    expect(asked).toBe(0);
    // Bad signature and bad audience together: the signature is reported.
    expect(
      await codeOf(() =>
        verifyCompact(forge(goodHeader(), claims({ aud: 'x' }), stranger), counting),
      ),
    ).toBe('ERR_JWS_SIGNATURE_INVALID');
  });
});

describe('inspectCompact', () => {
  it('returns the header and the payload without a key, whoever signed', () => {
    // Signed by another key under the signer's kid: verifyCompact refuses it, inspection cannot.
    const token = forge(goodHeader(), claims({ aud: 'anyone' }), stranger);
    expect(inspectCompact(token, { kind: 'grant' })).toEqual({
      header: goodHeader(),
      payload: claims({ aud: 'anyone' }),
    });
  });

  it('accepts the RFC 9864 alg Ed25519, as verifyCompact does', () => {
    const token = forge({ ...goodHeader(), alg: 'Ed25519' }, claims());
    expect(inspectCompact(token, { kind: 'grant' }).header.alg).toBe('Ed25519');
  });

  it('applies the caller-chosen size bound and kind', async () => {
    const token = forge(goodHeader(), claims());
    expect(await codeOf(async () => inspectCompact(token, { kind: 'grant', maxLength: 100 }))).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    );
    expect(await codeOf(async () => inspectCompact(token, { kind: 'offer' }))).toBe(
      'ERR_JWS_TYP_MISMATCH',
    );
  });

  it('does not check the claims: that needs the signature first', () => {
    const token = forge(goodHeader(), { iss: 'co_test' });
    expect(inspectCompact(token, { kind: 'grant' }).payload).toEqual({ iss: 'co_test' });
  });
});

describe('verifyCompact taking up an inspection', () => {
  it('verifies an inspected token as it verifies it alone', async () => {
    const token = forge(goodHeader(), claims());
    const inspected = inspectCompact(token, { kind: 'grant' });
    const alone = await verifyCompact(token, options());
    const taken = await verifyCompact(token, options({ inspected }));
    expect(taken.payload).toEqual(alone.payload);
    expect(taken.header).toEqual(alone.header);
    expect(taken.kid).toBe(kid);
    expect(taken.sha256).toBe(alone.sha256);
  });

  it("reads the payload from the verified bytes, not from the inspection's object", async () => {
    const token = forge(goodHeader(), claims());
    const inspected = inspectCompact(token, { kind: 'grant' });
    (inspected.payload as Record<string, unknown>).iss = 'co_someone_else';
    const verified = await verifyCompact(token, options({ inspected }));
    expect(verified.payload.iss).toBe('co_test');
    expect(verified.payload).not.toBe(inspected.payload);
  });

  it("ignores an inspection of another token: the signature is checked on this one's bytes", async () => {
    const good = forge(goodHeader(), claims());
    const inspected = inspectCompact(good, { kind: 'grant' });
    // The same header, another payload, signed by another key under the signer's kid.
    const forged = forge(goodHeader(), claims({ iss: 'co_forged' }), stranger);
    expect(await codeOf(() => verifyCompact(forged, options({ inspected })))).toBe(
      'ERR_JWS_SIGNATURE_INVALID',
    );
    const other = forge(goodHeader(), claims({ iss: 'co_other' }));
    expect((await verifyCompact(other, options({ inspected }))).payload.iss).toBe('co_other');
  });

  it('judges the kind and size bound of the verification, not those of the inspection', async () => {
    const token = forge(goodHeader(), claims());
    const inspected = inspectCompact(token, { kind: 'grant' });
    expect(await codeOf(() => verifyCompact(token, options({ inspected, kind: 'offer' })))).toBe(
      'ERR_JWS_TYP_MISMATCH',
    );
    expect(await codeOf(() => verifyCompact(token, options({ inspected, maxLength: 100 })))).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    );
    expect(await codeOf(() => verifyCompact(token, options({ inspected, maxLength: 0 })))).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    );
  });

  it('ignores an object that no inspection answered', async () => {
    // A lookalike whose header would pass the offer kind: taken up, the typ check would pass.
    const token = forge(goodHeader(), claims());
    const lookalike = { header: { ...goodHeader(), typ: 'offer+jws' }, payload: claims() };
    expect(
      await codeOf(() =>
        verifyCompact(token, options({ kind: 'offer', inspected: lookalike as never })),
      ),
    ).toBe('ERR_JWS_TYP_MISMATCH');
  });

  it("cannot be steered by a change to the inspection's header", async () => {
    const token = forge(goodHeader(), claims());
    const inspected = inspectCompact(token, { kind: 'grant' });
    const header = inspected.header as { typ: string; kid: string };
    expect(() => {
      header.typ = 'offer+jws';
    }).toThrow(TypeError);
    expect(() => {
      header.kid = strangerKid;
    }).toThrow(TypeError);
    expect(await codeOf(() => verifyCompact(token, options({ inspected, kind: 'offer' })))).toBe(
      'ERR_JWS_TYP_MISMATCH',
    );
    expect((await verifyCompact(token, options({ inspected }))).kid).toBe(kid);
  });

  it('refuses a size bound of null with or without an inspection', async () => {
    const token = forge(goodHeader(), claims());
    const inspected = inspectCompact(token, { kind: 'grant' });
    const bound = { maxLength: null as unknown as number };
    expect(await codeOf(() => verifyCompact(token, options(bound)))).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(await codeOf(() => verifyCompact(token, options({ ...bound, inspected })))).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    );
  });
});

describe('what a refusal of the claims tells the sender', () => {
  async function refusal(payload: Record<string, unknown>, overrides = {}) {
    try {
      await verifyCompact(forge(goodHeader(), claims(payload)), options(overrides));
    } catch (error) {
      if (error instanceof ProtocolError) return error;
      throw error;
    }
    throw new Error('verified');
  }

  it('names the expected audience, the clock, the window, and an iat in milliseconds', async () => {
    const aud = await refusal({ aud: 'https://other.example' });
    expect(aud.detail).toEqual({ expected: AUD });
    expect(aud.message).toContain(AUD);
    expect(aud.message).not.toContain('other.example');
    const future = await refusal({ iat: NOW + 61, exp: NOW + 361 });
    expect(future.detail).toEqual({ now: NOW, skew: CLOCK_SKEW_SECONDS });
    expect(future.message).not.toContain('milliseconds');
    const millis = await refusal({ iat: NOW * 1000, exp: NOW * 1000 + 300 });
    expect(millis.code).toBe('ERR_JWS_NOT_YET_VALID');
    expect(millis.message).toContain('looks like milliseconds');
    const long = await refusal({ exp: NOW + 601 });
    expect(long.detail).toEqual({ maxWindowSeconds: 600 });
    const expired = await refusal({}, { now: NOW + 300 + CLOCK_SKEW_SECONDS + 1 });
    expect(expired.code).toBe('ERR_JWS_EXPIRED');
    expect(expired.detail).toEqual({ now: NOW + 300 + CLOCK_SKEW_SECONDS + 1, skew: 60 });
  });
});

describe('the transport window', () => {
  it('allows 60 s of skew on both ends', async () => {
    const early = forge(goodHeader(), claims({ iat: NOW + CLOCK_SKEW_SECONDS, exp: NOW + 360 }));
    await expect(verifyCompact(early, options())).resolves.toBeDefined();
    const late = forge(goodHeader(), claims());
    await expect(
      verifyCompact(late, options({ now: NOW + 300 + CLOCK_SKEW_SECONDS })),
    ).resolves.toBeDefined();
  });

  it('accepts an offer-length window when the caller allows up to 90 days', async () => {
    const offer = forge({ ...goodHeader(), typ: 'offer+jws' }, claims({ exp: NOW + 30 * 86_400 }));
    const verified = await verifyCompact(
      offer,
      options({ kind: 'offer', maxWindowSeconds: MAX_WINDOW_SECONDS }),
    );
    expect(verified.claims.exp).toBe(NOW + 30 * 86_400);
  });

  it('verifies evidence as of its iat, long after exp, but still checks its signature', async () => {
    const years = NOW + 3 * 365 * 86_400;
    const evidence = forge(goodHeader(), claims());
    await expect(
      verifyCompact(evidence, options({ now: years, asOf: 'iat' })),
    ).resolves.toBeDefined();
    expect(await codeOf(() => verifyCompact(evidence, options({ now: years })))).toBe(
      'ERR_JWS_EXPIRED',
    );
    const forged = forge(goodHeader(), claims(), stranger);
    expect(await codeOf(() => verifyCompact(forged, options({ now: years, asOf: 'iat' })))).toBe(
      'ERR_JWS_SIGNATURE_INVALID',
    );
  });
});

describe('replay protection', () => {
  it('refuses the second use of a jti by the same signer and remembers it until exp plus skew', async () => {
    const store = memoryReplayStore();
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    await verifyCompact(token, options({ replay: store }));
    expect(await codeOf(() => verifyCompact(token, options({ replay: store })))).toBe(
      'ERR_JWS_REPLAYED',
    );
    expect(store.calls[0]).toEqual([kid, claims().jti, NOW + 300 + CLOCK_SKEW_SECONDS]);
  });

  it('keeps jtis apart per signer', async () => {
    const store = memoryReplayStore();
    await verifyCompact(
      await signCompact({ kind: 'grant', keyPair: signer, payload: claims() }),
      options({ replay: store }),
    );
    const other = await signCompact({ kind: 'grant', keyPair: stranger, payload: claims() });
    await expect(verifyCompact(other, options({ replay: store }))).resolves.toBeDefined();
  });

  it('does not consult the store for a message that fails an earlier check', async () => {
    const store = memoryReplayStore();
    await codeOf(() =>
      verifyCompact(forge(goodHeader(), claims(), stranger), options({ replay: store })),
    );
    expect(store.calls).toEqual([]);
  });

  it('lets a failing store error through instead of disguising it as a bad message', async () => {
    const outage = new Error('database unavailable');
    const store: ReplayStore = { checkAndRemember: () => Promise.reject(outage) };
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    await expect(verifyCompact(token, options({ replay: store }))).rejects.toBe(outage);
  });
});

describe('signCompact refuses', () => {
  it.each<[string, () => Promise<unknown>, string]>([
    [
      'an invalid kind',
      () => signCompact({ kind: 'GRANT', keyPair: signer, payload: claims() }),
      'ERR_MESSAGE_KIND_UNKNOWN',
    ],
    [
      'a payload without the common claims',
      () => signCompact({ kind: 'grant', keyPair: signer, payload: { v: 1 } }),
      'ERR_MESSAGE_INVALID',
    ],
    [
      'a payload that is not JSON',
      () => signCompact({ kind: 'grant', keyPair: signer, payload: claims({ n: 1n }) }),
      'ERR_MESSAGE_INVALID',
    ],
    [
      "a kid that is not the key pair's",
      () => signCompact({ kind: 'grant', keyPair: signer, kid: strangerKid, payload: claims() }),
      'ERR_KEY_INVALID',
    ],
    [
      'a key pair whose halves disagree',
      () =>
        signCompact({
          kind: 'grant',
          keyPair: { publicKey: stranger.publicKey, privateKey: signer.privateKey },
          payload: claims(),
        }),
      'ERR_KEY_INVALID',
    ],
    [
      'a token over the size bound',
      () =>
        signCompact({
          kind: 'grant',
          keyPair: signer,
          payload: claims({ pad: 'x'.repeat(70_000) }),
        }),
      'ERR_MESSAGE_TOO_LARGE',
    ],
  ])('%s', async (_what, run, code) => {
    expect(await codeOf(run)).toBe(code);
  });
});

describe('properties', () => {
  const base64urlChar = fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  );
  const tokenLike = fc
    .array(fc.string({ unit: base64urlChar, maxLength: 120 }), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.join('.'));

  it('answers any string with a ProtocolError, never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), tokenLike),
        async (input) => {
          const code = await codeOf(() => verifyCompact(input, options()));
          expect(code).toMatch(/^ERR_/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers JSON-shaped junk in every part with a ProtocolError', async () => {
    const part = fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => base64urlEncode(utf8Encode(JSON.stringify(v) ?? 'null')));
    await fc.assert(
      fc.asyncProperty(part, part, part, async (h, p, s) => {
        expect(await codeOf(() => verifyCompact(`${h}.${p}.${s}`, options()))).toMatch(/^ERR_/);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses in inspectCompact only what verifyCompact refuses, with the same code', async () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    const header = fc.oneof(
      json,
      fc.record(
        {
          alg: fc.constantFrom('EdDSA', 'Ed25519', 'none', 1),
          typ: fc.constantFrom('grant+jws', 'offer+jws'),
          kid: fc.constantFrom(kid, 'k1'),
          crit: fc.constant(['exp']),
        },
        { requiredKeys: [] },
      ),
    );
    // Validly signed, so verifyCompact reaches the payload: it reads it only after the signature.
    const token = fc
      .tuple(header, fc.oneof(json, fc.constant(claims())))
      .map(([h, p]) => forge(JSON.stringify(h) ?? 'null', JSON.stringify(p) ?? 'null'));
    await fc.assert(
      fc.asyncProperty(token, async (input) => {
        const inspected = await codeOf(async () => inspectCompact(input, { kind: 'grant' }));
        const verified = await codeOf(() => verifyCompact(input, options()));
        if (inspected !== undefined) expect(verified).toBe(inspected);
      }),
      { numRuns: 300 },
    );
  });

  it('answers any string in inspectCompact with a result or a ProtocolError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), tokenLike),
        async (input) => {
          const code = await codeOf(async () => inspectCompact(input, { kind: 'grant' }));
          expect(code ?? 'ERR_').toMatch(/^ERR_/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never verifies a token with one character replaced, inserted or deleted', async () => {
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    const replacement = fc.oneof(
      base64urlChar,
      fc.constantFrom('.', '=', '+', '/', ' ', 'é', '\u0000'),
    );
    const mutation = fc.record({
      at: fc.nat(token.length - 1),
      how: fc.constantFrom('replace', 'insert', 'delete'),
      char: replacement,
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ at, how, char }) => {
        const mutated =
          how === 'replace'
            ? token.slice(0, at) + char + token.slice(at + 1)
            : how === 'insert'
              ? token.slice(0, at) + char + token.slice(at)
              : token.slice(0, at) + token.slice(at + 1);
        fc.pre(mutated !== token);
        expect(await codeOf(() => verifyCompact(mutated, options()))).toMatch(/^ERR_/);
      }),
      { numRuns: 500 },
    );
  });

  it('never verifies a token whose decoded bytes have one bit flipped', async () => {
    const token = await signCompact({ kind: 'grant', keyPair: signer, payload: claims() });
    const parts = token.split('.');
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.nat(10_000), fc.nat(7), async (part, byte, bit) => {
        const bytes = base64urlDecode(parts[part]!);
        bytes[byte % bytes.length]! ^= 1 << bit;
        const mutated = parts.map((p, i) => (i === part ? base64urlEncode(bytes) : p)).join('.');
        expect(await codeOf(() => verifyCompact(mutated, options()))).toMatch(/^ERR_/);
      }),
      { numRuns: 300 },
    );
  });
});
