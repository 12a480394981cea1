/**
 * The open consent windows (issue 7): each checked request gets a random ticket the window and,
 * for the bridge, the requesting tab use to find it. At most one open request per tab; a ticket
 * is answered once; one left unanswered for {@link ticketLifetimeMs} counts as cancelled. Held in
 * the background's memory only: a restarted worker forgets open windows, and their pages learn
 * `cancelled` (they can ask again).
 *
 * A request that arrives while the vault is locked gets an *unchecked* ticket: it passed the
 * checks that need no vault (extension/core/wallet `VerifiedRequest`), and the window asks for
 * the passphrase, then completes the checks ({@link ConsentTickets.complete}) before it shows it.
 *
 * A company's page cannot flood the customer with windows: besides one open request per tab, at
 * most one per company at a time (`ERR_BRIDGE_BUSY`; and a few a minute, counted across worker
 * restarts by extension/core/request-limit). A *quiet* ticket ({@link ConsentTickets.openQuiet})
 * opens no window and becomes `cancelled` by itself at a set time: the answer to a company the
 * customer declined again and again (extension/service.ts). It counts towards the same limits, so
 * the page cannot tell it from a window by them.
 */
import { hexEncode } from '../../protocol/encoding';
import { ProtocolError, type ProtocolErrorCode } from '../../protocol/errors';
import type { ClockPort, RandomBytesPort } from './ports';
import type { CheckedRequest, VerifiedRequest } from './wallet';

/** How long a consent window stays answerable. */
export const ticketLifetimeMs = 30 * 60 * 1000;

/** How a ticket ended, as the bridge hands it to the page. */
export type TicketOutcome =
  | { readonly outcome: 'granted'; readonly receipt: string }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'cancelled' }
  | { readonly outcome: 'error'; readonly code: ProtocolErrorCode };

/** An open ticket's request: checked, or verified only while it waits for the vault. */
export type PendingRequest =
  | { readonly state: 'checked'; readonly checked: CheckedRequest }
  | { readonly state: 'unchecked'; readonly verified: VerifiedRequest };

interface Ticket {
  request: PendingRequest;
  /** The requesting company's id. */
  readonly company: string;
  /** The requesting tab (bridge), or null (a link opened in the dashboard). */
  readonly tab: number | null;
  readonly openedAt: number;
  /** A quiet ticket (no window): when it becomes `cancelled`; null for a window's ticket. */
  readonly quietUntil: number | null;
  outcome: TicketOutcome | null;
}

/** The company a pending request is from. */
function companyOf(request: PendingRequest): string {
  return request.state === 'checked' ? request.checked.company.id : request.verified.company.id;
}

/**
 * The open tickets.
 *
 * @example
 * ```ts
 * const ticket = tickets.open(checked, sender.tabId);
 * tickets.settle(ticket, { outcome: 'refused' });
 * tickets.poll(ticket, sender.tabId); // { outcome: 'refused' }
 * ```
 */
export class ConsentTickets {
  private readonly tickets = new Map<string, Ticket>();

  constructor(
    private readonly clock: ClockPort,
    private readonly randomBytes: RandomBytesPort,
  ) {}

  private expire(): void {
    const now = this.clock.now();
    for (const [id, t] of this.tickets) {
      if (t.quietUntil !== null && t.outcome === null && now >= t.quietUntil)
        t.outcome = { outcome: 'cancelled' };
      if (now - t.openedAt < ticketLifetimeMs) continue;
      // An answered ticket nobody polled is dropped; an open one becomes "cancelled" for one more poll.
      if (t.outcome === null) t.outcome = { outcome: 'cancelled' };
      else if (now - t.openedAt > 2 * ticketLifetimeMs) this.tickets.delete(id);
    }
  }

  /**
   * Opens a ticket for a checked request. For a tab (the page bridge): `ERR_BRIDGE_BUSY` while
   * the tab or another of the company's has one unanswered ({@link checkFree}).
   */
  open(checked: CheckedRequest, tab: number | null): string {
    return this.add({ state: 'checked', checked }, tab, null);
  }

  /**
   * Opens a ticket for a request verified while the vault is locked; the window completes it
   * after the unlock. Refused as {@link open} is.
   */
  openUnchecked(verified: VerifiedRequest, tab: number | null): string {
    return this.add({ state: 'unchecked', verified }, tab, null);
  }

  /**
   * Opens a ticket that no window shows: it becomes `cancelled` at `until` (ms), as if the
   * customer had closed a window then. No window asks for it ({@link pending} does not know it).
   * Refused as {@link open} is.
   */
  openQuiet(verified: VerifiedRequest, tab: number, until: number): string {
    return this.add({ state: 'unchecked', verified }, tab, until);
  }

  private add(request: PendingRequest, tab: number | null, quietUntil: number | null): string {
    const company = companyOf(request);
    if (tab === null) this.expire();
    else this.checkFree(company, tab);
    const id = hexEncode(this.randomBytes(16));
    const openedAt = this.clock.now();
    this.tickets.set(id, { request, company, tab, openedAt, quietUntil, outcome: null });
    return id;
  }

  /**
   * Refuses with `ERR_BRIDGE_BUSY` a request of `company`'s page in `tab` while the tab, or
   * another tab of the company, has one unanswered; else nothing (see {@link open}).
   */
  checkFree(company: string, tab: number): void {
    this.expire();
    const open = [...this.tickets.values()].filter((t) => t.tab !== null && t.outcome === null);
    if (open.some((t) => t.tab === tab))
      throw new ProtocolError('ERR_BRIDGE_BUSY', 'this tab has an open request');
    if (open.some((t) => t.company === company))
      throw new ProtocolError('ERR_BRIDGE_BUSY', 'this company has an open request');
  }

  /** The open (unanswered) ticket `id`'s request; `ERR_WALLET_REQUEST_UNKNOWN` otherwise. */
  pending(id: string): PendingRequest {
    this.expire();
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null || t.quietUntil !== null)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such open request');
    return t.request;
  }

  /** Replaces an unchecked ticket's request by its checked form (once). */
  complete(id: string, checked: CheckedRequest): void {
    const t = this.tickets.get(id);
    if (
      t === undefined ||
      t.outcome !== null ||
      t.quietUntil !== null ||
      t.request.state !== 'unchecked'
    )
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such unchecked request');
    if (t.request.verified.sha256 !== checked.sha256)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'another request');
    t.request = { state: 'checked', checked };
  }

  /** Records how the ticket ended (once). */
  settle(id: string, outcome: TicketOutcome): void {
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null || t.quietUntil !== null)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such open request');
    t.outcome = outcome;
    // A ticket opened from a link has nobody to poll it.
    if (t.tab === null) this.tickets.delete(id);
  }

  /**
   * The outcome for the tab that opened the ticket: null while open; the outcome once (then the
   * ticket is gone). Another tab's ticket is `ERR_WALLET_REQUEST_UNKNOWN`.
   */
  poll(id: string, tab: number): TicketOutcome | null {
    this.expire();
    const t = this.tickets.get(id);
    if (t === undefined || t.tab !== tab)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such request for this tab');
    if (t.outcome === null) return null;
    this.tickets.delete(id);
    return t.outcome;
  }
}
