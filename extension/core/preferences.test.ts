import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { counterBytes, FakeClock, FakeStore } from './fakes';
import { defaultProfile, type Profile } from '../../protocol/profile';
import { Preferences, withEditsReapplied } from './preferences';

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
    const opened = await prefs.profileWithRevision();
    const saved = await prefs.saveProfile(
      { ...opened.profile, mode: 'automatic', serendipity: 0.3 },
      opened.revision,
    );
    expect(await prefs.profile()).toEqual(saved.profile);
    expect(
      await codeOf(() => prefs.saveProfile({ ...saved.profile, serendipity: 2 }, saved.revision)),
    ).toBe('ERR_PROFILE_INVALID');
    expect((await prefs.profile()).serendipity).toBe(0.3);
  });

  it('reports a stored profile that no longer parses as damaged instead of replacing it', async () => {
    const { prefs, store } = setup();
    await store.put('profile', 'current', { v: 1, mode: 'telepathic' });
    expect(await codeOf(() => prefs.profile())).toBe('ERR_VAULT_RECORD_DAMAGED');
  });
});

describe('profile revisions (a save over a stale copy)', () => {
  it('refuses a save based on a copy from before channels were allowed, and keeps the channels', async () => {
    const { prefs, store } = setup();
    // The Profile view opens, then the consent window allows a channel (wallet.answer).
    const opened = await prefs.profileWithRevision();
    await prefs.allowChannels(['newsletter'], 'newsletter');
    expect(
      await codeOf(() =>
        prefs.saveProfile({ ...opened.profile, mode: 'automatic' }, opened.revision),
      ),
    ).toBe('ERR_PROFILE_CHANGED');
    expect(await prefs.profile()).toMatchObject({
      mode: 'manual',
      channels: { allowed: ['newsletter'], preferred: 'newsletter' },
    });
    // Saved again over the newest copy, the edit lands and the channels stay.
    const newest = await prefs.profileWithRevision();
    const saved = await prefs.saveProfile(
      { ...newest.profile, mode: 'automatic' },
      newest.revision,
    );
    expect(saved.revision).not.toBe(newest.revision);
    expect(await prefs.profileWithRevision()).toEqual(saved);
    expect(saved.profile).toMatchObject({
      mode: 'automatic',
      channels: { allowed: ['newsletter'], preferred: 'newsletter' },
    });
    // The record keeps its stored shape: the profile alone, no revision beside it.
    expect(await store.get('profile', 'current')).toEqual(saved.profile);
  });

  it('lets one of two copies of the same revision land and refuses the other', async () => {
    const { prefs } = setup();
    const first = await prefs.profileWithRevision();
    const second = await prefs.profileWithRevision();
    await prefs.saveProfile({ ...first.profile, serendipity: 0.3 }, first.revision);
    expect(
      await codeOf(() =>
        prefs.saveProfile({ ...second.profile, mode: 'automatic' }, second.revision),
      ),
    ).toBe('ERR_PROFILE_CHANGED');
    expect(await prefs.profile()).toMatchObject({ serendipity: 0.3, mode: 'manual' });
  });

  it('reads a profile stored before revisions existed and saves over it', async () => {
    const { prefs, store } = setup();
    const old = { ...(await prefs.profile()), mode: 'automatic' };
    await store.put('profile', 'current', old);
    const read = await prefs.profileWithRevision();
    expect(read.profile).toEqual(old);
    const saved = await prefs.saveProfile({ ...read.profile, serendipity: 0.2 }, read.revision);
    expect(await store.get('profile', 'current')).toEqual({ ...old, serendipity: 0.2 });
    expect(saved.profile.serendipity).toBe(0.2);
  });

  it('applies channels allowed and the signal answer given at the same time, none lost', async () => {
    const { prefs } = setup();
    await Promise.all([
      prefs.allowChannels(['sms'], ''),
      prefs.setSignalChoice('send'),
      prefs.allowChannels(['email'], 'email'),
    ]);
    expect(await prefs.profile()).toMatchObject({
      blacklistSignal: 'send',
      channels: { allowed: ['sms', 'email'], preferred: 'email' },
    });
  });

  it('lands a save and channels allowed while it was under way, in the order asked', async () => {
    const { prefs } = setup();
    const opened = await prefs.profileWithRevision();
    const [saved] = await Promise.all([
      prefs.saveProfile({ ...opened.profile, mode: 'automatic' }, opened.revision),
      prefs.allowChannels(['sms'], 'sms'),
      prefs.setSignalChoice('never'),
    ]);
    expect(saved.profile.mode).toBe('automatic');
    expect(await prefs.profile()).toMatchObject({
      mode: 'automatic',
      blacklistSignal: 'never',
      channels: { allowed: ['sms'], preferred: 'sms' },
    });
  });
});

describe('withEditsReapplied (a refused save shown again over the newest profile)', () => {
  const start = defaultProfile('en', 'Europe/Berlin');
  const channels = (allowed: Profile['channels']['allowed'], preferred: string | null = null) =>
    ({ allowed, preferred }) as Profile['channels'];

  // [case, the copy the view loaded, changed meanwhile, the customer's edits, expected]: each a
  // change of the default profile (the later three of the loaded copy).
  it.each<[string, Partial<Profile>, Partial<Profile>, Partial<Profile>, Partial<Profile>]>([
    [
      'channels allowed meanwhile stay beside the edits',
      {},
      { channels: channels(['newsletter'], 'newsletter') },
      { mode: 'automatic', interests: [{ category: 'travel', weight: 0.5 }] },
      {
        mode: 'automatic',
        interests: [{ category: 'travel', weight: 0.5 }],
        channels: channels(['newsletter'], 'newsletter'),
      },
    ],
    [
      'channels merge as a set: both additions kept',
      { channels: channels(['sms']) },
      { channels: channels(['sms', 'email'], 'email') },
      { channels: channels(['sms', 'mms']) },
      { channels: channels(['sms', 'email', 'mms'], 'email') },
    ],
    [
      'a channel the customer removed goes, its preference with it',
      { channels: channels(['sms'], 'sms') },
      { channels: channels(['sms', 'email'], 'sms'), blacklistSignal: 'send' },
      { channels: channels([]) },
      { channels: channels(['email']), blacklistSignal: 'send' },
    ],
    [
      'the customer’s value wins where both changed the same member',
      {},
      { mode: 'automatic', serendipity: 0.4 },
      { serendipity: 0.2, quiet: { timeZone: 'UTC', windows: [] } },
      { mode: 'automatic', serendipity: 0.2, quiet: { timeZone: 'UTC', windows: [] } },
    ],
    [
      'members changed only meanwhile keep the newest value, member by member',
      {},
      { threshold: 0.7, caps: { perWeek: 3, perCompanyPerWeek: null } },
      { caps: { perWeek: null, perCompanyPerWeek: 1 } },
      { threshold: 0.7, caps: { perWeek: 3, perCompanyPerWeek: 1 } },
    ],
  ])('%s', (_case, loaded, meanwhile, edits, expected) => {
    const base = { ...start, ...loaded };
    expect(withEditsReapplied({ ...base, ...meanwhile }, base, { ...base, ...edits })).toEqual({
      ...base,
      ...expected,
    });
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

  it('does not add the same brand twice when both are asked for at the same time', async () => {
    const { prefs } = setup();
    const [first, again] = await Promise.all([
      prefs.addToBlacklist({ target: { kind: 'brand', brand: 'Acme' }, reason: 'other' }),
      prefs.addToBlacklist({ target: { kind: 'brand', brand: 'acme' }, reason: 'irrelevant' }),
    ]);
    expect([first.added, again.added]).toEqual([true, false]);
    expect((await prefs.blacklist()).entries.map((e) => e.id)).toEqual([first.entry.id]);
  });

  it('removes an entry after an add of the same brand asked for before it, so none is left', async () => {
    const { prefs } = setup();
    const { entry } = await prefs.addToBlacklist({
      target: { kind: 'brand', brand: 'Acme' },
      reason: 'other',
    });
    // The add finds the entry there (no second one), then the removal takes it away. Before, the
    // removal ran at once, the add found no entry and made a new one: the brand stayed.
    const [again] = await Promise.all([
      prefs.addToBlacklist({ target: { kind: 'brand', brand: 'acme' }, reason: 'irrelevant' }),
      prefs.removeFromBlacklist(entry.id),
    ]);
    expect(again.added).toBe(false);
    expect((await prefs.blacklist()).entries).toEqual([]);
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
