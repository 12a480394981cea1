/**
 * The regulator's signed acts from the browser (SPECS "People who sign"): the payload is signed
 * with the non-extractable Ed25519 key enrolled beside the passkey (portal/lib/signing-key.ts),
 * as `rg_<kid>`, and posted to the API like any other signed message; a removal or a withdrawn
 * invitation is the API's `DELETE` with a signed request. The server verifies each against the
 * enrolled key (oversight.ts `openRegulatorMessage`, people.ts); the page's session cookie plays
 * no part in that, so a stolen cookie cannot decide, suspend, invite or remove anyone.
 */
import { hasMessage, type MessageKey } from '$protocol/i18n';
import { loadSigningKey, signAction, signRequest, type SigningKey } from '$lib/signing-key';

/**
 * The outcome of a signed act: the stored message's hash (if any) and the answer, or the sentence
 * to show, with the fields a malformed message was refused for (the problem's
 * `detail_data.issues`, such as `name`), so that the page can say it beside its field.
 */
export type SignedPostResult =
  | { ok: true; sha256: string; body: Record<string, unknown> }
  | { ok: false; message: MessageKey; issues?: readonly string[] };

/**
 * Signs `payload` as `kind` with this browser's key of `person` and posts it to `path`.
 *
 * @example
 * ```ts
 * const result = await signedPost(person, 'suspension', '/api/v1/suspensions', { company, action: 'suspend', reason });
 * ```
 */
export async function signedPost(
  person: SigningPerson,
  kind: 'complaint-decision' | 'suspension' | 'person-invitation',
  path: string,
  payload: Readonly<Record<string, unknown>>,
): Promise<SignedPostResult> {
  return sent(person, async (key, signer) =>
    fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/jose', accept: 'application/json' },
      body: await signAction(key, kind, location.origin, { v: 1, iss: signer, ...payload }),
    }),
  );
}

/**
 * A `DELETE` of the API at `path`, its request signed with this browser's key of `person` (SPECS
 * "JWS", kind `request`); the answer has no body (204), so `sha256` is empty.
 *
 * @example
 * ```ts
 * const result = await signedDelete(person, `/api/v1/people/invitations/${id}`);
 * ```
 */
export function signedDelete(person: SigningPerson, path: string): Promise<SignedPostResult> {
  return sent(person, async (key, signer) =>
    fetch(path, {
      method: 'DELETE',
      headers: {
        accept: 'application/json',
        authorization: await signRequest(key, {
          iss: signer,
          origin: location.origin,
          method: 'DELETE',
          path,
        }),
      },
    }),
  );
}

/** Who signs: the person's id (their key's name in this browser), key id and signer id. */
type SigningPerson = { id: string; kid: string | null; signer: string | null };

/**
 * `send` with this browser's key of `person` (none, or another than the enrolled one: the
 * sentence saying so), its answer read: a refusal's problem code as its catalog sentence.
 */
async function sent(
  person: SigningPerson,
  send: (key: SigningKey, signer: string) => Promise<Response>,
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
    const response = await send(key, person.signer);
    const body = (response.status === 204 ? {} : await response.json().catch(() => ({}))) as Record<
      string,
      unknown
    >;
    if (!response.ok) return refusal(body);
    return { ok: true, sha256: typeof body.sha256 === 'string' ? body.sha256 : '', body };
  } catch {
    return { ok: false, message: 'portal.regulator.sign.failed' };
  }
}

/**
 * A refusal's problem (RFC 9457, with the API's `code`) as the sentence to show a regulator.
 * ERR_JWS_KID_UNKNOWN on a regulator's act means the key this browser holds is no longer enrolled
 * (its person was removed meanwhile, or a new passkey replaced it: people.ts), which the general
 * sentence ("the key is not known") did not tell the person at a still-open tab.
 */
function refusal(problem: Record<string, unknown>): SignedPostResult & { ok: false } {
  if (problem.code === 'ERR_JWS_KID_UNKNOWN') {
    return { ok: false, message: 'portal.regulator.sign.keyGone' };
  }
  const message = `errors.${String(problem.code)}`;
  const detail = problem.detail_data as { issues?: unknown } | null | undefined;
  const issues = Array.isArray(detail?.issues)
    ? detail.issues.filter((issue): issue is string => typeof issue === 'string')
    : [];
  return {
    ok: false,
    message: hasMessage(message) ? message : 'portal.regulator.sign.failed',
    ...(issues.length > 0 && { issues }),
  };
}
