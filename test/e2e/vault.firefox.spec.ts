/**
 * The Assistant in Firefox (issue 6 "Browsers"): Debian's firefox-esr driven through WebDriver
 * BiDi with puppeteer-core; the built (shipped) Firefox extension is installed as a temporary
 * add-on, each browser on its own fresh profile directory. See firefox-helpers.ts for how pages
 * are found and waited for.
 *
 * A temporary add-on does not outlive its browser, so "survives a relaunch" is covered by the
 * Chromium spec only; here a backup carries the vault from one profile to another.
 */
import { expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { t } from '../../protocol/i18n';
import { masterSeedToPhrase } from '../../protocol/keys';
import {
  capturedDownload,
  captureNextDownload,
  click,
  closeFirefox,
  dashboardPage,
  fill,
  firefoxPath,
  launchFirefox,
  onboard,
  PASS,
  sendFrom,
  selector,
  SLOW,
  text,
  textWhenSet,
  unlock,
  waitChecked,
  type Firefox,
} from './firefox-helpers';

/** Profile edit and blacklist entry through the dashboard, as in vault.spec.ts. */
async function editProfileAndBlacklist(page: Page): Promise<void> {
  await click(page, 'nav-profile');
  await click(page, 'mode-automatic');
  await click(page, 'channel-email');
  await click(page, 'save-profile');
  expect(await textWhenSet(page, selector('profile-status'))).toBe(
    t('en', 'extension.dashboard.saved'),
  );

  await click(page, 'nav-blacklist');
  expect(await text(page, 'blacklist-empty')).toBe(t('en', 'extension.blacklist.empty'));
  await fill(page, 'blacklist-name', 'Acme <b>Shoes</b>');
  await page.select('[data-testid="blacklist-reason"]', 'too_frequent');
  await click(page, 'blacklist-add');
  // Company-written text is text: the markup shows literally, nothing is parsed as HTML.
  expect(await text(page, 'blacklist-entry')).toContain('Acme <b>Shoes</b>');
  expect(await page.$$('[data-testid="blacklist-entry"] b')).toHaveLength(0);
  await click(page, 'signal-never');
  await page.waitForSelector('[data-testid="signal-question"]', { hidden: true });
}

/** The profile and blacklist of {@link editProfileAndBlacklist} are there. */
async function expectEdits(page: Page): Promise<void> {
  await click(page, 'nav-profile');
  await waitChecked(page, 'mode-automatic');
  await waitChecked(page, 'channel-email');
  await click(page, 'nav-blacklist');
  expect(await text(page, 'blacklist-entry')).toContain('Acme <b>Shoes</b>');
  expect(await page.$$('[data-testid="blacklist-entry"]')).toHaveLength(1);
}

test.describe('the vault in Firefox (shipped build)', () => {
  let firefox: Firefox | undefined;
  let other: Firefox | undefined;

  // A missing Firefox is a failed prerequisite, never a skipped test (SPECS "Test run").
  test.beforeEach(() => {
    expect(existsSync(firefoxPath), `${firefoxPath} (Debian's firefox-esr)`).toBe(true);
  });

  test.afterEach(async () => {
    await Promise.all([closeFirefox(firefox), closeFirefox(other)]);
    firefox = other = undefined;
  });

  test('onboarding, lock, unlock and the dashboard', async () => {
    test.setTimeout(120_000);
    firefox = await launchFirefox();
    const page = await dashboardPage(firefox.browser);

    const words = await onboard(page);
    expect(words).toHaveLength(24);
    expect(await text(page, 'nav-blacklist')).toBe(t('en', 'extension.dashboard.nav.blacklist'));

    await click(page, 'nav-blacklist');
    await fill(page, 'blacklist-name', 'Acme');
    await click(page, 'blacklist-add');
    expect(await text(page, 'blacklist-entry')).toContain('Acme');

    await click(page, 'dashboard-lock');
    await unlock(page, 'not the passphrase');
    expect(await text(page, 'unlock-error', SLOW)).toBe(
      t('en', 'errors.ERR_VAULT_PASSPHRASE_WRONG'),
    );
    await unlock(page);
    await page.waitForSelector('[data-testid="nav-blacklist"]', { timeout: SLOW });
    await click(page, 'nav-blacklist');
    expect(await text(page, 'blacklist-entry')).toContain('Acme');
  });

  test('profile and blacklist edits, backed up and restored in a second profile', async () => {
    test.setTimeout(240_000);
    firefox = await launchFirefox();
    const page = await dashboardPage(firefox.browser);
    await onboard(page);
    await editProfileAndBlacklist(page);

    // The dashboard's own export: its download is handed to the test instead of saved.
    await click(page, 'nav-backup');
    await captureNextDownload(page);
    await click(page, 'export-backup');
    const backup = await capturedDownload(page);
    expect(backup.name).toMatch(/^assistant-backup-\d{4}-\d{2}-\d{2}\.json$/);
    expect(
      await textWhenSet(page, 'section:has([data-testid="export-backup"]) > p[role="status"]'),
    ).toBe(t('en', 'extension.backup.exported'));
    // A sealed file: nothing of the profile or blacklist readable in it.
    expect(backup.text).not.toContain('Acme');
    const file = join(firefox.dir, backup.name);
    await writeFile(file, backup.text);

    other = await launchFirefox();
    const fresh = await dashboardPage(other.browser);
    const input = (await fresh.waitForSelector('[data-testid="backup-file"]', {
      timeout: 30_000,
    })) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
    await fresh.waitForFunction(
      () =>
        (document.querySelector('[data-testid="backup-file"]') as HTMLInputElement).files
          ?.length === 1,
    );
    await fill(fresh, 'backup-passphrase', 'wrong passphrase here');
    await click(fresh, 'restore-backup');
    // The file's wrapped key fails alike for a wrong passphrase and a damaged file.
    expect(await text(fresh, 'backup-error', SLOW)).toBe(
      t('en', 'extension.backup.passphraseWrong'),
    );
    await fill(fresh, 'backup-passphrase', PASS);
    await click(fresh, 'restore-backup');
    await fresh.waitForSelector('[data-testid="nav-blacklist"]', { timeout: SLOW });
    await expectEdits(fresh);
  });

  test('recovery from the phrase asks the running clearinghouse', async ({ baseURL }) => {
    test.setTimeout(180_000);
    expect(baseURL, 'the e2e clearinghouse of playwright.config.ts').toBeTruthy();
    firefox = await launchFirefox();
    const page = await dashboardPage(firefox.browser);
    await page.waitForSelector('[data-testid="recovery-phrase"]', { timeout: 30_000 });
    const current = (await sendFrom(page, { type: 'settings.get' })) as {
      settings: Record<string, unknown>;
    };
    expect(
      await sendFrom(page, {
        type: 'settings.set',
        settings: { ...current.settings, clearinghouseUrl: baseURL },
      }),
    ).toMatchObject({ settings: { clearinghouseUrl: baseURL } });

    const phrase = masterSeedToPhrase(new Uint8Array(32).fill(7));
    await fill(page, 'recovery-phrase', phrase);
    await fill(page, 'recovery-passphrase', PASS);
    await fill(page, 'recovery-passphrase-repeat', PASS);
    await click(page, 'recover');
    // The dashboard opens only once the clearinghouse answered; an error (such as
    // ERR_CLEARINGHOUSE_UNREACHABLE) shows in the form instead and fails the test at once.
    const outcome = await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="nav-recovery"]') !== null
          ? 'recovered'
          : document.querySelector('section:has([data-testid="recover"]) [role="alert"]')
              ?.textContent,
      { timeout: SLOW },
    );
    expect(await outcome.jsonValue()).toBe('recovered');

    // The identity is the phrase's: recovering again into it is allowed and reaches the API.
    await click(page, 'nav-recovery');
    await fill(page, 'recovery-phrase', phrase);
    const again = (await sendFrom(page, { type: 'vault.recover', phrase, passphrase: '' })) as {
      companiesChecked: number;
    };
    expect(again).toMatchObject({ type: 'vault.recovered', relationships: 0, failed: 0 });
    // And through the dashboard's form: the same answer, with no failure reported.
    await click(page, 'recover');
    expect(await textWhenSet(page, selector('recovery-status'), SLOW)).toBe(
      `${t('en', 'extension.recovery.checked', { count: again.companiesChecked })} ${t('en', 'extension.recovery.restored', { count: 0 })}`,
    );

    await fill(page, 'recovery-phrase', masterSeedToPhrase(new Uint8Array(32).fill(8)));
    await click(page, 'recover');
    const alert = await page.waitForSelector(
      'section:has([data-testid="recovery-phrase"]) [role="alert"]',
      { timeout: SLOW },
    );
    expect(await alert!.evaluate((el) => el.textContent?.trim())).toBe(
      t('en', 'errors.ERR_VAULT_EXISTS'),
    );
  });
});
