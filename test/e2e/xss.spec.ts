/**
 * Cross-site scripting (issue 12, "Attacks"): company names, offer titles and bodies, the reason
 * and incentive of a grant request and the company's disclosure carry markup and script
 * (`<img onerror>`, `<script>`, `"><svg onload>`, a `javascript:` link). They travel through the
 * real API, relay and Assistant and are then shown on every portal page and extension view that
 * shows them. In the real browser: no script runs (a global flag the payloads would set, and no
 * dialog opens), no element of the payload is in the DOM, and the text appears literally.
 * The company console too: a company registered with the hostile name, whose staff carry hostile
 * names and build a grant request with a hostile reason and incentive; and a company whose
 * customers (an offer's content, a correction's sealed value, data requests, a revocation) and
 * colleagues (the name a colleague gives at enrolment) send the payloads its console shows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { Server } from 'node:http';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import { pairwiseKeyPair, publicJwk, thumbprint } from '../../protocol/keys';
import type { MessageKind, Payload, Scope } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { loadOrCreateIdentity } from '../company-site/keys';
import {
  clearinghouse,
  client,
  createNewsletterRequest,
  createVault,
  installDashboard,
  launchAssistant,
  payloadOf,
  Scratch,
  sendFrom,
  sendOffer,
  sendSealedOffer,
  setSportsProfile,
} from './assistant-fixture';
import { registerAndEnrol } from './console-company';
import { loadKeyFile, type ConsoleKeyFile } from './story-helpers';
import {
  addVirtualAuthenticator,
  regulatorLink,
  seedStory,
  startProofServer,
} from './oversight-seed';

/**
 * A payload with every kind of injection; each element carries an `xss-…` id and each script
 * sets the global `__xss`, so both an injected element and a script that ran can be seen. `tag`
 * tells the fields apart; the whole stays within a 200-character text field (162 characters with a 6-character tag).
 * A field shorter than that (`room`: a person's name takes 100) gets the parts that fit, in order.
 */
function payload(tag: string, room = 200): string {
  const parts = [
    `<img src=x id=xss-i onerror="__xss=1;alert(1)">`,
    `<script id=xss-s>__xss=2</script>`,
    `"><svg id=xss-v onload="__xss=3">`,
    `<a id=xss-a href="javascript:__xss=4">j</a>`,
  ];
  return parts.reduce(
    (text, part) => (text.length + part.length <= room ? text + part : text),
    tag,
  );
}

/** What a payload's text starts with once shown literally. */
function literal(tag: string): string {
  return `${tag}<img src=x id=xss-i onerror=`;
}

interface Watched {
  dialogs: string[];
}

function watch(page: Page): Watched {
  const watched: Watched = { dialogs: [] };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return watched;
}

/** Nothing ran and nothing was injected on `page` (checked after `settle` has shown the data). */
async function expectInert(page: Page, watched: Watched): Promise<void> {
  // Give an onerror/onload handler the chance to fire if the element had been created.
  await page.waitForTimeout(300);
  const state = await page.evaluate(() => ({
    ran: (window as { __xss?: unknown }).__xss ?? null,
    injected: [
      ...document.querySelectorAll(
        '[id^="xss-"], img[onerror], svg[onload], [onload], [onerror], a[href^="javascript:" i]',
      ),
    ].map((e) => e.outerHTML.slice(0, 80)),
  }));
  expect(state, page.url()).toEqual({ ran: null, injected: [] });
  expect(watched.dialogs, page.url()).toEqual([]);
}

const scratch = new Scratch();
let context: BrowserContext | undefined;
let proofServer: Server | undefined;

test.afterEach(async () => {
  await context?.close();
  context = undefined;
  await scratch.cleanup();
  await new Promise((resolve) => (proofServer ? proofServer.close(resolve) : resolve(null)));
  proofServer = undefined;
});

test('the registry, the auditor and the regulator show hostile names as text', async ({
  browser,
  playwright,
  baseURL,
}) => {
  // Many pages, each checked after a pause: on a busy machine more than the default minute.
  test.setTimeout(120_000);
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  const name = payload('NAME');
  const story = await seedStory(request, baseURL!, proof, name);
  await request.dispose();

  const browserContext = await browser.newContext({ locale: 'en-GB' });
  const page = await browserContext.newPage();
  const watched = watch(page);

  // The public registry, its search echoing the hostile query, and the company's page.
  // The registry pages (25 a page): with the other specs' companies the hostile one may sit on a
  // later page, so it is also found by its domain, which is unique to this run.
  const hostileQueries = [payload('QUERY'), '"><svg id=xss-q onload=__xss=5>'];
  for (const path of [
    '/companies',
    `/companies?q=${encodeURIComponent(`localhost:${proof.port}`)}`,
    ...hostileQueries.map((q) => `/companies?q=${encodeURIComponent(q)}`),
    `/companies/${story.company.id}`,
    '/audit',
  ]) {
    await page.goto(path);
    // The registry refuses a query with markup as invalid parameters (shown as such, not echoed).
    const hostileQuery = hostileQueries.some((q) => path.endsWith(encodeURIComponent(q)));
    if (path !== '/companies' && !hostileQuery)
      await expect(page.locator('main')).toContainText(literal('NAME'));
    await expectInert(page, watched);
  }

  // The regulator's dashboard, the complaint's review and the company's file.
  await addVirtualAuthenticator(page);
  await page.goto(await regulatorLink(baseURL!, 'Rita Regulator'));
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  for (const path of [
    '/regulator',
    `/regulator/complaints/${story.complaintSha256}`,
    `/regulator/companies/${story.company.id}`,
  ]) {
    await page.goto(path);
    await expect(page.locator('main')).toContainText(literal('NAME'));
    await expectInert(page, watched);
  }
  await browserContext.close();
});

test('the Assistant and /me show hostile names, reasons, offers and disclosures as text', async () => {
  test.setTimeout(120_000);
  await ready();
  const { site, dataDir } = await scratch.companySite({ legalName: payload('NAME') });
  const company = await loadOrCreateIdentity(dataDir);

  const launched = await launchAssistant(await scratch.tempDir('assistant-xss-'));
  context = launched.context;
  const id = launched.id;
  const dashboard = await installDashboard(context, id);
  const dashboardWatch = watch(dashboard);
  await createVault(dashboard, 'correct horse battery staple');
  await setSportsProfile(dashboard);

  // A grant request whose reason and incentive carry the payload, opened in the consent window.
  const link = await createNewsletterRequest(company, {
    maxContactsPerWeek: 20,
    incentive: { type: 'discount', description: { de: payload('GIFT'), en: payload('GIFT') } },
    reason: { de: payload('REASON'), en: payload('REASON') },
  });
  const { ticket } = (await sendFrom(dashboard, {
    type: 'wallet.open-link',
    link,
  })) as { ticket: string };
  const consent = await context.newPage();
  const consentWatch = watch(consent);
  await consent.goto(`chrome-extension://${id}/ui/consent/index.html?ticket=${ticket}`);
  await expect(consent.locator('body')).toContainText(literal('NAME'));
  await expect(consent.locator('body')).toContainText(literal('REASON'));
  await expect(consent.locator('body')).toContainText(literal('GIFT'));
  await expectInert(consent, consentWatch);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expectInert(consent, consentWatch);

  // The company learns of the grant and discloses what it holds (test/company-site/obligations.ts).
  await expect.poll(async () => (await site.pollOnce(), site.relay.customers.size)).toBe(1);

  // An offer whose title and body carry the payload, sent through the real relay.
  const listing = (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
    items: { pseudonym: string; grants: { sha256: string; jws: string }[] }[];
  };
  const pseudonym = listing.items[0]!.pseudonym;
  const grant = listing.items[0]!.grants[0]!;
  const offerId = await sendSealedOffer(
    company,
    { pseudonym, grant },
    { title: payload('TITLE'), body: payload('BODY') },
  );

  // Every view of the dashboard.
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  const offer = dashboard.locator(`[data-id="${offerId}"]`);
  await expect(offer).toContainText(literal('TITLE'), { timeout: 20_000 });
  await expect(offer).toContainText(literal('BODY'));
  await expectInert(dashboard, dashboardWatch);
  for (const section of [
    'relationships',
    'sites',
    'profile',
    'blacklist',
    'settings',
    'backup',
    'recovery',
  ]) {
    await dashboard.getByTestId(`nav-${section}`).click();
    if (section === 'relationships') {
      await expect(dashboard.locator('body')).toContainText(literal('NAME'));
    }
    await expectInert(dashboard, dashboardWatch);
  }

  // The popup.
  const popup = await context.newPage();
  const popupWatch = watch(popup);
  await popup.goto(`chrome-extension://${id}/ui/popup/index.html`);
  await expect(popup.locator('body')).toBeVisible();
  await expectInert(popup, popupWatch);

  // /me, through the page bridge: the company's name and its disclosure.
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('disclosure');
  const me = await context.newPage();
  const meWatch = watch(me);
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-rows', '1', { timeout: 20_000 });
  await expect(me.locator('main')).toContainText(literal('NAME'));
  await expectInert(me, meWatch);

  // The public registry shows the company site's name as text too.
  const registry = await context.newPage();
  const registryWatch = watch(registry);
  await registry.goto(`${clearinghouse}/companies/${company.companyId}`);
  await expect(registry.locator('main')).toContainText(literal('NAME'));
  await expectInert(registry, registryWatch);
});

/**
 * A company registered in the console (`legalName`), its domain proven, its first staff member
 * enrolled as `staffName` in `page` (which then shows /company). Every page on the way is
 * checked like the others.
 */
async function consoleCompany(
  page: Page,
  watched: Watched,
  company: { legalName: string; staffName: string },
): Promise<{ companyId: string; key: ConsoleKeyFile }> {
  const proof = await startProofServer();
  proofServer = proof.server;
  return registerAndEnrol(page, { ...company, proof }, () => expectInert(page, watched));
}

/** A colleague enrols with the link in a browser of their own (`name` when the link has none). */
async function colleagueEnrols(
  browser: Browser,
  link: string,
  expectText: string,
  name?: string,
): Promise<void> {
  const colleagueContext = await browser.newContext({ locale: 'en-GB' });
  const colleague = await colleagueContext.newPage();
  const colleagueWatch = watch(colleague);
  await addVirtualAuthenticator(colleague);
  await colleague.goto(link);
  await expect(colleague.locator('main')).toContainText(expectText);
  await expectInert(colleague, colleagueWatch);
  if (name !== undefined)
    await colleague.getByLabel(t('en', 'portal.people.enrol.name')).fill(name);
  await colleague.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(colleague.getByTestId('enrol-done')).toBeVisible();
  await expectInert(colleague, colleagueWatch);
  await colleagueContext.close();
}

test('the console shows a hostile company name, staff names and the requests it builds as text', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const browserContext = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  context = browserContext;
  const page = await browserContext.newPage();
  const watched = watch(page);
  await addVirtualAuthenticator(page);
  const name = payload('NAME');
  const staffName = payload('STAFF', 100);
  const { companyId, key } = await consoleCompany(page, watched, { legalName: name, staffName });

  // The dashboard: the company's name and the staff member's, shown literally.
  await expect(page.getByTestId('company-name')).toContainText(literal('NAME'));
  await expect(page.getByTestId('staff-row')).toContainText(literal('STAFF'));
  await expectInert(page, watched);

  // The request builder: reason and incentive with markup, signed with the key file.
  await loadKeyFile(page, key);
  const builder = page.locator('form[action="?/request"]');
  await builder.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await builder.getByLabel(t('en', 'vocabulary.channel.newsletter')).check();
  await builder.getByLabel(t('en', 'portal.console.request.reasonDe')).fill(payload('REASON'));
  await builder.getByLabel(t('en', 'portal.console.request.reasonEn')).fill(payload('REASON'));
  await builder
    .getByLabel(t('en', 'portal.console.request.incentiveType'))
    .selectOption('discount');
  await builder.getByLabel(t('en', 'portal.console.request.incentiveDe')).fill(payload('GIFT'));
  await builder.getByLabel(t('en', 'portal.console.request.incentiveEn')).fill(payload('GIFT'));
  await builder.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  const link = await page.getByTestId('request-link').getAttribute('href');
  expect(link).toMatch(new RegExp(`^${baseURL}/api/v1/grant-requests/`));
  await expect(page.getByTestId('request-snippet')).toContainText(`data-grant-request="${link}"`);
  await expectInert(page, watched);
  // What was signed and stored is the text itself.
  const served = (await (await page.request.get(link!)).json()) as { jws: string };
  expect(payloadOf(served.jws)).toMatchObject({
    iss: companyId,
    reason: { en: payload('REASON') },
    incentive: { description: { de: payload('GIFT') } },
  });

  // Keys: one added (its file offered once); the list and the result shown.
  await page.getByRole('button', { name: t('en', 'portal.console.keys.add') }).click();
  await expect(page.getByTestId('key-done')).toBeVisible();
  await expect(page.getByTestId('key-row')).toHaveCount(2);
  await expectInert(page, watched);

  // Staff: a colleague invited under a hostile name enrols; their recovery is approved.
  const invite = page.locator('form[action="?/invite"]').last();
  await invite.getByLabel(t('en', 'portal.console.staff.inviteName')).fill(payload('COLL', 100));
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  const inviteLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  await expectInert(page, watched);
  await colleagueEnrols(browser, inviteLink, literal('NAME'));
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('staff-row')).toHaveCount(2);
  await expect(page.locator('main')).toContainText(literal('COLL'));
  await expectInert(page, watched);
  await page
    .getByRole('button', {
      name: t('en', 'portal.console.staff.recover', { name: payload('COLL', 100) }),
    })
    .click();
  // Asked first, in a sentence naming the colleague (as text too); the second press approves.
  await expectInert(page, watched);
  await page
    .getByRole('button', {
      name: t('en', 'portal.console.staff.recoverYes', { name: payload('COLL', 100) }),
    })
    .click();
  const recoveryLink = (await page.getByTestId('invite-link').getAttribute('href'))!;
  expect(recoveryLink).not.toBe(inviteLink);
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.locator('main')).toContainText(t('en', 'portal.console.staff.recovering'));
  await expectInert(page, watched);
  // The recovery page names the colleague.
  const recovery = await browserContext.newPage();
  const recoveryWatch = watch(recovery);
  await recovery.goto(recoveryLink);
  await expect(recovery.locator('main')).toContainText(literal('COLL'));
  await expectInert(recovery, recoveryWatch);
  await recovery.close();

  // A hostile query: the pager's links carry it encoded, never as markup.
  const query = payload('QUERY');
  await page.goto(`/company?offers=2&${encodeURIComponent(query)}=${encodeURIComponent(query)}`);
  await expect(page.getByTestId('pager-offers-previous')).toHaveAttribute(
    'href',
    `?${encodeURIComponent(query)}=${encodeURIComponent(query)}#offers-title`,
  );
  await expectInert(page, watched);
  await browserContext.close();
  context = undefined;
});

test('the console shows what customers and colleagues send as text', async ({ browser }) => {
  test.setTimeout(150_000);
  await ready();
  const browserContext = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  context = browserContext;
  const page = await browserContext.newPage();
  const watched = watch(page);
  await addVirtualAuthenticator(page);
  const legalName = `Laufschuh ${randomUUID().slice(0, 6)} GmbH`;
  const { companyId, key } = await consoleCompany(page, watched, {
    legalName,
    staffName: 'Vera Verlässlich',
  });
  await expectInert(page, watched);

  // A colleague's link carries no name: the colleague gives a hostile one at enrolment.
  const invite = page.locator('form[action="?/invite"]').last();
  await invite.getByRole('button', { name: t('en', 'portal.console.staff.invite') }).click();
  await colleagueEnrols(
    browser,
    (await page.getByTestId('invite-link').getAttribute('href'))!,
    legalName,
    payload('COLL', 100),
  );

  // A customer grants the newsletter, gets an offer with markup, sends a correction whose sealed
  // value is markup, asks for access and erasure, revokes; an offer after that is refused.
  const company = { companyId, kid: key.jwk.kid, keyPair: key.keyPair };
  const link = await createNewsletterRequest(company, { maxContactsPerWeek: 20 });
  const requestSha256 = link.slice(link.lastIndexOf('/') + 1);
  const customer = pairwiseKeyPair(new Uint8Array(randomBytes(32)), companyId);
  const pseudonym = `ps_${thumbprint(publicJwk(customer))}`;
  const signAsCustomer = <K extends MessageKind>(kind: K, aud: string, body: object) => {
    const iat = Math.floor(Date.now() / 1000);
    return signMessage(
      kind,
      { v: 1, iss: pseudonym, aud, iat, exp: iat + 300, jti: randomUUID(), ...body } as Payload<K>,
      customer,
    );
  };
  const granted = (
    JSON.parse(
      Buffer.from(
        ((await client.getGrantRequest(requestSha256)) as { jws: string }).jws.split('.')[1]!,
        'base64url',
      ).toString(),
    ) as { scopes: Scope[] }
  ).scopes;
  const { sha256: grantSha256 } = await client.submitGrant(
    await signAsCustomer('grant', companyId, {
      requestSha256,
      scopes: granted,
      preferredChannel: 'newsletter',
      until: Math.floor(Date.now() / 1000) + 90 * 86_400,
      pseudonymKey: publicJwk(customer),
    }),
  );
  const to = { pseudonym, publicKey: customer.publicKey, grantSha256 };
  const offerContent = { title: payload('TITLE'), body: payload('BODY') };
  await sendOffer({ id: companyId, keyPair: key.keyPair }, to, offerContent);
  await client.sendCorrection(
    await signAsCustomer('correction', companyId, {
      dataCategory: 'address',
      sealed: base64urlEncode(
        sealTo(
          base64urlDecode(key.jwk.x),
          JSON.stringify({ dataCategory: 'address', value: payload('VALUE') }),
        ),
      ),
    }),
  );
  for (const type of ['access', 'erasure'] as const) {
    await client.submitDataRequest(await signAsCustomer('data-request', companyId, { type }));
  }
  await client.submitRevocation(
    await signAsCustomer('revocation', companyId, { grants: [{ grantSha256 }] }),
  );
  await expect(
    sendOffer({ id: companyId, keyPair: key.keyPair }, to, offerContent),
  ).rejects.toThrow();

  // Every section of the console with all of it.
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('revocation-row')).toHaveCount(1);
  await expect(page.getByTestId('data-request')).toHaveCount(2);
  await expect(page.getByTestId('correction-row')).toHaveCount(1);
  await expect(page.getByTestId('offer-row')).toHaveCount(2);
  await expect(page.locator('[data-testid="offer-row"][data-outcome="refused"]')).toHaveCount(1);
  await expect(page.getByTestId('finding')).not.toHaveCount(0);
  await expect(page.getByTestId('staff-row')).toHaveCount(2);
  await expect(page.locator('main')).toContainText(literal('COLL'));
  await expectInert(page, watched);

  // The erasure refused with a reason carrying markup, the access answered with a disclosure
  // whose recipient and export carry it, the revocation acknowledged, the correction applied.
  const erasure = page
    .getByTestId('data-request')
    .filter({ hasNot: page.getByTestId('disclose-form') });
  await erasure.getByLabel(t('en', 'portal.console.dataRequests.reasonDe')).fill(payload('ANSWER'));
  await erasure.getByLabel(t('en', 'portal.console.dataRequests.reasonEn')).fill(payload('ANSWER'));
  await erasure
    .getByRole('button', { name: t('en', 'portal.console.dataRequests.refuse') })
    .click();
  await expect(page.getByTestId('answer-done')).toBeVisible();
  await expect(page.getByTestId('data-request')).toHaveCount(1);
  await expectInert(page, watched);
  const access = page.getByTestId('disclose-form');
  await access.getByLabel(t('en', 'vocabulary.dataCategory.address')).check();
  await access.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await access
    .getByLabel(t('en', 'portal.console.disclose.recipients'))
    .fill(`${payload('RCPT')}, DE`);
  await access.getByLabel(t('en', 'portal.console.disclose.export')).fill(payload('EXPORT'));
  await access.getByRole('button', { name: t('en', 'portal.console.disclose.submit') }).click();
  await expect(page.getByTestId('disclose-done')).toBeVisible();
  await expectInert(page, watched);
  await page
    .getByTestId('revocation-row')
    .getByRole('button', { name: t('en', 'portal.console.revocations.ack') })
    .click();
  await expect(page.getByTestId('ack-done')).toBeVisible();
  // The correction's sealed value, opened in the page with the key file, is shown as text too.
  await loadKeyFile(page, key);
  await expect(page.getByTestId('correction-value')).toContainText(literal('VALUE'));
  await expectInert(page, watched);
  const correction = page.getByTestId('correction-row');
  await correction.getByLabel(t('en', 'portal.console.corrections.confirm')).check();
  await correction
    .getByRole('button', { name: t('en', 'portal.console.corrections.delete') })
    .click();
  await expect(page.getByTestId('correction-row')).toHaveCount(0);
  await expectInert(page, watched);
  await browserContext.close();
  context = undefined;
});
