import { beforeEach, describe, expect, it } from 'vitest';
import type { BlacklistSignalChoice } from '../../protocol/profile';
import { BlacklistSignals, signalsRecord } from './blacklist-signals';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import { companyIdentity } from './identity';
import { Preferences } from './preferences';
import { Wallet } from './wallet';
import {
  clearinghouseOrigin,
  FakeClearinghouse,
  logOrigin,
  testRandomBytes,
} from './wallet.fixture';

const nowMs = Date.UTC(2026, 10, 1, 12);
const seed = new Uint8Array(32).fill(7);
/** A company the customer never answered: no pseudonym bound at the clearinghouse. */
const stranger = `co_${'B'.repeat(42)}A`;

let ch: FakeClearinghouse;
let store: FakeStore;
let clock: FakeClock;
let prefs: Preferences;
let signals: BlacklistSignals;
let company: string;

/** A relationship with the fixture's company, as a refusal binds it (a logged relationship). */
async function relate(): Promise<void> {
  const wallet = new Wallet({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    pinnedLog: async () => ({ key: ch.logVerifierKey, origin: logOrigin }),
    masterSeed: async () => seed,
    blacklist: async () => [],
    receiptAttempts: 1,
  });
  const checked = await wallet.check(await ch.addRequest(nowMs / 1000 - 60), { kind: 'link' });
  await wallet.answer(checked, { decision: 'refuse', askAgainAfterDays: null });
}

async function choose(choice: BlacklistSignalChoice): Promise<void> {
  await prefs.setSignalChoice(choice);
}

async function storedSignals(): Promise<Record<string, { jws?: string; state: string }>> {
  const raw = (await store.get(signalsRecord.table, signalsRecord.id)) as
    { signals: Record<string, { jws?: string; state: string }> } | undefined;
  return raw?.signals ?? {};
}

beforeEach(async () => {
  ch = await FakeClearinghouse.create(nowMs);
  company = ch.company.id;
  store = new FakeStore();
  clock = new FakeClock(nowMs);
  prefs = new Preferences({
    store,
    clock,
    randomBytes: counterBytes(),
    defaults: () => ({ language: 'en', timeZone: 'Europe/Berlin' }),
  });
  signals = new BlacklistSignals({
    store,
    clock,
    randomBytes: testRandomBytes,
    clearinghouse: ch,
    clearinghouseOrigin,
    masterSeed: async () => seed,
    choice: async () => (await prefs.profile()).blacklistSignal,
    blacklist: () => prefs.blacklist(),
  });
  await relate();
});

describe('BlacklistSignals.sync', () => {
  it('sends a signed add with the entry’s reason, and its brand for a brand entry', async () => {
    await choose('send');
    const { entry: whole } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'too_frequent',
    });
    const { entry: brand } = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Laufhaus', company },
      reason: 'misleading',
    });
    expect(await signals.sync()).toEqual({ sent: 2, pending: 0, refused: 0 });
    const { pseudonym } = await companyIdentity(seed, company);
    const sent = ch.blacklistSignals.map(({ iss, aud, company: c, action, reason, brand: b }) => ({
      iss,
      aud,
      company: c,
      action,
      reason,
      brand: b,
    }));
    expect(sent).toEqual(
      expect.arrayContaining([
        {
          iss: pseudonym,
          aud: clearinghouseOrigin,
          company,
          action: 'add',
          reason: 'too_frequent',
          brand: undefined,
        },
        {
          iss: pseudonym,
          aud: clearinghouseOrigin,
          company,
          action: 'add',
          reason: 'misleading',
          brand: 'Laufhaus',
        },
      ]),
    );
    expect(sent).toHaveLength(2);
    expect(await signals.list()).toEqual(
      expect.arrayContaining([
        { entry: whole.id, action: 'add', state: 'sent' },
        { entry: brand.id, action: 'add', state: 'sent' },
      ]),
    );
    // Nothing changed: nothing is sent again.
    await signals.sync();
    expect(ch.blacklistCalls).toBe(2);
  });

  it('sends the entry made before the question once the customer answers “send”', async () => {
    const { askSignal } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'data_misuse',
    });
    expect(askSignal).toBe(true);
    await signals.sync();
    expect(ch.blacklistCalls).toBe(0);
    await choose('send');
    await signals.sync();
    expect(ch.blacklistSignals).toMatchObject([{ action: 'add', reason: 'data_misuse' }]);
  });

  it('withdraws the signal when the entry is removed', async () => {
    await choose('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Laufhaus', company },
      reason: 'irrelevant',
    });
    await signals.sync();
    await prefs.removeFromBlacklist(entry.id);
    expect(await signals.sync()).toEqual({ sent: 1, pending: 0, refused: 0 });
    expect(ch.blacklistSignals.map((s) => [s.action, s.brand, s.reason])).toEqual([
      ['add', 'Laufhaus', 'irrelevant'],
      ['withdraw', 'Laufhaus', 'irrelevant'],
    ]);
    expect(await signals.list()).toEqual([]);
  });

  it.each<BlacklistSignalChoice>(['ask', 'never'])(
    'sends nothing while the answer is “%s”',
    async (choice) => {
      await choose(choice);
      await prefs.addToBlacklist({ target: { kind: 'company', company }, reason: 'other' });
      expect(await signals.sync()).toEqual({ sent: 0, pending: 0, refused: 0 });
      expect(ch.blacklistCalls).toBe(0);
      expect(await signals.list()).toEqual([]);
    },
  );

  it('withdraws what was sent when the answer becomes “never”, and keeps the entries', async () => {
    await choose('send');
    await prefs.addToBlacklist({ target: { kind: 'company', company }, reason: 'other' });
    await signals.sync();
    await choose('never');
    await signals.sync();
    expect(ch.blacklistSignals.map((s) => s.action)).toEqual(['add', 'withdraw']);
    expect((await prefs.blacklist()).entries).toHaveLength(1);
    await signals.sync();
    expect(ch.blacklistCalls).toBe(2);
  });

  it('sends nothing for a company without a pseudonym, or a brand naming no company', async () => {
    await choose('send');
    await prefs.addToBlacklist({ target: { kind: 'company', company: stranger }, reason: 'other' });
    await prefs.addToBlacklist({ target: { kind: 'brand', brand: 'Acme' }, reason: 'other' });
    expect(await signals.sync()).toEqual({ sent: 0, pending: 0, refused: 0 });
    expect(ch.blacklistCalls).toBe(0);
  });

  it('writes the signal to the vault before sending it', async () => {
    await choose('send');
    await prefs.addToBlacklist({ target: { kind: 'company', company }, reason: 'other' });
    const inVault: (string | undefined)[] = [];
    const submit = ch.submitBlacklist.bind(ch);
    ch.submitBlacklist = async (jws) => {
      inVault.push(...Object.values(await storedSignals()).map((s) => s.jws));
      return submit(jws);
    };
    await signals.sync();
    expect(inVault).toHaveLength(1);
    expect(inVault[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('keeps a signal the clearinghouse could not take and sends it on the next sync', async () => {
    await choose('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'unwanted_contact',
    });
    ch.blacklistDown = true;
    expect(await signals.sync()).toEqual({ sent: 0, pending: 1, refused: 0 });
    expect(await signals.list()).toEqual([{ entry: entry.id, action: 'add', state: 'pending' }]);
    expect(Object.values(await storedSignals())[0]?.jws).toBeDefined();
    // Long enough that the stored message's window has closed: it is signed again.
    clock.ms += 15 * 60_000;
    ch.blacklistDown = false;
    expect(await signals.sync()).toEqual({ sent: 1, pending: 0, refused: 0 });
    expect(ch.blacklistSignals).toMatchObject([{ action: 'add', reason: 'unwanted_contact' }]);
    expect(ch.blacklistSignals[0]!.iat).toBe(Math.floor(clock.ms / 1000));
    expect(await signals.list()).toEqual([{ entry: entry.id, action: 'add', state: 'sent' }]);
  });

  it('keeps a withdrawal the clearinghouse could not take', async () => {
    await choose('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'other',
    });
    await signals.sync();
    ch.blacklistDown = true;
    await prefs.removeFromBlacklist(entry.id);
    expect(await signals.sync()).toMatchObject({ pending: 1 });
    ch.blacklistDown = false;
    await signals.sync();
    expect(ch.blacklistSignals.map((s) => s.action)).toEqual(['add', 'withdraw']);
    expect(await signals.list()).toEqual([]);
  });

  it('records a refusal with its code and does not send it again', async () => {
    await choose('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'other',
    });
    ch.blacklistProblem = { status: 403, code: 'ERR_NOT_AUTHORISED' };
    expect(await signals.sync()).toEqual({ sent: 0, pending: 0, refused: 1 });
    expect(await signals.list()).toEqual([
      { entry: entry.id, action: 'add', state: 'refused', error: 'ERR_NOT_AUTHORISED' },
    ]);
    ch.blacklistProblem = null;
    for (let i = 0; i < 3; i++) await signals.sync();
    expect(ch.blacklistCalls).toBe(1);
  });

  it.each([
    ['overloaded', 503, 'ERR_OVERLOADED'],
    ['asking to slow down', 429, 'ERR_RATE_LIMITED'],
  ])('retries a signal while the clearinghouse is %s', async (_name, status, code) => {
    await choose('send');
    await prefs.addToBlacklist({ target: { kind: 'company', company }, reason: 'other' });
    ch.blacklistProblem = { status, code };
    expect(await signals.sync()).toEqual({ sent: 0, pending: 1, refused: 0 });
    ch.blacklistProblem = null;
    expect(await signals.sync()).toEqual({ sent: 1, pending: 0, refused: 0 });
  });

  it('leaves the signal of a damaged entry alone instead of withdrawing it', async () => {
    await choose('send');
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'company', company },
      reason: 'other',
    });
    await signals.sync();
    store.damage('blacklist', entry.id);
    await signals.sync();
    expect(ch.blacklistSignals.map((s) => s.action)).toEqual(['add']);
  });

  it('does not send the same signal twice when two syncs overlap', async () => {
    await choose('send');
    await prefs.addToBlacklist({ target: { kind: 'company', company }, reason: 'other' });
    await Promise.all([signals.sync(), signals.sync()]);
    expect(ch.blacklistCalls).toBe(1);
  });
});
