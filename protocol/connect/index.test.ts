import { describe, expect, it } from 'vitest';
import {
  answeredRequestId,
  assistantMessage,
  connectChannel,
  ackRepeatMs,
  createConnect,
  customerViewAnswers,
  defaultAckTimeoutMs,
  defaultSilenceMs,
  customerViewFor,
  parseAssistantMessage,
  parsePageMessage,
  requestHashOf,
  type ConnectEvent,
  type Connect,
  type CustomerViewItem,
  type PageMessage,
} from './index';

const origin = 'http://localhost:4000';
const hash = 'A'.repeat(42) + 'Q';
const co = `co_${'b'.repeat(43)}`;
const ps = `ps_${'c'.repeat(43)}`;

/** One window: handlers, posted messages, timers run by hand. */
function fakeWindow() {
  const handlers = new Set<(e: ConnectEvent) => void>();
  const posted: PageMessage[] = [];
  const timers: { ms: number; fn: () => void; cancelled: boolean }[] = [];
  let next = 0;
  const deliver = (event: ConnectEvent) => [...handlers].forEach((h) => h(event));
  const connect = createConnect({
    origin,
    installUrl: 'http://localhost:3000/assistant',
    post: (m) => {
      posted.push(m);
      // The page sees its own message too, as with window.postMessage.
      deliver({ data: m, origin, sameWindow: true });
    },
    listen: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    schedule: (ms, fn) => {
      const timer = { ms, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    newId: () => `id${next++}`,
  });
  /** Runs each timer due (neither cancelled nor run before) once. */
  const fireTimers = () =>
    timers
      .filter((t) => !t.cancelled)
      .forEach((t) => {
        t.cancelled = true;
        t.fn();
      });
  /** The delays of the timers still due. */
  const live = () => timers.filter((t) => !t.cancelled).map((t) => t.ms);
  return { connect, posted, handlers, deliver, fireTimers, live };
}

const viewItem: CustomerViewItem = {
  company: { id: co, legalName: 'Laufhaus GmbH', domain: origin },
  companyStatus: 'active',
  pseudonym: ps,
  grants: [
    {
      sha256: hash,
      status: 'active',
      purposes: ['product_launch'],
      channels: ['email'],
      dataCategories: ['address'],
      revokedPurposes: [],
      until: 2_000_000_000,
    },
  ],
  refusals: 0,
  openRevocations: 1,
  revocations: [{ sha256: hash, at: 1_700_000_000, acknowledged: false, overdue: true }],
  disclosure: {
    sha256: hash,
    at: 1_700_000_000,
    holdings: [
      {
        dataCategory: 'location',
        sources: ['direct'],
        purposes: ['product_launch'],
        retentionDays: 30,
        recipients: ['Versand AG'],
      },
    ],
    export: '{"address":"Hauptstraße 1"}',
  },
  dataRequests: [
    {
      sha256: hash,
      type: 'erasure',
      at: 1_700_000_000,
      deadline: 1_702_592_000_000,
      answered: false,
      overdue: false,
      answer: null,
    },
  ],
  offers: { received: 3, delivered: 1, held: 1, hidden: 1 },
  rewards: { count: 1, points: 50, bestDiscount: null },
  complaints: { submitted: 1, drafts: 0 },
  accessEvents: [
    {
      at: 1_700_000_500,
      purpose: 'product_launch',
      dataCategories: ['address'],
      count: 2,
      outOfScope: null,
    },
  ],
  complaintHistory: [
    {
      sha256: hash,
      state: 'upheld',
      reasons: ['contact_cap_exceeded'],
      at: 1_700_000_000_000,
      decidedAt: 1_700_100_000_000,
      reason: { de: 'Belegt.', en: 'Proven.' },
      verified: true,
    },
  ],
};

describe('parsePageMessage', () => {
  const request = {
    channel: connectChannel,
    v: 1,
    from: 'page',
    type: 'request',
    id: 'a1',
    request: hash,
  };

  it('accepts a request and a customer-view message of the exact shape', () => {
    expect(parsePageMessage(request)).toEqual(request);
    for (const mode of ['stored', 'refresh']) {
      const view = {
        channel: connectChannel,
        v: 1,
        from: 'page',
        type: 'customer-view',
        id: 'a1',
        mode,
      };
      expect(parsePageMessage(view)).toEqual(view);
    }
  });

  it.each([
    ['no mode', {}],
    ['an unknown mode', { mode: 'all' }],
  ])('drops a customer-view message with %s', (_name, extra) => {
    const view = { channel: connectChannel, v: 1, from: 'page', type: 'customer-view', id: 'a1' };
    expect(parsePageMessage({ ...view, ...extra })).toBeUndefined();
  });

  it.each([
    ['an extra member', { ...request, extra: 1 }],
    ['another version', { ...request, v: 2 }],
    ['another channel', { ...request, channel: 'x' }],
    ['the assistant as sender', { ...request, from: 'assistant' }],
    ['an id with a space', { ...request, id: 'a 1' }],
    ['an over-long id', { ...request, id: 'a'.repeat(65) }],
    ['a request that is no sha256', { ...request, request: 'x'.repeat(44) }],
    ['an unknown type', { ...request, type: 'grant' }],
    ['an array', [request]],
    ['a string', JSON.stringify(request)],
    ['null', null],
  ])('drops %s', (_name, value) => {
    expect(parsePageMessage(value)).toBeUndefined();
  });
});

describe('answeredRequestId', () => {
  const ack = assistantMessage('r-1', { type: 'ack' });
  const busy = assistantMessage('r-1', {
    type: 'outcome',
    outcome: { outcome: 'error', code: 'ERR_BRIDGE_BUSY' },
  });

  it.each([
    ['an acknowledgement', ack],
    ['an error outcome', busy],
    [
      'a granted outcome',
      assistantMessage('r-1', { type: 'outcome', outcome: { outcome: 'granted', receipt: hash } }),
    ],
    [
      'a refused outcome',
      assistantMessage('r-1', { type: 'outcome', outcome: { outcome: 'refused' } }),
    ],
  ])('reads the id of %s', (_name, value) => {
    expect(answeredRequestId(value)).toBe('r-1');
  });

  it.each([
    ['the page’s own message', { ...ack, from: 'page' }],
    ['another channel', { ...ack, channel: 'other' }],
    ['another version', { ...ack, v: 2 }],
    ['a malformed id', { ...ack, id: 'not an id' }],
    ['an acknowledgement with an extra member', { ...ack, extra: 1 }],
    ['an acknowledgement carrying an outcome', { ...ack, outcome: { outcome: 'refused' } }],
    ['an outcome whose outcome is undefined', { ...busy, outcome: undefined }],
    ['an outcome with a malformed code', { ...busy, outcome: { outcome: 'error', code: 'busy' } }],
    ['an outcome of no known kind', { ...busy, outcome: { outcome: 'maybe' } }],
    ['an outcome with an extra member', { ...busy, extra: 1 }],
    [
      'a customer view',
      assistantMessage('r-1', { type: 'customer-view', items: [], asOf: null, fresh: true }),
    ],
    ['an unknown type', { ...ack, type: 'hello' }],
    ['a bare id', 'r-1'],
    ['null', null],
  ])('reads no id from %s', (_name, value) => {
    expect(answeredRequestId(value)).toBeUndefined();
  });
});

describe('parseAssistantMessage', () => {
  it('accepts the shapes assistantMessage builds', () => {
    for (const body of [
      { type: 'ack' } as const,
      { type: 'outcome', outcome: { outcome: 'granted', receipt: hash } } as const,
      { type: 'outcome', outcome: { outcome: 'refused' } } as const,
      {
        type: 'outcome',
        outcome: { outcome: 'error', code: 'ERR_BRIDGE_ORIGIN_MISMATCH' },
      } as const,
      { type: 'customer-view', items: [viewItem], asOf: 1_700_000_000_000, fresh: false } as const,
      { type: 'customer-view', items: [viewItem], asOf: null, fresh: true } as const,
    ]) {
      const message = assistantMessage('x', body);
      expect(parseAssistantMessage(message)).toEqual(message);
    }
  });

  it("reads a data request's verified answer, and a view without one (an older Assistant) as none", () => {
    const erased = {
      ...viewItem.dataRequests[0]!,
      answered: true,
      answer: {
        outcome: 'erased' as const,
        reason: { de: 'Rechnungen: 10 Jahre.', en: 'Invoices: 10 years.' },
        erased: ['contact_details'],
        erasedAt: 1_700_100_000,
      },
    };
    const withAnswer = assistantMessage('x', {
      type: 'customer-view',
      items: [{ ...viewItem, dataRequests: [erased] }],
      asOf: null,
      fresh: true,
    });
    expect(parseAssistantMessage(withAnswer)).toEqual(withAnswer);
    const { answer: _none, ...older } = viewItem.dataRequests[0]!;
    const parsed = parseAssistantMessage(
      assistantMessage('x', {
        type: 'customer-view',
        items: [{ ...viewItem, dataRequests: [older as never] }],
        asOf: null,
        fresh: true,
      }),
    ) as { items: CustomerViewItem[] } | undefined;
    expect(parsed?.items[0]?.dataRequests[0]?.answer).toBeNull();
    for (const bad of [
      { ...erased.answer, outcome: 'maybe' },
      { ...erased.answer, reason: { de: 'x' } },
      { ...erased.answer, erasedAt: -1 },
      { ...erased.answer, extra: 1 },
    ])
      expect(
        parseAssistantMessage(
          assistantMessage('x', {
            type: 'customer-view',
            items: [{ ...viewItem, dataRequests: [{ ...erased, answer: bad as never }] }],
            asOf: null,
            fresh: true,
          }),
        ),
      ).toBeUndefined();
  });

  it.each([
    [
      'a granted outcome without a receipt hash',
      { type: 'outcome', outcome: { outcome: 'granted' } },
    ],
    [
      'an error without an ERR_ code',
      { type: 'outcome', outcome: { outcome: 'error', code: '<b>' } },
    ],
    [
      'a view item with a private member',
      { type: 'customer-view', items: [{ ...viewItem, key: 'x' }], asOf: null, fresh: true },
    ],
    ['a view without asOf', { type: 'customer-view', items: [viewItem], fresh: true }],
    [
      'a view whose fresh flag is no boolean',
      { type: 'customer-view', items: [viewItem], asOf: null, fresh: 'yes' },
    ],
    [
      'an access event with a key',
      {
        type: 'customer-view',
        items: [{ ...viewItem, accessEvents: [{ ...viewItem.accessEvents[0], jws: 'a.b.c' }] }],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a complaint in an unknown state',
      {
        type: 'customer-view',
        items: [
          { ...viewItem, complaintHistory: [{ ...viewItem.complaintHistory[0], state: 'x' }] },
        ],
        asOf: null,
        fresh: true,
      },
    ],
    [
      "a regulator's reason without English",
      {
        type: 'customer-view',
        items: [
          {
            ...viewItem,
            complaintHistory: [{ ...viewItem.complaintHistory[0], reason: { de: 'Belegt.' } }],
          },
        ],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a complaint whose verification is not a boolean',
      {
        type: 'customer-view',
        items: [
          {
            ...viewItem,
            complaintHistory: [{ ...viewItem.complaintHistory[0], verified: 'yes' }],
          },
        ],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a view grant with a bad status',
      {
        type: 'customer-view',
        items: [{ ...viewItem, grants: [{ ...viewItem.grants[0], status: 'x' }] }],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a view item whose disclosure carries an unknown member',
      {
        type: 'customer-view',
        items: [{ ...viewItem, disclosure: { ...viewItem.disclosure, jws: 'a.b.c' } }],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a view item with a negative offer count',
      {
        type: 'customer-view',
        items: [{ ...viewItem, offers: { ...viewItem.offers, hidden: -1 } }],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a view item with an over-long export',
      {
        type: 'customer-view',
        items: [
          {
            ...viewItem,
            disclosure: { ...viewItem.disclosure, export: 'x'.repeat(64 * 1024 + 1) },
          },
        ],
        asOf: null,
        fresh: true,
      },
    ],
    [
      'a data request of an unknown type',
      {
        type: 'customer-view',
        items: [{ ...viewItem, dataRequests: [{ ...viewItem.dataRequests[0], type: 'x' }] }],
        asOf: null,
        fresh: true,
      },
    ],
  ])('drops %s', (_name, body) => {
    expect(
      parseAssistantMessage({ channel: connectChannel, v: 1, from: 'assistant', id: 'x', ...body }),
    ).toBeUndefined();
  });
});

describe('requestHashOf', () => {
  it('takes the hash from a link or as is, and refuses anything else', () => {
    expect(requestHashOf(`http://localhost:3000/api/v1/grant-requests/${hash}`)).toBe(hash);
    expect(requestHashOf(hash)).toBe(hash);
    expect(requestHashOf(`http://localhost:3000/api/v1/grant-requests/${hash}x`)).toBeUndefined();
    expect(requestHashOf('http://evil.example/')).toBeUndefined();
  });
});

describe('createConnect', () => {
  it('resolves with the outcome the Assistant answers for the same id', async () => {
    const w = fakeWindow();
    const pending = w.connect.requestConsent(`http://localhost:3000/api/v1/grant-requests/${hash}`);
    expect(w.posted).toEqual([
      { channel: connectChannel, v: 1, from: 'page', type: 'request', id: 'id0', request: hash },
    ]);
    w.deliver({ data: assistantMessage('id0', { type: 'ack' }), origin, sameWindow: true });
    w.fireTimers(); // the acknowledgement cancelled the "not installed" timer
    w.deliver({
      data: assistantMessage('id0', {
        type: 'outcome',
        outcome: { outcome: 'granted', receipt: hash },
      }),
      origin,
      sameWindow: true,
    });
    await expect(pending).resolves.toEqual({ outcome: 'granted', receipt: hash });
    expect(w.handlers.size).toBe(0);
  });

  it('says no Assistant is installed, with the install link, when nothing acknowledges in time', async () => {
    const w = fakeWindow();
    const pending = w.connect.requestConsent(hash);
    w.fireTimers();
    await expect(pending).resolves.toEqual({
      outcome: 'no-assistant',
      installUrl: 'http://localhost:3000/assistant',
    });
  });

  it('ignores answers from another origin, another window, another id or of another shape', async () => {
    const w = fakeWindow();
    const pending = w.connect.requestConsent(hash);
    const refused = assistantMessage('id0', { type: 'outcome', outcome: { outcome: 'refused' } });
    w.deliver({ data: refused, origin: 'http://evil.example', sameWindow: true });
    w.deliver({ data: refused, origin, sameWindow: false });
    w.deliver({ data: { ...refused, id: 'id9' }, origin, sameWindow: true });
    w.deliver({ data: { ...refused, extra: true }, origin, sameWindow: true });
    w.fireTimers();
    await expect(pending).resolves.toMatchObject({ outcome: 'no-assistant' });
  });

  it('refuses a request that names no grant request without posting anything', async () => {
    const w = fakeWindow();
    await expect(w.connect.requestConsent('not a link')).resolves.toEqual({
      outcome: 'error',
      code: 'ERR_GRANT_REQUEST_UNKNOWN',
    });
    expect(w.posted).toEqual([]);
  });

  it('hands the page the customer view as plain data', async () => {
    const w = fakeWindow();
    const pending = w.connect.customerView('stored');
    expect(w.posted).toMatchObject([{ type: 'customer-view', mode: 'stored' }]);
    w.deliver({
      data: assistantMessage('id0', {
        type: 'customer-view',
        items: [viewItem],
        asOf: 1_700_000_000_000,
        fresh: false,
      }),
      origin,
      sameWindow: true,
    });
    await expect(pending).resolves.toEqual({
      outcome: 'view',
      items: [viewItem],
      asOf: 1_700_000_000_000,
      fresh: false,
    });
  });
});

describe('an Assistant that falls silent after its acknowledgement', () => {
  const ack = (w: ReturnType<typeof fakeWindow>, id = 'id0') =>
    w.deliver({ data: assistantMessage(id, { type: 'ack' }), origin, sameWindow: true });
  const calls: [string, (c: Connect) => Promise<unknown>][] = [
    ['a consent request', (c) => c.requestConsent(hash)],
    ['a customer view', (c) => c.customerView('refresh')],
    ['a customer action', (c) => c.act({ kind: 'revoke', company: co })],
  ];

  it.each(calls)(
    '%s waits while the acknowledgement repeats, and ends with ERR_ASSISTANT_SILENT when it stops',
    async (_name, call) => {
      const w = fakeWindow();
      let settled: unknown;
      void call(w.connect).then((v) => (settled = v));
      expect(w.live()).toEqual([defaultAckTimeoutMs]);
      ack(w);
      expect(w.live()).toEqual([]); // acknowledged once: no limit yet
      ack(w);
      expect(w.live()).toEqual([defaultSilenceMs]);
      ack(w); // each repeat starts the wait anew
      expect(w.live()).toEqual([defaultSilenceMs]);
      await Promise.resolve();
      expect(settled).toBeUndefined();
      w.fireTimers(); // the silence, then a grace of two repeats
      expect(w.live()).toEqual([2 * ackRepeatMs]);
      await Promise.resolve();
      expect(settled).toBeUndefined();
      w.fireTimers();
      await Promise.resolve();
      expect(settled).toEqual({ outcome: 'error', code: 'ERR_ASSISTANT_SILENT' });
      expect(w.handlers.size).toBe(0);
    },
  );

  it('keeps waiting when the repeat comes after the overdue silence timer (a frozen page woken)', async () => {
    const w = fakeWindow();
    let settled: unknown;
    void w.connect.requestConsent(hash).then((v) => (settled = v));
    ack(w);
    ack(w);
    w.fireTimers(); // the page's overdue timer ran first
    ack(w); // then the bridge's overdue repeat arrived
    expect(w.live()).toEqual([defaultSilenceMs]);
    await Promise.resolve();
    expect(settled).toBeUndefined();
  });

  it('keeps waiting for an Assistant that acknowledges once only (released before the repeats)', async () => {
    const w = fakeWindow();
    let settled: unknown;
    const pending = w.connect.requestConsent(hash).then((v) => (settled = v));
    ack(w);
    w.fireTimers();
    await Promise.resolve();
    expect(settled).toBeUndefined();
    w.deliver({
      data: assistantMessage('id0', { type: 'outcome', outcome: { outcome: 'cancelled' } }),
      origin,
      sameWindow: true,
    });
    await pending;
    expect(settled).toEqual({ outcome: 'cancelled' });
  });

  it("counts only its own request's repeats", async () => {
    const w = fakeWindow();
    void w.connect.requestConsent(hash);
    ack(w);
    ack(w, 'id9');
    w.deliver({
      data: { ...assistantMessage('id0', { type: 'ack' }), extra: 1 },
      origin,
      sameWindow: true,
    });
    expect(w.live()).toEqual([]);
  });
});

describe('customer actions (issue 9)', () => {
  const base = { channel: connectChannel, v: 1, from: 'page', type: 'action', id: 'a1' } as const;

  it.each([
    { kind: 'revoke', company: co },
    { kind: 'access', company: co },
    { kind: 'erasure', company: co },
    { kind: 'correct', dataCategory: 'address' },
  ])('accepts the action %o', (action) => {
    expect(parsePageMessage({ ...base, action })).toEqual({ ...base, action });
  });

  it.each([
    ['an unknown kind', { kind: 'delete-everything', company: co }],
    ['a pseudonym for a company', { kind: 'revoke', company: ps }],
    ['an extra member', { kind: 'revoke', company: co, grants: 'all' }],
    ['a correction carrying its value', { kind: 'correct', dataCategory: 'address', value: 'x' }],
    ['a malformed category', { kind: 'correct', dataCategory: 'Address!' }],
  ])('drops %s', (_name, action) => {
    expect(parsePageMessage({ ...base, action })).toBeUndefined();
  });

  it('resolves done when the Assistant reports the action carried out', async () => {
    const w = fakeWindow();
    const pending = w.connect.act({ kind: 'revoke', company: co });
    expect(w.posted).toEqual([{ ...base, id: 'id0', action: { kind: 'revoke', company: co } }]);
    w.deliver({ data: assistantMessage('id0', { type: 'ack' }), origin, sameWindow: true });
    w.deliver({
      data: assistantMessage('id0', { type: 'outcome', outcome: { outcome: 'done' } }),
      origin,
      sameWindow: true,
    });
    expect(await pending).toEqual({ outcome: 'done' });
  });

  it('refuses a malformed action without asking the Assistant', async () => {
    const w = fakeWindow();
    const answer = await w.connect.act({ kind: 'revoke', company: 'nope' });
    expect(answer).toEqual({ outcome: 'error', code: 'ERR_MESSAGE_INVALID' });
    expect(w.posted).toEqual([]);
  });
});

describe('the unlock prompt', () => {
  const base = { channel: connectChannel, v: 1, from: 'page', type: 'unlock', id: 'u1' } as const;

  it('accepts an unlock message of the common head alone', () => {
    expect(parsePageMessage({ ...base })).toEqual(base);
  });

  it.each([
    ['an extra member', { ...base, mode: 'stored' }],
    ['a payload', { ...base, passphrase: 'hunter2' }],
    ['a missing id', { channel: connectChannel, v: 1, from: 'page', type: 'unlock' }],
    ["the Assistant's side", { ...base, from: 'assistant' }],
    ['another version', { ...base, v: 2 }],
  ])('drops %s', (_name, message) => {
    expect(parsePageMessage(message)).toBeUndefined();
  });

  it('resolves done when the Assistant opened its dashboard', async () => {
    const w = fakeWindow();
    const pending = w.connect.openUnlock();
    expect(w.posted).toEqual([{ ...base, id: 'id0' }]);
    w.deliver({ data: assistantMessage('id0', { type: 'ack' }), origin, sameWindow: true });
    w.deliver({
      data: assistantMessage('id0', { type: 'outcome', outcome: { outcome: 'done' } }),
      origin,
      sameWindow: true,
    });
    expect(await pending).toEqual({ outcome: 'done' });
  });

  it.each([
    [
      { outcome: 'error', code: 'ERR_RATE_LIMITED' },
      { outcome: 'error', code: 'ERR_RATE_LIMITED' },
    ],
    [{ outcome: 'cancelled' }, { outcome: 'error', code: 'ERR_MESSAGE_INVALID' }],
  ] as const)('resolves the outcome %o as %o', async (outcome, expected) => {
    const w = fakeWindow();
    const pending = w.connect.openUnlock();
    w.deliver({ data: assistantMessage('id0', { type: 'ack' }), origin, sameWindow: true });
    w.deliver({
      data: assistantMessage('id0', { type: 'outcome', outcome }),
      origin,
      sameWindow: true,
    });
    expect(await pending).toEqual(expected);
  });

  it('says no-assistant when an Assistant before this message does not acknowledge it', async () => {
    const w = fakeWindow();
    const pending = w.connect.openUnlock();
    expect(w.live()).toEqual([defaultAckTimeoutMs]);
    w.fireTimers();
    expect(await pending).toEqual({
      outcome: 'no-assistant',
      installUrl: 'http://localhost:3000/assistant',
    });
  });
});

describe('customerViewFor', () => {
  const answered = {
    ...viewItem,
    dataRequests: [
      {
        ...viewItem.dataRequests[0]!,
        answered: true,
        answer: { outcome: 'refused' as const, reason: null, erased: [], erasedAt: null },
      },
    ],
  };

  it('leaves the answers out for a page that does not declare it reads them, which it would drop', () => {
    const [forOld] = customerViewFor([answered], []);
    expect(forOld!.dataRequests[0]).not.toHaveProperty('answer');
    // The page of a clearinghouse before the addition parses the view strictly: with the answer
    // it would drop all of it; without, it takes it (this module reads both).
    const message = (items: CustomerViewItem[]) =>
      assistantMessage('x', { type: 'customer-view', items, asOf: null, fresh: true });
    expect(parseAssistantMessage(message([forOld!]))).toBeDefined();
    const [forNew] = customerViewFor([answered], [customerViewAnswers]);
    expect(forNew).toEqual(answered);
  });
});
