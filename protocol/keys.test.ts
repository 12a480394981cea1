import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, bytesEqual, hexEncode, utf8Encode } from './encoding';
import { ProtocolError } from './errors';
import {
  companyId,
  generateKeyPair,
  generateMasterSeed,
  importPublicJwk,
  importPublicJwkAsync,
  isImportedKey,
  keyPairFromSeed,
  masterSeedToPhrase,
  pairwiseKeyPair,
  pairwiseSeed,
  phraseToMasterSeed,
  pseudonym,
  publicJwk,
  thumbprint,
  thumbprintInput,
} from './keys';
import { isValidEd25519Point, ready } from './sodium';

// RFC 8037 appendix A.1 and A.3: an Ed25519 key and its RFC 7638 thumbprint.
const RFC8037 = {
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  thumbprint: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const seedOf = (byte: number) => new Uint8Array(32).fill(byte);

beforeAll(async () => {
  await ready();
});

describe('key pairs', () => {
  it('derives the RFC 8037 public key from its seed', () => {
    const pair = keyPairFromSeed(base64urlDecode(RFC8037.d));
    expect(base64urlEncode(pair.publicKey)).toBe(RFC8037.x);
    expect(pair.privateKey.length).toBe(64);
    expect(bytesEqual(pair.privateKey.subarray(32), pair.publicKey)).toBe(true);
  });

  it('takes its randomness from the injected source, 32 bytes at a time', () => {
    const asked: number[] = [];
    const pair = generateKeyPair((n) => {
      asked.push(n);
      return seedOf(9);
    });
    expect(asked).toEqual([32]);
    expect(bytesEqual(pair.publicKey, keyPairFromSeed(seedOf(9)).publicKey)).toBe(true);
  });

  it('rejects a random source that returns the wrong number of bytes', () => {
    expect(codeOf(() => generateKeyPair(() => new Uint8Array(31)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => generateMasterSeed(() => new Uint8Array(33)))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => keyPairFromSeed(new Uint8Array(16)))).toBe('ERR_KEY_INVALID');
  });

  it('copies a generated master seed so the caller cannot change it afterwards', () => {
    const buffer = seedOf(1);
    const master = generateMasterSeed(() => buffer);
    buffer.fill(2);
    expect(hexEncode(master)).toBe('01'.repeat(32));
  });
});

describe('thumbprints and identifiers', () => {
  const jwk = { crv: 'Ed25519', kty: 'OKP', x: RFC8037.x } as const;

  it('computes the RFC 8037 appendix A.3 thumbprint', () => {
    expect(thumbprint(jwk)).toBe(RFC8037.thumbprint);
  });

  it('hashes exactly the required members in lexicographic order without whitespace', () => {
    const input = thumbprintInput(jwk);
    expect(input).toBe(`{"crv":"Ed25519","kty":"OKP","x":"${RFC8037.x}"}`);
    expect(base64urlEncode(sha256(utf8Encode(input)))).toBe(RFC8037.thumbprint);
  });

  it('prefixes company ids with co_ and pseudonyms with ps_', () => {
    expect(companyId(jwk)).toBe(`co_${RFC8037.thumbprint}`);
    expect(pseudonym(jwk)).toBe(`ps_${RFC8037.thumbprint}`);
  });

  it('builds the public JWK with only crv, kty and x', () => {
    const pair = keyPairFromSeed(base64urlDecode(RFC8037.d));
    expect(publicJwk(pair)).toEqual(jwk);
    expect(Object.keys(publicJwk(pair.publicKey)).sort()).toEqual(['crv', 'kty', 'x']);
  });

  it.each([
    ['x of the wrong length', { ...jwk, x: RFC8037.x.slice(0, 42) }],
    ['x with non-canonical trailing bits', { ...jwk, x: RFC8037.x.slice(0, 42) + 'p' }],
  ])('refuses to thumbprint a JWK with %s', (_what, bad) => {
    expect(codeOf(() => thumbprint(bad as typeof jwk))).toBe('ERR_KEY_INVALID');
  });
});

describe('pairwise keys', () => {
  const master = seedOf(0x42);

  it('derives the seed as BLAKE2b-256 keyed with the master seed over context, 0x00 and the company id', () => {
    const company = `co_${RFC8037.thumbprint}`;
    const message = new Uint8Array([
      ...utf8Encode('consent-clearinghouse/pairwise/v1'),
      0,
      ...utf8Encode(company),
    ]);
    // An independent BLAKE2b implementation must agree with libsodium's crypto_generichash.
    const expected = blake2b(message, { key: master, dkLen: 32 });
    expect(hexEncode(pairwiseSeed(master, company))).toBe(hexEncode(expected));
    expect(
      bytesEqual(pairwiseKeyPair(master, company).publicKey, keyPairFromSeed(expected).publicKey),
    ).toBe(true);
  });

  it('gives unlinkable keys per company and per master seed, and the same key every time', () => {
    const a = pairwiseKeyPair(master, 'co_a');
    const b = pairwiseKeyPair(master, 'co_b');
    const otherCustomer = pairwiseKeyPair(seedOf(0x43), 'co_a');
    expect(bytesEqual(a.publicKey, b.publicKey)).toBe(false);
    expect(bytesEqual(a.publicKey, otherCustomer.publicKey)).toBe(false);
    expect(bytesEqual(a.publicKey, pairwiseKeyPair(master, 'co_a').publicKey)).toBe(true);
    expect(pseudonym(publicJwk(a))).toMatch(/^ps_[A-Za-z0-9_-]{43}$/);
  });

  it('rejects a short master seed and an empty or oversized company id', () => {
    expect(codeOf(() => pairwiseKeyPair(new Uint8Array(31), 'co_a'))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => pairwiseKeyPair(master, ''))).toBe('ERR_KEY_INVALID');
    expect(codeOf(() => pairwiseKeyPair(master, 'c'.repeat(257)))).toBe('ERR_KEY_INVALID');
  });
});

describe('importPublicJwk', () => {
  const jwk = { crv: 'Ed25519', kty: 'OKP', x: RFC8037.x };

  it('accepts a valid Ed25519 JWK and returns its bytes and kid', () => {
    const key = importPublicJwk(jwk);
    expect(key.kid).toBe(RFC8037.thumbprint);
    expect(base64urlEncode(key.publicKey)).toBe(RFC8037.x);
    expect(key.jwk).toEqual(jwk);
  });

  it('accepts a matching kid, use "sig" and alg EdDSA or Ed25519, and drops them from the result', () => {
    const key = importPublicJwk({ ...jwk, kid: RFC8037.thumbprint, use: 'sig', alg: 'Ed25519' });
    expect(key.jwk).toEqual(jwk);
    expect(importPublicJwk({ ...jwk, alg: 'EdDSA' }).kid).toBe(RFC8037.thumbprint);
  });

  // A small-order point: the identity element (y = 1).
  const identity = base64urlEncode(new Uint8Array([1, ...new Uint8Array(31)]));
  // y = p (2^255 - 19) is a non-canonical encoding of y = 0.
  const nonCanonicalY = base64urlEncode(
    new Uint8Array([0xed, ...new Uint8Array(30).fill(0xff), 0x7f]),
  );

  it.each([
    ['not an object', 'OKP'],
    ['null', null],
    ['an array', [jwk]],
    ['kty RSA', { ...jwk, kty: 'RSA' }],
    ['crv X25519', { ...jwk, crv: 'X25519' }],
    ['a private key member d', { ...jwk, d: RFC8037.d }],
    ['an unknown member', { ...jwk, ext: true }],
    ['use "enc"', { ...jwk, use: 'enc' }],
    ['alg ES256', { ...jwk, alg: 'ES256' }],
    ['a kid that is not its thumbprint', { ...jwk, kid: 'someone-else' }],
    ['x missing', { crv: 'Ed25519', kty: 'OKP' }],
    ['x padded', { ...jwk, x: `${RFC8037.x}=` }],
    ['x in standard base64', { ...jwk, x: RFC8037.x.replace(/_/g, '/') }],
    ['x of 31 bytes', { ...jwk, x: base64urlEncode(new Uint8Array(31).fill(1)) }],
    ['x a small-order point', { ...jwk, x: identity }],
    ['x a non-canonical point encoding', { ...jwk, x: nonCanonicalY }],
  ])('rejects %s with ERR_KEY_INVALID', (_what, input) => {
    expect(codeOf(() => importPublicJwk(input))).toBe('ERR_KEY_INVALID');
  });

  // The same inputs through the async import, with libsodium's check passed in as the server's
  // worker would answer it: the same verdicts and the same messages.
  const libsodiumCheck = (bytes: Uint8Array) => Promise.resolve(isValidEd25519Point(bytes));
  it.each([
    ['x a small-order point', { ...jwk, x: identity }],
    ['x a non-canonical point encoding', { ...jwk, x: nonCanonicalY }],
    ['a kid that is not its thumbprint', { ...jwk, kid: 'someone-else' }],
    ['a private key member d', { ...jwk, d: RFC8037.d }],
    ['x of 31 bytes', { ...jwk, x: base64urlEncode(new Uint8Array(31).fill(1)) }],
  ])('importPublicJwkAsync rejects %s as importPublicJwk does', async (_what, input) => {
    const sync = (() => {
      try {
        importPublicJwk(input);
      } catch (error) {
        return error as ProtocolError;
      }
      throw new Error('importPublicJwk accepted it');
    })();
    await expect(importPublicJwkAsync(input, libsodiumCheck)).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
      message: sync.message,
    });
  });

  it('importPublicJwkAsync returns what importPublicJwk returns, and believes its point check', async () => {
    const key = await importPublicJwkAsync({ ...jwk, kid: RFC8037.thumbprint }, libsodiumCheck);
    expect(key).toEqual(importPublicJwk(jwk));
    expect(isImportedKey(key)).toBe(true);
    // A fresh key whose point check says no is refused, however well-formed it is.
    const fresh = publicJwk(keyPairFromSeed(seedOf(0x5a)).publicKey);
    await expect(importPublicJwkAsync(fresh, () => Promise.resolve(false))).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
      message: 'x is not a valid Ed25519 public key',
    });
  });

  it('asks the passed-in check on every import, and its answer counts for that import alone', async () => {
    const asked: string[] = [];
    const counting = (bytes: Uint8Array) => {
      asked.push(base64urlEncode(bytes));
      return Promise.resolve(isValidEd25519Point(bytes));
    };
    const fresh = publicJwk(keyPairFromSeed(seedOf(0x6b)).publicKey);
    await importPublicJwkAsync(fresh, counting);
    await importPublicJwkAsync(fresh, counting);
    expect(asked).toEqual([fresh.x, fresh.x]);
    // A checker that says yes to everything lets its own call through, and nothing after it.
    const small = { ...jwk, x: identity };
    await importPublicJwkAsync(small, () => Promise.resolve(true));
    expect(codeOf(() => importPublicJwk(small))).toBe('ERR_KEY_INVALID');
    await expect(importPublicJwkAsync(small, counting)).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
    expect(asked).toEqual([fresh.x, fresh.x, identity]);
  });
});

describe('recovery phrase', () => {
  // Trezor's BIP-39 reference vectors for 256-bit entropy.
  it.each([
    ['00'.repeat(32), `${'abandon '.repeat(23)}art`],
    [
      '7f'.repeat(32),
      'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
    ],
    ['ff'.repeat(32), `${'zoo '.repeat(23)}vote`],
  ])('turns seed %s into its 24-word phrase and back', (hex, phrase) => {
    const seed = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(masterSeedToPhrase(seed)).toBe(phrase);
    expect(hexEncode(phraseToMasterSeed(phrase))).toBe(hex);
  });

  it('forgives case and extra whitespace when a person types the phrase', () => {
    const seed = seedOf(0x42);
    const typed = `  ${masterSeedToPhrase(seed).toUpperCase().split(' ').join('   ')}\n`;
    expect(bytesEqual(phraseToMasterSeed(typed), seed)).toBe(true);
  });

  it.each([
    ['a wrong checksum word', `${'abandon '.repeat(23)}abandon`],
    ['an unknown word', `${'abandon '.repeat(23)}artx`],
    ['12 words', `${'abandon '.repeat(11)}about`],
    ['an overlong input', 'abandon '.repeat(200)],
  ])('rejects a phrase with %s', (_what, phrase) => {
    expect(codeOf(() => phraseToMasterSeed(phrase))).toBe('ERR_KEY_INVALID');
  });

  it('refuses to phrase a seed that is not 32 bytes', () => {
    expect(codeOf(() => masterSeedToPhrase(new Uint8Array(16)))).toBe('ERR_KEY_INVALID');
  });
});

describe('keys imported once', () => {
  it('recognises a key importPublicJwk made (frozen), and not a look-alike copy or a bare JWK', () => {
    const jwk = publicJwk(keyPairFromSeed(new Uint8Array(32).fill(3)));
    const imported = importPublicJwk(jwk);
    expect(isImportedKey(imported)).toBe(true);
    expect(Object.isFrozen(imported)).toBe(true);
    expect(isImportedKey({ ...imported })).toBe(false);
    expect(isImportedKey(jwk)).toBe(false);
  });
});
