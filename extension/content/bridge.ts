/**
 * The page bridge (issue 7): the content script through which a company's page (with
 * /connect.js, protocol/connect) talks to the Assistant. Small and framework-free: it runs on
 * every http(s) page, and does nothing until the page posts a bridge message. What it does with
 * one is extension/core/page-bridge; here it is wired to the window and the background.
 *
 * - Only messages posted by this very window (`event.source === window`) from its own origin
 *   (`event.origin === location.origin`) are read; answers go to `location.origin` only.
 * - One bridge per extension context and tab: the manifest puts it into pages as they load, and
 *   on an install or update the background puts it into the tabs already open
 *   (extension/platform/bridge-tabs), which may include one that loaded it meanwhile. A second
 *   run in the same isolated world stays idle: else the page's request would reach the
 *   background twice, and the page would take the background's refusal of the second
 *   (`ERR_BRIDGE_BUSY`, extension/core/consent-tickets) for its answer while the customer still
 *   reads the consent window of the first. The mark is a global of the extension's isolated
 *   world, which the page cannot see (nothing in the DOM tells it the Assistant is there); a
 *   reloaded extension gets a new world, so its bridge starts beside the cut-off one, which then
 *   defers to it (extension/core/page-bridge).
 */
import { customerViewFeaturesMeta, type AssistantMessage } from '../../protocol/connect';
import { createPageBridge } from '../core/page-bridge';
import { extensionAlive, sendToBackground } from '../platform/bridge-port';

const mark = Symbol.for('consent-assistant.page-bridge');
const world = globalThis as unknown as Record<symbol, true | undefined>;

if (world[mark] !== true) {
  world[mark] = true;
  const hear = createPageBridge({
    alive: extensionAlive,
    send: sendToBackground,
    post: (message: AssistantMessage) => window.postMessage(message, location.origin),
    pageFeatures: () => {
      const meta = document.querySelector<HTMLMetaElement>(
        `meta[name="${customerViewFeaturesMeta}"]`,
      );
      return (meta?.content ?? '').split(/\s+/).filter((f) => f !== '');
    },
  });
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window || event.origin !== location.origin) return;
    hear(event.data);
  });
}
