/**
 * How an open dashboard learns that the vault locked (auto-lock, the popup, another tab): it asks
 * `vault.status` every few seconds and whenever its tab becomes visible again, and any view's
 * `ERR_VAULT_LOCKED` answer says so at once. `vault.status` is passive in extension/service.ts:
 * the poll never counts as the owner's activity, so an open dashboard cannot keep the vault open.
 */
import { isProtocolError } from '../../../protocol/errors';
import type { Send } from './types';

/** How often an open dashboard asks whether the vault is still unlocked (ms). */
export const statusPollMs = 5_000;

/**
 * `send` that calls `onLocked` before it rethrows an `ERR_VAULT_LOCKED` refusal, so that a view
 * finding the vault locked takes the whole dashboard to the Unlock screen.
 *
 * @example
 * ```ts
 * const guarded = lockAware(sendRequest, () => showLocked());
 * await guarded({ type: 'profile.get' }); // locked: showLocked() runs, then ERR_VAULT_LOCKED is thrown
 * ```
 */
export function lockAware(send: Send, onLocked: () => void): Send {
  return async (request) => {
    try {
      return await send(request);
    } catch (e) {
      if (isProtocolError(e, 'ERR_VAULT_LOCKED')) onLocked();
      throw e;
    }
  };
}

/**
 * Calls `check` every `intervalMs` and each time the page becomes visible again, until the
 * returned function is called. (A hidden tab's timers are throttled; the visibility check makes
 * the dashboard look again before the customer sees its old content for long.)
 *
 * @example
 * ```ts
 * const stop = watchLock(() => void askStatus(), statusPollMs);
 * stop();
 * ```
 */
export function watchLock(check: () => void, intervalMs: number): () => void {
  const timer = setInterval(check, intervalMs);
  const onVisible = () => {
    if (document.visibilityState === 'visible') check();
  };
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
