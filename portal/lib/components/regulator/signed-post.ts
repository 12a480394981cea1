/**
 * The regulator's signed acts from the browser (SPECS "People who sign"): the payload is signed
 * with the non-extractable Ed25519 key enrolled beside the passkey (portal/lib/signing-key.ts),
 * as `rg_<kid>`, and posted to the API like any other signed message. The server verifies it
 * against the enrolled key (oversight.ts `openRegulatorMessage`); the page's session cookie plays
 * no part in that, so a stolen cookie cannot decide or suspend anything.
 */
import { hasMessage, type MessageKey } from '$protocol/i18n';
import { loadSigningKey, signAction } from '$lib/signing-key';

/** The outcome of a signed post: the stored message's hash, or the sentence to show. */
export type SignedPostResult =
  { ok: true; sha256: string; body: Record<string, unknown> } | { ok: false; message: MessageKey };

/**
 * Signs `payload` as `kind` with this browser's key of `person` and posts it to `path`.
 *
 * @example
 * ```ts
 * const result = await signedPost(person, 'suspension', '/api/v1/suspensions', { company, action: 'suspend', reason });
 * ```
 */
export async function signedPost(
  person: { id: string; kid: string | null; signer: string | null },
  kind: 'complaint-decision' | 'suspension',
  path: string,
  payload: Readonly<Record<string, unknown>>,
): Promise<SignedPostResult> {
  let key;
  try {
    key = await loadSigningKey(person.id);
  } catch {
    key = undefined;
  }
  if (key === undefined || key.kid !== person.kid || person.signer === null) {
    return { ok: false, message: 'portal.regulator.sign.noKey' };
  }
  try {
    const token = await signAction(key, kind, location.origin, {
      v: 1,
      iss: person.signer,
      ...payload,
    });
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/jose', accept: 'application/json' },
      body: token,
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const message = `errors.${String(body.code)}`;
      return { ok: false, message: hasMessage(message) ? message : 'portal.regulator.sign.failed' };
    }
    return { ok: true, sha256: String(body.sha256), body };
  } catch {
    return { ok: false, message: 'portal.regulator.sign.failed' };
  }
}
