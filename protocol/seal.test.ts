import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual, utf8Decode, utf8Encode } from './encoding';
import { ProtocolError } from './errors';
import { sha256Of, signCompact, type VerifyOptions } from './jws';
import { keyPairFromSeed, pairwiseKeyPair, publicJwk, type Ed25519KeyPair } from './keys';
import { openSealed, openSealedSigned, sealSigned, sealTo } from './seal';
import { ready } from './sodium';

const NOW = 1_700_000_000;

let company: Ed25519KeyPair;
let customer: Ed25519KeyPair;
let eavesdropper: Ed25519KeyPair;

beforeAll(async () => {
  await ready();
  company = keyPairFromSeed(new Uint8Array(32).fill(7));
  customer = pairwiseKeyPair(new Uint8Array(32).fill(8), 'co_shop');
  eavesdropper = pairwiseKeyPair(new Uint8Array(32).fill(9), 'co_shop');
});

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

function inner(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: 1,
    iss: 'co_shop',
    aud: 'ps_customer',
    iat: NOW,
    exp: NOW + 86_400,
    jti: '0d6f3f8e-43d1-4a53-b7a5-1c1f0b9e2a11',
    title: 'Zehn Prozent auf Wanderschuhe',
    ...overrides,
  };
}

function verifyOptions(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    kind: 'offer',
    resolveKey: () => publicJwk(company),
    audience: 'ps_customer',
    now: NOW,
    maxWindowSeconds: 90 * 86_400,
    ...overrides,
  };
}

describe('sealTo and openSealed', () => {
  it('opens with the recipient key pair what was sealed to its Ed25519 public key', () => {
    const sealed = sealTo(customer.publicKey, 'Grüße');
    expect(sealed.length).toBe(48 + utf8Encode('Grüße').length);
    expect(utf8Decode(openSealed(sealed, customer))).toBe('Grüße');
  });

  it('is randomised: the same plaintext seals differently each time', () => {
    const a = sealTo(customer.publicKey, utf8Encode('same'));
    const b = sealTo(customer.publicKey, utf8Encode('same'));
    expect(bytesEqual(a, b)).toBe(false);
  });

  it('does not open for anyone else', async () => {
    const sealed = sealTo(customer.publicKey, 'for the customer only');
    expect(await codeOf(() => openSealed(sealed, eavesdropper))).toBe('ERR_SEAL_OPEN_FAILED');
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['shorter than the 48-byte overhead', new Uint8Array(47)],
  ])('rejects a box that is %s', async (_what, sealed) => {
    expect(await codeOf(() => openSealed(sealed, customer))).toBe('ERR_SEAL_OPEN_FAILED');
  });

  it('rejects a box over the size bound without trying to open it', async () => {
    const sealed = sealTo(customer.publicKey, new Uint8Array(200));
    expect(await codeOf(() => openSealed(sealed, customer, { maxLength: 100 }))).toBe(
      'ERR_SEAL_OPEN_FAILED',
    );
  });

  it('refuses to seal to a key with no safe X25519 form', async () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the small-order identity point
    expect(await codeOf(() => sealTo(identity, 'x'))).toBe('ERR_KEY_INVALID');
    expect(await codeOf(() => sealTo(new Uint8Array(31), 'x'))).toBe('ERR_KEY_INVALID');
  });

  it('refuses a recipient whose private key is not a libsodium secret key', async () => {
    const sealed = sealTo(customer.publicKey, 'x');
    const broken = { publicKey: customer.publicKey, privateKey: new Uint8Array(32) };
    expect(await codeOf(() => openSealed(sealed, broken))).toBe('ERR_KEY_INVALID');
  });

  it('fails with ERR_SEAL_OPEN_FAILED whenever any bit of the box is flipped', async () => {
    const sealed = sealTo(customer.publicKey, 'Zehn Prozent auf Wanderschuhe');
    await fc.assert(
      fc.asyncProperty(fc.nat(sealed.length - 1), fc.nat(7), async (byte, bit) => {
        const altered = sealed.slice();
        altered[byte]! ^= 1 << bit;
        expect(await codeOf(() => openSealed(altered, customer))).toBe('ERR_SEAL_OPEN_FAILED');
      }),
      { numRuns: 300 },
    );
  });

  it('fails with ERR_SEAL_OPEN_FAILED for any byte string that was not sealed to the key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (junk) => {
        expect(await codeOf(() => openSealed(junk, customer))).toBe('ERR_SEAL_OPEN_FAILED');
      }),
      { numRuns: 200 },
    );
  });
});

describe('sealSigned and openSealedSigned', () => {
  it('seals a signed inner message that opens and verifies', async () => {
    const { sealed, token } = await sealSigned(customer.publicKey, {
      kind: 'offer',
      keyPair: company,
      payload: inner(),
    });
    const opened = await openSealedSigned(sealed, customer, verifyOptions());
    expect(opened.token).toBe(token);
    expect(opened.payload).toEqual(inner());
    expect(opened.header.typ).toBe('offer+jws');
    expect(opened.sha256).toBe(sha256Of(token));
  });

  it('reports an inner signature by the wrong key as ERR_SEAL_CONTENT_INVALID with the JWS reason', async () => {
    const impostor = keyPairFromSeed(new Uint8Array(32).fill(66));
    const { sealed } = await sealSigned(customer.publicKey, {
      kind: 'offer',
      keyPair: impostor,
      payload: inner(),
    });
    try {
      // The resolver answers with the company's key whatever the kid: the kid check catches it.
      await openSealedSigned(sealed, customer, verifyOptions());
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe('ERR_SEAL_CONTENT_INVALID');
      expect((e as ProtocolError).detail?.reason).toBe('ERR_JWS_KID_UNKNOWN');
    }
  });

  it.each([
    ['plain text', () => sealTo(customer.publicKey, 'not a JWS')],
    ['bytes that are not UTF-8', () => sealTo(customer.publicKey, new Uint8Array([0xff, 0xfe]))],
  ])('rejects sealed %s with ERR_SEAL_CONTENT_INVALID', async (_what, make) => {
    expect(await codeOf(() => openSealedSigned(make(), customer, verifyOptions()))).toBe(
      'ERR_SEAL_CONTENT_INVALID',
    );
  });

  it('rejects an inner message of another kind with ERR_SEAL_CONTENT_INVALID', async () => {
    const token = await signCompact({ kind: 'reward', keyPair: company, payload: inner() });
    const sealed = sealTo(customer.publicKey, token);
    expect(await codeOf(() => openSealedSigned(sealed, customer, verifyOptions()))).toBe(
      'ERR_SEAL_CONTENT_INVALID',
    );
  });

  it('still reports a box that does not open as ERR_SEAL_OPEN_FAILED', async () => {
    const { sealed } = await sealSigned(customer.publicKey, {
      kind: 'offer',
      keyPair: company,
      payload: inner(),
    });
    expect(await codeOf(() => openSealedSigned(sealed, eavesdropper, verifyOptions()))).toBe(
      'ERR_SEAL_OPEN_FAILED',
    );
  });

  it('refuses to sign for a recipient key that cannot be sealed to', async () => {
    expect(
      await codeOf(() =>
        sealSigned(new Uint8Array(32), { kind: 'offer', keyPair: company, payload: inner() }),
      ),
    ).toBe('ERR_KEY_INVALID');
  });
});
