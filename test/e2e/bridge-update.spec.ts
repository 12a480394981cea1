/**
 * A page that was open while the Assistant was updated: the chromium-test build in Debian's
 * Chromium, the built clearinghouse and the reference company site. Chromium leaves the page's
 * bridge running cut off from its extension and gives the page no new one; the updated Assistant
 * puts its bridge into the open tabs itself (extension/platform/bridge-tabs), and the cut-off one
 * defers to it (extension/core/page-bridge). So the company's connect button works without a
 * reload, and the page hears one outcome, never the cut-off bridge's `ERR_ASSISTANT_SILENT`.
 * A bridge put into a tab that has a live one already stays idle: the request reaches the
 * background once, and the page does not take the refusal of a duplicate for its answer.
 */
import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { ackRepeatMs, connectChannel } from '../../protocol/connect';
import { bridgePath } from '../../extension/manifest';
import {
  connect,
  createVault,
  defaultPassphrase,
  installDashboard,
  launchAssistant,
  Scratch,
  sendFrom,
  tickAllAsked,
} from './assistant-fixture';

const scratch = new Scratch();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  await context?.close();
  context = undefined;
  await scratch.cleanup();
});

/** What the page hears from bridges: acknowledgements and outcomes by request id. */
interface Heard {
  acks: Record<string, number>;
  outcomes: { id: string; outcome: { outcome: string; code?: string } }[];
}

interface WorkerGlobals {
  chrome: {
    runtime: { reload(): void };
    tabs: { query(info: object): Promise<{ id?: number; url?: string }[]> };
    scripting: {
      executeScript(injection: {
        target: { tabId: number };
        files?: string[];
        func?: () => unknown;
      }): Promise<{ result?: unknown }[]>;
    };
  };
}

/** Opens the company's page, waits for its connect script and starts listening to the bridges. */
async function openShop(origin: string): Promise<Page> {
  const shop = await context!.newPage();
  await shop.goto(`${origin}/?lang=en`);
  await expect.poll(() => shop.evaluate(() => 'ClearinghouseConnect' in globalThis)).toBe(true);
  await shop.evaluate((channel) => {
    const heard: Heard = { acks: {}, outcomes: [] };
    (window as unknown as { heard: Heard }).heard = heard;
    window.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as {
        channel?: string;
        from?: string;
        type?: string;
        id?: string;
        outcome?: Heard['outcomes'][number]['outcome'];
      };
      if (data?.channel !== channel || data.from !== 'assistant') return;
      if (data.type === 'ack') heard.acks[data.id!] = (heard.acks[data.id!] ?? 0) + 1;
      if (data.type === 'outcome') heard.outcomes.push({ id: data.id!, outcome: data.outcome! });
    });
  }, connectChannel);
  return shop;
}

const heard = (shop: Page) => shop.evaluate(() => (window as unknown as { heard: Heard }).heard);

/** Runs the bridge file in `url`'s tab from the extension's service worker, as the background does. */
function injectBridge(worker: Worker, url: string): Promise<void> {
  return worker.evaluate(
    async ({ url, file }) => {
      const { chrome } = globalThis as unknown as WorkerGlobals;
      const tab = (await chrome.tabs.query({})).find((t) => t.url?.startsWith(url));
      await chrome.scripting.executeScript({ target: { tabId: tab!.id! }, files: [file] });
    },
    { url, file: bridgePath },
  );
}

/**
 * Whether the tab at `origin` has a bridge of `worker`'s extension context: the mark the bridge
 * leaves in the extension's isolated world (extension/content/bridge), which the page cannot read.
 */
function hasBridge(worker: Worker, origin: string): Promise<boolean> {
  return worker.evaluate(async (origin) => {
    const { chrome } = globalThis as unknown as WorkerGlobals;
    const tab = (await chrome.tabs.query({})).find((t) => t.url?.startsWith(origin));
    if (tab?.id === undefined) return false;
    const [result] = await chrome.scripting.executeScript({
      target: { tabId: tab.id },
      func: () =>
        (globalThis as unknown as Record<symbol, unknown>)[
          Symbol.for('consent-assistant.page-bridge')
        ] === true,
    });
    return result?.result === true;
  }, origin);
}

/** Grants in the consent window `consent`; waits for the page's button to show it. */
async function grant(shop: Page, consent: Page): Promise<void> {
  await expect(consent.getByTestId('consent-company')).toContainText('Laufhaus');
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect(shop.locator('#connect')).toHaveAttribute('data-connect-outcome', 'granted', {
    timeout: 15_000,
  });
}

test('a page open across an update reaches the updated Assistant without a reload', async () => {
  const { site } = await scratch.companySite();
  const launched = await launchAssistant(await scratch.tempDir('assistant-update-'), {
    developerMode: true,
  });
  context = launched.context;
  await createVault(await installDashboard(context, launched.id), defaultPassphrase);
  const shop = await openShop(site.origin);

  // The extension reloads from its worker, as an update does; onInstalled says `update`.
  const old = context.serviceWorkers()[0]!;
  await old
    .evaluate(() => (globalThis as unknown as WorkerGlobals).chrome.runtime.reload())
    .catch(() => undefined); // the worker may go before it answers
  const own = `chrome-extension://${launched.id}/`;
  await expect
    .poll(() => context!.serviceWorkers().some((w) => w !== old && w.url().startsWith(own)), {
      timeout: 15_000,
    })
    .toBe(true);
  // The session went with the old context: the customer unlocks the updated Assistant.
  const dashboard = await context.newPage();
  await dashboard.goto(`${own}ui/dashboard/index.html`);
  expect(
    await sendFrom(dashboard, { type: 'vault.unlock', passphrase: defaultPassphrase }),
  ).toMatchObject({
    type: 'vault.status',
    state: 'unlocked',
  });
  // The updated background puts its bridge into the tab a moment after it starts.
  const worker = context.serviceWorkers().find((w) => w !== old && w.url().startsWith(own))!;
  await expect.poll(() => hasBridge(worker, site.origin), { timeout: 15_000 }).toBe(true);

  // The same page, not reloaded: the button reaches the updated Assistant's consent window.
  await grant(shop, await connect(shop));

  // One request, one outcome: the updated Assistant's, never the cut-off bridge's silence.
  await shop.waitForTimeout(ackRepeatMs);
  const { acks, outcomes } = await heard(shop);
  expect(Object.keys(acks)).toHaveLength(1);
  expect(outcomes).toEqual([
    { id: Object.keys(acks)[0], outcome: expect.objectContaining({ outcome: 'granted' }) },
  ]);
});

test('a bridge put into a tab that has a live one stays idle: one window, one outcome', async () => {
  const { site } = await scratch.companySite();
  const launched = await launchAssistant(await scratch.tempDir('assistant-twice-'));
  context = launched.context;
  await createVault(await installDashboard(context, launched.id), defaultPassphrase);
  // The page loads with the manifest's bridge; then the background injects one more, as it does
  // when a tab finished loading between its query of the open tabs and the injection.
  const shop = await openShop(site.origin);
  const worker = context.serviceWorkers()[0]!;
  await expect.poll(() => hasBridge(worker, site.origin)).toBe(true);
  await injectBridge(worker, site.origin);

  const consent = await connect(shop);
  // A second bridge would have passed the request on too, and the background's refusal of the
  // duplicate (ERR_BRIDGE_BUSY) would have been the page's outcome while the customer still reads.
  await shop.waitForTimeout(2_000);
  expect(context.pages().filter((p) => p.url().includes('/ui/consent/'))).toHaveLength(1);
  expect((await heard(shop)).outcomes).toEqual([]);
  await grant(shop, consent);
  await shop.waitForTimeout(ackRepeatMs);
  const { acks, outcomes } = await heard(shop);
  expect(outcomes).toEqual([
    { id: Object.keys(acks)[0], outcome: expect.objectContaining({ outcome: 'granted' }) },
  ]);
});
