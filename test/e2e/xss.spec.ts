/**
 * Cross-site scripting (issue 12, "Attacks"): company names, offer titles and bodies, the reason
 * and incentive of a grant request and the company's disclosure carry markup and script
 * (`<img onerror>`, `<script>`, `"><svg onload>`, a `javascript:` link). They travel through the
 * real API, relay and Assistant and are then shown on every portal page and extension view that
 * shows them. In the real browser: no script runs (a global flag the payloads would set, and no
 * dialog opens), no element of the payload is in the DOM, and the text appears literally.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Server } from 'node:http';
import { t } from '../../protocol/i18n';
import { ready } from '../../protocol/sodium';
import { loadOrCreateIdentity } from '../company-site/keys';
import {
  clearinghouse,
  createNewsletterRequest,
  createVault,
  installDashboard,
  launchAssistant,
  Scratch,
  sendFrom,
  sendSealedOffer,
  setSportsProfile,
} from './assistant-fixture';
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
 */
function payload(tag: string): string {
  return (
    `${tag}<img src=x id=xss-i onerror="__xss=1;alert(1)">` +
    `<script id=xss-s>__xss=2</script>` +
    `"><svg id=xss-v onload="__xss=3">` +
    `<a id=xss-a href="javascript:__xss=4">j</a>`
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
