/**
 * What the console specs share (console-field-problems.spec.ts, console-fixes.spec.ts): a
 * customer made over the API, who granted the company's request for their address, and the
 * checks of a field's problem as the console marks it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { expect, type APIRequestContext, type Locator } from '@playwright/test';
import { pairwiseKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import type { MessageKind, Payload, Scope } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';

/** The common claims of a message from `iss` to `aud`, valid for five minutes. */
export function claims(iss: string, aud: string) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

/** Signs `payload` as `kind` and posts it to `path`, which must store it (201). */
export async function postJose(
  request: APIRequestContext,
  path: string,
  kind: MessageKind,
  payload: unknown,
  keyPair: Ed25519KeyPair,
): Promise<{ sha256: string }> {
  const token = await signMessage(kind, payload as never, keyPair);
  const response = await request.post(path, {
    data: token,
    headers: { 'content-type': 'application/jose' },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { sha256: string };
}

/**
 * A new customer of `companyId` who granted its request for their address (the company's key
 * pair `companyKey` signs the request): their pairwise key pair and pseudonym.
 */
export async function grantingCustomer(
  request: APIRequestContext,
  origin: string,
  companyId: string,
  companyKey: Ed25519KeyPair,
): Promise<{ customer: Ed25519KeyPair; pseudonym: string }> {
  const scope: Scope = {
    purpose: 'product_launch',
    channels: ['newsletter'],
    dataCategories: ['address'],
    conditions: { timeZone: 'Europe/Berlin' },
    retentionDays: 30,
    onwardRecipients: [],
  };
  const { sha256: requestSha256 } = await postJose(
    request,
    '/api/v1/grant-requests',
    'grant-request',
    { ...claims(companyId, origin), scopes: [scope], reason: { de: 'Neuigkeiten.', en: 'News.' } },
    companyKey,
  );
  // The scopes exactly as the clearinghouse serves the request.
  const served = (await (await request.get(`/api/v1/grant-requests/${requestSha256}`)).json()) as {
    jws: string;
  };
  const { scopes } = JSON.parse(
    Buffer.from(served.jws.split('.')[1]!, 'base64url').toString('utf8'),
  ) as { scopes: Scope[] };
  const customer = pairwiseKeyPair(new Uint8Array(randomBytes(32)), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  await postJose(
    request,
    '/api/v1/grants',
    'grant',
    {
      ...claims(pseudonym, companyId),
      requestSha256,
      scopes,
      preferredChannel: 'newsletter',
      until: Math.floor(Date.now() / 1000) + 30 * 86_400,
      pseudonymKey: publicJwk(customer),
    } as Payload<'grant'>,
    customer,
  );
  return { customer, pseudonym };
}

/**
 * `field` is marked invalid and described by a sentence, shown, that says `sentence`; `also`
 * names a description the field keeps beside the problem's.
 */
export async function expectProblemAt(
  field: Locator,
  sentence: string,
  also?: string,
): Promise<void> {
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const described = ids.filter((id) => id !== also);
  expect(described, 'one sentence describes the problem').toHaveLength(1);
  if (also !== undefined) expect(ids).toContain(also);
  const page = field.page();
  await expect(page.locator(`[id="${described[0]}"]`)).toHaveText(sentence);
  await expect(page.locator(`[id="${described[0]}"]`)).toBeVisible();
}

/** `field` carries no problem. */
export async function expectNoProblemAt(field: Locator): Promise<void> {
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
}
