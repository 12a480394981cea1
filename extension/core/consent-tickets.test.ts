import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../protocol/errors';
import { ConsentTickets, ticketLifetimeMs } from './consent-tickets';
import { FakeClock } from './fakes';
import type { CheckedRequest, VerifiedRequest } from './wallet';

const checked = { sha256: 'A'.repeat(43) } as CheckedRequest;
let n = 0;
const random = (length: number) => new Uint8Array(length).fill(n++);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return isProtocolError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('ConsentTickets', () => {
  it('allows one open request per tab, answered once, told only to that tab', () => {
    const tickets = new ConsentTickets(new FakeClock(0), random);
    const first = tickets.open(checked, 1);
    expect(codeOf(() => tickets.open(checked, 1))).toBe('ERR_BRIDGE_BUSY');
    const other = tickets.open(checked, 2);
    expect(tickets.poll(first, 1)).toBeNull();
    expect(codeOf(() => tickets.poll(first, 2))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    tickets.settle(first, { outcome: 'granted', receipt: 'B'.repeat(43) });
    expect(codeOf(() => tickets.settle(first, { outcome: 'refused' }))).toBe(
      'ERR_WALLET_REQUEST_UNKNOWN',
    );
    expect(codeOf(() => tickets.pending(first))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    expect(tickets.poll(first, 1)).toEqual({ outcome: 'granted', receipt: 'B'.repeat(43) });
    expect(codeOf(() => tickets.poll(first, 1))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    // The tab is free again once its request was answered.
    expect(typeof tickets.open(checked, 1)).toBe('string');
    expect(tickets.pending(other)).toEqual({ state: 'checked', checked });
  });

  it('holds a request verified while the vault is locked until its checks are completed', () => {
    const tickets = new ConsentTickets(new FakeClock(0), random);
    const verified = { sha256: 'A'.repeat(43) } as VerifiedRequest;
    const id = tickets.openUnchecked(verified, 4);
    expect(codeOf(() => tickets.openUnchecked(verified, 4))).toBe('ERR_BRIDGE_BUSY');
    expect(tickets.pending(id)).toEqual({ state: 'unchecked', verified });
    expect(codeOf(() => tickets.complete(id, { sha256: 'C'.repeat(43) } as CheckedRequest))).toBe(
      'ERR_WALLET_REQUEST_UNKNOWN',
    );
    tickets.complete(id, checked);
    expect(tickets.pending(id)).toEqual({ state: 'checked', checked });
    // Completed once; the page still waits for the answer.
    expect(codeOf(() => tickets.complete(id, checked))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    expect(tickets.poll(id, 4)).toBeNull();
  });

  it('turns a window left unanswered too long into "cancelled"', () => {
    const clock = new FakeClock(0);
    const tickets = new ConsentTickets(clock, random);
    const id = tickets.open(checked, 3);
    clock.ms = ticketLifetimeMs;
    expect(codeOf(() => tickets.pending(id))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    expect(tickets.poll(id, 3)).toEqual({ outcome: 'cancelled' });
  });
});
