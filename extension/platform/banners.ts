/**
 * Cookie banners in the browser (issue 11): the thin adapter over `scripting`, `tabs` and (in
 * Chromium) `webNavigation` that the background's banner handling uses. Injects autoconsent into a
 * tab's top frame, runs autoconsent's own bundled evaluation snippets and the TC string read in the
 * page's MAIN world, and follows completed top-frame loads for the gpc.json check.
 */
import { evalSnippets } from '@duckduckgo/autoconsent';
import browser from 'webextension-polyfill';
import { buildTarget } from '../build';
import type { AutoconsentRule } from '../core/banner-rules';
import type { SessionCell } from '../core/ports';
import { browserFamily } from '../target';

/** autoconsent's content script, relative to the extension root. */
export const autoconsentScriptPath = 'content/autoconsent.js';

/**
 * Injects autoconsent into `tabId`'s top frame.
 *
 * @example
 * ```ts
 * await injectAutoconsent(sender.tabId);
 * ```
 */
export async function injectAutoconsent(tabId: number): Promise<void> {
  await browser.scripting.executeScript({
    target: { tabId, frameIds: [0] },
    files: [autoconsentScriptPath],
  });
}

/** True when `id` names one of autoconsent's bundled snippets. */
export function isEvalSnippet(id: string): id is keyof typeof evalSnippets {
  return Object.prototype.hasOwnProperty.call(evalSnippets, id);
}

/**
 * Runs autoconsent's snippet `id` in the page's MAIN world of `tabId`'s top frame; its truthiness.
 *
 * @example
 * ```ts
 * await evalInPage(tabId, 'EVAL_COOKIEBOT_1') // true
 * ```
 */
export async function evalInPage(tabId: number, id: keyof typeof evalSnippets): Promise<boolean> {
  const [result] = await browser.scripting.executeScript({
    target: { tabId, frameIds: [0] },
    world: 'MAIN',
    func: evalSnippets[id] as () => unknown,
  });
  return Boolean(result?.result);
}

/**
 * Asks the page's `__tcfapi` for its TC string (TCF v2 `getTCData`); null when the page has no
 * TCF API or it does not answer within a second. Runs in the page's MAIN world: the answer is the
 * page's and is parsed as untrusted input (extension/core/tcf).
 *
 * @example
 * ```ts
 * const tcString = await readTcString(tabId);
 * ```
 */
export async function readTcString(tabId: number): Promise<string | null> {
  const [result] = await browser.scripting.executeScript({
    target: { tabId, frameIds: [0] },
    world: 'MAIN',
    func: () =>
      new Promise<string | null>((resolve) => {
        const api = (window as unknown as { __tcfapi?: unknown }).__tcfapi;
        if (typeof api !== 'function') return resolve(null);
        const timer = setTimeout(() => resolve(null), 1000);
        try {
          (api as (c: string, v: number, cb: (d: unknown, ok: boolean) => void) => void)(
            'getTCData',
            2,
            (data, ok) => {
              clearTimeout(timer);
              const tc = (data as { tcString?: unknown } | null)?.tcString;
              resolve(ok && typeof tc === 'string' ? tc.slice(0, 8193) : null);
            },
          );
        } catch (_e) {
          clearTimeout(timer);
          resolve(null);
        }
      }),
  });
  const value: unknown = result?.result;
  return typeof value === 'string' ? value : null;
}

/**
 * Calls `listener` with the URL of every http(s) top-frame page that finished loading (the gpc.json
 * check). Register at the top level of the background.
 *
 * Chromium: `webNavigation.onCompleted` with a URL filter, so the browser itself drops every other
 * event and the service worker is woken once per page, after its load; `tabs.onUpdated` would wake
 * it at the start of every navigation (status `loading`) and again for each title or favicon
 * change, while the page loads (docs/performance.md "Page cost"). Firefox keeps `tabs.onUpdated`
 * with its own filter (status changes only): there `webNavigation` would add an install warning
 * of its own, while Chromium's all-sites warning already covers it.
 *
 * @example
 * ```ts
 * onPageLoaded((url) => service.checkGpcSupport(url));
 * ```
 */
export function onPageLoaded(listener: (url: string) => void): void {
  const isWeb = (url: unknown): url is string =>
    typeof url === 'string' && (url.startsWith('http://') || url.startsWith('https://'));
  if (browserFamily(buildTarget) === 'chromium') {
    browser.webNavigation.onCompleted.addListener(
      (details) => {
        if (details.frameId === 0 && isWeb(details.url)) listener(details.url);
      },
      { url: [{ schemes: ['http', 'https'] }] },
    );
    return;
  }
  browser.tabs.onUpdated.addListener(
    (_tabId, change, tab) => {
      if (change.status === 'complete' && isWeb(tab.url)) listener(tab.url);
    },
    { properties: ['status'] },
  );
}

/**
 * Reads `url` without cookies (`/.well-known/gpc.json`): its status and at most `maxBytes` of its
 * body, or null when there is no answer within 5 seconds.
 *
 * @example
 * ```ts
 * const answer = await fetchSmall('https://shop.example/.well-known/gpc.json', 4096);
 * ```
 */
export async function fetchSmall(
  url: string,
  maxBytes: number,
): Promise<{ status: number; body: string } | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const response = await fetch(url, {
      credentials: 'omit',
      redirect: 'follow',
      signal: controller.signal,
      headers: { accept: 'application/json' },
    });
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader !== undefined) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        break;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(Math.min(size, maxBytes + 1));
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c.subarray(0, bytes.length - offset), offset);
      offset += c.length;
    }
    const body = size > maxBytes ? 'x'.repeat(maxBytes + 1) : new TextDecoder().decode(bytes);
    return { status: response.status, body };
  } catch (_e) {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** autoconsent's JSON rules as the build copies them, relative to the extension root. */
export const autoconsentRulesPath = 'rules/autoconsent-rules.json';

/**
 * Loads autoconsent's JSON rules from the extension's own files (kept out of the background
 * bundle: most pages never need them, and a service worker starts faster without them).
 *
 * @example
 * ```ts
 * const rules = await loadAutoconsentRules();
 * ```
 */
export async function loadAutoconsentRules(): Promise<AutoconsentRule[]> {
  const response = await fetch(browser.runtime.getURL(autoconsentRulesPath));
  const body = (await response.json()) as { autoconsent?: unknown };
  if (!Array.isArray(body.autoconsent)) throw new Error('autoconsent rules are missing');
  return body.autoconsent.filter(
    (r): r is AutoconsentRule =>
      typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string',
  );
}

/**
 * A cell of `storage.session` holding plain JSON (site events and decisions while the vault is
 * locked: memory only, never on disk).
 *
 * @example
 * ```ts
 * const pending = sessionValue('sites.pending');
 * ```
 */
export function sessionValue(name: string): SessionCell<unknown> {
  return {
    async read() {
      return (await browser.storage.session.get(name))[name];
    },
    async write(value) {
      await browser.storage.session.set({ [name]: value });
    },
  };
}
