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
 * On the clearinghouse's own origin the page also asks for the customer's view (`customer-view`),
 * for an action the customer confirms in the Assistant's window (`action`), and, while the
 * Assistant's vault is locked, for its unlock prompt (`unlock`, no payload: the Assistant opens
 * or focuses its dashboard, where the Unlock form shows, and answers `done`). An Assistant from
 * before `unlock` drops it unanswered, so the page hears `no-assistant` and keeps its own steps.
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

/**
 * The `<meta name>` by which a page says which additions to the customer view its copy of this
 * module reads (`content`: a space-separated list, {@link customerViewAnswers} among them). The
 * module parses the view strictly, so a page of a clearinghouse from before an addition drops a
 * view that carries it: the Assistant's bridge leaves out what the page does not declare.
 */
export const customerViewFeaturesMeta = 'consent-clearinghouse-customer-view';

/** The addition of December 2026: each data request's verified `answer`. */
export const customerViewAnswers = 'answers';

/**
 * `items` as a page reads them that did not declare `features` (see
 * {@link customerViewFeaturesMeta}): without each data request's `answer` unless `answers` is
 * declared.
 *
 * @example
 * ```ts
 * const forPage = customerViewFor(items, metaContent.split(' '));
 * ```
 */
export function customerViewFor(
  items: readonly CustomerViewItem[],
  features: readonly string[],
): CustomerViewItem[] {
  if (features.includes(customerViewAnswers)) return [...items];
  return items.map((item) => ({
    ...item,
    dataRequests: item.dataRequests.map(({ answer: _answer, ...request }) => request),
  })) as unknown as CustomerViewItem[];
}
/** How long the page waits for the Assistant's acknowledgement before it says "not installed". */
export const defaultAckTimeoutMs = 1500;
/**
 * How often the Assistant's bridge repeats its acknowledgement while a request is open (ms): the
 * page's sign that the Assistant is still there (the customer may take minutes in its window).
 */
export const ackRepeatMs = 3000;
/**
 * How long the page waits after the Assistant's last repeated acknowledgement before it gives up
 * with `ERR_ASSISTANT_SILENT` (ms). Generous: a browser wakes the timers of a page hidden for
 * five minutes once a minute only (Chromium's intensive throttling), the bridge's and the page's
 * alike, so a repeat can come a minute late without the Assistant being gone.
 */
export const defaultSilenceMs = 150_000;
/**
 * The error a page gets when the Assistant acknowledged its request and then fell silent (it was
 * removed, switched off or updated meanwhile): whether the customer answered is unknown.
 */
export const assistantSilentCode = 'ERR_ASSISTANT_SILENT';
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
      /**
       * `stored`: the Assistant's copy as it is, at once (no network); `refresh`: the copy after
       * the Assistant asked the clearinghouse again (issue 9: the page shows the first while
       * the second is on its way).
       */
      readonly mode: CustomerViewMode;
    }
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'page';
      readonly type: 'action';
      readonly id: string;
      readonly action: CustomerAction;
    }
  | {
      readonly channel: typeof connectChannel;
      readonly v: 1;
      readonly from: 'page';
      /**
       * On the clearinghouse's own origin, while the vault is locked: the Assistant opens its
       * dashboard (where the Unlock form shows), or focuses the one open; nothing beyond the head.
       */
      readonly type: 'unlock';
      readonly id: string;
    };

/**
 * What the clearinghouse's "my data" page may ask the Assistant to do (issue 9). The Assistant
 * shows it in its own window and acts only after the customer confirms there; a correction's
 * value is typed in that window, never handed over by the page.
 */
export type CustomerAction =
  | { readonly kind: 'revoke'; readonly company: string }
  | { readonly kind: 'access' | 'erasure'; readonly company: string }
  | { readonly kind: 'correct'; readonly dataCategory: string };

/** Which copy of the customer view the page asks for (see {@link PageMessage}). */
export type CustomerViewMode = 'stored' | 'refresh';
const customerViewModes: readonly string[] = ['stored', 'refresh'] satisfies CustomerViewMode[];

/** How a company answered a data request, as the Assistant verified the answer. */
export interface DataRequestAnswer {
  readonly outcome: 'disclosure' | 'erased' | 'refused';
  /** The company's reason, in both languages: why it refused, or why an erasure kept data. */
  readonly reason: { readonly de: string; readonly en: string } | null;
  /** `erased`: the data categories erased (empty otherwise). */
  readonly erased: readonly string[];
  /** `erased`: when, in seconds (null otherwise). */
  readonly erasedAt: number | null;
}

/** What the company says it holds, from its current disclosure (plain, as disclosed). */
export interface CustomerViewHolding {
  readonly dataCategory: string;
  readonly sources: readonly string[];
  readonly purposes: readonly string[];
  readonly retentionDays: number;
  /** The onward recipients' names. */
  readonly recipients: readonly string[];
}

/** One company in the customer's view: plain data, no key and no signature material. */
export interface CustomerViewItem {
  readonly company: { readonly id: string; readonly legalName: string; readonly domain: string };
  readonly companyStatus: string;
  readonly pseudonym: string;
  readonly grants: readonly {
    readonly sha256: string;
    readonly status: 'active' | 'revoked' | 'expired';
    readonly purposes: readonly string[];
    readonly channels: readonly string[];
    readonly dataCategories: readonly string[];
    /** Purposes a partial revocation took back. */
    readonly revokedPurposes: readonly string[];
    readonly until: number | null;
  }[];
  readonly refusals: number;
  readonly openRevocations: number;
  /** Revocations, newest last: `at` is the revocation's `iat` (seconds). */
  readonly revocations: readonly {
    readonly sha256: string;
    readonly at: number | null;
    readonly acknowledged: boolean;
    readonly overdue: boolean;
  }[];
  /** The company's current disclosure, with its export opened by the Assistant; null: none yet. */
  readonly disclosure: {
    readonly sha256: string;
    readonly at: number | null;
    readonly holdings: readonly CustomerViewHolding[];
    /** The opened export (the data itself, as the company wrote it); null when none or unreadable. */
    readonly export: string | null;
  } | null;
  /** Access and erasure requests: `at` in seconds, `deadline` in milliseconds. */
  readonly dataRequests: readonly {
    readonly sha256: string;
    readonly type: 'access' | 'erasure';
    readonly at: number | null;
    readonly deadline: number;
    readonly answered: boolean;
    readonly overdue: boolean;
    /**
     * The answer as the Assistant verified it (null while none is): its outcome, the company's
     * reason (a refusal's, or why an erasure kept some data), and what an erasure erased, when.
     * An Assistant before December 2026 sends none: read as null.
     */
    readonly answer: DataRequestAnswer | null;
  }[];
  /** Offers from this company as the Assistant decided them (`hidden` includes unreadable ones). */
  readonly offers: {
    readonly received: number;
    readonly delivered: number;
    readonly held: number;
    readonly hidden: number;
  };
  /** Rewards earned: how many, the points summed, the best discount (per cent) still valid. */
  readonly rewards: {
    readonly count: number;
    readonly points: number;
    readonly bestDiscount: number | null;
  };
  /** Complaints about this company: submitted to the clearinghouse, and drafts not sent yet. */
  readonly complaints: { readonly submitted: number; readonly drafts: number };
  /**
   * The uses of the data the company reported, newest first: `at` in seconds, `outOfScope` the
   * finding's reason when its grant did not cover the use.
   */
  readonly accessEvents: readonly {
    readonly at: number;
    readonly purpose: string;
    readonly dataCategories: readonly string[];
    readonly count: number;
    readonly outOfScope: string | null;
  }[];
  /**
   * Each complaint, newest first: a draft not sent, open at the regulator, or decided (with the
   * regulator's reason in German and English). `at` and `decidedAt` in milliseconds.
   * `verified`: whether the Assistant checked the regulator's signed decision (its reason is
   * handed over only then); null while there is no decision.
   */
  readonly complaintHistory: readonly {
    readonly sha256: string | null;
    readonly state: 'draft' | 'open' | 'upheld' | 'dismissed';
    readonly reasons: readonly string[];
    readonly at: number;
    readonly decidedAt: number | null;
    readonly reason: { readonly de: string; readonly en: string } | null;
    readonly verified: boolean | null;
  }[];
}

/**
 * How a request ended, as the page learns it. `cancelled`: "not now": the customer closed the
 * Assistant's window without an answer or chose "Decide later" there (or pressed Escape), or its
 * own checks declined the request (a blacklisted company, one asking again before the customer's
 * "ask me again after"): the page cannot tell which, by design (docs/company-integration.md
 * "Connect from your page").
 */
export type ConnectOutcome =
  | { readonly outcome: 'granted'; readonly receipt: string }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'error'; readonly code: string }
  | { readonly outcome: 'no-assistant'; readonly installUrl: string }
  /**
   * A customer action (issue 9) was confirmed and carried out; for `unlock`, the Assistant's
   * dashboard was opened (or focused), or the vault was unlocked already.
   */
  | { readonly outcome: 'done' };

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
      /** When the Assistant last refreshed its copy from the clearinghouse (ms); null: never. */
      readonly asOf: number | null;
      /** True when this answer is the refreshed copy, false for the stored one. */
      readonly fresh: boolean;
    };

/** Bounds of the customer view the page accepts. */
export const customerViewLimits = {
  items: 10_000,
  grants: 256,
  purposes: 64,
  text: 300,
  /** Revocations and data requests per company. */
  history: 1000,
  holdings: 64,
  recipients: 64,
  /** Characters of an opened export. */
  export: 64 * 1024,
  /** Reported uses per company. */
  accessEvents: 100,
  /** Characters of a regulator's reason, per language. */
  reason: 2000,
} as const;

type Plain = Record<string, unknown>;

/**
 * A plain object: its prototype is null or an `Object.prototype`, this realm's or another's. A
 * page's message reaches a Firefox content script (the bridge) through an Xray wrapper whose
 * prototype is the page's `Object.prototype`, not the script's: an identity check against this
 * realm's dropped every message there (found by hand in Firefox ESR; test/e2e/bridge.firefox.spec.ts).
 * Class instances (whose prototype's prototype is not null) stay refused.
 */
function isPlain(value: unknown): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
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
  if (value.type === 'customer-view' && exactKeys(value, [...head, 'mode'])) {
    if (typeof value.mode !== 'string' || !customerViewModes.includes(value.mode)) return undefined;
    return {
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'customer-view',
      id: value.id as string,
      mode: value.mode as CustomerViewMode,
    };
  }
  if (value.type === 'action' && exactKeys(value, [...head, 'action'])) {
    const action = parseAction(value.action);
    if (action === undefined) return undefined;
    return {
      channel: connectChannel,
      v: 1,
      from: 'page',
      type: 'action',
      id: value.id as string,
      action,
    };
  }
  if (value.type === 'unlock' && exactKeys(value, head))
    return { channel: connectChannel, v: 1, from: 'page', type: 'unlock', id: value.id as string };
  return undefined;
}

const categoryPattern = /^[a-z_]{1,64}$/;

/** Parses a {@link CustomerAction}; `undefined` for anything else. */
export function parseAction(value: unknown): CustomerAction | undefined {
  if (!isPlain(value)) return undefined;
  if (value.kind === 'revoke' || value.kind === 'access' || value.kind === 'erasure') {
    if (!exactKeys(value, ['kind', 'company'])) return undefined;
    if (typeof value.company !== 'string' || !idPrefixedPattern.test(value.company))
      return undefined;
    if (!value.company.startsWith('co_')) return undefined;
    return { kind: value.kind, company: value.company };
  }
  if (value.kind === 'correct') {
    if (!exactKeys(value, ['kind', 'dataCategory'])) return undefined;
    if (typeof value.dataCategory !== 'string' || !categoryPattern.test(value.dataCategory))
      return undefined;
    return { kind: 'correct', dataCategory: value.dataCategory };
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
    case 'done':
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

function isTextList(value: unknown, maxItems: number, maxChars: number): value is string[] {
  return (
    Array.isArray(value) && value.length <= maxItems && value.every((x) => isText(x, maxChars))
  );
}

const isTime = (value: unknown): value is number | null => value === null || isCount(value);

function parseGrant(g: unknown): CustomerViewItem['grants'][number] | undefined {
  const n = customerViewLimits.purposes;
  if (
    !isPlain(g) ||
    !exactKeys(g, [
      'sha256',
      'status',
      'purposes',
      'channels',
      'dataCategories',
      'revokedPurposes',
      'until',
    ])
  )
    return undefined;
  if (typeof g.sha256 !== 'string' || !sha256Pattern.test(g.sha256)) return undefined;
  if (g.status !== 'active' && g.status !== 'revoked' && g.status !== 'expired') return undefined;
  if (!isTime(g.until)) return undefined;
  if (
    !isTextList(g.purposes, n, 64) ||
    !isTextList(g.channels, n, 64) ||
    !isTextList(g.dataCategories, n, 64) ||
    !isTextList(g.revokedPurposes, n, 64)
  )
    return undefined;
  return {
    sha256: g.sha256,
    status: g.status,
    purposes: [...g.purposes],
    channels: [...g.channels],
    dataCategories: [...g.dataCategories],
    revokedPurposes: [...g.revokedPurposes],
    until: g.until,
  };
}

function parseHolding(h: unknown): CustomerViewHolding | undefined {
  const l = customerViewLimits;
  if (
    !isPlain(h) ||
    !exactKeys(h, ['dataCategory', 'sources', 'purposes', 'retentionDays', 'recipients'])
  )
    return undefined;
  if (!isText(h.dataCategory, 64) || !isCount(h.retentionDays)) return undefined;
  if (!isTextList(h.sources, 16, 64) || !isTextList(h.purposes, l.purposes, 64)) return undefined;
  if (!isTextList(h.recipients, l.recipients, l.text)) return undefined;
  return {
    dataCategory: h.dataCategory,
    sources: [...h.sources],
    purposes: [...h.purposes],
    retentionDays: h.retentionDays,
    recipients: [...h.recipients],
  };
}

function parseDisclosure(d: unknown): CustomerViewItem['disclosure'] | undefined {
  if (d === null) return null;
  if (!isPlain(d) || !exactKeys(d, ['sha256', 'at', 'holdings', 'export'])) return undefined;
  if (typeof d.sha256 !== 'string' || !sha256Pattern.test(d.sha256) || !isTime(d.at))
    return undefined;
  if (d.export !== null && !isText(d.export, customerViewLimits.export)) return undefined;
  if (!Array.isArray(d.holdings) || d.holdings.length > customerViewLimits.holdings)
    return undefined;
  const holdings: CustomerViewHolding[] = [];
  for (const h of d.holdings as unknown[]) {
    const one = parseHolding(h);
    if (one === undefined) return undefined;
    holdings.push(one);
  }
  return { sha256: d.sha256, at: d.at, holdings, export: d.export };
}

function parseList<T>(
  value: unknown,
  max: number,
  one: (x: unknown) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(value) || value.length > max) return undefined;
  const out: T[] = [];
  for (const x of value as unknown[]) {
    const parsed = one(x);
    if (parsed === undefined) return undefined;
    out.push(parsed);
  }
  return out;
}

function parseRevocation(r: unknown): CustomerViewItem['revocations'][number] | undefined {
  if (!isPlain(r) || !exactKeys(r, ['sha256', 'at', 'acknowledged', 'overdue'])) return undefined;
  if (typeof r.sha256 !== 'string' || !sha256Pattern.test(r.sha256) || !isTime(r.at))
    return undefined;
  if (typeof r.acknowledged !== 'boolean' || typeof r.overdue !== 'boolean') return undefined;
  return { sha256: r.sha256, at: r.at, acknowledged: r.acknowledged, overdue: r.overdue };
}

function parseDataRequest(r: unknown): CustomerViewItem['dataRequests'][number] | undefined {
  const keys = ['sha256', 'type', 'at', 'deadline', 'answered', 'overdue'];
  if (!isPlain(r) || !(exactKeys(r, keys) || exactKeys(r, [...keys, 'answer']))) return undefined;
  const answer = r.answer === undefined || r.answer === null ? null : parseAnswer(r.answer);
  if (answer === undefined) return undefined;
  if (typeof r.sha256 !== 'string' || !sha256Pattern.test(r.sha256) || !isTime(r.at))
    return undefined;
  if (r.type !== 'access' && r.type !== 'erasure') return undefined;
  if (!isCount(r.deadline) || typeof r.answered !== 'boolean' || typeof r.overdue !== 'boolean')
    return undefined;
  return {
    sha256: r.sha256,
    type: r.type,
    at: r.at,
    deadline: r.deadline,
    answered: r.answered,
    overdue: r.overdue,
    answer,
  };
}

/** A data request's verified answer, or undefined when it is not one. */
function parseAnswer(a: unknown): DataRequestAnswer | undefined {
  if (!isPlain(a) || !exactKeys(a, ['outcome', 'reason', 'erased', 'erasedAt'])) return undefined;
  if (a.outcome !== 'disclosure' && a.outcome !== 'erased' && a.outcome !== 'refused')
    return undefined;
  let reason: DataRequestAnswer['reason'] = null;
  if (a.reason !== null) {
    if (!isPlain(a.reason) || !exactKeys(a.reason, ['de', 'en'])) return undefined;
    if (!isText(a.reason.de, 2000) || !isText(a.reason.en, 2000)) return undefined;
    reason = { de: a.reason.de, en: a.reason.en };
  }
  if (!isTextList(a.erased, customerViewLimits.purposes, 64)) return undefined;
  if (a.erasedAt !== null && !isCount(a.erasedAt)) return undefined;
  return { outcome: a.outcome, reason, erased: [...a.erased], erasedAt: a.erasedAt };
}

function parseAccessEvent(e: unknown): CustomerViewItem['accessEvents'][number] | undefined {
  if (
    !isPlain(e) ||
    !exactKeys(e, ['at', 'purpose', 'dataCategories', 'count', 'outOfScope']) ||
    !isCount(e.at) ||
    !isText(e.purpose, 64) ||
    !isTextList(e.dataCategories, customerViewLimits.purposes, 64) ||
    !isCount(e.count) ||
    (e.outOfScope !== null && !isText(e.outOfScope, 64))
  )
    return undefined;
  return {
    at: e.at,
    purpose: e.purpose,
    dataCategories: [...e.dataCategories],
    count: e.count,
    outOfScope: e.outOfScope,
  };
}

const complaintStates: readonly string[] = ['draft', 'open', 'upheld', 'dismissed'];

function parseComplaint(c: unknown): CustomerViewItem['complaintHistory'][number] | undefined {
  const max = customerViewLimits.reason;
  if (
    !isPlain(c) ||
    !exactKeys(c, ['sha256', 'state', 'reasons', 'at', 'decidedAt', 'reason', 'verified']) ||
    (c.verified !== null && typeof c.verified !== 'boolean') ||
    (c.sha256 !== null && (typeof c.sha256 !== 'string' || !sha256Pattern.test(c.sha256))) ||
    typeof c.state !== 'string' ||
    !complaintStates.includes(c.state) ||
    !isTextList(c.reasons, 32, 64) ||
    !isCount(c.at) ||
    !isTime(c.decidedAt)
  )
    return undefined;
  const r = c.reason;
  if (
    r !== null &&
    (!isPlain(r) || !exactKeys(r, ['de', 'en']) || !isText(r.de, max) || !isText(r.en, max))
  )
    return undefined;
  return {
    sha256: c.sha256,
    state: c.state as CustomerViewItem['complaintHistory'][number]['state'],
    reasons: [...c.reasons],
    at: c.at,
    decidedAt: c.decidedAt,
    reason: r === null ? null : { de: r.de as string, en: r.en as string },
    verified: c.verified,
  };
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
      'revocations',
      'disclosure',
      'dataRequests',
      'offers',
      'rewards',
      'complaints',
      'accessEvents',
      'complaintHistory',
    ])
  )
    return undefined;
  const counts = <K extends string>(
    x: unknown,
    keys: readonly K[],
  ): Record<K, number> | undefined =>
    isPlain(x) && exactKeys(x, keys) && keys.every((k) => isCount(x[k]))
      ? (Object.fromEntries(keys.map((k) => [k, x[k]])) as Record<K, number>)
      : undefined;
  const offers = counts(value.offers, ['received', 'delivered', 'held', 'hidden'] as const);
  const complaints = counts(value.complaints, ['submitted', 'drafts'] as const);
  const r = value.rewards;
  if (
    offers === undefined ||
    complaints === undefined ||
    !isPlain(r) ||
    !exactKeys(r, ['count', 'points', 'bestDiscount']) ||
    !isCount(r.count) ||
    !isCount(r.points) ||
    (r.bestDiscount !== null && !isCount(r.bestDiscount))
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
  const grants = parseList(value.grants, customerViewLimits.grants, parseGrant);
  const revocations = parseList(value.revocations, customerViewLimits.history, parseRevocation);
  const dataRequests = parseList(value.dataRequests, customerViewLimits.history, parseDataRequest);
  const disclosure = parseDisclosure(value.disclosure);
  const accessEvents = parseList(
    value.accessEvents,
    customerViewLimits.accessEvents,
    parseAccessEvent,
  );
  const complaintHistory = parseList(
    value.complaintHistory,
    customerViewLimits.history,
    parseComplaint,
  );
  if (
    grants === undefined ||
    revocations === undefined ||
    dataRequests === undefined ||
    disclosure === undefined ||
    accessEvents === undefined ||
    complaintHistory === undefined
  )
    return undefined;
  return {
    company: { id: c.id, legalName: c.legalName, domain: c.domain },
    companyStatus: value.companyStatus,
    pseudonym: value.pseudonym,
    grants,
    refusals: value.refusals,
    openRevocations: value.openRevocations,
    revocations,
    disclosure,
    dataRequests,
    offers,
    rewards: { count: r.count, points: r.points, bestDiscount: r.bestDiscount },
    complaints,
    accessEvents,
    complaintHistory,
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
    if (!exactKeys(value, [...head, 'items', 'asOf', 'fresh'])) return undefined;
    if (!isTime(value.asOf) || typeof value.fresh !== 'boolean') return undefined;
    const items = value.items;
    if (!Array.isArray(items) || items.length > customerViewLimits.items) return undefined;
    const parsed: CustomerViewItem[] = [];
    for (const item of items as unknown[]) {
      const one = parseViewItem(item);
      if (one === undefined) return undefined;
      parsed.push(one);
    }
    return { ...base, type: 'customer-view', items: parsed, asOf: value.asOf, fresh: value.fresh };
  }
  return undefined;
}

/**
 * The request id of an Assistant's acknowledgement or outcome (exactly the `ack` or `outcome`
 * shape of {@link AssistantMessage}), `undefined` for anything else. For a bridge cut off from its
 * extension, which stays quiet about a request another bridge answered (extension/core/page-bridge):
 * a live bridge with a request open answers a second one `ERR_BRIDGE_BUSY` without acknowledging
 * it, so the outcome alone must count. A customer view is left out: a live bridge acknowledges
 * before it sends one, and its items are not worth parsing in every page's content script.
 *
 * @example
 * ```ts
 * answeredRequestId(assistantMessage('a1', { type: 'ack' })); // 'a1'
 * answeredRequestId(assistantMessage('a1', { type: 'outcome', outcome: { outcome: 'refused' } })); // 'a1'
 * answeredRequestId({ ...thatAck, from: 'page' }); // undefined
 * ```
 */
export function answeredRequestId(value: unknown): string | undefined {
  if (!envelope(value, 'assistant')) return undefined;
  if (value.type === 'ack' && exactKeys(value, head)) return value.id as string;
  if (
    value.type === 'outcome' &&
    exactKeys(value, [...head, 'outcome']) &&
    parseOutcome(value.outcome) !== undefined
  )
    return value.id as string;
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
    | {
        type: 'customer-view';
        items: readonly CustomerViewItem[];
        asOf: number | null;
        fresh: boolean;
      },
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
  /** Default {@link defaultSilenceMs}. */
  readonly silenceMs?: number;
}

/** The page's side of the bridge. */
export interface Connect {
  /** Hands the open grant request `linkOrHash` to the Assistant; resolves with how it ended. */
  requestConsent(linkOrHash: string): Promise<ConnectOutcome>;
  /**
   * On the clearinghouse's own origin: the customer's view (the Assistant's stored copy, or
   * with `refresh` the copy after it asked the clearinghouse again), or a non-`granted` outcome.
   */
  customerView(mode?: CustomerViewMode): Promise<
    | {
        readonly outcome: 'view';
        readonly items: readonly CustomerViewItem[];
        readonly asOf: number | null;
        readonly fresh: boolean;
      }
    | Exclude<ConnectOutcome, { outcome: 'granted' }>
  >;
  /**
   * On the clearinghouse's own origin: asks the Assistant to carry out `action` after the
   * customer confirms it in the Assistant's own window; resolves `done`, `cancelled`, an error,
   * or `no-assistant`.
   */
  act(action: CustomerAction): Promise<Exclude<ConnectOutcome, { outcome: 'granted' | 'refused' }>>;
  /**
   * On the clearinghouse's own origin, while the vault is locked: asks the Assistant to show its
   * unlock prompt (its dashboard, opened or focused). Resolves `done` once it did (or the vault
   * was unlocked already), an error (`ERR_RATE_LIMITED`: it opened one for this tab moments
   * ago), or `no-assistant`, which is also what an Assistant from before this message gives.
   */
  openUnlock(): Promise<UnlockOutcome>;
}

/** How {@link Connect.openUnlock} ends. */
export type UnlockOutcome =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'error'; readonly code: string }
  | { readonly outcome: 'no-assistant'; readonly installUrl: string };

/**
 * The page's side of the bridge. Each call posts one message and settles once: with the
 * Assistant's answer, or with `no-assistant` when no acknowledgement came within the timeout.
 * A call while another is open on this page waits for nothing: the Assistant answers
 * `ERR_BRIDGE_BUSY` itself (one open request per tab).
 *
 * After the acknowledgement the call waits as long as the customer takes, but not for an
 * Assistant that is gone: the bridge repeats its acknowledgement every {@link ackRepeatMs} while
 * the request is open, and once a repeat was seen, {@link defaultSilenceMs} without one (and a
 * grace of two repeats more) settles the call with `error` `ERR_ASSISTANT_SILENT`. An Assistant that acknowledges once only (one
 * released before the repeats) is waited for as before: its silence cannot be told from a
 * customer still reading.
 *
 * @example
 * ```ts
 * const outcome = await createConnect(ports).requestConsent(link);
 * ```
 */
export function createConnect(ports: ConnectPorts): Connect {
  const ackTimeoutMs = ports.ackTimeoutMs ?? defaultAckTimeoutMs;
  const silenceMs = ports.silenceMs ?? defaultSilenceMs;
  const silent = () => ({ outcome: 'error', code: assistantSilentCode }) as const;

  function exchange<T>(
    message: PageMessage,
    settle: (answer: AssistantMessage) => T | undefined,
    noAssistant: () => T,
    fellSilent: () => T,
  ): Promise<T> {
    return new Promise<T>((resolve) => {
      let done = false;
      let acks = 0;
      let cancelTimer = () => {};
      const stop = ports.listen((event) => {
        if (done || !event.sameWindow || event.origin !== ports.origin) return;
        const answer = parseAssistantMessage(event.data);
        if (answer === undefined || answer.id !== message.id) return;
        if (answer.type === 'ack') {
          acks += 1;
          cancelTimer();
          cancelTimer = acks === 1 ? () => {} : watchSilence();
          return;
        }
        const result = settle(answer);
        if (result === undefined) return;
        finish(result);
      });
      /**
       * `silenceMs` without a repeat, then two repeats' time more before the call gives up: a
       * page the browser froze (a background tab, a sleeping machine) runs its overdue timer
       * before the message of the bridge's overdue repeat, which this grace lets arrive.
       */
      function watchSilence(): () => void {
        return ports.schedule(silenceMs, () => {
          if (done) return;
          cancelTimer = ports.schedule(2 * ackRepeatMs, () => {
            if (!done) finish(fellSilent());
          });
        });
      }
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
        silent,
      );
    },
    customerView(mode = 'refresh') {
      const id = ports.newId();
      const message: PageMessage = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'customer-view',
        id,
        mode,
      };
      type ViewResult = Awaited<ReturnType<Connect['customerView']>>;
      return exchange<ViewResult>(
        message,
        (answer): ViewResult | undefined => {
          if (answer.type === 'customer-view')
            return {
              outcome: 'view',
              items: answer.items,
              asOf: answer.asOf,
              fresh: answer.fresh,
            };
          if (answer.type === 'outcome' && answer.outcome.outcome !== 'granted')
            return answer.outcome;
          return undefined;
        },
        noAssistant,
        silent,
      );
    },
    act(action) {
      type ActResult = Awaited<ReturnType<Connect['act']>>;
      const parsed = parseAction(action);
      if (parsed === undefined)
        return Promise.resolve({ outcome: 'error', code: 'ERR_MESSAGE_INVALID' });
      const message: PageMessage = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'action',
        id: ports.newId(),
        action: parsed,
      };
      return exchange<ActResult>(
        message,
        (answer): ActResult | undefined => {
          if (answer.type !== 'outcome') return undefined;
          const o = answer.outcome;
          return o.outcome === 'granted' || o.outcome === 'refused'
            ? { outcome: 'error', code: 'ERR_MESSAGE_INVALID' }
            : o;
        },
        noAssistant,
        silent,
      );
    },
    openUnlock() {
      const message: PageMessage = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'unlock',
        id: ports.newId(),
      };
      return exchange<UnlockOutcome>(
        message,
        (answer): UnlockOutcome | undefined => {
          if (answer.type !== 'outcome') return undefined;
          const o = answer.outcome;
          return o.outcome === 'done' || o.outcome === 'error'
            ? o
            : { outcome: 'error', code: 'ERR_MESSAGE_INVALID' };
        },
        noAssistant,
        silent,
      );
    },
  };
}
