/**
 * Fixtures of the whole-story spec (story.spec.ts) and the console specs that need a company
 * registered through the console itself: the registration in the browser (its key offered once
 * as a file), the reference company site run with that very key (so the company's own page asks
 * for consent), and an offer signed and sealed with the company key exactly as
 * test/company-site/relay.ts does (with the content under test's control, e.g. a missing
 * advertisement label). The Assistant itself comes from assistant-fixture.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { base64urlDecode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import { keyPairFromSeed, type Ed25519KeyPair } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import { sendOffer as sendOfferAs } from './assistant-fixture';

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
  // The key is made by the page's script: a form sent before hydration goes out without
  // JavaScript and is refused as such (seen on a loaded machine).
  await page.waitForLoadState('networkidle');
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

/** The fixture's {@link sendOfferAs} with the story company's brand and unsubscribe route. */
export function sendOffer(
  company: { id: string; keyPair: Ed25519KeyPair },
  to: { pseudonym: string; publicKey: Uint8Array; grantSha256: string },
  content: Record<string, unknown>,
): Promise<string> {
  return sendOfferAs(company, to, {
    brand: 'Story',
    unsubscribe: 'https://story.example/abmelden',
    ...content,
  });
}
