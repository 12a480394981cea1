/**
 * What the Assistant specs share: the built chromium-test Assistant in Debian's Chromium (launched,
 * its install dashboard, a vault made by message), the e2e clearinghouse and its client, the
 * reference company site, a grant given on the company's page or in the consent window, the
 * customer's sports profile, grant requests and sealed offers sent as the company's server sends
 * them, and the scratch directories, sites and browsers a test leaves behind. Used by
 * assistant-crash, bridge-flood, bridge-silent, bridge-update, bridge.firefox, consent-channels,
 * disclosure-complaint, me, offers, story (and story-helpers), vault, wallet and xss; banners and
 * gpc take only the clearinghouse's address from it.
 */
import { chromium, expect, type BrowserContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { signCompact } from '../../protocol/jws';
import type { Ed25519KeyPair } from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import type { SiteIdentity } from '../company-site/keys';
import { startCompanySite, type CompanySite, type CompanySiteOptions } from '../company-site/site';

export const extensionDir = fileURLToPath(
  new URL('../../dist/extension/chromium-test/', import.meta.url),
);
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const clearinghouse = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

/** A client of the e2e clearinghouse for what companies and regulators send. */
export const client = createClient({
  baseUrl: clearinghouse,
  fetch: (url, init) => fetch(url, init),
  now: Date.now,
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
});

interface ExtensionPageGlobals {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

/**
 * A page's globals once /connect.js has run in it (portal/lib/connect/browser.ts), typed loosely
 * (protocol/connect's `Connect` is exact) so that a spec can read any outcome's `code`.
 */
export interface ConnectGlobals {
  ClearinghouseConnect: {
    requestConsent(link: string): Promise<{ outcome: string; code?: string }>;
    act(action: unknown): Promise<{ outcome: string; code?: string }>;
  };
}

/** Sends `message` to the Assistant's service worker from one of its pages. */
export function sendFrom(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate(
    (m) => (globalThis as unknown as ExtensionPageGlobals).chrome.runtime.sendMessage(m),
    message,
  );
}

/** The payload of a compact JWS, unverified (to read what a test itself had signed). */
export function payloadOf(jws: string): Record<string, unknown> {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Record<string, unknown>;
}

/** The passphrase the specs' vaults are made with, unless a test needs another. */
export const defaultPassphrase = 'correct horse battery staple';

/** How {@link Scratch.assistant} launches the Assistant and makes its vault. */
export interface AssistantOptions {
  acceptDownloads?: boolean;
  /** Default {@link defaultPassphrase}. */
  passphrase?: string;
  /** Recover the vault from this recovery phrase instead of creating a new identity. */
  phrase?: string;
}

/** A running Assistant: its browser, its extension id and the dashboard it opened on install. */
export interface LaunchedAssistant {
  context: BrowserContext;
  id: string;
  dashboard: Page;
}

/** Scratch directories, company sites and browsers of one test; `cleanup` in `afterEach`. */
export class Scratch {
  private dirs: string[] = [];
  private sites: CompanySite[] = [];
  private contexts: BrowserContext[] = [];

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  /** The reference company site on a free port, against the e2e clearinghouse. */
  async companySite(
    extra: Pick<CompanySiteOptions, 'legalName'> = {},
  ): Promise<{ site: CompanySite; dataDir: string }> {
    const dataDir = await this.tempDir('company-site-');
    const site = await startCompanySite({
      clearinghouseUrl: clearinghouse,
      dataDir,
      port: 0,
      pollIntervalMs: 0,
      webhook: false,
      log: () => {},
      ...extra,
    });
    this.sites.push(site);
    await site.ready();
    return { site, dataDir };
  }

  /**
   * The Assistant in a fresh profile (a directory named after `prefix`), its vault made by
   * {@link createVault} in the dashboard it opened on install. Its browser is closed by `cleanup`,
   * also when the set-up fails half way.
   */
  async assistant(prefix: string, options: AssistantOptions = {}): Promise<LaunchedAssistant> {
    const { passphrase = defaultPassphrase, phrase, ...launch } = options;
    const { context, id } = await launchAssistant(await this.tempDir(prefix), launch);
    this.contexts.push(context);
    const dashboard = await installDashboard(context, id);
    await createVault(dashboard, passphrase, { phrase });
    return { context, id, dashboard };
  }

  async cleanup(): Promise<void> {
    for (const context of this.contexts) await context.close();
    this.contexts = [];
    for (const site of this.sites) await site.stop();
    this.sites = [];
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
    this.dirs = [];
  }
}

/**
 * Chromium with the Assistant on `profileDir`, and the extension's id. With `developerMode` the
 * profile has the extensions page's developer mode on: without it, Chromium leaves an unpacked
 * extension disabled after `chrome.runtime.reload()` (which bridge-silent relies on), with it the
 * extension comes back as after an update (bridge-update).
 */
export async function launchAssistant(
  profileDir: string,
  options: { acceptDownloads?: boolean; developerMode?: boolean } = {},
): Promise<{ context: BrowserContext; id: string }> {
  const { developerMode = false, ...launch } = options;
  if (developerMode) {
    await mkdir(join(profileDir, 'Default'), { recursive: true });
    await writeFile(
      join(profileDir, 'Default', 'Preferences'),
      JSON.stringify({ extensions: { ui: { developer_mode: true } } }),
    );
  }
  const context = await chromium.launchPersistentContext(profileDir, {
    headless: true,
    executablePath: chromiumPath,
    locale: 'en-US',
    ...launch,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const id = /^chrome-extension:\/\/([a-p]{32})\//.exec(worker.url())?.[1];
  if (id === undefined) throw new Error(`unexpected service worker URL ${worker.url()}`);
  return { context, id };
}

/** The dashboard the Assistant opens on install, once it asks for a new passphrase. */
export async function installDashboard(context: BrowserContext, id: string): Promise<Page> {
  const url = `chrome-extension://${id}/ui/dashboard/index.html`;
  await expect
    .poll(() => context.pages().some((p) => p.url() === url), { timeout: 15_000 })
    .toBe(true);
  const dashboard = context.pages().find((p) => p.url() === url)!;
  await expect(dashboard.getByTestId('new-passphrase')).toBeVisible({ timeout: 15_000 });
  return dashboard;
}

/**
 * Creates the vault (or, with `phrase`, recovers it), points the Assistant at the e2e
 * clearinghouse in English, pins its log key.
 */
export function createVault(
  page: Page,
  passphrase: string,
  options: { phrase?: string } = {},
): Promise<void> {
  return createVaultThrough((message) => sendFrom(page, message), passphrase, options);
}

/**
 * {@link createVault} through any browser's message function (`send` posts one message from an
 * extension page and resolves with the answer), so Firefox's puppeteer pages set up as Chromium's
 * Playwright ones do; `timeout` bounds the wait for the log key to be pinned (Playwright's default
 * poll timeout if not given).
 */
export async function createVaultThrough(
  send: (message: unknown) => Promise<unknown>,
  passphrase: string,
  options: { timeout?: number; phrase?: string } = {},
): Promise<void> {
  const { timeout, phrase } = options;
  const useE2eClearinghouse = async () => {
    const { settings } = (await send({ type: 'settings.get' })) as {
      settings: Record<string, unknown>;
    };
    await send({
      type: 'settings.set',
      settings: { ...settings, language: 'en', clearinghouseUrl: clearinghouse },
    });
  };
  if (phrase === undefined) {
    expect(await send({ type: 'vault.create', passphrase })).toMatchObject({
      type: 'vault.created',
    });
  } else {
    // A recovery asks the clearinghouse of the settings for the identity's relationships.
    await useE2eClearinghouse();
    expect(await send({ type: 'vault.recover', phrase, passphrase })).toMatchObject({
      type: 'vault.recovered',
    });
  }
  // Its owner wrote the recovery phrase down (else the dashboard shows it first); a recovered
  // vault has nothing to confirm, which the request answers the same.
  expect(await send({ type: 'vault.phrase-confirmed' })).toEqual({ type: 'ok' });
  if (phrase === undefined) await useE2eClearinghouse();
  await expect
    .poll(
      async () => ((await send({ type: 'settings.check-log-key' })) as { outcome: string }).outcome,
      { timeout },
    )
    .toMatch(/^(pinned|same)$/);
}

/**
 * The customer the specs use: manual mode, interested in sports, newsletters and e-mail, no quiet
 * hours; `changes` complete or override it (quiet hours, say).
 */
export async function setSportsProfile(
  page: Page,
  changes: Record<string, unknown> = {},
): Promise<void> {
  const { profile, revision } = (await sendFrom(page, { type: 'profile.get' })) as {
    profile: Record<string, unknown>;
    revision: string;
  };
  expect(
    await sendFrom(page, {
      type: 'profile.set',
      revision,
      profile: {
        ...profile,
        language: 'en',
        mode: 'manual',
        interests: [{ category: 'sports', weight: 1 }],
        channels: { allowed: ['newsletter', 'email'], preferred: 'newsletter' },
        quiet: { timeZone: 'UTC', windows: [] },
        ...changes,
      },
    }),
  ).toMatchObject({ type: 'profile' });
}

type GrantRequest = Payload<'grant-request'>;

/**
 * A stored grant request of `company`, open to every customer or, with `aud`, sent to that
 * pseudonym only; its link.
 */
export async function createGrantRequest(
  company: SiteIdentity,
  request: Pick<GrantRequest, 'scopes' | 'reason' | 'incentive'> & { aud?: string },
): Promise<string> {
  const { aud, ...body } = request;
  const audience = aud ?? (await clearinghouseOrigin());
  const iat = Math.floor(Date.now() / 1000);
  const stored = await client.createGrantRequest(
    await signMessage(
      'grant-request',
      {
        v: 1,
        iss: company.companyId,
        aud: audience,
        iat,
        exp: iat + 300,
        jti: crypto.randomUUID(),
        ...body,
      },
      company.keyPair,
    ),
  );
  return stored.link;
}

/** The origin the e2e clearinghouse names itself by: the `aud` of what is addressed to it. */
async function clearinghouseOrigin(): Promise<string> {
  const response = await fetch(`${clearinghouse}/.well-known/clearinghouse.json`);
  return ((await response.json()) as { origin: string }).origin;
}

/** A stored grant request of `company` for product-launch newsletters; its link. */
export function createNewsletterRequest(
  company: SiteIdentity,
  options: {
    maxContactsPerWeek: number;
    reason?: GrantRequest['reason'];
    incentive?: GrantRequest['incentive'];
  },
): Promise<string> {
  return createGrantRequest(company, {
    scopes: [
      {
        purpose: 'product_launch',
        channels: ['newsletter'],
        dataCategories: ['preferences_habits'],
        conditions: { timeZone: 'UTC', maxContactsPerWeek: options.maxContactsPerWeek },
        retentionDays: 365,
        onwardRecipients: [],
      },
    ],
    ...(options.incentive === undefined ? {} : { incentive: options.incentive }),
    reason: options.reason ?? { de: 'Neuigkeiten', en: 'News' },
  });
}

/** Clicks the connect button of a company's page; the consent window the Assistant opens. */
export async function connect(shop: Page): Promise<Page> {
  const opened = shop.context().waitForEvent('page', {
    predicate: (p) => p.url().includes('/ui/consent/'),
  });
  await shop.locator('#connect').click();
  const consent = await opened;
  await consent.waitForLoadState();
  return consent;
}

/**
 * Ticks in the open consent window every purpose and channel asked, and every "allow … in my
 * profile" box then shown: what the window once pre-ticked. It now ticks only what the profile
 * already allows, and never a change to the profile (extension/core/wallet `initialChoice`;
 * a fresh profile allows no channel), so a spec that grants everything ticks it first.
 */
export async function tickAllAsked(consent: Page): Promise<void> {
  await expect(consent.getByTestId('consent-company')).toBeVisible();
  for (const box of await consent.locator('input[data-testid$="-include"]').all())
    await box.check();
  for (const box of await consent.locator('input[data-testid*="-channel-"]').all())
    await box.check();
  for (const box of await consent.locator('input[data-testid^="consent-allow-"]').all())
    await box.check();
}

/** Grants the site's open request from its page in `context`, as a customer does; the pseudonym. */
export async function grantOn(context: BrowserContext, site: CompanySite): Promise<string> {
  const shop = await context.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  const consent = await connect(shop);
  await tickAllAsked(consent);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect.poll(async () => (await site.pollOnce(), site.relay.customers.size)).toBe(1);
  await shop.close();
  return [...site.relay.customers.keys()][0]!;
}

/** The consent window for the request behind `link`, opened as a link pasted into `dashboard` is. */
export async function openConsent(dashboard: Page, link: string): Promise<Page> {
  const { ticket } = (await sendFrom(dashboard, { type: 'wallet.open-link', link })) as {
    ticket: string;
  };
  const consent = await dashboard.context().newPage();
  await consent.goto(new URL(`/ui/consent/index.html?ticket=${ticket}`, dashboard.url()).href);
  return consent;
}

/** The pseudonym and the grant of the first relationship the Assistant on `page` holds. */
export async function firstGrant(
  page: Page,
): Promise<{ pseudonym: string; grant: { sha256: string; jws: string } }> {
  const listing = (await sendFrom(page, { type: 'relationships.list', refresh: false })) as {
    items: { pseudonym: string; grants: { sha256: string; jws: string }[] }[];
  };
  return { pseudonym: listing.items[0]!.pseudonym, grant: listing.items[0]!.grants[0]! };
}

/**
 * Sends an offer through the relay as the company's server does: the content signed, sealed to
 * the pseudonym's key, wrapped in the signed outer `offer` (product launch, newsletter, valid a
 * week). `content` completes or overrides a running-shoe offer, and the fields named in `drop` are
 * left out of it (an offer without an unsubscribe route, say). Returns the relay's offer id.
 */
export async function sendOffer(
  company: { id: string; keyPair: Ed25519KeyPair },
  to: { pseudonym: string; publicKey: Uint8Array; grantSha256: string },
  content: Record<string, unknown>,
  drop: readonly string[] = [],
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims = () => ({
    v: 1,
    iss: company.id,
    aud: to.pseudonym,
    iat,
    exp: iat + 7 * 86_400,
    jti: crypto.randomUUID(),
  });
  const routing = {
    grantSha256: to.grantSha256,
    purpose: 'product_launch' as const,
    channel: 'newsletter' as const,
    validUntil: iat + 7 * 86_400,
  };
  const payload: Record<string, unknown> = {
    ...claims(),
    ...routing,
    brand: 'Laufhaus',
    category: 'sports/running',
    title: 'Neue Laufschuhe',
    body: 'Die neuen Modelle sind da.',
    advertisement: true,
    unsubscribe: 'https://laufhaus.example/abmelden',
    ...content,
  };
  for (const field of drop) delete payload[field];
  const inner = await signCompact({
    kind: 'offer-content',
    payload,
    keyPair: company.keyPair,
  } as Parameters<typeof signCompact>[0]);
  const outer = await signMessage(
    'offer',
    {
      ...claims(),
      ...routing,
      sealed: base64urlEncode(sealTo(to.publicKey, inner)),
    } as Payload<'offer'>,
    company.keyPair,
  );
  return (await client.sendOffer(outer)).id;
}

/** {@link sendOffer} for the reference company site's key to the pseudonym of `grant`. */
export function sendSealedOffer(
  company: SiteIdentity,
  to: { pseudonym: string; grant: { sha256: string; jws: string } },
  content: Record<string, unknown>,
  drop: readonly string[] = [],
): Promise<string> {
  const publicKey = base64urlDecode((payloadOf(to.grant.jws).pseudonymKey as { x: string }).x);
  return sendOffer(
    { id: company.companyId, keyPair: company.keyPair },
    { pseudonym: to.pseudonym, publicKey, grantSha256: to.grant.sha256 },
    content,
    drop,
  );
}
