import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import { Preferences } from './preferences';

const CO_A = `co_${'A'.repeat(43)}`;
const CO_B = `co_${'B'.repeat(42)}A`;
const PS_A = `ps_${'A'.repeat(43)}`;
const SHA = 'Q'.repeat(42) + 'A';
const JWS = 'eyJh.eyJi.c2ln';

function setup() {
  const store = new FakeStore();
  const clock = new FakeClock(1_750_000_000_000);
  const prefs = new Preferences({
    store,
    clock,
    randomBytes: counterBytes(),
    defaults: () => ({ language: 'en', timeZone: 'Europe/Berlin' }),
  });
  return { store, clock, prefs };
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

describe('profile', () => {
  it('starts from the default profile in the UI language and the browser time zone', async () => {
    const { prefs } = setup();
    const profile = await prefs.profile();
    expect(profile).toMatchObject({
      language: 'en',
      mode: 'manual',
      quiet: { timeZone: 'Europe/Berlin' },
    });
  });

  it('saves a valid profile and refuses an invalid one without touching the stored one', async () => {
    const { prefs } = setup();
    const saved = await prefs.saveProfile({
      ...(await prefs.profile()),
      mode: 'automatic',
      serendipity: 0.3,
    });
    expect(await prefs.profile()).toEqual(saved);
    expect(await codeOf(() => prefs.saveProfile({ ...saved, serendipity: 2 }))).toBe(
      'ERR_PROFILE_INVALID',
    );
    expect((await prefs.profile()).serendipity).toBe(0.3);
  });

  it('reports a stored profile that no longer parses as damaged instead of replacing it', async () => {
    const { prefs, store } = setup();
    await store.put('profile', 'current', { v: 1, mode: 'telepathic' });
    expect(await codeOf(() => prefs.profile())).toBe('ERR_VAULT_RECORD_DAMAGED');
  });
});

describe('blacklist', () => {
  it('adds entries with an id and the date, newest first', async () => {
    const { prefs, clock } = setup();
    const first = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'too_frequent',
    });
    clock.ms += 60_000;
    const second = await prefs.addToBlacklist({
      target: { kind: 'company', company: CO_B },
      reason: 'misleading',
      note: 'fake prizes',
    });
    expect(first.added).toBe(true);
    expect(first.entry.at).toBe(1_750_000_000);
    expect(first.entry.id).toMatch(/^[0-9a-f]{32}$/);
    const { entries, damaged } = await prefs.blacklist();
    expect(entries.map((e) => e.id)).toEqual([second.entry.id, first.entry.id]);
    expect(damaged).toEqual([]);
  });

  it('does not add the same brand twice, whatever its spelling', async () => {
    const { prefs } = setup();
    const first = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    const again = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: ' ACME ' },
      reason: 'irrelevant',
    });
    expect(again).toMatchObject({ added: false, entry: first.entry });
    expect((await prefs.blacklist()).entries).toHaveLength(1);
  });

  it('offers to revoke the active grants of a blacklisted company, and asks about the signal once', async () => {
    const { prefs, store } = setup();
    await store.put('relationships', PS_A, {
      pseudonym: PS_A,
      company: { id: CO_A, legalName: 'A GmbH', domain: 'https://a.example', status: 'active' },
      requests: [],
      grants: [
        { sha256: SHA, jws: JWS, status: 'active', revokedPurposes: [] },
        { sha256: 'R'.repeat(42) + 'A', jws: JWS, status: 'revoked', revokedPurposes: [] },
      ],
      refusals: [],
      revocations: [],
    });
    const outcome = await prefs.addToBlacklist({
      target: { kind: 'company', company: CO_A },
      reason: 'data_misuse',
    });
    expect(outcome.activeGrants).toEqual([SHA]);
    expect(outcome.askSignal).toBe(true);
    await prefs.setSignalChoice('never');
    const other = await prefs.addToBlacklist({
      target: { kind: 'company', company: CO_B },
      reason: 'other',
    });
    expect(other).toMatchObject({ activeGrants: [], askSignal: false });
  });

  it('lists damaged entries beside the good ones and removes them only when asked', async () => {
    const { prefs, store } = setup();
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    const bad = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Zeta' },
      reason: 'other',
    });
    store.damage('blacklist', bad.entry.id);
    await store.addMany('blacklist', [{ id: 'f'.repeat(32), value: { not: 'an entry' } }]);
    const listed = await prefs.blacklist();
    expect(listed.entries.map((e) => e.id)).toEqual([entry.id]);
    expect(listed.damaged).toEqual(
      expect.arrayContaining([
        { table: 'blacklist', id: bad.entry.id },
        { table: 'blacklist', id: 'f'.repeat(32) },
      ]),
    );
    await prefs.removeFromBlacklist(bad.entry.id);
    expect((await prefs.blacklist()).damaged).toEqual([{ table: 'blacklist', id: 'f'.repeat(32) }]);
  });

  it.each([
    ['an unknown reason', { target: { kind: 'brand', brand: 'Acme' }, reason: 'bored' }],
    [
      'a caller-chosen id',
      { id: 'a'.repeat(32), target: { kind: 'brand', brand: 'Acme' }, reason: 'other' },
    ],
    ['a malformed company', { target: { kind: 'company', company: 'co_nope' }, reason: 'other' }],
  ])('refuses %s', async (_name, input) => {
    const { prefs } = setup();
    expect(await codeOf(() => prefs.addToBlacklist(input))).toBe('ERR_PROFILE_INVALID');
  });

  it('fails with ERR_VAULT_LOCKED while the store is locked', async () => {
    const { prefs, store } = setup();
    store.locked = true;
    expect(await codeOf(() => prefs.blacklist())).toBe('ERR_VAULT_LOCKED');
  });
});
