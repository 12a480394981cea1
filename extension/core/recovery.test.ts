import { describe, expect, it, vi } from 'vitest';
import type {
  BatchResult,
  CompanyEntry,
  Relationships,
  RequestSigner,
} from '../../protocol/client';
import { ProtocolError } from '../../protocol/errors';
import { companyId, pseudonym, publicJwk, keyPairFromSeed } from '../../protocol/keys';
import { ready } from '../../protocol/sodium';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import { companyIdentity, newIdentity } from './identity';
import type { RecordStore, RegistryPort, StoreTable } from './ports';
import { progressOf, recoverRelationships } from './recovery';
import { FakeClearinghouse, fixtureWallet, grantAll } from './wallet.fixture';

/**
 * The relationship turn (./store-turns) as every module of this file takes it, unchanged but
 * watched, per store: {@link relationshipTurn.queued} resolves when someone asks for the turn
 * while work in it runs (in a turn, they must wait for it to end), and
 * {@link relationshipTurn.overlapped} tells whether work ever started while other work ran.
 */
const relationshipTurn = vi.hoisted(() => {
  const running = new WeakMap<object, number>();
  const waiting = new WeakMap<object, (() => void)[]>();
  const overlapped = new WeakSet<object>();
  return {
    queued(store: object): Promise<void> {
      return new Promise((resolve) => waiting.set(store, [...(waiting.get(store) ?? []), resolve]));
    },
    overlapped: (store: object): boolean => overlapped.has(store),
    take<T>(
      store: object,
      work: () => Promise<T>,
      take: (work: () => Promise<T>) => Promise<T>,
    ): Promise<T> {
      if ((running.get(store) ?? 0) > 0) {
        for (const resolve of waiting.get(store) ?? []) resolve();
        waiting.delete(store);
      }
      return take(async () => {
        const others = running.get(store) ?? 0;
        if (others > 0) overlapped.add(store);
        running.set(store, others + 1);
        try {
          return await work();
        } finally {
          running.set(store, running.get(store)! - 1);
        }
      });
    },
  };
});

vi.mock('./store-turns', async (importOriginal) => {
  const turns = await importOriginal<typeof import('./store-turns')>();
  return {
    ...turns,
    inRelationshipTurn: <T>(store: RecordStore, work: () => Promise<T>) =>
      relationshipTurn.take(store, work, (watched) => turns.inRelationshipTurn(store, watched)),
  };
});

const SHA = 'A'.repeat(43);
/** What every recovery here is handed: the complaints' audience. */
const options = { clearinghouseOrigin: 'http://localhost:3000' };
const JWS = 'eyJh.eyJi.c2ln';

async function registry(count: number): Promise<string[]> {
  await ready();
  return Array.from({ length: count }, (_, i) => {
    const seed = new Uint8Array(32);
    seed[0] = i & 0xff;
    seed[1] = i >> 8;
    return companyId(publicJwk(keyPairFromSeed(seed)));
  });
}

function relationshipsOf(ps: string, company: string): Relationships {
  return {
    pseudonym: ps,
    company: {
      id: company,
      legalName: 'Beispiel GmbH',
      domain: 'https://shop.example',
      status: 'active',
    },
    requests: [{ sha256: SHA, jws: JWS }],
    grants: [{ sha256: SHA, jws: JWS, status: 'active', revokedPurposes: [] }],
    refusals: [],
    revocations: [],
  };
}

/** A clearinghouse that pages its registry by `limit` and answers relationships it holds. */
function fakeClearinghouse(
  companies: string[],
  held: Map<string, Relationships>,
  options: { failFor?: Set<string>; calls?: number[] } = {},
): RegistryPort {
  return {
    async listCompanies(query = {}) {
      const start = query.after === undefined ? 0 : Number(query.after);
      const limit = query.limit ?? 50;
      const page = companies.slice(start, start + limit).map((id) => ({ id }) as CompanyEntry);
      const end = start + page.length;
      return { companies: page, next: end < companies.length ? String(end) : null };
    },
    async relationshipsBatch(signers: readonly RequestSigner[]) {
      options.calls?.push(signers.length);
      expect(signers.length).toBeLessThanOrEqual(100);
      const results: BatchResult[] = signers.map((s) => {
        // The request must be signed by the pseudonym's own pairwise key.
        if (!('keyPair' in s) || pseudonym(publicJwk(s.keyPair)) !== s.id)
          throw new Error('wrong signer');
        if (options.failFor?.has(s.id))
          return { status: 503, problem: { code: 'ERR_STORAGE_UNAVAILABLE' } };
        const r = held.get(s.id);
        return r === undefined
          ? { status: 404, problem: { code: 'ERR_PSEUDONYM_UNKNOWN' } }
          : { status: 200, pseudonym: s.id, relationships: r };
      });
      return { results };
    },
    getComplaint: () => Promise.reject(new Error('no complaint is listed here')),
  };
}

describe('recoverRelationships', () => {
  it('asks about every company of the registry and stores what the clearinghouse holds', async () => {
    const companies = await registry(250);
    const { masterSeed } = newIdentity(counterBytes());
    const held = new Map<string, Relationships>();
    for (const company of [companies[7]!, companies[180]!]) {
      const { pseudonym: ps } = await companyIdentity(masterSeed, company);
      held.set(ps, relationshipsOf(ps, company));
    }
    const calls: number[] = [];
    const store = new FakeStore();
    const result = await recoverRelationships(
      masterSeed,
      fakeClearinghouse(companies, held, { calls }),
      store,
      options,
    );
    expect(result).toEqual({
      companiesChecked: 250,
      relationships: 2,
      failed: [],
      complaints: 0,
      complaintsNotRestored: 0,
      rejectedComplaints: [],
    });
    expect(calls).toEqual([100, 100, 50]);
    const { items } = await store.list('relationships');
    expect(items.map((i) => (i.value as Relationships).company.id).sort()).toEqual(
      [companies[7], companies[180]].sort(),
    );
  });

  it('reports companies it could not check instead of guessing', async () => {
    const companies = await registry(3);
    const { masterSeed } = newIdentity(counterBytes());
    const { pseudonym: ps } = await companyIdentity(masterSeed, companies[1]!);
    const result = await recoverRelationships(
      masterSeed,
      fakeClearinghouse(companies, new Map(), { failFor: new Set([ps]) }),
      new FakeStore(),
      options,
    );
    expect(result.failed).toEqual([companies[1]]);
  });

  it('does not store a relationship that names another pseudonym or company', async () => {
    const companies = await registry(2);
    const { masterSeed } = newIdentity(counterBytes());
    const a = await companyIdentity(masterSeed, companies[0]!);
    const held = new Map([[a.pseudonym, relationshipsOf(a.pseudonym, companies[1]!)]]);
    const store = new FakeStore();
    const result = await recoverRelationships(
      masterSeed,
      fakeClearinghouse(companies, held),
      store,
      options,
    );
    expect(result).toMatchObject({ relationships: 0, failed: [companies[0]] });
    expect((await store.list('relationships')).items).toEqual([]);
  });

  it('fails with ERR_CLEARINGHOUSE_UNREACHABLE when the network does', async () => {
    const { masterSeed } = newIdentity(counterBytes());
    const offline: RegistryPort = {
      listCompanies: () => Promise.reject(new TypeError('Failed to fetch')),
      relationshipsBatch: () => Promise.reject(new TypeError('Failed to fetch')),
      getComplaint: () => Promise.reject(new TypeError('Failed to fetch')),
    };
    try {
      await recoverRelationships(masterSeed, offline, new FakeStore(), options);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).code).toBe('ERR_CLEARINGHOUSE_UNREACHABLE');
    }
  });

  it('keeps what it stored when the clearinghouse stops answering mid-way, and says how far it came', async () => {
    const companies = await registry(250);
    const { masterSeed } = newIdentity(counterBytes());
    const held = new Map<string, Relationships>();
    for (const company of [companies[7]!, companies[120]!, companies[230]!]) {
      const { pseudonym: ps } = await companyIdentity(masterSeed, company);
      held.set(ps, relationshipsOf(ps, company));
    }
    const { pseudonym: failing } = await companyIdentity(masterSeed, companies[150]!);
    const answering = fakeClearinghouse(companies, held, { failFor: new Set([failing]) });
    let pages = 0;
    // The registry answers two pages, then the network goes.
    const cutShort: RegistryPort = {
      ...answering,
      listCompanies: (query) =>
        ++pages > 2
          ? Promise.reject(new TypeError('Failed to fetch'))
          : answering.listCompanies(query),
    };
    const store = new FakeStore();
    const error = await recoverRelationships(masterSeed, cutShort, store, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProtocolError);
    // Failed before: the error said nothing of the 200 companies checked and the 2 stored.
    expect(error).toMatchObject({
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      detail: { companiesChecked: 200, relationships: 2, failed: 1 },
    });
    expect(progressOf(error as ProtocolError)).toEqual({
      companiesChecked: 200,
      relationships: 2,
      failed: 1,
      complaints: 0,
      complaintsNotRestored: 0,
    });
    const { items } = await store.list('relationships');
    expect(items.map((i) => (i.value as Relationships).company.id).sort()).toEqual(
      [companies[7], companies[120]].sort(),
    );
    // Asked again once the clearinghouse answers: the rest, the stored ones not twice.
    const again = await recoverRelationships(masterSeed, answering, store, options);
    expect(again).toMatchObject({ companiesChecked: 250, relationships: 3 });
    expect((await store.list('relationships')).items).toHaveLength(3);
  });

  it('reads no progress from an unreachable error without one', () => {
    const bare = new ProtocolError(
      'ERR_CLEARINGHOUSE_UNREACHABLE',
      'the clearinghouse did not answer',
    );
    const none = {
      companiesChecked: 0,
      relationships: 0,
      failed: 0,
      complaints: 0,
      complaintsNotRestored: 0,
    };
    expect(progressOf(bare)).toEqual(none);
    const odd = new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'x', {
      companiesChecked: -1,
      relationships: 1.5,
      failed: '2',
      complaints: -3,
    });
    expect(progressOf(odd)).toEqual(none);
  });

  it('stops on a registry that keeps answering the same page', async () => {
    const companies = await registry(1);
    const { masterSeed } = newIdentity(counterBytes());
    const looping: RegistryPort = {
      ...fakeClearinghouse(companies, new Map()),
      listCompanies: async () => ({
        companies: [{ id: companies[0]! } as CompanyEntry],
        next: 'same',
      }),
    };
    const result = await recoverRelationships(masterSeed, looping, new FakeStore(), options);
    expect(result.companiesChecked).toBe(2);
  });
});

describe('recoverRelationships beside the wallet', () => {
  const nowMs = Date.UTC(2026, 10, 1, 12);
  const nowSeconds = nowMs / 1000;
  const seed = new Uint8Array(32).fill(9);

  /**
   * The registry and relationship batches of the wallet's fake clearinghouse: the batch's answer
   * is read when it is asked for; `asked` runs then, and the answer waits for what it returns.
   */
  function registryOf(ch: FakeClearinghouse, asked: () => Promise<void> = async () => {}) {
    return {
      listCompanies: async () => ({ companies: [ch.company], next: null }),
      relationshipsBatch: async (signers: readonly RequestSigner[]) => {
        const results = await Promise.all(
          signers.map(async (s): Promise<BatchResult> => {
            try {
              return { status: 200, pseudonym: s.id, relationships: await ch.relationships(s) };
            } catch {
              return { status: 404, problem: { code: 'ERR_PSEUDONYM_UNKNOWN' } };
            }
          }),
        );
        await asked();
        return { results };
      },
      // The wallet's fake clearinghouse lists no complaints.
      getComplaint: () => Promise.reject(new Error('no complaint is listed here')),
    } satisfies RegistryPort;
  }

  /**
   * The clearinghouse after a grant given on another device (the relationship a recovery finds),
   * and this device's empty vault with a wallet over it, a second request already checked.
   */
  async function recoveringDevice() {
    await ready();
    const clock = new FakeClock(nowMs);
    const ch = await FakeClearinghouse.create(nowMs);
    const elsewhere = fixtureWallet(ch, { store: new FakeStore(), clock, seed });
    const first = await elsewhere.check(await ch.addRequest(nowSeconds - 120), { kind: 'link' });
    await elsewhere.answer(first, grantAll(first.request));
    const store = new PausingStore();
    const wallet = fixtureWallet(ch, { store, clock, seed });
    const checked = await wallet.check(await ch.addRequest(nowSeconds - 60), { kind: 'link' });
    return { ch, store, wallet, checked };
  }

  it('does not write its copy over a record the wallet stored while it waited on the clearinghouse', async () => {
    const { ch, store, wallet, checked } = await recoveringDevice();
    let asked!: () => void;
    const askedNow = new Promise<void>((resolve) => (asked = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const recovery = recoverRelationships(
      seed,
      registryOf(ch, () => (asked(), answered)),
      store,
      options,
    );
    await askedNow;
    // The customer grants again on this device before the clearinghouse's answer arrives.
    const second = await wallet.answer(checked, grantAll(checked.request));
    answer();
    expect(await recovery).toMatchObject({ relationships: 1, failed: [] });
    const record = await wallet.relationship(checked.pseudonym);
    expect(record!.grants.map((g) => g.sha256)).toContain(second.sha256);
    expect(record!.receipts.map((r) => r.sha256)).toEqual([second.sha256]);
  });

  it('stores only the grants the customer’s key signed, reporting one the clearinghouse inserted', async () => {
    const { ch, checked } = await recoveringDevice();
    const [own] = [...ch.submitted.keys()];
    const forged = await ch.forgeGrant(checked.pseudonym, nowSeconds);
    ch.tamperListing = (r) => ({ ...r, grants: [...r.grants, forged] });
    const store = new FakeStore();
    expect(await recoverRelationships(seed, registryOf(ch), store, options)).toMatchObject({
      relationships: 1,
    });
    const record = (await store.get('relationships', checked.pseudonym)) as Relationships & {
      rejectedMessages?: unknown;
    };
    expect(record.grants.map((g) => g.sha256)).toEqual([own]);
    expect(record.rejectedMessages).toEqual([
      { kind: 'grant', sha256: forged.sha256, code: 'ERR_JWS_KID_UNKNOWN' },
    ]);
  });

  it('writes in the relationship turn: the wallet’s write that comes meanwhile waits, and is kept', async () => {
    const { ch, store, wallet, checked } = await recoveringDevice();
    let answering: ReturnType<typeof wallet.answer> | undefined;
    let waited: boolean | undefined;
    // Recovery's read of the record, before its write: the wallet answers right then, and
    // recovery goes on once the answer is stored, or once the wallet asks for the relationship
    // turn while recovery's work in it runs (whichever comes first: no clock decides).
    const atRecoveryRead = async () => {
      answering = wallet.answer(checked, grantAll(checked.request));
      waited = await Promise.race([
        answering.then(() => false),
        relationshipTurn.queued(store).then(() => true),
      ]);
    };
    const recovery = recoverRelationships(
      seed,
      registryOf(ch, async () => void (store.pauseNextRead = atRecoveryRead)),
      store,
      options,
    );
    expect(await recovery).toMatchObject({ relationships: 1, failed: [] });
    expect(answering).toBeDefined();
    const second = await answering!;
    const record = await wallet.relationship(checked.pseudonym);
    expect(record!.grants.map((g) => g.sha256)).toContain(second.sha256);
    expect(record!.receipts.map((r) => r.sha256)).toEqual([second.sha256]);
    expect(waited).toBe(true);
    expect(relationshipTurn.overlapped(store)).toBe(false);
  });
});

/** A store that runs `pauseNextRead` once, at the next read of a relationship record. */
class PausingStore extends FakeStore {
  pauseNextRead: (() => Promise<void>) | null = null;

  override async get(table: StoreTable, id: string): Promise<unknown> {
    const value = await super.get(table, id);
    const pause = table === 'relationships' ? this.pauseNextRead : null;
    if (pause !== null) {
      this.pauseNextRead = null;
      await pause();
    }
    return value;
  }
}
