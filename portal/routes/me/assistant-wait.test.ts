/**
 * What /me awaits from the Assistant ends (assistant-wait.ts): an acknowledged message the
 * Assistant never answers (it disappeared meanwhile) ends at the page's deadline, and an action
 * that may have reached the Assistant is never said to have failed.
 */
import { describe, expect, it } from 'vitest';
import { createConnect, type ConnectEvent } from '$protocol/connect';
import {
  actionEnd,
  assistantDeadlines,
  onReturn,
  silent,
  unlockPromptEnd,
  withDeadline,
} from './assistant-wait';

/** A hand-driven timer: `advance(ms)` runs what came due. */
function clock() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    schedule(ms: number, fn: () => void) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      due.forEach((t) => t.fn());
    },
    get pending() {
      return timers.length;
    },
  };
}

/** protocol/connect on a page whose Assistant acknowledges every message and then vanishes. */
function vanishingAssistant(timer: ReturnType<typeof clock>) {
  let handler: ((event: ConnectEvent) => void) | undefined;
  const connect = createConnect({
    origin: 'http://localhost:3000',
    installUrl: 'http://localhost:3000/',
    post: (message) =>
      queueMicrotask(() =>
        handler?.({
          data: {
            channel: message.channel,
            v: 1,
            from: 'assistant',
            type: 'ack',
            id: message.id,
          },
          origin: 'http://localhost:3000',
          sameWindow: true,
        }),
      ),
    listen: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
    schedule: (ms, fn) => timer.schedule(ms, fn),
    newId: () => 'a1',
  });
  return connect;
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('withDeadline', () => {
  it('ends an acknowledged action the Assistant never answers as silent (failed before: it waited for good)', async () => {
    const timer = clock();
    const connect = vanishingAssistant(timer);
    let ended: unknown;
    void withDeadline(
      connect.act({ kind: 'revoke', company: `co_${'c'.repeat(43)}` }),
      assistantDeadlines.action,
      (ms, fn) => timer.schedule(ms, fn),
    ).then((answer) => (ended = answer));
    await settled();
    // Past protocol/connect's acknowledgement timeout: the Assistant did acknowledge.
    timer.advance(5_000);
    await settled();
    expect(ended).toBeUndefined();
    timer.advance(assistantDeadlines.action);
    await settled();
    expect(ended).toEqual(silent);
    expect(actionEnd(ended as typeof silent)).toEqual({ outcome: 'unknown' });
  });

  it('gives the answer that comes in time, and drops its timer', async () => {
    const timer = clock();
    const answer = await withDeadline(
      Promise.resolve({ outcome: 'done' } as const),
      1000,
      (ms, fn) => timer.schedule(ms, fn),
    );
    expect(answer).toEqual({ outcome: 'done' });
    expect(timer.pending).toBe(0);
  });

  it('does not give up on an action before the Assistant’s own window does (ten minutes)', () => {
    expect(assistantDeadlines.action).toBeGreaterThan(10 * 60_000);
    expect(assistantDeadlines.stored).toBeLessThan(assistantDeadlines.refresh);
  });
});

describe('actionEnd', () => {
  it.each([
    [
      'no acknowledgement: never reached',
      { outcome: 'no-assistant', installUrl: '/' },
      'not-reached',
    ],
    ['acknowledged, then silence: may have been done', silent, 'unknown'],
    [
      'an error the extension cannot name: may have been done',
      { outcome: 'error', code: 'ERR_ASSISTANT_UNEXPECTED' },
      'unknown',
    ],
    [
      "the bridge's repeated acknowledgements stopped: may have been done",
      { outcome: 'error', code: 'ERR_ASSISTANT_SILENT' },
      'unknown',
    ],
    ['done', { outcome: 'done' }, 'done'],
    ['cancelled in the Assistant', { outcome: 'cancelled' }, 'cancelled'],
  ] as const)('%s', (_name, answer, outcome) => {
    expect(actionEnd(answer).outcome).toBe(outcome);
  });

  it('keeps the code of an error the Assistant named', () => {
    expect(actionEnd({ outcome: 'error', code: 'ERR_VAULT_LOCKED' })).toEqual({
      outcome: 'error',
      code: 'ERR_VAULT_LOCKED',
    });
  });
});

describe('unlockPromptEnd', () => {
  it.each([
    ['the dashboard opened', { outcome: 'done' }, 'opened'],
    ['opened for this tab moments ago', { outcome: 'error', code: 'ERR_RATE_LIMITED' }, 'opened'],
    [
      'an Assistant from before the message: no acknowledgement',
      { outcome: 'no-assistant', installUrl: '/' },
      'not-opened',
    ],
    [
      'the dashboard could not be opened',
      { outcome: 'error', code: 'ERR_VAULT_LOCKED' },
      'not-opened',
    ],
    ['no answer in time', silent, 'not-opened'],
  ] as const)('%s: %s', (_name, answer, prompt) => {
    expect(unlockPromptEnd(answer)).toBe(prompt);
  });

  it('gives an older Assistant that drops the message up within the page’s deadline', async () => {
    const timer = clock();
    // An Assistant from before `unlock`: its bridge drops the message, so nothing answers.
    const connect = createConnect({
      origin: 'http://localhost:3000',
      installUrl: 'http://localhost:3000/',
      post: () => {},
      listen: () => () => {},
      schedule: (ms, fn) => timer.schedule(ms, fn),
      newId: () => 'u1',
    });
    let ended: unknown;
    void withDeadline(connect.openUnlock(), assistantDeadlines.unlock, (ms, fn) =>
      timer.schedule(ms, fn),
    ).then((answer) => (ended = answer));
    timer.advance(2_000);
    await settled();
    expect(unlockPromptEnd(ended as Parameters<typeof unlockPromptEnd>[0])).toBe('not-opened');
  });
});

describe('onReturn', () => {
  function page() {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const calls: number[] = [];
    const stop = onReturn({ window: win, document: doc }, () => calls.push(calls.length));
    const hide = () => {
      win.dispatchEvent(new Event('blur'));
      doc.visibilityState = 'hidden';
      doc.dispatchEvent(new Event('visibilitychange'));
    };
    const show = () => {
      doc.visibilityState = 'visible';
      doc.dispatchEvent(new Event('visibilitychange'));
      win.dispatchEvent(new Event('focus'));
    };
    return { win, calls, stop, hide, show };
  }

  it('calls back once per return, though the browser says it twice (visible, then focused)', () => {
    const p = page();
    p.hide();
    p.show();
    expect(p.calls).toHaveLength(1);
    p.hide();
    p.show();
    expect(p.calls).toHaveLength(2);
  });

  it('calls back after a focus lost to another window or the Assistant’s popup', () => {
    const p = page();
    p.win.dispatchEvent(new Event('blur'));
    p.win.dispatchEvent(new Event('focus'));
    expect(p.calls).toHaveLength(1);
  });

  it('does nothing for a focus without leaving first, nor once stopped', () => {
    const p = page();
    p.win.dispatchEvent(new Event('focus'));
    expect(p.calls).toHaveLength(0);
    p.stop();
    p.hide();
    p.show();
    expect(p.calls).toHaveLength(0);
  });
});
