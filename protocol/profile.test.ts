import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors';
import {
  blacklistMatch,
  brandKey,
  companyCap,
  contactsInLastWeek,
  defaultProfile,
  parseBlacklist,
  parseBlacklistEntry,
  parseContactHistory,
  parseProfile,
  profileLimits,
  type BlacklistEntry,
  type ContactRecord,
  type Profile,
} from './profile';

const CO_A = `co_${'A'.repeat(43)}`;
const CO_B = `co_${'B'.repeat(42)}A`;
const T0 = 1_750_000_000;

function codeOf(call: () => unknown): string {
  try {
    call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

function validProfile(): Profile {
  return {
    ...defaultProfile('de', 'Europe/Berlin'),
    interests: [
      { category: 'travel', weight: 0.8 },
      { category: 'shopping/shoes', weight: -0.5 },
    ],
    channels: { allowed: ['email', 'app_push'], preferred: 'email' },
    quiet: {
      timeZone: 'Europe/Berlin',
      windows: [{ days: [1, 2, 3, 4, 5], from: '22:00', to: '07:00' }],
    },
    caps: { perWeek: 10, perCompanyPerWeek: 2 },
    companies: [{ company: CO_A, relationship: 'pragmatic_buyer', maxContactsPerWeek: 1 }],
    mode: 'automatic',
    serendipity: 0.2,
  };
}

function entry(overrides: Partial<BlacklistEntry> = {}): BlacklistEntry {
  return {
    id: '0123456789abcdef0123456789abcdef',
    target: { kind: 'company', company: CO_A },
    reason: 'too_frequent',
    at: T0,
    ...overrides,
  };
}

describe('parseProfile', () => {
  it('accepts the default profile and a fully set one', () => {
    expect(parseProfile(defaultProfile('en', 'UTC')).mode).toBe('manual');
    expect(parseProfile(validProfile())).toEqual(validProfile());
  });

  it('accepts the filter settings of issue 8, and a version-1 profile without them', () => {
    const withFilter: Profile = {
      ...validProfile(),
      refusedPurposes: ['win_back'],
      refusedCategories: ['gambling'],
      threshold: 0.7,
    };
    expect(parseProfile(withFilter)).toEqual(withFilter);
    expect(parseProfile(validProfile()).threshold).toBeUndefined();
  });

  it.each<[string, (p: Profile) => unknown]>([
    ['a threshold of 1', (p) => ({ ...p, threshold: 1 })],
    ['a threshold below the minimum', (p) => ({ ...p, threshold: 0.01 })],
    ['an unknown refused purpose', (p) => ({ ...p, refusedPurposes: ['spam'] })],
    ['a refused category twice', (p) => ({ ...p, refusedCategories: ['a', 'a'] })],
    ['a malformed refused category', (p) => ({ ...p, refusedCategories: ['Not A/Category'] })],
  ])('refuses a profile with %s', (_name, change) => {
    expect(codeOf(() => parseProfile(change(validProfile())))).toBe('ERR_PROFILE_INVALID');
  });

  it.each<[string, (p: Profile) => unknown]>([
    ['an unknown field', (p) => ({ ...p, extra: 1 })],
    ['a newer schema version', (p) => ({ ...p, v: 2 })],
    [
      'a preferred channel that is not allowed',
      (p) => ({ ...p, channels: { allowed: ['sms'], preferred: 'email' } }),
    ],
    ['an unknown channel', (p) => ({ ...p, channels: { allowed: ['pigeon'], preferred: null } })],
    [
      'a duplicate channel',
      (p) => ({ ...p, channels: { allowed: ['sms', 'sms'], preferred: null } }),
    ],
    ['a weight above 1', (p) => ({ ...p, interests: [{ category: 'travel', weight: 1.5 }] })],
    ['a NaN weight', (p) => ({ ...p, interests: [{ category: 'travel', weight: Number.NaN }] })],
    [
      'a duplicate interest',
      (p) => ({
        ...p,
        interests: [
          { category: 'a', weight: 0 },
          { category: 'a', weight: 1 },
        ],
      }),
    ],
    ['a category with markup', (p) => ({ ...p, interests: [{ category: '<b>x</b>', weight: 0 }] })],
    ['a serendipity share above one half', (p) => ({ ...p, serendipity: 0.6 })],
    ['a negative cap', (p) => ({ ...p, caps: { perWeek: -1, perCompanyPerWeek: null } })],
    ['a fractional cap', (p) => ({ ...p, caps: { perWeek: 1.5, perCompanyPerWeek: null } })],
    ['an unknown time zone', (p) => ({ ...p, quiet: { timeZone: 'Mars/Base', windows: [] } })],
    [
      'a UTC offset instead of a zone',
      (p) => ({ ...p, quiet: { timeZone: '+01:00', windows: [] } }),
    ],
    [
      'a window of no length',
      (p) => ({
        ...p,
        quiet: { timeZone: 'UTC', windows: [{ days: [1], from: '08:00', to: '08:00' }] },
      }),
    ],
    [
      'an unknown relationship type',
      (p) => ({
        ...p,
        companies: [{ company: CO_A, relationship: 'evangelist', maxContactsPerWeek: null }],
      }),
    ],
    [
      'a malformed company id',
      (p) => ({
        ...p,
        companies: [{ company: 'co_x', relationship: 'fan', maxContactsPerWeek: null }],
      }),
    ],
    ['the same company twice', (p) => ({ ...p, companies: [p.companies[0], p.companies[0]] })],
    ['an unknown language', (p) => ({ ...p, language: 'fr' })],
    ['an unknown mode', (p) => ({ ...p, mode: 'psychic' })],
    [
      'too many interests',
      (p) => ({
        ...p,
        interests: Array.from({ length: profileLimits.interests + 1 }, (_, i) => ({
          category: `c${i}`,
          weight: 0,
        })),
      }),
    ],
  ])('rejects %s with ERR_PROFILE_INVALID', (_name, mutate) => {
    expect(codeOf(() => parseProfile(mutate(validProfile())))).toBe('ERR_PROFILE_INVALID');
  });

  it('names the failing field, never its value', () => {
    try {
      parseProfile({ ...validProfile(), serendipity: 0.9 });
      expect.unreachable();
    } catch (e) {
      expect((e as ProtocolError).detail).toEqual({ path: 'serendipity' });
      expect((e as ProtocolError).message).not.toContain('0.9');
    }
  });

  it('fails only with ProtocolError for any input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const code = codeOf(() => parseProfile(value));
        expect(code).toBe('ERR_PROFILE_INVALID');
      }),
      { numRuns: 300 },
    );
  });
});

describe('blacklist entries', () => {
  it('accepts company and brand entries', () => {
    expect(parseBlacklistEntry(entry())).toEqual(entry());
    const brand = entry({
      target: { kind: 'brand', brand: 'Acme Shoes', company: CO_B },
      note: 'spam',
    });
    expect(parseBlacklistEntry(brand)).toEqual(brand);
  });

  it.each<[string, unknown]>([
    ['an unknown reason', { ...entry(), reason: 'bored' }],
    ['an id that is not 32 hex digits', { ...entry(), id: 'abc' }],
    ['an empty brand', { ...entry(), target: { kind: 'brand', brand: '' } }],
    [
      'a brand with a bidi override',
      { ...entry(), target: { kind: 'brand', brand: 'Ac\u202eme' } },
    ],
    ['an overlong brand', { ...entry(), target: { kind: 'brand', brand: 'x'.repeat(101) } }],
    ['an unknown target kind', { ...entry(), target: { kind: 'person', name: 'x' } }],
    ['a date before the epoch', { ...entry(), at: -1 }],
  ])('rejects %s', (_name, value) => {
    expect(codeOf(() => parseBlacklistEntry(value))).toBe('ERR_PROFILE_INVALID');
  });

  it('rejects a blacklist with a repeated id', () => {
    expect(codeOf(() => parseBlacklist([entry(), entry()]))).toBe('ERR_PROFILE_INVALID');
    expect(parseBlacklist([entry()])).toHaveLength(1);
  });
});

describe('blacklistMatch', () => {
  const entries = [
    entry({ id: 'a'.repeat(32), target: { kind: 'company', company: CO_A } }),
    entry({ id: 'b'.repeat(32), target: { kind: 'brand', brand: 'Acme  Shoes' } }),
    entry({ id: 'c'.repeat(32), target: { kind: 'brand', brand: 'Zeta', company: CO_B } }),
  ];

  it('matches a blacklisted company whatever the brand', () => {
    expect(blacklistMatch(entries, CO_A, 'Anything')?.id).toBe('a'.repeat(32));
  });

  it('matches a brand regardless of case, width and spacing', () => {
    expect(blacklistMatch(entries, CO_B, 'ＡCME shoes')?.id).toBe('b'.repeat(32));
    expect(brandKey(' Acme\tShoes ')).toBe('acme shoes');
  });

  it('does not match a brand entry that names another company', () => {
    expect(blacklistMatch(entries, CO_A.replace('AAAA', 'CCCC'), 'Zeta')).toBeUndefined();
    expect(blacklistMatch(entries, CO_B, 'Zeta')?.id).toBe('c'.repeat(32));
  });

  it('does not match without a brand when only brands are listed', () => {
    expect(blacklistMatch(entries.slice(1), CO_B)).toBeUndefined();
  });
});

describe('contact history', () => {
  const contact = (
    at: number,
    company = CO_A,
    outcome: ContactRecord['outcome'] = 'delivered',
  ): ContactRecord => ({
    company,
    channel: 'email',
    category: 'travel',
    at,
    outcome,
  });

  it('counts delivered contacts of the rolling week only', () => {
    const week = 7 * 24 * 3600;
    const history = parseContactHistory([
      contact(T0 - week - 1),
      contact(T0 - week),
      contact(T0 - 10),
      contact(T0 - 5, CO_B),
      contact(T0 - 3, CO_A, 'hidden'),
      contact(T0),
    ]);
    expect(contactsInLastWeek(history, T0, CO_A)).toBe(2);
    expect(contactsInLastWeek(history, T0)).toBe(3);
  });

  it('rejects a contact with an unknown outcome', () => {
    expect(codeOf(() => parseContactHistory([{ ...contact(T0), outcome: 'lost' }]))).toBe(
      'ERR_PROFILE_INVALID',
    );
  });
});

describe('companyCap', () => {
  it('prefers the company’s own cap, else the profile’s per-company cap', () => {
    const p = validProfile();
    expect(companyCap(p, CO_A)).toBe(1);
    expect(companyCap(p, CO_B)).toBe(2);
    expect(companyCap({ ...p, caps: { perWeek: null, perCompanyPerWeek: null } }, CO_B)).toBeNull();
  });
});
