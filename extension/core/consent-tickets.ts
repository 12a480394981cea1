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
  /** The requesting tab (bridge), or null (a link opened in the dashboard). */
  readonly tab: number | null;
  readonly openedAt: number;
  outcome: TicketOutcome | null;
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
      if (now - t.openedAt < ticketLifetimeMs) continue;
      // An answered ticket nobody polled is dropped; an open one becomes "cancelled" for one more poll.
      if (t.outcome === null) t.outcome = { outcome: 'cancelled' };
      else if (now - t.openedAt > 2 * ticketLifetimeMs) this.tickets.delete(id);
    }
  }

  /** Opens a ticket for a checked request; `ERR_BRIDGE_BUSY` while the tab has one unanswered. */
  open(checked: CheckedRequest, tab: number | null): string {
    return this.add({ state: 'checked', checked }, tab);
  }

  /**
   * Opens a ticket for a request verified while the vault is locked; the window completes it
   * after the unlock. `ERR_BRIDGE_BUSY` while the tab has one unanswered.
   */
  openUnchecked(verified: VerifiedRequest, tab: number | null): string {
    return this.add({ state: 'unchecked', verified }, tab);
  }

  private add(request: PendingRequest, tab: number | null): string {
    this.expire();
    if (tab !== null && [...this.tickets.values()].some((t) => t.tab === tab && t.outcome === null))
      throw new ProtocolError('ERR_BRIDGE_BUSY', 'this tab has an open request');
    const id = hexEncode(this.randomBytes(16));
    this.tickets.set(id, { request, tab, openedAt: this.clock.now(), outcome: null });
    return id;
  }

  /** The open (unanswered) ticket `id`'s request; `ERR_WALLET_REQUEST_UNKNOWN` otherwise. */
  pending(id: string): PendingRequest {
    this.expire();
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such open request');
    return t.request;
  }

  /** Replaces an unchecked ticket's request by its checked form (once). */
  complete(id: string, checked: CheckedRequest): void {
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null || t.request.state !== 'unchecked')
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'no such unchecked request');
    if (t.request.verified.sha256 !== checked.sha256)
      throw new ProtocolError('ERR_WALLET_REQUEST_UNKNOWN', 'another request');
    t.request = { state: 'checked', checked };
  }

  /** Records how the ticket ended (once). */
  settle(id: string, outcome: TicketOutcome): void {
    const t = this.tickets.get(id);
    if (t === undefined || t.outcome !== null)
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
