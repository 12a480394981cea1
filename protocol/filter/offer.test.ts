import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '../encoding';
import { signCompact } from '../jws';
import { importPublicJwk, keyPairFromSeed, publicJwk } from '../keys';
import { exampleMessages, exampleTimes } from '../messages/examples';
import { sealTo } from '../seal';
import { ready } from '../sodium';
import { openOffer } from './index';

const now = exampleTimes.iat + 60;

async function setup() {
  const company = keyPairFromSeed(new Uint8Array(32).fill(3));
  const customer = keyPairFromSeed(new Uint8Array(32).fill(4));
  const key = importPublicJwk(publicJwk(company));
  const resolveKey = (kid: string) => (kid === key.kid ? key : undefined);
  const make = async (outerChanges: Record<string, unknown> = {}) => {
    const inner = await signCompact({
      kind: 'offer-content',
      keyPair: company,
      payload: exampleMessages['offer-content'],
    });
    const sealed = base64urlEncode(sealTo(customer.publicKey, inner));
    const outer = await signCompact({
      kind: 'offer',
      keyPair: company,
      payload: { ...exampleMessages.offer, sealed, ...outerChanges },
    });
    return { inner, outer };
  };
  return { company, customer, resolveKey, make };
}

describe('openOffer', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    await ready();
    s = await setup();
  });

  it('opens, verifies and prepares an offer for the engine', async () => {
    const { outer, inner } = await s.make();
    const opened = await openOffer(outer, s.customer, { resolveKey: s.resolveKey, now });
    expect(opened.innerToken).toBe(inner);
    expect(opened.outerVerified).toBe(false);
    expect(opened.offer.inner.category).toBe('sports/running');
    expect(opened.offer.outer.iat).toBe(exampleTimes.iat);
  });

  it('verifies the outer as evidence when it disagrees with the content', async () => {
    const { outer } = await s.make({ channel: 'email' });
    const opened = await openOffer(outer, s.customer, { resolveKey: s.resolveKey, now });
    expect(opened.outerVerified).toBe(true);
    expect(opened.offer.outer.channel).toBe('email');
    expect(opened.offer.inner.channel).toBe('newsletter');
  });

  it('refuses a disagreeing outer whose signature does not verify', async () => {
    const { outer } = await s.make({ channel: 'email' });
    const [h, p] = outer.split('.');
    const forged = `${h}.${p}.${'A'.repeat(86)}`;
    await expect(
      openOffer(forged, s.customer, { resolveKey: s.resolveKey, now }),
    ).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });

  it('refuses a box sealed to someone else', async () => {
    const { outer } = await s.make();
    await expect(
      openOffer(outer, s.company, { resolveKey: s.resolveKey, now }),
    ).rejects.toMatchObject({
      code: 'ERR_SEAL_OPEN_FAILED',
    });
  });

  it('refuses content signed by an unknown key', async () => {
    const { outer } = await s.make();
    await expect(
      openOffer(outer, s.customer, { resolveKey: () => undefined, now }),
    ).rejects.toMatchObject({
      code: 'ERR_JWS_KID_UNKNOWN',
    });
  });

  it('refuses an outer whose routing fields have the wrong types', async () => {
    const payload = base64urlEncode(
      new TextEncoder().encode(JSON.stringify({ iss: 1, sealed: 'x' })),
    );
    await expect(
      openOffer(`e30.${payload}.x`, s.customer, { resolveKey: s.resolveKey, now }),
    ).rejects.toMatchObject({
      code: 'ERR_MESSAGE_INVALID',
    });
  });

  it.each([
    ['not three parts', 'a.b'],
    ['a payload that is not JSON', `e30.${base64urlEncode(new TextEncoder().encode('{'))}.x`],
  ])('refuses an outer that is %s', async (_name, token) => {
    await expect(
      openOffer(token, s.customer, { resolveKey: s.resolveKey, now }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_(JWS_MALFORMED|BASE64URL_NONCANONICAL|ENCODING_INVALID)$/),
    });
  });
});
