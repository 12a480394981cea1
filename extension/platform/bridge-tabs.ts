/**
 * The page bridge for tabs that were open before this extension context: the thin adapter over
 * `tabs` and `scripting` that the background calls on an install or update.
 *
 * Chromium puts manifest content scripts only into pages loaded after the extension, and leaves
 * the bridge of an earlier context running cut off from its background: without this, a company's
 * connect button and the clearinghouse's "my data" page stay broken in every open tab until it is
 * reloaded. Firefox removes the old scripts and puts the manifest's into the open matching tabs
 * itself (Firefox ESR 153 did so here: after a reinstall over an open page exactly one bridge
 * answered it), so there this does nothing. A discarded tab is skipped: it loads its page again,
 * with the manifest's bridge, when it is next shown.
 */
import browser from 'webextension-polyfill';
import { buildTarget } from '../build';
import { bridgePath } from '../manifest';
import { browserFamily } from '../target';

/** The pages the manifest gives the bridge (extension/manifest `content_scripts`). */
const bridgePages = ['http://*/*', 'https://*/*'];

/**
 * Puts the bridge into the top frame of every open http(s) tab (Chromium builds only); resolves
 * with how many took it. A tab that cannot be scripted (discarded, an error page, one that
 * navigated away meanwhile) is skipped quietly, and one failure does not stop the others. A tab
 * that has a bridge of this context already keeps that one alone (extension/content/bridge).
 *
 * @example
 * ```ts
 * onInstalled(({ reason }) => { if (reason === 'update') void injectBridgeIntoOpenTabs(); });
 * ```
 */
export async function injectBridgeIntoOpenTabs(): Promise<number> {
  if (browserFamily(buildTarget) !== 'chromium') return 0;
  // Host permissions cover the URLs: no `tabs` permission is needed to match them.
  const tabs = await browser.tabs.query({ url: bridgePages });
  const injected = await Promise.allSettled(
    tabs.flatMap((tab) =>
      tab.id === undefined || tab.discarded === true
        ? []
        : [
            browser.scripting.executeScript({
              target: { tabId: tab.id },
              files: [bridgePath],
            }),
          ],
    ),
  );
  return injected.filter((result) => result.status === 'fulfilled').length;
}
