import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ackRepeatMs,
  assistantMessage,
  connectChannel,
  type AssistantMessage,
  type PageMessage,
} from '../../protocol/connect';
import { createPageBridge, otherBridgeWaitMs, pollMs } from './page-bridge';

const hash = 'A'.repeat(42) + 'Q';

function request(id: string): PageMessage {
  return { channel: connectChannel, v: 1, from: 'page', type: 'request', id, request: hash };
}

const silentOutcome = (id: string) =>
  assistantMessage(id, {
    type: 'outcome',
    outcome: { outcome: 'error', code: 'ERR_ASSISTANT_SILENT' },
  });

/**
 * One bridge in a tab: what it posts to the page, its extension switched off at will, and a
 * background that takes every request and answers it `refused` at its first poll.
 */
function tab(background?: () => Promise<unknown>) {
  const posted: AssistantMessage[] = [];
  const sent: unknown[] = [];
  const state = { alive: true };
  const hear = createPageBridge({
    alive: () => state.alive,
    send: (message) => {
      sent.push(message);
      if (background !== undefined) return background();
      if (!state.alive) return Promise.reject(new Error('Extension context invalidated.'));
      const type = (message as { type: string }).type;
      if (type === 'bridge.request')
        return Promise.resolve({ type: 'bridge.accepted', ticket: 't1' });
      return Promise.resolve({ type: 'bridge.outcome', outcome: { outcome: 'refused' } });
    },
    post: (message) => posted.push(message),
    pageFeatures: () => [],
  });
  return { hear, posted, sent, state };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('createPageBridge', () => {
  it('acknowledges a request at once and answers it with the background’s outcome', async () => {
    const { hear, posted, sent } = tab();
    hear(request('r1'));
    expect(posted).toEqual([assistantMessage('r1', { type: 'ack' })]);
    await vi.advanceTimersByTimeAsync(pollMs);
    expect(sent).toEqual([
      { type: 'bridge.request', id: 'bridge', request: hash },
      { type: 'bridge.poll', ticket: 't1' },
    ]);
    expect(posted.at(-1)).toEqual(
      assistantMessage('r1', { type: 'outcome', outcome: { outcome: 'refused' } }),
    );
  });

  it('answers a second request while one is open ERR_BRIDGE_BUSY, without asking the background', () => {
    const { hear, posted, sent } = tab();
    hear(request('r1'));
    hear(request('r2'));
    expect(posted.at(-1)).toEqual(
      assistantMessage('r2', {
        type: 'outcome',
        outcome: { outcome: 'error', code: 'ERR_BRIDGE_BUSY' },
      }),
    );
    expect(sent).toHaveLength(1);
  });

  it('tells the page at the next repeat when its extension goes away under an open request', async () => {
    // A message to the background under way that never settles.
    const { hear, posted, state } = tab(() => new Promise<never>(() => {}));
    hear(request('r1'));
    state.alive = false;
    // The updated Assistant's bridge never saw r1: another request's acknowledgement changes nothing.
    hear(assistantMessage('r2', { type: 'ack' }));
    await vi.advanceTimersByTimeAsync(ackRepeatMs);
    expect(posted).toEqual([assistantMessage('r1', { type: 'ack' }), silentOutcome('r1')]);
  });

  it('answers once when the message to the background rejects after the repeat told the page', async () => {
    let reject: (reason: Error) => void = () => {};
    const { hear, posted, state } = tab(
      () => new Promise<never>((_resolve, rejectSend) => (reject = rejectSend)),
    );
    hear(request('r1'));
    state.alive = false;
    await vi.advanceTimersByTimeAsync(ackRepeatMs);
    reject(new Error('Extension context invalidated.'));
    await vi.advanceTimersByTimeAsync(10 * ackRepeatMs);
    expect(posted).toEqual([assistantMessage('r1', { type: 'ack' }), silentOutcome('r1')]);
  });

  describe('cut off from its extension', () => {
    it(`answers a request ERR_ASSISTANT_SILENT after ${otherBridgeWaitMs} ms when no other bridge acknowledges it`, async () => {
      const { hear, posted, sent, state } = tab();
      state.alive = false;
      hear(request('r1'));
      await vi.advanceTimersByTimeAsync(otherBridgeWaitMs - 1);
      expect(posted).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(posted).toEqual([assistantMessage('r1', { type: 'ack' }), silentOutcome('r1')]);
      expect(sent).toEqual([]);
      // Every later request of the tab the same, each once.
      hear(request('r2'));
      hear(request('r2'));
      await vi.advanceTimersByTimeAsync(otherBridgeWaitMs);
      expect(posted.slice(2)).toEqual([
        assistantMessage('r2', { type: 'ack' }),
        silentOutcome('r2'),
      ]);
    });

    it.each([
      ['at once', 0],
      ['just before the wait ends', otherBridgeWaitMs - 1],
    ])('stays quiet when another bridge acknowledges the request %s', async (_when, after) => {
      const { hear, posted, state } = tab();
      state.alive = false;
      hear(request('r1'));
      await vi.advanceTimersByTimeAsync(after);
      hear(assistantMessage('r1', { type: 'ack' }));
      await vi.advanceTimersByTimeAsync(10 * ackRepeatMs);
      expect(posted).toEqual([]);
    });

    it('stays quiet when another bridge answers the request ERR_BRIDGE_BUSY without acknowledging it', async () => {
      // After an update: the new bridge has a request of the page open, the old one is cut off.
      const live = tab(() => new Promise<never>(() => {}));
      const old = tab();
      old.state.alive = false;
      live.hear(request('r1'));
      // Both bridges hear every message posted to the window, each other's too.
      for (const bridge of [old, live]) bridge.hear(request('r2'));
      for (const message of live.posted) old.hear(message);
      expect(live.posted.at(-1)).toEqual(
        assistantMessage('r2', {
          type: 'outcome',
          outcome: { outcome: 'error', code: 'ERR_BRIDGE_BUSY' },
        }),
      );
      await vi.advanceTimersByTimeAsync(10 * otherBridgeWaitMs);
      expect(old.posted).toEqual([]);
    });

    it('answers a request whose only acknowledgement or outcome was for another id, or malformed', async () => {
      const { hear, posted, state } = tab();
      state.alive = false;
      hear(request('r1'));
      hear(assistantMessage('r9', { type: 'ack' }));
      hear({ ...assistantMessage('r1', { type: 'ack' }), extra: true });
      hear({ ...assistantMessage('r1', { type: 'ack' }), from: 'page' });
      hear({ ...silentOutcome('r1'), outcome: { outcome: 'error', code: 'silent' } });
      await vi.advanceTimersByTimeAsync(otherBridgeWaitMs);
      expect(posted).toEqual([assistantMessage('r1', { type: 'ack' }), silentOutcome('r1')]);
    });
  });
});

describe('the unlock prompt', () => {
  const unlock = (id: string): PageMessage => ({
    channel: connectChannel,
    v: 1,
    from: 'page',
    type: 'unlock',
    id,
  });

  it('forwards the page’s unlock to the background and answers done once it opened the dashboard', async () => {
    const { hear, posted, sent } = tab(() => Promise.resolve({ type: 'ok' }));
    hear(unlock('u1'));
    expect(posted).toEqual([assistantMessage('u1', { type: 'ack' })]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ type: 'bridge.unlock' }]);
    expect(posted.at(-1)).toEqual(
      assistantMessage('u1', { type: 'outcome', outcome: { outcome: 'done' } }),
    );
  });

  it('passes the background’s refusal on as its code', async () => {
    const { hear, posted } = tab(() =>
      Promise.resolve({ type: 'error', code: 'ERR_RATE_LIMITED' }),
    );
    hear(unlock('u2'));
    await vi.advanceTimersByTimeAsync(0);
    expect(posted.at(-1)).toEqual(
      assistantMessage('u2', {
        type: 'outcome',
        outcome: { outcome: 'error', code: 'ERR_RATE_LIMITED' },
      }),
    );
  });

  it('drops an unlock carrying anything beyond the head, without asking the background', async () => {
    const { hear, posted, sent } = tab(() => Promise.resolve({ type: 'ok' }));
    hear({ ...unlock('u3'), passphrase: 'x' });
    await vi.advanceTimersByTimeAsync(0);
    expect(posted).toEqual([]);
    expect(sent).toEqual([]);
  });
});
