/**
 * The customer's view for the clearinghouse's own "my data at a glance" page (issues 7 and 9):
 * the Assistant reads and refreshes its relationships itself and hands the page plain data, the
 * shape protocol/connect checks. Names, states, purposes, what each company disclosed (with its
 * sealed export opened here, with the pairwise key) and hashes only: no key, no signature, no
 * receipt (DESIGN promise 1: private keys never leave the extension).
 *
 * Also the customer's actions started from that page (revoke, access, erasure, correction): the
 * page asks, the Assistant opens its own window, and only the customer's confirmation there
 * carries one out ({@link ActionTickets}).
 */
import type { CustomerAction, CustomerViewHolding, CustomerViewItem } from '../../protocol/connect';
import { customerViewLimits } from '../../protocol/connect';
import { hexEncode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError, type ProtocolErrorCode } from '../../protocol/errors';
import type { OpenedDecision } from './complaint-decisions';
import { readDrafts } from './complaints';
import { verifiedAnswer } from './disclosures';
import { readLedger } from './ledger';
import { offersRecord } from './offers';
import type { RecordStore } from './ports';
import type { ClockPort, RandomBytesPort } from './ports';
import { storedPayload } from './stored-jws';
import type { WalletRelationship } from './wallet';

/** A revocation unacknowledged this long after its `iat` is overdue (docs/architecture.md). */
export const revocationAckHours = 72;

type Json = Record<string, unknown>;

/** Payloads read so far, by the very JWS text (issue 9: decoding them was most of the view). */
const payloads = new Map<string, Readonly<Record<string, unknown>>>();
/** Enough for thousands of relationships; past it the cache starts again. */
const maxPayloads = 20_000;

/**
 * Drops the decoded payloads: called when the vault locks or is wiped, so no plain data of the
 * vault stays in the service worker's memory past that.
 *
 * @example
 * ```ts
 * vault.lock();
 * forgetDecodedPayloads();
 * ```
 */
export function forgetDecodedPayloads(): void {
  payloads.clear();
}

/**
 * The payload of a JWS the vault holds ({@link storedPayload}), decoded once per token: the view
 * is built again on every request, from the same few hundred signed messages. Keyed by the whole
 * token, so another token never gets this one's payload. Read-only for the callers here.
 */
function payloadOf(jws: string): Readonly<Record<string, unknown>> {
  let payload = payloads.get(jws);
  if (payload === undefined) {
    if (payloads.size >= maxPayloads) payloads.clear();
    payload = storedPayload(jws);
    payloads.set(jws, payload);
  }
  return payload;
}

function strings(value: unknown, max: number = customerViewLimits.purposes): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((p): p is string => typeof p === 'string' && p.length <= 64)
    .filter((p, i, all) => all.indexOf(p) === i)
    .slice(0, max);
}

function seconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function scopesOf(payload: Json): Json[] {
  const scopes = payload.scopes;
  return Array.isArray(scopes)
    ? scopes.filter((s): s is Json => typeof s === 'object' && s !== null)
    : [];
}

function holdingsOf(payload: Json): CustomerViewHolding[] {
  const holdings = Array.isArray(payload.holdings) ? payload.holdings : [];
  const out: CustomerViewHolding[] = [];
  for (const h of holdings.slice(0, customerViewLimits.holdings) as unknown[]) {
    if (typeof h !== 'object' || h === null) continue;
    const holding = h as Json;
    if (typeof holding.dataCategory !== 'string' || holding.dataCategory.length > 64) continue;
    const recipients = Array.isArray(holding.recipients) ? holding.recipients : [];
    out.push({
      dataCategory: holding.dataCategory,
      sources: strings(holding.sources, 16),
      purposes: strings(holding.purposes),
      retentionDays: seconds(holding.retentionDays) ?? 0,
      recipients: recipients
        .map((r: unknown) =>
          typeof r === 'object' && r !== null ? (r as { name?: unknown }).name : undefined,
        )
        .filter((n): n is string => typeof n === 'string' && n.length <= customerViewLimits.text)
        .slice(0, customerViewLimits.recipients),
    });
  }
  return out;
}

/**
 * True when `r` has an active grant covering `dataCategory`: the holders a correction reaches
 * (the same rule as the wallet's `correct`).
 *
 * @example
 * ```ts
 * const holders = items.filter((r) => holdsCategory(r, 'address'));
 * ```
 */
export function holdsCategory(r: WalletRelationship, dataCategory: string): boolean {
  return r.grants.some(
    (g) =>
      g.status === 'active' &&
      scopesOf(payloadOf(g.jws)).some(
        (s) => Array.isArray(s.dataCategories) && s.dataCategories.includes(dataCategory),
      ),
  );
}

/** What the Assistant keeps beside the relationships: offers, the rewards ledger, complaints. */
export interface ViewExtras {
  /** Every stored offer's company and how the filter decided it (extension/core/offers). */
  readonly offers: readonly { readonly company: string; readonly state: string }[];
  /** The rewards ledger (extension/core/ledger). */
  readonly rewards: readonly {
    readonly company: string;
    readonly content: {
      readonly type: string;
      readonly amount?: number;
      readonly validUntil?: number;
    };
  }[];
  /** Complaint drafts and what became of them (extension/core/complaints). */
  readonly complaints: readonly {
    readonly company: string;
    readonly state: string;
    /** The submitted complaint's hash. */
    readonly sha256?: string | undefined;
    readonly reasons?: readonly string[];
    /** Epoch seconds. */
    readonly createdAt?: number;
    /** When it was submitted (epoch seconds), on complaints submitted since this is kept. */
    readonly submittedAt?: number | undefined;
  }[];
}

/** A damaged record shows as nothing (the dashboard lists damaged records); other errors throw. */
async function orEmpty<T>(read: () => Promise<readonly T[]>): Promise<readonly T[]> {
  try {
    return await read();
  } catch (e) {
    if (isProtocolError(e, 'ERR_VAULT_RECORD_DAMAGED')) return [];
    throw e;
  }
}

/**
 * Reads the offers, the rewards ledger and the complaints from the vault for the view.
 *
 * @example
 * ```ts
 * const items = customerView(relationships, now, await readViewExtras(vault));
 * ```
 */
export async function readViewExtras(store: RecordStore): Promise<ViewExtras> {
  const offers = await orEmpty(async () => {
    const raw = (await store.get(offersRecord.table, offersRecord.id)) as
      { items?: unknown } | undefined;
    const items = Array.isArray(raw?.items) ? (raw.items as unknown[]) : [];
    return items
      .filter((o): o is { company: string; state: string } => {
        const x = o as { company?: unknown; state?: unknown } | null;
        return typeof x?.company === 'string' && typeof x.state === 'string';
      })
      .map((o) => ({ company: o.company, state: o.state }));
  });
  return {
    offers,
    rewards: await orEmpty(() => readLedger(store)),
    complaints: await orEmpty(() => readDrafts(store)),
  };
}

/** What {@link customerViewItem} is told besides the relationship. */
export interface ViewContext {
  /** The Assistant's clock (ms), for the overdue flags. */
  readonly now: number;
  readonly extras?: ViewExtras;
}

/**
 * One stored relationship as the page may see it.
 *
 * @example
 * ```ts
 * const items = (await wallet.list()).items.map((r) => customerViewItem(r, { now: Date.now() }));
 * ```
 */
export function customerViewItem(
  r: WalletRelationship,
  context: ViewContext = { now: 0 },
): CustomerViewItem {
  const current = (r.disclosures ?? []).find((d) => d.current) ?? null;
  // Only what the wallet opened and verified itself (extension/core/disclosures) is shown.
  const opened =
    current === null
      ? undefined
      : (r.openedDisclosures ?? []).find((d) => d.sha256 === current.sha256);
  const disclosed = opened?.state === 'opened' ? opened : null;
  const id = r.company.id;
  const offers = (context.extras?.offers ?? []).filter((o) => o.company === id);
  const rewards = (context.extras?.rewards ?? []).filter((x) => x.company === id);
  const nowSeconds = Math.floor(context.now / 1000);
  const discounts = rewards
    .filter((x) => x.content.type === 'discount' && (x.content.validUntil ?? Infinity) > nowSeconds)
    .map((x) => x.content.amount ?? 0);
  const complaints = (context.extras?.complaints ?? []).filter((c) => c.company === id);
  const history = complaintHistoryOf(r, complaints);
  return {
    company: { id: r.company.id, legalName: r.company.legalName, domain: r.company.domain },
    companyStatus: r.company.status,
    pseudonym: r.pseudonym,
    grants: r.grants.slice(0, customerViewLimits.grants).map((g) => {
      const payload = payloadOf(g.jws);
      const scopes = scopesOf(payload);
      return {
        sha256: g.sha256,
        status: g.status,
        purposes: strings(scopes.map((s) => s.purpose)),
        channels: strings(scopes.flatMap((s) => (Array.isArray(s.channels) ? s.channels : []))),
        dataCategories: strings(
          scopes.flatMap((s) => (Array.isArray(s.dataCategories) ? s.dataCategories : [])),
        ),
        revokedPurposes: strings(g.revokedPurposes),
        until: seconds(payload.until),
      };
    }),
    refusals: r.refusals.length,
    openRevocations: r.revocations.filter((x) => !x.acknowledged).length,
    revocations: r.revocations.slice(-customerViewLimits.history).map((x) => {
      const at = seconds(payloadOf(x.jws).iat);
      return {
        sha256: x.sha256,
        at,
        acknowledged: x.acknowledged,
        overdue:
          !x.acknowledged && at !== null && context.now > (at + revocationAckHours * 3600) * 1000,
      };
    }),
    disclosure:
      disclosed === null
        ? null
        : {
            sha256: disclosed.sha256,
            at: seconds(disclosed.iat),
            holdings: holdingsOf(disclosed as unknown as Json),
            export:
              disclosed.export !== null && disclosed.export.length <= customerViewLimits.export
                ? disclosed.export
                : null,
          },
    dataRequests: (r.dataRequests ?? []).slice(-customerViewLimits.history).map((d) => {
      const payload = payloadOf(d.jws);
      // Answered only by an answer the Assistant verified itself: one that did not verify (or
      // is not opened yet) leaves the request open, overdue past its deadline.
      const verified = verifiedAnswer(d, r.openedAnswers ?? []);
      const answered = verified !== undefined;
      return {
        sha256: d.sha256,
        type: payload.type === 'erasure' ? 'erasure' : 'access',
        at: seconds(payload.iat),
        deadline: d.deadline,
        answered,
        overdue: !answered && context.now > d.deadline,
        answer:
          verified === undefined
            ? null
            : {
                outcome: verified.outcome,
                reason:
                  verified.outcome === 'refused'
                    ? verified.reason
                    : verified.outcome === 'erased'
                      ? (verified.retained?.reason ?? null)
                      : null,
                erased: verified.outcome === 'erased' ? [...verified.dataCategories] : [],
                erasedAt: verified.outcome === 'erased' ? verified.erasedAt : null,
              },
      };
    }),
    offers: {
      received: offers.length,
      delivered: offers.filter((o) => o.state === 'delivered').length,
      held: offers.filter((o) => o.state === 'held').length,
      hidden: offers.filter((o) => o.state === 'hidden' || o.state === 'invalid').length,
    },
    rewards: {
      count: rewards.length,
      points: rewards
        .filter((x) => x.content.type === 'bonus_points')
        .reduce((sum, x) => sum + (x.content.amount ?? 0), 0),
      bestDiscount: discounts.length === 0 ? null : Math.max(...discounts),
    },
    complaints: {
      submitted: history.filter((c) => c.state !== 'draft').length,
      drafts: history.filter((c) => c.state === 'draft').length,
    },
    accessEvents: (r.accessEvents ?? []).slice(0, customerViewLimits.accessEvents).map((e) => ({
      at: e.at,
      purpose: e.purpose,
      dataCategories: strings(e.dataCategories),
      count: e.count,
      outOfScope: e.outOfScope,
    })),
    complaintHistory: history,
  };
}

type ComplaintEntry = CustomerViewItem['complaintHistory'][number];

/**
 * The regulator's reason, only from a decision the Assistant verified itself
 * (./complaint-decisions): null otherwise, and when it is too long for the page.
 */
function decisionReason(opened: OpenedDecision | undefined): ComplaintEntry['reason'] {
  if (opened?.state !== 'verified') return null;
  const { de, en } = opened.reason;
  const max = customerViewLimits.reason;
  return de.length <= max && en.length <= max ? { de, en } : null;
}

/**
 * Every complaint about the company, newest first: the clearinghouse's list (open or decided,
 * with the regulator's reason), plus what only the Assistant knows: submitted complaints the
 * list does not show yet (open) and drafts not sent.
 */
function complaintHistoryOf(
  r: WalletRelationship,
  local: ViewExtras['complaints'],
): ComplaintEntry[] {
  const opened = new Map((r.openedDecisions ?? []).map((d) => [d.sha256, d]));
  const out: ComplaintEntry[] = (r.complaints ?? []).map((c) => {
    const decision = c.decision === null ? undefined : opened.get(c.decision.sha256);
    const verified =
      decision?.state === 'verified' && decision.complaintSha256 === c.sha256
        ? decision
        : undefined;
    return {
      sha256: c.sha256,
      // A verified decision says what it is itself; otherwise the clearinghouse's word, marked.
      state: c.decision === null ? 'open' : (verified?.decision ?? c.decision.decision),
      reasons: strings(c.reasons, 32),
      at: c.receivedAt,
      decidedAt: c.decision?.decidedAt ?? null,
      reason: decisionReason(verified),
      verified: c.decision === null ? null : verified !== undefined,
    };
  });
  for (const c of local) {
    if (c.state !== 'draft' && c.state !== 'submitted') continue;
    if (c.sha256 !== undefined && out.some((x) => x.sha256 === c.sha256)) continue;
    out.push({
      sha256: c.state === 'submitted' ? (c.sha256 ?? null) : null,
      state: c.state === 'draft' ? 'draft' : 'open',
      reasons: strings(c.reasons ?? [], 32),
      // A submitted one's time is its submission's (as the clearinghouse's `receivedAt` above);
      // a draft's, or one submitted before that was kept, when it was first written.
      at: (c.submittedAt ?? c.createdAt ?? 0) * 1000,
      decidedAt: null,
      reason: null,
      verified: null,
    });
  }
  return out.sort((a, b) => b.at - a.at).slice(0, customerViewLimits.history);
}

/**
 * The whole view, one item per stored relationship (at most {@link customerViewLimits}.items).
 *
 * @example
 * ```ts
 * const items = customerView((await wallet.list()).items, clock.now(), extras);
 * ```
 */
export function customerView(
  relationships: readonly WalletRelationship[],
  now: number,
  extras?: ViewExtras,
): CustomerViewItem[] {
  // Indexing the extras by company first would pay off only past thousands of offers per company.
  return relationships
    .slice(0, customerViewLimits.items)
    .map((r) => customerViewItem(r, { now, ...(extras === undefined ? {} : { extras }) }));
}

/** How long the Assistant's confirmation window for an action stays answerable. */
export const actionLifetimeMs = 10 * 60 * 1000;

/**
 * The code of an action that failed for a reason that is no protocol error (a bug, the browser):
 * no catalog has a sentence for it, so the page says something went wrong, and never that
 * nothing changed (the action may have taken effect before the failure).
 */
export const unexpectedActionError = 'ERR_ASSISTANT_UNEXPECTED';

/** How an action ended, as the bridge hands it to the page. */
export type ActionOutcome =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'cancelled' }
  | {
      readonly outcome: 'error';
      readonly code: ProtocolErrorCode | typeof unexpectedActionError;
    };

interface ActionTicket {
  readonly action: CustomerAction;
  readonly tab: number;
  readonly openedAt: number;
  outcome: ActionOutcome | null;
}

/**
 * The actions waiting for the customer's confirmation in the Assistant's window, one per tab,
 * in the background's memory only (a restarted worker forgets them; the page learns
 * `cancelled` and may ask again).
 *
 * @example
 * ```ts
 * const ticket = actions.open({ kind: 'revoke', company: 'co_…' }, tabId);
 * actions.settle(ticket, { outcome: 'done' });
 * actions.poll(ticket, tabId); // { outcome: 'done' }
 * ```
 */
export class ActionTickets {
  private readonly tickets = new Map<string, ActionTicket>();

  constructor(
    private readonly clock: ClockPort,
    private readonly randomBytes: RandomBytesPort,
  ) {}

  private expire(): void {
    const now = this.clock.now();
    for (const [id, t] of this.tickets) {
      if (now - t.openedAt < actionLifetimeMs) continue;
      if (t.outcome === null) t.outcome = { outcome: 'cancelled' };
      else if (now - t.openedAt > 2 * actionLifetimeMs) this.tickets.delete(id);
    }
  }

  /** Opens a ticket for `action` from `tab`; `ERR_BRIDGE_BUSY` while the tab has one open. */
  open(action: CustomerAction, tab: number): string {
    this.expire();
    if ([...this.tickets.values()].some((t) => t.tab === tab && t.outcome === null))
      throw new ProtocolError('ERR_BRIDGE_BUSY', 'this tab has an open action');
    const id = hexEncode(this.randomBytes(16));
    this.tickets.set(id, { action, tab, openedAt: this.clock.now(), outcome: null });
    return id;
  }

  /** The open action `id`; `ERR_WALLET_REQUEST_UNKNOWN` otherwise. */
  pending(id: string): CustomerAction {
    this.expire();
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such open action');
    return t.action;
  }

  /** Records how the action ended (once). */
  settle(id: string, outcome: ActionOutcome): void {
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such open action');
    t.outcome = outcome;
  }

  /** The outcome for the tab that asked: null while open; the outcome once (then it is gone). */
  poll(id: string, tab: number): ActionOutcome | null {
    this.expire();
    const t = this.tickets.get(id);
    if (t === undefined || t.tab !== tab)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such action for this tab');
    if (t.outcome === null) return null;
    this.tickets.delete(id);
    return t.outcome;
  }
}
