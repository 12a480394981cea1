/**
 * The Assistant's vault end to end (issue 6): the chromium-test build (low Argon2id cost, test
 * clock) in Debian's Chromium, each browser profile in its own temporary user-data directory so
 * that a "browser restart" relaunches the same profile.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { t } from '../../protocol/i18n';
import { masterSeedToPhrase } from '../../protocol/keys';
import { installDashboard, launchAssistant, sendFrom } from './assistant-fixture';

const PASS = 'correct horse battery staple';

interface Profile {
  dir: string;
  context: BrowserContext;
  id: string;
}

async function launch(dir: string): Promise<Profile> {
  return { dir, ...(await launchAssistant(dir, { acceptDownloads: true })) };
}

async function newProfile(): Promise<Profile> {
  const profile = await launch(await mkdtemp(join(tmpdir(), 'assistant-e2e-')));
  // A fresh install opens the dashboard by itself; wait for it, so that it cannot land in (and
  // interrupt the navigation of) a page a test opens next.
  await installDashboard(profile.context, profile.id);
  return profile;
}

async function dispose(profile: Profile | undefined): Promise<void> {
  if (profile === undefined) return;
  await profile.context.close();
  await rm(profile.dir, { recursive: true, force: true });
}

async function dashboard(profile: Profile): Promise<Page> {
  const url = `chrome-extension://${profile.id}/ui/dashboard/index.html`;
  const page = await profile.context.newPage();
  try {
    await page.goto(url);
  } catch (error) {
    // On install the Assistant opens its dashboard itself, and Chromium may put it into the
    // blank tab we just made: the same page then ends up where we wanted it to go.
    if (!String(error).includes('interrupted by another navigation')) throw error;
    await page.waitForURL(url);
  }
  return page;
}

/** Onboarding through the UI: passphrase, the phrase shown once, three words typed back. */
async function onboard(page: Page): Promise<string[]> {
  await page.getByTestId('new-passphrase').fill('short');
  await expect(page.getByTestId('strength')).toHaveAttribute('data-strength', 'too_short');
  await page.getByTestId('new-passphrase').fill(PASS);
  await expect(page.getByTestId('strength')).toHaveAttribute('data-strength', 'strong');
  await page.getByTestId('repeat-passphrase').fill(PASS);
  await page.getByTestId('create').click();
  // `allTextContents` does not wait: read the phrase once it is shown (the vault is created first).
  const phrase = page.getByTestId('phrase').locator('li');
  await expect(phrase).toHaveCount(24);
  const words = await phrase.allTextContents();
  expect(words).toHaveLength(24);
  const inputs = page.locator('[data-testid^="confirm-word-"]');
  await expect(inputs).toHaveCount(3);
  for (const input of await inputs.all()) {
    const n = Number((await input.getAttribute('data-testid'))!.replace('confirm-word-', ''));
    await input.fill(words[n - 1]!);
  }
  await page.getByTestId('confirm-phrase').click();
  await expect(page.getByTestId('nav-profile')).toBeVisible();
  return words;
}

async function unlock(page: Page, passphrase = PASS): Promise<void> {
  await page.getByTestId('unlock-passphrase').fill(passphrase);
  await page.getByTestId('unlock').click();
}

async function editProfileAndBlacklist(page: Page): Promise<void> {
  await page.getByTestId('nav-profile').click();
  await page.getByTestId('mode-automatic').check();
  await page.getByTestId('channel-email').check();
  await page.getByTestId('save-profile').click();
  await expect(page.getByTestId('profile-status')).toHaveText(t('en', 'extension.dashboard.saved'));

  await page.getByTestId('nav-blacklist').click();
  await expect(page.getByTestId('blacklist-empty')).toBeVisible();
  await page.getByTestId('blacklist-name').fill('Acme <b>Shoes</b>');
  await page.getByTestId('blacklist-reason').selectOption('too_frequent');
  await page.getByTestId('blacklist-add').click();
  // Company-written text is text: the markup shows literally, nothing is parsed as HTML.
  await expect(page.getByTestId('blacklist-entry')).toContainText('Acme <b>Shoes</b>');
  await expect(page.getByTestId('signal-question')).toBeVisible();
  await page.getByTestId('signal-never').click();
  await expect(page.getByTestId('signal-question')).toBeHidden();
}

test.describe('the vault in the chromium-test build', () => {
  let profile: Profile | undefined;
  let other: Profile | undefined;

  test.afterEach(async () => {
    await dispose(profile);
    await dispose(other);
    profile = other = undefined;
  });

  test('onboarding, lock and unlock, and the popup’s counts', async () => {
    profile = await newProfile();
    const page = await dashboard(profile);
    await onboard(page);

    const popup = await profile.context.newPage();
    await popup.goto(`chrome-extension://${profile.id}/ui/popup/index.html`);
    await expect(popup.getByTestId('vault-state')).toHaveAttribute('data-state', 'unlocked');
    await expect(popup.getByTestId('counts')).toHaveText(
      t('en', 'extension.popup.counts', { count: 0, blacklist: '0' }),
    );
    await popup.getByTestId('lock').click();
    await expect(popup.getByTestId('vault-state')).toHaveAttribute('data-state', 'locked');

    await page.reload();
    await unlock(page, 'not the passphrase');
    await expect(page.getByTestId('unlock-error')).toHaveText(
      t('en', 'errors.ERR_VAULT_PASSPHRASE_WRONG'),
    );
    await unlock(page);
    await expect(page.getByTestId('nav-profile')).toBeVisible();
    await page.getByTestId('dashboard-lock').click();
    await expect(page.getByTestId('unlock-passphrase')).toBeVisible();
  });

  test('locks by itself after the idle time (test clock)', async () => {
    profile = await newProfile();
    const page = await dashboard(profile);
    await onboard(page);
    try {
      await sendFrom(page, { type: 'test.clock.set', now: Date.now() + 16 * 60_000 });
      expect(await sendFrom(page, { type: 'vault.status' })).toMatchObject({ state: 'locked' });
    } finally {
      await sendFrom(page, { type: 'test.clock.reset' });
    }
  });

  test('profile and blacklist edits survive a browser restart', async () => {
    profile = await newProfile();
    let page = await dashboard(profile);
    await onboard(page);
    await editProfileAndBlacklist(page);

    const dir = profile.dir;
    await profile.context.close();
    profile = await launch(dir);
    page = await dashboard(profile);
    // storage.session does not survive the browser: the vault is locked again.
    await unlock(page);
    await page.getByTestId('nav-profile').click();
    await expect(page.getByTestId('mode-automatic')).toBeChecked();
    await expect(page.getByTestId('channel-email')).toBeChecked();
    await page.getByTestId('nav-blacklist').click();
    await expect(page.getByTestId('blacklist-entry')).toHaveCount(1);
    await expect(page.getByTestId('blacklist-entry')).toContainText('Acme <b>Shoes</b>');
  });

  test('a backup made on one profile restores on another', async () => {
    profile = await newProfile();
    const page = await dashboard(profile);
    await onboard(page);
    await editProfileAndBlacklist(page);
    await page.getByTestId('nav-backup').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-backup').click(),
    ]);
    const file = join(profile.dir, 'backup.json');
    await download.saveAs(file);

    other = await newProfile();
    const fresh = await dashboard(other);
    await fresh.getByTestId('backup-file').setInputFiles(file);
    await fresh.getByTestId('backup-passphrase').fill('wrong passphrase here');
    await fresh.getByTestId('restore-backup').click();
    // The file's wrapped key fails alike for a wrong passphrase and a damaged file.
    await expect(fresh.getByTestId('backup-error')).toHaveText(
      t('en', 'extension.backup.passphraseWrong'),
    );
    await fresh.getByTestId('backup-passphrase').fill(PASS);
    await fresh.getByTestId('restore-backup').click();
    await expect(fresh.getByTestId('nav-blacklist')).toBeVisible();
    await fresh.getByTestId('nav-blacklist').click();
    await expect(fresh.getByTestId('blacklist-entry')).toContainText('Acme <b>Shoes</b>');
    await fresh.getByTestId('nav-profile').click();
    await expect(fresh.getByTestId('mode-automatic')).toBeChecked();
  });

  test('recovery from the phrase asks the running clearinghouse', async ({ baseURL }) => {
    profile = await newProfile();
    const page = await dashboard(profile);
    const settings = (await sendFrom(page, { type: 'settings.get' })) as {
      settings: Record<string, unknown>;
    };
    await sendFrom(page, {
      type: 'settings.set',
      settings: { ...settings.settings, clearinghouseUrl: baseURL },
    });
    const phrase = masterSeedToPhrase(new Uint8Array(32).fill(7));
    await page.getByTestId('recovery-phrase').fill(phrase);
    await page.getByTestId('recovery-passphrase').fill(PASS);
    await page.getByTestId('recovery-passphrase-repeat').fill(PASS);
    await page.getByTestId('recover').click();
    await expect(page.getByTestId('nav-recovery')).toBeVisible();
    // The identity is the phrase's: recovering again into it is allowed and reaches the API.
    expect(await sendFrom(page, { type: 'vault.recover', phrase, passphrase: '' })).toMatchObject({
      type: 'vault.recovered',
      failed: 0,
    });
    await page.getByTestId('nav-recovery').click();
    await page.getByTestId('recovery-phrase').fill(masterSeedToPhrase(new Uint8Array(32).fill(8)));
    await page.getByTestId('recover').click();
    await expect(page.getByRole('alert')).toHaveText(t('en', 'errors.ERR_VAULT_EXISTS'));
  });

  test('the language switches at run time', async () => {
    profile = await newProfile();
    const page = await dashboard(profile);
    await onboard(page);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('language').selectOption('de');
    await expect(page.getByTestId('nav-settings')).toHaveText(
      t('de', 'extension.dashboard.nav.settings'),
    );
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await page.getByTestId('language').selectOption('en');
    await expect(page.getByTestId('nav-settings')).toHaveText(
      t('en', 'extension.dashboard.nav.settings'),
    );
  });

  test('no view has a serious or critical accessibility violation (axe-core)', async () => {
    profile = await newProfile();
    const page = await dashboard(profile);
    const scan = async (view: string) => {
      const { violations, passes } = await new AxeBuilder({ page }).analyze();
      // A scan that checked nothing (axe not injected) must not pass for "no violations".
      expect(passes.length, view).toBeGreaterThan(0);
      const severe = violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${view}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      expect(severe).toEqual([]);
    };
    await expect(page.getByTestId('new-passphrase')).toBeVisible();
    await scan('onboarding');
    await onboard(page);
    await editProfileAndBlacklist(page);
    for (const section of ['profile', 'blacklist', 'settings', 'backup', 'recovery']) {
      await page.getByTestId(`nav-${section}`).click();
      await scan(section);
    }
    await page.getByTestId('dashboard-lock').click();
    await expect(page.getByTestId('unlock-passphrase')).toBeVisible();
    await scan('unlock');
    await page.goto(`chrome-extension://${profile.id}/ui/popup/index.html`);
    await expect(page.getByTestId('vault-state')).toBeVisible();
    await scan('popup');
  });
});
