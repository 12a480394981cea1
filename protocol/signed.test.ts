import { describe, expect, it, beforeAll } from 'vitest';
import { ProtocolError } from './errors';
import { keyPairFromSeed, publicJwk, type Ed25519PublicJwk } from './keys';
import { exampleMessages } from './messages/examples';
import type { MessageKind, Payload } from './messages';
import { openMessage, signMessage } from './signed';
import { ready, sha256 } from './sodium';
import { base64urlEncode, utf8Encode } from './encoding';
import jwsVectors from './test-vectors/jws.json';

interface JwsVector {
  kind: MessageKind;
  signerJwk: Ed25519PublicJwk;
  kid: string;
  payload: Payload<MessageKind>;
  token: string;
  sha256: string;
  signerSeedLabel: string;
}

const vectors = jwsVectors.vectors as unknown as JwsVector[];

beforeAll(async () => {
  await ready();
});

function seedOf(label: string) {
  return keyPairFromSeed(sha256(utf8Encode(label)));
}

describe('test-vectors/jws.json', () => {
  it('has one vector per message kind', () => {
    expect(new Set(vectors.map((v) => v.kind)).size).toBe(vectors.length);
    expect(vectors.length).toBe(Object.keys(exampleMessages).length);
  });

  it.each(vectors.map((v) => [v.kind, v] as const))(
    'opens the %s vector with its signer key and gets its payload',
    async (_kind, vector) => {
      const opened = await openMessage(vector.kind, vector.token, {
        resolveKey: (kid) => (kid === vector.kid ? vector.signerJwk : undefined),
        audience: vector.payload.aud,
        now: vector.payload.iat,
      });
      expect(opened.payload).toEqual(vector.payload);
      expect(opened.sha256).toBe(vector.sha256);
      expect(opened.kid).toBe(vector.kid);
    },
  );

  it.each(vectors.map((v) => [v.kind, v] as const))(
    're-signs the %s vector to the same token (Ed25519 is deterministic)',
    async (_kind, vector) => {
      const pair = seedOf(vector.signerSeedLabel);
      expect(publicJwk(pair)).toEqual(vector.signerJwk);
      expect(await signMessage(vector.kind, vector.payload, pair)).toBe(vector.token);
    },
  );
});

describe('openMessage', () => {
  const pseudonymPair = () => seedOf('consent-clearinghouse/example/pseudonym');
  const companyPair = () => seedOf('consent-clearinghouse/example/company');

  it('refuses a message of another kind than asked, by its typ', async () => {
    const grant = vectors.find((v) => v.kind === 'grant')!;
    await expect(
      openMessage('refusal', grant.token, {
        resolveKey: () => grant.signerJwk,
        audience: grant.payload.aud,
        now: grant.payload.iat,
      }),
    ).rejects.toMatchObject({ code: 'ERR_JWS_TYP_MISMATCH' });
  });

  it('refuses a pseudonym message signed by a key other than the pseudonym’s own', async () => {
    // A validly signed grant whose iss names the example pseudonym, signed by the company's key.
    const token = await signMessage('grant', exampleMessages.grant, companyPair());
    const error = await openMessage('grant', token, {
      resolveKey: () => publicJwk(companyPair()),
      audience: exampleMessages.grant.aud,
      now: exampleMessages.grant.iat,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('ERR_MESSAGE_ISSUER_MISMATCH');
  });

  it('refuses a well-signed payload that its kind’s schema refuses', async () => {
    const pair = pseudonymPair();
    // Sign around signMessage's own check, as an attacker would.
    const { signCompact } = await import('./jws');
    const token = await signCompact({
      kind: 'grant',
      payload: { ...exampleMessages.grant, unexpected: true },
      keyPair: pair,
    });
    await expect(
      openMessage('grant', token, {
        resolveKey: () => publicJwk(pair),
        audience: exampleMessages.grant.aud,
        now: exampleMessages.grant.iat,
      }),
    ).rejects.toMatchObject({ code: 'ERR_MESSAGE_INVALID' });
  });

  it('refuses to sign a payload its schema refuses', async () => {
    const bad = { ...exampleMessages.grant, until: 'tomorrow' } as unknown as Payload<'grant'>;
    await expect(signMessage('grant', bad, pseudonymPair())).rejects.toMatchObject({
      code: 'ERR_MESSAGE_INVALID',
    });
  });
});

describe('offer windows', () => {
  const companyPair = () => seedOf('consent-clearinghouse/example/company');

  it('accepts an offer whose exp reaches its validUntil, and refuses one that outlives it', async () => {
    const offer = exampleMessages.offer;
    const ok = await signMessage('offer', { ...offer, exp: offer.validUntil }, companyPair());
    const options = {
      resolveKey: () => publicJwk(companyPair()),
      audience: offer.aud,
      now: offer.iat,
    };
    await expect(openMessage('offer', ok, options)).resolves.toMatchObject({ kind: 'offer' });
    const tooLong = await signMessage(
      'offer',
      { ...offer, exp: offer.validUntil + 1 },
      companyPair(),
    );
    await expect(openMessage('offer', tooLong, options)).rejects.toMatchObject({
      code: 'ERR_JWS_WINDOW_TOO_LONG',
    });
  });
});

describe('size bound', () => {
  const companyPair = () => seedOf('consent-clearinghouse/example/company');

  /**
   * The example disclosure with the largest sealed export and `recipients` recipients of 200
   * characters, 32 (the most) per holding, each holding another category.
   */
  function largeDisclosure(recipients: number): Payload<'disclosure'> {
    const base = exampleMessages.disclosure;
    const categories = ['address', 'profile', 'action'] as const;
    return {
      ...base,
      // 24,576 bytes are 32,768 base64url characters: the largest sealed box (`limits.sealedChars`).
      export: base64urlEncode(new Uint8Array(24_576).fill(7)),
      holdings: categories
        .map((dataCategory, h) => ({
          ...base.holdings[0]!,
          dataCategory,
          recipients: Array.from(
            { length: Math.max(0, Math.min(32, recipients - 32 * h)) },
            (_, i) => ({
              name: `Empfänger ${h}.${i} `.padEnd(200, 'x'),
            }),
          ),
        }))
        .filter((holding, h) => h === 0 || holding.recipients.length > 0),
    };
  }

  it('neither signs nor opens a message longer than a JWS may be where it is carried (60 KiB)', async () => {
    const pair = companyPair();
    // Fits the JSON bound (64 KiB) and the JWS layer's default (64 KiB), not the 60 KiB that a
    // complaint's evidence and the Assistant's records allow for a signed message.
    const payload = largeDisclosure(64);
    const { signCompact } = await import('./jws');
    const token = await signCompact({ kind: 'disclosure', payload, keyPair: pair });
    expect(token.length).toBeGreaterThan(60 * 1024);
    expect(token.length).toBeLessThanOrEqual(64 * 1024);
    await expect(signMessage('disclosure', payload, pair)).rejects.toMatchObject({
      code: 'ERR_MESSAGE_TOO_LARGE',
    });
    await expect(
      openMessage('disclosure', token, {
        // A route's own body limit is higher: the kind's bound still holds.
        maxLength: 256 * 1024,
        resolveKey: () => publicJwk(pair),
        audience: payload.aud,
        now: payload.iat,
      }),
    ).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
    // Just under the bound, the same message signs and opens.
    const smaller = largeDisclosure(40);
    const fits = await signMessage('disclosure', smaller, pair);
    expect(fits.length).toBeLessThanOrEqual(60 * 1024);
    const opened = await openMessage('disclosure', fits, {
      maxLength: 256 * 1024,
      resolveKey: () => publicJwk(pair),
      audience: smaller.aud,
      now: smaller.iat,
    });
    expect(opened.payload.holdings.flatMap((h) => h.recipients)).toHaveLength(40);
  });
});
