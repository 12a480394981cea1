/**
 * Fixtures of the whole-story spec (story.spec.ts) and the console specs that need a company
 * registered through the console itself: the registration in the browser (its key offered once
 * as a file), the reference company site run with that very key (so the company's own page asks
 * for consent), the Assistant in a fresh Chromium profile, and an offer signed and sealed with
 * the company key exactly as test/company-site/relay.ts does (with the content under test's
 * control, e.g. a missing advertisement label).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, expect, type BrowserContext, type Page } from '@playwright/test';
import { createClient } from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import { signCompact } from '../../protocol/jws';
import { keyPairFromSeed, type Ed25519KeyPair } from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';

export const clearinghouse = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
const extensionDir = fileURLToPath(new URL('../../dist/extension/chromium-test/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The clearinghouse's API as a company's server uses it. */
export const apiClient = createClient({
  baseUrl: clearinghouse,
  fetch: (url, init) => fetch(url, init),
  now: Date.now,
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
});

/** Fails on any serious or critical axe-core violation, listing them. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(severe, `axe violations on ${page.url()}`).toEqual([]);
}

/** A free loopback port: the company's domain must be named before its site listens. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The key file the console offers once: a private Ed25519 JWK. */
export interface ConsoleKeyFile {
  text: string;
  jwk: { kty: string; crv: string; x: string; d: string; kid: string };
  keyPair: Ed25519KeyPair;
}

/**
 * Registers a company on `/company/register` in `page` (key generated in the browser), takes the
 * key file it offers once and the first staff link. The domain proof is not checked yet.
 */
export async function registerInConsole(
  page: Page,
  company: { legalName: string; domain: string },
): Promise<{ companyId: string; key: ConsoleKeyFile; staffLink: string }> {
  await ready();
  await page.goto('/company/register');
  await page.getByLabel(t('en', 'portal.console.register.legalName')).fill(company.legalName);
  await page.getByLabel(t('en', 'portal.console.register.registerId')).fill('HRB 1234, Köln');
  await page.getByLabel(t('en', 'portal.console.register.domain')).fill(company.domain);
  await page.getByLabel(t('en', 'portal.console.register.email')).fill('privacy@story.example');
  await page.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await page.getByRole('button', { name: t('en', 'portal.console.register.submit') }).click();
  const companyId = (await page.getByTestId('company-id').innerText()).trim();
  expect(companyId).toMatch(/^co_[A-Za-z0-9_-]{43}$/);
  const download = page.waitForEvent('download');
  await page.getByTestId('key-download').click();
  const text = readFileSync(await (await download).path(), 'utf8');
  const jwk = JSON.parse(text) as ConsoleKeyFile['jwk'];
  expect(`co_${jwk.kid}`).toBe(companyId);
  const staffLink = await page.getByTestId('staff-link').getAttribute('href');
  expect(staffLink).toMatch(/\/enroll\//);
  return {
    companyId,
    key: { text, jwk, keyPair: keyPairFromSeed(base64urlDecode(jwk.d)) },
    staffLink: staffLink!,
  };
}

/** Loads the company key file into the console page (it stays in the page's memory only). */
export async function loadKeyFile(page: Page, key: ConsoleKeyFile): Promise<void> {
  await page.getByTestId('key-file').setInputFiles({
    name: 'company-key.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(key.text),
  });
  await expect(page.getByTestId('key-loaded')).toHaveText(
    t('en', 'portal.console.key.loaded', { kid: key.jwk.kid }),
  );
}

/**
 * Puts the console's key into a company-site data directory (test/company-site/keys.ts keeps the
 * 32-byte seed, which is the JWK's `d`), and, when given, the open request the site's page shows.
 */
export function prepareSiteData(
  dataDir: string,
  key: ConsoleKeyFile,
  request?: { link: string; sha256: string },
): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dataDir, 'company-key.json'),
    `${JSON.stringify({ v: 1, seed: key.jwk.d, createdAt: new Date().toISOString() })}\n`,
    { mode: 0o600 },
  );
  if (request !== undefined) {
    writeFileSync(
      join(dataDir, 'state.json'),
      `${JSON.stringify({ cursor: '0', requestLink: request.link, requestSha256: request.sha256 })}\n`,
    );
  }
}

interface ExtensionPageGlobals {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

/** A message to the Assistant's background, from one of its pages. */
export function sendFrom(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate(
    (m) => (globalThis as unknown as ExtensionPageGlobals).chrome.runtime.sendMessage(m),
    message,
  );
}

/** The Assistant in a fresh profile: vault created, the test clearinghouse's log key pinned. */
export async function launchAssistant(
  profileDir: string,
): Promise<{ context: BrowserContext; dashboard: Page; id: string }> {
  const context = await chromium.launchPersistentContext(profileDir, {
    headless: true,
    executablePath: chromiumPath,
    locale: 'en-US',
    acceptDownloads: true,
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
    .poll(() => context.pages().some((p) => p.url() === url), { timeout: 15_000 })
    .toBe(true);
  const dashboard = context.pages().find((p) => p.url() === url)!;
  await expect(dashboard.getByTestId('new-passphrase')).toBeVisible();
  expect(
    await sendFrom(dashboard, { type: 'vault.create', passphrase: 'correct horse battery staple' }),
  ).toMatchObject({ type: 'vault.created' });
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
  return { context, dashboard, id };
}

/** The payload of a compact JWS, unverified (for reading what a test itself received). */
export function payloadOf(jws: string): Record<string, unknown> {
  return JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as Record<string, unknown>;
}

/**
 * Sends an offer through the relay as the company's server does: the content signed, sealed to
 * the pseudonym's key, wrapped in the signed outer `offer`. Returns the relay's offer id.
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
      brand: 'Story',
      category: 'sports/running',
      title: 'Neue Laufschuhe',
      body: 'Die neuen Modelle sind da.',
      advertisement: true,
      unsubscribe: 'https://story.example/abmelden',
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
  return (await apiClient.sendOffer(outer)).id;
}
