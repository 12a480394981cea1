/**
 * The bridge content script's one channel to the background, without webextension-polyfill or
 * the message schemas: the script runs on every page the customer visits, so it stays small
 * (STYLE habit 12). Chromium's MV3 `chrome.runtime.sendMessage` and Firefox's
 * `browser.runtime.sendMessage` both return promises.
 */

interface RuntimeLike {
  runtime: { sendMessage(message: unknown): Promise<unknown> };
}

/**
 * Sends `message` to the background and returns its raw answer (the caller checks its shape).
 *
 * @example
 * ```ts
 * const answer = await sendToBackground({ type: 'bridge.poll', ticket });
 * ```
 */
export function sendToBackground(message: unknown): Promise<unknown> {
  const scope = globalThis as unknown as { browser?: RuntimeLike; chrome?: RuntimeLike };
  const api = scope.browser ?? scope.chrome;
  if (api === undefined) return Promise.reject(new Error('no extension runtime'));
  return api.runtime.sendMessage(message);
}
