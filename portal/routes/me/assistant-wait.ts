/**
 * How long /me waits for the Assistant, and what a wait that ended says. protocol/connect gives
 * up on an acknowledged message only when the bridge's repeated acknowledgements stop
 * (`createConnect`); an Assistant released before those repeats acknowledges once, and if it then
 * disappears (removed, disabled, its content script gone), its answer never comes. Every wait of
 * the page therefore has a deadline of its own. Pure: the page hands it its timer.
 */
import {
  assistantSilentCode as connectSilentCode,
  type Connect,
  type UnlockOutcome,
} from '$protocol/connect';

/**
 * The page's deadlines, from the question to the answer (ms). `stored` is read from the vault
 * without network; `refresh` asks the clearinghouse for every relationship; `action` includes the
 * customer's confirmation in the Assistant's own window, which stays answerable for ten minutes
 * (extension/core/customer-view.ts `actionLifetimeMs`): the page must not give up before that
 * window does, so it waits that long and one more minute for the bridge's last poll. `unlock`:
 * the Assistant answers once it opened (or focused) its dashboard, a matter of a second.
 */
export const assistantDeadlines = {
  stored: 30_000,
  refresh: 120_000,
  action: 11 * 60_000,
  unlock: 10_000,
} as const;

/**
 * What the page reads when its deadline passed first. Only an acknowledged message can get there
 * (without an acknowledgement protocol/connect answers `no-assistant` within 1.5 s), so the
 * Assistant did receive it.
 */
export const silent = { outcome: 'silent' } as const;
export type Silent = typeof silent;

/**
 * The code a view shows when the Assistant fell silent: protocol/connect's own when the bridge's
 * repeated acknowledgements stopped, and this page's when its deadline passed first (the page
 * says it with `portal.me.viewSilent`).
 */
export const assistantSilentCode = connectSilentCode;

/**
 * The extension's code for an action that failed for no protocol reason, possibly after it took
 * effect (extension/core/customer-view.ts `unexpectedActionError`).
 */
const unexpectedActionCode = 'ERR_ASSISTANT_UNEXPECTED';

/**
 * `answer`, or {@link silent} once `ms` passed without it. The answer that comes later is
 * dropped (the page no longer waits for it).
 *
 * @example
 * ```ts
 * const stored = await withDeadline(connect.customerView('stored'), assistantDeadlines.stored, schedule);
 * if (stored.outcome === 'silent') showSilent();
 * ```
 */
export function withDeadline<T>(
  answer: Promise<T>,
  ms: number,
  schedule: (ms: number, fn: () => void) => () => void,
): Promise<T | Silent> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cancel = schedule(ms, () => {
      if (settled) return;
      settled = true;
      resolve(silent);
    });
    answer.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** How an action from /me ended, as the page says it. */
export type ActionEnd =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'error'; readonly code: string }
  /** No acknowledgement: the Assistant never saw the action; nothing was done. */
  | { readonly outcome: 'not-reached' }
  /** The Assistant had the action and then said nothing conclusive: it may have been done. */
  | { readonly outcome: 'unknown' };

/**
 * How an action ended, from what the bridge answered (or {@link silent}). An action the Assistant
 * may have carried out is never said to have failed: after an acknowledgement, silence (the page's
 * deadline, or protocol/connect's `ERR_ASSISTANT_SILENT`), like an error the extension cannot
 * name, is `unknown`, and the page asks to reload and check.
 *
 * @example
 * ```ts
 * actionEnd({ outcome: 'no-assistant', installUrl }); // { outcome: 'not-reached' }
 * actionEnd(silent); // { outcome: 'unknown' }
 * ```
 */
export function actionEnd(answer: Awaited<ReturnType<Connect['act']>> | Silent): ActionEnd {
  switch (answer.outcome) {
    case 'silent':
      return { outcome: 'unknown' };
    case 'no-assistant':
      return { outcome: 'not-reached' };
    case 'error':
      return answer.code === unexpectedActionCode || answer.code === assistantSilentCode
        ? { outcome: 'unknown' }
        : { outcome: 'error', code: answer.code };
    case 'done':
      return { outcome: 'done' };
    case 'cancelled':
      return { outcome: 'cancelled' };
  }
}

/**
 * Where the button "Open the Assistant to unlock it" stands (VaultLocked.svelte): not pressed,
 * waiting for the Assistant, its dashboard opened, or not opened (the customer unlocks by hand).
 */
export type UnlockPrompt = 'idle' | 'pending' | 'opened' | 'not-opened';

/** The Assistant's refusal of an `unlock` it answered moments ago for this tab: it is open. */
const rateLimitedCode = 'ERR_RATE_LIMITED';

/**
 * How the press ended, from what the bridge answered (or {@link silent}). `opened` when the
 * Assistant opened or focused its dashboard, also when it had done so for this tab moments
 * before (`ERR_RATE_LIMITED`); anything else is `not-opened`: an Assistant from before the
 * `unlock` message does not acknowledge it (`no-assistant`), one that could not open its
 * dashboard says `ERR_VAULT_LOCKED`, and one gone quiet never answers.
 *
 * @example
 * ```ts
 * unlockPromptEnd({ outcome: 'done' }); // 'opened'
 * unlockPromptEnd({ outcome: 'no-assistant', installUrl }); // 'not-opened'
 * ```
 */
export function unlockPromptEnd(answer: UnlockOutcome | Silent): 'opened' | 'not-opened' {
  if (answer.outcome === 'done') return 'opened';
  if (answer.outcome === 'error' && answer.code === rateLimitedCode) return 'opened';
  return 'not-opened';
}

/** The window and document events {@link onReturn} listens to (`window`, `document`). */
export interface ReturnTargets {
  readonly window: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  readonly document: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & {
    readonly visibilityState: string;
  };
}

/**
 * Calls `back` once each time the customer comes back to the page after leaving it: the page
 * was hidden (another tab shown, the Assistant's dashboard say) or lost the focus (the
 * Assistant's popup, another window), and is now visible or focused again. Coming back fires
 * both `focus` and `visibilitychange`; `back` runs for the first only. Returns the function that
 * stops listening.
 *
 * @example
 * ```ts
 * const stop = onReturn({ window, document }, () => void recheck());
 * ```
 */
export function onReturn(targets: ReturnTargets, back: () => void): () => void {
  let away = false;
  const leave = () => {
    away = true;
  };
  const arrive = () => {
    if (!away) return;
    away = false;
    back();
  };
  const visibility = () => (targets.document.visibilityState === 'hidden' ? leave() : arrive());
  targets.window.addEventListener('blur', leave);
  targets.window.addEventListener('focus', arrive);
  targets.document.addEventListener('visibilitychange', visibility);
  return () => {
    targets.window.removeEventListener('blur', leave);
    targets.window.removeEventListener('focus', arrive);
    targets.document.removeEventListener('visibilitychange', visibility);
  };
}
