/**
 * The page bridge's logic (issue 7): what the content script extension/content/bridge.ts does
 * with each message of a company's page (protocol/connect), without the window or the browser.
 * It is handed its ports; the script only checks that a message comes from its own window and
 * origin, and hands the data over.
 *
 * - At most one open request per bridge: a second one is answered `ERR_BRIDGE_BUSY` at once.
 * - While a request is open its acknowledgement is repeated every `ackRepeatMs`: the page's sign
 *   that the Assistant is still there. When the Assistant goes (removed, switched off, updated),
 *   the repeats stop with the script, and the page gives up (`ERR_ASSISTANT_SILENT`); where the
 *   browser leaves the script running cut off from its background (Chromium), it says so itself
 *   at once for the request it had open.
 * - Cut off, it answers a later request of the page `ERR_ASSISTANT_SILENT` too, but only after
 *   {@link otherBridgeWaitMs} without another bridge's acknowledgement or outcome of it: after an
 *   update the new Assistant puts a bridge of its own into the tab (extension/platform/bridge-tabs),
 *   which hears the same request and answers it (`ERR_BRIDGE_BUSY` without an acknowledgement,
 *   when it has one open); the page must get that answer alone.
 * - Each request gets exactly one outcome, however many of the ways to end it fire.
 * - Only the request's hash crosses to the background; the background learns the page's origin
 *   from the browser's sender record, not from us, and decides everything else.
 */
import {
  answeredRequestId,
  ackRepeatMs,
  assistantMessage,
  assistantSilentCode,
  customerViewFor,
  parsePageMessage,
  type AssistantMessage,
  type ConnectOutcome,
  type CustomerAction,
  type CustomerViewItem,
  type CustomerViewMode,
} from '../../protocol/connect';

/** How often the bridge asks whether the consent window was answered (ms). */
export const pollMs = 1000;

/**
 * How long a bridge cut off from its extension waits for another bridge to acknowledge a request
 * before it answers `ERR_ASSISTANT_SILENT` (ms). A live bridge acknowledges in the very task that
 * delivered the request, so its acknowledgement arrives a task or two later; well under the
 * page's own wait for any acknowledgement (protocol/connect `defaultAckTimeoutMs`, 1500 ms).
 */
export const otherBridgeWaitMs = 250;

/** What {@link createPageBridge} is handed. */
export interface PageBridgePorts {
  /**
   * Whether the script's extension is still there (extension/platform/bridge-port
   * `extensionAlive`): false once Chromium cut the script off from its background.
   */
  readonly alive: () => boolean;
  /** Sends `message` to the background; resolves with its raw answer, rejects when it is gone. */
  readonly send: (message: unknown) => Promise<unknown>;
  /** Posts `message` to the page, to its own origin only. */
  readonly post: (message: AssistantMessage) => void;
  /** The customer-view additions the page declares it reads (protocol/connect). */
  readonly pageFeatures: () => string[];
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

/** The acknowledgement of request `id`, at once and repeated while it is open. */
const ack = (id: string): AssistantMessage => assistantMessage(id, { type: 'ack' });

/** The answer to a request this bridge can no longer pass on. */
function silent(id: string): AssistantMessage {
  return assistantMessage(id, {
    type: 'outcome',
    outcome: { outcome: 'error', code: assistantSilentCode },
  });
}

/**
 * The bridge of one tab: returns the function that takes the data of each message the page's
 * window posted from its own origin (anything else must not reach it).
 *
 * @example
 * ```ts
 * const hear = createPageBridge({ alive: extensionAlive, send: sendToBackground, post, pageFeatures });
 * window.addEventListener('message', (e) => { if (e.source === window && e.origin === location.origin) hear(e.data); });
 * ```
 */
export function createPageBridge(ports: PageBridgePorts): (data: unknown) => void {
  const { alive, send, post } = ports;
  let open: string | null = null;
  /** Cut off: the requests waiting for another bridge's answer, and their timers. */
  const waiting = new Map<string, ReturnType<typeof setTimeout>>();

  /** Hands a request to the background and polls for its outcome (`accepted` then `poll`). */
  async function ticketed(first: unknown, pollType: string, outcomeType: string): Promise<Outcome> {
    const accepted = await send(first);
    const ticket = field(accepted, 'bridge.accepted', 'ticket');
    if (typeof ticket !== 'string') return errorOf(accepted);
    for (;;) {
      await sleep(pollMs);
      const answer = await send({ type: pollType, ticket });
      const outcome = field(answer, outcomeType, 'outcome');
      if (outcome === null) continue;
      if (typeof outcome === 'object') return outcome as Outcome;
      return errorOf(answer);
    }
  }

  /** The answer to the page's request `id` for the customer view: the view, or an error. */
  async function customerView(id: string, mode: CustomerViewMode): Promise<AssistantMessage> {
    const answer = await send({ type: 'bridge.customer-view', mode });
    const items = field(answer, 'bridge.customer-view', 'items');
    // protocol/connect in the page checks every item strictly; a malformed list is dropped there,
    // and so is one with an addition the page's copy does not know: only what it declares is sent.
    if (!Array.isArray(items))
      return assistantMessage(id, { type: 'outcome', outcome: errorOf(answer) });
    return assistantMessage(id, {
      type: 'customer-view',
      items: customerViewFor(items as CustomerViewItem[], ports.pageFeatures()),
      asOf: field(answer, 'bridge.customer-view', 'asOf') as number | null,
      fresh: field(answer, 'bridge.customer-view', 'fresh') === true,
    });
  }

  /**
   * The answer to the page's `unlock`: `done` once the background opened (or focused) the
   * dashboard, or found the vault unlocked already; else its refusal's code.
   */
  async function unlock(): Promise<Outcome> {
    const answer = await send({ type: 'bridge.unlock' });
    const opened =
      typeof answer === 'object' && answer !== null && 'type' in answer && answer.type === 'ok';
    return opened ? { outcome: 'done' } : errorOf(answer);
  }

  /**
   * Cut off from the extension: request `id` gets `ERR_ASSISTANT_SILENT` unless another bridge
   * (the updated Assistant's) acknowledges or answers it first. Nothing is posted meanwhile, so
   * every acknowledgement or outcome of `id` heard is another bridge's (or the page's own, which
   * only it pays for).
   */
  function answerCutOff(id: string): void {
    if (waiting.has(id)) return;
    waiting.set(
      id,
      setTimeout(() => {
        waiting.delete(id);
        post(ack(id));
        post(silent(id));
      }, otherBridgeWaitMs),
    );
  }

  return (data: unknown) => {
    const answered = answeredRequestId(data);
    if (answered !== undefined) {
      clearTimeout(waiting.get(answered));
      waiting.delete(answered);
      return;
    }
    const message = parsePageMessage(data);
    if (message === undefined) return;
    // Cut off from its extension (Chromium keeps this script running after an update or removal).
    if (!alive()) {
      answerCutOff(message.id);
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
    // a message to the background that was under way never settles. No new bridge saw this
    // request, so nobody else will answer it.
    const repeat = setInterval(() => {
      if (alive()) post(ack(id));
      else settle(silent(id));
    }, ackRepeatMs);
    // The first way to end the request posts its answer; a later one (the rejected message after
    // the repeat said silent, say) finds it settled.
    let settled = false;
    function settle(answer: AssistantMessage): void {
      if (settled) return;
      settled = true;
      clearInterval(repeat);
      post(answer);
    }
    const told = (outcome: Outcome) => assistantMessage(id, { type: 'outcome', outcome });
    const answer =
      message.type === 'request'
        ? ticketed(
            { type: 'bridge.request', id: 'bridge', request: message.request },
            'bridge.poll',
            'bridge.outcome',
          ).then(told)
        : message.type === 'action'
          ? ticketed(
              { type: 'bridge.action', action: message.action satisfies CustomerAction },
              'bridge.action-poll',
              'bridge.action-outcome',
            ).then(told)
          : message.type === 'unlock'
            ? unlock().then(told)
            : customerView(id, message.mode);
    // A rejected message: the background is gone (this script outlived its extension) or never
    // answered; whether it took the request is unknown.
    void answer
      .then(settle, () => settle(silent(id)))
      .finally(() => {
        open = null;
      });
  };
}
