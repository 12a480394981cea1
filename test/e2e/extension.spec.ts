/**
 * The built Assistant in a real browser: Debian's Chromium loads dist/extension/<target>
 * (built by scripts/build-extension.mjs before the run) as an unpacked extension.
 */
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { geckoId } from '../../extension/manifest';
import { t } from '../../protocol/i18n';
import pkg from '../../package.json' with { type: 'json' };

const distRoot = fileURLToPath(new URL('../../dist/extension/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the page sees of `chrome.*`; declared here because the project has no @types/chrome. */
interface ExtensionPageGlobals {
  chrome: {
    runtime: { sendMessage(message: unknown): Promise<unknown> };
    storage: { local: { get(key: string): Promise<Record<string, unknown>> } };
  };
}

interface LoadedExtension {
  context: BrowserContext;
  id: string;
}

/**
 * Starts Chromium with only the extension in `dir` loaded. `headless: true` is Chromium's new
 * headless mode (the old one, which could not load extensions, is gone from current Chromium).
 */
async function loadExtension(target: string, locale: string): Promise<LoadedExtension> {
  const dir = join(distRoot, target);
  const context = await chromium.launchPersistentContext('', {
    headless: true,
    executablePath: chromiumPath,
    locale,
    args: [`--disable-extensions-except=${dir}`, `--load-extension=${dir}`, '--no-sandbox'],
  });
  // The service worker may already be running before we ask; otherwise wait for it.
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const match = /^chrome-extension:\/\/([a-p]{32})\/background\.js$/.exec(worker.url());
  if (match?.[1] === undefined) throw new Error(`unexpected service worker URL ${worker.url()}`);
  // A fresh install opens the dashboard by itself; wait for it, so that it cannot land in (and
  // interrupt the navigation of) a page a test opens next.
  const dashboard = `chrome-extension://${match[1]}/ui/dashboard/index.html`;
  await expect
    .poll(() => context.pages().some((page) => page.url() === dashboard), { timeout: 15_000 })
    .toBe(true);
  return { context, id: match[1] };
}

async function openPopup({ context, id }: LoadedExtension): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${id}/ui/popup/index.html`);
  return page;
}

/** Sends `message` to the background from an extension page, as the popup would. */
function sendFrom(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate(
    (m) => (globalThis as unknown as ExtensionPageGlobals).chrome.runtime.sendMessage(m),
    message,
  );
}

test.describe('the chromium-test build', () => {
  let extension: LoadedExtension;
  let page: Page;

  test.beforeAll(async () => {
    extension = await loadExtension('chromium-test', 'de-DE');
    page = await openPopup(extension);
  });

  test.afterAll(async () => {
    await extension?.context.close();
  });

  test('the popup shows the product name and the package version in German', async () => {
    await expect(page.getByTestId('title')).toHaveText(t('de', 'common.assistantName'));
    await expect(page.getByTestId('version')).toHaveText(
      t('de', 'extension.popup.version', { version: pkg.version }),
    );
    await expect(page.getByTestId('version')).toContainText(pkg.version);
    await expect(page).toHaveTitle(t('de', 'extension.popup.title'));
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  });

  test('the popup reports the background as running once it answers', async () => {
    await expect(page.getByRole('status')).toHaveAttribute('data-status', 'ready');
    await expect(page.getByRole('status')).toHaveText(t('de', 'extension.popup.status.ready'));
  });

  test('a ping round-trips through the background with the manifest version', async () => {
    const before = Date.now();
    const answer = await sendFrom(page, { type: 'ping' });
    expect(answer).toEqual({ type: 'pong', version: pkg.version, now: expect.any(Number) });
    expect((answer as { now: number }).now).toBeGreaterThanOrEqual(before - 1000);
  });

  test('the background refuses malformed messages with a stable code', async () => {
    const cases = [
      { message: { type: 'ping', extra: true }, code: 'ERR_MESSAGE_INVALID' },
      { message: { type: 'test.clock.set', now: -1 }, code: 'ERR_MESSAGE_INVALID' },
      { message: { type: 'test.clock.set', now: 'tomorrow' }, code: 'ERR_MESSAGE_INVALID' },
      { message: { type: 'unlock-everything' }, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
      { message: { kind: 'ping' }, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
      { message: 'ping', code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    ];
    for (const { message, code } of cases) {
      expect(await sendFrom(page, message), JSON.stringify(message)).toEqual({
        type: 'error',
        code,
      });
    }
  });

  test('the test hook moves the background clock and resets it', async () => {
    const target = Date.UTC(2030, 0, 1);
    try {
      const set = (await sendFrom(page, { type: 'test.clock.set', now: target })) as {
        type: string;
        now: number;
      };
      expect(set.type).toBe('test.clock');
      expect(set.now - target).toBeGreaterThanOrEqual(0);
      expect(set.now - target).toBeLessThan(60_000);
      // The clock runs on from the set instant: later readings are not before it.
      const pong = (await sendFrom(page, { type: 'ping' })) as { now: number };
      expect(pong.now).toBeGreaterThanOrEqual(set.now);
      expect(pong.now - target).toBeLessThan(60_000);
    } finally {
      const reset = (await sendFrom(page, { type: 'test.clock.reset' })) as { now: number };
      expect(Math.abs(reset.now - Date.now())).toBeLessThan(60_000);
    }
  });

  test('installing records the version in storage.local', async () => {
    const read = () =>
      page.evaluate(() =>
        (globalThis as unknown as ExtensionPageGlobals).chrome.storage.local.get('install'),
      );
    await expect
      .poll(async () => (await read()).install)
      .toMatchObject({ reason: 'install', version: pkg.version });
  });
});

test.describe('the shipped chromium build', () => {
  let extension: LoadedExtension;

  test.beforeAll(async () => {
    extension = await loadExtension('chromium', 'en-US');
  });

  test.afterAll(async () => {
    await extension?.context.close();
  });

  test('the popup speaks English to an English browser and answers pings', async () => {
    const page = await openPopup(extension);
    await expect(page.getByTestId('title')).toHaveText(t('en', 'common.assistantName'));
    await expect(page.getByTestId('version')).toHaveText(
      t('en', 'extension.popup.version', { version: pkg.version }),
    );
    await expect(page.getByRole('status')).toHaveAttribute('data-status', 'ready');
    expect(await sendFrom(page, { type: 'ping' })).toMatchObject({
      type: 'pong',
      version: pkg.version,
    });
  });

  test('the clock test hook does not exist: its message is an unknown kind', async () => {
    const page = await openPopup(extension);
    for (const message of [
      { type: 'test.clock.set', now: Date.UTC(2030, 0, 1) },
      { type: 'test.clock.reset' },
    ]) {
      expect(await sendFrom(page, message)).toEqual({
        type: 'error',
        code: 'ERR_MESSAGE_KIND_UNKNOWN',
      });
    }
  });
});

/** Every file of a build, relative to its root. */
async function filesOf(target: string): Promise<string[]> {
  const entries = await readdir(join(distRoot, target), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(join(distRoot, target).length + 1))
    .sort();
}

async function readBuildFile(target: string, file: string): Promise<string> {
  return readFile(join(distRoot, target, file), 'utf8');
}

async function manifestOf(target: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readBuildFile(target, 'manifest.json')) as Record<string, unknown>;
}

test.describe('the build output', () => {
  test('the Firefox manifest declares background scripts and the gecko id', async () => {
    const manifest = await manifestOf('firefox');
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.background).toEqual({ scripts: ['background.js'], type: 'module' });
    expect(manifest.browser_specific_settings).toMatchObject({ gecko: { id: geckoId } });
    const files = await filesOf('firefox');
    expect(files).toContain('background.js');
  });

  test('the Chromium manifests declare a module service worker and no gecko settings', async () => {
    for (const target of ['chromium', 'chromium-test']) {
      const manifest = await manifestOf(target);
      expect(manifest.background).toEqual({ service_worker: 'background.js', type: 'module' });
      expect(manifest).not.toHaveProperty('browser_specific_settings');
      expect(manifest.version).toBe(pkg.version);
    }
  });

  test('every build restricts its pages to its own scripts and ships both locales', async () => {
    for (const target of ['chromium', 'firefox', 'chromium-test']) {
      const manifest = await manifestOf(target);
      expect(manifest.content_security_policy).toEqual({
        extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
      });
      for (const locale of ['de', 'en'] as const) {
        const messages = JSON.parse(
          await readBuildFile(target, `_locales/${locale}/messages.json`),
        );
        expect(messages.extensionName.message).toBe(t(locale, 'common.assistantName'));
      }
      // MV3 forbids inline scripts: every <script> must load a file of the extension.
      const html = await readBuildFile(target, 'ui/popup/index.html');
      for (const [tag] of html.matchAll(/<script\b[^>]*>/g))
        expect(tag).toMatch(/\bsrc="\/[^"]+\.js"/);
      expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    }
  });

  test('the shipped builds contain neither the test hooks nor source maps', async () => {
    // Names only the test-hook code paths use; the chromium-test build must contain them, or this
    // grep would prove nothing.
    const markers = ['test.clock', 'answerTestRequest', 'setTestClock', 'consent-assistant-test:'];
    const scriptsOf = async (target: string) =>
      Promise.all(
        (await filesOf(target))
          .filter((f) => f.endsWith('.js'))
          .map((f) => readBuildFile(target, f)),
      ).then((texts) => texts.join('\n'));

    const testBuild = await scriptsOf('chromium-test');
    for (const marker of markers) expect(testBuild, marker).toContain(marker);

    for (const target of ['chromium', 'firefox']) {
      const shipped = await scriptsOf(target);
      expect(shipped.length).toBeGreaterThan(0);
      for (const marker of markers) expect(shipped, `${target}: ${marker}`).not.toContain(marker);
      expect((await filesOf(target)).filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(shipped).not.toMatch(/sourceMappingURL=data:/);
    }
  });
});
