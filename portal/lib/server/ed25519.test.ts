import { describe, expect, it, beforeAll } from 'vitest';
import { keyPairFromSeed, publicJwk } from '../../../protocol/keys';
import { signCompact, verifyCompact } from '../../../protocol/jws';
import { ready, signDetached, verifyDetached } from '../../../protocol/sodium';
import {
  createKeyObjectCache,
  createServerVerifier,
  loadNativeSodiumVerify,
  nodeEd25519Verify,
  serverEd25519Verify,
} from './ed25519';

beforeAll(ready);

describe('nodeEd25519Verify', () => {
  const pair = () => keyPairFromSeed(new Uint8Array(32).fill(7));

  it('agrees with libsodium on valid and invalid signatures', async () => {
    const { publicKey, privateKey } = pair();
    const message = new TextEncoder().encode('consent');
    const signature = signDetached(message, privateKey);
    expect(await nodeEd25519Verify(signature, message, publicKey)).toBe(true);
    expect(verifyDetached(signature, message, publicKey)).toBe(true);
    for (let i = 0; i < signature.length; i += 7) {
      const bad = signature.slice();
      bad[i]! ^= 1;
      expect(await nodeEd25519Verify(bad, message, publicKey)).toBe(false);
      expect(verifyDetached(bad, message, publicKey)).toBe(false);
    }
    expect(await nodeEd25519Verify(signature.subarray(1), message, publicKey)).toBe(false);
  });

  it('verifies a compact JWS when injected into protocol/jws, and refuses a tampered one', async () => {
    const keyPair = pair();
    const jwk = publicJwk(keyPair);
    const now = 1_767_225_600;
    const token = await signCompact({
      kind: 'request',
      payload: {
        aud: 'http://localhost:3000',
        iat: now,
        exp: now + 60,
        jti: '00000000-0000-4000-8000-000000000001',
      },
      keyPair,
    });
    const options = {
      kind: 'request',
      resolveKey: () => jwk,
      audience: 'http://localhost:3000',
      now,
      verifySignature: nodeEd25519Verify,
    };
    await expect(verifyCompact(token, options)).resolves.toMatchObject({ claims: { iat: now } });
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = token.slice(0, -2) + last + token.at(-1);
    await expect(verifyCompact(tampered, options)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });

  it('answers with a promise (verification runs on the thread pool) that settles with the result', async () => {
    const { publicKey, privateKey } = pair();
    const message = new TextEncoder().encode('consent');
    const pending = nodeEd25519Verify(signDetached(message, privateKey), message, publicKey);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(true);
  });
});

describe('createKeyObjectCache', () => {
  it('keeps a key object only from the second time its array is asked for', () => {
    let made = 0;
    const keyObjectOf = createKeyObjectCache((publicKey) => ({
      made: ++made,
      first: publicKey[0],
    }));
    const once = new Uint8Array(32).fill(1);
    const again = new Uint8Array(32).fill(2);

    // A key asked for once (a new pseudonym's first grant) is made and not kept.
    const first = keyObjectOf(once);
    expect(first).toEqual({ made: 1, first: 1 });
    // Its second use makes it again and keeps that one; later uses get the kept one.
    const second = keyObjectOf(once);
    expect(second).toEqual({ made: 2, first: 1 });
    expect(keyObjectOf(once)).toBe(second);
    expect(keyObjectOf(once)).toBe(second);
    expect(made).toBe(2);

    // By identity of the array, not by its bytes: an equal array is another key.
    expect(keyObjectOf(new Uint8Array(32).fill(1))).toEqual({ made: 3, first: 1 });
    expect(keyObjectOf(again)).toEqual({ made: 4, first: 2 });
    expect(keyObjectOf(again)).toEqual({ made: 5, first: 2 });
    expect(keyObjectOf(again)).toEqual({ made: 5, first: 2 });
    expect(keyObjectOf(once)).toBe(second);
  });
});

describe('serverEd25519Verify', () => {
  const message = new TextEncoder().encode('consent');
  let publicKey: Uint8Array;
  let privateKey: Uint8Array;
  beforeAll(() => {
    ({ publicKey, privateKey } = keyPairFromSeed(new Uint8Array(32).fill(9)));
  });
  const signature = () => signDetached(message, privateKey);

  /** The order of the prime-order subgroup, little-endian (RFC 8032's L). */
  const order = (() => {
    const bytes = new Uint8Array(32);
    let l = 2n ** 252n + 27742317777372353535851937790883648493n;
    for (let i = 0; i < 32; i++, l >>= 8n) bytes[i] = Number(l & 0xffn);
    return bytes;
  })();
  /** The identity point (y = 1), of order 1. */
  const identity = new Uint8Array(32);
  identity[0] = 1;

  /** Signatures the browser's libsodium refuses, and why. */
  function refusedByLibsodium(): [string, Uint8Array, Uint8Array, Uint8Array][] {
    const good = signature();
    const withBigS = good.slice();
    // S + L: the same point equation, a non-canonical S (malleability).
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const sum = withBigS[32 + i]! + order[i]! + carry;
      withBigS[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    // R and A the identity and S = 0 satisfy [S]B = R + [k]A for every message.
    const identityForgery = new Uint8Array(64);
    identityForgery.set(identity, 0);
    return [
      ['a flipped bit of R', flip(good, 3), message, publicKey],
      ['a flipped bit of S', flip(good, 40), message, publicKey],
      ['another message', good, new TextEncoder().encode('consent!'), publicKey],
      ['a non-canonical S (S + L)', withBigS, message, publicKey],
      ['a small-order key and R (the identity), S = 0', identityForgery, message, identity],
      ['a short signature', good.subarray(1), message, publicKey],
      ['a short key', good, message, publicKey.subarray(1)],
    ];
  }
  function flip(bytes: Uint8Array, index: number): Uint8Array {
    const copy = bytes.slice();
    copy[index]! ^= 1;
    return copy;
  }

  it('is native libsodium here, answering at once (no thread-pool hop)', () => {
    expect(loadNativeSodiumVerify()).toBeDefined();
    expect(serverEd25519Verify).not.toBe(nodeEd25519Verify);
    expect(serverEd25519Verify(signature(), message, publicKey)).toBe(true);
  });

  it('accepts and refuses exactly what the browser’s libsodium (WebAssembly) does', () => {
    expect(verifyDetached(signature(), message, publicKey)).toBe(true);
    for (const [what, sig, msg, key] of refusedByLibsodium()) {
      const portable = sig.length === 64 && key.length === 32 && verifyDetached(sig, msg, key);
      expect(portable, what).toBe(false);
      expect(serverEd25519Verify(sig, msg, key), what).toBe(false);
    }
    // Random keys and signatures: the same answers (nearly all refused, none differently).
    for (let n = 0; n < 200; n++) {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const sig = crypto.getRandomValues(new Uint8Array(64));
      expect(serverEd25519Verify(sig, message, key)).toBe(verifyDetached(sig, message, key));
    }
  });

  it('falls back to node:crypto on the thread pool when native libsodium does not load or VERIFY_NATIVE=off', async () => {
    expect(loadNativeSodiumVerify({ VERIFY_NATIVE: 'off' })).toBeUndefined();
    expect(loadNativeSodiumVerify({ VERIFY_NATIVE: ' OFF ' })).toBeUndefined();
    expect(
      loadNativeSodiumVerify({}, () => {
        throw new Error('Cannot find module sodium-native');
      }),
    ).toBeUndefined();
    expect(loadNativeSodiumVerify({}, () => ({}))).toBeUndefined();
    const fallback = createServerVerifier(undefined);
    expect(fallback).toBe(nodeEd25519Verify);
    expect(await fallback(signature(), message, publicKey)).toBe(true);
    expect(await fallback(flip(signature(), 40), message, publicKey)).toBe(false);
  });
});
