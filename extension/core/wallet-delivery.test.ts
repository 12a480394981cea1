/**
 * What the wallet sends on the customer's behalf when the network lets it down (issue 5): a
 * revocation or data request whose answer was lost (a dropped connection, or timed-fetch's 60 s)
 * is sent again as the same token, never as a second logged message; its receipt is recorded as
 * pending before it is fetched; a correction is kept per holder until the clearinghouse took it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem } from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { sha256Of } from '../../protocol/jws';
import type { Ed25519KeyPair } from '../../protocol/keys';
import { openSealed } from '../../protocol/seal';
import { FakeClock, FakeStore } from './fakes';
import {
  correctionsRecord,
  Wallet,
  type CheckedRequest,
  type ConsentChoice,
  type RequestSource,
} from './wallet';
import {
  clearinghouseOrigin,
  companyOrigin,
  FakeClearinghouse,
  logOrigin,
  testRandomBytes,
} from './wallet.fixture';

const nowMs = Date.UTC(2026, 10, 1, 12);
const nowSeconds = nowMs / 1000;
const seed = new Uint8Array(32).fill(5);
const bridge: RequestSource = { kind: 'bridge', pageOrigin: companyOrigin };

let ch: FakeClearinghouse;
let store: FakeStore;
let clock: FakeClock;
let wallet: Wallet;

beforeEach(async () => {
  ch = await FakeClearinghouse.create(nowMs);
  store = new FakeStore();
  clock = new FakeClock(nowMs);
  wallet = new Wallet({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    pinnedLog: async () => ({ key: ch.logVerifierKey, origin: logOrigin }),
    masterSeed: async () => seed,
    blacklist: async () => [],
    receiptAttempts: 2,
  });
});

const grantAll = (request: CheckedRequest['request']): ConsentChoice => ({
  decision: 'grant',
  scopes: request.scopes.map((s) => ({
    include: true,
    channels: [...s.channels],
    dataCategories: [...s.dataCategories],
    maxContactsPerWeek: null,
    retentionDays: s.retentionDays,
    onwardRecipients: s.onwardRecipients.map((_r, i) => i),
  })),
  preferredChannel: 'email',
  days: 30,
});

/** A grant to the fixture's company (or `other`), so there is a relationship to act on. */
async function granted(other?: { id: string; key: Ed25519KeyPair }): Promise<CheckedRequest> {
  const sha =
    other === undefined
      ? await ch.addRequest(nowSeconds)
      : await ch.addRequest(nowSeconds, { iss: other.id }, other.key);
  const checked = await wallet.check(sha, bridge);
  await wallet.answer(checked, grantAll(checked.request));
  return checked;
}

/** The ways an answer gets lost: the network drops, or timed-fetch gives up after 60 s. */
const lostAnswers = [
  { name: 'a dropped connection', error: () => new TypeError('fetch failed') },
  {
    name: 'the timeout of timed-fetch',
    error: () => new DOMException('The operation timed out.', 'TimeoutError'),
  },
];

const logged = (kind: string) => [...ch.submitted.values()].filter((m) => m.kind === kind);
const outbox = async () =>
  Object.keys(((await store.get('profile', 'wallet-outbox')) as object | undefined) ?? {});

describe('data requests and revocations through the outbox', () => {
  /** `submit` stores what it is given when `arrive`, then loses the answer `times` times. */
  function loseAnswers<K extends 'submitDataRequest' | 'submitRevocation'>(
    method: K,
    error: () => Error,
    { times = 1, arrive = true } = {},
  ) {
    const original = ch[method].bind(ch) as (jws: string) => Promise<never>;
    let left = times;
    ch[method] = (async (jws: string) => {
      if (left <= 0) return original(jws);
      left--;
      if (arrive) await original(jws);
      throw error();
    }) as FakeClearinghouse[K];
  }

  for (const lost of lostAnswers)
    it(`asking again after ${lost.name} sends the same data request: one is logged`, async () => {
      const checked = await granted();
      loseAnswers('submitDataRequest', lost.error);
      await expect(wallet.requestData(ch.company.id, 'erasure')).rejects.toMatchObject({
        code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      });
      const [pending] = await outbox();
      clock.ms += 1000;
      const again = await wallet.requestData(ch.company.id, 'erasure');
      expect(again.sha256).toBe(pending);
      expect(again.receipt).toMatchObject({ kind: 'data-request', sha256: pending });
      expect(logged('data-request')).toHaveLength(1);
      expect((await wallet.relationship(checked.pseudonym))?.dataRequests).toEqual([
        expect.objectContaining({ sha256: pending }),
      ]);
      expect(await outbox()).toEqual([]);
    });

  it('asking again after a lost answer sends the same revocation: one is logged', async () => {
    const checked = await granted();
    loseAnswers('submitRevocation', lostAnswers[0]!.error);
    await expect(wallet.revoke(ch.company.id, 'all')).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    const again = await wallet.revoke(ch.company.id, 'all');
    expect(logged('revocation').map((m) => sha256Of(m.jws))).toEqual([again.sha256]);
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.revocations.map((r) => r.sha256)).toEqual([again.sha256]);
    expect(stored?.receipts.map((r) => r.kind)).toEqual(['grant', 'revocation']);
  });

  it('a request stored before its answer was lost is settled by the next refresh, and asking again within its window returns it', async () => {
    const checked = await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error);
    await expect(wallet.requestData(ch.company.id, 'access')).rejects.toThrow();
    const [sent] = await outbox();
    await wallet.refreshAll();
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.dataRequests.map((d) => d.sha256)).toEqual([sent]);
    expect(stored?.receipts.map((r) => r.sha256)).toContain(sent);
    expect(await wallet.requestData(ch.company.id, 'access')).toMatchObject({ sha256: sent });
    expect(logged('data-request')).toHaveLength(1);
  });

  it('a request that never arrived goes with the next refresh, the same token, while its window is open', async () => {
    const checked = await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error, { times: 2, arrive: false });
    await expect(wallet.requestData(ch.company.id, 'access')).rejects.toThrow();
    const [signed] = await outbox();
    // Still out of reach on this refresh: kept.
    await wallet.refreshAll();
    expect(await outbox()).toEqual([signed]);
    expect(logged('data-request')).toHaveLength(0);
    await wallet.refreshAll();
    expect(logged('data-request').map((m) => sha256Of(m.jws))).toEqual([signed]);
    expect((await wallet.relationship(checked.pseudonym))?.dataRequests).toHaveLength(1);
  });

  it('a request that never arrived and whose window closed is dropped unsent, and a new one can be made', async () => {
    await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error, { times: 99, arrive: false });
    await expect(wallet.requestData(ch.company.id, 'access')).rejects.toThrow();
    clock.ms = nowMs + 20 * 60_000;
    await wallet.refreshAll();
    expect(await outbox()).toEqual([]);
    expect(logged('data-request')).toHaveLength(0);
  });

  it('access and erasure are different asks, and asking again after a settled request is a new one', async () => {
    await granted();
    const access = await wallet.requestData(ch.company.id, 'access');
    const erasure = await wallet.requestData(ch.company.id, 'erasure');
    clock.ms += 60_000;
    const accessAgain = await wallet.requestData(ch.company.id, 'access');
    expect(new Set([access.sha256, erasure.sha256, accessAgain.sha256]).size).toBe(3);
    expect(logged('data-request')).toHaveLength(3);
  });

  for (const lost of lostAnswers)
    it(`records the receipt as pending before fetching it (${lost.name}), and a later refresh fetches it`, async () => {
      const checked = await granted();
      const logReceipt = ch.logReceipt.bind(ch);
      ch.logReceipt = () => Promise.reject(lost.error());
      const { sha256, receipt } = await wallet.requestData(ch.company.id, 'access');
      expect(receipt).toBeNull();
      let stored = await wallet.relationship(checked.pseudonym);
      expect(stored?.dataRequests.map((d) => d.sha256)).toEqual([sha256]);
      expect(stored?.pendingReceipts.map((p) => p.sha256)).toEqual([sha256]);
      ch.logReceipt = logReceipt;
      await wallet.refreshAll();
      stored = await wallet.relationship(checked.pseudonym);
      expect(stored?.pendingReceipts).toEqual([]);
      expect(stored?.receipts.find((r) => r.sha256 === sha256)).toMatchObject({
        kind: 'data-request',
      });
    });

  it('keeps the pending receipt and the outbox entry when the relationship cannot be read either', async () => {
    const checked = await granted();
    const logReceipt = ch.logReceipt.bind(ch);
    const relationships = ch.relationships.bind(ch);
    ch.logReceipt = () => Promise.reject(new TypeError('fetch failed'));
    ch.relationships = () => Promise.reject(new TypeError('fetch failed'));
    await expect(wallet.requestData(ch.company.id, 'erasure')).rejects.toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
    });
    const [sent] = await outbox();
    expect(
      (await wallet.relationship(checked.pseudonym))?.pendingReceipts.map((p) => p.sha256),
    ).toEqual([sent]);
    ch.logReceipt = logReceipt;
    ch.relationships = relationships;
    await wallet.refreshAll();
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.dataRequests.map((d) => d.sha256)).toEqual([sent]);
    expect(stored?.receipts.map((r) => r.sha256)).toContain(sent);
    expect(stored?.pendingReceipts).toEqual([]);
    expect(logged('data-request')).toHaveLength(1);
  });
});

describe('corrections under way', () => {
  const record = async () =>
    ((await store.get(correctionsRecord.table, correctionsRecord.id)) as
      | { corrections: Record<string, { pending: Record<string, Record<string, unknown>> }> }
      | undefined) ?? { corrections: {} };
  /** The value each correction the company received carries, in order. */
  const received = (key: Ed25519KeyPair = ch.companyKey) =>
    ch.corrections.map((jws) => {
      const payload = JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as {
        sealed: string;
      };
      try {
        return (
          JSON.parse(utf8Decode(openSealed(base64urlDecode(payload.sealed), key))) as {
            value: string;
          }
        ).value;
      } catch {
        return null;
      }
    });

  for (const [name, breakIt] of [
    ['the relay is out of reach', () => void (ch.correctionsDown = true)],
    ['the company key lookup fails on the network', () => void (ch.registryDown = true)],
    [
      'the relay times out',
      () =>
        void (ch.sendCorrection = () =>
          Promise.reject(new DOMException('The operation timed out.', 'TimeoutError'))),
    ],
  ] as const)
    it(`keeps the holder pending when ${name}, and the next refresh tells it`, async () => {
      await granted();
      const sendCorrection = ch.sendCorrection.bind(ch);
      breakIt();
      expect(await wallet.correct('address', 'Hauptstraße 1')).toEqual({
        sent: [],
        failed: [ch.company.id],
      });
      const [listed] = await wallet.withPendingCorrections((await wallet.list()).items);
      expect(listed?.pendingCorrections).toEqual([{ dataCategory: 'address', error: null }]);
      ch.correctionsDown = false;
      ch.registryDown = false;
      ch.sendCorrection = sendCorrection;
      await wallet.refreshAll();
      expect(received()).toEqual(['Hauptstraße 1']);
      expect((await record()).corrections).toEqual({});
      // Told: nothing is pending any more, and nothing is sent again.
      const [after] = await wallet.withPendingCorrections((await wallet.list()).items);
      expect(after?.pendingCorrections).toBeUndefined();
      await wallet.refreshAll();
      expect(ch.corrections).toHaveLength(1);
    });

  it('keeps the signed sealed token, not the value, once sealed, and sends that very token again', async () => {
    await granted();
    ch.correctionsDown = true;
    await wallet.correct('address', 'Hauptstraße 1');
    const holder = (await record()).corrections.address!.pending[ch.company.id]!;
    expect(holder).toEqual({ sealed: expect.any(String), jws: expect.any(String) });
    ch.correctionsDown = false;
    await wallet.refreshAll();
    expect(ch.corrections).toEqual([holder.jws]);
  });

  it('correcting the same again goes only to the holders not told yet', async () => {
    const other = ch.addCompany('Zweitladen GmbH');
    await granted();
    await granted(other);
    // The relay takes the first company's correction and fails on the other's.
    const sendCorrection = ch.sendCorrection.bind(ch);
    let failOther = true;
    ch.sendCorrection = async (jws) => {
      const aud = (JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as { aud: string })
        .aud;
      if (aud === other.id && failOther) throw new ApiProblem(503, { code: 'http-503' });
      return sendCorrection(jws);
    };
    const first = await wallet.correct('address', 'Hauptstraße 1');
    expect(first).toEqual({ sent: [ch.company.id], failed: [other.id] });
    const items = await wallet.withPendingCorrections((await wallet.list()).items);
    expect(
      items.map((r) => [r.company.id, r.pendingCorrections?.map((c) => c.dataCategory)]),
    ).toEqual(
      expect.arrayContaining([
        [ch.company.id, undefined],
        [other.id, ['address']],
      ]),
    );
    failOther = false;
    const again = await wallet.correct('address', 'Hauptstraße 1');
    expect(again).toEqual({ sent: [ch.company.id, other.id], failed: [] });
    expect(received()).toEqual(['Hauptstraße 1', null]);
    expect(received(other.key)).toEqual([null, 'Hauptstraße 1']);
  });

  it('a different value replaces the correction under way and goes to every holder', async () => {
    await granted();
    ch.correctionsDown = true;
    await wallet.correct('address', 'Hauptstraße 1');
    await wallet.correct('address', 'Hauptstraße 2');
    ch.correctionsDown = false;
    await wallet.refreshAll();
    expect(received()).toEqual(['Hauptstraße 2']);
  });

  it('a refused correction is shown with its code, left alone by refreshes, and tried afresh when corrected again', async () => {
    await granted();
    ch.correctionProblem = { status: 404, code: 'ERR_PSEUDONYM_UNKNOWN' };
    expect(await wallet.correct('address', 'Hauptstraße 1')).toEqual({
      sent: [],
      failed: [ch.company.id],
    });
    const [listed] = await wallet.withPendingCorrections((await wallet.list()).items);
    expect(listed?.pendingCorrections).toEqual([
      { dataCategory: 'address', error: 'ERR_PSEUDONYM_UNKNOWN' },
    ]);
    const calls = ch.correctionCalls;
    await wallet.refreshAll();
    expect(ch.correctionCalls).toBe(calls);
    ch.correctionProblem = null;
    expect(await wallet.correct('address', 'Hauptstraße 1')).toEqual({
      sent: [ch.company.id],
      failed: [],
    });
    expect(received()).toEqual(['Hauptstraße 1']);
  });

  it.each([
    { answer: 'ERR_JWS_EXPIRED', resigned: true },
    { answer: 'ERR_JWS_REPLAYED', resigned: false },
  ])(
    'a resent token answered $answer is told (re-signed with the same sealed value: $resigned)',
    async ({ answer, resigned }) => {
      await granted();
      ch.correctionsDown = true;
      await wallet.correct('address', 'Hauptstraße 1');
      const first = (await record()).corrections.address!.pending[ch.company.id]!;
      ch.correctionsDown = false;
      const sendCorrection = ch.sendCorrection.bind(ch);
      ch.sendCorrection = (jws) =>
        jws === first.jws
          ? Promise.reject(new ApiProblem(400, { code: answer }))
          : sendCorrection(jws);
      clock.ms = nowMs + 20 * 60_000;
      await wallet.refreshAll();
      expect((await record()).corrections).toEqual({});
      expect(ch.corrections).toHaveLength(resigned ? 1 : 0);
      if (resigned) {
        const payload = (jws: string) =>
          JSON.parse(utf8Decode(base64urlDecode(jws.split('.')[1]!))) as { sealed: string };
        expect(ch.corrections[0]).not.toBe(first.jws);
        expect(payload(ch.corrections[0]!).sealed).toBe(first.sealed);
      }
    },
  );

  it('refuses a value no correction can carry before anything is stored or sent', async () => {
    await granted();
    await expect(wallet.correct('address', '')).rejects.toMatchObject({
      code: 'ERR_WALLET_CHOICE_INVALID',
    });
    expect(ch.correctionCalls).toBe(0);
    expect((await record()).corrections).toEqual({});
  });
});
