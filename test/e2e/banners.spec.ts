/**
 * Cookie banners end to end (issue 11): the chromium-test build of the Assistant in Debian's
 * Chromium, the fixture pages of test/fixtures/ (a Quantcast Choice banner with a TCF API, a page
 * without a banner), the built clearinghouse (playwright.config.ts) and the reference company site
 * for the granted company. Checked: the opt-out and its record with the decoded TC string, a CMP
 * that records consent anyway is flagged, the opt-in on the granted company's site, the page
 * without a banner untouched, the customer's own decision in the dashboard, and a banner answered
 * while the vault is locked recorded at the next unlock.
 */
import { expect, test, type Page } from '@playwright/test';
import { passphrase, siteRecord } from '../fixtures/assistant';
import { OpenWebRun } from '../fixtures/open-web-run';
import { clearinghouse } from './assistant-fixture';

const run = new OpenWebRun();

test.beforeEach(() => run.start());
test.afterEach(() => run.stop());

interface DetectorGlobals {
  detectorStopped?: 'nothing' | 'answered';
}

/**
 * From `page`'s next load on, notes how the banner detector stopped: the test build's events
 * (extension/content/banners.ts), `nothing` after its last check, `answered` once the background
 * answered its report. A property of the page's window, not of its document.
 */
async function listenToDetector(page: Page): Promise<void> {
  await page.addInitScript(() => {
    for (const outcome of ['nothing', 'answered'] as const)
      document.addEventListener(`consent-assistant-test:banners-${outcome}`, () => {
        (globalThis as DetectorGlobals).detectorStopped = outcome;
      });
  });
}

/** How the detector of the page's current load stopped, once it has (see listenToDetector). */
async function detectorStopped(page: Page): Promise<string> {
  const read = () => page.evaluate(() => (globalThis as DetectorGlobals).detectorStopped ?? null);
  await expect.poll(read, { intervals: [100], timeout: 20_000 }).not.toBeNull();
  return (await read())!;
}

/**
 * Whether autoconsent was injected into `page`'s current document: its run-once flag in the
 * Assistant's isolated world (extension/content/autoconsent.ts), read through the DevTools
 * protocol, which lists that world beside the page's own.
 */
async function autoconsentInjected(page: Page): Promise<boolean> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const worlds: number[] = [];
    cdp.on('Runtime.executionContextCreated', ({ context }) => {
      if (context.origin.startsWith('chrome-extension://')) worlds.push(context.id);
    });
    await cdp.send('Runtime.enable'); // reports the contexts that exist now
    expect(worlds.length).toBeGreaterThan(0); // the detector's, at least
    for (const contextId of worlds) {
      const { result } = await cdp.send('Runtime.evaluate', {
        contextId,
        expression: 'globalThis.__consentAssistantBanners === true',
        returnByValue: true,
      });
      if (result.value === true) return true;
    }
    return false;
  } finally {
    await cdp.detach();
  }
}

test('a known banner is opted out, recorded, and its TC string decoded and shown', async () => {
  const assistant = await run.assistant({ vault: true });
  const page = await assistant.context.newPage();
  await page.goto(`${run.fixtures.origin('news.test')}/cmp`);
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'disagree', {
    timeout: 20_000,
  });
  await expect(page.locator('#qc-cmp2-container')).toHaveCount(0);

  const record = await siteRecord(assistant, 'news.test', (r) => r.banner !== null);
  expect(record.banner).toMatchObject({
    platform: 'quantcast',
    action: 'opt-out',
    reason: 'default',
    outcome: 'success',
    tcfError: null,
  });
  expect(record.banner?.tcf).toMatchObject({
    cmpId: 10,
    purposeConsents: [],
    vendorConsents: [],
    flagged: { purposes: [], vendors: [], specialFeatures: [] },
  });

  // The dashboard lists the site with what was done and what the TC string says.
  await assistant.dashboard.getByTestId('nav-sites').click();
  const row = assistant.dashboard.getByTestId('site-news.test');
  await expect(row).toContainText('quantcast');
  await expect(row.getByTestId('site-action')).toContainText(/opted out/i);
  await expect(row.getByTestId('site-tcf')).toContainText(/no consent recorded/i);
});

test('consent a CMP records after "Disagree" is flagged, by purpose and vendor id', async () => {
  const assistant = await run.assistant({ vault: true });
  const page = await assistant.context.newPage();
  await page.goto(`${run.fixtures.origin('careless.test')}/cmp?dishonest=1`);
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'disagree', {
    timeout: 20_000,
  });
  const record = await siteRecord(assistant, 'careless.test', (r) => r.banner !== null);
  expect(record.banner?.tcf).toMatchObject({
    purposeConsents: [1],
    vendorConsents: [755],
    flagged: { purposes: [1], vendors: [755], specialFeatures: [] },
  });
  await assistant.dashboard.getByTestId('nav-sites').click();
  const flag = assistant.dashboard.getByTestId('site-careless.test').getByTestId('site-flagged');
  await expect(flag).toBeVisible();
  await expect(flag).toContainText('755');
  await expect(flag).toContainText(/store and access information on a device/i);
});

test('a page without a banner is left untouched and never reported', async () => {
  const assistant = await run.assistant({ vault: true });
  const page = await assistant.context.newPage();
  await listenToDetector(page);
  await page.goto(`${run.fixtures.origin('plain.test')}/plain`);
  const before = await page.evaluate(() => document.documentElement.outerHTML);
  // The detector looks for 7 s after the page settled (each look at the next idle moment): until
  // it says it stopped, having found nothing and told the background nothing.
  expect(await detectorStopped(page)).toBe('nothing');
  expect(await page.evaluate(() => document.documentElement.outerHTML)).toBe(before);
  expect(await page.evaluate(() => document.querySelectorAll('style').length)).toBe(0);
  const answer = (await assistant.send({ type: 'sites.list' })) as {
    items: { site: string; banner: unknown }[];
  };
  expect(answer.items.find((i) => i.site === 'plain.test')?.banner ?? null).toBeNull();
});

test('on the site of a company granted behavioural web data the banner is accepted', async () => {
  const { assistant } = await run.grantedCompany(clearinghouse);

  const page = await assistant.context.newPage();
  // The fixture server on 127.0.0.1 is the granted company's site (sites ignore ports).
  await page.goto(`${run.fixtures.origin('127.0.0.1')}/cmp`);
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'agree', { timeout: 20_000 });
  const record = await siteRecord(assistant, '127.0.0.1', (r) => r.banner !== null);
  expect(record.banner).toMatchObject({ action: 'opt-in', reason: 'grant', outcome: 'success' });
  expect(record.banner?.tcf?.purposeConsents).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  expect(record.banner?.tcf?.flagged).toEqual({ purposes: [], vendors: [], specialFeatures: [] });

  // Elsewhere it is still "no".
  const other = await assistant.context.newPage();
  await other.goto(`${run.fixtures.origin('news.test')}/cmp`);
  await expect(other.locator('body')).toHaveAttribute('data-answer', 'disagree', {
    timeout: 20_000,
  });
});

test('the customer changes the decision for a site in the dashboard', async () => {
  const assistant = await run.assistant({ vault: true });
  const page = await assistant.context.newPage();
  await listenToDetector(page);
  await page.goto(`${run.fixtures.origin('news.test')}/cmp`);
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'disagree', {
    timeout: 20_000,
  });
  await siteRecord(assistant, 'news.test', (r) => r.banner !== null);

  await assistant.dashboard.getByTestId('nav-sites').click();
  const row = assistant.dashboard.getByTestId('site-news.test');
  await row.getByTestId('site-decision').selectOption('opt-in');
  await expect(row.getByTestId('site-decision')).toHaveValue('opt-in');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'agree', { timeout: 20_000 });
  let record = await siteRecord(assistant, 'news.test', (r) => r.banner?.action === 'opt-in');
  expect(record).toMatchObject({ decision: 'opt-in', banner: { reason: 'customer' } });

  await assistant.dashboard
    .getByTestId('site-news.test')
    .getByTestId('site-decision')
    .selectOption('leave');
  await page.reload();
  await expect(page.locator('#qc-cmp2-ui')).toBeVisible({ timeout: 10_000 });
  record = await siteRecord(assistant, 'news.test', (r) => r.banner?.outcome === 'left-alone');
  expect(record.banner).toMatchObject({ action: 'leave', reason: 'customer' });
  // The background answers the detector only after acting on its report: autoconsent, had it
  // been sent to answer the banner, would be in the page by then.
  expect(await detectorStopped(page)).toBe('answered');
  expect(await autoconsentInjected(page)).toBe(false);
  await expect(page.locator('#qc-cmp2-ui')).toBeVisible();
});

test('while the vault is locked the banner is still answered, and recorded at the next unlock', async () => {
  const assistant = await run.assistant({ vault: true });
  await assistant.send({ type: 'vault.lock' });
  const page = await assistant.context.newPage();
  await page.goto(`${run.fixtures.origin('news.test')}/cmp`);
  await expect(page.locator('body')).toHaveAttribute('data-answer', 'disagree', {
    timeout: 20_000,
  });
  // Read with the TC string 0.5 s after the answer, then kept for the vault: the events waiting
  // for the next unlock (`sites.pending` in storage.session, extension/core/sites).
  const pending = () =>
    assistant.dashboard.evaluate(async () => {
      const { chrome } = globalThis as unknown as {
        chrome: { storage: { session: { get(key: string): Promise<Record<string, unknown>> } } };
      };
      return (await chrome.storage.session.get('sites.pending'))['sites.pending'] ?? [];
    });
  await expect.poll(pending, { intervals: [100] }).toContainEqual(
    expect.objectContaining({
      kind: 'banner',
      site: 'news.test',
      banner: expect.objectContaining({ action: 'opt-out', outcome: 'success' }),
    }),
  );
  expect(await assistant.send({ type: 'sites.list' })).toMatchObject({
    type: 'error',
    code: 'ERR_VAULT_LOCKED',
  });
  await assistant.send({ type: 'vault.unlock', passphrase });
  const record = await siteRecord(assistant, 'news.test', (r) => r.banner !== null);
  expect(record.banner).toMatchObject({ action: 'opt-out', outcome: 'success' });
});
