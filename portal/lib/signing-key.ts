/**
 * The signing key of a person, in the browser only (SPECS "People who sign"). A passkey cannot make
 * an EdDSA signature, so enrolment also creates a WebCrypto Ed25519 key that is *not extractable*:
 * the page can sign with it, nobody can read it out, not even a script on this page. It lives in
 * IndexedDB, under the person's id, in this browser and nowhere else; losing the browser means
 * enrolling again (someone else approves, and the old key is retired).
 *
 * Signing goes through protocol/jws (`signCompact` with a WebCrypto `privateKey`), loaded on first
 * use so pages that never sign do not download it.
 */
import type { Ed25519PublicJwk } from '$protocol/keys';

/** A person's key as the pages use it. */
export interface SigningKey {
  /** Non-extractable: usable for `sign`, never exportable. */
  readonly privateKey: CryptoKey;
  readonly publicJwk: Ed25519PublicJwk;
  /** RFC 7638 thumbprint of `publicJwk`: the `kid` of everything it signs. */
  readonly kid: string;
}

const dbName = 'consent-clearinghouse-people';
const storeName = 'signing-keys';

function openStore(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available.'));
  });
}

async function withStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openStore();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = work(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed.'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted.'));
    });
  } finally {
    db.close();
  }
}

/**
 * Creates a new non-extractable Ed25519 key pair (not stored yet: see {@link saveSigningKey}).
 *
 * @example
 * ```ts
 * const key = await generateSigningKey();
 * ```
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  // A public key is always exportable, whatever `extractable` says for the private half.
  const exported = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: exported.x ?? '' };
  const { thumbprint } = await import('$protocol/keys');
  return { privateKey: pair.privateKey, publicJwk, kid: thumbprint(publicJwk) };
}

/**
 * Keeps the key in this browser's IndexedDB under `personId` (replacing an older one).
 *
 * @example
 * ```ts
 * await saveSigningKey(person.id, key);
 * ```
 */
export async function saveSigningKey(personId: string, key: SigningKey): Promise<void> {
  await withStore('readwrite', (store) => store.put(key, personId));
}

/**
 * The key kept for `personId` in this browser, or `undefined`.
 *
 * @example
 * ```ts
 * const key = await loadSigningKey(person.id);
 * if (key?.kid !== person.kid) showEnrolAgain();
 * ```
 */
export async function loadSigningKey(personId: string): Promise<SigningKey | undefined> {
  const value = await withStore('readonly', (store) => store.get(personId) as IDBRequest<unknown>);
  const key = value as Partial<SigningKey> | undefined;
  if (key?.privateKey === undefined || key.publicJwk === undefined || key.kid === undefined) {
    return undefined;
  }
  return key as SigningKey;
}

function claims(origin: string, windowSeconds: number) {
  const iat = Math.floor(Date.now() / 1000);
  return { aud: origin, iat, exp: iat + windowSeconds, jti: crypto.randomUUID() };
}

/**
 * The proof that this browser holds `key`: a `person-key` JWS over the enrolment's WebAuthn
 * challenge, sent with the new key's public JWK.
 *
 * @example
 * ```ts
 * const keyProof = await signKeyProof(key, location.origin, options.challenge);
 * ```
 */
export async function signKeyProof(
  key: SigningKey,
  origin: string,
  challenge: string,
): Promise<string> {
  const { signCompact } = await import('$protocol/jws');
  return signCompact({
    kind: 'person-key',
    payload: { ...claims(origin, 300), challenge },
    privateKey: key.privateKey,
    kid: key.kid,
  });
}

/**
 * The `Authorization` header value of a signed GET or DELETE (SPECS "JWS", kind `request`), as the
 * person `iss` (`rg_<kid>` for a regulator, the company id for staff).
 *
 * @example
 * ```ts
 * const authorization = await signRequest(key, { iss: person.signer, origin: location.origin, method: 'GET', path: '/api/v1/people/me' });
 * await fetch('/api/v1/people/me', { headers: { authorization } });
 * ```
 */
export async function signRequest(
  key: SigningKey,
  request: { iss: string; origin: string; method: 'GET' | 'DELETE'; path: string },
): Promise<string> {
  const { signCompact } = await import('$protocol/jws');
  const token = await signCompact({
    kind: 'request',
    payload: {
      v: 1,
      iss: request.iss,
      ...claims(request.origin, 60),
      method: request.method,
      path: request.path,
    },
    privateKey: key.privateKey,
    kid: key.kid,
  });
  return `Signature ${token}`;
}

/**
 * Signs an action of the portal's pages as a compact JWS of `kind` (e.g. `person-invitation`,
 * `suspension`) with the common claims filled in (10-minute window).
 *
 * @example
 * ```ts
 * const body = await signAction(key, 'person-invitation', location.origin, { v: 1, iss: person.signer, role: 'staff' });
 * await fetch('/api/v1/people/invitations', { method: 'POST', headers: { 'content-type': 'application/jose' }, body });
 * ```
 */
export async function signAction(
  key: SigningKey,
  kind: string,
  origin: string,
  payload: Readonly<Record<string, unknown>>,
): Promise<string> {
  const { signCompact } = await import('$protocol/jws');
  return signCompact({
    kind,
    payload: { ...claims(origin, 600), ...payload },
    privateKey: key.privateKey,
    kid: key.kid,
  });
}
