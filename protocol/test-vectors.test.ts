/**
 * Runs the published vectors (protocol/test-vectors/*.json) against this implementation, in Node
 * and in Chromium. Another implementation runs the same files against itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexDecode, hexEncode, utf8Decode } from './encoding';
import { ProtocolError } from './errors';
import {
  companyId,
  importPublicJwk,
  keyPairFromSeed,
  masterSeedToPhrase,
  pairwiseKeyPair,
  pairwiseSeed,
  phraseToMasterSeed,
  pseudonym,
  publicJwk,
  thumbprint,
  thumbprintInput,
  type Ed25519PublicJwk,
} from './keys';
import { openSealed, openSealedSigned } from './seal';
import { ed25519PkToCurve25519, ed25519SkToCurve25519, ready } from './sodium';
import keys from './test-vectors/keys.json';
import pairwise from './test-vectors/pairwise.json';
import seal from './test-vectors/seal.json';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

beforeAll(async () => {
  await ready();
});

describe('keys.json', () => {
  it('holds vectors', () => {
    expect(keys.vectors.length).toBeGreaterThanOrEqual(5);
    expect(keys.invalidPublicJwks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(keys.vectors.map((v) => [v.name, v] as const))(
    '%s: key, JWK, thumbprint, company id, pseudonym',
    (_name, v) => {
      const pair = keyPairFromSeed(hexDecode(v.seed));
      expect(hexEncode(pair.publicKey)).toBe(v.publicKey);
      const jwk = publicJwk(pair);
      expect(jwk).toEqual(v.jwk);
      expect(thumbprintInput(jwk)).toBe(v.thumbprintInput);
      expect(thumbprint(jwk)).toBe(v.thumbprint);
      expect(companyId(jwk)).toBe(v.companyId);
      expect(pseudonym(jwk)).toBe(v.pseudonym);
      expect(importPublicJwk(v.jwk).kid).toBe(v.thumbprint);
    },
  );

  it.each(keys.invalidPublicJwks.map((v) => [v.name, v] as const))(
    'rejects a public JWK with %s',
    (_name, v) => {
      expect(codeOf(() => importPublicJwk(v.jwk))).toBe(v.error);
    },
  );
});

describe('pairwise.json', () => {
  it.each(pairwise.vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const master = hexDecode(v.masterSeed);
    expect(hexEncode(pairwiseSeed(master, v.companyId))).toBe(v.pairwiseSeed);
    const pair = pairwiseKeyPair(master, v.companyId);
    expect(hexEncode(pair.publicKey)).toBe(v.publicKey);
    expect(publicJwk(pair)).toEqual(v.jwk);
    expect(pseudonym(publicJwk(pair))).toBe(v.pseudonym);
    expect(
      v.blake2bMessage.startsWith(hexEncode(new TextEncoder().encode(`${pairwise.context}\u0000`))),
    ).toBe(true);
  });

  it.each(pairwise.recoveryPhrases.map((v) => [v.name, v] as const))(
    'recovery phrase of %s',
    (_name, v) => {
      expect(masterSeedToPhrase(hexDecode(v.masterSeed))).toBe(v.phrase);
      expect(hexEncode(phraseToMasterSeed(v.phrase))).toBe(v.masterSeed);
    },
  );
});

describe('seal.json', () => {
  it.each(seal.vectors.map((v) => [v.name, v] as const))('opens %s', async (_name, v) => {
    const recipient = keyPairFromSeed(hexDecode(v.recipientSeed));
    expect(hexEncode(recipient.publicKey)).toBe(v.recipientPublicKey);
    expect(hexEncode(ed25519PkToCurve25519(recipient.publicKey))).toBe(v.recipientX25519PublicKey);
    expect(hexEncode(ed25519SkToCurve25519(recipient.privateKey))).toBe(v.recipientX25519SecretKey);
    const plaintext = openSealed(hexDecode(v.sealed), recipient);
    expect(hexEncode(plaintext)).toBe(v.plaintext);
    if ('signed' in v && v.signed !== undefined) {
      const signed = v.signed;
      const signerJwk = signed.signerJwk as Ed25519PublicJwk;
      const opened = await openSealedSigned(hexDecode(v.sealed), recipient, {
        kind: signed.kind,
        resolveKey: (kid) => (kid === thumbprint(signerJwk) ? signerJwk : undefined),
        audience: signed.audience,
        now: signed.verifyAt,
        maxWindowSeconds: signed.maxWindowSeconds,
      });
      expect(opened.token).toBe(utf8Decode(plaintext));
      expect(opened.header.typ).toBe(`${signed.kind}+jws`);
    }
  });

  it.each(seal.mustFail.map((v) => [v.name, v] as const))(
    'refuses to open a box %s',
    (_name, v) => {
      const recipient = keyPairFromSeed(hexDecode(v.recipientSeed));
      expect(codeOf(() => openSealed(hexDecode(v.sealed), recipient))).toBe(v.error);
    },
  );
});
