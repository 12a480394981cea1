/**
 * The page bridge's protocol (issue 7, DESIGN section 4): how a company's page and the customer's
 * Assistant talk through the page's message channel. Pure: the browser binding (portal/lib/connect) hands
 * it `post`, `listen`, the page's origin and a timer; the extension's bridge content script uses
 * the same parsers for the other direction.
 *
 * Every message is a small, versioned, strict object: it carries `channel` (so unrelated
 * `postMessage` traffic on the page is ignored), `v`, `from` (`page` or `assistant`: both sides
 * post into the same window and see each other's messages *and their own*), `type` and an `id`
 * the page chose. Anything with another shape, an unknown member or an over-long value is
 * dropped by both sides: {@link parsePageMessage} and {@link parseAssistantMessage} return
 * `undefined`, never throw.
 *
 * The page asks with the `sha256` of a grant request the company stored at the clearinghouse
 * (the last path segment of its `link`): the Assistant fetches the signed request itself, so the
 * page cannot hand it anything the clearinghouse has not seen.
 *
 * @example
 * ```ts
 * const connect = createConnect({ origin: location.origin, post, listen, schedule, newId });
 * const outcome = await connect.requestConsent('0bXb…43 chars');
 * if (outcome.outcome === 'granted') showThanks(outcome.receipt);
 * ```
 */

/** The `channel` member every bridge message carries. */
export const connectChannel = 'consent-clearinghouse/connect';
/** The version of this message format. */
export const connectVersion = 1;
/** How long the page waits for the Assistant's acknowledgement before it says "not installed". */
export const defaultAckTimeoutMs = 1500;
/** Where a customer without an Assistant is sent: the clearinghouse's home page, relative to connect.js. */
export const defaultInstallPath = '/';

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const sha256Pattern = /^[A-Za-z0-9_-]{43}$/;
const codePattern = /^ERR_[A-Z0-9_]{1,60}$/;
const idPrefixedPattern = /^(?:co|ps)_[A-Za-z0-9_-]{43}$/;

/** What the page asks the Assistant. */
export type PageMessage =
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'page';
      readonly type: 'request';
      readonly id: string;
      /** The base64url SHA-256 of the stored open grant request's compact JWS. */
      readonly request: string;
    }
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'page';
      readonly type: 'customer-view';
      readonly id: string;
    };

/** One company in the customer's view: plain data, no key and no signature material. */
export interface CustomerViewItem {
  readonly company: { readonly id: string; readonly legalName: string; readonly domain: string };
  readonly companyStatus: string;
  readonly pseudonym: string;
  readonly grants: readonly {
    readonly sha256: string;
    readonly status: 'active' | 'revoked' | 'expired';
    readonly purposes: readonly string[];
    readonly until: number | null;
  }[];
  readonly refusals: number;
  readonly openRevocations: number;
}

/** How a request ended, as the page learns it. */
export type ConnectOutcome =
  | { readonly outcome: 'granted'; readonly receipt: string }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'error'; readonly code: string }
  | { readonly outcome: 'no-assistant'; readonly installUrl: string };

/** What the Assistant answers. */
export type AssistantMessage =
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'assistant';
      readonly type: 'ack';
      readonly id: string;
    }
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'assistant';
      readonly type: 'outcome';
      readonly id: string;
      readonly outcome: Exclude<ConnectOutcome, { outcome: 'no-assistant' }>;
    }
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'assistant';
      readonly type: 'customer-view';
      readonly id: string;
      readonly items: readonly CustomerViewItem[];
    };

/** Bounds of the customer view the page accepts. */
export const customerViewLimits = { items: 10_000, grants: 256, purposes: 64, text: 300 } as const;

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` has exactly the `keys` (order ignored). */
function exactKeys(value: Plain, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(value, k));
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function envelope(value: unknown, from: 'page' | 'assistant'): value is Plain {
  return (
    isPlain(value) &&
    value.channel === connectChannel &&
    value.v === connectVersion &&
    value.from === from &&
    typeof value.id === 'string' &&
    idPattern.test(value.id)
  );
}

const head = ['channel', 'v', 'from', 'type', 'id'] as const;

/**
 * Parses a message the page posted. `undefined` for anything that is not exactly one of the
 * {@link PageMessage} shapes (the bridge drops those without an answer).
 *
 * @example
 * ```ts
 * parsePageMessage({ channel: connectChannel, v: 1, from: 'page', type: 'customer-view', id: 'a1' }); // the message
 * parsePageMessage({ ...thatMessage, extra: 1 }); // undefined
 * ```
 */
export function parsePageMessage(value: unknown): PageMessage | undefined {
  if (!envelope(value, 'page')) return undefined;
  if (value.type === 'request') {
    if (!exactKeys(value, [...head, 'request'])) return undefined;
    if (typeof value.request !== 'string' || !sha256Pattern.test(value.request)) return undefined;
    return {
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'request',
      id: value.id as string,
      request: value.request,
    };
  }
  if (value.type === 'customer-view' && exactKeys(value, head)) {
    return {
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'customer-view',
      id: value.id as string,
    };
  }
  return undefined;
}

function parseOutcome(
  value: unknown,
): Exclude<ConnectOutcome, { outcome: 'no-assistant' }> | undefined {
  if (!isPlain(value)) return undefined;
  switch (value.outcome) {
    case 'granted':
      return exactKeys(value, ['outcome', 'receipt']) &&
        typeof value.receipt === 'string' &&
        sha256Pattern.test(value.receipt)
        ? { outcome: 'granted', receipt: value.receipt }
        : undefined;
    case 'refused':
    case 'cancelled':
      return exactKeys(value, ['outcome']) ? { outcome: value.outcome } : undefined;
    case 'error':
      return exactKeys(value, ['outcome', 'code']) &&
        typeof value.code === 'string' &&
        codePattern.test(value.code)
        ? { outcome: 'error', code: value.code }
        : undefined;
    default:
      return undefined;
  }
}

function parseViewItem(value: unknown): CustomerViewItem | undefined {
  const max = customerViewLimits.text;
  if (
    !isPlain(value) ||
    !exactKeys(value, [
      'company',
      'companyStatus',
      'pseudonym',
      'grants',
      'refusals',
      'openRevocations',
    ])
  )
    return undefined;
  const c = value.company;
  if (
    !isPlain(c) ||
    !exactKeys(c, ['id', 'legalName', 'domain']) ||
    !isText(c.id, 46) ||
    !idPrefixedPattern.test(c.id) ||
    !isText(c.legalName, max) ||
    !isText(c.domain, max)
  )
    return undefined;
  if (!isText(value.companyStatus, 32) || !isText(value.pseudonym, 46)) return undefined;
  if (!idPrefixedPattern.test(value.pseudonym)) return undefined;
  if (!isCount(value.refusals) || !isCount(value.openRevocations)) return undefined;
  const grants = value.grants;
  if (!Array.isArray(grants) || grants.length > customerViewLimits.grants) return undefined;
  const parsed: CustomerViewItem['grants'][number][] = [];
  for (const g of grants as unknown[]) {
    if (!isPlain(g) || !exactKeys(g, ['sha256', 'status', 'purposes', 'until'])) return undefined;
    if (typeof g.sha256 !== 'string' || !sha256Pattern.test(g.sha256)) return undefined;
    if (g.status !== 'active' && g.status !== 'revoked' && g.status !== 'expired') return undefined;
    if (g.until !== null && !isCount(g.until)) return undefined;
    const purposes = g.purposes;
    if (!Array.isArray(purposes) || purposes.length > customerViewLimits.purposes) return undefined;
    if (!purposes.every((p) => isText(p, 64))) return undefined;
    parsed.push({
      sha256: g.sha256,
      status: g.status,
      purposes: [...(purposes as string[])],
      until: g.until,
    });
  }
  return {
    company: { id: c.id, legalName: c.legalName, domain: c.domain },
    companyStatus: value.companyStatus,
    pseudonym: value.pseudonym,
    grants: parsed,
    refusals: value.refusals,
    openRevocations: value.openRevocations,
  };
}

/**
 * Parses a message the Assistant posted. `undefined` for anything that is not exactly one of
 * the {@link AssistantMessage} shapes.
 *
 * @example
 * ```ts
 * parseAssistantMessage({ channel: connectChannel, v: 1, from: 'assistant', type: 'ack', id: 'a1' }); // the message
 * ```
 */
export function parseAssistantMessage(value: unknown): AssistantMessage | undefined {
  if (!envelope(value, 'assistant')) return undefined;
  const id = value.id as string;
  const base = { channel: connectChannel, v: 1, from: 'assistant', id } as const;
  if (value.type === 'ack') return exactKeys(value, head) ? { ...base, type: 'ack' } : undefined;
  if (value.type === 'outcome') {
    if (!exactKeys(value, [...head, 'outcome'])) return undefined;
    const outcome = parseOutcome(value.outcome);
    return outcome === undefined ? undefined : { ...base, type: 'outcome', outcome };
  }
  if (value.type === 'customer-view') {
    if (!exactKeys(value, [...head, 'items'])) return undefined;
    const items = value.items;
    if (!Array.isArray(items) || items.length > customerViewLimits.items) return undefined;
    const parsed: CustomerViewItem[] = [];
    for (const item of items as unknown[]) {
      const one = parseViewItem(item);
      if (one === undefined) return undefined;
      parsed.push(one);
    }
    return { ...base, type: 'customer-view', items: parsed };
  }
  return undefined;
}

/**
 * The Assistant's answer messages, built for the bridge (so it cannot post a shape the page drops).
 *
 * @example
 * ```ts
 * const ack = assistantMessage('a1', { type: 'ack' }); // the bridge posts it to the page's origin
 * ```
 */
export function assistantMessage(
  id: string,
  body:
    | { type: 'ack' }
    | { type: 'outcome'; outcome: Exclude<ConnectOutcome, { outcome: 'no-assistant' }> }
    | { type: 'customer-view'; items: readonly CustomerViewItem[] },
): AssistantMessage {
  return { channel: connectChannel, v: 1, from: 'assistant', id, ...body } as AssistantMessage;
}

/**
 * The grant request's sha256 from what a company has at hand: the `link` the clearinghouse
 * answered (`…/api/v1/grant-requests/<sha256>`) or the bare hash. `undefined` for anything else.
 *
 * @example
 * ```ts
 * requestHashOf('http://localhost:3000/api/v1/grant-requests/AbC…'); // 'AbC…'
 * ```
 */
export function requestHashOf(linkOrHash: string): string | undefined {
  if (typeof linkOrHash !== 'string' || linkOrHash.length > 2048) return undefined;
  if (sha256Pattern.test(linkOrHash)) return linkOrHash;
  const marker = '/api/v1/grant-requests/';
  const at = linkOrHash.indexOf(marker);
  if (at === -1) return undefined;
  const hash = linkOrHash.slice(at + marker.length).split(/[/?#]/)[0] ?? '';
  return sha256Pattern.test(hash) ? hash : undefined;
}

/** A message event as the binding hands it over: the data, its origin, and whether it came from this window. */
export interface ConnectEvent {
  readonly data: unknown;
  readonly origin: string;
  /** `event.source === window`: posted by a script of this very page (or its Assistant). */
  readonly sameWindow: boolean;
}

/** What {@link createConnect} is handed. */
export interface ConnectPorts {
  /** The page's origin (`location.origin`): messages are posted to it and accepted only from it. */
  readonly origin: string;
  /** Posts `message` to this page with target origin `origin` (the binding's job). */
  readonly post: (message: PageMessage) => void;
  /** Subscribes to this window's message events; returns the unsubscribe function. */
  readonly listen: (handler: (event: ConnectEvent) => void) => () => void;
  /** Runs `fn` after `ms` milliseconds; returns a function that cancels it. */
  readonly schedule: (ms: number, fn: () => void) => () => void;
  /** A fresh request id (1..64 of `[A-Za-z0-9_-]`), e.g. from `crypto.randomUUID()`. */
  readonly newId: () => string;
  /** Where to send a customer without an Assistant. */
  readonly installUrl: string;
  /** Default {@link defaultAckTimeoutMs}. */
  readonly ackTimeoutMs?: number;
}

/** The page's side of the bridge. */
export interface Connect {
  /** Hands the open grant request `linkOrHash` to the Assistant; resolves with how it ended. */
  requestConsent(linkOrHash: string): Promise<ConnectOutcome>;
  /** On the clearinghouse's own origin: the customer's view, or a non-`granted` outcome. */
  customerView(): Promise<
    | { readonly outcome: 'view'; readonly items: readonly CustomerViewItem[] }
    | Exclude<ConnectOutcome, { outcome: 'granted' }>
  >;
}

/**
 * The page's side of the bridge. Each call posts one message and settles once: with the
 * Assistant's answer, or with `no-assistant` when no acknowledgement came within the timeout.
 * A call while another is open on this page waits for nothing: the Assistant answers
 * `ERR_BRIDGE_BUSY` itself (one open request per tab).
 *
 * @example
 * ```ts
 * const outcome = await createConnect(ports).requestConsent(link);
 * ```
 */
export function createConnect(ports: ConnectPorts): Connect {
  const ackTimeoutMs = ports.ackTimeoutMs ?? defaultAckTimeoutMs;

  function exchange<T>(
    message: PageMessage,
    settle: (answer: AssistantMessage) => T | undefined,
    noAssistant: () => T,
  ): Promise<T> {
    return new Promise<T>((resolve) => {
      let done = false;
      let cancelTimer = () => {};
      const stop = ports.listen((event) => {
        if (done || !event.sameWindow || event.origin !== ports.origin) return;
        const answer = parseAssistantMessage(event.data);
        if (answer === undefined || answer.id !== message.id) return;
        if (answer.type === 'ack') {
          cancelTimer();
          return;
        }
        const result = settle(answer);
        if (result === undefined) return;
        finish(result);
      });
      function finish(result: T): void {
        done = true;
        cancelTimer();
        stop();
        resolve(result);
      }
      cancelTimer = ports.schedule(ackTimeoutMs, () => {
        if (!done) finish(noAssistant());
      });
      ports.post(message);
    });
  }

  const noAssistant = () => ({ outcome: 'no-assistant', installUrl: ports.installUrl }) as const;

  return {
    requestConsent(linkOrHash) {
      const request = requestHashOf(linkOrHash);
      if (request === undefined)
        return Promise.resolve({ outcome: 'error', code: 'ERR_GRANT_REQUEST_UNKNOWN' });
      const id = ports.newId();
      const message: PageMessage = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'request',
        id,
        request,
      };
      return exchange<ConnectOutcome>(
        message,
        (answer) => (answer.type === 'outcome' ? answer.outcome : undefined),
        noAssistant,
      );
    },
    customerView() {
      const id = ports.newId();
      const message: PageMessage = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'customer-view',
        id,
      };
      type ViewResult = Awaited<ReturnType<Connect['customerView']>>;
      return exchange<ViewResult>(
        message,
        (answer): ViewResult | undefined => {
          if (answer.type === 'customer-view') return { outcome: 'view', items: answer.items };
          if (answer.type === 'outcome' && answer.outcome.outcome !== 'granted')
            return answer.outcome;
          return undefined;
        },
        noAssistant,
      );
    },
  };
}
