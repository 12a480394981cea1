/**
 * The Assistant in Firefox (issue 6 "Browsers"): Debian's firefox-esr driven through WebDriver
 * BiDi with puppeteer-core; the built Firefox extension is installed as a temporary add-on.
 *
 * BiDi refuses to navigate a tab to a moz-extension:// URL, so the test uses the tab the
 * Assistant opens itself on install (its onboarding). BiDi also reports such tabs as
 * about:blank, so pages are told apart by evaluating `location.href` in them.
 */
import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { geckoId } from '../../extension/manifest';
import { t } from '../../protocol/i18n';

const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const extensionDir = fileURLToPath(new URL('../../dist/extension/firefox/', import.meta.url));
/** Fixed moz-extension UUID, so the pages' origin is known in advance. */
const uuid = '3b7f2a4e-0c1d-4e5f-9a8b-7c6d5e4f3a2b';
const PASS = 'correct horse battery staple';

async function dashboardPage(browser: Browser): Promise<Page> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const page of await browser.pages()) {
      const href = await page.evaluate(() => location.href).catch(() => '');
      if (href === `moz-extension://${uuid}/ui/dashboard/index.html`) return page;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the Assistant did not open its dashboard after installation');
}

async function text(page: Page, testId: string): Promise<string> {
  const handle = await page.waitForSelector(`[data-testid="${testId}"]`, { timeout: 30_000 });
  return (await handle!.evaluate((el) => el.textContent ?? '')).trim();
}

test.describe('the vault in Firefox (shipped build)', () => {
  // A missing Firefox is a failed prerequisite, never a skipped test (SPECS "Test run").
  test('onboarding, lock, unlock and the dashboard', async () => {
    test.setTimeout(120_000);
    expect(existsSync(firefoxPath), `${firefoxPath} (Debian's firefox-esr)`).toBe(true);
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: firefoxPath,
      headless: true,
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        'intl.accept_languages': 'en-US',
      },
    });
    try {
      expect(await browser.installExtension(extensionDir)).toBe(geckoId);
      const page = await dashboardPage(browser);

      await page.type('[data-testid="new-passphrase"]', PASS);
      await page.type('[data-testid="repeat-passphrase"]', PASS);
      await page.click('[data-testid="create"]');
      // The shipped Argon2id cost (64 MiB, 3 passes) runs here: allow it time.
      await page.waitForSelector('[data-testid="phrase"] li', { timeout: 60_000 });
      const words = await page.$$eval('[data-testid="phrase"] li', (els) =>
        els.map((e) => e.textContent ?? ''),
      );
      expect(words).toHaveLength(24);
      for (const input of await page.$$('[data-testid^="confirm-word-"]')) {
        const id = await input.evaluate((el) => el.getAttribute('data-testid') ?? '');
        await input.type(words[Number(id.replace('confirm-word-', '')) - 1]!);
      }
      await page.click('[data-testid="confirm-phrase"]');
      expect(await text(page, 'nav-blacklist')).toBe(t('en', 'extension.dashboard.nav.blacklist'));

      await page.click('[data-testid="nav-blacklist"]');
      await page.type('[data-testid="blacklist-name"]', 'Acme');
      await page.click('[data-testid="blacklist-add"]');
      expect(await text(page, 'blacklist-entry')).toContain('Acme');

      await page.click('[data-testid="dashboard-lock"]');
      await page.waitForSelector('[data-testid="unlock-passphrase"]');
      await page.type('[data-testid="unlock-passphrase"]', 'not the passphrase');
      await page.click('[data-testid="unlock"]');
      expect(await text(page, 'unlock-error')).toBe(t('en', 'errors.ERR_VAULT_PASSPHRASE_WRONG'));
      await page.$eval('[data-testid="unlock-passphrase"]', (el) => {
        (el as HTMLInputElement).value = '';
      });
      await page.type('[data-testid="unlock-passphrase"]', PASS);
      await page.click('[data-testid="unlock"]');
      await page.waitForSelector('[data-testid="nav-blacklist"]', { timeout: 60_000 });
      await page.click('[data-testid="nav-blacklist"]');
      expect(await text(page, 'blacklist-entry')).toContain('Acme');
    } finally {
      await browser.close();
    }
  });
});
