import { describe, expect, it, beforeAll } from 'vitest';
import { keyPairFromSeed, publicJwk } from '../../../protocol/keys';
import { signCompact, verifyCompact } from '../../../protocol/jws';
import { ready, signDetached, verifyDetached } from '../../../protocol/sodium';
import { createKeyObjectCache, nodeEd25519Verify } from './ed25519';

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
