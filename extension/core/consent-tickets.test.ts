import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../protocol/errors';
import { ConsentTickets, ticketLifetimeMs } from './consent-tickets';
import { FakeClock } from './fakes';
import type { CheckedRequest, VerifiedRequest } from './wallet';

/** A request of the company `co_` + `letter`…; each test's requests are one company's. */
const requestOf = (letter: string) => ({
  sha256: 'A'.repeat(43),
  company: { id: `co_${letter.repeat(43)}` },
});
const checked = requestOf('A') as CheckedRequest;
const checkedB = requestOf('B') as CheckedRequest;
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
    const other = tickets.open(checkedB, 2);
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
    expect(tickets.pending(other)).toEqual({ state: 'checked', checked: checkedB });
  });

  it('holds a request verified while the vault is locked until its checks are completed', () => {
    const tickets = new ConsentTickets(new FakeClock(0), random);
    const verified = requestOf('A') as VerifiedRequest;
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

  it('lets a company have one open request at a time, whichever tab it asks from', () => {
    const tickets = new ConsentTickets(new FakeClock(0), random);
    const first = tickets.open(checked, 1);
    expect(codeOf(() => tickets.open(checked, 2))).toBe('ERR_BRIDGE_BUSY');
    expect(codeOf(() => tickets.openQuiet(checked as never, 3, 10_000))).toBe('ERR_BRIDGE_BUSY');
    // Another company's page is not held up; a link from the dashboard (no tab) is not limited.
    expect(typeof tickets.open(checkedB, 2)).toBe('string');
    expect(typeof tickets.open(checked, null)).toBe('string');
    tickets.settle(first, { outcome: 'cancelled' });
    expect(typeof tickets.open(checked, 4)).toBe('string');
  });

  it('tells a busy tab or company before anything is opened, and only then', () => {
    const tickets = new ConsentTickets(new FakeClock(0), random);
    expect(codeOf(() => tickets.checkFree(checked.company.id, 1))).toBeUndefined();
    const first = tickets.open(checked, 1);
    expect(codeOf(() => tickets.checkFree(checkedB.company.id, 1))).toBe('ERR_BRIDGE_BUSY');
    expect(codeOf(() => tickets.checkFree(checked.company.id, 2))).toBe('ERR_BRIDGE_BUSY');
    expect(codeOf(() => tickets.checkFree(checkedB.company.id, 2))).toBeUndefined();
    tickets.settle(first, { outcome: 'refused' });
    expect(codeOf(() => tickets.checkFree(checked.company.id, 1))).toBeUndefined();
  });

  it('ends a quiet request (no window) as "cancelled" at its time, and no window can take it', () => {
    const clock = new FakeClock(0);
    const tickets = new ConsentTickets(clock, random);
    const id = tickets.openQuiet(checked as unknown as VerifiedRequest, 6, 12_000);
    expect(codeOf(() => tickets.pending(id))).toBe('ERR_WALLET_REQUEST_UNKNOWN');
    expect(codeOf(() => tickets.settle(id, { outcome: 'refused' }))).toBe(
      'ERR_WALLET_REQUEST_UNKNOWN',
    );
    clock.ms = 11_999;
    expect(tickets.poll(id, 6)).toBeNull();
    expect(codeOf(() => tickets.openQuiet(checked as never, 6, 20_000))).toBe('ERR_BRIDGE_BUSY');
    clock.ms = 12_000;
    expect(tickets.poll(id, 6)).toEqual({ outcome: 'cancelled' });
  });
});
