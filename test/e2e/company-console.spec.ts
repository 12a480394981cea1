/**
 * The company console end to end (issue 10): in Chromium, a company registers with a key generated
 * in the browser (its private key offered once as a file), proves its domain (a small proof server
 * plays the company's site), its first staff member enrols a passkey through Chromium's virtual
 * authenticator, loads the key file, builds a consent request (link, QR code, /connect.js snippet),
 * acknowledges a customer's revocation with the enrolled person key, adds and retires a key,
 * answers an access request with a disclosure sealed to the customer, invites and removes a
 * colleague; bad input is answered with a sentence and nothing is written; both pages pass
 * axe-core. Also: a lost passkey recovered with a colleague's approval, and a compromised key
 * declared in the console, after which messages signed with it are refused. And: a correction's
 * data category shown, its sealed value opened in the page with the key file, and deleted only
 * after an explicit confirmation; the export of a disclosure limited in UTF-8 bytes; a disclosure
 * stored without its answer answered with, not made twice. And: complaints against the company
 * listed newest first (reasons, evidence kinds, open or the regulator's decision with its reason),
 * and the suspension's reason beside the company's status, in English and German. And: Enter in a
 * field of a form that signs presses none of its buttons; a second press sends nothing; removing
 * a colleague or approving their new passkey asks first; an ended session is said in a sentence
 * and keeps what was typed; after an action the focus is on the sentence that says it was done.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import {
  expect,
  test,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { t } from '../../protocol/i18n';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { pairwiseKeyPair, publicJwk, thumbprint } from '../../protocol/keys';
import { openSealed, sealTo } from '../../protocol/seal';
import type { MessageKind, Payload, Scope } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { regulatorLink } from './oversight-seed';
import { narrow, pageOverflow } from './reflow';
import { loadKeyFile, registerInConsole, type ConsoleKeyFile } from './story-helpers';

const random = (n: number) => new Uint8Array(randomBytes(n));
/** An id as the console shortens it in a row (`short` in portal/routes/company/+page.svelte). */
const short = (id: string) => `${id.slice(0, 10)}…`;

/** What the company's site publishes at `/.well-known/consent-clearinghouse.json`. */
let proof: unknown;
let proofServer: Server;

test.beforeAll(async () => {
  await ready();
  proofServer = createServer((req, res) => {
    if (req.url === '/.well-known/consent-clearinghouse.json' && proof !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(proof));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => proofServer.listen(0, '127.0.0.1', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

async function addVirtualAuthenticator(page: Page): Promise<void> {
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

/** Fails on any serious or critical axe-core violation, listing them. */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.passes.length).toBeGreaterThan(0);
  const severe = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(severe, `axe violations on ${page.url()}`).toEqual([]);
}

/** Stored messages: all, or those of one kind about one company. */
function messageCount(of?: { kind: string; companyId: string }): number {
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  try {
    const row =
      of === undefined
        ? db.prepare('select count(*) as n from messages').get()
        : db
            .prepare('select count(*) as n from messages where kind = ? and company_id = ?')
            .get(of.kind, of.companyId);
    return (row as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Enrolment links made for the staff of `companyId` (invitations and recoveries). */
function enrolmentCount(companyId: string): number {
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  try {
    const row = db
      .prepare('select count(*) as n from enrolments where company_id = ?')
      .get(companyId) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** The payload of the newest stored message of `kind` about `companyId`. */
function newestPayload(kind: string, companyId: string): Record<string, unknown> {
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  try {
    const { jws } = db
      .prepare(
        'select jws from messages where kind = ? and company_id = ? order by received_at desc limit 1',
      )
      .get(kind, companyId) as { jws: string };
    return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'));
  } finally {
    db.close();
  }
}

function claims(iss: string, aud: string) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

async function postJose(
  request: APIRequestContext,
  path: string,
  kind: MessageKind,
  payload: unknown,
  keyPair: ReturnType<typeof pairwiseKeyPair>,
): Promise<{ sha256: string }> {
  const token = await signMessage(kind, payload as never, keyPair);
  const response = await request.post(path, {
    data: token,
    headers: { 'content-type': 'application/jose' },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { sha256: string };
}

/** A scope for newsletters about product launches, kept 30 days. */
function launchScope(dataCategories: Scope['dataCategories']): Scope {
  return {
    purpose: 'product_launch',
    channels: ['newsletter'],
    dataCategories,
    conditions: { timeZone: 'Europe/Berlin' },
    retentionDays: 30,
    onwardRecipients: [],
  };
}

/** An open grant request of `companyId` for `scope`, signed with its key. */
async function openRequest(
  page: Page,
  companyId: string,
  keyPair: ReturnType<typeof pairwiseKeyPair>,
  scope: Scope,
  reason = { de: 'Neuigkeiten.', en: 'News.' },
): Promise<string> {
  const origin = new URL(page.url()).origin;
  const { sha256 } = await postJose(
    page.request,
    '/api/v1/grant-requests',
    'grant-request',
    { ...claims(companyId, origin), scopes: [scope], reason } as Payload<'grant-request'>,
    keyPair,
  );
  return sha256;
}

/** `customer`'s grant of `scopes` for the request, newsletters preferred, for 30 days. */
async function grantAs(
  page: Page,
  customer: ReturnType<typeof pairwiseKeyPair>,
  companyId: string,
  requestSha256: string,
  scopes: Scope[],
): Promise<string> {
  const { sha256 } = await postJose(
    page.request,
    '/api/v1/grants',
    'grant',
    {
      ...claims(`ps_${thumbprint(publicJwk(customer))}`, companyId),
      requestSha256,
      scopes,
      preferredChannel: 'newsletter',
      until: Math.floor(Date.now() / 1000) + 30 * 86_400,
      pseudonymKey: publicJwk(customer),
    } as Payload<'grant'>,
    customer,
  );
  return sha256;
}

test('a company registers, proves its domain, asks for consent, acknowledges a revocation and manages keys and staff', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const port = (proofServer.address() as AddressInfo).port;
  const domain = `http://localhost:${port}`;
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);

  // ----- registration: the key is generated in the browser -----------------------------------
  await page.goto('/company/register');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'portal.console.register.title'),
  );
  await expectAccessible(page);
  // Bad input first: an unusable domain is explained and nothing is registered.
  const before = messageCount();
  await page
    .getByLabel(t('en', 'portal.console.register.legalName'))
    .fill('Laufschuh Konsole GmbH');
  await page.getByLabel(t('en', 'portal.console.register.registerId')).fill('HRB 4711, Köln');
  await page.getByLabel(t('en', 'portal.console.register.domain')).fill('ftp://shop.example');
  await page.getByLabel(t('en', 'portal.console.register.email')).fill('privacy@laufschuh.example');
  await page.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await page.getByRole('button', { name: t('en', 'portal.console.register.submit') }).click();
  await expect(page.getByRole('alert')).toContainText(
    t('en', 'portal.console.register.error.domain'),
  );
  expect(messageCount()).toBe(before);

  await page.getByLabel(t('en', 'portal.console.register.domain')).fill(domain);
  await page.getByRole('button', { name: t('en', 'portal.console.register.submit') }).click();
  const companyId = (await page.getByTestId('company-id').innerText()).trim();
  expect(companyId).toMatch(/^co_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.pending'),
  );
  // Nothing published yet (404): the reason in words, with what to do, never the error's code.
  await expect(page.getByTestId('proof-failed')).toHaveText(
    `${t('en', 'portal.console.proof.failed')} ${t('en', 'portal.console.proof.reason.status')}`,
  );

  // The private key, offered once as a file; it names the company's key.
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('key-download').click();
  const download = await downloadPromise;
  const keyFile = readFileSync(await download.path(), 'utf8');
  const jwk = JSON.parse(keyFile) as {
    kty: string;
    crv: string;
    x: string;
    d: string;
    kid: string;
  };
  expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  expect(jwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(`co_${jwk.kid}`).toBe(companyId);
  await expect(page.getByTestId('key-download')).toHaveCount(0);
  // The clearinghouse never received the private half.
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  const stored = db.prepare('select jws from messages where company_id = ?').all(companyId) as {
    jws: string;
  }[];
  db.close();
  expect(stored.length).toBe(1);
  for (const { jws } of stored) {
    expect(Buffer.from(jws.split('.')[1]!, 'base64url').toString()).not.toContain(jwk.d);
  }

  // ----- domain proof: publish what the page says, then check -----------------------------------
  proof = JSON.parse(await page.getByTestId('proof-body').innerText());
  expect(proof).toEqual({ companyId, keys: [jwk.kid] });
  await page.getByRole('button', { name: t('en', 'portal.console.proof.check') }).click();
  await expect(page.getByTestId('proof-ok')).toHaveText(t('en', 'portal.console.proof.ok'));

  // ----- the first staff member enrols with the link ------------------------------------------
  const staffLink = await page.getByTestId('staff-link').getAttribute('href');
  expect(staffLink).toMatch(new RegExp(`^${baseURL}/enroll/`));
  await page.goto(staffLink!);
  await page.getByLabel(t('en', 'portal.people.enrol.name')).fill('Sven Staff');
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();

  await page.goto('/company');
  await expect(page.getByTestId('company-name')).toHaveText('Laufschuh Konsole GmbH');
  await expect(page.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.active'),
  );
  await expectAccessible(page);

  // ----- the consent-request builder, signed with the key file --------------------------------
  const builder = page.locator('form[action="?/request"]');
  await builder.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await builder.getByLabel(t('en', 'portal.console.request.reasonDe')).fill('Neue Laufschuhe.');
  await builder.getByLabel(t('en', 'portal.console.request.reasonEn')).fill('New running shoes.');
  // Without the company key nothing is signed or sent.
  const beforeRequest = messageCount();
  await builder.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  await expect(page.getByTestId('error-request')).toHaveText(t('en', 'portal.console.key.needed'));
  await page.getByTestId('key-file').setInputFiles({
    name: 'company-key.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(keyFile),
  });
  await expect(page.getByTestId('key-loaded')).toHaveText(
    t('en', 'portal.console.key.loaded', { kid: jwk.kid }),
  );
  // No channel chosen: a sentence, nothing written.
  await builder.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  await expect(page.getByTestId('error-request')).toHaveText(
    t('en', 'portal.console.request.error.channels'),
  );
  expect(messageCount()).toBe(beforeRequest);
  await builder.getByLabel(t('en', 'vocabulary.channel.newsletter')).check();
  await builder.getByLabel(t('en', 'vocabulary.dataCategory.address')).check();
  await builder.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  const link = await page.getByTestId('request-link').getAttribute('href');
  expect(link).toMatch(new RegExp(`^${baseURL}/api/v1/grant-requests/[A-Za-z0-9_-]{43}$`));
  await expect(page.getByTestId('request-qr')).toBeVisible();
  await expect(page.getByTestId('request-snippet')).toContainText(`${baseURL}/connect.js`);
  await expect(page.getByTestId('request-snippet')).toContainText(`data-grant-request="${link}"`);
  // The request is what the clearinghouse serves, signed by the company key.
  const served = (await (await page.request.get(link!)).json()) as {
    jws: string;
    company: { id: string };
  };
  expect(served.company.id).toBe(companyId);
  expect(JSON.parse(Buffer.from(served.jws.split('.')[0]!, 'base64url').toString()).kid).toBe(
    jwk.kid,
  );
  const requestSha256 = link!.split('/').pop()!;

  // ----- a customer grants and revokes; the company acknowledges ------------------------------
  const customer = pairwiseKeyPair(random(32), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  const scope = (
    JSON.parse(Buffer.from(served.jws.split('.')[1]!, 'base64url').toString()) as {
      scopes: Scope[];
    }
  ).scopes[0]!;
  const { sha256: grantSha256 } = await postJose(
    page.request,
    '/api/v1/grants',
    'grant',
    {
      ...claims(pseudonym, companyId),
      requestSha256,
      scopes: [scope],
      preferredChannel: 'newsletter',
      until: Math.floor(Date.now() / 1000) + 90 * 86_400,
      pseudonymKey: publicJwk(customer),
    } as Payload<'grant'>,
    customer,
  );
  await postJose(
    page.request,
    '/api/v1/revocations',
    'revocation',
    { ...claims(pseudonym, companyId), grants: [{ grantSha256 }] } as Payload<'revocation'>,
    customer,
  );
  await page.reload();
  const row = page.getByTestId('revocation-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-state', 'open');
  // Each row's button names whose revocation it acknowledges.
  await row
    .getByRole('button', {
      name: t('en', 'portal.console.revocations.ackFor', { pseudonym: short(pseudonym) }),
      exact: true,
    })
    .click();
  await expect(page.getByTestId('ack-done')).toHaveText(
    t('en', 'portal.console.revocations.acked'),
  );
  await expect(row).toHaveAttribute('data-state', 'acknowledged');
  // The pressed button went with the open state: the focus is on the sentence, not the page top.
  await expect(page.getByTestId('ack-done')).toBeFocused();
  await expect(page.getByTestId('grant-row')).toHaveCount(1);

  // ----- the customer asks for erasure; the company confirms it (person key) -----------------
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'erasure' } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const dataRequest = page.getByTestId('data-request');
  await expect(dataRequest).toHaveCount(1);
  // Confirming an erasure without saying what was erased: a sentence, nothing sent.
  const beforeAnswer = messageCount();
  await dataRequest
    .getByRole('button', { name: t('en', 'portal.console.dataRequests.erased') })
    .click();
  // Said in the card of the request it concerns.
  await expect(dataRequest.getByTestId('error-answer')).toHaveText(
    t('en', 'portal.console.answer.error.categories'),
  );
  expect(messageCount()).toBe(beforeAnswer);
  // A request naming no categories asks for all data; none is ticked for the company.
  await expect(dataRequest.getByTestId('data-request-asked')).toHaveText(
    t('en', 'portal.console.dataRequests.askedAll'),
  );
  const erasedBoxes = (card: typeof dataRequest) =>
    card.getByRole('group', { name: t('en', 'portal.console.dataRequests.erasedCategories') });
  const keptBoxes = (card: typeof dataRequest) =>
    card.getByRole('group', { name: t('en', 'portal.console.dataRequests.keptCategories') });
  await erasedBoxes(dataRequest).getByLabel(t('en', 'vocabulary.dataCategory.address')).check();
  await dataRequest
    .getByRole('button', { name: t('en', 'portal.console.dataRequests.erased') })
    .click();
  await expect(page.getByTestId('answer-done')).toHaveText(
    t('en', 'portal.console.dataRequests.answered'),
  );
  await expect(page.getByTestId('data-request')).toHaveCount(0);

  // ----- an erasure of two categories: one erased, one kept under a retention duty ----------
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    {
      ...claims(pseudonym, companyId),
      type: 'erasure',
      dataCategories: ['address', 'purchase_history'],
    } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const partial = page.getByTestId('data-request');
  await expect(partial.getByTestId('data-request-asked')).toHaveText(
    t('en', 'portal.console.dataRequests.asked', {
      categories: `${t('en', 'vocabulary.dataCategory.address')}, ${t('en', 'vocabulary.dataCategory.purchase_history')}`,
    }),
  );
  // What was asked for is ticked as erased; the company keeps the purchase history instead.
  const purchases = t('en', 'vocabulary.dataCategory.purchase_history');
  await expect(erasedBoxes(partial).getByLabel(purchases)).toBeChecked();
  await erasedBoxes(partial).getByLabel(purchases).uncheck();
  const beforePartial = messageCount();
  const confirm = partial.getByRole('button', {
    name: t('en', 'portal.console.dataRequests.erased'),
  });
  // Silent on a category asked for: a sentence in the card, nothing sent.
  await confirm.click();
  await expect(partial.getByTestId('error-answer')).toHaveText(
    t('en', 'portal.console.answer.error.unaccounted'),
  );
  // Kept without a reason: the same.
  await keptBoxes(partial).getByLabel(purchases).check();
  await confirm.click();
  await expect(partial.getByTestId('error-answer')).toHaveText(
    t('en', 'portal.console.answer.error.keptReason'),
  );
  expect(messageCount()).toBe(beforePartial);
  await partial
    .getByLabel(t('en', 'portal.console.dataRequests.reasonDe'))
    .fill('Aufbewahrungspflicht nach § 147 AO.');
  await partial
    .getByLabel(t('en', 'portal.console.dataRequests.reasonEn'))
    .fill('Retention duty under German tax law.');
  await confirm.click();
  await expect(page.getByTestId('answer-done')).toHaveText(
    t('en', 'portal.console.dataRequests.answered'),
  );
  await expect(page.getByTestId('data-request')).toHaveCount(0);
  // Signed and stored as the form said: the address erased, the purchase history kept, and why.
  expect(messageCount()).toBe(beforePartial + 1);
  const answerDb = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
    readonly: true,
  });
  try {
    const { jws } = answerDb
      .prepare(
        "select jws from messages where kind = 'data-request-answer' and company_id = ? order by received_at desc limit 1",
      )
      .get(companyId) as { jws: string };
    const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload).toMatchObject({
      outcome: 'erased',
      dataCategories: ['address'],
      retained: {
        dataCategories: ['purchase_history'],
        reason: {
          de: 'Aufbewahrungspflicht nach § 147 AO.',
          en: 'Retention duty under German tax law.',
        },
      },
    });
  } finally {
    answerDb.close();
  }

  // ----- the customer asks for access; the company answers with a sealed disclosure ----------
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'access' } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const access = page.getByTestId('disclose-form');
  await expect(access).toHaveCount(1);
  // No category chosen: a sentence, nothing sent.
  const beforeDisclosure = messageCount();
  await access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') }).click();
  await expect(
    page.getByTestId('data-request').filter({ has: access }).getByTestId('error-disclose'),
  ).toHaveText([
    t('en', 'portal.console.disclose.error.categories'),
    t('en', 'portal.console.disclose.error.purposes'),
  ]);
  await access.getByLabel(t('en', 'vocabulary.dataCategory.address')).check();
  await access.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await access.getByLabel(t('en', 'portal.console.disclose.recipients')).fill('Versand AG, DE');
  await access
    .getByLabel(t('en', 'portal.console.disclose.export'))
    .fill('{"address":"Hauptstraße 1, Köln"}');
  expect(messageCount()).toBe(beforeDisclosure);
  // What the page posts: the export only sealed, never in clear (the relay cannot read it).
  const posted: string[] = [];
  const watch = (request: import('@playwright/test').Request) => {
    if (request.method() === 'POST') posted.push(request.postData() ?? '');
  };
  page.on('request', watch);
  await access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') }).click();
  await expect(page.getByTestId('disclose-done')).toHaveText(
    t('en', 'portal.console.disclose.done'),
  );
  page.off('request', watch);
  expect(posted.length).toBeGreaterThan(0);
  for (const body of posted) {
    expect(body).not.toContain('Hauptstra');
    expect(decodeURIComponent(body.replace(/\+/g, ' '))).not.toContain('Hauptstraße');
  }
  await expect(page.getByTestId('data-request')).toHaveCount(0);
  // Two messages: the disclosure and the answer naming it, the export readable by the customer only.
  expect(messageCount()).toBe(beforeDisclosure + 2);
  const disclosures = (() => {
    const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim(), {
      readonly: true,
    });
    try {
      return db
        .prepare("select jws from messages where kind = 'disclosure' and pseudonym = ?")
        .all(pseudonym) as { jws: string }[];
    } finally {
      db.close();
    }
  })();
  expect(disclosures).toHaveLength(1);
  const told = JSON.parse(
    Buffer.from(disclosures[0]!.jws.split('.')[1]!, 'base64url').toString(),
  ) as { holdings: { dataCategory: string; recipients: unknown[] }[]; export: string };
  expect(told.holdings).toEqual([
    expect.objectContaining({
      dataCategory: 'address',
      recipients: [{ name: 'Versand AG', country: 'DE' }],
    }),
  ]);
  expect(utf8Decode(openSealed(base64urlDecode(told.export), customer))).toBe(
    '{"address":"Hauptstraße 1, Köln"}',
  );

  // ----- keys: add one (offered once), then retire it with the loaded key ----------------------
  await page.getByTestId('key-file').setInputFiles({
    name: 'company-key.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(keyFile),
  });
  await page.getByRole('button', { name: t('en', 'portal.console.keys.add') }).click();
  await expect(page.getByTestId('key-done')).toBeVisible();
  await expect(page.getByTestId('new-key-download')).toBeVisible();
  const keyRows = page.getByTestId('key-row');
  await expect(keyRows).toHaveCount(2);
  const addedKid = await page
    .getByTestId('key-row')
    .evaluateAll(
      (rows, kid) => rows.map((r) => r.getAttribute('data-kid')).find((k) => k !== kid),
      jwk.kid,
    );
  expect(addedKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const addedRow = page.locator(`[data-testid="key-row"][data-kid="${addedKid}"]`);
  await addedRow
    .getByRole('button', {
      name: t('en', 'portal.console.keys.retireFor', { kid: short(addedKid!) }),
      exact: true,
    })
    .click();
  await expect(addedRow.getByTestId('key-state')).toHaveText(
    t('en', 'portal.console.keys.retired'),
  );
  await expect(page.getByTestId('key-done')).toBeFocused();

  // ----- staff: an invitation for the wrong name is withdrawn, and its link stops working ------
  const wrongInvite = page.locator('form[action="?/invite"]').last();
  await wrongInvite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill('Wanda Wrong');
  await wrongInvite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  await expect(page.getByTestId('invite-done')).toBeFocused();
  const wrongLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  const wrongRow = page.locator('[data-testid="invitation-row"]', { hasText: 'Wanda Wrong' });
  await expect(wrongRow).toHaveCount(1);
  await wrongRow
    .getByRole('button', { name: /^Withdraw the invitation: Wanda Wrong, valid until / })
    .click();
  await expect(page.getByTestId('withdraw-done')).toBeFocused();
  await expect(wrongRow).toHaveCount(0);
  await expect(page.getByTestId('invitations-none')).toBeVisible();
  const wrongContext = await browser.newContext({ locale: 'en-GB' });
  const wrongPage = await wrongContext.newPage();
  await wrongPage.goto(wrongLink);
  await expect(wrongPage.getByText(t('en', 'errors.ERR_ENROLMENT_EXPIRED'))).toBeVisible();
  await wrongContext.close();

  // ----- staff: invite a colleague, who enrols; then remove them -------------------------------
  const invite = page.locator('form[action="?/invite"]').last();
  await invite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill('Nora Neu');
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  const inviteLink = await page.getByTestId('invite-link').getAttribute('href');
  expect(inviteLink).toMatch(new RegExp(`^${baseURL}/enroll/`));
  const colleagueContext = await browser.newContext({ locale: 'en-GB' });
  const colleague = await colleagueContext.newPage();
  await addVirtualAuthenticator(colleague);
  await colleague.goto(inviteLink!);
  await colleague.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(colleague.getByTestId('enrol-done')).toBeVisible();
  await colleagueContext.close();

  await page.reload();
  await expect(page.getByTestId('staff-row')).toHaveCount(2);
  await page
    .getByRole('button', { name: t('en', 'portal.console.staff.remove', { name: 'Nora Neu' }) })
    .click();
  // Asked first, in a sentence; only the second press removes.
  await page
    .getByRole('button', { name: t('en', 'portal.console.staff.removeYes', { name: 'Nora Neu' }) })
    .click();
  await expect(page.getByTestId('staff-row')).toHaveCount(1);
  await context.close();
});

test('the console asks for a login, and answers a signed action sent without JavaScript in a sentence', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto('/company');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)company$/);
  // The registration page in German passes axe too, and explains that keys need JavaScript.
  await page.goto('/company/register');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('de', 'portal.console.register.title'),
  );
  await expectAccessible(page);
  const response = await page.request.post('/company/register?/register', {
    form: { legalName: 'X' },
    headers: { origin: new URL(page.url()).origin, accept: 'application/json' },
  });
  const body = (await response.json()) as { type: string; data: string };
  expect(body.type).toBe('failure');
  expect(body.data).toContain('portal.console.needsScript');
  await context.close();
});

test('the registration ties each problem to its field and moves the focus to the first one', async ({
  browser,
}) => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await page.goto('/company/register');
  await page.getByLabel(t('de', 'portal.console.register.legalName')).fill('Laufschuh GmbH');
  await page.getByLabel(t('de', 'portal.console.register.registerId')).fill('HRB 4711, Köln');
  await page.getByLabel(t('de', 'portal.console.register.domain')).fill('not a url');
  // No purpose chosen; Enter in the last field typed sends the form, by keyboard only.
  const email = page.getByLabel(t('de', 'portal.console.register.email'));
  await email.fill('datenschutz@laufschuh.example');
  await email.press('Enter');

  // The summary under the form stays, listing both.
  const summary = page.getByRole('alert');
  await expect(summary).toContainText(t('de', 'portal.console.register.error.domain'));
  await expect(summary).toContainText(t('de', 'portal.console.register.error.purposes'));
  // Each field is marked invalid and described by its own sentence beside it.
  const domain = page.getByLabel(t('de', 'portal.console.register.domain'));
  await expect(domain).toHaveAttribute('aria-invalid', 'true');
  await expect(domain).toHaveAccessibleDescription(t('de', 'portal.console.register.error.domain'));
  const purposes = page.getByRole('group', { name: t('de', 'portal.console.register.purposes') });
  await expect(purposes).toHaveAttribute('aria-invalid', 'true');
  await expect(purposes).toHaveAccessibleDescription(
    t('de', 'portal.console.register.error.purposes'),
  );
  // The fields without a problem are not marked.
  await expect(email).not.toHaveAttribute('aria-invalid', /.*/);
  await expect(email).not.toHaveAttribute('aria-describedby', /.*/);
  // The focus is on the first field to fix, not left in the e-mail field.
  await expect(domain).toBeFocused();
  await expectAccessible(page);

  // Fixed: the domain is no longer marked; the focus goes to the purposes' first choice.
  await domain.fill('https://laufschuh.example');
  await domain.press('Enter');
  await expect(domain).not.toHaveAttribute('aria-invalid', /.*/);
  await expect(summary).toHaveText(t('de', 'portal.console.register.error.purposes'));
  await expect(purposes.getByRole('checkbox').first()).toBeFocused();
  await context.close();
});

test('the console and the account page do not scroll sideways at 320 px, in German (WCAG 1.4.10)', async ({
  browser,
}) => {
  const { context, page } = await consoleOf(browser, 'Schmalspur');
  await context.addCookies([{ name: 'lang', value: 'de', url: new URL(page.url()).origin }]);
  await page.setViewportSize(narrow);
  const overflowing: Record<string, string[]> = {};
  for (const path of ['/company', '/account']) {
    await page.goto(path);
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    const overflow = await pageOverflow(page);
    if (overflow.length > 0) overflowing[path] = overflow;
  }
  expect(overflowing).toEqual({});
  await context.close();
});

test('a lost passkey is recovered with the approval of a colleague; a compromised key signs nothing more', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const port = (proofServer.address() as AddressInfo).port;
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  const legalName = `Schlüsselfall ${randomUUID().slice(0, 6)} GmbH`;
  const { companyId, key, staffLink } = await registerInConsole(page, {
    legalName,
    domain: `http://localhost:${port}`,
  });
  proof = { companyId, keys: [key.jwk.kid] };
  await page.getByRole('button', { name: t('en', 'portal.console.proof.check') }).click();
  await expect(page.getByTestId('proof-ok')).toBeVisible();
  await page.goto(staffLink);
  await page.getByLabel(t('en', 'portal.people.enrol.name')).fill('Anna Admin');
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  await page.goto('/company');

  // A colleague enrols in their own browser.
  const invite = page.locator('form[action="?/invite"]').last();
  await invite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill('Ben Busy');
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  const inviteLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  const lostContext = await browser.newContext({ locale: 'en-GB' });
  const lost = await lostContext.newPage();
  await addVirtualAuthenticator(lost);
  await lost.goto(inviteLink);
  await lost.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(lost.getByTestId('enrol-done')).toBeVisible();
  await lost.goto('/company');
  await expect(lost.getByTestId('company-name')).toHaveText(legalName);
  await page.reload();
  const ben = page.locator('[data-testid="staff-row"]', { hasText: 'Ben Busy' });
  const oldKid = (await ben.locator('code').innerText()).trim();

  // Ben lost that browser: Anna approves a new passkey. From that moment the old one is void.
  await page
    .getByRole('button', { name: t('en', 'portal.console.staff.recover', { name: 'Ben Busy' }) })
    .click();
  await page
    .getByRole('button', {
      name: t('en', 'portal.console.staff.recoverYes', { name: 'Ben Busy' }),
    })
    .click();
  const recoveryLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  expect(recoveryLink).not.toBe(inviteLink);
  await page.reload();
  await expect(ben).toContainText(t('en', 'portal.console.staff.recovering'));
  await lost.goto('/company');
  await expect(lost).toHaveURL(/\/login\?next=/);
  await lostContext.close();

  const newContext = await browser.newContext({ locale: 'en-GB' });
  const recovered = await newContext.newPage();
  await addVirtualAuthenticator(recovered);
  await recovered.goto(recoveryLink);
  await recovered.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(recovered.getByTestId('enrol-done')).toBeVisible();
  await recovered.goto('/company');
  await expect(recovered.getByTestId('company-name')).toHaveText(legalName);
  await newContext.close();
  await page.reload();
  await expect(ben).not.toContainText(t('en', 'portal.console.staff.recovering'));
  const newKid = (await ben.locator('code').innerText()).trim();
  expect(newKid).not.toBe(oldKid);

  // Long lists come in pages of 50, with plain links (no JavaScript needed, keyboard reachable).
  const base = launchScope([]);
  const pagedRequest = await openRequest(page, companyId, key.keyPair, base, {
    de: 'Viele Kunden.',
    en: 'Many customers.',
  });
  for (let i = 0; i < 51; i++) {
    await grantAs(page, pairwiseKeyPair(random(32), companyId), companyId, pagedRequest, [base]);
  }
  const noScript = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
  await noScript.addCookies(await context.cookies());
  const plain = await noScript.newPage();
  await plain.goto('/company');
  await expect(plain.getByTestId('grant-row')).toHaveCount(50);
  const next = plain.getByTestId('pager-grants-next');
  await next.focus();
  await plain.keyboard.press('Enter');
  // The link names the list's heading, so the next page opens at the list, not at the top.
  await expect(plain).toHaveURL(/\/company\?grants=2#grants-title$/);
  await expect(plain.locator('#grants-title')).toBeInViewport();
  await expect(plain.getByTestId('grant-row')).toHaveCount(1);
  await expect(plain.getByTestId('pager-grants-next')).toHaveCount(0);
  await expect(plain.getByTestId('pager-grants')).toContainText(
    t('en', 'portal.console.paging.page', { page: 2 }),
  );
  await plain.getByTestId('pager-grants-previous').click();
  await expect(plain.getByTestId('grant-row')).toHaveCount(50);
  await noScript.close();

  // A second key is added (its file offered once), then the first is declared compromised
  // since an hour ago, signed with the second.
  await loadKeyFile(page, key);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: t('en', 'portal.console.keys.add') }).click();
  await page.getByTestId('new-key-download').click();
  const secondText = readFileSync(await (await download).path(), 'utf8');
  const second = JSON.parse(secondText) as { kid: string; d: string };
  await page.getByTestId('key-file').setInputFiles({
    name: 'second.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(secondText),
  });
  await expect(page.getByTestId('key-loaded')).toHaveText(
    t('en', 'portal.console.key.loaded', { kid: second.kid }),
  );
  const first = page.locator(`[data-testid="key-row"][data-kid="${key.jwk.kid}"]`);
  await first
    .getByLabel(t('en', 'portal.console.keys.since'))
    .fill(new Date(Date.now() - 3_600_000).toISOString().slice(0, 16));
  await first
    .getByRole('button', {
      name: t('en', 'portal.console.keys.declareFor', { kid: short(key.jwk.kid) }),
      exact: true,
    })
    .click();
  // The state cell itself: the whole row already said "Compromised" in its field's label
  // ("Compromised since"), and "done" was still shown from adding the key, so both waits once
  // passed at once and the request below raced the declaration (and was stored: 201).
  await expect(first.getByTestId('key-state')).toContainText(
    t('en', 'portal.console.keys.compromised'),
  );
  // And since when, to the second, in UTC.
  await expect(first.getByTestId('key-compromised-since')).toContainText(/\d\d:\d\d:\d\d UTC/);
  await expect(
    first.getByRole('button', { name: t('en', 'portal.console.keys.declare') }),
  ).toHaveCount(0);

  // A grant request signed with the compromised key is refused; nothing is written (counted by
  // kind and company).
  const grantRequests = { kind: 'grant-request', companyId };
  const before = messageCount(grantRequests);
  expect(before).toBeGreaterThan(0); // the request of the paging check above is counted
  const refused = await page.request.post('/api/v1/grant-requests', {
    data: await signMessage(
      'grant-request',
      {
        ...claims(companyId, new URL(page.url()).origin),
        scopes: [
          {
            purpose: 'product_launch',
            channels: ['newsletter'],
            dataCategories: [],
            conditions: { timeZone: 'Europe/Berlin' },
            retentionDays: 30,
            onwardRecipients: [],
          },
        ],
        reason: { de: 'Noch einmal.', en: 'Once more.' },
      } as Payload<'grant-request'>,
      key.keyPair,
    ),
    headers: { 'content-type': 'application/jose' },
  });
  expect(refused.status()).toBeGreaterThanOrEqual(400);
  expect(refused.status()).toBeLessThan(500);
  expect(refused.headers()['content-type']).toContain('application/problem+json');
  expect(messageCount(grantRequests)).toBe(before);
  await context.close();
});

/**
 * A new English browser context with a virtual passkey, and in it a company registered in the
 * console (named `name` and a random suffix) whose first staff member is logged in at /company.
 */
async function consoleOf(
  browser: Browser,
  name: string,
  options: { acceptDownloads?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; companyId: string; key: ConsoleKeyFile }> {
  const context = await browser.newContext({ locale: 'en-GB', ...options });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  const company = await consoleCompany(page, `${name} ${randomUUID().slice(0, 6)} GmbH`);
  await page.goto('/company');
  return { context, page, ...company };
}

/** A company registered in the console, its domain proven, its first staff member enrolled. */
async function consoleCompany(
  page: Page,
  legalName: string,
): Promise<{ companyId: string; key: ConsoleKeyFile }> {
  const port = (proofServer.address() as AddressInfo).port;
  const { companyId, key, staffLink } = await registerInConsole(page, {
    legalName,
    domain: `http://localhost:${port}`,
  });
  proof = { companyId, keys: [key.jwk.kid] };
  await page.getByRole('button', { name: t('en', 'portal.console.proof.check') }).click();
  await expect(page.getByTestId('proof-ok')).toBeVisible();
  await page.goto(staffLink);
  await page.getByLabel(t('en', 'portal.people.enrol.name')).fill('Corinna Correct');
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  return { companyId, key };
}

test('a correction is read with the key file and deleted only after a confirmation; the export is counted in bytes; a stored disclosure is answered, not made twice', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { context, page, companyId, key } = await consoleOf(browser, 'Berichtigung', {
    acceptDownloads: true,
  });

  // A customer grants, then corrects the address: sealed to the company key.
  const requestSha256 = await openRequest(page, companyId, key.keyPair, launchScope(['address']));
  const served = (await (
    await page.request.get(`/api/v1/grant-requests/${requestSha256}`)
  ).json()) as {
    jws: string;
  };
  const customer = pairwiseKeyPair(random(32), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  await grantAs(
    page,
    customer,
    companyId,
    requestSha256,
    (
      JSON.parse(Buffer.from(served.jws.split('.')[1]!, 'base64url').toString()) as {
        scopes: Scope[];
      }
    ).scopes,
  );
  const value = 'Domstraße 2, 50668 Köln';
  await postJose(
    page.request,
    '/api/v1/corrections',
    'correction',
    {
      ...claims(pseudonym, companyId),
      dataCategory: 'address',
      sealed: base64urlEncode(
        sealTo(base64urlDecode(key.jwk.x), JSON.stringify({ dataCategory: 'address', value })),
      ),
    } as Payload<'correction'>,
    customer,
  );
  await page.reload();
  const correction = page.getByTestId('correction-row');
  await expect(correction).toHaveCount(1);
  // The category is outside the seal: always shown. The value waits for the key file.
  await expect(correction.getByTestId('correction-category')).toHaveText(
    t('en', 'vocabulary.dataCategory.address'),
  );
  await expect(correction).toContainText(t('en', 'portal.console.corrections.sealed'));
  await expect(correction.getByTestId('correction-value')).toHaveCount(0);
  await loadKeyFile(page, key);
  await expect(correction.getByTestId('correction-value')).toHaveText(value);
  await expect(correction).toContainText(t('en', 'portal.console.corrections.deleteExplain'));
  await expectAccessible(page);

  // Deleting without the confirmation: the form is not sent, the correction stays.
  const confirm = correction.getByLabel(t('en', 'portal.console.corrections.confirm'));
  const remove = correction.getByRole('button', {
    name: t('en', 'portal.console.corrections.delete'),
  });
  await remove.click();
  expect(await confirm.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
  await page.reload();
  await expect(page.getByTestId('correction-row')).toHaveCount(1);
  // With the keyboard: confirm with Space, delete with Enter.
  await confirm.focus();
  await page.keyboard.press('Space');
  await expect(confirm).toBeChecked();
  await remove.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('correction-done')).toHaveText(
    t('en', 'portal.console.corrections.deleted'),
  );
  await expect(page.getByTestId('correction-row')).toHaveCount(0);
  await expect(page.getByTestId('correction-done')).toBeFocused();

  // An access request: the export is counted in UTF-8 bytes, not characters.
  const { sha256: accessSha256 } = await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'access' } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const access = page.getByTestId('disclose-form');
  await access.getByLabel(t('en', 'vocabulary.dataCategory.address')).check();
  await access.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await expect(access.getByTestId('export-left')).toHaveText(
    t('en', 'portal.console.disclose.exportLeft', { left: '24,528', max: '24,528' }),
  );
  const exportField = access.getByLabel(t('en', 'portal.console.disclose.export'));
  await exportField.fill('€'.repeat(8_200)); // 8,200 characters, 24,600 bytes
  await expect(access.getByTestId('export-left')).toHaveText(
    t('en', 'portal.console.disclose.exportOver', { count: 72, max: '24,528' }),
  );
  const beforeTooLong = messageCount();
  await access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') }).click();
  await expect(
    page.getByTestId('data-request').filter({ has: access }).getByTestId('error-disclose'),
  ).toHaveText(t('en', 'portal.console.disclose.error.exportTooLarge', { max: '24,528' }));
  expect(messageCount()).toBe(beforeTooLong);
  await exportField.fill('€'.repeat(8_176)); // 24,528 bytes: exactly what fits
  await expect(access.getByTestId('export-left')).toHaveText(
    t('en', 'portal.console.disclose.exportLeft', { left: '0', max: '24,528' }),
  );

  // Meanwhile the company's systems stored a disclosure for the request, but no answer: the
  // console answers with that one instead of making a second.
  await postJose(
    page.request,
    '/api/v1/disclosures',
    'disclosure',
    {
      ...claims(companyId, pseudonym),
      dataRequestSha256: accessSha256,
      holdings: [
        {
          dataCategory: 'address',
          sources: ['direct'],
          purposes: ['product_launch'],
          retentionDays: 30,
          recipients: [],
        },
      ],
    } as Payload<'disclosure'>,
    key.keyPair,
  );
  await page.reload();
  await expect(page.getByTestId('stored-disclosure')).toBeVisible();
  await expect(page.getByTestId('disclose-form')).toHaveCount(0);
  const beforeAnswer = messageCount();
  await page.getByRole('button', { name: t('en', 'portal.console.disclose.answerStored') }).click();
  await expect(page.getByTestId('disclose-done')).toHaveText(
    t('en', 'portal.console.disclose.done'),
  );
  await expect(page.getByTestId('data-request')).toHaveCount(0);
  expect(messageCount()).toBe(beforeAnswer + 1); // the answer only
  expect(messageCount({ kind: 'disclosure', companyId })).toBe(1);
  await context.close();
});

interface SubmitGlobals {
  submits?: number;
}

/**
 * From `page`'s next load on, counts the `submit` events of its forms: a pressed button's first
 * step, dispatched while the key press that pressed it is handled (so before `press` returns),
 * whether the page then sends anything or not.
 */
async function countSubmits(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const scope = globalThis as SubmitGlobals;
    scope.submits = 0;
    document.addEventListener('submit', () => (scope.submits = (scope.submits ?? 0) + 1), true);
  });
}

/** The `submit` events of the page's current load so far (see countSubmits). */
function submits(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (globalThis as SubmitGlobals).submits);
}

/** A catalog sentence as a pattern, each `{placeholder}` standing for any text. */
function sentence(locale: 'de' | 'en', key: Parameters<typeof t>[1]): RegExp {
  const parts = t(locale, key).split(/\{\w+\}/);
  return new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+'));
}

test('complaints against the company are listed with their state and the regulator’s decision; a suspension shows its reason', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const { context, page, companyId, key } = await consoleOf(browser, 'Beschwerdefall');
  const origin = new URL(page.url()).origin;
  await expect(page.getByTestId('complaint-row')).toHaveCount(0);

  // A customer grants, then complains twice with messages the company signed as evidence.
  const scope = launchScope(['address']);
  const requestSha256 = await openRequest(page, companyId, key.keyPair, scope);
  const customer = pairwiseKeyPair(random(32), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  const grantSha256 = await grantAs(page, customer, companyId, requestSha256, [scope]);
  const offer = await signMessage(
    'offer',
    {
      ...claims(companyId, pseudonym),
      grantSha256,
      purpose: 'product_launch',
      channel: 'newsletter',
      validUntil: Math.floor(Date.now() / 1000) + 7 * 86_400,
      sealed: base64urlEncode(random(96)),
    } as Payload<'offer'>,
    key.keyPair,
  );
  const disclosure = await signMessage(
    'disclosure',
    {
      ...claims(companyId, pseudonym),
      grantSha256,
      holdings: [
        {
          dataCategory: 'address',
          sources: ['direct'],
          purposes: ['product_launch'],
          retentionDays: 30,
          recipients: [],
        },
      ],
    } as Payload<'disclosure'>,
    key.keyPair,
  );
  const complain = (evidence: { kind: string; jws: string }, reasons: string[]) =>
    postJose(
      page.request,
      '/api/v1/complaints',
      'complaint',
      { ...claims(pseudonym, origin), company: companyId, evidence: [evidence], reasons },
      customer,
    );
  const { sha256: first } = await complain({ kind: 'offer', jws: offer }, ['wrong_channel']);
  // Newest first by the millisecond stored, ties by hash: the second must be stored in a later
  // millisecond. The server (on this machine's clock) stamped the first before answering, so once
  // this clock has passed the answer, every later stamp is later (a wait of at most 1 ms).
  const answeredAt = Date.now();
  await expect.poll(() => Date.now(), { intervals: [1] }).toBeGreaterThan(answeredAt);
  const { sha256: second } = await complain({ kind: 'disclosure', jws: disclosure }, [
    'undisclosed_data',
    'misleading',
  ]);

  await page.reload();
  const rows = page.getByTestId('complaint-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-id', second);
  await expect(rows.nth(1)).toHaveAttribute('data-id', first);
  const newest = rows.nth(0);
  await expect(newest).toHaveAttribute('data-state', 'open');
  await expect(newest).toContainText(`${pseudonym.slice(0, 10)}…`);
  await expect(newest.getByTestId('complaint-reasons')).toHaveText(
    `${t('en', 'portal.regulator.reason.undisclosed_data')}, ${t('en', 'portal.regulator.reason.misleading')}`,
  );
  await expect(newest.getByTestId('complaint-evidence')).toHaveText(
    t('en', 'portal.console.complaints.evidence.disclosure'),
  );
  await expect(newest.getByTestId('complaint-state')).toHaveText(
    t('en', 'portal.console.complaints.openToday'),
  );
  await expect(rows.nth(1).getByTestId('complaint-evidence')).toHaveText(
    t('en', 'portal.console.complaints.evidence.offer'),
  );
  await expect(page.getByTestId('suspension')).toHaveCount(0);

  // The regulator upholds the first complaint and suspends the company, each with a reason.
  const regulatorContext = await browser.newContext({ locale: 'en-GB' });
  const regulator = await regulatorContext.newPage();
  await addVirtualAuthenticator(regulator);
  await regulator.goto(await regulatorLink(baseURL!, 'Rosa Regulator'));
  await regulator.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(regulator.getByTestId('enrol-done')).toBeVisible();
  await regulator.goto(`/regulator/complaints/${first}`);
  await regulator.getByLabel(t('en', 'portal.regulator.decision.upheld')).check();
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.de'))
    .fill('Der Kanal war nicht erlaubt.');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.en'))
    .fill('The channel was not granted.');
  await regulator
    .getByRole('button', { name: t('en', 'portal.regulator.decision.submit') })
    .click();
  await expect(regulator.getByTestId('decision-done')).toBeVisible();
  await regulator.goto(`/regulator/companies/${companyId}`);
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.de'))
    .fill('Wiederholt ohne Einwilligung geworben.');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.en'))
    .fill('Advertised without consent, repeatedly.');
  await regulator.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
  await expect(regulator.getByTestId('suspension-done')).toBeVisible();
  await regulatorContext.close();

  await page.reload();
  await expect(page.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.suspended'),
  );
  const suspension = page.getByTestId('suspension');
  await expect(suspension).toContainText(sentence('en', 'portal.console.suspension.notice'));
  await expect(suspension.getByTestId('suspension-reason')).toHaveText(
    'Advertised without consent, repeatedly.',
  );
  const decided = rows.nth(1);
  await expect(decided).toHaveAttribute('data-state', 'upheld');
  await expect(decided.getByTestId('complaint-state')).toHaveText(
    sentence('en', 'portal.console.complaints.upheld'),
  );
  await expect(decided.getByTestId('complaint-decision-reason')).toHaveText(
    'The channel was not granted.',
  );
  await expect(rows.nth(0)).toHaveAttribute('data-state', 'open');
  await expectAccessible(page);

  // The same in German: the regulator's reasons as given in German.
  const german = await browser.newContext({ locale: 'de-DE' });
  await german.addCookies(await context.cookies());
  const deutsch = await german.newPage();
  await deutsch.goto('/company');
  await expect(
    deutsch.getByTestId('complaint-row').nth(1).getByTestId('complaint-state'),
  ).toHaveText(sentence('de', 'portal.console.complaints.upheld'));
  const reasonDe = deutsch
    .getByTestId('complaint-row')
    .nth(1)
    .getByTestId('complaint-decision-reason');
  await expect(reasonDe).toHaveText('Der Kanal war nicht erlaubt.');
  await expect(reasonDe).toHaveAttribute('lang', 'de');
  await expect(deutsch.getByTestId('suspension-reason')).toHaveText(
    'Wiederholt ohne Einwilligung geworben.',
  );
  await expectAccessible(deutsch);
  await german.close();
  await context.close();
});

test('Enter in a field of an answer or a disclosure signs nothing; recent requests are shown, not linked', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { context, page, companyId, key } = await consoleOf(browser, 'Eingabetaste');
  const origin = new URL(page.url()).origin;
  const scope = launchScope(['address', 'purchase_history']);
  const requestSha256 = await openRequest(page, companyId, key.keyPair, scope);
  const customer = pairwiseKeyPair(random(32), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  await grantAs(page, customer, companyId, requestSha256, [scope]);

  // The request's link serves JSON to Assistants: shown as text to share, never a link to open.
  await page.reload();
  const recent = page.getByTestId('recent-request');
  await expect(recent).toHaveCount(1);
  await expect(recent).toHaveAttribute('data-sha256', requestSha256);
  await expect(recent.getByTestId('recent-request-link')).toHaveText(
    `${origin}/api/v1/grant-requests/${requestSha256}`,
  );
  await expect(recent).toContainText(t('en', 'portal.console.request.shareLink'));
  await expect(recent.locator('a')).toHaveCount(0);

  const posted: string[] = [];
  const watch = (request: import('@playwright/test').Request) => {
    if (request.method() === 'POST') posted.push(request.url());
  };
  page.on('request', watch);
  await countSubmits(page);

  // ----- an erasure: what was asked for comes ticked as erased; Enter presses no button -------
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    {
      ...claims(pseudonym, companyId),
      type: 'erasure',
      dataCategories: ['address'],
    } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const card = page.getByTestId('data-request');
  const address = t('en', 'vocabulary.dataCategory.address');
  const erasedAddress = card
    .getByRole('group', { name: t('en', 'portal.console.dataRequests.erasedCategories') })
    .getByLabel(address);
  await expect(erasedAddress).toBeChecked();
  const answers = { kind: 'data-request-answer', companyId };
  const beforeAnswer = messageCount(answers);
  const reasonDe = card.getByLabel(t('en', 'portal.console.dataRequests.reasonDe'));
  const reasonEn = card.getByLabel(t('en', 'portal.console.dataRequests.reasonEn'));
  // After each press, no button was pressed: a pressed one submits its form while the key press
  // is handled, before `press` returns.
  await reasonDe.fill('Aufbewahrungspflicht nach § 147 AO.');
  await reasonDe.press('Enter');
  expect(await submits(page)).toBe(0);
  await reasonEn.fill('Retention duty under German tax law.');
  await reasonEn.press('Enter');
  expect(await submits(page)).toBe(0);
  // On a ticked box as well: there Chromium presses the first button it may, "Erased".
  await erasedAddress.press('Enter');
  expect(await submits(page)).toBe(0);
  await expect(reasonEn).toHaveValue('Retention duty under German tax law.');
  // The buttons still answer, with the keyboard too: the refusal is what is signed, and it is
  // the one request and the one message (a submission started by Enter would have sent first, or
  // kept the form busy, so that this press would have sent nothing).
  await card
    .getByRole('button', { name: t('en', 'portal.console.dataRequests.refuse') })
    .press('Enter');
  await expect(page.getByTestId('answer-done')).toBeFocused();
  expect(posted.filter((url) => url.includes('?/answer'))).toHaveLength(1);
  expect(messageCount(answers)).toBe(beforeAnswer + 1);
  expect(newestPayload('data-request-answer', companyId)).toMatchObject({
    outcome: 'refused',
    reason: {
      de: 'Aufbewahrungspflicht nach § 147 AO.',
      en: 'Retention duty under German tax law.',
    },
  });

  // ----- an access request: Enter in the retention field or on a box signs no disclosure ------
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'access' } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const access = page.getByTestId('disclose-form');
  await access.getByLabel(address).check();
  await access.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  const beforeDisclosure = messageCount();
  await access.getByLabel(t('en', 'portal.console.disclose.retention')).press('Enter');
  expect(await submits(page)).toBe(0);
  await access.getByLabel(address).press('Enter');
  expect(await submits(page)).toBe(0);
  await access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') }).click();
  await expect(page.getByTestId('disclose-done')).toBeFocused();
  expect(posted.filter((url) => url.includes('?/disclose'))).toHaveLength(1);
  expect(messageCount()).toBe(beforeDisclosure + 2);
  page.off('request', watch);
  await context.close();
});

test('a second press sends nothing; removing a colleague or approving their new passkey asks first', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { context, page, companyId, key } = await consoleOf(browser, 'Doppelklick', {
    acceptDownloads: true,
  });
  await loadKeyFile(page, key);
  // The forms' requests. A second press that started a second submission would send it a moment
  // after the first (the same steps in the page, begun a click later), long before the first
  // one's round trip (the action, then the page's data loaded again) has shown that it was done:
  // so once done is shown, every request of the double click has been sent.
  const posted: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posted.push(new URL(request.url()).search);
  });

  // ----- a double click adds one key, and the file offered is that key's -----------------------
  const keyChanges = { kind: 'company-key', companyId };
  const beforeKeys = messageCount(keyChanges);
  await page.getByRole('button', { name: t('en', 'portal.console.keys.add') }).dblclick();
  await expect(page.getByTestId('key-done')).toBeFocused();
  expect(posted.filter((search) => search === '?/key')).toHaveLength(1);
  expect(messageCount(keyChanges)).toBe(beforeKeys + 1);
  await page.reload();
  await expect(page.getByTestId('key-row')).toHaveCount(2);
  const addedKid = await page
    .getByTestId('key-row')
    .evaluateAll(
      (rows, kid) => rows.map((r) => r.getAttribute('data-kid')).find((k) => k !== kid),
      key.jwk.kid,
    );
  expect(addedKid).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // ----- a double click invites once ----------------------------------------------------------
  const invite = page.locator('form[action="?/invite"]').last();
  await invite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill('Nora Neu');
  const beforeLinks = enrolmentCount(companyId);
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).dblclick();
  await expect(page.getByTestId('invite-done')).toBeFocused();
  // The name goes once the invitation is made: a second press would invite the person twice.
  await expect(invite.getByLabel(t('en', 'portal.console.staff.inviteName'))).toHaveValue('');
  await expect(page).toHaveTitle(
    `${t('en', 'portal.console.title')} · ${t('en', 'common.appName')}`,
  );
  const inviteLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  expect(posted.filter((search) => search === '?/invite')).toHaveLength(1);
  expect(enrolmentCount(companyId)).toBe(beforeLinks + 1);
  const colleagueContext = await browser.newContext({ locale: 'en-GB' });
  const colleague = await colleagueContext.newPage();
  await addVirtualAuthenticator(colleague);
  await colleague.goto(inviteLink);
  await colleague.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(colleague.getByTestId('enrol-done')).toBeVisible();
  await colleagueContext.close();
  await page.reload();
  const nora = page.locator('[data-testid="staff-row"]', { hasText: 'Nora Neu' });
  await expect(nora).toHaveCount(1);

  // ----- a new passkey for Nora: asked first, in a sentence; cancelled, nothing happens --------
  const recover = t('en', 'portal.console.staff.recover', { name: 'Nora Neu' });
  const beforeRecovery = enrolmentCount(companyId);
  await nora.getByRole('button', { name: recover }).click();
  const confirmation = nora.getByTestId('staff-confirm');
  const sentence = confirmation.locator('p');
  await expect(sentence).toHaveText(
    t('en', 'portal.console.staff.recoverExplain', { name: 'Nora Neu' }),
  );
  await expect(sentence).toBeFocused();
  await confirmation
    .getByRole('button', { name: t('en', 'portal.console.staff.cancel') })
    .press('Enter');
  await expect(confirmation).toHaveCount(0);
  await expect(nora.getByRole('button', { name: recover })).toBeFocused();
  expect(enrolmentCount(companyId)).toBe(beforeRecovery);
  await expect(nora).not.toContainText(t('en', 'portal.console.staff.recovering'));

  // ----- removal: asked first; confirmed with the keyboard, the focus is on the result ---------
  await nora
    .getByRole('button', { name: t('en', 'portal.console.staff.remove', { name: 'Nora Neu' }) })
    .press('Enter');
  await expect(sentence).toHaveText(
    t('en', 'portal.console.staff.removeExplain', { name: 'Nora Neu' }),
  );
  await expect(sentence).toBeFocused();
  // Another person invited meanwhile: Nora's second step stays open, the new link is shown.
  const linkBefore = inviteLink;
  await invite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill('Otto Ost');
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  await expect(page.getByTestId('invite-done')).toBeFocused();
  await expect(page.getByTestId('invite-link')).not.toHaveAttribute('href', linkBefore);
  await expect(sentence).toHaveText(
    t('en', 'portal.console.staff.removeExplain', { name: 'Nora Neu' }),
  );
  await sentence.focus();
  await expectAccessible(page);
  await expect(page.getByTestId('staff-row')).toHaveCount(2);
  await page.keyboard.press('Tab');
  await expect(
    confirmation.getByRole('button', {
      name: t('en', 'portal.console.staff.removeYes', { name: 'Nora Neu' }),
    }),
  ).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('staff-row')).toHaveCount(1);
  await expect(page.getByTestId('remove-done')).toHaveText(t('en', 'portal.console.staff.removed'));
  await expect(page.getByTestId('remove-done')).toBeFocused();
  await context.close();
});

test('an ended session is said in a sentence and keeps what was typed; sent again after logging in, it goes through', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { context, page, companyId, key } = await consoleOf(browser, 'Sitzungsende');
  const scope = launchScope(['address']);
  const requestSha256 = await openRequest(page, companyId, key.keyPair, scope);
  const customer = pairwiseKeyPair(random(32), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  await grantAs(page, customer, companyId, requestSha256, [scope]);
  await postJose(
    page.request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'access' } as Payload<'data-request'>,
    customer,
  );
  await page.reload();
  const access = page.getByTestId('disclose-form');
  const address = access.getByLabel(t('en', 'vocabulary.dataCategory.address'));
  await address.check();
  await access.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  // The export has no `name`: only this page holds it, so a trip to the login page would lose it.
  const exportField = access.getByLabel(t('en', 'portal.console.disclose.export'));
  const exportText = '{"address":"Domstraße 2, 50668 Köln"}';
  await exportField.fill(exportText);

  // The session ends (here: its cookie is gone) while the page is open.
  const cookies = await context.cookies();
  await context.clearCookies();
  const before = messageCount();
  const disclose = access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') });
  await disclose.click();
  await expect(
    page.getByTestId('data-request').filter({ has: access }).getByTestId('error-disclose'),
  ).toHaveText(t('en', 'portal.console.sessionEnded'));
  await expect(page).toHaveURL(/\/company$/);
  await expect(exportField).toHaveValue(exportText);
  await expect(address).toBeChecked();
  expect(messageCount()).toBe(before);

  // Logged in again (in another tab; here, the session restored): the same press sends it.
  await context.addCookies(cookies);
  await disclose.click();
  await expect(page.getByTestId('disclose-done')).toBeFocused();
  expect(messageCount()).toBe(before + 2);
  await context.close();
});
