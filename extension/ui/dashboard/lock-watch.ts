/**
 * How an open dashboard learns that the vault locked (auto-lock, the popup, another tab): it asks
 * `vault.status` every few seconds and whenever its tab becomes visible again, and any view's
 * `ERR_VAULT_LOCKED` answer says so at once. `vault.status` is passive in extension/service.ts:
 * the poll never counts as the owner's activity, so an open dashboard cannot keep the vault open.
 */
import type { VaultState } from '../../vault/vault';
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
 * Whether the status poll may take the dashboard from the state it shows (`shown`, null while
 * it has none: its first load failed) to the one the background reports (`next`): away from the
 * views (unlocked → locked or wiped) and from the Unlock screen (locked → unlocked elsewhere, or
 * wiped). Away from onboarding only while the customer has not started it in this tab
 * (`engaged`): once they have, the vault is unlocked as soon as it is created or recovery starts,
 * while onboarding still shows the recovery phrase once or runs the recovery, and it ends itself;
 * a tab left on onboarding while the vault was created in another moves on.
 *
 * @example
 * ```ts
 * pollMayShow('absent', 'unlocked', true); // false: this tab's onboarding is not done yet
 * pollMayShow('absent', 'unlocked', false); // true: created in another tab
 * pollMayShow('unlocked', 'locked', false); // true
 * ```
 */
export function pollMayShow(shown: VaultState | null, next: VaultState, engaged: boolean): boolean {
  if (shown === 'absent') return !engaged && next !== 'absent';
  return shown !== next;
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
