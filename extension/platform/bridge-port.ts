/**
 * The bridge content script's one channel to the background, without webextension-polyfill or
 * the message schemas: the script runs on every page the customer visits, so it stays small
 * (STYLE habit 12). Chromium's MV3 `chrome.runtime.sendMessage` and Firefox's
 * `browser.runtime.sendMessage` both return promises.
 */

interface RuntimeLike {
  runtime?: { id?: string; sendMessage(message: unknown): Promise<unknown> };
}

function runtimeApi(): RuntimeLike | undefined {
  const scope = globalThis as unknown as { browser?: RuntimeLike; chrome?: RuntimeLike };
  return scope.browser ?? scope.chrome;
}

/**
 * Whether this script's extension is still there. Chromium leaves a content script running when
 * its extension is reloaded, updated or removed, cut off from the background: its runtime then
 * has no `id` (and every message to the background fails). Firefox removes the script instead.
 *
 * @example
 * ```ts
 * if (!extensionAlive()) answerSilent();
 * ```
 */
export function extensionAlive(): boolean {
  try {
    return runtimeApi()?.runtime?.id !== undefined;
  } catch {
    return false; // reading the runtime of an invalidated context may throw
  }
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
  const runtime = runtimeApi()?.runtime;
  if (runtime === undefined) return Promise.reject(new Error('no extension runtime'));
  return runtime.sendMessage(message);
}
