/**
 * An Assistant that goes away while a company's page waits for it: the chromium-test build in
 * Debian's Chromium, the built clearinghouse and the reference company site. The bridge repeats
 * its acknowledgement while the consent window is open (protocol/connect `ackRepeatMs`); when
 * the extension is reloaded under it (what an update does), Chromium leaves the page's bridge
 * running cut off from its background, and the page's button ends with `ERR_ASSISTANT_SILENT`
 * instead of waiting for good. (Where the browser removes the bridge with its extension, the
 * repeats stop and protocol/connect gives up on its own: its unit tests.)
 */
import { expect, test, type BrowserContext } from '@playwright/test';
import { connectChannel } from '../../protocol/connect';
import { createVault, installDashboard, launchAssistant, Scratch } from './assistant-fixture';

const scratch = new Scratch();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  await context?.close();
  context = undefined;
  await scratch.cleanup();
});

interface Watch {
  acks: Record<string, number>;
  detail?: { outcome: string; code?: string };
}

test('a page whose Assistant is reloaded under an open request is told, not left waiting', async () => {
  const { site } = await scratch.companySite();
  const launched = await launchAssistant(await scratch.tempDir('assistant-silent-'));
  context = launched.context;
  await createVault(await installDashboard(context, launched.id), 'correct horse battery staple');

  const shop = await context.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  await expect.poll(() => shop.evaluate(() => 'ClearinghouseConnect' in globalThis)).toBe(true);
  // What the page hears: the bridge's acknowledgements by request, and the button's outcome.
  await shop.evaluate((channel) => {
    const watch: Watch = { acks: {} };
    (window as unknown as { watch: Watch }).watch = watch;
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as { channel?: string; from?: string; type?: string; id?: string };
      if (data?.channel !== channel || data.from !== 'assistant' || data.type !== 'ack') return;
      watch.acks[data.id!] = (watch.acks[data.id!] ?? 0) + 1;
    });
    document.addEventListener('clearinghouse-connect', (event) => {
      watch.detail = (event as CustomEvent<Watch['detail']>).detail;
    });
  }, connectChannel);
  const watch = () => shop.evaluate(() => (window as unknown as { watch: Watch }).watch);

  const opened = context.waitForEvent('page', {
    predicate: (p) => p.url().includes('/ui/consent/'),
  });
  await shop.locator('#connect').click();
  const consent = await opened;
  await expect(consent.getByTestId('consent-company')).toContainText('Laufhaus');

  // While the window is open the one request's acknowledgement repeats.
  await expect
    .poll(async () => Object.values((await watch()).acks), { timeout: 15_000 })
    .toEqual([expect.any(Number)]);
  await expect
    .poll(async () => Object.values((await watch()).acks)[0], { timeout: 15_000 })
    .toBeGreaterThanOrEqual(3);
  expect((await watch()).detail).toBeUndefined();

  // The extension reloads (an update does the same): its window closes with it.
  await consent
    .evaluate(() => {
      (
        globalThis as unknown as { chrome: { runtime: { reload(): void } } }
      ).chrome.runtime.reload();
    })
    .catch(() => undefined); // the page may go before it answers
  await expect
    .poll(async () => (await watch()).detail, { timeout: 15_000 })
    .toEqual({ outcome: 'error', code: 'ERR_ASSISTANT_SILENT' });
  await expect(shop.locator('#connect')).toHaveAttribute('data-connect-outcome', 'error');
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'error');
  // The reference site says what it means: the answer may or may not have been given.
  await expect(shop.locator('#connect-outcome')).toHaveText(
    'Your Assistant stopped answering, so we do not know whether your answer reached us. Please reload this page and try again.',
  );

  // The orphaned bridge stops repeating: nothing keeps telling the page the Assistant is there.
  const after = Object.values((await watch()).acks)[0]!;
  await shop.waitForTimeout(4000);
  expect(Object.values((await watch()).acks)[0]).toBe(after);

  // A second press in the same page is answered the same at once (not "busy", not left pending):
  // the page has to be reloaded to reach the Assistant again.
  await shop.evaluate(() => {
    (window as unknown as { watch: Watch }).watch.detail = undefined;
  });
  await shop.locator('#connect').click();
  await expect
    .poll(async () => (await watch()).detail, { timeout: 5_000 })
    .toEqual({ outcome: 'error', code: 'ERR_ASSISTANT_SILENT' });
  expect(Object.keys((await watch()).acks)).toHaveLength(2);
  expect(site.events).toEqual([]);
});
