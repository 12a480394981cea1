/**
 * A correction as the console page reads it (correction.ts) with a key file loaded through
 * company-key.ts: the value sealed to that company key is opened in the page; one sealed to
 * another key, or content that is no correction of the named category, becomes a sentence.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '$protocol/encoding';
import { hasMessage } from '$protocol/i18n';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import { sealTo } from '$protocol/seal';
import { signMessage } from '$protocol/signed';
import { ready } from '$protocol/sodium';
import { loadCompanyKey, type CompanyKey } from './company-key';
import { readCorrection } from './correction';

const random = (n: number) => new Uint8Array(randomBytes(n));

/** The key file the console offers once, for a libsodium key pair. */
function keyFile(pair: Ed25519KeyPair): string {
  const jwk = publicJwk(pair);
  return JSON.stringify({
    ...jwk,
    d: base64urlEncode(pair.privateKey.slice(0, 32)),
    kid: thumbprint(jwk),
  });
}

let company: Ed25519KeyPair;
let other: Ed25519KeyPair;
let customer: Ed25519KeyPair;
let loaded: CompanyKey;

beforeAll(async () => {
  await ready();
  company = generateKeyPair(random);
  other = generateKeyPair(random);
  customer = generateKeyPair(random);
  loaded = await loadCompanyKey(keyFile(company));
});

/** A correction of `dataCategory` from the customer, its content sealed to `to`. */
function correction(
  dataCategory: string,
  content: unknown,
  to: Ed25519KeyPair = company,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signMessage(
    'correction',
    {
      v: 1,
      iss: `ps_${thumbprint(publicJwk(customer))}`,
      aud: `co_${thumbprint(publicJwk(company))}`,
      iat,
      exp: iat + 300,
      jti: randomUUID(),
      dataCategory,
      sealed: base64urlEncode(
        sealTo(to.publicKey, typeof content === 'string' ? content : JSON.stringify(content)),
      ),
    } as never,
    customer,
  );
}

describe('readCorrection', () => {
  it('opens a correction sealed to the loaded company key and shows its category and value', async () => {
    const jws = await correction('address', {
      dataCategory: 'address',
      value: 'Hauptstraße 1, 12345 Beispielstadt',
    });
    expect(await readCorrection(jws, loaded.openSealed)).toEqual({
      ok: true,
      dataCategory: 'address',
      value: 'Hauptstraße 1, 12345 Beispielstadt',
    });
  });

  it('the loaded key opens what is sealed to its X25519 form, the seed never leaves the page', async () => {
    const sealed = sealTo(base64urlDecode(loaded.publicJwk.x), 'x');
    expect(new TextDecoder().decode(await loaded.openSealed(sealed))).toBe('x');
    expect(JSON.stringify(loaded)).not.toContain(base64urlEncode(company.privateKey.slice(0, 32)));
  });

  it.each([
    [
      'sealed to another key of the company',
      () => correction('address', { dataCategory: 'address', value: 'x' }, other),
      'portal.console.corrections.otherKey',
    ],
    [
      'naming another category inside the seal than outside',
      () => correction('address', { dataCategory: 'location', value: 'x' }),
      'portal.console.corrections.unreadable',
    ],
    [
      'whose sealed content is not JSON',
      () => correction('address', 'Hauptstraße 1'),
      'portal.console.corrections.unreadable',
    ],
    [
      'whose sealed content has unknown fields',
      () => correction('address', { dataCategory: 'address', value: 'x', extra: 1 }),
      'portal.console.corrections.unreadable',
    ],
    ['that is no JWS', () => Promise.resolve('not-a-jws'), 'portal.console.corrections.unreadable'],
  ])('says so, in a sentence of the catalog, for a correction %s', async (_, make, problem) => {
    const read = await readCorrection(await make(), loaded.openSealed);
    expect(read).toEqual({ ok: false, problem });
    expect(hasMessage(problem)).toBe(true);
  });
});
