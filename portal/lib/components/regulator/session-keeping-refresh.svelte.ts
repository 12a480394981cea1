/**
 * The reload of a regulator's page after a signed act (a suspension, a reinstatement, a complaint
 * decision). The act is signed with the browser's key and needs no session, but the reload does:
 * with the session ended, the load's redirect to the login would take the page away, and with it
 * the sentence that says the act was stored (the regulator would sign it again). While reloading,
 * that redirect (the only `goto` then) is cancelled and `sessionEnded` says why the page was kept.
 *
 * This leans on SvelteKit running `beforeNavigate` for the redirect a load answers during
 * `invalidateAll` (2.x); test/e2e/regulator-acts.spec.ts fails if that changes.
 * /regulator/people answers the same case on the server instead (`ended`), as its lists can be
 * left empty; these pages' data cannot.
 *
 * Call it while the component initialises (it registers `beforeNavigate`).
 *
 * @example
 * ```ts
 * const reload = sessionKeepingRefresh();
 * if (await reload.refresh()) focusOutcome();
 * {#if reload.sessionEnded}…{/if}
 * ```
 */
import { beforeNavigate, invalidateAll } from '$app/navigation';

export interface SessionKeepingRefresh {
  /** Whether the last reload found the session ended (the page kept as it was). */
  readonly sessionEnded: boolean;
  /** Forgets an earlier ended session (a new act is being sent). */
  reset(): void;
  /** Reloads the page's data; false when the session has ended. */
  refresh(): Promise<boolean>;
}

export function sessionKeepingRefresh(): SessionKeepingRefresh {
  let refreshing = false;
  let sessionEnded = $state(false);
  beforeNavigate((navigation) => {
    if (refreshing && navigation.type === 'goto' && navigation.to?.url.pathname === '/login') {
      navigation.cancel();
      sessionEnded = true;
    }
  });
  return {
    get sessionEnded() {
      return sessionEnded;
    },
    reset() {
      sessionEnded = false;
    },
    async refresh() {
      refreshing = true;
      sessionEnded = false;
      try {
        await invalidateAll();
      } finally {
        refreshing = false;
      }
      return !sessionEnded;
    },
  };
}
