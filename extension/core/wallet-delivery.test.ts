/**
 * What the wallet sends on the customer's behalf when the network lets it down (issue 5): a
 * revocation or data request whose answer was lost (a dropped connection, or timed-fetch's 60 s)
 * is sent again as the same token, never as a second logged message; its receipt is recorded as
 * pending before it is fetched; a correction is kept per holder until the clearinghouse took it.
 */
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiProblem, type CompanyEntry } from '../../protocol/client';
import { base64urlDecode, utf8Decode } from '../../protocol/encoding';
import { sha256Of } from '../../protocol/jws';
import { generateKeyPair, publicJwk, thumbprint, type Ed25519KeyPair } from '../../protocol/keys';
import { openSealed } from '../../protocol/seal';
import { FakeClock, FakeStore } from './fakes';
import {
  correctionsRecord,
  Wallet,
  type CheckedRequest,
  type RequestSource,
  type StoredReceipt,
  type WalletClearinghouse,
  type WalletRelationship,
} from './wallet';
import {
  companyOrigin,
  FakeClearinghouse,
  hashText,
  fixtureWallet,
  grantAll,
} from './wallet.fixture';

type CompanyKey = NonNullable<CompanyEntry['keys']>[number];

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
  wallet = fixtureWallet(ch, { store, clock, seed });
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

describe('data requests and revocations through the outbox', () => {
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

  it('a request stored before its answer was lost is settled by the next refresh, and asking again after it is a new request', async () => {
    const checked = await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error);
    await expect(wallet.requestData(ch.company.id, 'access')).rejects.toThrow();
    const [sent] = await outbox();
    await wallet.refreshAll();
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.dataRequests.map((d) => d.sha256)).toEqual([sent]);
    expect(stored?.receipts.map((r) => r.sha256)).toContain(sent);
    // Its outcome is in the vault now: nothing is left to send again.
    expect(await outbox()).toEqual([]);
    const again = await wallet.requestData(ch.company.id, 'access');
    expect(again.sha256).not.toBe(sent);
    expect(logged('data-request')).toHaveLength(2);
  });

  /** The customer answers a new request of the company with a grant. */
  async function grantAgain(): Promise<string> {
    const checked = await wallet.check(await ch.addRequest(nowSeconds + 60), bridge);
    return (await wallet.answer(checked, grantAll(checked.request))).sha256;
  }

  it('revoking all again after a refresh settled the first revocation revokes a grant given since', async () => {
    const checked = await granted();
    loseAnswers('submitRevocation', lostAnswers[0]!.error);
    await expect(wallet.revoke(ch.company.id, 'all')).rejects.toThrow();
    await wallet.refreshAll(); // settles the first revocation
    clock.ms += 60_000;
    const grant = await grantAgain();
    clock.ms += 60_000;
    const again = await wallet.revoke(ch.company.id, 'all');
    expect(logged('revocation')).toHaveLength(2);
    expect(again.sha256).toBe(sha256Of(logged('revocation')[1]!.jws));
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.find((g) => g.sha256 === grant)?.status).toBe('revoked');
  });

  for (const arrived of [true, false])
    it(`revoking all again while the first revocation's outcome is unknown (${arrived ? 'it arrived' : 'it never arrived'}) signs a new one when a grant was given since`, async () => {
      const checked = await granted();
      loseAnswers('submitRevocation', lostAnswers[0]!.error, { arrive: arrived });
      await expect(wallet.revoke(ch.company.id, 'all')).rejects.toThrow();
      const [first] = await outbox();
      const grant = await grantAgain();
      const again = await wallet.revoke(ch.company.id, 'all');
      expect(again.sha256).not.toBe(first);
      expect(logged('revocation').map((m) => sha256Of(m.jws))).toContain(again.sha256);
      const stored = await wallet.relationship(checked.pseudonym);
      expect(stored?.grants.find((g) => g.sha256 === grant)?.status).toBe('revoked');
      expect(stored?.receipts.map((r) => r.sha256)).toContain(again.sha256);
    });

  it('a "revoke all" that never arrived goes with the next refresh as a revocation of the grants it was asked for, not of a grant given since', async () => {
    const checked = await granted();
    const [before] = (await wallet.relationship(checked.pseudonym))!.grants.map((g) => g.sha256);
    loseAnswers('submitRevocation', lostAnswers[0]!.error, { arrive: false });
    await expect(wallet.revoke(ch.company.id, 'all')).rejects.toThrow();
    const [unsent] = await outbox();
    clock.ms += 60_000;
    const since = await grantAgain();
    await wallet.refreshAll();
    const sent = logged('revocation');
    expect(sent).toHaveLength(1);
    expect(sha256Of(sent[0]!.jws)).not.toBe(unsent);
    const payload = JSON.parse(utf8Decode(base64urlDecode(sent[0]!.jws.split('.')[1]!))) as {
      grants: unknown;
    };
    expect(payload.grants).toEqual([{ grantSha256: before }]);
    const stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.find((g) => g.sha256 === before)?.status).toBe('revoked');
    expect(stored?.grants.find((g) => g.sha256 === since)?.status).toBe('active');
    expect(await outbox()).toEqual([]);
  });

  it('revoking all again with the same grants active sends the first revocation again, not a second', async () => {
    await granted();
    loseAnswers('submitRevocation', lostAnswers[0]!.error, { arrive: false });
    await expect(wallet.revoke(ch.company.id, 'all')).rejects.toThrow();
    const [first] = await outbox();
    expect((await wallet.revoke(ch.company.id, 'all')).sha256).toBe(first);
    expect(logged('revocation').map((m) => sha256Of(m.jws))).toEqual([first]);
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

describe('the outbox record', () => {
  /** Three requests signed and kept in the outbox, none of which reached the clearinghouse. */
  async function threeUnsent(): Promise<string[]> {
    await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error, { times: 2, arrive: false });
    loseAnswers('submitRevocation', lostAnswers[0]!.error, { arrive: false });
    await expect(wallet.requestData(ch.company.id, 'access')).rejects.toThrow();
    await expect(wallet.requestData(ch.company.id, 'erasure')).rejects.toThrow();
    await expect(wallet.revoke(ch.company.id, 'all')).rejects.toThrow();
    const entries = await outbox();
    expect(entries).toHaveLength(3);
    return entries;
  }

  it('keeps the entries that parse, and those that do not as they were, when one is damaged', async () => {
    await granted();
    loseAnswers('submitDataRequest', lostAnswers[0]!.error, { arrive: false });
    await expect(wallet.requestData(ch.company.id, 'erasure')).rejects.toThrow();
    const [unsent] = await outbox();
    const damaged = { [hashText('from a later version')]: { kind: 'complaint' }, junk: 1 };
    const raw = (await store.get('profile', 'wallet-outbox')) as Record<string, unknown>;
    await store.put('profile', 'wallet-outbox', { ...raw, ...damaged });
    await wallet.refreshAll();
    // The erasure request went, the same token, and left; the others stay as they were.
    expect(logged('data-request').map((m) => sha256Of(m.jws))).toEqual([unsent]);
    expect(await store.get('profile', 'wallet-outbox')).toEqual(damaged);
    await wallet.revoke(ch.company.id, 'all');
    expect(await store.get('profile', 'wallet-outbox')).toEqual(damaged);
  });

  for (const lost of lostAnswers)
    it(`a refresh stops at the first entry that gets no answer (${lost.name}) and keeps them all`, async () => {
      const entries = await threeUnsent();
      let reads = 0;
      ch.relationships = () => {
        reads++;
        return Promise.reject(lost.error());
      };
      await wallet.refreshAll();
      expect(reads).toBe(1);
      expect((await outbox()).sort()).toEqual([...entries].sort());
    });

  it('a refresh stops at the first entry whose resend gets no answer', async () => {
    await threeUnsent();
    let sends = 0;
    const noAnswer = () => {
      sends++;
      return Promise.reject(new TypeError('fetch failed'));
    };
    ch.submitDataRequest = noAnswer;
    ch.submitRevocation = noAnswer;
    await wallet.refreshAll();
    expect(sends).toBe(1);
    expect(await outbox()).toHaveLength(3);
  });

  it('a problem answer for one entry does not stop the others', async () => {
    const entries = await threeUnsent();
    let reads = 0;
    ch.relationships = () => {
      reads++;
      return Promise.reject(new ApiProblem(503, { code: 'http-503' }));
    };
    await wallet.refreshAll();
    expect(reads).toBe(3);
    expect((await outbox()).sort()).toEqual([...entries].sort());
  });
});

describe('the bounds on receipts', () => {
  /** `count` receipts like `receipt`, of `kind`, under hashes of their own. */
  const copies = <T extends { sha256: string; kind: string }>(
    receipt: T,
    count: number,
    kind: T['kind'],
    tag: string,
  ): T[] =>
    Array.from({ length: count }, (_x, i) => ({
      ...receipt,
      kind,
      sha256: hashText(`${tag} ${i}`),
    }));

  /** The stored relationship of `pseudonym`, changed by `change` as the vault holds it. */
  async function rewrite(
    pseudonym: string,
    change: (r: WalletRelationship) => WalletRelationship,
  ): Promise<WalletRelationship> {
    const stored = (await wallet.relationship(pseudonym))!;
    await store.put('relationships', pseudonym, change(stored));
    return stored;
  }

  it("keeps a full relationship readable: the oldest grant's receipt gives way to a revocation's, and is counted", async () => {
    const checked = await granted();
    let proof: StoredReceipt[] = [];
    const { receipts } = await rewrite(checked.pseudonym, (r) => {
      proof = copies(r.receipts[0]!, 1, 'data-request', 'proof');
      const filler = copies(r.receipts[0]!, 998, 'grant', 'filler');
      return { ...r, receipts: [...proof, ...r.receipts, ...filler] };
    });
    const { sha256 } = await wallet.revoke(ch.company.id, 'all');
    const after = await wallet.relationship(checked.pseudonym);
    expect(after?.receipts).toHaveLength(1000);
    // The oldest is a data request's: the customer's proof stays; the oldest grant's went.
    expect(after?.receipts[0]?.sha256).toBe(proof[0]!.sha256);
    expect(after?.receipts.map((r) => r.sha256)).not.toContain(receipts[0]!.sha256);
    expect(after?.receipts.at(-1)).toMatchObject({ sha256, kind: 'revocation' });
    expect(after?.receiptsGivenUp).toBe(1);
    expect((await wallet.list()).damaged).toEqual([]);
  });

  it('a refresh that fetches a receipt still to come keeps the record within its bound', async () => {
    const checked = await granted();
    const logReceipt = ch.logReceipt.bind(ch);
    ch.logReceipt = () => Promise.reject(new TypeError('fetch failed'));
    const { sha256 } = await wallet.revoke(ch.company.id, 'all');
    ch.logReceipt = logReceipt;
    await rewrite(checked.pseudonym, (r) => ({
      ...r,
      receipts: [...r.receipts, ...copies(r.receipts[0]!, 999, 'grant', 'filler')],
    }));
    await wallet.refreshAll();
    const after = await wallet.relationship(checked.pseudonym);
    expect(after?.pendingReceipts).toEqual([]);
    expect(after?.receipts).toHaveLength(1000);
    expect(after?.receipts.at(-1)).toMatchObject({ sha256, kind: 'revocation' });
    expect((await wallet.list()).damaged).toEqual([]);
  });

  it.each([
    { oldest: 'data-request', gone: 'the oldest grant’s' },
    { oldest: 'grant', gone: 'the oldest' },
  ] as const)(
    'at the bound on receipts still to come, $gone goes (the oldest a $oldest), counted, and never a data request’s for a grant’s',
    async ({ oldest }) => {
      const checked = await granted();
      let before: WalletRelationship['pendingReceipts'] = [];
      await rewrite(checked.pseudonym, (r) => {
        const like: (typeof before)[number] = { sha256: '', kind: 'grant', jws: r.grants[0]!.jws };
        before = [...copies(like, 1, oldest, 'oldest'), ...copies(like, 99, 'grant', 'pending')];
        return { ...r, pendingReceipts: before };
      });
      ch.logReceipt = () => Promise.reject(new TypeError('fetch failed'));
      const { sha256 } = await wallet.requestData(ch.company.id, 'erasure');
      const after = await wallet.relationship(checked.pseudonym);
      expect(after?.pendingReceipts).toHaveLength(100);
      expect(after?.pendingReceipts.at(-1)).toMatchObject({ sha256, kind: 'data-request' });
      const gone = before.filter((p) => !after?.pendingReceipts.some((q) => q.sha256 === p.sha256));
      expect(gone).toEqual([before[oldest === 'grant' ? 0 : 1]]);
      expect(after?.receiptsGivenUp).toBe(1);
    },
  );

  it('gives up the oldest proof only when proofs alone exceed the bound, and still counts it', async () => {
    const checked = await granted();
    let before: WalletRelationship['pendingReceipts'] = [];
    await rewrite(checked.pseudonym, (r) => {
      before = copies(
        { sha256: '', kind: 'revocation', jws: r.grants[0]!.jws },
        100,
        'revocation',
        'p',
      );
      return { ...r, pendingReceipts: before };
    });
    ch.logReceipt = () => Promise.reject(new TypeError('fetch failed'));
    const { sha256 } = await wallet.requestData(ch.company.id, 'access');
    const after = await wallet.relationship(checked.pseudonym);
    expect(after?.pendingReceipts.map((p) => p.sha256)).toEqual([
      ...before.slice(1).map((p) => p.sha256),
      sha256,
    ]);
    expect(after?.receiptsGivenUp).toBe(1);
  });
});

describe('a refresh of every relationship at the same time', () => {
  /**
   * Holds `refreshAll`'s batch call until `release()`; the clearinghouse's view (with `extra`
   * members) is read before it waits when `readFirst`, after it otherwise. `entered` resolves
   * once the call is waiting.
   */
  function holdBatch({
    readFirst,
    extra = {},
  }: {
    readFirst: boolean;
    extra?: Record<string, unknown>;
  }) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let enter!: () => void;
    const entered = new Promise<void>((r) => (enter = r));
    const read = (signers: readonly { id: string }[]) =>
      Promise.all(
        signers.map(async (s) => ({
          status: 200 as const,
          pseudonym: s.id,
          relationships: { ...(await ch.relationships(s)), ...extra },
        })),
      );
    (ch as unknown as Pick<WalletClearinghouse, 'relationshipsBatch'>).relationshipsBatch = async (
      signers,
    ) => {
      const early = readFirst ? await read(signers) : undefined;
      enter();
      await gate;
      return { results: early ?? (await read(signers)) };
    };
    return { release, entered };
  }

  for (const [name, send] of [
    ['data request', () => wallet.requestData(ch.company.id, 'access')],
    ['revocation', () => wallet.revoke(ch.company.id, 'all')],
  ] as const)
    for (const readFirst of [false, true])
      it(`keeps the receipt of a ${name} sent while it waits (view read ${readFirst ? 'before' : 'after'} it)`, async () => {
        const checked = await granted();
        const { release, entered } = holdBatch({ readFirst });
        const refreshing = wallet.refreshAll();
        await entered;
        const { sha256, receipt } = await send();
        expect(receipt).not.toBeNull();
        release();
        const listed = await refreshing;
        const stored = await wallet.relationship(checked.pseudonym);
        expect(stored?.receipts.map((r) => r.sha256)).toContain(sha256);
        expect(listed.find((r) => r.pseudonym === checked.pseudonym)).toEqual(stored);
      });

  it('keeps a pending receipt recorded while it waits', async () => {
    const checked = await granted();
    const { release, entered } = holdBatch({ readFirst: false });
    const refreshing = wallet.refreshAll();
    await entered;
    const logReceipt = ch.logReceipt.bind(ch);
    ch.logReceipt = () => Promise.reject(new TypeError('fetch failed'));
    const { sha256 } = await wallet.requestData(ch.company.id, 'erasure');
    ch.logReceipt = logReceipt;
    release();
    await refreshing;
    const stored = await wallet.relationship(checked.pseudonym);
    expect([
      ...(stored?.receipts ?? []).map((r) => r.sha256),
      ...(stored?.pendingReceipts ?? []).map((p) => p.sha256),
    ]).toContain(sha256);
  });

  it('does not show a grant active again when it read the clearinghouse before the revocation', async () => {
    const checked = await granted();
    const grant = (await wallet.relationship(checked.pseudonym))!.grants[0]!.sha256;
    // Something new at the clearinghouse, so the refresh has a changed record to write.
    const accessEvents = [
      {
        at: nowSeconds + 5,
        purpose: 'product_launch',
        dataCategories: ['address'],
        grantSha256: grant,
        count: 1,
        outOfScope: null,
      },
    ];
    const { release, entered } = holdBatch({ readFirst: true, extra: { accessEvents } });
    const refreshing = wallet.refreshAll();
    await entered;
    const { sha256 } = await wallet.revoke(ch.company.id, 'all');
    release();
    await refreshing;
    let stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.grants.map((g) => g.status)).toEqual(['revoked']);
    expect(stored?.revocations.map((r) => r.sha256)).toEqual([sha256]);
    // The next refresh reads the clearinghouse after the revocation: its view is taken.
    holdBatch({ readFirst: false, extra: { accessEvents } }).release();
    await wallet.refreshAll();
    stored = await wallet.relationship(checked.pseudonym);
    expect(stored?.accessEvents).toEqual(accessEvents);
    expect(stored?.grants.map((g) => g.status)).toEqual(['revoked']);
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

  it('keeps the signed sealed token, the key it is sealed to and the value until taken, and sends that very token again', async () => {
    await granted();
    ch.correctionsDown = true;
    await wallet.correct('address', 'Hauptstraße 1');
    const entry = (await record()).corrections.address!;
    const holder = entry.pending[ch.company.id]!;
    expect(holder).toEqual({
      sealed: expect.any(String),
      sealedTo: ch.company.keys[0]!.kid,
      jws: expect.any(String),
    });
    // The value once, on the entry (not per holder: the record is written whole).
    expect(entry).toMatchObject({ value: 'Hauptstraße 1' });
    ch.correctionsDown = false;
    await wallet.refreshAll();
    expect(ch.corrections).toEqual([holder.jws]);
    // Taken: nothing of it is kept.
    expect((await record()).corrections).toEqual({});
  });

  /**
   * The company's first key ended as `change` says (retired or declared compromised), and a new
   * one added in the registry: returns the new key's pair.
   */
  function replaceCompanyKey(change: Partial<CompanyKey>): Ed25519KeyPair {
    const next = generateKeyPair((n) => randomBytes(n));
    const jwk = publicJwk(next);
    Object.assign(ch.company.keys[0]!, change);
    (ch.company.keys as CompanyKey[]).push({
      kid: thumbprint(jwk),
      jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      addedAt: nowMs,
      retiredAt: null,
      compromisedSince: null,
    });
    return next;
  }

  it.each([
    { end: 'retired', change: { retiredAt: nowSeconds } },
    { end: 'declared compromised', change: { compromisedSince: nowSeconds - 60 } },
  ])(
    'seals a correction again to the new key when the key it was sealed to was $end before it was taken',
    async ({ change }) => {
      await granted();
      ch.correctionsDown = true;
      await wallet.correct('address', 'Hauptstraße 1');
      const before = (await record()).corrections.address!.pending[ch.company.id]!;
      // The company replaces its key while the clearinghouse is out of reach.
      const next = replaceCompanyKey(change);
      ch.correctionsDown = false;
      await wallet.refreshAll();
      // Failed before: the token sealed to the old key went as it was.
      expect(ch.corrections).toHaveLength(1);
      expect(ch.corrections[0]).not.toBe(before.jws);
      expect(received(next)).toEqual(['Hauptstraße 1']);
      expect(received()).toEqual([null]);
      expect((await record()).corrections).toEqual({});
    },
  );

  it('keeps no value of a correction the clearinghouse refused, and seals it afresh when corrected again', async () => {
    await granted();
    ch.correctionProblem = { status: 404, code: 'ERR_PSEUDONYM_UNKNOWN' };
    await wallet.correct('address', 'Hauptstraße 1');
    const entry = (await record()).corrections.address!;
    expect(entry.pending[ch.company.id]).toEqual({
      sealed: expect.any(String),
      sealedTo: ch.company.keys[0]!.kid,
      error: 'ERR_PSEUDONYM_UNKNOWN',
    });
    expect(entry).not.toHaveProperty('value');
    // The key it was sealed to is retired meanwhile; corrected again, it goes to the new one.
    const next = replaceCompanyKey({ retiredAt: nowSeconds });
    ch.correctionProblem = null;
    expect(await wallet.correct('address', 'Hauptstraße 1')).toEqual({
      sent: [ch.company.id],
      failed: [],
    });
    expect(received(next)).toEqual(['Hauptstraße 1']);
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
