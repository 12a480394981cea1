/**
 * The `company` message of the console (issue 10): a new registration from the registration form,
 * or a fresh copy of the current one to run the domain proof again (docs/api.md "Registration":
 * sending a fresh `company` message retries the proof). Pure; the page signs the result.
 */
import type { MessageKey } from '$protocol/i18n';
import type { Ed25519PublicJwk } from '$protocol/keys';
import { parseMessage, type Payload } from '$protocol/messages';
import { ProtocolError } from '$protocol/errors';

/** What the registration form asks. */
export interface RegistrationInput {
  legalName: string;
  registerId: string;
  domain: string;
  email: string;
  purposes: string[];
  /** Comma-separated brand names. */
  brands: string;
}

/** The clearinghouse and the transport claims of one message. */
export interface Claims {
  origin: string;
  nowSeconds: number;
  jti: string;
}

/**
 * The payload of a new company's registration, self-signed by `key` (its id is `co_` + the
 * thumbprint of that key: SPECS "company id").
 *
 * @example
 * ```ts
 * const payload = companyPayload(input, { jwk: key.publicJwk, kid: key.kid }, { origin, nowSeconds, jti: crypto.randomUUID() });
 * ```
 */
export function companyPayload(
  input: RegistrationInput,
  key: { jwk: Ed25519PublicJwk; kid: string },
  claims: Claims,
): Record<string, unknown> {
  const brands = input.brands
    .split(',')
    .map((brand) => brand.trim())
    .filter((brand) => brand.length > 0);
  return {
    v: 1,
    iss: `co_${key.kid}`,
    aud: claims.origin,
    iat: claims.nowSeconds,
    exp: claims.nowSeconds + 600,
    jti: claims.jti,
    legalName: input.legalName,
    registerId: input.registerId,
    domain: input.domain.replace(/\/+$/, ''),
    contact: { email: input.email },
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: key.jwk.x }],
    purposes: input.purposes,
    ...(brands.length > 0 ? { brands } : {}),
  };
}

/**
 * The payload of an update that repeats the current registration unchanged (the domain proof runs
 * again on it). `keys` must be the company's current keys: keys change only through `company-key`.
 *
 * @example
 * ```ts
 * const payload = updatePayload(overview.company, overview.webhook, currentJwks, claims);
 * ```
 */
export function updatePayload(
  company: {
    id: string;
    legalName: string;
    registerId: string;
    domain: string;
    purposes: string[];
    brands: string[];
    contact?: Payload<'company'>['contact'];
  },
  webhook: string | null,
  keys: Ed25519PublicJwk[],
  claims: Claims,
): Record<string, unknown> {
  return {
    v: 1,
    iss: company.id,
    aud: claims.origin,
    iat: claims.nowSeconds,
    exp: claims.nowSeconds + 600,
    jti: claims.jti,
    legalName: company.legalName,
    registerId: company.registerId,
    domain: company.domain,
    contact: company.contact,
    keys: keys.map((k) => ({ kty: 'OKP', crv: 'Ed25519', x: k.x })),
    purposes: company.purposes,
    ...(company.brands.length > 0 ? { brands: company.brands } : {}),
    ...(webhook === null ? {} : { webhook }),
  };
}

const fieldKeys: Record<string, MessageKey> = {
  legalName: 'portal.console.register.error.legalName',
  registerId: 'portal.console.register.error.registerId',
  domain: 'portal.console.register.error.domain',
  contact: 'portal.console.register.error.email',
  purposes: 'portal.console.register.error.purposes',
  brands: 'portal.console.register.error.brands',
};

/**
 * Why a registration payload would be refused, as catalog sentences (empty when it is valid).
 *
 * @example
 * ```ts
 * const problems = registrationProblems(payload); // ['portal.console.register.error.domain']
 * ```
 */
export function registrationProblems(payload: Record<string, unknown>): MessageKey[] {
  try {
    parseMessage('company', payload as Payload<'company'>);
    return [];
  } catch (error) {
    if (!(error instanceof ProtocolError)) return ['portal.console.register.error.invalid'];
    const issues = (error.detail?.issues as string[] | undefined) ?? [];
    const keys = new Set<MessageKey>();
    for (const issue of issues) {
      const top = issue.split('.')[0] ?? '';
      keys.add(fieldKeys[top] ?? 'portal.console.register.error.invalid');
    }
    return keys.size === 0 ? ['portal.console.register.error.invalid'] : [...keys];
  }
}

/** The registration form's fields a problem can be about, in the order the form shows them. */
export const registrationFields = [
  'legalName',
  'registerId',
  'domain',
  'email',
  'purposes',
  'brands',
  'publicKey',
  'signedJws',
] as const;
export type RegistrationField = (typeof registrationFields)[number];

const problemFields: Partial<Record<MessageKey, RegistrationField>> = {
  'portal.console.register.error.legalName': 'legalName',
  'portal.console.register.error.registerId': 'registerId',
  'portal.console.register.error.domain': 'domain',
  'portal.console.register.error.email': 'email',
  'portal.console.register.error.purposes': 'purposes',
  'portal.console.register.error.brands': 'brands',
  'portal.console.register.error.publicKey': 'publicKey',
  'portal.console.register.error.signed': 'signedJws',
};

/**
 * The problems that belong to a field of the form, by field: the page marks that field invalid
 * and describes it by the sentence beside it. A problem of no one field (the browser failed, the
 * message as a whole) is in none; the summary under the form still lists every problem.
 *
 * @example
 * ```ts
 * problemsByField(['portal.console.register.error.domain', 'portal.console.register.error.browser']);
 * // Map { 'domain' => 'portal.console.register.error.domain' }
 * ```
 */
export function problemsByField(
  problems: readonly MessageKey[],
): Map<RegistrationField, MessageKey> {
  const byField = new Map<RegistrationField, MessageKey>();
  for (const problem of problems) {
    const field = problemFields[problem];
    if (field !== undefined && !byField.has(field)) byField.set(field, problem);
  }
  return byField;
}
