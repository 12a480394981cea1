/**
 * The browser binding of protocol/connect: the script a company puts on its page, served by the
 * clearinghouse at `/connect.js` (bundled into one self-contained IIFE by ./bundle.ts).
 *
 *   <script src="https://clearinghouse.example/connect.js" defer></script>
 *   <a data-grant-request="https://clearinghouse.example/api/v1/grant-requests/<sha256>">…</a>
 *
 * Every element with `data-grant-request` becomes a button: a click hands the request to the
 * Assistant and, when it ends, sets `data-connect-outcome` on the element (`granted`, `refused`,
 * `cancelled`, `error`, `no-assistant`) and dispatches a `clearinghouse-connect` event whose
 * `detail` is the outcome. Without an Assistant the element's link is replaced by the install link.
 * Scripts can call `window.ClearinghouseConnect.requestConsent(linkOrHash)` instead.
 */
import {
  createConnect,
  defaultInstallPath,
  type Connect,
  type ConnectOutcome,
} from '$protocol/connect';

declare global {
  interface Window {
    ClearinghouseConnect?: Connect;
  }
}

/** The attribute that marks a connect button, and the one the outcome is written to. */
const requestAttribute = 'data-grant-request';
const outcomeAttribute = 'data-connect-outcome';

function installUrl(): string {
  const script = document.currentScript;
  const override = script?.getAttribute('data-install-url');
  if (override !== null && override !== undefined && /^https?:\/\//.test(override)) return override;
  const src = script instanceof HTMLScriptElement && script.src !== '' ? script.src : location.href;
  return new URL(defaultInstallPath, src).href;
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const connect = createConnect({
  origin: location.origin,
  installUrl: installUrl(),
  // Target origin = our own: the Assistant's bridge runs in this page, nothing else may read it.
  post: (message) => window.postMessage(message, location.origin),
  listen(handler) {
    const listener = (event: MessageEvent) =>
      handler({ data: event.data, origin: event.origin, sameWindow: event.source === window });
    window.addEventListener('message', listener);
    return () => window.removeEventListener('message', listener);
  },
  schedule(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  newId,
});

function settle(element: Element, outcome: ConnectOutcome): void {
  element.setAttribute(outcomeAttribute, outcome.outcome);
  if (outcome.outcome === 'no-assistant' && element instanceof HTMLAnchorElement) {
    element.href = outcome.installUrl;
  }
  element.dispatchEvent(
    new CustomEvent('clearinghouse-connect', { detail: outcome, bubbles: true }),
  );
}

function onClick(event: MouseEvent): void {
  const target =
    event.target instanceof Element ? event.target.closest(`[${requestAttribute}]`) : null;
  if (target === null) return;
  // After "no Assistant" the link leads to the install page: let the click through then.
  if (target.getAttribute(outcomeAttribute) === 'no-assistant') return;
  event.preventDefault();
  if (target.getAttribute(outcomeAttribute) === 'pending') return;
  target.setAttribute(outcomeAttribute, 'pending');
  void connect
    .requestConsent(target.getAttribute(requestAttribute) ?? '')
    .then((outcome) => settle(target, outcome));
}

window.ClearinghouseConnect = connect;
document.addEventListener('click', onClick);
