/**
 * Runtime messaging and lifecycle: the thin adapter over `browser.runtime`. extension/platform/
 * is the only code that imports `webextension-polyfill` (eslint.config.js enforces it), so the
 * rest of the extension can be reasoned about, and tested, without a browser.
 */
import browser from 'webextension-polyfill';
import { isProtocolError } from '../../protocol/errors';
import {
  errorResponseFor,
  parseRequest,
  parseResponse,
  type Request,
  type Response,
  type ResponseFor,
} from '../messages';

/**
 * The version in the installed manifest (generated from package.json by the build).
 *
 * @example
 * ```ts
 * extensionVersion() // '0.1.0'
 * ```
 */
export function extensionVersion(): string {
  return browser.runtime.getManifest().version;
}

/** Why `runtime.onInstalled` fired. */
export interface InstallEvent {
  readonly reason:
    'install' | 'update' | 'browser_update' | 'chrome_update' | 'shared_module_update';
  readonly previousVersion?: string;
}

/**
 * Calls `listener` when the extension is installed or updated. Register it synchronously at the
 * top level of the background script: an MV3 service worker that registers late misses the event.
 *
 * @example
 * ```ts
 * onInstalled(({ reason }) => { if (reason === 'install') void recordInstall(); });
 * ```
 */
export function onInstalled(listener: (event: InstallEvent) => void): void {
  browser.runtime.onInstalled.addListener((details) => {
    listener({
      reason: details.reason,
      ...(details.previousVersion === undefined
        ? {}
        : { previousVersion: details.previousVersion }),
    });
  });
}

/**
 * Who sent a request, from the browser's sender record (never from the message): one of the
 * extension's own pages, or a content script in a web page's top frame.
 */
export type RequestSender =
  | { readonly kind: 'extension' }
  | { readonly kind: 'page'; readonly origin: string; readonly tabId: number };

/** Answers one parsed request; throw a `ProtocolError` to refuse it with that code. */
export type RequestHandler = (
  request: Request,
  sender: RequestSender,
) => Promise<Response> | Response;

/** The sender as the handler sees it, or undefined when it is neither an extension page nor a top frame. */
function senderOf(sender: browser.Runtime.MessageSender): RequestSender | undefined {
  const own = browser.runtime.getURL('');
  if (sender.tab === undefined || (sender.url ?? '').startsWith(own)) return { kind: 'extension' };
  if (sender.tab.id === undefined || sender.frameId !== 0 || sender.url === undefined)
    return undefined;
  let origin: string;
  try {
    origin = new URL(sender.url).origin;
  } catch {
    return undefined;
  }
  if (!origin.startsWith('http://') && !origin.startsWith('https://')) return undefined;
  return { kind: 'page', origin, tabId: sender.tab.id };
}

/**
 * Serves the extension's {@link Request}s in the background. Each incoming message is parsed at
 * this boundary; a malformed one is answered `{type: 'error', code}` without reaching `handler`.
 * Messages from anything but this extension get no answer at all. Returns a function that stops
 * serving.
 *
 * @example
 * ```ts
 * serveRequests((request) => ({ type: 'pong', version: extensionVersion(), now: Date.now() }));
 * ```
 */
export function serveRequests(handler: RequestHandler): () => void {
  const listener = (
    message: unknown,
    sender: browser.Runtime.MessageSender,
  ): Promise<Response> | undefined => {
    // Without `externally_connectable` only our own pages and content scripts can reach us;
    // checking the id anyway keeps that true if the manifest ever opens up.
    if (sender.id !== browser.runtime.id) return undefined;
    const from = senderOf(sender);
    if (from === undefined) return undefined;
    return answer(message, (request) => handler(request, from));
  };
  browser.runtime.onMessage.addListener(listener);
  return () => browser.runtime.onMessage.removeListener(listener);
}

async function answer(
  message: unknown,
  handler: (request: Request) => Promise<Response> | Response,
): Promise<Response> {
  try {
    return await handler(parseRequest(message));
  } catch (e) {
    if (isProtocolError(e)) return errorResponseFor(e.code);
    // Not a refusal but a bug: the sender's promise rejects and the worker's console keeps the stack.
    throw e;
  }
}

/**
 * Sends `request` to the background and returns its parsed answer. A refusal is rethrown as a
 * `ProtocolError` with the background's code; a malformed or mismatched answer throws
 * `ERR_MESSAGE_INVALID`. When no background is listening, the browser's own error propagates.
 *
 * @example
 * ```ts
 * const { version } = await sendRequest({ type: 'ping' });
 * ```
 */
export async function sendRequest<R extends Request>(request: R): Promise<ResponseFor<R>> {
  const answer: unknown = await browser.runtime.sendMessage(request);
  return parseResponse(request, answer);
}

/**
 * Opens the dashboard (the manifest's options page) in a tab, or brings the tab that has it to
 * the front: the browser keeps the options page a single tab (Chromium: a tab of the same URL,
 * its fragment ignored, in the window in front, chrome/browser/ui/singleton_tabs.h; Firefox
 * switches to the tab having it). So the "my data" page's `unlock` opens no second dashboard.
 *
 * @example
 * ```ts
 * button.onclick = () => void openDashboard();
 * ```
 */
export async function openDashboard(): Promise<void> {
  await browser.runtime.openOptionsPage();
}

/** The consent window's page, relative to the extension root. */
export const consentPagePath = 'ui/consent/index.html';

/**
 * Opens the consent window for `ticket`: a small window of its own, so the person sees the
 * Assistant (not the company's page) asking; a tab where windows do not exist (Firefox for Android).
 *
 * @example
 * ```ts
 * await openConsentWindow(ticket);
 * ```
 */
export async function openConsentWindow(ticket: string): Promise<void> {
  await openWindow(
    browser.runtime.getURL(`${consentPagePath}?ticket=${encodeURIComponent(ticket)}`),
  );
}

/**
 * Opens the consent window page for a customer action from the "my data" page (issue 9), which
 * the customer confirms there.
 *
 * @example
 * ```ts
 * await openActionWindow(ticket);
 * ```
 */
export async function openActionWindow(ticket: string): Promise<void> {
  await openWindow(
    browser.runtime.getURL(`${consentPagePath}?action=${encodeURIComponent(ticket)}`),
  );
}

async function openWindow(url: string): Promise<void> {
  if (browser.windows !== undefined) {
    await browser.windows.create({ url, type: 'popup', width: 520, height: 720, focused: true });
  } else {
    await browser.tabs.create({ url });
  }
}
