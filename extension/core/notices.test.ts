import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Encode } from '../../protocol/encoding';
import { defaultProfile } from '../../protocol/profile';
import { dueNotices, inQuietHours } from './notices';
import type { WalletRelationship } from './wallet';

const h = (c: string) => c.repeat(43);
const jws = (payload: object) =>
  `eyJhbGciOiJFZERTQSJ9.${base64urlEncode(utf8Encode(JSON.stringify(payload)))}.${'A'.repeat(86)}`;
const now = Date.UTC(2026, 10, 2, 12); // a Monday, 13:00 in Berlin
const nowS = now / 1000;

function relationship(overrides: Partial<WalletRelationship> = {}): WalletRelationship {
  return {
    pseudonym: `ps_${h('p')}`,
    company: {
      id: `co_${h('c')}`,
      legalName: 'Laufhaus GmbH',
      domain: 'http://localhost:4000',
      status: 'active',
    },
    requests: [],
    grants: [
      {
        sha256: h('g'),
        jws: jws({ until: nowS + 3 * 86_400 }),
        status: 'active',
        revokedPurposes: [],
      },
    ],
    refusals: [],
    revocations: [],
    receipts: [],
    pendingReceipts: [],
    dataRequests: [],
    disclosures: [],
    openedDisclosures: [],
    openedAnswers: [],
    openedDecisions: [],
    accessEvents: [],
    complaints: [],
    ...overrides,
  };
}

/** An answer the Assistant opened and verified (extension/core/disclosures). */
const verified = (sha256: string, requestSha256: string) => ({
  state: 'opened' as const,
  sha256,
  requestSha256,
  outcome: 'refused' as const,
  disclosureSha256: null,
  dataCategories: [],
  erasedAt: null,
  reason: { de: 'Nein', en: 'No' },
});

describe('dueNotices', () => {
  it('announces a grant expiring within a week, once', () => {
    const notices = dueNotices([relationship()], now, new Set());
    expect(notices).toEqual([
      {
        id: `expiring/${h('g')}`,
        kind: 'grant-expiring',
        company: 'Laufhaus GmbH',
        until: nowS + 3 * 86_400,
      },
    ]);
    expect(dueNotices([relationship()], now, new Set([notices[0]!.id]))).toEqual([]);
    const later = relationship({
      grants: [
        {
          sha256: h('g'),
          jws: jws({ until: nowS + 30 * 86_400 }),
          status: 'active',
          revokedPurposes: [],
        },
      ],
    });
    expect(dueNotices([later], now, new Set())).toEqual([]);
  });

  it('flags a suspended company, an overdue acknowledgement and an overdue answer', () => {
    const r = relationship({
      company: {
        id: `co_${h('c')}`,
        legalName: 'X',
        domain: 'http://localhost:4000',
        status: 'suspended',
      },
      grants: [
        {
          sha256: h('g'),
          jws: jws({ until: nowS + 300 * 86_400 }),
          status: 'active',
          revokedPurposes: [],
        },
      ],
      revocations: [
        { sha256: h('r'), jws: jws({ iat: nowS - 73 * 3600 }), acknowledged: false },
        { sha256: h('s'), jws: jws({ iat: nowS - 71 * 3600 }), acknowledged: false },
        { sha256: h('t'), jws: jws({ iat: nowS - 99 * 3600 }), acknowledged: true },
      ],
      dataRequests: [
        { sha256: h('d'), jws: jws({}), deadline: now - 1, answer: null },
        {
          sha256: h('e'),
          jws: jws({}),
          deadline: now - 1,
          answer: { sha256: h('f'), jws: jws({}) },
        },
      ],
      openedAnswers: [verified(h('f'), h('e'))],
    });
    expect(dueNotices([r], now, new Set()).map((n) => n.id)).toEqual([
      `suspended/co_${h('c')}`,
      `ack/${h('r')}`,
      `answer/${h('d')}`,
    ]);
  });

  it('flags an answer overdue while the one that came did not verify or is not opened yet', () => {
    const late = (answer: string) => ({
      sha256: h(answer.toUpperCase()),
      jws: jws({}),
      deadline: now - 1,
      answer: { sha256: h(answer), jws: jws({}) },
    });
    const r = relationship({
      grants: [],
      dataRequests: [late('a'), late('b'), late('e')],
      openedAnswers: [
        { state: 'invalid', sha256: h('a'), requestSha256: h('A'), code: 'ERR_JWS_KID_UNKNOWN' },
        verified(h('e'), h('E')),
      ],
    });
    expect(dueNotices([r], now, new Set()).map((n) => n.id)).toEqual([
      `answer/${h('A')}`,
      `answer/${h('B')}`,
    ]);
  });
});

describe('a changed disclosure', () => {
  const holding = {
    dataCategory: 'address' as const,
    sources: ['direct' as const],
    purposes: ['product_launch' as const],
    retentionDays: 365,
    recipients: [],
  };
  const opened = (sha: string, holdings: (typeof holding)[], openedAt = now) => ({
    state: 'opened' as const,
    sha256: sha,
    iat: nowS,
    openedAt,
    grantSha256: null,
    dataRequestSha256: null,
    holdings,
    export: null,
    exportUnreadable: false,
  });
  const withDisclosures = (openedDisclosures: WalletRelationship['openedDisclosures']) =>
    relationship({
      grants: [],
      disclosures: openedDisclosures.map((d, i) => ({
        sha256: d.sha256,
        jws: jws({}),
        current: i === openedDisclosures.length - 1,
      })),
      openedDisclosures,
    });

  it('is announced when the newest disclosure says something else, while the change is new', () => {
    const changed = withDisclosures([
      opened(h('a'), [holding]),
      opened(h('b'), [holding, { ...holding, dataCategory: 'health' as never }]),
    ]);
    expect(dueNotices([changed], now, new Set())).toEqual([
      { id: `disclosure/${h('b')}`, kind: 'disclosure-changed', company: 'Laufhaus GmbH' },
    ]);
    expect(dueNotices([changed], now + 8 * 86_400_000, new Set())).toEqual([]);
  });

  it('stays quiet for a first disclosure, a restatement, and an invalid newest one', () => {
    expect(dueNotices([withDisclosures([opened(h('a'), [holding])])], now, new Set())).toEqual([]);
    // The same holdings in another order, with another collectedSince: no change.
    const restated = withDisclosures([
      opened(h('a'), [holding, { ...holding, dataCategory: 'health' as never }]),
      opened(h('b'), [
        { ...holding, dataCategory: 'health' as never },
        { ...holding, collectedSince: 5 } as never,
      ]),
    ]);
    expect(dueNotices([restated], now, new Set())).toEqual([]);
    const forged = withDisclosures([
      opened(h('a'), [holding]),
      {
        state: 'invalid',
        sha256: h('b'),
        openedAt: now,
        code: 'ERR_JWS_SIGNATURE_INVALID' as never,
      },
    ]);
    expect(dueNotices([forged], now, new Set())).toEqual([]);
  });
});

describe('inQuietHours', () => {
  it('holds notices inside the profile’s quiet windows, in the profile’s time zone', () => {
    const profile = defaultProfile('en', 'Europe/Berlin');
    const quiet = {
      ...profile,
      quiet: { timeZone: 'Europe/Berlin', windows: [{ days: [1], from: '12:30', to: '14:00' }] },
    };
    expect(inQuietHours(quiet, now)).toBe(true);
    expect(inQuietHours(quiet, now + 2 * 3600_000)).toBe(false);
    expect(
      inQuietHours({ ...profile, quiet: { timeZone: 'Europe/Berlin', windows: [] } }, now),
    ).toBe(false);
  });
});
