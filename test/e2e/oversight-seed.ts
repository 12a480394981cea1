/**
 * Seeding for the auditor's and the regulator's end-to-end specs (audit.spec.ts,
 * regulator.spec.ts), through the public API exactly as companies and Assistants use it: a
 * company registers (its domain proof served by a small local server) and asks for consent, a
 * pseudonym grants the newsletter only, and the company signs an offer for e-mail, which the
 * customer turns into a complaint ("wrong channel"). Also: waiting for a receipt, and a
 * regulator's one-time enrolment link from the admin command.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import {
  generateKeyPair,
  pairwiseKeyPair,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
} from '../../protocol/keys';
import { exampleMessages } from '../../protocol/messages/examples';
import type { MessageKind, Payload, Scope } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';

const run = promisify(execFile);
const random = (n: number) => new Uint8Array(randomBytes(n));

export interface SeededCompany {
  id: string;
  kid: string;
  keyPair: Ed25519KeyPair;
  legalName: string;
  domain: string;
}

export interface SeededStory {
  company: SeededCompany;
  pseudonym: { id: string; keyPair: Ed25519KeyPair };
  grantSha256: string;
  complaintSha256: string;
}

function claims(iss: string, aud: string) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

async function postJose<K extends MessageKind>(
  request: APIRequestContext,
  path: string,
  kind: K,
  payload: Payload<K>,
  keyPair: Ed25519KeyPair,
): Promise<{ sha256: string }> {
  const token = await signMessage(kind, payload, keyPair);
  const response = await request.post(path, {
    data: token,
    headers: { 'content-type': 'application/jose' },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { sha256: string };
}

/** Serves domain proofs for the seeded companies; close it in `afterAll`. */
export async function startProofServer(): Promise<{
  server: Server;
  port: number;
  proofs: Map<number, unknown>;
}> {
  const proofs = new Map<number, unknown>();
  const server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    const proof = proofs.get(port);
    if (req.url === '/.well-known/consent-clearinghouse.json' && proof !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(proof));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, proofs };
}

/** An offer `company` signs for e-mail, although its grant covers only the newsletter. */
function emailOffer(
  company: SeededCompany,
  pseudonym: string,
  grantSha256: string,
  title: string,
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signMessage(
    'offer-content',
    {
      ...claims(company.id, pseudonym),
      exp: iat + 86_400,
      grantSha256,
      purpose: 'product_launch',
      channel: 'email',
      brand: 'Versand Sprint',
      category: 'sports/running',
      title,
      body: 'Jetzt mit 10 % Rabatt.',
      validUntil: iat + 86_400,
      advertisement: true,
      unsubscribe: 'https://versand.example/abmelden',
    } as Payload<'offer-content'>,
    company.keyPair,
  );
}

/** The customer's complaint ("wrong channel") about an e-mail offer titled `title`; its sha256. */
async function emailComplaint(
  request: APIRequestContext,
  baseURL: string,
  story: Omit<SeededStory, 'complaintSha256'>,
  title: string,
  extra: { comment?: string } = {},
): Promise<string> {
  const { company, pseudonym, grantSha256 } = story;
  const offer = await emailOffer(company, pseudonym.id, grantSha256, title);
  const { sha256 } = await postJose(
    request,
    '/api/v1/complaints',
    'complaint',
    {
      ...claims(pseudonym.id, baseURL),
      company: company.id,
      evidence: [{ kind: 'offer-content', jws: offer }],
      reasons: ['wrong_channel'],
      ...extra,
    } as Payload<'complaint'>,
    pseudonym.keyPair,
  );
  return sha256;
}

/**
 * A company with a proven domain, one grant for the newsletter, and a complaint about an
 * e-mail offer the grant did not cover.
 */
export async function seedStory(
  request: APIRequestContext,
  baseURL: string,
  proof: { port: number; proofs: Map<number, unknown> },
  legalName: string,
): Promise<SeededStory> {
  await ready();
  const keyPair = generateKeyPair(random);
  const kid = thumbprint(publicJwk(keyPair));
  const company: SeededCompany = {
    id: `co_${kid}`,
    kid,
    keyPair,
    legalName,
    domain: `http://localhost:${proof.port}`,
  };
  proof.proofs.set(proof.port, { keys: [kid] });
  await postJose(
    request,
    '/api/v1/companies',
    'company',
    {
      ...claims(company.id, baseURL),
      legalName,
      registerId: 'HRB 4711, Amtsgericht Köln',
      domain: company.domain,
      contact: { email: 'datenschutz@versand.example' },
      keys: [publicJwk(keyPair)],
      purposes: ['product_launch'],
    } as Payload<'company'>,
    keyPair,
  );
  const validUntil = Math.floor(Date.now() / 1000) + 365 * 86_400;
  const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  const scope: Scope = { ...base, conditions: { ...base.conditions, validUntil } };
  const { sha256: requestSha256 } = await postJose(
    request,
    '/api/v1/grant-requests',
    'grant-request',
    {
      ...claims(company.id, baseURL),
      scopes: [scope],
      reason: { de: 'Neue Laufschuhe.', en: 'New running shoes.' },
    } as Payload<'grant-request'>,
    keyPair,
  );
  const pairwise = pairwiseKeyPair(random(32), company.id);
  const pseudonym = { id: `ps_${thumbprint(publicJwk(pairwise))}`, keyPair: pairwise };
  const { sha256: grantSha256 } = await postJose(
    request,
    '/api/v1/grants',
    'grant',
    {
      ...claims(pseudonym.id, company.id),
      requestSha256,
      scopes: [{ ...scope, channels: ['newsletter'] }],
      preferredChannel: 'newsletter',
      until: Math.floor(Date.now() / 1000) + 180 * 86_400,
      pseudonymKey: publicJwk(pairwise),
    } as Payload<'grant'>,
    pairwise,
  );
  const story = { company, pseudonym, grantSha256 };
  const complaintSha256 = await emailComplaint(request, baseURL, story, 'Der neue Trailschuh', {
    comment: 'Ich habe nur den Newsletter erlaubt.',
  });
  return { ...story, complaintSha256 };
}

/** The receipt of a logged message, once sequenced (long-polls, as the Assistant does). */
export async function receiptOf(request: APIRequestContext, sha256: string): Promise<unknown> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const response = await request.get(`/api/v1/log/receipts/${sha256}?wait=10`);
    if (response.status() === 200) return response.json();
    expect(response.status()).toBe(202);
  }
  throw new Error(`no receipt for ${sha256}`);
}

/** A regulator's one-time enrolment link, as the admin command prints it. */
export async function regulatorLink(baseURL: string, name: string): Promise<string> {
  const databasePath = readFileSync('test-results/e2e-db-path.txt', 'utf8').trim();
  const { stdout } = await run(
    process.execPath,
    ['node_modules/tsx/dist/cli.mjs', 'scripts/admin.ts', 'enroll-regulator', '--name', name],
    { env: { ...process.env, DATABASE_PATH: databasePath, DATABASE_URL: '', ORIGIN: baseURL } },
  );
  return stdout.trim();
}

/** Chromium's virtual authenticator (DevTools protocol), as in people.spec.ts. */
export async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}

/** One more logged message of `company` (an open grant request), so the log grows. */
export async function logAnother(
  request: APIRequestContext,
  baseURL: string,
  company: SeededCompany,
): Promise<string> {
  const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  const validUntil = Math.floor(Date.now() / 1000) + 365 * 86_400;
  const { sha256 } = await postJose(
    request,
    '/api/v1/grant-requests',
    'grant-request',
    {
      ...claims(company.id, baseURL),
      scopes: [{ ...base, conditions: { ...base.conditions, validUntil } }],
      reason: { de: 'Noch eine Frage.', en: 'One more question.' },
    } as Payload<'grant-request'>,
    company.keyPair,
  );
  return sha256;
}

/**
 * `count` more complaints of the story's customer about its company, each with an e-mail offer
 * of its own as evidence (the grant covered the newsletter only); their sha256s, in order.
 */
export async function moreComplaints(
  request: APIRequestContext,
  baseURL: string,
  story: SeededStory,
  count: number,
): Promise<string[]> {
  const sha256s: string[] = [];
  for (let i = 0; i < count; i++)
    sha256s.push(await emailComplaint(request, baseURL, story, `Angebot ${i + 1}`));
  return sha256s;
}
