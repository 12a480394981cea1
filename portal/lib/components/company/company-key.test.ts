/**
 * The company console's key file (company-key.ts): an RFC 8037 private JWK with its `kid` is the
 * one format "Load key file" reads, whether the console generated the key (WebCrypto) or it came
 * from elsewhere (a libsodium seed, as the reference company site and `npm run demo` hold it).
 * Everything else is refused with a KeyFileError, the site's own keyring file included.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { verifyCompact } from '$protocol/jws';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '$protocol/keys';
import { ready } from '$protocol/sodium';
import { t } from '$protocol/i18n';
import {
  companyKeyFileText,
  compromisedKeySentence,
  generateCompanyKey,
  KeyFileError,
  loadCompanyKey,
  loadedKeyProblem,
  signWithCompanyKey,
  type CompanyKey,
  type KeyState,
} from './company-key';

const random = (n: number) => new Uint8Array(randomBytes(n));
const audience = 'http://localhost:3000';

/** The console's key file for a libsodium key pair, written by the function under test. */
function keyFileOf(pair: Ed25519KeyPair): string {
  const { x } = publicJwk(pair);
  const d = base64urlEncode(pair.privateKey.slice(0, 32));
  return companyKeyFileText({ x, d, kid: thumbprint(publicJwk(pair)) });
}

/** Signs a `grant-request` with `key` and verifies it against `pair`'s public key (libsodium). */
async function signsFor(key: CompanyKey, pair: Ed25519KeyPair): Promise<string> {
  const kid = thumbprint(publicJwk(pair));
  const jws = await signWithCompanyKey(key, 'grant-request', {
    v: 1,
    iss: `co_${kid}`,
    aud: audience,
  });
  const verified = await verifyCompact(jws, {
    kind: 'grant-request',
    resolveKey: (asked) => (asked === kid ? publicJwk(pair) : undefined),
    audience,
    now: Math.floor(Date.now() / 1000),
  });
  return verified.kid;
}

let pair: Ed25519KeyPair;
let other: Ed25519KeyPair;

beforeAll(async () => {
  await ready();
  pair = generateKeyPair(random);
  other = generateKeyPair(random);
});

describe('the company key file', () => {
  it('holds kty, crv, x, d and kid, and loads as the key whose seed it holds', async () => {
    const text = keyFileOf(pair);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['crv', 'd', 'kid', 'kty', 'x']);
    const key = await loadCompanyKey(text);
    expect(key.kid).toBe(thumbprint(publicJwk(pair)));
    expect(key.publicJwk).toEqual(publicJwk(pair));
    expect(await signsFor(key, pair)).toBe(key.kid);
  });

  it('is what the console writes for a key it generates, and loads back as that key', async () => {
    const fresh = await generateCompanyKey();
    const file = JSON.parse(fresh.fileText) as Record<string, string>;
    expect(fresh.fileText).toBe(companyKeyFileText({ x: file.x!, d: file.d!, kid: fresh.kid }));
    const again = await loadCompanyKey(fresh.fileText);
    expect(again.kid).toBe(fresh.kid);
    expect(again.publicJwk).toEqual(fresh.publicJwk);
  });

  const valid = () => JSON.parse(keyFileOf(pair)) as Record<string, unknown>;
  const seed = base64urlEncode(random(32));
  const refused: [string, () => string][] = [
    [
      "the reference site's keyring (v1)",
      () => JSON.stringify({ v: 1, seed, createdAt: '2026-12-07T09:00:00.000Z' }),
    ],
    [
      "the reference site's keyring (v2)",
      () =>
        JSON.stringify({
          v: 2,
          companyId: `co_${'A'.repeat(43)}`,
          keys: [{ seed, createdAt: '' }],
        }),
    ],
    ['no JSON', () => 'kty=OKP'],
    ['a public key only', () => JSON.stringify({ ...valid(), d: undefined })],
    ['another curve', () => JSON.stringify({ ...valid(), crv: 'X25519' })],
    ['a short d', () => JSON.stringify({ ...valid(), d: base64urlEncode(random(31)) })],
    ['a d that is no base64url', () => JSON.stringify({ ...valid(), d: `${seed.slice(0, 42)}+` })],
    ['an oversized file', () => JSON.stringify({ ...valid(), pad: 'x'.repeat(5000) })],
  ];
  it.each(refused)('refuses %s as no Ed25519 private key file', async (_, text) => {
    await expect(loadCompanyKey(text())).rejects.toThrow(KeyFileError);
  });

  it('refuses a file whose x belongs to another key', async () => {
    const mixed = { ...valid(), x: publicJwk(other).x };
    await expect(loadCompanyKey(JSON.stringify(mixed))).rejects.toThrow(KeyFileError);
  });
});

describe('the loaded key the console signs nothing with', () => {
  const kid = 'k'.repeat(43);
  const since = Date.UTC(2026, 11, 7, 13, 5, 7) / 1000;
  const keys = (state: Partial<KeyState>): KeyState[] => [
    { kid: 'o'.repeat(43), retiredAt: null, compromisedSince: null },
    { kid, retiredAt: null, compromisedSince: null, ...state },
  ];
  const said = (sentence: ReturnType<typeof loadedKeyProblem>, locale: 'de' | 'en') =>
    sentence === undefined ? undefined : t(locale, sentence.key, sentence.params);

  it('is one declared compromised: the page says since when, to the second in UTC, and to load a current key', () => {
    const problem = loadedKeyProblem(
      'en',
      kid,
      keys({ retiredAt: since, compromisedSince: since }),
    );
    expect(problem).toEqual(compromisedKeySentence('en', since));
    expect(said(problem, 'en')).toBe(
      'The loaded key was declared compromised since 7 Dec 2026, 13:05:07 UTC: nothing it signs from then on counts. Load the key file of a current key of your company.',
    );
    expect(said(loadedKeyProblem('de', kid, keys({ compromisedSince: since })), 'de')).toBe(
      'Der geladene Schlüssel wurde als kompromittiert seit 07.12.2026, 13:05:07 UTC gemeldet: Was er ab dann unterschreibt, gilt nicht. Laden Sie die Schlüsseldatei eines aktuellen Schlüssels Ihres Unternehmens.',
    );
  });

  it('is one retired', () => {
    expect(loadedKeyProblem('en', kid, keys({ retiredAt: since }))).toEqual({
      key: 'portal.console.key.retired',
    });
  });

  it('is neither a current key nor one the page does not list (the clearinghouse decides)', () => {
    expect(loadedKeyProblem('en', kid, keys({}))).toBeUndefined();
    expect(
      loadedKeyProblem('en', 'x'.repeat(43), keys({ compromisedSince: since })),
    ).toBeUndefined();
  });
});
