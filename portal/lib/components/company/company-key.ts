/**
 * A company key in the console's browser page (issue 10). The clearinghouse never sees or stores a
 * company's private key: the page generates it with WebCrypto and offers it once as a file to
 * download, and later the person loads that file into the page, which keeps it in memory only
 * (re-imported non-extractable) until the page is left. Registration updates, `company-key` and
 * `grant-request` messages are signed with it (docs/api.md: they need a company key, a staff
 * member's person key does not suffice).
 *
 * The key file is a JSON Web Key (RFC 8037: `kty: OKP`, `crv: Ed25519`, `x`, `d`) with its `kid`
 * ({@link companyKeyFileText}), the one format the console reads and writes. A key kept elsewhere
 * (the reference company site's `company-key.json` is its own keyring of seeds, with the state of
 * a replacement under way) comes in as such a file: `npm run demo` writes one per company.
 * Whoever holds the file can sign for the company: keep it like a password.
 *
 * Corrections are sealed to the X25519 form of a company key (SPECS "sealing key"). WebCrypto has
 * no such conversion and cannot hand out a non-extractable key's bytes, so to open them the page
 * also keeps the key's 32-byte seed in a closure (never in the DOM, storage or a request) and
 * opens through `protocol/seal` on demand. That is no more than the page held while reading the
 * file, and it goes when the page is left.
 */
import type { Locale } from '$protocol/i18n';
import type { Ed25519KeyPair, Ed25519PublicJwk } from '$protocol/keys';
import type { Sentence } from '$lib/components/field-problems';
import { formatDayTime } from '$lib/components/format';

/** A company key usable in this page. */
export interface CompanyKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: Ed25519PublicJwk;
  /** RFC 7638 thumbprint: the `kid` of what it signs. */
  readonly kid: string;
  /**
   * Opens a sealed box sealed to this key (a correction's `sealed`, decoded).
   *
   * @throws ProtocolError `ERR_SEAL_OPEN_FAILED` when it was sealed to another key.
   */
  readonly openSealed: (sealed: Uint8Array) => Promise<Uint8Array>;
}

/** A freshly generated key and the text of its file, offered once for download. */
export interface NewCompanyKey extends CompanyKey {
  readonly fileText: string;
}

/** A key file that is not an Ed25519 private key, or whose halves do not match. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

const b64url = /^[A-Za-z0-9_-]{43}$/;

/**
 * The text of a company key file: the private key as an RFC 8037 JWK (`d` is the base64url 32-byte
 * seed, `x` the public key) with its RFC 7638 thumbprint as `kid`. What the console offers for
 * download and {@link loadCompanyKey} reads back.
 *
 * @example
 * ```ts
 * const jwk = publicJwk(pair); // $protocol/keys
 * const text = companyKeyFileText({ x: jwk.x, d: base64urlEncode(pair.privateKey.slice(0, 32)), kid: thumbprint(jwk) });
 * ```
 */
export function companyKeyFileText(key: {
  readonly x: string;
  readonly d: string;
  readonly kid: string;
}): string {
  const file = { kty: 'OKP', crv: 'Ed25519', x: key.x, d: key.d, kid: key.kid };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Generates a company key and the text of its file (the only copy of the private key).
 *
 * @example
 * ```ts
 * const key = await generateCompanyKey();
 * const href = URL.createObjectURL(new Blob([key.fileText], { type: 'application/json' }));
 * ```
 */
export async function generateCompanyKey(): Promise<NewCompanyKey> {
  // Extractable once, to write the file; the page then signs with a non-extractable import.
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const { thumbprint } = await import('$protocol/keys');
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x ?? '' };
  const kid = thumbprint(publicJwk);
  const fileText = companyKeyFileText({ x: jwk.x ?? '', d: jwk.d ?? '', kid });
  const loaded = await loadCompanyKey(fileText);
  return { ...loaded, fileText };
}

/**
 * Reads a key file into this page (non-extractable, memory only). The halves are checked by
 * signing and verifying a test message, so a file whose `x` and `d` do not belong together fails
 * here rather than as a refused signature later.
 *
 * @throws KeyFileError
 * @example
 * ```ts
 * const key = await loadCompanyKey(await file.text());
 * ```
 */
export async function loadCompanyKey(text: string): Promise<CompanyKey> {
  let parsed: unknown;
  try {
    parsed = text.length > 4096 ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const jwk = parsed as Record<string, unknown> | undefined;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.d !== 'string' ||
    !b64url.test(jwk.x) ||
    !b64url.test(jwk.d)
  ) {
    throw new KeyFileError('not an Ed25519 private key file');
  }
  const { thumbprint } = await import('$protocol/keys');
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  try {
    const privateKey = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d },
      { name: 'Ed25519' },
      false,
      ['sign'],
    );
    const publicKey = await crypto.subtle.importKey('jwk', publicJwk, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    const probe = new TextEncoder().encode('consent-clearinghouse/key-file-check');
    const signature = await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, probe);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, signature, probe))) {
      throw new KeyFileError('the halves of the key do not match');
    }
    return { privateKey, publicJwk, kid: thumbprint(publicJwk), openSealed: sealOpener(jwk.d) };
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError('the key cannot be used');
  }
}

/**
 * A function that opens boxes sealed to the key whose RFC 8037 `d` (its seed) is given. libsodium
 * is loaded on the first call only, so a page that never opens a box never fetches it.
 */
function sealOpener(d: string): (sealed: Uint8Array) => Promise<Uint8Array> {
  let keyPair: Promise<Ed25519KeyPair> | undefined;
  return async (sealed) => {
    keyPair ??= (async () => {
      const [{ ready }, { keyPairFromSeed }, { base64urlDecode }] = await Promise.all([
        import('$protocol/sodium'),
        import('$protocol/keys'),
        import('$protocol/encoding'),
      ]);
      await ready();
      return keyPairFromSeed(base64urlDecode(d));
    })();
    let pair: Ed25519KeyPair;
    try {
      pair = await keyPair;
    } catch (error) {
      keyPair = undefined; // libsodium did not load: the next call tries again
      throw error;
    }
    const { openSealed } = await import('$protocol/seal');
    return openSealed(sealed, pair);
  };
}

/**
 * Signs a message of `kind` with a company key (10-minute transport window, fresh `jti`).
 *
 * @example
 * ```ts
 * const jws = await signWithCompanyKey(key, 'grant-request', { v: 1, iss: companyId, aud: origin, scopes, reason });
 * ```
 */
export async function signWithCompanyKey(
  key: CompanyKey,
  kind: string,
  payload: Readonly<Record<string, unknown>>,
): Promise<string> {
  const { signCompact } = await import('$protocol/jws');
  const iat = Math.floor(Date.now() / 1000);
  return signCompact({
    kind,
    payload: { iat, exp: iat + 600, jti: crypto.randomUUID(), ...payload },
    privateKey: key.privateKey,
    kid: key.kid,
  });
}

/** A company key as the console lists it: since when it is retired or compromised (seconds). */
export interface KeyState {
  readonly kid: string;
  readonly retiredAt: number | null;
  readonly compromisedSince: number | null;
}

/**
 * The sentence refusing a signature by a key declared compromised since `compromisedSince`
 * (seconds): the time to the second, in UTC, as declared; nothing it signs from then on counts.
 * The same whether the page knew it before sending ({@link loadedKeyProblem}) or the
 * clearinghouse said so (`ERR_JWS_KID_UNKNOWN` with `detail_data.reason: "compromised"`).
 *
 * @example
 * ```ts
 * const sentence = compromisedKeySentence('en', since);
 * t(sentence.key, sentence.params); // "The loaded key was declared compromised since 7 Dec 2026, 13:25:07 UTC: …"
 * ```
 */
export function compromisedKeySentence(locale: Locale, compromisedSince: number): Sentence {
  return {
    key: 'portal.console.key.compromised',
    params: { time: formatDayTime(locale, compromisedSince * 1000) },
  };
}

/**
 * Why the page signs nothing with the loaded key `kid`, when the company's keys as the page lists
 * them say it is no longer current: declared compromised, or retired. `undefined` for a current
 * key, and for one the list does not hold (added in another tab, say): the clearinghouse decides.
 *
 * @example
 * ```ts
 * const problem = loadedKeyProblem(locale, companyKey.kid, overview.company.keys ?? []);
 * if (problem !== undefined) return fail([problem]); // nothing is sent
 * ```
 */
export function loadedKeyProblem(
  locale: Locale,
  kid: string,
  keys: readonly KeyState[],
): Sentence | undefined {
  const key = keys.find((k) => k.kid === kid);
  if (key === undefined) return undefined;
  if (key.compromisedSince !== null) return compromisedKeySentence(locale, key.compromisedSince);
  if (key.retiredAt !== null) return { key: 'portal.console.key.retired' };
  return undefined;
}
