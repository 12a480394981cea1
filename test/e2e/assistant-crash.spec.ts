/**
 * The Assistant when it is cut off (issue 12, "Crashes"): the chromium-test build of the
 * Assistant in Debian's Chromium, the built clearinghouse and the reference company site.
 * - The service worker is stopped through the DevTools protocol (`ServiceWorker.stopAllWorkers`
 *   from a session on an extension page) while it syncs the inbox and while it sends a grant;
 *   after it restarts nothing is duplicated or lost (every offer once, the grant once, both at the
 *   clearinghouse and in the wallet) and the vault still opens.
 * - The browser is closed while the passphrase is being changed and relaunched on the same
 *   profile directory: the vault opens with one of the two passphrases and every record is there.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ready } from '../../protocol/sodium';
import { loadOrCreateIdentity } from '../company-site/keys';
import {
  createNewsletterRequest,
  createVault as createVaultWith,
  launchAssistant,
  Scratch,
  sendFrom,
  sendSealedOffer,
  setSportsProfile,
  tickAllAsked,
} from './assistant-fixture';

const passphrase = 'correct horse battery staple';
const nextPassphrase = 'a brand new passphrase for the vault';

const scratch = new Scratch();
const tempDir = (prefix: string) => scratch.tempDir(prefix);
const companySite = () => scratch.companySite();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  await context?.close();
  context = undefined;
  await scratch.cleanup();
});

/** Launches Chromium with the Assistant on `profileDir`; the extension id and an extension page. */
async function launch(profileDir: string): Promise<{ id: string; page: Page }> {
  const launched = await launchAssistant(profileDir);
  context = launched.context;
  const page = await context.newPage();
  const popup = `chrome-extension://${launched.id}/ui/popup/index.html`;
  // A fresh install opens its dashboard, sometimes in this very tab: then navigate again.
  await page.goto(popup).catch(async (error: unknown) => {
    if (!String(error).includes('interrupted by another navigation')) throw error;
    await page.waitForLoadState();
    await page.goto(popup);
  });
  return { id: launched.id, page };
}

/**
 * Stops the Assistant's service worker through the DevTools protocol, as Chromium does to an idle
 * worker or when it is killed. A mark left in the running worker tells, after the next message
 * has woken it, that it really is a new one.
 */
async function stopWorker(page: Page): Promise<void> {
  await context!.serviceWorkers()[0]!.evaluate(() => {
    (globalThis as { crashMark?: boolean }).crashMark = true;
  });
  const cdp = await context!.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

/** The worker now running is a new one (see {@link stopWorker}). */
async function expectRestarted(): Promise<void> {
  const marks = await Promise.all(
    context!
      .serviceWorkers()
      .map((w) => w.evaluate(() => (globalThis as { crashMark?: boolean }).crashMark ?? false)),
  );
  expect(marks).toContain(false);
  expect(marks).not.toContain(true);
}

/** Sends `message` and retries while the worker is restarting (the port is gone meanwhile). */
async function sendAfterRestart(page: Page, message: unknown): Promise<unknown> {
  const errors: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return await Promise.race([
        sendFrom(page, message),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no answer in 10 s')), 10_000),
        ),
      ]);
    } catch (e) {
      errors.push(String(e).slice(0, 200));
      if (attempt >= 3) throw new Error(errors.join('\n'));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

const createVault = (page: Page) => createVaultWith(page, passphrase);

type Listing = {
  items: {
    pseudonym: string;
    company: { id: string };
    grants: { sha256: string; jws: string; status: string }[];
  }[];
};

/** The vault opens: locked now, the passphrase unlocks it. */
async function expectVaultOpens(page: Page, phrase: string): Promise<void> {
  await sendAfterRestart(page, { type: 'vault.lock' });
  expect(await sendFrom(page, { type: 'vault.unlock', passphrase: phrase })).toMatchObject({
    type: 'vault.status',
    state: 'unlocked',
  });
  expect(await sendFrom(page, { type: 'vault.damaged' })).toEqual({
    type: 'vault.damaged',
    records: [],
  });
}

test.setTimeout(120_000);

// Issue 12 finding, fixed: a worker stopped after the clearinghouse took the grant but before the
// vault stored it left the company with a grant the wallet never learnt of. The wallet now keeps
// an outbox entry (company, kind, token, request) before it submits and settles it on the next
// refresh (Wallet.resumeOutbox). Whether the stop lands before or after the POST varies; both end
// right. Session 13 (a CI failure): the stopped worker's POST can still arrive after the restart's
// listing, so the wallet may not know of it yet when the customer asks again. Answering the same
// request again therefore sends the earlier answer again (Wallet.answerSentBefore) instead of
// signing a second grant.
test('a worker stopped while it sends a grant: the grant exists once, and the vault opens', async () => {
  const { site } = await companySite();
  const { id, page } = await launch(await tempDir('assistant-crash-'));
  await createVault(page);

  const { ticket } = (await sendFrom(page, {
    type: 'wallet.open-link',
    link: site.requestLink()!,
  })) as { ticket: string };
  const consent = await context!.newPage();
  await consent.goto(`chrome-extension://${id}/ui/consent/index.html?ticket=${ticket}`);
  await expect(consent.getByTestId('consent-grant')).toBeEnabled();
  // A fresh profile allows no channel, so nothing is pre-ticked: everything asked is ticked.
  await tickAllAsked(consent);
  // The grant is signed, posted and stored by the worker; stop it right after the click.
  await consent.getByTestId('consent-grant').click();
  await stopWorker(page);

  // After the restart: the wallet lists at most one grant. (It need not know of one yet: the
  // stopped worker's POST may still be on its way.)
  const listing = (await sendAfterRestart(page, {
    type: 'relationships.list',
    refresh: true,
  })) as Listing;
  await expectRestarted();
  const grants = listing.items.flatMap((r) => r.grants);
  expect(grants.length).toBeLessThan(2);

  // The wallet shows no grant: the customer asks again and grants. Granted, and still one grant
  // whether the first arrived, arrives meanwhile, or never left.
  if (grants.length === 0) {
    const again = (await sendFrom(page, {
      type: 'wallet.open-link',
      link: site.requestLink()!,
    })) as { ticket: string };
    const window = await context!.newPage();
    await window.goto(`chrome-extension://${id}/ui/consent/index.html?ticket=${again.ticket}`);
    await tickAllAsked(window);
    await window.getByTestId('consent-grant').click();
    await expect(window.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  }
  await expect.poll(async () => (await site.pollOnce(), site.relay.customers.size)).toBe(1);
  // The clearinghouse's view of the relationship (a refresh reads it): one grant, active.
  const after = (await sendFrom(page, { type: 'relationships.list', refresh: true })) as Listing;
  expect(after.items).toHaveLength(1);
  expect(after.items[0]!.grants).toHaveLength(1);
  expect(after.items[0]!.grants[0]!.status).toBe('active');

  await expectVaultOpens(page, passphrase);
  expect(
    ((await sendFrom(page, { type: 'relationships.list', refresh: false })) as Listing).items,
  ).toHaveLength(1);
});

test('a worker stopped while it syncs offers: every offer once after the restart', async () => {
  await ready();
  const { dataDir } = await companySite();
  const company = await loadOrCreateIdentity(dataDir);
  const { id, page } = await launch(await tempDir('assistant-crash-'));
  await createVault(page);
  await setSportsProfile(page);

  // A grant for newsletters, up to 50 a week (so the relay's cap stays out of the way).
  const link = await createNewsletterRequest(company, { maxContactsPerWeek: 50 });
  const { ticket } = (await sendFrom(page, {
    type: 'wallet.open-link',
    link,
  })) as { ticket: string };
  const consent = await context!.newPage();
  await consent.goto(`chrome-extension://${id}/ui/consent/index.html?ticket=${ticket}`);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await consent.close();
  const listing = (await sendFrom(page, { type: 'relationships.list', refresh: false })) as Listing;
  const pseudonym = listing.items[0]!.pseudonym;
  const grant = listing.items[0]!.grants[0]!;
  const sendOffer = (n: number) =>
    sendSealedOffer(
      company,
      { pseudonym, grant },
      { title: `Angebot ${n}`, body: 'Die neuen Modelle sind da.' },
    );
  const sent: string[] = [];
  for (let n = 0; n < 12; n++) sent.push(await sendOffer(n));

  type Offers = { items: { offer: { id: string } }[] };
  // The sync starts; the worker is stopped while it runs (the answer never comes).
  void sendFrom(page, { type: 'offers.sync' }).catch(() => undefined);
  await stopWorker(page);

  // After the restart (and another sync): each offer exactly once.
  await expect
    .poll(async () => {
      await sendAfterRestart(page, { type: 'offers.sync' });
      const { items } = (await sendFrom(page, { type: 'offers.list', markSeen: false })) as Offers;
      return items.map((i) => i.offer.id).sort();
    })
    .toEqual([...sent].sort());
  await expectRestarted();
  // Syncing again changes nothing.
  await sendFrom(page, { type: 'offers.sync' });
  const { items } = (await sendFrom(page, { type: 'offers.list', markSeen: false })) as Offers;
  expect(items.map((i) => i.offer.id).sort()).toEqual([...sent].sort());

  await expectVaultOpens(page, passphrase);
  const reopened = (await sendFrom(page, { type: 'offers.list', markSeen: false })) as Offers;
  expect(reopened.items).toHaveLength(sent.length);
});

test('the browser closed during a passphrase change: one of the two opens, every record intact', async () => {
  const { site } = await companySite();
  const profileDir = await tempDir('assistant-crash-');
  let { id, page } = await launch(profileDir);
  await createVault(page);
  // Records to keep: a relationship with its grant, and the profile.
  const { ticket } = (await sendFrom(page, {
    type: 'wallet.open-link',
    link: site.requestLink()!,
  })) as { ticket: string };
  const consent = await context!.newPage();
  await consent.goto(`chrome-extension://${id}/ui/consent/index.html?ticket=${ticket}`);
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await consent.close();
  const before = (await sendFrom(page, { type: 'relationships.list', refresh: false })) as Listing;
  expect(before.items).toHaveLength(1);
  const { profile: profileBefore } = (await sendFrom(page, { type: 'profile.get' })) as {
    profile: unknown;
  };

  // Three crashes at different moments of the change: at once, while Argon2id runs, and late.
  let current = passphrase;
  for (const delayMs of [0, 150, 600]) {
    const other = current === passphrase ? nextPassphrase : passphrase;
    void sendFrom(page, { type: 'vault.change-passphrase', current, next: other }).catch(
      () => undefined,
    );
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    await context!.close();
    context = undefined;

    ({ id, page } = await launch(profileDir));
    const status = (await sendAfterRestart(page, { type: 'vault.status' })) as { state: string };
    expect(['locked', 'unlocked']).toContain(status.state);
    if (status.state === 'unlocked') await sendFrom(page, { type: 'vault.lock' });
    const withCurrent = (await sendFrom(page, { type: 'vault.unlock', passphrase: current })) as {
      state?: string;
      code?: string;
    };
    if (withCurrent.state !== 'unlocked') {
      expect(withCurrent.code).toBe('ERR_VAULT_PASSPHRASE_WRONG');
      expect(await sendFrom(page, { type: 'vault.unlock', passphrase: other })).toMatchObject({
        state: 'unlocked',
      });
      current = other;
    }
    // Every record intact.
    expect(await sendFrom(page, { type: 'vault.damaged' })).toEqual({
      type: 'vault.damaged',
      records: [],
    });
    const after = (await sendFrom(page, { type: 'relationships.list', refresh: false })) as Listing;
    expect(after.items.map((r) => r.grants.map((g) => g.sha256))).toEqual(
      before.items.map((r) => r.grants.map((g) => g.sha256)),
    );
    expect(
      ((await sendFrom(page, { type: 'profile.get' })) as { profile: unknown }).profile,
    ).toEqual(profileBefore);
  }
});
