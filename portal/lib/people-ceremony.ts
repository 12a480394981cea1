/**
 * The browser side of enrolment and passkey login (docs/api.md "People"), shared by the pages:
 * fetch the WebAuthn options, let the browser create or use the passkey, create and prove the
 * signing key, and send the answer. Every failure becomes a {@link CeremonyError} whose `key` is
 * a sentence of the i18n catalog, so the pages never show a stack trace or a raw message.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from '@simplewebauthn/browser';
import { hasMessage, type MessageKey } from '$protocol/i18n';
import { parseDisplayName, type NameProblem } from './people-name';
import { generateSigningKey, saveSigningKey, signKeyProof } from './signing-key';

/** A person as the server returns them after enrolment or login. */
export interface SignedInPerson {
  id: string;
  role: 'regulator' | 'staff';
  name: string;
  companyId: string | null;
  kid: string | null;
  signer: string | null;
}

/**
 * A failure with the catalog key of the sentence to show, and the field of the form it is about
 * (the page marks that field and says the sentence beside it), if any.
 */
export class CeremonyError extends Error {
  override readonly name = 'CeremonyError';
  constructor(
    readonly key: MessageKey,
    readonly field?: 'name',
  ) {
    super(key);
  }
}

/** The sentence that says each of the name rule's problems (people-name.ts), beside the field. */
const nameProblemKeys = {
  missing: 'portal.people.enrol.error.nameMissing',
  tooLong: 'portal.people.enrol.error.nameTooLong',
  characters: 'portal.people.enrol.error.nameCharacters',
} as const satisfies Record<NameProblem, MessageKey>;

/**
 * Why the clearinghouse would refuse `name` as a person's display name, as a catalog sentence, or
 * undefined when it takes it: the server's own rule (people-name.ts `displayName`). Checked
 * before the passkey ceremony: a name the server refuses after it left a passkey on the
 * authenticator for a person who is never created, one per attempt.
 *
 * @example
 * ```ts
 * enrolmentNameProblem('   '); // 'portal.people.enrol.error.nameMissing'
 * enrolmentNameProblem(' Erika Muster '); // undefined
 * ```
 */
export function enrolmentNameProblem(name: string): MessageKey | undefined {
  const { problem } = parseDisplayName(name);
  return problem === null ? undefined : nameProblemKeys[problem];
}

/** True when a refusal of `/auth/enrol` (ERR_QUERY_INVALID) names the name (people.ts `invalid`). */
function refusesName(answer: Record<string, unknown>): boolean {
  const detail = answer.detail_data as { issues?: unknown } | undefined;
  return Array.isArray(detail?.issues) && detail.issues.includes('name');
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
      credentials: 'same-origin',
    });
  } catch {
    throw new CeremonyError('portal.people.failed');
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    // A name the server refuses nonetheless is said as the name's problem, at the field.
    if (answer.code === 'ERR_QUERY_INVALID' && refusesName(answer))
      throw new CeremonyError('portal.people.enrol.error.name', 'name');
    const key = `errors.${String(answer.code)}`;
    throw new CeremonyError(hasMessage(key) ? key : 'portal.people.failed');
  }
  return answer as T;
}

function fromBrowserError(error: unknown): CeremonyError {
  if (error instanceof CeremonyError) return error;
  if (error instanceof WebAuthnError && error.code === 'ERROR_CEREMONY_ABORTED') {
    return new CeremonyError('portal.people.cancelled');
  }
  if (error instanceof DOMException && error.name === 'NotAllowedError') {
    return new CeremonyError('portal.people.cancelled');
  }
  if (error instanceof DOMException && error.name === 'NotSupportedError') {
    return new CeremonyError('portal.people.unsupported');
  }
  return new CeremonyError('portal.people.failed');
}

/**
 * True when this browser can take part: WebAuthn and WebCrypto Ed25519.
 *
 * @example
 * ```ts
 * if (!(await canEnrol())) showUnsupported();
 * ```
 */
export async function canEnrol(): Promise<boolean> {
  if (!browserSupportsWebAuthn()) return false;
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Enrols with a one-time link: a passkey and a non-extractable signing key, kept in this browser.
 * The server logs the person in (session cookie). `name` (asked when the link carries none) is
 * checked first, by the server's rule (people-name.ts): a name it would refuse starts no ceremony.
 *
 * @throws CeremonyError (with `field: 'name'` when the name is the problem)
 * @example
 * ```ts
 * const person = await enrol(token, 'A. Muster');
 * ```
 */
export async function enrol(token: string, name: string | undefined): Promise<SignedInPerson> {
  // The name as the server keeps it (trimmed), or its problem said at the field.
  const judged = name === undefined ? undefined : parseDisplayName(name);
  if (judged?.problem) throw new CeremonyError(nameProblemKeys[judged.problem], 'name');
  try {
    const { challengeId, options } = await postJson<{
      challengeId: string;
      options: Parameters<typeof startRegistration>[0]['optionsJSON'];
    }>('/auth/enrol/options', { token });
    const response = await startRegistration({ optionsJSON: options });
    const key = await generateSigningKey();
    const keyProof = await signKeyProof(key, location.origin, options.challenge);
    const { person } = await postJson<{ person: SignedInPerson }>('/auth/enrol', {
      token,
      challengeId,
      response,
      signingKey: key.publicJwk,
      keyProof,
      ...(judged === undefined ? {} : { name: judged.name }),
    });
    await saveSigningKey(person.id, key);
    return person;
  } catch (error) {
    throw fromBrowserError(error);
  }
}

/**
 * Logs in with a passkey (the browser offers the passkeys it holds for this site).
 *
 * @throws CeremonyError
 * @example
 * ```ts
 * const person = await login();
 * ```
 */
export async function login(): Promise<SignedInPerson> {
  try {
    const { challengeId, options } = await postJson<{
      challengeId: string;
      options: Parameters<typeof startAuthentication>[0]['optionsJSON'];
    }>('/auth/login/options', {});
    const response = await startAuthentication({ optionsJSON: options });
    const { person } = await postJson<{ person: SignedInPerson }>('/auth/login', {
      challengeId,
      response,
    });
    return person;
  } catch (error) {
    throw fromBrowserError(error);
  }
}
