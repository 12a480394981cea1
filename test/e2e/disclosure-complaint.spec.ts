/**
 * The customer's complaint about a disclosure, end to end: the chromium-test build of the
 * Assistant in Debian's Chromium, the built clearinghouse (playwright.config.ts) and the
 * reference company site, which discloses what it holds once the customer grants on its page.
 * In the relationships view the customer complains about the verified disclosure by keyboard,
 * with reasons fitting a disclosure and a comment; the Assistant signs the complaint with the
 * pairwise key, the signed disclosure as evidence, and submits it through the complaint drafts'
 * one path. The clearinghouse takes it (its evidence verified as of the disclosure's `iat`) and
 * logs it; the view says it was sent; the complaint is listed where the customer's complaints
 * are (the offers view's "Complaints", the clearinghouse's "my data" page, the pseudonym's
 * complaints the clearinghouse lists); a second one about the same disclosure is refused.
 */
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ApiProblem, createClient } from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import { startCompanySite, type CompanySite } from '../company-site/site';

const extensionDir = fileURLToPath(new URL('../../dist/extension/chromium-test/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const clearinghouse = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

interface ExtensionPageGlobals {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

let dirs: string[] = [];
let sites: CompanySite[] = [];
let context: BrowserContext | undefined;

test.afterEach(async () => {
  await context?.close();
  context = undefined;
  for (const site of sites) await site.stop();
  sites = [];
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function sendFrom(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate(
    (m) => (globalThis as unknown as ExtensionPageGlobals).chrome.runtime.sendMessage(m),
    message,
  );
}

function payloadOf(jws: string): Record<string, unknown> {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Record<string, unknown>;
}

const client = createClient({
  baseUrl: clearinghouse,
  fetch: (url, init) => fetch(url, init),
  now: Date.now,
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
});

/** The reference company site, which discloses what it holds on every new grant. */
async function companySite(): Promise<CompanySite> {
  const site = await startCompanySite({
    clearinghouseUrl: clearinghouse,
    dataDir: await tempDir('company-site-'),
    port: 0,
    pollIntervalMs: 0,
    webhook: false,
    log: () => {},
  });
  sites.push(site);
  await site.ready();
  return site;
}

/** A fresh Assistant in English: vault created, the test clearinghouse's log key pinned. */
async function assistant(): Promise<Page> {
  context = await chromium.launchPersistentContext(await tempDir('assistant-disclosure-'), {
    headless: true,
    executablePath: chromiumPath,
    locale: 'en-US',
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const id = /^chrome-extension:\/\/([a-p]{32})\//.exec(worker.url())?.[1];
  if (id === undefined) throw new Error(`unexpected service worker URL ${worker.url()}`);
  const url = `chrome-extension://${id}/ui/dashboard/index.html`;
  await expect
    .poll(() => context!.pages().some((p) => p.url() === url), { timeout: 15_000 })
    .toBe(true);
  const dashboard = context.pages().find((p) => p.url() === url)!;
  // The first answer of a fresh service worker can take a while on a loaded machine.
  await expect(dashboard.getByTestId('new-passphrase')).toBeVisible({ timeout: 15_000 });
  expect(
    await sendFrom(dashboard, { type: 'vault.create', passphrase: 'correct horse battery staple' }),
  ).toMatchObject({ type: 'vault.created' });
  await sendFrom(dashboard, { type: 'vault.phrase-confirmed' });
  const { settings } = (await sendFrom(dashboard, { type: 'settings.get' })) as {
    settings: Record<string, unknown>;
  };
  await sendFrom(dashboard, {
    type: 'settings.set',
    settings: { ...settings, language: 'en', clearinghouseUrl: clearinghouse },
  });
  await expect
    .poll(
      async () =>
        ((await sendFrom(dashboard, { type: 'settings.check-log-key' })) as { outcome: string })
          .outcome,
    )
    .toMatch(/^(pinned|same)$/);
  await dashboard.reload();
  await expect(dashboard.getByTestId('nav-relationships')).toBeVisible();
  return dashboard;
}

/** Grants the site's open request from its own page, as a customer does; the pseudonym. */
async function grantOn(site: CompanySite): Promise<string> {
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  const opened = context!.waitForEvent('page', {
    predicate: (p) => p.url().includes('/ui/consent/index.html?ticket='),
  });
  await shop.locator('#connect').click();
  const consent = await opened;
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect.poll(async () => (await site.pollOnce(), site.relay.customers.size)).toBe(1);
  await shop.close();
  return [...site.relay.customers.keys()][0]!;
}

interface Listing {
  items: {
    pseudonym: string;
    company: { id: string };
    disclosures: { sha256: string; jws: string }[];
    complaints: { sha256: string; reasons: string[]; decision: unknown }[];
  }[];
  disclosureComplaints?: {
    id: string;
    about?: string;
    state: string;
    reasons: string[];
    sha256?: string;
  }[];
}

test('a complaint about a disclosure is signed with it as evidence, logged by the clearinghouse, listed with the others, and not sent twice', async () => {
  // Three parties and a log receipt: more than the 60 s default on a loaded machine.
  test.setTimeout(120_000);
  const site = await companySite();
  const dashboard = await assistant();
  const pseudonym = await grantOn(site);
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('disclosure');
  const disclosed = site.obligations.done.find((d) => d.kind === 'disclosure')!;
  const { legalName } = (
    (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
      items: { pseudonym: string; company: { legalName: string } }[];
    }
  ).items.find((r) => r.pseudonym === pseudonym)!.company;

  // The disclosure sent on the grant, verified and shown with a "Complain" of its own.
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('relationships-refresh').click();
  const current = dashboard.getByTestId('disclosure-current');
  await expect(current).toHaveAttribute('data-sha256', disclosed.sha256);
  const complain = dashboard.getByTestId('disclosure-complain');
  await expect(complain).toHaveAccessibleName(/Complain about the disclosure of .+: .+/);

  // By keyboard: the form opens with the focus on its first reason.
  await complain.focus();
  await dashboard.keyboard.press('Enter');
  const form = dashboard.getByTestId('disclosure-complain-form');
  await expect(form).toBeVisible();
  await expect(dashboard.getByTestId('disclosure-complain-reason-not_covered')).toBeFocused();
  await dashboard.keyboard.press('Space');
  await dashboard.getByTestId('disclosure-complain-reason-other').check();
  await dashboard
    .getByTestId('disclosure-complain-comment')
    .fill('I never gave this company my address, and ten years is far too long to keep it.');
  await dashboard.getByTestId('disclosure-complain-send').click();

  // Sent: the view says so and the note replaces the button.
  const note = dashboard.getByTestId('disclosure-complained');
  await expect(note).toHaveAttribute('data-state', 'submitted');
  await expect(note).toBeFocused();
  await expect(dashboard.getByTestId('relationships-notice')).toHaveText(
    t('en', 'extension.relationships.complain.done', { company: legalName }),
  );
  await expect(form).toBeHidden();
  await expect(complain).toBeHidden();

  // What the Assistant keeps of it: submitted, with the clearinghouse's hash.
  const listing = (await sendFrom(dashboard, {
    type: 'relationships.list',
    refresh: false,
  })) as Listing;
  expect(listing.disclosureComplaints).toEqual([
    expect.objectContaining({
      id: disclosed.sha256,
      about: 'disclosure',
      state: 'submitted',
      reasons: ['not_covered', 'other'],
    }),
  ]);
  const sha256 = listing.disclosureComplaints![0]!.sha256!;

  // The clearinghouse took it and logged it: its log receipt is served.
  await expect
    .poll(async () => {
      try {
        return typeof ((await client.logReceipt(sha256, 2)) as { index?: unknown }).index;
      } catch (e) {
        return e instanceof ApiProblem ? e.code : String(e);
      }
    })
    .toBe('number');
  // And lists it as the pseudonym's open complaint, with its reasons.
  await dashboard.getByTestId('relationships-refresh').click();
  await expect
    .poll(async () =>
      ((await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as Listing).items
        .find((r) => r.pseudonym === pseudonym)
        ?.complaints.map((c) => [c.sha256, c.reasons, c.decision]),
    )
    .toEqual([[sha256, ['not_covered', 'other'], null]]);
  const relationship = listing.items.find((r) => r.pseudonym === pseudonym)!;
  const evidence = relationship.disclosures.find((d) => d.sha256 === disclosed.sha256)!.jws;
  expect(payloadOf(evidence)).toMatchObject({ iss: site.companyId, aud: pseudonym });

  // Listed with the customer's other complaints: the offers view's "Complaints".
  await dashboard.getByTestId('nav-offers').click();
  await dashboard.getByTestId('offers-tab-complaints').click();
  const listed = dashboard.locator(`[data-testid="complaint"][data-id="${disclosed.sha256}"]`);
  await expect(listed).toHaveAttribute('data-state', 'submitted');
  await expect(listed.getByTestId('complaint-about-disclosure')).toBeVisible();
  await expect(listed.getByTestId('complaint-submitted')).toContainText(sha256.slice(0, 12));

  // And on the clearinghouse's "my data" page, as open.
  const me = await context!.newPage();
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-fresh', 'true', {
    timeout: 20_000,
  });
  const complaint = me
    .locator(`[data-testid="me-row"][data-company="${site.companyId}"]`)
    .getByTestId('me-complaint');
  await expect(complaint).toHaveCount(1);
  await expect(complaint).toHaveAttribute('data-state', 'open');
  await me.close();

  // One complaint per disclosure: a second is refused before anything is signed or sent.
  expect(
    await sendFrom(dashboard, {
      type: 'relationships.complain',
      company: site.companyId,
      disclosure: disclosed.sha256,
      reasons: ['misleading'],
    }),
  ).toEqual({ type: 'error', code: 'ERR_COMPLAINT_DUPLICATE' });
  expect(
    (
      (await sendFrom(dashboard, { type: 'relationships.list', refresh: true })) as Listing
    ).items.find((r) => r.pseudonym === pseudonym)!.complaints,
  ).toHaveLength(1);
});
