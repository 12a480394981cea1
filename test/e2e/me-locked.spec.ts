/**
 * /me with the Assistant's vault locked (protocol/connect `unlock`), in Chromium with the built
 * Assistant and the built clearinghouse: "Open the Assistant to unlock it" opens the Assistant's
 * dashboard with its Unlock form in a tab, or brings the one already open to the front instead
 * of opening a second; once the customer unlocked there and came back, /me shows the data
 * without a press of "Try again". The steps to unlock by hand stay beneath the button.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import { clearinghouse, defaultPassphrase, Scratch, sendFrom } from './assistant-fixture';

const scratch = new Scratch();

test.afterEach(async () => {
  await scratch.cleanup();
});

const dashboards = (context: BrowserContext, id: string): Page[] =>
  context.pages().filter((p) => p.url().startsWith(`chrome-extension://${id}/ui/dashboard/`));

/** /me, its overview refused for the locked vault, the button and the steps shown. */
async function lockedMe(context: BrowserContext): Promise<Page> {
  const me = await context.newPage();
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-error')).toHaveAttribute('data-code', 'ERR_VAULT_LOCKED');
  await expect(me.getByTestId('me-locked').locator('li')).toHaveCount(3);
  await expect(me.getByTestId('me-unlock')).toHaveText(t('en', 'portal.me.locked.open'));
  return me;
}

test('/me opens the Assistant’s Unlock form in a tab, and shows the data once it was unlocked', async () => {
  const { context, id, dashboard } = await scratch.assistant('assistant-me-locked-');
  expect(await sendFrom(dashboard, { type: 'vault.lock' })).toMatchObject({ state: 'locked' });
  await dashboard.close();
  expect(dashboards(context, id)).toHaveLength(0);

  const me = await lockedMe(context);
  const opened = context.waitForEvent('page', {
    predicate: (p) => p.url().startsWith(`chrome-extension://${id}/ui/dashboard/`),
  });
  // By keyboard: the button takes the focus and Enter presses it.
  await me.getByTestId('me-unlock').focus();
  await me.keyboard.press('Enter');
  const unlockTab = await opened;
  await expect(unlockTab.getByTestId('unlock-passphrase')).toBeVisible();
  await expect(me.getByTestId('me-unlock-status')).toHaveAttribute('data-prompt', 'opened');
  await expect(me.getByTestId('me-unlock-status')).toHaveText(t('en', 'portal.me.locked.opened'));

  await unlockTab.getByTestId('unlock-passphrase').fill(defaultPassphrase);
  await unlockTab.getByTestId('unlock').click();
  await expect(unlockTab.getByTestId('unlock-passphrase')).toHaveCount(0);

  // Back on /me: the page asks again by itself. Headless Chromium keeps every page visible and
  // focused, so the return the browser would signal is signalled here as it would be.
  await me.bringToFront();
  await me.evaluate(() => {
    window.dispatchEvent(new Event('blur'));
    window.dispatchEvent(new Event('focus'));
  });
  await expect(me.getByTestId('me-summary')).toBeVisible();
  await expect(me.getByTestId('me-locked')).toHaveCount(0);
  await expect(me.getByTestId('me-error')).toHaveCount(0);
});

test('/me brings the dashboard already open to the front instead of opening a second', async () => {
  const { context, id, dashboard } = await scratch.assistant('assistant-me-locked-open-');
  expect(await sendFrom(dashboard, { type: 'vault.lock' })).toMatchObject({ state: 'locked' });
  await expect(dashboard.getByTestId('unlock-passphrase')).toBeVisible();

  const me = await lockedMe(context);
  await me.getByTestId('me-unlock').click();
  await expect(me.getByTestId('me-unlock-status')).toHaveAttribute('data-prompt', 'opened');
  expect(dashboards(context, id)).toEqual([dashboard]);
  await expect(dashboard.getByTestId('unlock-passphrase')).toBeVisible();
});

test('"Try again" pressed while the unlock request is under way waits for it: neither is refused as busy', async () => {
  const { context, dashboard } = await scratch.assistant('assistant-me-locked-busy-');
  expect(await sendFrom(dashboard, { type: 'vault.lock' })).toMatchObject({ state: 'locked' });
  const me = await lockedMe(context);
  // Both in one turn of the page, as a quick second press would come.
  await me.evaluate(() => {
    document.querySelector<HTMLButtonElement>('[data-testid="me-unlock"]')!.click();
    document.querySelector<HTMLButtonElement>('[data-testid="me-load"]')!.click();
  });
  // Failed before: the load went out beside the unlock and one of them was answered
  // ERR_BRIDGE_BUSY (the page said the Assistant was busy, or "not opened" for an opened tab).
  await expect(me.getByTestId('me-unlock-status')).toHaveAttribute('data-prompt', 'opened');
  await expect(me.getByTestId('me-loading')).toHaveCount(0);
  await expect(me.getByTestId('me-error')).toHaveAttribute('data-code', 'ERR_VAULT_LOCKED');
  await expect(me.getByTestId('me-locked')).toBeVisible();
});
