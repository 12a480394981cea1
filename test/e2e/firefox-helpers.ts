/**
 * Driving the Assistant's Firefox build in Debian's firefox-esr through WebDriver BiDi with
 * puppeteer-core (used by vault.firefox.spec.ts).
 *
 * BiDi reports moz-extension:// tabs as about:blank, and a `goto` to such a URL navigates but
 * never resolves, so the tests use the tab the Assistant opens itself on install and tell pages
 * apart by evaluating `location.href` in them. Every wait is on a condition, never a sleep.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { geckoId } from '../../extension/manifest';

export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const extensionDir = fileURLToPath(new URL('../../dist/extension/firefox/', import.meta.url));
/** Fixed moz-extension UUID, so the pages' origin is known in advance. */
export const uuid = '3b7f2a4e-0c1d-4e5f-9a8b-7c6d5e4f3a2b';
export const dashboardUrl = `moz-extension://${uuid}/ui/dashboard/index.html`;
export const PASS = 'correct horse battery staple';
/** The shipped Argon2id cost (64 MiB, 3 passes) runs in these builds: waits after it are long. */
export const SLOW = 60_000;
const WAIT = 30_000;

/** One Firefox with its own profile directory and the Assistant installed. */
export interface Firefox {
  readonly dir: string;
  readonly browser: Browser;
}

interface ExtensionPageGlobals {
  browser: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
}

/**
 * Launches firefox-esr on a fresh profile directory and installs the built Firefox extension as a
 * temporary add-on. The caller disposes of it with {@link closeFirefox}.
 */
export async function launchFirefox(prefs: Record<string, unknown> = {}): Promise<Firefox> {
  const dir = await mkdtemp(join(tmpdir(), 'assistant-e2e-firefox-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: firefoxPath,
      headless: true,
      userDataDir: dir,
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        'intl.accept_languages': 'en-US',
        ...prefs,
      },
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const firefox = { dir, browser };
  try {
    const id = await browser.installExtension(extensionDir);
    if (id !== geckoId) throw new Error(`installed add-on id ${id}, expected ${geckoId}`);
  } catch (e) {
    await closeFirefox(firefox);
    throw e;
  }
  return firefox;
}

/** Closes the browser (even if it no longer answers) and removes its profile directory. */
export async function closeFirefox(firefox: Firefox | undefined): Promise<void> {
  if (firefox === undefined) return;
  try {
    await firefox.browser.close();
  } catch (_e) {
    firefox.browser.process()?.kill('SIGKILL');
  }
  await rm(firefox.dir, { recursive: true, force: true });
}

/** The dashboard tab, which the Assistant opens by itself on install. */
export async function dashboardPage(browser: Browser): Promise<Page> {
  return extensionPage(
    browser,
    (href) => href === dashboardUrl,
    'its dashboard after installation',
  );
}

/**
 * The first page of the Assistant whose `location.href` passes `matches`, once there is one (a
 * window the Assistant opens itself, such as the consent window).
 */
export async function extensionPage(
  browser: Browser,
  matches: (href: string) => boolean,
  what: string,
): Promise<Page> {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    for (const page of await browser.pages()) {
      const href = await page.evaluate(() => location.href).catch(() => '');
      if (matches(href)) return page;
    }
    // Poll for the tab to appear (BiDi gives no event that names a moz-extension URL).
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Assistant did not open ${what}`);
}

/** The CSS selector of the element with `data-testid` `testId`. */
export function selector(testId: string): string {
  return `[data-testid="${testId}"]`;
}

/** The trimmed text of the element with `testId`, once it is there. */
export async function text(page: Page, testId: string, timeout = WAIT): Promise<string> {
  const handle = await page.waitForSelector(selector(testId), { timeout });
  return (await handle!.evaluate((el) => el.textContent ?? '')).trim();
}

/** Waits until the element `css` exists and its trimmed text is non-empty; returns that text. */
export async function textWhenSet(page: Page, css: string, timeout = WAIT): Promise<string> {
  const handle = await page.waitForFunction(
    (sel) => {
      const value = document.querySelector(sel)?.textContent?.trim() ?? '';
      return value === '' ? false : value;
    },
    { timeout },
    css,
  );
  return (await handle.jsonValue()) as string;
}

/** Waits until the checkbox or radio with `testId` is checked (fails after the timeout). */
export async function waitChecked(page: Page, testId: string): Promise<void> {
  await page.waitForFunction(
    (sel) => (document.querySelector(sel) as HTMLInputElement | null)?.checked === true,
    { timeout: WAIT },
    selector(testId),
  );
}

/** Replaces the value of the input or textarea `testId` by typing `value` into it. */
export async function fill(page: Page, testId: string, value: string): Promise<void> {
  const handle = await page.waitForSelector(selector(testId), { timeout: WAIT });
  await handle!.evaluate((el) => {
    (el as HTMLInputElement).value = '';
  });
  await handle!.type(value);
}

export async function click(page: Page, testId: string): Promise<void> {
  const handle = await page.waitForSelector(selector(testId), { timeout: WAIT });
  await handle!.click();
}

/** Sends a runtime message from the extension page, as the dashboard does. */
export function sendFrom(page: Page, message: unknown): Promise<unknown> {
  return page.evaluate(
    (m) => (globalThis as unknown as ExtensionPageGlobals).browser.runtime.sendMessage(m),
    message,
  );
}

/** Onboarding through the UI: passphrase, the phrase shown once, three words typed back. */
export async function onboard(page: Page): Promise<string[]> {
  await fill(page, 'new-passphrase', PASS);
  await fill(page, 'repeat-passphrase', PASS);
  await click(page, 'create');
  await page.waitForSelector(`${selector('phrase')} li`, { timeout: SLOW });
  const words = await page.$$eval(`${selector('phrase')} li`, (els) =>
    els.map((e) => e.textContent ?? ''),
  );
  const inputs = await page.$$('[data-testid^="confirm-word-"]');
  if (inputs.length !== 3) throw new Error(`${inputs.length} words asked back, expected 3`);
  for (const input of inputs) {
    const id = await input.evaluate((el) => el.getAttribute('data-testid') ?? '');
    await input.type(words[Number(id.replace('confirm-word-', '')) - 1]!);
  }
  await click(page, 'confirm-phrase');
  await page.waitForSelector(selector('nav-profile'), { timeout: WAIT });
  return words;
}

/** Unlocks the vault through the unlock form. */
export async function unlock(page: Page, passphrase = PASS): Promise<void> {
  await fill(page, 'unlock-passphrase', passphrase);
  await click(page, 'unlock');
}

/**
 * Makes the dashboard's "export backup" hand over the file instead of downloading it: the next
 * click of a download link resolves `globalThis.__backup` with the file's name and text.
 */
export async function captureNextDownload(page: Page): Promise<void> {
  await page.evaluate(() => {
    // `click` is inherited from HTMLElement.prototype: shadow it on anchors, then un-shadow it.
    const proto = HTMLAnchorElement.prototype;
    const inherited = HTMLElement.prototype.click;
    (globalThis as unknown as { __backup: Promise<{ name: string; text: string }> }).__backup =
      new Promise((resolve, reject) => {
        proto.click = function (this: HTMLAnchorElement) {
          if (this.download === '') return inherited.call(this);
          delete (proto as Partial<HTMLAnchorElement>).click;
          fetch(this.href)
            .then((r) => r.text())
            .then((body) => resolve({ name: this.download, text: body }), reject);
        };
      });
  });
}

/** The download captured by {@link captureNextDownload}, once the page has produced it. */
export async function capturedDownload(page: Page): Promise<{ name: string; text: string }> {
  return page.evaluate(
    (timeout) =>
      Promise.race([
        (globalThis as unknown as { __backup: Promise<{ name: string; text: string }> }).__backup,
        new Promise<never>((_resolve, reject) =>
          setTimeout(() => reject(new Error('no download within the time allowed')), timeout),
        ),
      ]),
    WAIT,
  );
}
