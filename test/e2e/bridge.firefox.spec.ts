/**
 * A company's page and the Assistant in Firefox (issue 7 through issue 6 "Browsers"): Debian's
 * firefox-esr with the built (shipped) Firefox extension, the built clearinghouse and the
 * reference company site. A request link pasted into the dashboard opens its consent page there and
 * stays answerable while it is read; the page's button reaches the Assistant through the bridge,
 * the consent window opens, and the answer comes back to the page.
 *
 * Found by hand in Firefox ESR: the bridge dropped every page message (a page's object reaches a
 * content script through an Xray wrapper with the page's `Object.prototype`), and a consent window
 * read for a minute refused its answer (Firefox had ended the idle background page, and the
 * request with it; the consent page now keeps it awake). The background's idle timeout is
 * shortened here (12 s; 30 s by default), and the page waits 30 s before it answers.
 */
import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { t } from '../../protocol/i18n';
import { consentPath } from '../../extension/manifest';
import { createVaultThrough, Scratch } from './assistant-fixture';
import {
  click,
  closeFirefox,
  dashboardPage,
  extensionPage,
  fill,
  firefoxPath,
  launchFirefox,
  PASS,
  sendFrom,
  SLOW,
  text,
  uuid,
  type Firefox,
} from './firefox-helpers';

const scratch = new Scratch();
let firefox: Firefox | undefined;

/**
 * Ticks every purpose and channel asked, and every "allow … in my profile" box then shown, in
 * the consent window `page`: what it once pre-ticked. It now ticks only what the profile allows,
 * and a fresh profile allows no channel (extension/core/wallet `initialChoice`); as
 * assistant-fixture's `tickAllAsked`, for puppeteer.
 */
async function tickAllAsked(page: Page): Promise<void> {
  const boxes = [
    'input[data-testid$="-include"]',
    'input[data-testid*="-channel-"]',
    'input[data-testid^="consent-allow-"]',
  ];
  for (const css of boxes)
    for (const box of await page.$$(css))
      if (!(await box.evaluate((el) => (el as HTMLInputElement).checked))) await box.click();
}

test.beforeEach(() => {
  expect(existsSync(firefoxPath), `${firefoxPath} (Debian's firefox-esr)`).toBe(true);
});

test.afterEach(async () => {
  await closeFirefox(firefox);
  firefox = undefined;
  await scratch.cleanup();
});

test("a company's page reaches the Assistant, and a request opened from the dashboard stays answerable while it is read", async () => {
  test.setTimeout(240_000);
  const { site } = await scratch.companySite();
  const { site: second } = await scratch.companySite({ legalName: 'Zweitladen GmbH' });
  firefox = await launchFirefox({ 'extensions.background.idle.timeout': 12_000 });
  const dashboard = await dashboardPage(firefox.browser);
  await createVaultThrough((message) => sendFrom(dashboard, message), PASS, { timeout: SLOW });
  const shop = await firefox.browser.newPage();

  // A request link pasted into the dashboard: its consent page opens in the dashboard's tab, and
  // nothing else of the Assistant is open that would keep its background awake.
  await shop.goto(`${second.origin}/?lang=en`);
  const link = await shop.$eval('#connect', (a) => (a as HTMLAnchorElement).href);
  await dashboard
    .waitForSelector('[data-testid="nav-relationships"]', { timeout: 30_000 })
    .catch(async (e: unknown) => {
      throw new Error(
        `${String(e)}; the dashboard shows: ${await dashboard.evaluate(() => document.body.innerText.slice(0, 500))}`,
      );
    });
  await click(dashboard, 'nav-relationships');
  await fill(dashboard, 'request-link', link);
  await dashboard.keyboard.press('Enter');
  await dashboard.waitForFunction(
    (path) => location.pathname === path && location.search.includes('from=dashboard'),
    { timeout: 30_000 },
    `/${consentPath}`,
  );
  expect(await text(dashboard, 'consent-company')).toContain('Zweitladen');
  // Read for two and a half idle timeouts of the background page: the page keeps it awake.
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  await tickAllAsked(dashboard);
  await click(dashboard, 'consent-grant');
  await dashboard.waitForSelector('[data-testid="consent-result"][data-result="granted"]', {
    timeout: 30_000,
  });
  // Back where the request came from, not a closed tab (Chromium) or a refused close (Firefox).
  expect(await text(dashboard, 'consent-result-close')).toBe(
    t('en', 'extension.consent.backToDashboard'),
  );
  await click(dashboard, 'consent-result-close');
  await dashboard.waitForSelector('[data-testid="request-link"]', { timeout: 30_000 });
  expect(await dashboard.evaluate(() => location.search)).toBe('?section=relationships');
  await expect
    .poll(async () => (await second.pollOnce(), second.events.map((e) => e.kind)), {
      timeout: 30_000,
    })
    .toEqual(['grant']);

  // The company's own page: its button reaches the Assistant through the bridge, the consent
  // window opens, and the answer comes back to the page.
  await shop.goto(`${site.origin}/?lang=en`);
  await shop.waitForFunction(() => 'ClearinghouseConnect' in globalThis, { timeout: 30_000 });
  await shop.click('#connect');
  const consent = await extensionPage(
    firefox.browser,
    (href) => href.startsWith(`moz-extension://${uuid}/${consentPath}?ticket=`),
    'the consent window',
  );
  expect(await text(consent, 'consent-company')).toContain('Laufhaus');
  await tickAllAsked(consent);
  await click(consent, 'consent-grant');
  await consent.waitForSelector('[data-testid="consent-result"][data-result="granted"]', {
    timeout: 30_000,
  });
  expect(await text(consent, 'consent-result-close')).toBe(t('en', 'extension.consent.close'));
  await shop.waitForSelector('#connect-outcome[data-outcome="granted"]', { timeout: 30_000 });
  await expect
    .poll(async () => (await site.pollOnce(), site.events.map((e) => e.kind)), { timeout: 30_000 })
    .toEqual(['grant']);
});
