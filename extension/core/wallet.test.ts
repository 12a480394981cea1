import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem } from '../../protocol/client';
import { base64urlDecode, base64urlEncode, utf8Decode } from '../../protocol/encoding';
import { isProtocolError, ProtocolError } from '../../protocol/errors';
import { sha256Of } from '../../protocol/jws';
import { openSealed, sealTo } from '../../protocol/seal';
import { generateKeyPair } from '../../protocol/keys';
import { openMessage } from '../../protocol/signed';
import {
  blacklistMatch,
  defaultProfile,
  type BlacklistEntry,
  type Profile,
} from '../../protocol/profile';
import { assistantMessage, parseAssistantMessage } from '../../protocol/connect';
import { customerViewItem } from './customer-view';
import { disclosureChange, toOpenAgain } from './disclosures';
import { messageSchemaRevision, type Payload } from '../../protocol/messages';
import type { LogEntry } from '../../protocol/tlog';
import type { RecordStore } from './ports';
import { channelIds } from '../../protocol/vocabulary';
import { FakeClock, FakeStore } from './fakes';
import { Preferences } from './preferences';
import { companyIdentity } from './identity';
import { pastViewBounds } from './view-history';
import {
  initialChoice,
  narrowScopes,
  receiptTimeMarginSeconds,
  Wallet,
  type ConsentChoice,
  type RequestSource,
  type WalletClearinghouse,
  type WalletPorts,
  type WalletRelationship,
} from './wallet';
import {
  clearinghouseOrigin,
  companyOrigin,
  FakeClearinghouse,
  logOrigin,
  testRandomBytes,
  grantAll,
} from './wallet.fixture';

const nowMs = Date.UTC(2026, 10, 1, 12);
const nowSeconds = nowMs / 1000;
const seed = new Uint8Array(32).fill(5);
const bridge: RequestSource = { kind: 'bridge', pageOrigin: companyOrigin };

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (e) {
    return isProtocolError(e) ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

let ch: FakeClearinghouse;
let store: FakeStore;
let clock: FakeClock;
let blacklist: BlacklistEntry[];
let pinned: { key: string; origin: string } | null;
let wallet: Wallet;

beforeEach(async () => {
  ch = await FakeClearinghouse.create(nowMs);
  store = new FakeStore();
  clock = new FakeClock(nowMs);
  blacklist = [];
  pinned = { key: ch.logVerifierKey, origin: logOrigin };
  wallet = makeWallet();
});

/** A wallet on this file's store, clock, clearinghouse, pinned key and blacklist; `extra` adds or replaces ports. */
function makeWallet(extra: Partial<WalletPorts> = {}): Wallet {
  return new Wallet({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    pinnedLog: async () => pinned,
    masterSeed: async () => seed,
    blacklist: async () => blacklist,
    receiptAttempts: 2,
    ...extra,
  });
}

describe('Wallet.check', () => {
  it('accepts an open request from the company’s own page and names the pairwise pseudonym', async () => {
    const sha = await ch.addRequest(nowSeconds - 3600);
    const checked = await wallet.check(sha, bridge);
    expect(checked.company.id).toBe(ch.company.id);
    expect(checked.pseudonym).toBe((await companyIdentity(seed, ch.company.id)).pseudonym);
    expect(checked.request.scopes).toHaveLength(2);
  });

  it.each<[string, (c: FakeClearinghouse) => void, RequestSource, string]>([
    [
      'a page on another origin',
      () => {},
      { kind: 'bridge', pageOrigin: 'http://localhost:4001' },
      'ERR_BRIDGE_ORIGIN_MISMATCH',
    ],
    [
      'a suspended company',
      (c) => Object.assign(c.company, { status: 'suspended' }),
      bridge,
      'ERR_COMPANY_NOT_ACTIVE',
    ],
    [
      'a pending company',
      (c) => Object.assign(c.company, { status: 'pending' }),
      { kind: 'link' },
      'ERR_COMPANY_NOT_ACTIVE',
    ],
    [
      'an unverified domain',
      (c) => Object.assign(c.company, { domainVerifiedAt: null }),
      bridge,
      'ERR_COMPANY_DOMAIN_UNVERIFIED',
    ],
    [
      'a purpose not declared',
      (c) => Object.assign(c.company, { purposes: ['product_launch'] }),
      bridge,
      'ERR_PURPOSE_NOT_DECLARED',
    ],
    [
      'a key retired before the request',
      (c) => Object.assign(c.company.keys[0]!, { retiredAt: nowSeconds - 7200 }),
      bridge,
      'ERR_JWS_KID_UNKNOWN',
    ],
  ])('refuses %s', async (_name, change, source, code) => {
    const sha = await ch.addRequest(nowSeconds - 3600);
    change(ch);
    expect(await codeOf(() => wallet.check(sha, source))).toBe(code);
  });

  it('refuses a request the clearinghouse does not hold, or answered under another hash', async () => {
    expect(await codeOf(() => wallet.check('A'.repeat(43), bridge))).toBe(
      'ERR_GRANT_REQUEST_UNKNOWN',
    );
    const sha = await ch.addRequest(nowSeconds);
    const other = await ch.addRequest(nowSeconds + 1);
    ch.requests.set(sha, ch.requests.get(other)!);
    expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_GRANT_REQUEST_UNKNOWN');
  });

  it('refuses a request its company voided by declaring its key compromised, and says so', async () => {
    const sha = await ch.addRequest(nowSeconds - 60);
    Object.assign(ch.company.keys[0]!, { compromisedSince: nowSeconds - 120 });
    expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_GRANT_REQUEST_VOIDED');
  });

  it('refuses a request signed by a key that is not the company’s', async () => {
    const sha = await ch.addRequest(nowSeconds, {}, generateKeyPair(testRandomBytes));
    expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_JWS_KID_UNKNOWN');
  });

  it('refuses a blacklisted company, and a blacklisted brand of it', async () => {
    const sha = await ch.addRequest(nowSeconds);
    const entry = (target: BlacklistEntry['target']): BlacklistEntry => ({
      id: '0'.repeat(32),
      target,
      reason: 'too_frequent',
      at: nowSeconds,
    });
    blacklist = [entry({ kind: 'company', company: ch.company.id })];
    expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_COMPANY_BLACKLISTED');
    blacklist = [entry({ kind: 'brand', brand: 'Laufhaus' })];
    expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_COMPANY_BLACKLISTED');
    blacklist = [entry({ kind: 'brand', brand: 'Other' })];
    await expect(wallet.check(sha, bridge)).resolves.toBeDefined();
  });

  it.each(['laufhaus', ' LAUFHAUS ', 'Ｌａｕｆｈａｕｓ'])(
    'refuses a blacklisted brand spelt %j, as the offer filter hides it',
    async (brand) => {
      const sha = await ch.addRequest(nowSeconds);
      blacklist = [
        { id: '0'.repeat(32), target: { kind: 'brand', brand }, reason: 'irrelevant', at: 1 },
      ];
      expect(blacklistMatch(blacklist, ch.company.id, 'Laufhaus')).toBeDefined();
      expect(await codeOf(() => wallet.check(sha, bridge))).toBe('ERR_COMPANY_BLACKLISTED');
    },
  );

  it('honours a refusal’s cool-down, and asks again once it has passed', async () => {
    const sha = await ch.addRequest(nowSeconds);
    const checked = await wallet.check(sha, bridge);
    await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: 7 });
    const again = await ch.addRequest(nowSeconds + 60);
    expect(await codeOf(() => wallet.check(again, bridge))).toBe('ERR_ASK_AGAIN_LATER');
    clock.ms = nowMs + 8 * 86_400_000;
    await expect(wallet.check(again, bridge)).resolves.toMatchObject({ sha256: again });
  });

  it('takes a targeted request only from the inbox, and an open one never from there', async () => {
    const { pseudonym } = await companyIdentity(seed, ch.company.id);
    const targeted = await ch.addRequest(nowSeconds, { aud: pseudonym });
    expect(await codeOf(() => wallet.check(targeted, bridge))).toBe('ERR_GRANT_REQUEST_UNKNOWN');
    await expect(
      wallet.check(targeted, { kind: 'inbox', company: ch.company.id }),
    ).resolves.toMatchObject({
      source: 'inbox',
    });
    const open = await ch.addRequest(nowSeconds);
    expect(await codeOf(() => wallet.check(open, { kind: 'inbox', company: ch.company.id }))).toBe(
      'ERR_GRANT_REQUEST_UNKNOWN',
    );
  });
});

describe('choices', () => {
  it('never pre-selects a sensitive category, and narrows to the profile in automatic mode', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const manual = initialChoice(checked.request, null);
    expect(manual.decision === 'grant' && manual.scopes[0]!.dataCategories).toEqual(['address']);
    const profile: Profile = {
      ...defaultProfile('en', 'Europe/Berlin'),
      mode: 'automatic',
      channels: { allowed: ['email'], preferred: 'email' },
      caps: { perWeek: null, perCompanyPerWeek: 1 },
    };
    const automatic = initialChoice(checked.request, profile);
    expect(automatic).toMatchObject({
      decision: 'grant',
      preferredChannel: 'email',
      scopes: [
        { channels: ['email'], dataCategories: ['address'], maxContactsPerWeek: 1 },
        { channels: ['email'] },
      ],
    });
  });

  it('ticks in manual mode too only the channels the profile allows, with its weekly cap', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const profile: Profile = {
      ...defaultProfile('en', 'Europe/Berlin'),
      mode: 'manual',
      channels: { allowed: ['email'], preferred: null },
      caps: { perWeek: null, perCompanyPerWeek: 1 },
    };
    // Before: SMS, not allowed in the profile, was ticked in manual mode, and the cap ignored.
    expect(initialChoice(checked.request, profile)).toMatchObject({
      decision: 'grant',
      preferredChannel: 'email',
      scopes: [
        { include: true, channels: ['email'], maxContactsPerWeek: 1 },
        { include: true, channels: ['email'], maxContactsPerWeek: 1 },
      ],
    });
    // Unread (null), the profile narrows nothing: scripts/demo.ts grants what was asked.
    const unread = initialChoice(checked.request, null);
    expect(
      unread.decision === 'grant' && unread.scopes.map((s) => [s.include, s.channels]),
    ).toEqual([
      [true, ['email', 'sms']],
      [true, ['email']],
    ]);
  });

  it('ticks no scope in manual mode when the profile allows none of the channels asked', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    // A fresh profile (manual, no channel allowed): nothing beyond it is pre-ticked. Before:
    // every scope and channel was (automatic mode already ticked none).
    const choice = initialChoice(checked.request, defaultProfile('de', 'Europe/Berlin'));
    expect(
      choice.decision === 'grant' && choice.scopes.map((s) => [s.include, s.channels]),
    ).toEqual([
      [false, []],
      [false, []],
    ]);
  });

  it('narrows channels, categories, recipients, cap and retention, and drops excluded scopes', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const scopes = narrowScopes(checked.request.scopes, {
      decision: 'grant',
      scopes: [
        {
          include: true,
          channels: ['email'],
          dataCategories: ['health'],
          maxContactsPerWeek: 1,
          retentionDays: 90,
          onwardRecipients: [],
        },
        {
          include: false,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 30,
          onwardRecipients: [],
        },
      ],
      preferredChannel: 'email',
      days: 10,
    });
    expect(scopes).toEqual([
      {
        ...checked.request.scopes[0],
        channels: ['email'],
        dataCategories: ['health'],
        onwardRecipients: [],
        retentionDays: 90,
        conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 1 },
      },
    ]);
  });

  it.each<[string, Partial<ConsentChoice & { decision: 'grant' }>['scopes']]>([
    [
      'a channel not asked',
      [
        {
          include: true,
          channels: ['post'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 1,
          onwardRecipients: [],
        },
      ],
    ],
    [
      'a higher cap',
      [
        {
          include: true,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: 3,
          retentionDays: 1,
          onwardRecipients: [],
        },
      ],
    ],
    [
      'a longer retention',
      [
        {
          include: true,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 366,
          onwardRecipients: [],
        },
      ],
    ],
    [
      'a recipient not asked',
      [
        {
          include: true,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 1,
          onwardRecipients: [1],
        },
      ],
    ],
    [
      'no scope at all',
      [
        {
          include: false,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 1,
          onwardRecipients: [],
        },
      ],
    ],
  ])('refuses a choice with %s', async (_name, first) => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const second = {
      include: false,
      channels: ['email'],
      dataCategories: [],
      maxContactsPerWeek: null,
      retentionDays: 30,
      onwardRecipients: [],
    };
    const choice: ConsentChoice = {
      decision: 'grant',
      scopes: [first![0]!, second],
      preferredChannel: 'email',
      days: 1,
    };
    expect(await codeOf(async () => narrowScopes(checked.request.scopes, choice as never))).toBe(
      'ERR_WALLET_CHOICE_INVALID',
    );
    expect(await codeOf(() => wallet.answer(checked, choice))).toBe('ERR_WALLET_CHOICE_INVALID');
    expect(ch.submitted.size).toBe(0);
  });
});

describe('Wallet.answer', () => {
  /** The answers the wallet keeps until it knows their outcome (one vault record). */
  const outboxEntries = async () =>
    Object.keys(((await store.get('profile', 'wallet-outbox')) as object | undefined) ?? {});

  /**
   * A grant whose answer the wallet never got (the worker stopped): stored at the clearinghouse
   * when `arrived`, never sent otherwise; the wallet saw "unreachable". Its request, the outbox
   * entry it left, and the fake's own `submitGrant` (in place again).
   */
  async function lostGrant(arrived: boolean) {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const submitGrant = ch.submitGrant.bind(ch);
    ch.submitGrant = async (jws) => {
      if (arrived) await submitGrant(jws);
      throw new TypeError('fetch failed');
    };
    await expect(wallet.answer(checked, grantAll(checked.request))).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    ch.submitGrant = submitGrant;
    const [pending] = await outboxEntries();
    return { checked, pending: pending!, submitGrant };
  }

  it('signs the narrowed grant with the pairwise key, carries pseudonymKey, and stores the verified receipt', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const choice = grantAll(checked.request);
    if (choice.decision === 'grant') choice.scopes[1]!.include = false;
    const outcome = await wallet.answer(checked, choice);
    expect(outcome).toMatchObject({
      outcome: 'granted',
      receipt: { kind: 'grant', index: 0, treeSize: 1 },
    });
    const identity = await companyIdentity(seed, ch.company.id);
    const sent = ch.submitted.get(outcome.sha256)!;
    const opened = await openMessage('grant', sent.jws, {
      audience: ch.company.id,
      now: nowSeconds,
      resolveKey: () => identity.keyPair.publicKey,
    });
    expect(opened.payload).toMatchObject({
      iss: identity.pseudonym,
      requestSha256: checked.sha256,
      until: nowSeconds + 30 * 86_400,
      scopes: [{ purpose: 'product_launch' }],
    });
    expect(opened.payload.scopes).toHaveLength(1);
    expect(opened.payload.pseudonymKey).toEqual(
      expect.objectContaining({ kty: 'OKP', crv: 'Ed25519' }),
    );
    const stored = await wallet.relationship(identity.pseudonym);
    expect(stored?.grants.map((g) => g.sha256)).toEqual([outcome.sha256]);
    expect(stored?.receipts.map((r) => r.sha256)).toEqual([outcome.sha256]);
  });

  it('refuses a tampered receipt and stores nothing as verified, yet keeps the grant shown with its receipt pending', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    ch.tamperReceipts = true;
    expect(await codeOf(() => wallet.answer(checked, grantAll(checked.request)))).toBe(
      'ERR_TLOG_INCLUSION_INVALID',
    );
    // The clearinghouse holds the grant: the vault shows it (so it can be revoked), unreceipted.
    const [sent] = [...ch.submitted.keys()];
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.sha256)).toEqual([sent]);
    expect(stored?.receipts).toEqual([]);
    expect(stored?.pendingReceipts.map((p) => p.sha256)).toEqual([sent]);
    expect(await outboxEntries()).toEqual([]);
    // A refresh goes on, the receipt still pending; once the log serves a good one it is kept.
    batchAnswers();
    await expect(wallet.refreshAll()).resolves.toHaveLength(1);
    ch.tamperReceipts = false;
    const [refreshed] = await wallet.refreshAll();
    expect(refreshed?.receipts.map((r) => r.sha256)).toEqual([sent]);
    expect(refreshed?.pendingReceipts).toEqual([]);
  });

  it('refuses a receipt signed by a key other than the pinned one', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const other = await FakeClearinghouse.create(nowMs);
    pinned = { key: other.logVerifierKey, origin: logOrigin };
    expect(await codeOf(() => wallet.answer(checked, grantAll(checked.request)))).toBe(
      'ERR_NOTE_NO_TRUSTED_SIGNATURE',
    );
    // As with a tampered receipt: nothing stored as verified, the grant shown, its receipt pending.
    const [sent] = [...ch.submitted.keys()];
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.sha256)).toEqual([sent]);
    expect(stored?.receipts).toEqual([]);
    expect(stored?.pendingReceipts.map((p) => p.sha256)).toEqual([sent]);
  });

  it.each<[string, boolean, (payload: Record<string, unknown>) => Partial<LogEntry>]>([
    ['another company', false, () => ({ company: `co_${'A'.repeat(43)}` })],
    ['another pseudonym', false, () => ({ pseudonym: `ps_${'A'.repeat(43)}` })],
    ['no pseudonym', false, () => ({ pseudonym: null })],
    ['a time before iat less the clock skew', false, (p) => ({ time: Number(p.iat) - 61 })],
    [
      'a time after exp plus the clock skew and the margin',
      false,
      (p) => ({ time: Number(p.exp) + 60 + receiptTimeMarginSeconds + 1 }),
    ],
    ['a time of iat less the clock skew', true, (p) => ({ time: Number(p.iat) - 60 })],
    // Accepted in its last second, stored a moment later: timed just past exp plus the skew.
    ['a time a second after exp plus the clock skew', true, (p) => ({ time: Number(p.exp) + 61 })],
    [
      'a time of exp plus the clock skew and the margin',
      true,
      (p) => ({ time: Number(p.exp) + 60 + receiptTimeMarginSeconds }),
    ],
  ])('a receipt whose entry names %s verifies: %s', async (_what, verifies, fields) => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    ch.entryFields = fields;
    const answer = () => wallet.answer(checked, grantAll(checked.request));
    if (verifies) {
      await expect(answer()).resolves.toMatchObject({ receipt: { kind: 'grant' } });
      return;
    }
    expect(await codeOf(answer)).toBe('ERR_RECEIPT_INVALID');
    // As a receipt that does not verify: the grant shown (it can be revoked), its receipt pending.
    const [sent] = [...ch.submitted.keys()];
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.sha256)).toEqual([sent]);
    expect(stored?.receipts).toEqual([]);
    expect(stored?.pendingReceipts.map((p) => p.sha256)).toEqual([sent]);
  });

  it('keeps a slow receipt as pending and fetches it on the next refresh', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    ch.pendingReceipts = 2;
    const outcome = await wallet.answer(checked, grantAll(checked.request));
    expect(outcome.receipt).toBeNull();
    expect((await wallet.relationship(checked.pseudonym))?.pendingReceipts).toHaveLength(1);
    const refreshed = await wallet.refreshCompany(ch.company.id);
    expect(refreshed.pendingReceipts).toEqual([]);
    expect(refreshed.receipts.map((r) => r.sha256)).toEqual([outcome.sha256]);
  });

  it('settles a grant the clearinghouse stored before the wallet could (a stopped worker) on the next refresh', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    // The 201 came, then everything stopped before the vault write: the relationship read fails.
    const relationships = ch.relationships.bind(ch);
    ch.relationships = () => Promise.reject(new TypeError('fetch failed'));
    await expect(wallet.answer(checked, grantAll(checked.request))).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    expect(await wallet.relationship(checked.pseudonym)).toBeUndefined();
    const [sent] = [...ch.submitted.keys()];
    // Still out of reach: nothing is lost, nothing settled.
    await wallet.refreshAll();
    expect(await wallet.relationship(checked.pseudonym)).toBeUndefined();
    ch.relationships = relationships;
    const listed = await wallet.refreshAll();
    expect(listed.map((r) => r.grants.map((g) => g.sha256))).toEqual([[sent]]);
    expect((await wallet.relationship(checked.pseudonym))?.receipts.map((r) => r.sha256)).toEqual([
      sent,
    ]);
    // Settled once: a further refresh changes nothing. The entry stays, marked settled, while the
    // customer may still answer the request again (then this grant is the answer), and goes once
    // its window has closed.
    const outbox = async () =>
      (await store.get('profile', 'wallet-outbox')) as Record<string, { settled?: true }>;
    expect((await outbox())[sent!]?.settled).toBe(true);
    const again = await wallet.answer(checked, grantAll(checked.request));
    expect(again).toMatchObject({ outcome: 'granted', sha256: sent, receipt: { kind: 'grant' } });
    expect(ch.submitted.size).toBe(1);
    expect(await outboxEntries()).toEqual([]);
  });

  it('drops an entry a refresh settled once its window has closed', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const relationships = ch.relationships.bind(ch);
    ch.relationships = () => Promise.reject(new TypeError('fetch failed'));
    await expect(wallet.answer(checked, grantAll(checked.request))).rejects.toThrow();
    ch.relationships = relationships;
    await wallet.refreshAll();
    expect(await outboxEntries()).toHaveLength(1);
    await wallet.refreshAll();
    expect(await outboxEntries()).toHaveLength(1);
    clock.ms = nowMs + 20 * 60_000;
    await wallet.refreshAll();
    expect(await outboxEntries()).toEqual([]);
    expect(ch.submitted.size).toBe(1);
  });

  it('drops an answer that never reached the clearinghouse only once its window has closed, and never resends it', async () => {
    const { checked } = await lostGrant(false);
    expect(await outboxEntries()).toHaveLength(1);
    await wallet.refreshAll();
    expect(await outboxEntries()).toHaveLength(1); // it could still arrive within its window
    clock.ms = nowMs + 20 * 60_000;
    await wallet.refreshAll();
    expect(await outboxEntries()).toEqual([]);
    expect(ch.submitted.size).toBe(0);
    expect(await wallet.relationship(checked.pseudonym)).toBeUndefined();
  });

  it('answering again sends the earlier answer whose outcome was lost, not a second one', async () => {
    // The clearinghouse stored the grant; the answer never came back (the worker stopped).
    const { checked, pending: first } = await lostGrant(true);
    // The customer asks again and grants again: the first grant is the answer.
    const again = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    expect(again.sha256).not.toBe(checked.sha256);
    const other = await wallet.answer(again, grantAll(again.request));
    const outcome = await wallet.answer(checked, grantAll(checked.request));
    expect(outcome).toMatchObject({
      outcome: 'granted',
      sha256: first,
      receipt: { kind: 'grant' },
      earlier: true,
    });
    // A new answer is not an earlier one.
    expect(other).not.toHaveProperty('earlier');
    const grants = [...ch.submitted].filter(([, m]) => m.kind === 'grant').map(([sha]) => sha);
    expect(grants.sort()).toEqual([first, other.sha256].sort());
    expect(
      (await wallet.relationship(checked.pseudonym))?.grants.map((g) => g.sha256).sort(),
    ).toEqual([first, other.sha256].sort());
    expect(await outboxEntries()).toEqual([]);
  });

  it('answering again sends the earlier answer that never arrived instead of signing a new one', async () => {
    const { checked, pending, submitGrant } = await lostGrant(false);
    ch.submitGrant = () => Promise.reject(new TypeError('fetch failed'));
    // Still out of reach: the earlier answer stays, nothing new is signed.
    await expect(
      wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null }),
    ).rejects.toMatchObject({ code: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    expect(await outboxEntries()).toEqual([pending]);
    ch.submitGrant = submitGrant;
    const outcome = await wallet.answer(checked, grantAll(checked.request));
    expect(outcome).toMatchObject({ outcome: 'granted', sha256: pending, earlier: true });
    expect([...ch.submitted.keys()]).toEqual([pending]);
    expect(await outboxEntries()).toEqual([]);
  });

  it('answers a refusal with the “ask me again after” it signed, on its own clock', async () => {
    // Without one first: a running "ask me again after" would keep the second request away.
    const never = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await expect(
      wallet.answer(never, { decision: 'refuse', askAgainAfterDays: null }),
    ).resolves.toMatchObject({ outcome: 'refused', askAgainAfter: null });
    const later = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await expect(
      wallet.answer(later, { decision: 'refuse', askAgainAfterDays: 7 }),
    ).resolves.toMatchObject({ outcome: 'refused', askAgainAfter: nowSeconds + 7 * 86_400 });
  });

  it('answers a refusal sent again in place of a new one with the date the first was signed with', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const submitRefusal = ch.submitRefusal.bind(ch);
    ch.submitRefusal = () => Promise.reject(new TypeError('fetch failed'));
    await expect(
      wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: 7 }),
    ).rejects.toMatchObject({ code: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    const [lost] = await outboxEntries();
    ch.submitRefusal = submitRefusal;
    clock.ms += 60_000;
    const outcome = await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: 30 });
    expect(outcome).toMatchObject({
      outcome: 'refused',
      sha256: lost,
      askAgainAfter: nowSeconds + 7 * 86_400,
      // Said to the window, which would otherwise show a date the customer did not choose now.
      earlier: true,
    });
  });

  it('a resend adds nothing to the log, and an entry of another request is left alone', async () => {
    const { checked, pending } = await lostGrant(true);
    const size = ch.logSize;
    const other = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    // Another request's answer does not send this one again.
    await wallet.answer(other, grantAll(other.request));
    expect(ch.logSize).toBe(size + 1);
    expect(await outboxEntries()).toEqual([pending]);
    await wallet.answer(checked, grantAll(checked.request));
    expect(ch.logSize).toBe(size + 1);
    expect(await outboxEntries()).toEqual([]);
  });

  it('refusing now what a lost earlier click granted: that grant is revoked, then the refusal signed', async () => {
    for (const arrived of [true, false]) {
      const { checked, pending: earlier } = await lostGrant(arrived);
      const outcome = await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null });
      expect(outcome.outcome).toBe('refused');
      expect(ch.submitted.get(outcome.sha256)?.kind).toBe('refusal');
      // The earlier grant is at the clearinghouse (sent again if it had not arrived), revoked.
      expect(ch.submitted.get(earlier)?.kind).toBe('grant');
      const revocations = [...ch.submitted.values()].filter(
        (m) =>
          m.kind === 'revocation' &&
          JSON.stringify(m.payload.grants) === JSON.stringify([{ grantSha256: earlier }]),
      );
      expect(revocations).toHaveLength(1);
      const stored = await wallet.relationship(checked.pseudonym);
      expect(stored?.grants.find((g) => g.sha256 === earlier)?.status).toBe('revoked');
      expect(await outboxEntries()).toEqual([]);
    }
  });

  it('names the lost earlier grant a refusal of its request revokes, and none of another request', async () => {
    const { checked, pending: earlier } = await lostGrant(true);
    const other = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    expect(await wallet.grantsRevokedByRefusal(checked)).toEqual([earlier]);
    expect(await wallet.grantsRevokedByRefusal(other)).toEqual([]);
    // Settled by a refresh, it stays in the outbox: a refusal still revokes it first.
    await wallet.refreshAll();
    const outbox = (await store.get('profile', 'wallet-outbox')) as Record<string, object>;
    expect(outbox[earlier]).toMatchObject({ settled: true });
    expect(await wallet.grantsRevokedByRefusal(checked)).toEqual([earlier]);
    await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null });
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.find((g) => g.sha256 === earlier)?.status).toBe('revoked');
    expect(await wallet.grantsRevokedByRefusal(checked)).toEqual([]);
  });

  it('names no grant a refusal revokes when the lost earlier answer was a refusal', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const submitRefusal = ch.submitRefusal.bind(ch);
    ch.submitRefusal = () => Promise.reject(new TypeError('fetch failed'));
    await expect(
      wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null }),
    ).rejects.toMatchObject({ code: 'ERR_CLEARINGHOUSE_UNREACHABLE' });
    ch.submitRefusal = submitRefusal;
    expect(await outboxEntries()).toHaveLength(1);
    expect(await wallet.grantsRevokedByRefusal(checked)).toEqual([]);
  });

  it('a refresh and an answer at once settle a lost answer once', async () => {
    const { checked, pending: lost } = await lostGrant(true);
    const logReceipt = ch.logReceipt.bind(ch);
    const fetched: string[] = [];
    ch.logReceipt = (sha: string) => {
      fetched.push(sha);
      return logReceipt(sha);
    };
    const [, outcome] = await Promise.all([
      wallet.refreshAll(),
      wallet.answer(checked, grantAll(checked.request)),
    ]);
    // Whichever came first settled it, once, and the answer is the lost grant either way.
    expect(outcome).toMatchObject({ outcome: 'granted', sha256: lost });
    expect(fetched.filter((sha) => sha === lost)).toHaveLength(1);
    expect([...ch.submitted.values()].filter((m) => m.kind === 'grant')).toHaveLength(1);
    expect(await outboxEntries()).toEqual([]);
  });

  it('two answers to one request at once: the second waits for the first and sends its lost answer again', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const submitGrant = ch.submitGrant.bind(ch);
    let calls = 0;
    ch.submitGrant = async (jws) => {
      calls += 1;
      const answer = await submitGrant(jws);
      if (calls === 1) throw new TypeError('fetch failed'); // stored, the answer lost
      return answer;
    };
    const [first, second] = await Promise.allSettled([
      wallet.answer(checked, grantAll(checked.request)),
      wallet.answer(checked, grantAll(checked.request)),
    ]);
    expect(first.status).toBe('rejected');
    const grants = [...ch.submitted].filter(([, m]) => m.kind === 'grant').map(([sha]) => sha);
    expect(grants).toHaveLength(1);
    expect(second).toMatchObject({
      status: 'fulfilled',
      value: { outcome: 'granted', sha256: grants[0] },
    });
  });

  it('signs the new answer when the earlier one is refused on its resend', async () => {
    const { checked, pending: expired, submitGrant } = await lostGrant(false);
    // Its window closed meanwhile: the clearinghouse refuses it for good.
    ch.submitGrant = (jws) =>
      sha256Of(jws) === expired
        ? Promise.reject(new ApiProblem(400, { code: 'ERR_JWS_EXPIRED' }))
        : submitGrant(jws);
    const outcome = await wallet.answer(checked, grantAll(checked.request));
    expect(outcome.outcome).toBe('granted');
    expect(outcome.sha256).not.toBe(expired);
    expect([...ch.submitted.keys()]).toEqual([outcome.sha256]);
    expect(await outboxEntries()).toEqual([]);
  });

  /**
   * This file's store as a handle of a vault a backup restore replaced (extension/vault `handle`):
   * every write to `table` (and `id`, when given) throws `ERR_VAULT_REPLACED`; the rest goes on.
   */
  function replacedOn(table: string, id?: string): RecordStore {
    const hit = (t: string, i?: string) => t === table && (id === undefined || i === id);
    const replaced = () =>
      Promise.reject(new ProtocolError('ERR_VAULT_REPLACED', 'a backup was restored'));
    return {
      get: (t, i) => store.get(t, i),
      list: (t) => store.list(t),
      put: (t, i, value) => (hit(t, i) ? replaced() : store.put(t, i, value)),
      putMany: (t, items) => (hit(t) ? replaced() : store.putMany(t, items)),
      addMany: (t, items) => (hit(t) ? replaced() : store.addMany(t, items)),
      delete: (t, i) => (hit(t, i) ? replaced() : store.delete(t, i)),
    };
  }

  /** What `run` threw. */
  async function thrown(run: () => Promise<unknown>): Promise<unknown> {
    try {
      await run();
    } catch (e) {
      return e;
    }
    throw new Error('it did not throw');
  }

  it.each<[string, (request: Payload<'grant-request'>) => ConsentChoice, object]>([
    ['a grant', grantAll, { kind: 'grant' }],
    [
      'a refusal',
      () => ({ decision: 'refuse', askAgainAfterDays: 7 }),
      { kind: 'refusal', askAgainAfter: nowSeconds + 7 * 86_400 },
    ],
  ])(
    'names %s the clearinghouse took when a restore overtakes the write that follows',
    async (_case, choiceFor, detail) => {
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      const replaced = makeWallet({ store: replacedOn('relationships') });
      const e = await thrown(() => replaced.answer(checked, choiceFor(checked.request)));
      const [sent] = [...ch.submitted.keys()];
      expect(sent).toBeDefined();
      expect(e).toMatchObject({ code: 'ERR_VAULT_REPLACED', detail: { sent, ...detail } });
      expect((e as ProtocolError).detail).not.toHaveProperty('earlier');
    },
  );

  it('names the earlier answer it sent again when a restore overtakes what follows', async () => {
    const { checked, pending } = await lostGrant(false);
    const replaced = makeWallet({ store: replacedOn('relationships') });
    const e = await thrown(() => replaced.answer(checked, grantAll(checked.request)));
    expect([...ch.submitted.keys()]).toEqual([pending]);
    expect(e).toMatchObject({
      code: 'ERR_VAULT_REPLACED',
      detail: { sent: pending, kind: 'grant', earlier: true },
    });
  });

  it('names nothing sent when a restore overtakes the answer before it goes, and the answer once it went', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const before = makeWallet({ store: replacedOn('profile', 'wallet-outbox') });
    const e = await thrown(() => before.answer(checked, grantAll(checked.request)));
    expect(e).toMatchObject({ code: 'ERR_VAULT_REPLACED' });
    expect((e as ProtocolError).detail).toBeUndefined();
    expect(ch.submitted.size).toBe(0);
    // The same answer, overtaken only once it went: now it is named.
    const after = makeWallet({ store: replacedOn('relationships') });
    const went = await thrown(() => after.answer(checked, grantAll(checked.request)));
    expect(went).toMatchObject({
      code: 'ERR_VAULT_REPLACED',
      detail: { sent: [...ch.submitted.keys()][0], kind: 'grant' },
    });
  });

  /**
   * A wallet whose profile port records what it is asked to allow (`allowed`), and a grant of
   * email alone (the request's first scope narrowed) that the clearinghouse stored but whose
   * answer was lost: the next answer to `checked` sends it again in place of its own.
   */
  async function lostEmailGrant() {
    const allowed: { channels: readonly string[]; preferred: string }[] = [];
    wallet = makeWallet({
      allowChannels: async (channels, preferred) => void allowed.push({ channels, preferred }),
    });
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const narrow = grantAll(checked.request);
    if (narrow.decision === 'grant') narrow.scopes[0]!.channels = ['email'];
    const submitGrant = ch.submitGrant.bind(ch);
    ch.submitGrant = async (jws) => {
      await submitGrant(jws);
      throw new TypeError('fetch failed');
    };
    await expect(wallet.answer(checked, narrow)).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    ch.submitGrant = submitGrant;
    return { allowed, checked };
  }

  it('allows in the profile, for an earlier grant sent again in place of this one, only the ticked channels it gives', async () => {
    const { allowed, checked } = await lostEmailGrant();
    const [pending] = await outboxEntries();
    // Ticked now: SMS only, which the grant that stands does not give: nothing allowed.
    const smsOnly = await wallet.answer(checked, grantAll(checked.request), ['sms']);
    expect(smsOnly).toMatchObject({ outcome: 'granted', sha256: pending, earlier: true });
    expect(smsOnly).not.toHaveProperty('profileChannels');
    expect(allowed).toEqual([]);
  });

  it('allows the ticked channels an earlier grant sent again gives, with its preferred channel', async () => {
    const { allowed, checked } = await lostEmailGrant();
    const outcome = await wallet.answer(checked, grantAll(checked.request), ['sms', 'email']);
    expect(outcome).toMatchObject({
      outcome: 'granted',
      earlier: true,
      profileChannels: 'allowed',
    });
    // SMS is not allowed: the grant that stands does not give it.
    expect(allowed).toEqual([{ channels: ['email'], preferred: 'email' }]);
  });

  it('keeps no outbox entry for an answer the clearinghouse refused', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    ch.submitGrant = () => Promise.reject(new ApiProblem(403, { code: 'ERR_COMPANY_NOT_ACTIVE' }));
    await expect(wallet.answer(checked, grantAll(checked.request))).rejects.toThrow();
    expect(await outboxEntries()).toEqual([]);
  });

  it('keeps no outbox entry for a data request refused while ten wait for an answer', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    ch.submitDataRequest = () =>
      Promise.reject(new ApiProblem(429, { code: 'ERR_TOO_MANY_OPEN_REQUESTS' }));
    expect(await codeOf(() => wallet.requestData(ch.company.id, 'access'))).toBe(
      'ERR_TOO_MANY_OPEN_REQUESTS',
    );
    // Failed before: kept and sent again with every refresh until its window closed.
    expect(await outboxEntries()).toEqual([]);
  });

  it('refuses to verify without a pinned log key', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    pinned = null;
    expect(await codeOf(() => wallet.answer(checked, grantAll(checked.request)))).toBe(
      'ERR_LOG_KEY_NOT_PINNED',
    );
  });
});

describe('Wallet.answer allowing channels in the profile (the consent window’s box)', () => {
  let preferences: Preferences;

  beforeEach(() => {
    preferences = new Preferences({
      store,
      clock,
      randomBytes: testRandomBytes,
      defaults: () => ({ language: 'de', timeZone: 'Europe/Berlin' }),
    });
    // As extension/service.ts wires it: the profile of the same vault.
    wallet = makeWallet({
      allowChannels: async (channels, preferred) => {
        await preferences.allowChannels(channels, preferred);
      },
    });
  });

  /** The stored profile record as it is (undefined: never written, the default applies). */
  const storedProfile = () => store.get('profile', 'current');
  const pseudonymOf = async () => (await companyIdentity(seed, ch.company.id)).pseudonym;
  /** Saves `profile` as the Profile view does, over the copy of the stored one it read. */
  const saveProfile = async (profile: Profile) =>
    preferences.saveProfile(profile, (await preferences.profileWithRevision()).revision);

  it.each<[string, Profile['channels'] | null, string[], Profile['channels']]>([
    // The grant prefers e-mail (grantAll).
    ['a new profile', null, ['sms', 'email'], { allowed: ['sms', 'email'], preferred: 'email' }],
    [
      'a new profile, the preferred channel not ticked',
      null,
      ['sms'],
      { allowed: ['sms'], preferred: null },
    ],
    [
      'a profile that prefers a channel',
      { allowed: ['newsletter'], preferred: 'newsletter' },
      ['email'],
      { allowed: ['newsletter', 'email'], preferred: 'newsletter' },
    ],
    [
      'a profile that allows the preferred channel but prefers none',
      { allowed: ['email'], preferred: null },
      ['sms'],
      { allowed: ['email', 'sms'], preferred: 'email' },
    ],
  ])(
    'grants, then allows exactly the ticked channels in %s',
    async (_case, before, allow, after) => {
      if (before !== null) await saveProfile({ ...defaultProfile('de', 'UTC'), channels: before });
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      const outcome = await wallet.answer(checked, grantAll(checked.request), allow);
      expect(outcome).toMatchObject({ outcome: 'granted', profileChannels: 'allowed' });
      expect((await preferences.profile()).channels).toEqual(after);
      const stored = await wallet.relationship(await pseudonymOf());
      expect(stored?.grants.map((g) => g.sha256)).toEqual([outcome.sha256]);
    },
  );

  it('leaves the profile as it is with every box unticked, and changes it once one is ticked', async () => {
    for (const allow of [undefined, []]) {
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      const outcome = await wallet.answer(checked, grantAll(checked.request), allow);
      expect(outcome.outcome).toBe('granted');
      expect(outcome).not.toHaveProperty('profileChannels');
      expect(await storedProfile()).toBeUndefined();
    }
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request), ['sms']);
    expect((await preferences.profile()).channels).toEqual({ allowed: ['sms'], preferred: null });
  });

  it('keeps the channels it allowed when a Profile view open since before saves its older copy', async () => {
    const opened = await preferences.profileWithRevision();
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const outcome = await wallet.answer(checked, grantAll(checked.request), ['sms']);
    expect(outcome).toMatchObject({ outcome: 'granted', profileChannels: 'allowed' });
    expect(
      await codeOf(() =>
        preferences.saveProfile({ ...opened.profile, mode: 'automatic' }, opened.revision),
      ),
    ).toBe('ERR_PROFILE_CHANGED');
    expect(await preferences.profile()).toMatchObject({
      mode: 'manual',
      channels: { allowed: ['sms'], preferred: null },
    });
  });

  // `resent`: the grant that failed may have arrived (out of reach), so answering again sends it
  // again in place of a new one (`earlier`): it gives what was chosen then, and allows nothing.
  it.each<[string, () => () => void, string, boolean]>([
    [
      'the clearinghouse refuses it',
      () => {
        const submitGrant = ch.submitGrant.bind(ch);
        ch.submitGrant = async () => {
          throw new ApiProblem(422, { code: 'ERR_SCOPE_WIDER_THAN_REQUESTED' });
        };
        return () => (ch.submitGrant = submitGrant);
      },
      'ERR_SCOPE_WIDER_THAN_REQUESTED',
      false,
    ],
    [
      'the clearinghouse is out of reach',
      () => {
        const submitGrant = ch.submitGrant.bind(ch);
        ch.submitGrant = async () => {
          throw new TypeError('fetch failed');
        };
        return () => (ch.submitGrant = submitGrant);
      },
      'ERR_CLEARINGHOUSE_UNREACHABLE',
      true,
    ],
    [
      'no log key is pinned',
      () => {
        const before = pinned;
        pinned = null;
        return () => (pinned = before);
      },
      'ERR_LOG_KEY_NOT_PINNED',
      false,
    ],
    // Stored at the clearinghouse and kept, receipt pending: an error all the same, so the
    // profile is left for the customer to change knowingly.
    [
      'its receipt does not verify',
      () => {
        ch.tamperReceipts = true;
        return () => (ch.tamperReceipts = false);
      },
      'ERR_TLOG_INCLUSION_INVALID',
      false,
    ],
  ])(
    'leaves the profile unchanged when the grant fails (%s), and changes it when granted anew',
    async (_case, breakIt, code, resent) => {
      await saveProfile({
        ...defaultProfile('de', 'UTC'),
        channels: { allowed: ['newsletter'], preferred: null },
      });
      const before = await storedProfile();
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      const repair = breakIt();
      expect(await codeOf(() => wallet.answer(checked, grantAll(checked.request), ['sms']))).toBe(
        code,
      );
      expect(await storedProfile()).toEqual(before);
      repair();
      const outcome = await wallet.answer(checked, grantAll(checked.request), ['sms']);
      // An earlier grant sent again in its place gives SMS too (the same choice): allowed.
      if (resent) expect(outcome).toMatchObject({ earlier: true });
      expect(outcome).toMatchObject({ outcome: 'granted', profileChannels: 'allowed' });
      expect((await preferences.profile()).channels.allowed).toEqual(['newsletter', 'sms']);
    },
  );

  it.each<[string, () => Promise<void>]>([
    [
      'a damaged profile record',
      async () => {
        await saveProfile(defaultProfile('de', 'UTC'));
        store.damage('profile', 'current');
      },
    ],
    [
      'a write that fails',
      async () => {
        preferences.allowChannels = async () => {
          throw new TypeError('the disk is full');
        };
      },
    ],
  ])(
    'keeps the grant and says the profile was not changed after it: %s',
    async (_case, breakIt) => {
      await breakIt();
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      const outcome = await wallet.answer(checked, grantAll(checked.request), ['sms']);
      expect(outcome).toMatchObject({ outcome: 'granted', profileChannels: 'failed' });
      expect(ch.submitted.has(outcome.sha256)).toBe(true);
      const stored = await wallet.relationship(await pseudonymOf());
      expect(stored?.grants.map((g) => g.sha256)).toEqual([outcome.sha256]);
      expect(stored?.receipts.map((r) => r.sha256)).toEqual([outcome.sha256]);
    },
  );

  /** Every scope granted as asked, but the first with `channels` only. */
  const narrowed = (channels: string[]) => (request: Payload<'grant-request'>) => {
    const choice = grantAll(request) as Extract<ConsentChoice, { decision: 'grant' }>;
    choice.scopes[0]!.channels = channels;
    return choice;
  };

  it.each<[string, (request: Payload<'grant-request'>) => ConsentChoice, unknown[]]>([
    ['a channel the vocabulary does not know', grantAll, ['carrier_pigeon']],
    ['the same channel twice', grantAll, ['sms', 'sms']],
    ['a value that is no channel name', grantAll, [42]],
    ['every channel and one of them again', grantAll, [...channelIds, 'email']],
    ['a channel the company did not ask for', grantAll, ['newsletter']],
    ['a channel the customer did not grant', narrowed(['email']), ['sms']],
    [
      'a channel of a scope left out',
      (request) => {
        const choice = grantAll(request) as Extract<ConsentChoice, { decision: 'grant' }>;
        choice.scopes[0]!.include = false;
        return choice;
      },
      ['sms'],
    ],
    ['a refusal', () => ({ decision: 'refuse', askAgainAfterDays: null }), ['email']],
  ])(
    'refuses, before anything is signed, channels to allow that are not the grant’s: %s',
    async (_case, choiceFor, allow) => {
      const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
      expect(await codeOf(() => wallet.answer(checked, choiceFor(checked.request), allow))).toBe(
        'ERR_WALLET_CHOICE_INVALID',
      );
      expect(ch.submitted.size).toBe(0);
      expect(await storedProfile()).toBeUndefined();
    },
  );

  it('refuses channels to allow when it cannot change the profile, before anything is signed', async () => {
    const without = makeWallet();
    const checked = await without.check(await ch.addRequest(nowSeconds), bridge);
    expect(await codeOf(() => without.answer(checked, grantAll(checked.request), ['sms']))).toBe(
      'ERR_WALLET_CHOICE_INVALID',
    );
    expect(ch.submitted.size).toBe(0);
  });
});

describe('without a pinned log key (docs/architecture.md "Receipts")', () => {
  const outboxEntries = async () =>
    Object.keys(((await store.get('profile', 'wallet-outbox')) as object | undefined) ?? {});

  it('submits nothing: a grant, a refusal, a revocation and a data request fail before they go', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const other = await wallet.check(await ch.addRequest(nowSeconds + 1), bridge);
    pinned = null; // the clearinghouse URL changed, or it was out of reach at the unlock
    const attempts = [
      () => wallet.answer(other, grantAll(other.request)),
      () => wallet.answer(other, { decision: 'refuse', askAgainAfterDays: null }),
      () => wallet.revoke(ch.company.id, 'all'),
      () => wallet.requestData(ch.company.id, 'erasure'),
    ];
    for (const attempt of attempts) expect(await codeOf(attempt)).toBe('ERR_LOG_KEY_NOT_PINNED');
    expect(ch.submitted.size).toBe(1);
    expect(await outboxEntries()).toEqual([]);
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.status)).toEqual(['active']);
  });

  it('pins the log key first where it can (as an unlock does), then submits', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    pinned = null;
    let pinCalls = 0;
    const pinning = new Wallet({
      store,
      clock,
      randomBytes: testRandomBytes,
      clearinghouse: ch,
      clearinghouseOrigin,
      pinnedLog: async () => pinned,
      pinLog: async () => {
        pinCalls++;
        pinned = { key: ch.logVerifierKey, origin: logOrigin };
        return pinned;
      },
      masterSeed: async () => seed,
      blacklist: async () => blacklist,
      receiptAttempts: 2,
    });
    const outcome = await pinning.answer(checked, grantAll(checked.request));
    expect(outcome.receipt).toMatchObject({ kind: 'grant' });
    expect(pinCalls).toBe(1);
  });

  it('settles and shows a grant stored while no key was pinned, without resending anything, and refreshes the rest', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    // Stored at the clearinghouse, its answer lost; then the pin was cleared.
    const submitGrant = ch.submitGrant.bind(ch);
    ch.submitGrant = async (jws) => {
      await submitGrant(jws);
      throw new TypeError('fetch failed');
    };
    await expect(wallet.answer(checked, grantAll(checked.request))).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    ch.submitGrant = submitGrant;
    const [sent] = [...ch.submitted.keys()];
    pinned = null;
    batchAnswers();
    const listed = await wallet.refreshAll();
    expect(listed.map((r) => r.grants.map((g) => g.sha256))).toEqual([[sent]]);
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.receipts).toEqual([]);
    expect(stored?.pendingReceipts.map((p) => p.sha256)).toEqual([sent]);
    // Again: nothing throws, nothing is sent.
    await expect(wallet.refreshAll()).resolves.toHaveLength(1);
    expect(ch.submitted.size).toBe(1);
    // Once a key is pinned the receipt is fetched and checked.
    pinned = { key: ch.logVerifierKey, origin: logOrigin };
    const [refreshed] = await wallet.refreshAll();
    expect(refreshed?.receipts.map((r) => r.sha256)).toEqual([sent]);
  });

  it('keeps a revocation that never arrived in the outbox, unsent, until a key is pinned', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const submitRevocation = ch.submitRevocation.bind(ch);
    ch.submitRevocation = () => Promise.reject(new TypeError('fetch failed'));
    expect(await codeOf(() => wallet.revoke(ch.company.id, 'all'))).toBe(
      'ERR_CLEARINGHOUSE_UNREACHABLE',
    );
    ch.submitRevocation = submitRevocation;
    pinned = null;
    batchAnswers();
    await wallet.refreshAll();
    expect(ch.submitted.size).toBe(1);
    expect(await outboxEntries()).toHaveLength(1);
    pinned = { key: ch.logVerifierKey, origin: logOrigin };
    await wallet.refreshAll();
    expect([...ch.submitted.values()].map((m) => m.kind)).toEqual(['grant', 'revocation']);
    expect(await outboxEntries()).toEqual([]);
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.status)).toEqual(['revoked']);
  });
});

describe('Wallet.revoke', () => {
  it('revokes all grants with a signed, receipted revocation', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const { sha256, receipt } = await wallet.revoke(ch.company.id, 'all');
    expect(receipt).toMatchObject({ kind: 'revocation', index: 1 });
    expect(ch.submitted.get(sha256)?.payload).toMatchObject({ grants: 'all', aud: ch.company.id });
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants[0]?.status).toBe('revoked');
    expect(stored?.revocations).toEqual([expect.objectContaining({ sha256, acknowledged: false })]);
    expect(stored?.receipts.map((r) => r.kind)).toEqual(['grant', 'revocation']);
  });

  it('keeps when the clearinghouse stored the company’s acknowledgement, as listed', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const { sha256 } = await wallet.revoke(ch.company.id, 'all');
    const acknowledgedAt = nowMs + 3600_000;
    ch.tamperListing = (r) => ({
      ...r,
      revocations: r.revocations.map((x) => ({ ...x, acknowledged: true, acknowledgedAt })),
    });
    batchAnswers();
    await wallet.refreshAll();
    // Failed before: the vault's record schema dropped the date, so the dashboard had none.
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.revocations).toEqual([
      expect.objectContaining({ sha256, acknowledged: true, acknowledgedAt }),
    ]);
    const { items } = await wallet.list();
    expect(items[0]?.revocations[0]?.acknowledgedAt).toBe(acknowledgedAt);
  });
});

describe('the customer view', () => {
  it('hands the page names, states and hashes the page accepts, and no signature or key', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const { sha256 } = await wallet.answer(checked, grantAll(checked.request));
    const { items } = await wallet.list();
    const view = items.map((r) => customerViewItem(r));
    expect(view).toEqual([
      {
        company: { id: ch.company.id, legalName: 'Laufhaus GmbH', domain: companyOrigin },
        companyStatus: 'active',
        pseudonym: checked.pseudonym,
        grants: [
          {
            sha256,
            status: 'active',
            purposes: ['product_launch', 'service_support'],
            channels: expect.any(Array),
            dataCategories: expect.any(Array),
            revokedPurposes: [],
            until: nowSeconds + 30 * 86_400,
          },
        ],
        refusals: 0,
        openRevocations: 0,
        revocations: [],
        disclosure: null,
        dataRequests: [],
        offers: { received: 0, delivered: 0, held: 0, hidden: 0 },
        rewards: { count: 0, points: 0, bestDiscount: null },
        complaints: { submitted: 0, drafts: 0 },
        accessEvents: [],
        complaintHistory: [],
      },
    ]);
    const message = assistantMessage('v1', {
      type: 'customer-view',
      items: view,
      asOf: 1,
      fresh: false,
    });
    expect(parseAssistantMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
    expect(JSON.stringify(view)).not.toMatch(/eyJ|"d"|receipt|jws/);
  });
});

/** The fake clearinghouse with its batch read typed as the wallet sees it (to replace it). */
const batchOf = (fake: FakeClearinghouse) =>
  fake as unknown as Pick<WalletClearinghouse, 'relationshipsBatch'>;

/** A promise the test settles when it chooses (no timers): to hold a fake's answer back. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The fake's batch: every pseudonym's relationship, plus `extra` members. */
function batchAnswers(extra: () => Record<string, unknown> = () => ({})) {
  batchOf(ch).relationshipsBatch = async (signers) => ({
    results: await Promise.all(
      signers.map(async (s) => ({
        status: 200 as const,
        pseudonym: s.id,
        relationships: { ...(await ch.relationships(s)), ...extra() },
      })),
    ),
  });
}

describe('refreshAll (issue 9: hundreds of relationships)', () => {
  it('writes only changed records, all in one vault transaction, and keeps the time', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    expect(await wallet.refreshedAt()).toBeNull();
    let accessEvents: unknown[] = [];
    batchAnswers(() => ({ accessEvents }));

    clock.ms = nowMs + 1000;
    const unchanged = await wallet.refreshAll();
    expect(store.putManyCalls).toBe(0);
    expect(unchanged).toEqual((await wallet.list()).items);
    expect(await wallet.refreshedAt()).toBe(nowMs + 1000);

    accessEvents = [
      {
        at: nowSeconds + 5,
        purpose: 'product_launch',
        dataCategories: ['address'],
        grantSha256: checked.sha256,
        count: 2,
        outOfScope: null,
      },
    ];
    const changed = await wallet.refreshAll();
    expect(store.putManyCalls).toBe(1);
    expect(changed[0]!.accessEvents).toEqual(accessEvents);
    expect((await wallet.list()).items[0]!.accessEvents).toEqual(accessEvents);
  });

  it('keeps the stored copy of an item the clearinghouse answers with a problem', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const before = (await wallet.list()).items;
    batchOf(ch).relationshipsBatch = async () => ({
      results: [{ status: 409, problem: { code: 'ERR_JWS_REPLAYED' } }],
    });
    expect(await wallet.refreshAll()).toEqual(before);
    expect(store.putManyCalls).toBe(0);
  });

  it('refuses to overwrite a damaged record and writes nothing', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const { items } = await wallet.list();
    batchAnswers(() => ({
      complaints: [],
      accessEvents: [
        {
          at: nowSeconds,
          purpose: 'product_launch',
          dataCategories: ['address'],
          grantSha256: checked.sha256,
          count: 1,
          outOfScope: null,
        },
      ],
    }));
    store.damage('relationships', items[0]!.pseudonym);
    expect(await codeOf(() => wallet.refreshAll(items))).toBe('ERR_VAULT_RECORD_DAMAGED');
  });
});

describe('data requests and corrections', () => {
  it('asks for access with a signed, receipted data request shown in the relationship', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    const { sha256, receipt } = await wallet.requestData(ch.company.id, 'access');
    expect(receipt).toMatchObject({ kind: 'data-request', sha256 });
    expect(ch.submitted.get(sha256)?.payload).toMatchObject({
      type: 'access',
      iss: checked.pseudonym,
      aud: ch.company.id,
    });
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.dataRequests).toEqual([expect.objectContaining({ sha256, answer: null })]);
  });

  it('sends a correction, sealed to the company, only where a category is held under an active grant', async () => {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const choice = grantAll(checked.request);
    if (choice.decision === 'grant') choice.scopes[0]!.dataCategories = ['address'];
    await wallet.answer(checked, choice);
    expect(await wallet.correct('health', 'x')).toEqual({ sent: [], failed: [] });
    expect(await wallet.correct('address', 'Hauptstraße 1')).toEqual({
      sent: [ch.company.id],
      failed: [],
    });
    const opened = await openMessage('correction', ch.corrections[0]!, {
      audience: ch.company.id,
      now: nowSeconds,
      resolveKey: async () => (await companyIdentity(seed, ch.company.id)).keyPair.publicKey,
    });
    const plain = openSealed(base64urlDecode(opened.payload.sealed), ch.companyKey);
    expect(JSON.parse(utf8Decode(plain))).toEqual({
      dataCategory: 'address',
      value: 'Hauptstraße 1',
    });
    await wallet.revoke(ch.company.id, 'all');
    expect(await wallet.correct('address', 'Hauptstraße 2')).toEqual({ sent: [], failed: [] });
  });
});

describe('a request while the vault is locked', () => {
  it('passes the checks that need no vault, and completes them once unlocked', async () => {
    const sha = await ch.addRequest(nowSeconds);
    const locked = new Wallet({
      store,
      clock,
      randomBytes: testRandomBytes,
      clearinghouse: ch,
      clearinghouseOrigin,
      pinnedLog: async () => pinned,
      masterSeed: () => Promise.reject(new ProtocolError('ERR_VAULT_LOCKED', 'locked')),
      blacklist: () => Promise.reject(new ProtocolError('ERR_VAULT_LOCKED', 'locked')),
    });
    const verified = await locked.verifyRequest(sha, bridge);
    expect(verified).toMatchObject({ sha256: sha, company: { id: ch.company.id }, source: bridge });
    expect(await codeOf(() => locked.complete(verified))).toBe('ERR_VAULT_LOCKED');
    expect(
      await codeOf(() =>
        locked.verifyRequest(sha, { kind: 'bridge', pageOrigin: 'http://localhost:4001' }),
      ),
    ).toBe('ERR_BRIDGE_ORIGIN_MISMATCH');
    await expect(wallet.complete(verified)).resolves.toMatchObject({
      sha256: sha,
      pseudonym: (await companyIdentity(seed, ch.company.id)).pseudonym,
      source: 'bridge',
    });
  });

  it('completes with the customer’s own checks: blacklist and cool-down', async () => {
    const sha = await ch.addRequest(nowSeconds);
    const verified = await wallet.verifyRequest(sha, bridge);
    await wallet.answer(await wallet.complete(verified), {
      decision: 'refuse',
      askAgainAfterDays: 3,
    });
    expect(await codeOf(() => wallet.complete(verified))).toBe('ERR_ASK_AGAIN_LATER');
    clock.ms = nowMs + 4 * 86_400_000;
    blacklist = [
      {
        id: '0'.repeat(32),
        target: { kind: 'company', company: ch.company.id },
        reason: 'too_frequent',
        at: nowSeconds,
      },
    ];
    expect(await codeOf(() => wallet.complete(verified))).toBe('ERR_COMPANY_BLACKLISTED');
  });
});

describe('disclosures and answers', () => {
  const address = {
    dataCategory: 'address' as const,
    sources: ['direct' as const],
    purposes: ['product_launch' as const],
    retentionDays: 365,
    recipients: [],
  };

  async function granted() {
    const checked = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    await wallet.answer(checked, grantAll(checked.request));
    return companyIdentity(seed, ch.company.id);
  }

  it('opens a disclosure and its sealed export with the pairwise key; the newest supersedes', async () => {
    const identity = await granted();
    const exported = JSON.stringify({ data: { address: 'Hauptstraße 1' } });
    const first = await ch.addDisclosure(identity.pseudonym, nowSeconds, {
      holdings: [address],
      export: base64urlEncode(sealTo(identity.keyPair.publicKey, exported)),
    });
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({
        state: 'opened',
        sha256: first,
        holdings: [address],
        export: exported,
        exportUnreadable: false,
        openedAt: nowMs,
      }),
    ]);
    expect(disclosureChange(stored.disclosures, stored.openedDisclosures)).toBeNull();

    // A newer one that says something else: health added, address kept longer, nothing removed.
    clock.ms = nowMs + 60_000;
    const second = await ch.addDisclosure(identity.pseudonym, nowSeconds + 60, {
      holdings: [
        { ...address, retentionDays: 730 },
        { ...address, dataCategory: 'health', sources: ['broker'] },
      ],
    });
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.disclosures.map((d) => [d.sha256, d.current])).toEqual([
      [first, false],
      [second, true],
    ]);
    expect(disclosureChange(stored.disclosures, stored.openedDisclosures)).toEqual({
      older: first,
      newer: second,
      since: nowMs + 60_000,
      added: ['health'],
      removed: [],
      changed: ['address'],
    });
  });

  it('keeps a disclosure that does not verify as invalid, and an export sealed to another key as unreadable', async () => {
    const identity = await granted();
    const stranger = generateKeyPair(testRandomBytes);
    const forged = await ch.addDisclosure(
      identity.pseudonym,
      nowSeconds,
      { holdings: [address] },
      stranger,
    );
    const sealedElsewhere = await ch.addDisclosure(identity.pseudonym, nowSeconds, {
      holdings: [address],
      export: base64urlEncode(sealTo(stranger.publicKey, 'not for you')),
    });
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      { state: 'invalid', sha256: forged, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
      expect.objectContaining({
        state: 'opened',
        sha256: sealedElsewhere,
        export: null,
        exportUnreadable: true,
      }),
    ]);
    // An invalid one never counts as the disclosure before the newest.
    expect(disclosureChange(stored.disclosures, stored.openedDisclosures)).toBeNull();
  });

  it("opens what a staff member signed in the console with their enrolled key, only while it was the company's", async () => {
    const identity = await granted();
    const staff = ch.addStaffKey(nowMs - 60_000);
    const otherCompanys = ch.addStaffKey(nowMs - 60_000, { companyId: 'co_someoneelse' });
    const retired = ch.addStaffKey(nowMs - 120_000, { retiredAt: nowMs - 60_000 });
    const body = { holdings: [address] };
    const byStaff = await ch.addDisclosure(identity.pseudonym, nowSeconds, body, staff);
    const byOther = await ch.addDisclosure(identity.pseudonym, nowSeconds, body, otherCompanys);
    const byRetired = await ch.addDisclosure(identity.pseudonym, nowSeconds, body, retired);
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: byStaff, holdings: [address] }),
      { state: 'invalid', sha256: byOther, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
      { state: 'invalid', sha256: byRetired, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
  });

  it('opens a disclosure signed with a company key retired since, not one signed after (seconds)', async () => {
    const identity = await granted();
    const body = { holdings: [address] };
    const before = await ch.addDisclosure(identity.pseudonym, nowSeconds - 120, body);
    const after = await ch.addDisclosure(identity.pseudonym, nowSeconds, body);
    // As the registry gives it: the `company-key` retirement's time, in seconds.
    ch.company.keys[0]!.retiredAt = nowSeconds - 60;
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: before }),
      { state: 'invalid', sha256: after, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
  });

  it('takes back what it opened once the company declares the signing key compromised since its iat', async () => {
    const identity = await granted();
    const staff = ch.addStaffKey(nowMs - 60_000);
    const byStaff = await ch.addDisclosure(
      identity.pseudonym,
      nowSeconds,
      { holdings: [address] },
      staff,
    );
    const access = await wallet.requestData(ch.company.id, 'access');
    const disclosure = await ch.addDisclosure(identity.pseudonym, nowSeconds, {
      holdings: [address],
      dataRequestSha256: access.sha256,
    });
    const answer = await ch.answer(access.sha256, nowSeconds, {
      outcome: 'disclosure',
      disclosureSha256: disclosure,
    });
    const states = (r: WalletRelationship) => [
      ...r.openedDisclosures.map((d) => d.state),
      ...r.openedAnswers.map((a) => a.state),
    ];
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(states(stored)).toEqual(['opened', 'opened', 'opened']);
    expect(customerViewItem(stored, { now: nowMs }).disclosure?.sha256).toBe(disclosure);

    // Declared compromised since after they were signed: they still stand.
    clock.ms = nowMs + 60_000;
    ch.company.keys[0]!.compromisedSince = nowSeconds + 1;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(states(stored)).toEqual(['opened', 'opened', 'opened']);

    // Since ten minutes before they were signed: nothing it signed since can be trusted, once
    // the registry can be read. What a staff member signed with their own key stands.
    ch.company.keys[0]!.compromisedSince = nowSeconds - 600;
    ch.registryDown = true;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(states(stored)).toEqual(['opened', 'opened', 'opened']);
    ch.registryDown = false;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: byStaff }),
      { state: 'invalid', sha256: disclosure, openedAt: nowMs, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
    expect(stored.openedAnswers).toEqual([
      {
        state: 'invalid',
        sha256: answer,
        requestSha256: access.sha256,
        code: 'ERR_JWS_KID_UNKNOWN',
      },
    ]);
    // The page is shown neither: the current disclosure did not verify, the request is open.
    const view = customerViewItem(stored, { now: clock.ms });
    expect(view.disclosure).toBeNull();
    expect(view.dataRequests).toEqual([
      expect.objectContaining({ sha256: access.sha256, answered: false, overdue: true }),
    ]);
  });

  it('leaves a staff-signed disclosure unopened while the key lookup is out of reach, and opens it later', async () => {
    const identity = await granted();
    const staff = ch.addStaffKey(nowMs - 60_000);
    const sha = await ch.addDisclosure(
      identity.pseudonym,
      nowSeconds,
      { holdings: [address] },
      staff,
    );
    ch.personKeysDown = true;
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([]);
    ch.personKeysDown = false;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: sha }),
    ]);
  });

  it('opens the answers: access with its disclosure, erasure with its confirmation', async () => {
    const identity = await granted();
    const access = await wallet.requestData(ch.company.id, 'access');
    const erasure = await wallet.requestData(ch.company.id, 'erasure');
    const disclosure = await ch.addDisclosure(identity.pseudonym, nowSeconds, {
      holdings: [address],
      dataRequestSha256: access.sha256,
    });
    const accessAnswer = await ch.answer(access.sha256, nowSeconds, {
      outcome: 'disclosure',
      disclosureSha256: disclosure,
    });
    const erasureAnswer = await ch.answer(erasure.sha256, nowSeconds, {
      outcome: 'erased',
      dataCategories: ['address'],
      erasedAt: nowSeconds,
    });
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedAnswers).toEqual([
      expect.objectContaining({
        state: 'opened',
        sha256: accessAnswer,
        requestSha256: access.sha256,
        outcome: 'disclosure',
        disclosureSha256: disclosure,
      }),
      expect.objectContaining({
        state: 'opened',
        sha256: erasureAnswer,
        requestSha256: erasure.sha256,
        outcome: 'erased',
        dataCategories: ['address'],
        erasedAt: nowSeconds,
      }),
    ]);
  });

  it('refuses an answer that names another request', async () => {
    await granted();
    const first = await wallet.requestData(ch.company.id, 'access');
    const second = await wallet.requestData(ch.company.id, 'erasure');
    // The answer stored under the second request is signed for the first one.
    await ch.answer(
      second.sha256,
      nowSeconds,
      { outcome: 'refused', reason: { de: 'Nein', en: 'No' } },
      first.sha256,
    );
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedAnswers).toEqual([
      expect.objectContaining({
        state: 'invalid',
        requestSha256: second.sha256,
        code: 'ERR_DATA_REQUEST_UNKNOWN',
      }),
    ]);
  });

  it('opens each message once, waits for an unreachable registry, and ignores what the clearinghouse claims was opened', async () => {
    const identity = await granted();
    const sha = await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    const original = ch.relationships.bind(ch);
    // A clearinghouse inventing an "opened" record (and receipts) is not believed.
    ch.relationships = async (signer) =>
      ({
        ...(await original(signer)),
        receipts: [],
        openedDisclosures: [
          {
            state: 'opened',
            sha256: sha,
            iat: nowSeconds,
            openedAt: nowMs,
            grantSha256: null,
            dataRequestSha256: null,
            holdings: [{ ...address, dataCategory: 'health' }],
            export: null,
            exportUnreadable: false,
          },
        ],
      }) as never;
    ch.registryDown = true;
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([]);
    expect(stored.receipts).toHaveLength(1);
    ch.registryDown = false;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: sha, holdings: [address] }),
    ]);
    // Opened once: a later refresh reads the registry only to check its key again.
    const lookups = ch.calls.filter((c) => c.startsWith('getCompany')).length;
    clock.ms = nowMs + 60_000;
    const again = await wallet.refreshCompany(ch.company.id);
    expect(again.openedDisclosures).toEqual(stored.openedDisclosures);
    expect(ch.calls.filter((c) => c.startsWith('getCompany')).length).toBe(lookups + 1);
  });

  /** The registry reads of `ch`'s company from call `from` on. */
  const registryReads = (from: number) =>
    ch.calls.slice(from).filter((c) => c === `getCompany ${ch.company.id}`).length;

  it('reads the company’s registry entry once in a refresh, however many of its parts need it', async () => {
    const identity = await granted();
    // Two corrections whose holder's key could not be read: the refresh seals and sends each.
    ch.registryDown = true;
    expect((await wallet.correct('address', 'Hauptstraße 1')).failed).toEqual([ch.company.id]);
    expect((await wallet.correct('health', 'Keine')).failed).toEqual([ch.company.id]);
    ch.registryDown = false;
    // A grant the clearinghouse stored whose answer was lost: the refresh settles it and opens
    // the disclosure sent meanwhile; its batch then checks what was opened against the entry.
    const lost = await wallet.check(await ch.addRequest(nowSeconds), bridge);
    const submitGrant = ch.submitGrant.bind(ch);
    ch.submitGrant = async (jws) => {
      await submitGrant(jws);
      throw new TypeError('fetch failed');
    };
    await expect(wallet.answer(lost, grantAll(lost.request))).rejects.toThrow();
    ch.submitGrant = submitGrant;
    const sha = await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    batchAnswers();
    const from = ch.calls.length;
    const [record] = await wallet.refreshAll();
    expect(registryReads(from)).toBe(1);
    expect(ch.corrections).toHaveLength(2);
    expect(record!.grants).toHaveLength(2);
    expect(record!.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: sha }),
    ]);
    // The next refresh reads it again: a key compromised since must be seen.
    const next = ch.calls.length;
    await wallet.refreshAll();
    expect(registryReads(next)).toBe(1);
  });

  it('asks the registry again in the same refresh after a read that failed', async () => {
    const identity = await granted();
    ch.registryDown = true;
    await wallet.correct('address', 'Hauptstraße 1');
    const sha = await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    batchAnswers();
    // The refresh's first read (the correction's) finds the registry out of reach; it is back
    // for the next one (the disclosure's).
    const getCompany = ch.getCompany.bind(ch);
    ch.getCompany = async (id) => {
      try {
        return await getCompany(id);
      } finally {
        ch.registryDown = false;
      }
    };
    const from = ch.calls.length;
    const [record] = await wallet.refreshAll();
    expect(registryReads(from)).toBe(2);
    expect(ch.corrections).toEqual([]);
    expect(record!.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: sha }),
    ]);
  });

  // The clearinghouse's view is bounded (the newest ten disclosures, the newest hundred answered
  // requests); what falls out stays logged, and in the vault (extension/core/view-history).

  it('keeps a disclosure it opened once the view carries ten newer ones: with its export, never current', async () => {
    const identity = await granted();
    const exported = JSON.stringify({ data: { address: 'Hauptstraße 1' } });
    const first = await ch.addDisclosure(identity.pseudonym, nowSeconds - 600, {
      holdings: [address],
      export: base64urlEncode(sealTo(identity.keyPair.publicKey, exported)),
    });
    await wallet.refreshCompany(ch.company.id);
    // Eleven newer ones, every other keeping the address longer: the view carries the newest ten
    // (the oldest of them never reached this vault).
    const newer: string[] = [];
    for (let i = 0; i < 11; i++)
      newer.push(
        await ch.addDisclosure(identity.pseudonym, nowSeconds + i, {
          holdings: [i % 2 === 0 ? address : { ...address, retentionDays: 730 }],
        }),
      );
    batchAnswers();
    const [stored] = await wallet.refreshAll();
    expect(stored!.disclosures.map((d) => [d.sha256, d.current])).toEqual([
      [first, false],
      ...newer.slice(1).map((sha, i) => [sha, i === 9]),
    ]);
    expect(stored!.openedDisclosures.map((d) => d.sha256)).toEqual([first, ...newer.slice(1)]);
    expect(stored!.openedDisclosures[0]).toEqual(
      expect.objectContaining({
        state: 'opened',
        sha256: first,
        export: exported,
        openedAt: nowMs,
      }),
    );
    // The page shows the view's current one, and what changed is against the one before it.
    expect(customerViewItem(stored!, { now: nowMs }).disclosure?.sha256).toBe(newer[10]);
    expect(disclosureChange(stored!.disclosures, stored!.openedDisclosures)).toEqual(
      expect.objectContaining({ older: newer[9], newer: newer[10], changed: ['address'] }),
    );
    // Kept as it was: a refresh that brings nothing new writes nothing.
    const writes = store.putManyCalls;
    clock.ms = nowMs + 60_000;
    expect(await wallet.refreshAll()).toEqual([stored]);
    expect(store.putManyCalls).toBe(writes);
  });

  it('checks a kept disclosure again: a key declared compromised from before it takes it back', async () => {
    const identity = await granted();
    const first = await ch.addDisclosure(identity.pseudonym, nowSeconds - 600, {
      holdings: [address],
    });
    await wallet.refreshCompany(ch.company.id);
    // The ten newer ones are a staff member's: a compromise of the company key leaves them be.
    const staff = ch.addStaffKey(nowMs - 60_000);
    for (let i = 0; i < 10; i++)
      await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] }, staff);
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.disclosures[0]).toEqual(expect.objectContaining({ sha256: first }));
    expect(stored.openedDisclosures.map((d) => d.state)).toEqual(Array(11).fill('opened'));

    ch.company.keys[0]!.compromisedSince = nowSeconds - 1200;
    clock.ms = nowMs + 60_000;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.disclosures[0]).toEqual({
      sha256: first,
      jws: expect.any(String),
      current: false,
    });
    expect(stored.openedDisclosures[0]).toEqual({
      state: 'invalid',
      sha256: first,
      openedAt: nowMs,
      code: 'ERR_JWS_KID_UNKNOWN',
    });
    expect(stored.openedDisclosures.slice(1).map((d) => d.state)).toEqual(Array(10).fill('opened'));
  });

  it('keeps an answered data request the view no longer carries, not an open one, and checks its answer again', async () => {
    await granted();
    ch.viewBounds.answeredRequests = 1;
    const erasure = await wallet.requestData(ch.company.id, 'erasure');
    const confirmation = await ch.answer(erasure.sha256, nowSeconds - 600, {
      outcome: 'erased',
      dataCategories: ['address'],
      erasedAt: nowSeconds - 600,
    });
    await wallet.refreshCompany(ch.company.id);
    const access = await wallet.requestData(ch.company.id, 'access');
    const refusal = await ch.answer(access.sha256, nowSeconds, {
      outcome: 'refused',
      reason: { de: 'Nein', en: 'No' },
    });
    const open = await wallet.requestData(ch.company.id, 'erasure');
    let stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.dataRequests.map((r) => r.sha256)).toEqual([
      erasure.sha256,
      access.sha256,
      open.sha256,
    ]);
    expect(stored.openedAnswers).toEqual([
      expect.objectContaining({ state: 'opened', sha256: confirmation, outcome: 'erased' }),
      expect.objectContaining({ state: 'opened', sha256: refusal, outcome: 'refused' }),
    ]);
    // A request still open that leaves the view is not kept: it comes back once older ones are
    // answered.
    ch.viewBounds.openRequests = 0;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.dataRequests.map((r) => r.sha256)).toEqual([erasure.sha256, access.sha256]);
    expect(
      customerViewItem(stored, { now: nowMs }).dataRequests.map((r) => [r.sha256, r.answered]),
    ).toEqual([
      [erasure.sha256, true],
      [access.sha256, true],
    ]);

    // Signed with a key declared compromised since before: the kept confirmation is no answer.
    ch.company.keys[0]!.compromisedSince = nowSeconds - 1200;
    stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedAnswers[0]).toEqual({
      state: 'invalid',
      sha256: confirmation,
      requestSha256: erasure.sha256,
      code: 'ERR_JWS_KID_UNKNOWN',
    });
    expect(customerViewItem(stored, { now: nowMs }).dataRequests[0]).toEqual(
      expect.objectContaining({ sha256: erasure.sha256, answered: false, overdue: true }),
    );
  });

  it('keeps a disclosure past the view that an earlier version marked invalid for a passing reason, and opens it from its token', async () => {
    const identity = await granted();
    const first = await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    const stored = await wallet.refreshCompany(ch.company.id);
    // As a vault written before temporary failures were left unopened holds it.
    const legacy = {
      state: 'invalid',
      sha256: first,
      openedAt: nowMs,
      code: 'ERR_JWS_NOT_YET_VALID',
    } as const;
    await store.put('relationships', stored.pseudonym, { ...stored, openedDisclosures: [legacy] });
    for (let i = 0; i < 10; i++)
      await ch.addDisclosure(identity.pseudonym, nowSeconds, { holdings: [address] });
    // The registry out of reach: nothing opens, and the kept one keeps its copy.
    ch.registryDown = true;
    let again = await wallet.refreshCompany(ch.company.id);
    expect(again.disclosures.map((d) => d.sha256)[0]).toBe(first);
    expect(again.openedDisclosures).toEqual([legacy]);
    ch.registryDown = false;
    again = await wallet.refreshCompany(ch.company.id);
    expect(again.disclosures).toHaveLength(11);
    expect(again.openedDisclosures).toEqual([
      expect.objectContaining({ state: 'opened', sha256: first }),
      ...again.disclosures
        .slice(1)
        .map((d) => expect.objectContaining({ state: 'opened', sha256: d.sha256 })),
    ]);
  });

  it('opens again an answer an earlier version refused for its shape, and stamps what it refuses now', async () => {
    await granted();
    const erasure = await wallet.requestData(ch.company.id, 'erasure');
    // A partial erasure (`retained`): what an Assistant before schema revision 2 refused.
    const partial = await ch.answer(erasure.sha256, nowSeconds, {
      outcome: 'erased',
      dataCategories: ['address'],
      erasedAt: nowSeconds,
      retained: {
        dataCategories: ['purchase_history'],
        reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
      },
    });
    const stored = await wallet.refreshCompany(ch.company.id);
    expect(stored.openedAnswers).toEqual([
      expect.objectContaining({ state: 'opened', sha256: partial, outcome: 'erased' }),
    ]);
    // As the vault of that earlier version holds it: invalid for good, with no revision.
    const legacy = {
      state: 'invalid',
      sha256: partial,
      requestSha256: erasure.sha256,
      code: 'ERR_MESSAGE_INVALID',
    } as const;
    await store.put('relationships', stored.pseudonym, { ...stored, openedAnswers: [legacy] });
    const again = await wallet.refreshCompany(ch.company.id);
    expect(again.openedAnswers).toEqual([
      expect.objectContaining({
        state: 'opened',
        sha256: partial,
        retained: {
          dataCategories: ['purchase_history'],
          reason: { de: 'Aufbewahrungspflicht.', en: 'Retention duty.' },
        },
      }),
    ]);
    // Refused under this revision: kept as invalid, and not opened again at every refresh.
    expect(toOpenAgain({ ...legacy, revision: messageSchemaRevision })).toBe(false);
    expect(toOpenAgain(legacy)).toBe(true);
  });

  it('keeps at most a hundred disclosures past the view, the oldest going first', async () => {
    const identity = await granted();
    const sent: string[] = [];
    // Twelve rounds of ten, each opened: 110 fall out of the view, 100 of them stay.
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 10; i++)
        sent.push(
          await ch.addDisclosure(identity.pseudonym, nowSeconds + round, { holdings: [address] }),
        );
      await wallet.refreshCompany(ch.company.id);
    }
    const [stored] = (await wallet.list()).items;
    expect(pastViewBounds.disclosures.items).toBe(100);
    expect(stored!.disclosures.map((d) => d.sha256)).toEqual(sent.slice(10));
    expect(stored!.openedDisclosures.map((d) => d.sha256)).toEqual(sent.slice(10));
  });

  // Two refreshes in flight read the same stored record. The first one's view carries a
  // disclosure and an answer, new, that it opens; by the time the second one reads, ten newer
  // disclosures and a newer answer have pushed them out of the view. The second one never saw
  // them, and its view is newer: in whichever order the two write, the first one's stay.
  it.each([
    { order: 'the first one writes first', writes: ['first', 'second'] as const },
    { order: 'the second one writes first', writes: ['second', 'first'] as const },
  ])(
    'keeps what one refresh opened that fell out of an overlapping later view ($order)',
    async ({ writes }) => {
      const identity = await granted();
      ch.viewBounds.answeredRequests = 1;
      const erasure = await wallet.requestData(ch.company.id, 'erasure');
      const access = await wallet.requestData(ch.company.id, 'access');
      const oldest = await ch.addDisclosure(identity.pseudonym, nowSeconds - 600, {
        holdings: [address],
      });
      await wallet.refreshCompany(ch.company.id);
      const opened = await ch.addDisclosure(identity.pseudonym, nowSeconds - 300, {
        holdings: [address],
      });
      const confirmation = await ch.answer(erasure.sha256, nowSeconds - 300, {
        outcome: 'erased',
        dataCategories: ['address'],
        erasedAt: nowSeconds - 300,
      });

      // The first refresh (the customer's): its view is read, its answer held back.
      const relationships = ch.relationships.bind(ch);
      const first = { read: deferred(), go: deferred() };
      ch.relationships = async (signer) => {
        const view = await relationships(signer);
        first.read.resolve();
        await first.go.promise;
        return view;
      };
      const firstDone = wallet.refreshCompany(ch.company.id);
      await first.read.promise;
      ch.relationships = relationships;

      const newer: string[] = [];
      for (let i = 0; i < 10; i++)
        newer.push(
          await ch.addDisclosure(identity.pseudonym, nowSeconds + i, { holdings: [address] }),
        );
      const refusal = await ch.answer(access.sha256, nowSeconds, {
        outcome: 'refused',
        reason: { de: 'Nein', en: 'No' },
      });
      // The second refresh (an alarm's): it reads the stored record and the view before the
      // first one writes.
      const second = { read: deferred(), go: deferred() };
      batchOf(ch).relationshipsBatch = async (signers) => {
        const results = await Promise.all(
          signers.map(async (s) => ({
            status: 200 as const,
            pseudonym: s.id,
            relationships: await relationships(s),
          })),
        );
        second.read.resolve();
        await second.go.promise;
        return { results };
      };
      const secondDone = wallet.refreshAll();
      await second.read.promise;
      expect(
        (await relationships({ id: identity.pseudonym })).disclosures?.map((d) => d.sha256),
      ).toEqual(newer);

      const refreshes = { first: [first, firstDone], second: [second, secondDone] } as const;
      for (const which of writes) {
        const [gate, done] = refreshes[which];
        gate.go.resolve();
        await done;
      }

      const [stored] = (await wallet.list()).items;
      expect(stored!.disclosures.map((d) => [d.sha256, d.current])).toEqual([
        [oldest, false],
        [opened, false],
        ...newer.map((sha, i) => [sha, i === 9]),
      ]);
      expect(stored!.openedDisclosures.map((d) => [d.sha256, d.state])).toEqual(
        [oldest, opened, ...newer].map((sha) => [sha, 'opened']),
      );
      expect(stored!.dataRequests.map((r) => [r.sha256, r.answer?.sha256])).toEqual([
        [erasure.sha256, confirmation],
        [access.sha256, refusal],
      ]);
      expect(stored!.openedAnswers.map((a) => [a.sha256, a.state])).toEqual([
        [confirmation, 'opened'],
        [refusal, 'opened'],
      ]);
    },
  );
});
