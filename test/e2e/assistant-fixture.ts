/**
 * What the Assistant specs (assistant-crash, bridge-flood, xss, and story through story-helpers) share: the built chromium-test
 * Assistant in Debian's Chromium, the e2e clearinghouse, the reference company site, and the
 * scratch directories a test leaves behind.
 */
import { chromium, expect, type BrowserContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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

/** Scratch directories and company sites of one test; `cleanup` in `afterEach`. */
export class Scratch {
  private dirs: string[] = [];
  private sites: CompanySite[] = [];

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

  async cleanup(): Promise<void> {
    for (const site of this.sites) await site.stop();
    this.sites = [];
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
    this.dirs = [];
  }
}

/** Chromium with the Assistant on `profileDir`, and the extension's id. */
export async function launchAssistant(
  profileDir: string,
  options: { acceptDownloads?: boolean } = {},
): Promise<{ context: BrowserContext; id: string }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    headless: true,
    executablePath: chromiumPath,
    locale: 'en-US',
    ...options,
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

/** Creates the vault, points the Assistant at the e2e clearinghouse in English, pins its log key. */
export function createVault(page: Page, passphrase: string): Promise<void> {
  return createVaultThrough((message) => sendFrom(page, message), passphrase);
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
  timeout?: number,
): Promise<void> {
  expect(await send({ type: 'vault.create', passphrase })).toMatchObject({
    type: 'vault.created',
  });
  // Its owner wrote the recovery phrase down (else the dashboard shows it first).
  expect(await send({ type: 'vault.phrase-confirmed' })).toEqual({ type: 'ok' });
  const { settings } = (await send({ type: 'settings.get' })) as {
    settings: Record<string, unknown>;
  };
  await send({
    type: 'settings.set',
    settings: { ...settings, language: 'en', clearinghouseUrl: clearinghouse },
  });
  await expect
    .poll(
      async () => ((await send({ type: 'settings.check-log-key' })) as { outcome: string }).outcome,
      { timeout },
    )
    .toMatch(/^(pinned|same)$/);
}

/** The customer the specs use: manual mode, interested in sports, newsletters and e-mail, no quiet hours. */
export async function setSportsProfile(page: Page): Promise<void> {
  const { profile, revision } = (await sendFrom(page, { type: 'profile.get' })) as {
    profile: Record<string, unknown>;
    revision: string;
  };
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
    },
  });
}

/** A stored grant request of `company` for product-launch newsletters; its link. */
export async function createNewsletterRequest(
  company: SiteIdentity,
  options: {
    maxContactsPerWeek: number;
    reason?: Payload<'grant-request'>['reason'];
    incentive?: Payload<'grant-request'>['incentive'];
  },
): Promise<string> {
  const described = (await (
    await fetch(`${clearinghouse}/.well-known/clearinghouse.json`)
  ).json()) as { origin: string };
  const iat = Math.floor(Date.now() / 1000);
  const request = await client.createGrantRequest(
    await signMessage(
      'grant-request',
      {
        v: 1,
        iss: company.companyId,
        aud: described.origin,
        iat,
        exp: iat + 300,
        jti: crypto.randomUUID(),
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
      },
      company.keyPair,
    ),
  );
  return request.link;
}

/**
 * Sends an offer through the relay as the company's server does: the content signed, sealed to
 * the pseudonym's key, wrapped in the signed outer `offer` (product launch, newsletter, valid a
 * week). `content` completes or overrides a running-shoe offer. Returns the relay's offer id.
 */
export async function sendOffer(
  company: { id: string; keyPair: Ed25519KeyPair },
  to: { pseudonym: string; publicKey: Uint8Array; grantSha256: string },
  content: Record<string, unknown>,
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
  const inner = await signCompact({
    kind: 'offer-content',
    payload: {
      ...claims(),
      ...routing,
      brand: 'Laufhaus',
      category: 'sports/running',
      title: 'Neue Laufschuhe',
      body: 'Die neuen Modelle sind da.',
      advertisement: true,
      unsubscribe: 'https://laufhaus.example/abmelden',
      ...content,
    },
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
  content: { title: string; body: string },
): Promise<string> {
  const publicKey = base64urlDecode((payloadOf(to.grant.jws).pseudonymKey as { x: string }).x);
  return sendOffer(
    { id: company.companyId, keyPair: company.keyPair },
    { pseudonym: to.pseudonym, publicKey, grantSha256: to.grant.sha256 },
    content,
  );
}
