/**
 * The page bridge (issue 7): the content script through which a company's page (with
 * /connect.js, protocol/connect) talks to the Assistant. Small and framework-free: it runs on
 * every http(s) page, and does nothing until the page posts a bridge message.
 *
 * - Only messages posted by this very window (`event.source === window`) from its own origin
 *   (`event.origin === location.origin`) are read; answers go to `location.origin` only.
 * - Anything that is not exactly a protocol/connect page message is dropped without an answer.
 * - At most one open request per tab: a second one is answered `ERR_BRIDGE_BUSY` at once.
 * - While a request is open its acknowledgement is repeated every `ackRepeatMs`: the page's sign
 *   that the Assistant is still there. When the Assistant goes (removed, switched off, updated),
 *   the repeats stop with this script, and the page gives up (`ERR_ASSISTANT_SILENT`); where the
 *   browser leaves the script running cut off from its background (Chromium), it says so itself
 *   at once, and answers every later request of the tab the same until the page is reloaded.
 * - Only the request's hash crosses to the background; the background learns the page's origin
 *   from the browser's sender record, not from us, and decides everything else.
 */
import {
  ackRepeatMs,
  assistantMessage,
  assistantSilentCode,
  customerViewFeaturesMeta,
  customerViewFor,
  parsePageMessage,
  type AssistantMessage,
  type ConnectOutcome,
  type CustomerAction,
  type CustomerViewItem,
  type CustomerViewMode,
} from '../../protocol/connect';
import { extensionAlive, sendToBackground } from '../platform/bridge-port';

/** How often the bridge asks whether the consent window was answered. */
const pollMs = 1000;

let open: string | null = null;

function post(message: AssistantMessage): void {
  window.postMessage(message, location.origin);
}

type Outcome = Exclude<ConnectOutcome, { outcome: 'no-assistant' }>;

function errorOf(answer: unknown): Outcome {
  const code =
    typeof answer === 'object' &&
    answer !== null &&
    'code' in answer &&
    typeof answer.code === 'string'
      ? answer.code
      : 'ERR_CLEARINGHOUSE_UNREACHABLE';
  return { outcome: 'error', code };
}

function field(answer: unknown, type: string, name: string): unknown {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const record = answer as Record<string, unknown>;
  return record.type === type ? record[name] : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function consent(request: string): Promise<Outcome> {
  const accepted = await sendToBackground({ type: 'bridge.request', id: 'bridge', request });
  const ticket = field(accepted, 'bridge.accepted', 'ticket');
  if (typeof ticket !== 'string') return errorOf(accepted);
  for (;;) {
    await sleep(pollMs);
    const answer = await sendToBackground({ type: 'bridge.poll', ticket });
    const outcome = field(answer, 'bridge.outcome', 'outcome');
    if (outcome === null) continue;
    if (typeof outcome === 'object') return outcome as Outcome;
    return errorOf(answer);
  }
}

/** A customer action from the clearinghouse's "my data" page: confirmed in the Assistant's window. */
async function act(action: CustomerAction): Promise<Outcome> {
  const accepted = await sendToBackground({ type: 'bridge.action', action });
  const ticket = field(accepted, 'bridge.accepted', 'ticket');
  if (typeof ticket !== 'string') return errorOf(accepted);
  for (;;) {
    await sleep(pollMs);
    const answer = await sendToBackground({ type: 'bridge.action-poll', ticket });
    const outcome = field(answer, 'bridge.action-outcome', 'outcome');
    if (outcome === null) continue;
    if (typeof outcome === 'object') return outcome as Outcome;
    return errorOf(answer);
  }
}

/** The customer-view additions the page declares it reads (protocol/connect). */
function pageFeatures(): string[] {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${customerViewFeaturesMeta}"]`);
  return (meta?.content ?? '').split(/\s+/).filter((f) => f !== '');
}

async function customerView(id: string, mode: CustomerViewMode): Promise<void> {
  const answer = await sendToBackground({ type: 'bridge.customer-view', mode });
  const items = field(answer, 'bridge.customer-view', 'items');
  // protocol/connect in the page checks every item strictly; a malformed list is dropped there,
  // and so is one with an addition the page's copy does not know: only what it declares is sent.
  if (Array.isArray(items))
    post(
      assistantMessage(id, {
        type: 'customer-view',
        items: customerViewFor(items as CustomerViewItem[], pageFeatures()),
        asOf: field(answer, 'bridge.customer-view', 'asOf') as number | null,
        fresh: field(answer, 'bridge.customer-view', 'fresh') === true,
      }),
    );
  else post(assistantMessage(id, { type: 'outcome', outcome: errorOf(answer) }));
}

/** The acknowledgement of request `id`, at once and repeated while it is open. */
const ack = (id: string): AssistantMessage => assistantMessage(id, { type: 'ack' });

/** The answer to a request this bridge can no longer pass on (see `extensionAlive`). */
function silent(id: string): AssistantMessage {
  return assistantMessage(id, {
    type: 'outcome',
    outcome: { outcome: 'error', code: assistantSilentCode },
  });
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || event.origin !== location.origin) return;
  const message = parsePageMessage(event.data);
  if (message === undefined) return;
  // Cut off from its extension (Chromium keeps this script running after an update or removal):
  // every request of this tab is answered at once, until the page is reloaded.
  if (!extensionAlive()) {
    post(ack(message.id));
    post(silent(message.id));
    return;
  }
  if (open !== null) {
    post(
      assistantMessage(message.id, {
        type: 'outcome',
        outcome: { outcome: 'error', code: 'ERR_BRIDGE_BUSY' },
      }),
    );
    return;
  }
  const id = message.id;
  open = id;
  post(ack(id));
  // Repeated while the extension is there; once it is gone the page is told at once, even when
  // a message to the background that was under way never settles.
  const repeat = setInterval(() => {
    if (extensionAlive()) {
      post(ack(id));
      return;
    }
    clearInterval(repeat);
    post(silent(id));
  }, ackRepeatMs);
  const done =
    message.type === 'request'
      ? consent(message.request).then((outcome) =>
          post(assistantMessage(id, { type: 'outcome', outcome })),
        )
      : message.type === 'action'
        ? act(message.action).then((outcome) =>
            post(assistantMessage(id, { type: 'outcome', outcome })),
          )
        : customerView(id, message.mode);
  // A rejected message: the background is gone (this script outlived its extension) or never
  // answered; whether it took the request is unknown.
  void done
    .catch(() => post(silent(id)))
    .finally(() => {
      clearInterval(repeat);
      open = null;
    });
});
