import { describe, expect, it } from 'vitest';
import { assistantMessage, parseAssistantMessage } from '../../protocol/connect';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { isProtocolError } from '../../protocol/errors';
import {
  ActionTickets,
  actionLifetimeMs,
  customerView,
  customerViewItem,
  holdsCategory,
  readViewExtras,
  revocationAckHours,
} from './customer-view';
import { FakeClock, FakeStore, counterBytes } from './fakes';
import type { WalletRelationship } from './wallet';

const co = `co_${'a'.repeat(43)}`;
const other = `co_${'b'.repeat(43)}`;
const ps = `ps_${'c'.repeat(43)}`;
const h = (c: string) => c.repeat(43);
const iat = 1_760_000_000;
const day = 86_400;

/** A compact JWS-shaped string with `payload` (customer-view reads payloads the vault verified). */
function jws(payload: Record<string, unknown>): string {
  const part = (v: unknown) => base64urlEncode(utf8Encode(JSON.stringify(v)));
  return `${part({ alg: 'EdDSA' })}.${part(payload)}.${'s'.repeat(86)}`;
}

function relationship(overrides: Partial<WalletRelationship> = {}): WalletRelationship {
  return {
    pseudonym: ps,
    company: {
      id: co,
      legalName: 'Laufhaus GmbH',
      domain: 'https://laufhaus.example',
      status: 'active',
    },
    requests: [],
    grants: [
      {
        sha256: h('G'),
        jws: jws({
          iat,
          until: iat + 365 * day,
          scopes: [
            {
              purpose: 'product_launch',
              channels: ['email', 'newsletter'],
              dataCategories: ['address'],
            },
            {
              purpose: 'location_offers',
              channels: ['push'],
              dataCategories: ['location', 'address'],
            },
          ],
        }),
        status: 'active',
        revokedPurposes: [],
      },
      { sha256: h('R'), jws: jws({ iat, scopes: [] }), status: 'revoked', revokedPurposes: [] },
    ],
    refusals: [],
    revocations: [
      { sha256: h('V'), jws: jws({ iat: iat + day }), acknowledged: false },
      { sha256: h('W'), jws: jws({ iat: iat + 2 * day }), acknowledged: true },
    ],
    receipts: [],
    pendingReceipts: [],
    dataRequests: [
      {
        sha256: h('D'),
        jws: jws({ iat, type: 'erasure' }),
        deadline: (iat + 30 * day) * 1000,
        answer: null,
      },
      {
        sha256: h('E'),
        jws: jws({ iat, type: 'access' }),
        deadline: (iat + 30 * day) * 1000,
        answer: { sha256: h('F'), jws: jws({}) },
      },
    ],
    disclosures: [
      { sha256: h('O'), jws: jws({}), current: false },
      { sha256: h('N'), jws: jws({}), current: true },
    ],
    openedDisclosures: [
      {
        state: 'opened',
        sha256: h('N'),
        iat: iat + 3 * day,
        openedAt: (iat + 3 * day) * 1000,
        grantSha256: h('G'),
        dataRequestSha256: null,
        holdings: [
          {
            dataCategory: 'location',
            sources: ['direct', 'derived'],
            purposes: ['location_offers'],
            retentionDays: 90,
            recipients: [{ name: 'Karten AG', country: 'DE' }],
          },
        ],
        export: '{"location":"52.52,13.40"}',
        exportUnreadable: false,
      },
    ],
    openedAnswers: [
      {
        state: 'opened',
        sha256: h('F'),
        requestSha256: h('E'),
        outcome: 'refused',
        disclosureSha256: null,
        dataCategories: [],
        erasedAt: null,
        reason: { de: 'Nein', en: 'No' },
      },
    ],
    openedDecisions: [],
    ...overrides,
  } as WalletRelationship;
}

describe('customerViewItem', () => {
  it('hands the page what each company may do and holds, with no signature or key', () => {
    const now = (iat + 10 * day) * 1000;
    const item = customerViewItem(relationship(), { now });
    expect(item.grants[0]).toEqual({
      sha256: h('G'),
      status: 'active',
      purposes: ['product_launch', 'location_offers'],
      channels: ['email', 'newsletter', 'push'],
      dataCategories: ['address', 'location'],
      revokedPurposes: [],
      until: iat + 365 * day,
    });
    expect(item.grants[1]).toMatchObject({ status: 'revoked', purposes: [] });
    // The current disclosure as the wallet opened it, not the older one.
    expect(item.disclosure).toEqual({
      sha256: h('N'),
      at: iat + 3 * day,
      holdings: [
        {
          dataCategory: 'location',
          sources: ['direct', 'derived'],
          purposes: ['location_offers'],
          retentionDays: 90,
          recipients: ['Karten AG'],
        },
      ],
      export: '{"location":"52.52,13.40"}',
    });
    expect(item.dataRequests).toEqual([
      {
        sha256: h('D'),
        type: 'erasure',
        at: iat,
        deadline: (iat + 30 * day) * 1000,
        answered: false,
        overdue: false,
        answer: null,
      },
      {
        sha256: h('E'),
        type: 'access',
        at: iat,
        deadline: (iat + 30 * day) * 1000,
        answered: true,
        overdue: false,
        // Refused, with the company's reason: the page says so (it said "answered").
        answer: {
          outcome: 'refused',
          reason: { de: 'Nein', en: 'No' },
          erased: [],
          erasedAt: null,
        },
      },
    ]);
    expect(item.openRevocations).toBe(1);
    const text = JSON.stringify(item);
    expect(text).not.toMatch(/eyJ|"jws"|receipt|"d"/);
    const message = assistantMessage('v1', {
      type: 'customer-view',
      items: [item],
      asOf: null,
      fresh: true,
    });
    expect(parseAssistantMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });

  it('flags a revocation overdue 72 hours after its iat and a request after its deadline', () => {
    const revokedAt = (iat + day) * 1000;
    const justBefore = customerViewItem(relationship(), {
      now: revokedAt + revocationAckHours * 3_600_000,
    });
    expect(justBefore.revocations.map((r) => r.overdue)).toEqual([false, false]);
    const after = customerViewItem(relationship(), { now: (iat + 31 * day) * 1000 });
    expect(after.revocations.map((r) => r.overdue)).toEqual([true, false]);
    expect(after.dataRequests.map((d) => d.overdue)).toEqual([true, false]);
  });

  it('hands on what an erasure erased, when, and why it kept the rest', () => {
    const erased = {
      state: 'opened',
      sha256: h('F'),
      requestSha256: h('E'),
      outcome: 'erased',
      disclosureSha256: null,
      dataCategories: ['contact_details'],
      erasedAt: iat + day,
      retained: { dataCategories: ['payment'], reason: { de: 'Rechnungen', en: 'Invoices' } },
      reason: null,
    } as unknown as WalletRelationship['openedAnswers'][number];
    const [, request] = customerViewItem(relationship({ openedAnswers: [erased] }), {
      now: iat * 1000,
    }).dataRequests;
    expect(request!.answer).toEqual({
      outcome: 'erased',
      reason: { de: 'Rechnungen', en: 'Invoices' },
      erased: ['contact_details'],
      erasedAt: iat + day,
    });
  });

  it('counts a request answered only by an answer it verified: one that did not verify, or is not opened yet, leaves it overdue', () => {
    const after = (iat + 31 * day) * 1000;
    const answers = (openedAnswers: WalletRelationship['openedAnswers']) =>
      customerViewItem(relationship({ openedAnswers }), { now: after }).dataRequests.map((d) => ({
        answered: d.answered,
        overdue: d.overdue,
      }));
    const open = { answered: false, overdue: true };
    expect(answers(relationship().openedAnswers)).toEqual([
      open,
      { answered: true, overdue: false },
    ]);
    expect(
      answers([
        {
          state: 'invalid',
          sha256: h('F'),
          requestSha256: h('E'),
          code: 'ERR_JWS_KID_UNKNOWN',
        },
      ]),
    ).toEqual([open, open]);
    expect(answers([])).toEqual([open, open]);
    // Verified, but the answer to another request.
    expect(
      answers([{ ...relationship().openedAnswers[0]!, requestSha256: h('D') }] as never),
    ).toEqual([open, open]);
  });

  it('shows no disclosure while the current one is not opened, or did not verify', () => {
    const unopened = customerViewItem(relationship({ openedDisclosures: [] }), { now: 0 });
    expect(unopened.disclosure).toBeNull();
    const invalid = customerViewItem(
      relationship({
        openedDisclosures: [
          { state: 'invalid', sha256: h('N'), openedAt: 0, code: 'ERR_JWS_SIGNATURE_INVALID' },
        ],
      } as Partial<WalletRelationship>),
      { now: 0 },
    );
    expect(invalid.disclosure).toBeNull();
  });

  it('counts offers, rewards and complaints of this company only', () => {
    const now = (iat + 10 * day) * 1000;
    const item = customerViewItem(relationship(), {
      now,
      extras: {
        offers: [
          { company: co, state: 'delivered' },
          { company: co, state: 'hidden' },
          { company: co, state: 'invalid' },
          { company: co, state: 'held' },
          { company: other, state: 'delivered' },
        ],
        rewards: [
          { company: co, content: { type: 'bonus_points', amount: 100 } },
          { company: co, content: { type: 'bonus_points', amount: 50 } },
          { company: co, content: { type: 'discount', amount: 10, validUntil: iat + 20 * day } },
          { company: co, content: { type: 'discount', amount: 30, validUntil: iat + day } },
          { company: other, content: { type: 'bonus_points', amount: 999 } },
        ],
        complaints: [
          { company: co, state: 'submitted' },
          { company: co, state: 'draft' },
          { company: co, state: 'discarded' },
        ],
      },
    });
    expect(item.offers).toEqual({ received: 4, delivered: 1, held: 1, hidden: 2 });
    // The 30 % discount ran out; the 10 % one is still valid.
    expect(item.rewards).toEqual({ count: 4, points: 150, bestDiscount: 10 });
    expect(item.complaints).toEqual({ submitted: 1, drafts: 1 });
  });

  it("hands over the reported uses, newest first, and each complaint's state and the regulator's verified reason", () => {
    const decision = jws({
      complaintSha256: h('K'),
      decision: 'upheld',
      reason: { de: 'Zu viele Kontakte.', en: 'Too many contacts.' },
    });
    const uses = [
      {
        at: iat + 50,
        purpose: 'product_launch',
        dataCategories: ['address'],
        grantSha256: h('g'),
        count: 3,
        outOfScope: null,
      },
      {
        at: iat + 40,
        purpose: 'service_support',
        dataCategories: ['health'],
        grantSha256: h('g'),
        count: 1,
        outOfScope: 'purpose-not-granted',
      },
    ];
    const item = customerViewItem(
      relationship({
        accessEvents: uses,
        complaints: [
          {
            sha256: h('K'),
            reasons: ['contact_cap_exceeded'],
            receivedAt: (iat + 100) * 1000,
            decision: {
              sha256: h('D'),
              jws: decision,
              decision: 'upheld',
              decidedAt: (iat + 200) * 1000,
            },
          },
          {
            sha256: h('L'),
            reasons: ['not_covered'],
            receivedAt: (iat + 50) * 1000,
            decision: null,
          },
        ],
        // The wallet checked the regulator's signature (complaint-decisions.ts).
        openedDecisions: [
          {
            state: 'verified',
            sha256: h('D'),
            complaintSha256: h('K'),
            decision: 'upheld',
            reason: { de: 'Zu viele Kontakte.', en: 'Too many contacts.' },
            iat: iat + 200,
          },
        ],
      }),
      {
        now: (iat + 300) * 1000,
        extras: {
          offers: [],
          rewards: [],
          complaints: [
            // Known to the clearinghouse: shown once, from its list.
            { company: co, state: 'submitted', sha256: h('L'), createdAt: iat + 50 },
            // Submitted, not in the list yet: open.
            {
              company: co,
              state: 'submitted',
              sha256: h('M'),
              reasons: ['wrong_channel'],
              createdAt: iat + 250,
            },
            { company: co, state: 'draft', reasons: ['not_covered'], createdAt: iat + 260 },
            { company: co, state: 'discarded', createdAt: iat + 270 },
          ],
        },
      },
    );
    expect(item.accessEvents).toEqual(uses.map(({ grantSha256: _g, ...rest }) => rest));
    expect(item.complaintHistory).toEqual([
      {
        sha256: null,
        state: 'draft',
        reasons: ['not_covered'],
        at: (iat + 260) * 1000,
        decidedAt: null,
        reason: null,
        verified: null,
      },
      {
        sha256: h('M'),
        state: 'open',
        reasons: ['wrong_channel'],
        at: (iat + 250) * 1000,
        decidedAt: null,
        reason: null,
        verified: null,
      },
      {
        sha256: h('K'),
        state: 'upheld',
        reasons: ['contact_cap_exceeded'],
        at: (iat + 100) * 1000,
        decidedAt: (iat + 200) * 1000,
        reason: { de: 'Zu viele Kontakte.', en: 'Too many contacts.' },
        verified: true,
      },
      {
        sha256: h('L'),
        state: 'open',
        reasons: ['not_covered'],
        at: (iat + 50) * 1000,
        decidedAt: null,
        reason: null,
        verified: null,
      },
    ]);
    expect(item.complaints).toEqual({ submitted: 3, drafts: 1 });
    // No signature reaches the page: the reason is read out of the decision.
    expect(JSON.stringify(item)).not.toContain(decision);
    const message = assistantMessage('v1', {
      type: 'customer-view',
      items: [item],
      asOf: null,
      fresh: true,
    });
    expect(parseAssistantMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });

  it('dates a submitted complaint the clearinghouse does not list yet by its submission, one submitted before that was kept by when it was written', () => {
    const item = customerViewItem(relationship(), {
      now: (iat + day) * 1000,
      extras: {
        offers: [],
        rewards: [],
        complaints: [
          {
            company: co,
            state: 'submitted',
            sha256: h('M'),
            createdAt: iat,
            submittedAt: iat + 600,
          },
          { company: co, state: 'submitted', sha256: h('N'), createdAt: iat + 300 },
        ],
      },
    });
    expect(item.complaintHistory.map((c) => [c.sha256, c.at])).toEqual([
      [h('M'), (iat + 600) * 1000],
      [h('N'), (iat + 300) * 1000],
    ]);
  });

  it('shows no reason, marked not verified, for a decision the wallet did not verify', () => {
    const decided = (sha256: string) => ({
      sha256: h('K'),
      reasons: ['contact_cap_exceeded'],
      receivedAt: (iat + 100) * 1000,
      decision: {
        sha256,
        // The clearinghouse's copy carries a reason; the page must not get it unverified.
        jws: jws({ decision: 'upheld', reason: { de: 'Erfunden.', en: 'Made up.' } }),
        decision: 'upheld' as const,
        decidedAt: (iat + 200) * 1000,
      },
    });
    const expected = {
      sha256: h('K'),
      state: 'upheld',
      reasons: ['contact_cap_exceeded'],
      at: (iat + 100) * 1000,
      decidedAt: (iat + 200) * 1000,
      reason: null,
      verified: false,
    };
    // Not checked yet (the regulator's key was out of reach).
    const unchecked = customerViewItem(relationship({ complaints: [decided(h('D'))] }));
    expect(unchecked.complaintHistory).toEqual([expected]);
    // Checked and found invalid.
    const invalid = customerViewItem(
      relationship({
        complaints: [decided(h('D'))],
        openedDecisions: [{ state: 'invalid', sha256: h('D'), code: 'ERR_JWS_KID_UNKNOWN' }],
      }),
    );
    expect(invalid.complaintHistory).toEqual([expected]);
    // Verified, but about another complaint than the one it is listed under.
    const elsewhere = customerViewItem(
      relationship({
        complaints: [decided(h('D'))],
        openedDecisions: [
          {
            state: 'verified',
            sha256: h('D'),
            complaintSha256: h('Q'),
            decision: 'upheld',
            reason: { de: 'Anderswo.', en: 'Elsewhere.' },
            iat: iat + 200,
          },
        ],
      }),
    );
    expect(elsewhere.complaintHistory).toEqual([expected]);
    expect(JSON.stringify([unchecked, invalid, elsewhere])).not.toMatch(/Erfunden|Anderswo/);
    // A verified decision says what it is itself, whatever the clearinghouse's field says.
    const dismissed = customerViewItem(
      relationship({
        complaints: [decided(h('D'))],
        openedDecisions: [
          {
            state: 'verified',
            sha256: h('D'),
            complaintSha256: h('K'),
            decision: 'dismissed',
            reason: { de: 'Belegt.', en: 'Proven.' },
            iat: iat + 200,
          },
        ],
      }),
    );
    expect(dismissed.complaintHistory[0]).toMatchObject({
      state: 'dismissed',
      reason: { de: 'Belegt.', en: 'Proven.' },
      verified: true,
    });
  });

  it('keeps a view of a record with odd grant payloads instead of failing', () => {
    const item = customerViewItem(
      relationship({
        grants: [{ sha256: h('G'), jws: 'x.y.z', status: 'expired', revokedPurposes: [] }],
      }),
    );
    expect(item.grants).toEqual([
      {
        sha256: h('G'),
        status: 'expired',
        purposes: [],
        channels: [],
        dataCategories: [],
        revokedPurposes: [],
        until: null,
      },
    ]);
  });
});

describe('customerView and readViewExtras', () => {
  it('reads offers, rewards and complaints from the vault, and shows none for damaged ones', async () => {
    const store = new FakeStore();
    await store.put('profile', 'offers', {
      v: 1,
      items: [{ company: co, state: 'delivered' }, { junk: true }],
    });
    await store.put('profile', 'ledger', { v: 2, entries: 'damaged' });
    const extras = await readViewExtras(store);
    expect(extras.offers).toEqual([{ company: co, state: 'delivered' }]);
    expect(extras.rewards).toEqual([]);
    expect(extras.complaints).toEqual([]);
    const [item] = customerView([relationship()], 0, extras);
    expect(item?.offers).toEqual({ received: 1, delivered: 1, held: 0, hidden: 0 });
  });
});

describe('holdsCategory', () => {
  it('is true only for categories of active grants', () => {
    expect(holdsCategory(relationship(), 'location')).toBe(true);
    expect(holdsCategory(relationship(), 'health')).toBe(false);
    const revoked = relationship();
    revoked.grants[0] = { ...revoked.grants[0]!, status: 'revoked' };
    expect(holdsCategory(revoked, 'location')).toBe(false);
  });
});

describe('ActionTickets', () => {
  const action = { kind: 'revoke', company: co } as const;

  it('hands the outcome once to the tab that asked', () => {
    const tickets = new ActionTickets(new FakeClock(1000), counterBytes());
    const id = tickets.open(action, 7);
    expect(tickets.pending(id)).toEqual(action);
    expect(tickets.poll(id, 7)).toBeNull();
    tickets.settle(id, { outcome: 'done' });
    expect(() => tickets.poll(id, 8)).toThrow();
    expect(tickets.poll(id, 7)).toEqual({ outcome: 'done' });
    expect(() => tickets.poll(id, 7)).toThrow();
  });

  it('allows one open action per tab and settles each once', () => {
    const tickets = new ActionTickets(new FakeClock(1000), counterBytes());
    const id = tickets.open(action, 7);
    let code = '';
    try {
      tickets.open(action, 7);
    } catch (e) {
      if (isProtocolError(e)) code = e.code;
    }
    expect(code).toBe('ERR_BRIDGE_BUSY');
    tickets.open(action, 8);
    tickets.settle(id, { outcome: 'cancelled' });
    expect(() => tickets.settle(id, { outcome: 'done' })).toThrow();
    expect(() => tickets.pending(id)).toThrow();
  });

  it('turns an action left unanswered into cancelled', () => {
    const clock = new FakeClock(1000);
    const tickets = new ActionTickets(clock, counterBytes());
    const id = tickets.open(action, 7);
    clock.ms = 1000 + actionLifetimeMs;
    expect(tickets.poll(id, 7)).toEqual({ outcome: 'cancelled' });
  });
});
