/**
 * The page bridge and the grant wallet end to end (issue 7): the chromium-test build of the
 * Assistant in Debian's Chromium, the built clearinghouse (playwright.config.ts, port 3100) and
 * the reference company site started here. The company's page loads /connect.js; its button hands
 * the open grant request to the Assistant, whose consent window narrows and grants it; the grant
 * reaches the company's feed, its receipt is verified against the pinned log key; a revocation is
 * acknowledged; a refusal's cool-down holds; another origin and another company are refused.
 * Then the rest of issue 7: a locked Assistant asks for the passphrase in the consent window; a
 * request link pasted into the dashboard opens the window; one purpose of a grant is revoked and
 * acknowledged; data requests are answered (access with the disclosure, erasure confirmed) and a
 * changed disclosure is flagged.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { loadOrCreateIdentity } from '../company-site/keys';
import type { CompanySite } from '../company-site/site';
import {
  clearinghouse,
  connect,
  createGrantRequest,
  defaultPassphrase,
  grantOn,
  payloadOf,
  Scratch,
  sendFrom,
  tickAllAsked,
  type ConnectGlobals,
} from './assistant-fixture';

const scratch = new Scratch();
/** Each site's data directory (its key file), by origin. */
const siteDirs = new Map<string, string>();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  context = undefined;
  await scratch.cleanup();
});

async function companySite(): Promise<CompanySite> {
  const { site, dataDir } = await scratch.companySite();
  siteDirs.set(site.origin, dataDir);
  return site;
}

/**
 * A second open grant request of the site's company, signed with its key, asking for two
 * purposes (the site's own asks for one), so one of them can be revoked on its own; with
 * `pseudonym`, targeted at it (sent to its inbox view).
 */
async function twoPurposeRequest(site: CompanySite, pseudonym?: string): Promise<string> {
  return createGrantRequest(await loadOrCreateIdentity(siteDirs.get(site.origin)!), {
    aud: pseudonym,
    scopes: [
      {
        purpose: 'product_launch',
        channels: ['newsletter'],
        dataCategories: ['preferences_habits'],
        conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 1 },
        retentionDays: 365,
        onwardRecipients: [],
      },
      {
        purpose: 'service_support',
        channels: ['email'],
        dataCategories: [],
        conditions: { timeZone: 'Europe/Berlin' },
        retentionDays: 30,
        onwardRecipients: [],
      },
    ],
    reason: { de: 'Neuigkeiten und Service', en: 'News and service' },
  });
}

/** A fresh profile with the Assistant, its vault created and the test clearinghouse's log key pinned. */
async function assistant(): Promise<{ dashboard: Page; id: string }> {
  const launched = await scratch.assistant('assistant-wallet-');
  context = launched.context;
  const { dashboard, id } = launched;
  await dashboard.reload();
  await expect(dashboard.getByTestId('nav-relationships')).toBeVisible();
  return { dashboard, id };
}

test('a request from the company page is narrowed, granted, receipted, revoked and acknowledged', async () => {
  const site = await companySite();
  const { dashboard } = await assistant();
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);

  const consent = await connect(shop);
  await expect(consent.getByTestId('consent-company')).toContainText('Laufhaus');
  // Only channels the profile allows are ticked, and a fresh profile allows none: the customer
  // ticks the purpose and the newsletter only (not e-mail), once a week.
  await expect(consent.getByTestId('scope-0-include')).not.toBeChecked();
  await expect(consent.getByTestId('scope-0-channel-email')).not.toBeChecked();
  await consent.getByTestId('scope-0-include').check();
  await consent.getByTestId('scope-0-channel-newsletter').check();
  await consent.getByTestId('scope-0-frequency').fill('1');
  await consent.getByTestId('scope-0-frequency').blur();
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');

  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'granted');
  await expect(shop.locator('#connect')).toHaveAttribute('data-connect-outcome', 'granted');

  // The grant, exactly as narrowed, is in the company's feed.
  await expect
    .poll(async () => (await site.pollOnce(), site.events.filter((e) => e.kind === 'grant').length))
    .toBe(1);
  const grant = payloadOf(site.events.find((e) => e.kind === 'grant')!.jws);
  expect(grant.scopes).toEqual([
    expect.objectContaining({
      purpose: 'product_launch',
      channels: ['newsletter'],
      conditions: expect.objectContaining({ maxContactsPerWeek: 1 }),
    }),
  ]);
  expect(grant.preferredChannel).toBe('newsletter');

  // The receipt was verified against the pinned log key and stored with the relationship.
  const listing = (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
    items: { receipts: { kind: string; sha256: string }[]; grants: { sha256: string }[] }[];
  };
  expect(listing.items).toHaveLength(1);
  expect(listing.items[0]!.receipts).toEqual([
    expect.objectContaining({ kind: 'grant', sha256: listing.items[0]!.grants[0]!.sha256 }),
  ]);

  // Revoke everything from the dashboard: one click and a confirmation.
  await dashboard.getByTestId('nav-relationships').click();
  await expect(dashboard.getByTestId('receipts')).toHaveAttribute('data-count', '1');
  await dashboard.getByTestId('revoke-all').click();
  await dashboard.getByTestId('revoke-confirm').click();
  await expect(dashboard.getByTestId('grant')).toHaveAttribute('data-status', 'revoked');
  await expect(dashboard.getByTestId('revocation')).toHaveAttribute('data-acknowledged', 'false');
  // The company reads its feed and acknowledges; the Assistant shows it.
  await expect.poll(async () => (await site.pollOnce(), site.acknowledged.length)).toBe(1);
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('revocation')).toHaveAttribute('data-acknowledged', 'true');
});

test('a refusal with "ask me again after" holds the next request back', async () => {
  const site = await companySite();
  await assistant();
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);

  const consent = await connect(shop);
  await consent.getByTestId('consent-ask-days').fill('7');
  await consent.getByTestId('consent-refuse-later').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'refused');
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'refused');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.map((e) => e.kind)))
    .toEqual(['refusal']);

  // The bridge asks the background every second whether the window was answered, and stops at
  // the first answer that is not "not yet" (extension/content/bridge.ts): its polls are counted
  // in the service worker, beside the Assistant's own listener.
  const worker = context!.serviceWorkers()[0]!;
  await worker.evaluate(() => {
    const scope = globalThis as unknown as {
      bridgePolls: number;
      chrome: { runtime: { onMessage: { addListener(f: (message: unknown) => void): void } } };
    };
    scope.bridgePolls = 0;
    scope.chrome.runtime.onMessage.addListener((message) => {
      if ((message as { type?: unknown } | null)?.type === 'bridge.poll') scope.bridgePolls++;
    });
  });
  const polls = () =>
    worker.evaluate(() => (globalThis as unknown as { bridgePolls: number }).bridgePolls);

  // Asked again inside the cool-down: the Assistant declines it in a window that tells the
  // customer why, and the page learns only "cancelled" once that window is closed, as after any
  // window closed without an answer (a page told "ask again later" at once would learn that this
  // visitor refused it, without the visitor doing anything).
  const before = new Set(context!.pages());
  const answer = shop.evaluate(
    (link) => (globalThis as unknown as ConnectGlobals).ClearinghouseConnect.requestConsent(link),
    site.requestLink()!,
  );
  let again: Page | undefined;
  await expect
    .poll(() => {
      again = context!.pages().find((p) => !before.has(p) && p.url().includes('/ui/consent/'));
      return again !== undefined;
    })
    .toBe(true);
  await expect(again!.getByTestId('consent-declined')).toHaveAttribute(
    'data-reason',
    'askAgainLater',
  );
  let settled = false;
  void answer.then(() => (settled = true));
  // Two more polls: the second is sent only because the first, made after the window said why,
  // was answered "not yet", so the page was told nothing when the window declined.
  const seen = await polls();
  await expect.poll(polls, { intervals: [100], timeout: 10_000 }).toBeGreaterThanOrEqual(seen + 2);
  expect(settled).toBe(false);
  await again!.getByTestId('consent-close').click();
  expect(await answer).toEqual({ outcome: 'cancelled' });
});

test('"Decide later" and Escape leave a request unanswered: the page hears "cancelled", the company nothing', async () => {
  const site = await companySite();
  await assistant();
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);

  // By the button, reached with Tab from the last answer.
  let consent = await connect(shop);
  await expect(consent.getByTestId('consent-later-hint')).toContainText('did not decide now');
  await consent.getByTestId('consent-refuse-later').focus();
  await consent.keyboard.press('Tab');
  await expect(consent.getByTestId('consent-later')).toBeFocused();
  const closed = consent.waitForEvent('close');
  // Key down only: the window closes on it, before a key up could reach it.
  await consent.keyboard.down('Enter');
  await closed;
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'cancelled');
  await expect(shop.locator('#connect-outcome')).toHaveText(
    'You have not decided yet; you can open the request again at any time.',
  );

  // By Escape, from a number field (Escape has no use there). The first outcome is cleared, so
  // the one awaited below is this request's.
  await shop.locator('#connect-outcome').evaluate((status) => delete status.dataset.outcome);
  consent = await connect(shop);
  // The purpose starts unticked (a fresh profile allows no channel), its fields disabled.
  await consent.getByTestId('consent-days').focus();
  const escaped = consent.waitForEvent('close');
  await consent.keyboard.down('Escape');
  await escaped;
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'cancelled');

  // Neither was an answer: the next request opens the window again, and the grant given there is
  // the first and only thing the company hears.
  consent = await connect(shop);
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.map((e) => e.kind)))
    .toEqual(['grant']);
});

test('the bridge refuses a page on another origin and a request of another company', async () => {
  const site = await companySite();
  const other = await companySite();
  await assistant();
  const ask = (page: Page, link: string) =>
    page.evaluate(
      (l) => (globalThis as unknown as ConnectGlobals).ClearinghouseConnect.requestConsent(l),
      link,
    );

  // The same page, served from 127.0.0.1 instead of the registered localhost origin.
  const elsewhere = await context!.newPage();
  await elsewhere.goto(site.origin.replace('localhost', '127.0.0.1') + '/?lang=en');
  await expect
    .poll(() => elsewhere.evaluate(() => 'ClearinghouseConnect' in globalThis))
    .toBe(true);
  expect(await ask(elsewhere, site.requestLink()!)).toEqual({
    outcome: 'error',
    code: 'ERR_BRIDGE_ORIGIN_MISMATCH',
  });

  // The company's own page asking for another company's request.
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  await expect.poll(() => shop.evaluate(() => 'ClearinghouseConnect' in globalThis)).toBe(true);
  expect(await ask(shop, other.requestLink()!)).toEqual({
    outcome: 'error',
    code: 'ERR_BRIDGE_ORIGIN_MISMATCH',
  });
  expect(context!.pages().some((p) => p.url().includes('/ui/consent/'))).toBe(false);
  expect(site.events).toEqual([]);
});

test('without the Assistant the page offers the install link', async ({ page }) => {
  const site = await companySite();
  await page.goto(`${site.origin}/?lang=en`);
  await page.locator('#connect').click();
  await expect(page.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'no-assistant');
  await expect(page.locator('#connect')).toHaveAttribute('href', `${clearinghouse}/`);
});

test('from the relationships view: access requested and answered, a correction applied', async () => {
  const site = await companySite();
  const { dashboard } = await assistant();
  const pseudonym = await grantOn(context!, site);

  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('request-access').click();
  await expect(dashboard.getByTestId('data-request')).toHaveAttribute('data-answered', 'false');
  // The company answers from its feed (a disclosure and the answer, test/company-site/obligations.ts).
  await expect
    .poll(async () => {
      await site.pollOnce();
      await dashboard.getByTestId('relationships-refresh').click();
      return dashboard.getByTestId('data-request').getAttribute('data-answered');
    })
    .toBe('true');

  await dashboard.getByTestId('correct-category').selectOption('preferences_habits');
  await dashboard.getByTestId('correct-value').fill('trail running, twice a week');
  await dashboard.getByTestId('correct-send').click();
  await expect(dashboard.getByTestId('correct-notice')).toContainText('1');
  await expect
    .poll(async () => {
      await site.relay.pollCorrections();
      return site.relay.customers.get(pseudonym)?.data.preferences_habits;
    })
    .toBe('trail running, twice a week');
});

test('a locked Assistant asks for the passphrase in the consent window, then carries on', async () => {
  const site = await companySite();
  const { dashboard } = await assistant();
  expect(await sendFrom(dashboard, { type: 'vault.lock' })).toMatchObject({ state: 'locked' });
  const ask = (page: Page, link: string) =>
    page.evaluate(
      (l) => (globalThis as unknown as ConnectGlobals).ClearinghouseConnect.requestConsent(l),
      link,
    );

  // A page on the wrong origin is refused before anyone is asked for a passphrase.
  const elsewhere = await context!.newPage();
  await elsewhere.goto(site.origin.replace('localhost', '127.0.0.1') + '/?lang=en');
  await expect
    .poll(() => elsewhere.evaluate(() => 'ClearinghouseConnect' in globalThis))
    .toBe(true);
  expect(await ask(elsewhere, site.requestLink()!)).toEqual({
    outcome: 'error',
    code: 'ERR_BRIDGE_ORIGIN_MISMATCH',
  });
  expect(context!.pages().some((p) => p.url().includes('/ui/consent/'))).toBe(false);

  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  const consent = await connect(shop);
  await expect(consent.getByTestId('consent-locked')).toBeVisible();
  await expect(consent.getByTestId('consent-company')).toHaveCount(0);
  await consent.getByTestId('unlock-passphrase').fill('wrong passphrase');
  await consent.getByTestId('unlock').click();
  await expect(consent.getByTestId('unlock-error')).toBeVisible();
  await consent.getByTestId('unlock-passphrase').fill(defaultPassphrase);
  await consent.getByTestId('unlock').click();
  await expect(consent.getByTestId('consent-company')).toContainText('Laufhaus');
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.map((e) => e.kind)))
    .toEqual(['grant']);
});

test('a pasted request link opens the consent window; one purpose is revoked and acknowledged', async () => {
  const site = await companySite();
  const { dashboard, id } = await assistant();
  const link = await twoPurposeRequest(site);

  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('request-link').fill(link);
  await dashboard.getByTestId('request-link').press('Enter');
  await expect(dashboard).toHaveURL(
    /\/ui\/consent\/index\.html\?ticket=[0-9a-f]{32}&from=dashboard$/,
  );
  await expect(dashboard.getByTestId('consent-company')).toContainText('Laufhaus');
  // A fresh profile allows no channel: nothing is pre-ticked; the customer ticks both purposes.
  await expect(dashboard.getByTestId('scope-1-include')).not.toBeChecked();
  await tickAllAsked(dashboard);
  await dashboard.getByTestId('consent-grant').click();
  await expect(dashboard.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.filter((e) => e.kind === 'grant').length))
    .toBe(1);
  const grantEvent = site.events.find((e) => e.kind === 'grant')!;
  expect((payloadOf(grantEvent.jws).scopes as { purpose: string }[]).map((s) => s.purpose)).toEqual(
    ['product_launch', 'service_support'],
  );

  // Opened in the dashboard's tab, the page leads back to the relationships, not away.
  await expect(dashboard.getByTestId('consent-result-close')).toHaveText('Back to the overview');
  await dashboard.getByTestId('consent-result-close').click();
  await expect(dashboard).toHaveURL(
    `chrome-extension://${id}/ui/dashboard/index.html?section=relationships`,
  );
  await expect(dashboard.getByTestId('request-link')).toBeVisible();
  await dashboard.getByTestId('revoke-service_support').click();
  await dashboard.getByTestId('revoke-confirm').click();
  await expect(dashboard.getByTestId('revocation')).toHaveAttribute('data-acknowledged', 'false');
  // Only that purpose: the grant stays active for the other one.
  await expect(dashboard.getByTestId('grant')).toHaveAttribute('data-status', 'active');
  await expect(dashboard.getByTestId('revoke-service_support')).toHaveCount(0);
  await expect(dashboard.getByTestId('revoke-product_launch')).toBeVisible();
  await expect.poll(async () => (await site.pollOnce(), site.acknowledged.length)).toBe(1);
  const revocation = site.events.find((e) => e.kind === 'revocation')!;
  expect(payloadOf(revocation.jws).grants).toEqual([
    { grantSha256: grantEvent.sha256, purposes: ['service_support'] },
  ]);
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('revocation')).toHaveAttribute('data-acknowledged', 'true');
  await expect(dashboard.getByTestId('receipts')).toHaveAttribute('data-count', '2');
});

test('a targeted request to the pseudonym is listed in the relationships view and answered there', async () => {
  const site = await companySite();
  const { dashboard, id } = await assistant();
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('request-link').fill(await twoPurposeRequest(site));
  await dashboard.getByTestId('request-link').press('Enter');
  await tickAllAsked(dashboard);
  await dashboard.getByTestId('consent-grant').click();
  await expect(dashboard.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.filter((e) => e.kind === 'grant').length))
    .toBe(1);
  const pseudonym = payloadOf(site.events.find((e) => e.kind === 'grant')!.jws).iss as string;

  // The company asks this pseudonym directly: the request reaches no page, only the Assistant.
  await twoPurposeRequest(site, pseudonym);
  await dashboard.goto(`chrome-extension://${id}/ui/dashboard/index.html`);
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('targeted-request')).toHaveCount(1);
  await dashboard.getByTestId('targeted-request').getByRole('button').click();
  await expect(dashboard).toHaveURL(
    /\/ui\/consent\/index\.html\?ticket=[0-9a-f]{32}&from=dashboard$/,
  );
  await expect(dashboard.getByTestId('consent-company')).toContainText('Laufhaus');
  await tickAllAsked(dashboard);
  await dashboard.getByTestId('consent-grant').click();
  await expect(dashboard.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.events.filter((e) => e.kind === 'grant').length))
    .toBe(2);

  // Answered: no longer waiting.
  await dashboard.goto(`chrome-extension://${id}/ui/dashboard/index.html`);
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('grant')).toHaveCount(2);
  await expect(dashboard.getByTestId('targeted-request')).toHaveCount(0);
});

test('data requests answered: access with the disclosure, erasure confirmed; a changed disclosure is flagged', async () => {
  const site = await companySite();
  const { dashboard } = await assistant();
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  const consent = await connect(shop);
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toEqual(['disclosure']);
  const pseudonym = [...site.relay.customers.keys()][0]!;

  // The disclosure sent on the grant: verified, its holdings shown.
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('disclosure-current')).toBeVisible();
  await expect(dashboard.getByTestId('holding')).toHaveAttribute(
    'data-category',
    'preferences_habits',
  );
  await expect(dashboard.getByTestId('disclosure-changed')).toHaveCount(0);

  // Something to disclose and to erase: a correction the company applies.
  await dashboard.getByTestId('correct-category').selectOption('preferences_habits');
  await dashboard.getByTestId('correct-value').fill('trail running');
  await dashboard.getByTestId('correct-send').click();
  await expect
    .poll(async () => {
      await site.relay.pollCorrections();
      return site.relay.customers.get(pseudonym)?.data.preferences_habits;
    })
    .toBe('trail running');

  // The company answers on its next poll and the Assistant shows it after a refresh: both take a
  // few round trips, so allow more than expect's default 5 s on a loaded machine.
  const refreshUntil = async (test: () => Promise<string | null>, expected: string) =>
    expect
      .poll(
        async () => {
          await site.pollOnce();
          await dashboard.getByTestId('relationships-refresh').click();
          return test();
        },
        { timeout: 30_000 },
      )
      .toBe(expected);

  // Access: answered with a fresh disclosure, whose sealed export opens with the pairwise key.
  await dashboard.getByTestId('request-access').click();
  const access = dashboard.getByTestId('data-request').nth(0);
  await refreshUntil(() => access.getAttribute('data-outcome'), 'disclosure');
  await expect(access).toContainText('answered with the disclosure of');
  await expect(access.getByTestId('holding')).toHaveAttribute(
    'data-category',
    'preferences_habits',
  );
  await expect(access.getByTestId('disclosure-export')).toContainText('trail running');

  // Erasure: irreversible, so one click only asks; Escape takes it back and sends nothing.
  await dashboard.getByTestId('request-erasure').click();
  await expect(dashboard.getByTestId('erasure-confirmation')).toBeVisible();
  await dashboard.keyboard.press('Escape');
  await expect(dashboard.getByTestId('erasure-confirmation')).toBeHidden();
  await expect(dashboard.getByTestId('request-erasure')).toBeFocused();
  await expect(dashboard.getByTestId('data-request')).toHaveCount(1);
  // Confirmed: sent, answered with what was erased.
  await dashboard.getByTestId('request-erasure').click();
  await dashboard.getByTestId('request-erasure-confirm').click();
  const erasure = dashboard.getByTestId('data-request').nth(1);
  await refreshUntil(() => erasure.getAttribute('data-outcome'), 'erased');
  await expect(erasure).toContainText('Preferences and habits');
  expect(site.relay.customers.get(pseudonym)?.data).toEqual({});

  // The company now says it holds an address: the newest disclosure supersedes, flagged, and no
  // longer lists what it confirmed as erased.
  site.relay.customers.get(pseudonym)!.data.address = 'Hauptstraße 1';
  await site.obligations.disclose(pseudonym);
  await dashboard.getByTestId('relationships-refresh').click();
  await expect(dashboard.getByTestId('disclosure-changed')).toContainText(
    'Address and contact details',
  );
  const holdings = dashboard.getByTestId('disclosures').getByTestId('holding');
  await expect(holdings).toHaveCount(1);
  await expect(holdings).toHaveAttribute('data-category', 'address');
  await expect(dashboard.getByTestId('disclosure-current')).toContainText('older');
  await expect(dashboard.getByTestId('data-request').nth(0)).toHaveAttribute(
    'data-overdue',
    'false',
  );
});
