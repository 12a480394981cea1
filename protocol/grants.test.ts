import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors';
import {
  activeGrant,
  assertCoverage,
  checkCoverage,
  coverageRules,
  inWindow,
  localTime,
  type CoverageQuery,
  type GrantRevocation,
} from './grants';
import { parseMessage, type GrantPayload, type RevocationPayload } from './messages';
import { exampleIds, exampleMessages, exampleTimes } from './messages/examples';
import vectors from './test-vectors/coverage.json';
import { channelIds, purposeIds } from './vocabulary';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

/** The vector grants, each parsed as a `grant` message first: the vectors must be valid. */
const vectorGrants = Object.fromEntries(
  Object.entries(vectors.grants).map(([name, payload]) => [name, parseMessage('grant', payload)]),
) as Record<string, GrantPayload>;

function vectorGrant(name: string): GrantPayload {
  const grant = vectorGrants[name];
  if (grant === undefined) throw new Error(`no vector grant ${name}`);
  return grant;
}

describe('coverage vectors (protocol/test-vectors/coverage.json)', () => {
  it('include a daylight-saving case in Europe/Berlin', () => {
    expect(vectors.cases.some((c) => /spring|autumn/.test(c.name))).toBe(true);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const grant = vectorGrant(c.grant);
    const input =
      'revocations' in c && c.revocations !== undefined
        ? { grant, revocations: c.revocations as GrantRevocation[] }
        : grant;
    const result = checkCoverage(input, c.query as CoverageQuery);
    if (c.expected.covered) {
      expect(result).toEqual({ covered: true });
      expect(() => assertCoverage(input, c.query as CoverageQuery)).not.toThrow();
    } else {
      expect(result.covered).toBe(false);
      expect(result.covered === false && result.rule).toBe((c.expected as { rule: string }).rule);
      let thrown: unknown;
      try {
        assertCoverage(input, c.query as CoverageQuery);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(ProtocolError);
      expect((thrown as ProtocolError).code).toBe('ERR_GRANT_NOT_COVERED');
      expect((thrown as ProtocolError).detail?.['rule']).toBe(
        (c.expected as { rule: string }).rule,
      );
    }
  });

  it.each(vectors.errors.map((c) => [c.name, c] as const))('refuses a query with %s', (_n, c) => {
    expect(codeOf(() => checkCoverage(vectorGrant(c.grant), c.query))).toBe(c.code);
  });
});

describe('checkCoverage', () => {
  const grant = exampleMessages.grant; // newsletter, Mon-Fri 18:00-21:00 Berlin, cap 2
  const mondayEvening = 1_767_634_200; // 2026-01-05T17:30:00Z = 18:30 CET

  it('covers the example grant inside its window and under its cap', () => {
    expect(
      checkCoverage(grant, {
        purpose: 'product_launch',
        channel: 'newsletter',
        at: mondayEvening,
        contactsInLast7Days: 1,
      }),
    ).toEqual({ covered: true });
  });

  it('reports the rule and a detail that names the offending value', () => {
    const result = checkCoverage(grant, {
      purpose: 'product_launch',
      channel: 'email', // asked for, narrowed away in the grant
      at: mondayEvening,
      contactsInLast7Days: 0,
    });
    expect(result).toMatchObject({ covered: false, rule: 'channel' });
    expect(result.covered === false && result.detail).toContain("'email'");
  });

  it('bounds attacker-chosen strings in the detail', () => {
    const result = checkCoverage(grant, {
      purpose: 'x'.repeat(10_000),
      channel: 'newsletter',
      at: mondayEvening,
    });
    expect(result.covered === false && result.detail.length).toBeLessThan(200);
  });

  it('checks the whole-grant lifetime before the scopes', () => {
    const before = { purpose: 'nothing', channel: 'nothing', at: exampleTimes.iat - 1 };
    expect(checkCoverage(grant, before)).toMatchObject({ rule: 'not_yet_valid' });
    const after = { ...before, at: exampleTimes.until };
    expect(checkCoverage(grant, after)).toMatchObject({ rule: 'expired' });
  });

  it('refuses a query time that is not whole seconds in range', () => {
    for (const at of [Number.NaN, Infinity, 1.5, -1, 1e15, '1767634200' as unknown as number]) {
      expect(
        codeOf(() =>
          checkCoverage(grant, { purpose: 'product_launch', channel: 'newsletter', at }),
        ),
      ).toBe('ERR_COVERAGE_QUERY_INVALID');
    }
  });

  it('answers an unparsed grant with a bad time zone with a ProtocolError', () => {
    const broken = structuredClone(grant) as GrantPayload;
    (broken.scopes[0] as { conditions: { timeZone: string } }).conditions.timeZone = 'Nowhere/Land';
    expect(
      codeOf(() =>
        checkCoverage(broken, {
          purpose: 'product_launch',
          channel: 'newsletter',
          at: mondayEvening,
          contactsInLast7Days: 0,
        }),
      ),
    ).toBe('ERR_MESSAGE_INVALID');
  });

  it('never throws and always names a known rule, for any query on a parsed grant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...purposeIds, 'unknown', '__proto__'),
        fc.constantFrom(...channelIds, 'unknown'),
        fc.integer({ min: exampleTimes.iat - 86_400, max: exampleTimes.until + 86_400 }),
        fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        (purpose, channel, at, contacts) => {
          const query: CoverageQuery =
            contacts === undefined
              ? { purpose, channel, at }
              : { purpose, channel, at, contactsInLast7Days: contacts };
          const result = checkCoverage(grant, query);
          if (!result.covered) expect(coverageRules).toContain(result.rule);
          else {
            // Covered implies every rule holds.
            expect(purpose).toBe('product_launch');
            expect(channel).toBe('newsletter');
            expect(contacts).toBeLessThan(2);
            const local = localTime(at, 'Europe/Berlin');
            expect(local.day).toBeLessThanOrEqual(5);
            expect(local.minute).toBeGreaterThanOrEqual(18 * 60);
            expect(local.minute).toBeLessThan(21 * 60);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('activeGrant', () => {
  const grant = exampleMessages.grant;
  const grantSha256 = 'iNg2RrvuZ_dx5lQoIoTcomXl5nz6Yw8f3y5ilxnGpH4';
  const revocation: RevocationPayload = {
    ...exampleMessages.revocation,
    iat: exampleTimes.iat + 10,
    exp: exampleTimes.iat + 300,
    grants: [{ grantSha256 }],
  };
  const query: CoverageQuery = {
    purpose: 'product_launch',
    channel: 'newsletter',
    at: 1_767_634_200,
    contactsInLast7Days: 0,
  };

  it('applies a revocation of this grant from its iat', () => {
    const active = activeGrant(grant, grantSha256, [revocation]);
    expect(active.revocations).toEqual([{ at: exampleTimes.iat + 10 }]);
    expect(checkCoverage(active, query)).toMatchObject({ rule: 'revoked' });
  });

  it('applies a revocation of all grants', () => {
    const all = { ...revocation, grants: 'all' as const };
    expect(checkCoverage(activeGrant(grant, grantSha256, [all]), query)).toMatchObject({
      rule: 'revoked',
    });
  });

  it('does not apply a revocation of all grants to a grant given after it', () => {
    // The customer revoked everything, was asked again later and granted anew.
    const all = { ...revocation, grants: 'all' as const, iat: grant.iat - 86_400 };
    const active = activeGrant(grant, grantSha256, [all]);
    expect(active.revocations).toEqual([]);
    expect(checkCoverage(active, query)).toEqual({ covered: true });
    // Signed in the same second as the grant: it applies (the revocation wins a tie).
    expect(activeGrant(grant, grantSha256, [{ ...all, iat: grant.iat }]).revocations).toEqual([
      { at: grant.iat },
    ]);
  });

  it('keeps the purposes of a partial revocation', () => {
    const partial = { ...revocation, grants: [{ grantSha256, purposes: ['win_back' as const] }] };
    const active = activeGrant(grant, grantSha256, [partial]);
    expect(active.revocations).toEqual([{ at: exampleTimes.iat + 10, purposes: ['win_back'] }]);
    expect(checkCoverage(active, query)).toEqual({ covered: true });
  });

  it('ignores revocations of other grants, by other pseudonyms or to other companies', () => {
    const otherGrant = { ...revocation, grants: [{ grantSha256: 'A'.repeat(43) }] };
    const otherSigner = { ...revocation, iss: exampleIds.pseudonym.replace('ps_R', 'ps_S') };
    const otherCompany = { ...revocation, aud: exampleIds.company.replace('co__', 'co_A') };
    const active = activeGrant(grant, grantSha256, [otherGrant, otherSigner, otherCompany]);
    expect(active.revocations).toEqual([]);
    expect(checkCoverage(active, query)).toEqual({ covered: true });
  });
});

describe('localTime', () => {
  it('agrees with UTC calendar fields for any instant in UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (at) => {
        const date = new Date(at * 1000);
        const day = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
        expect(localTime(at, 'UTC')).toEqual({
          day,
          minute: date.getUTCHours() * 60 + date.getUTCMinutes(),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with Intl wall-clock fields in zones with DST, half-hour and quarter-hour offsets', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe', // DST shift of 30 minutes
      'Asia/Kathmandu', // +05:45
      'America/St_Johns', // -03:30 with DST
      'Pacific/Chatham', // +12:45 with DST
    ];
    const reference = new Map(
      zones.map((timeZone) => [
        timeZone,
        new Intl.DateTimeFormat('en-US', {
          timeZone,
          weekday: 'short',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }),
      ]),
    );
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        // 2000..2040, biased towards the seconds around quarter hours where transitions happen
        fc.oneof(
          fc.integer({ min: 946_684_800, max: 2_208_988_800 }),
          fc
            .integer({ min: 1_052_000, max: 2_454_000 })
            .chain((q) => fc.integer({ min: -2, max: 2 }).map((d) => q * 900 + d)),
        ),
        (timeZone, at) => {
          const parts = reference.get(timeZone)!.formatToParts(new Date(at * 1000));
          const field = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
          const expected = {
            day: weekdays.indexOf(field('weekday')) + 1,
            minute: (Number(field('hour')) % 24) * 60 + Number(field('minute')),
          };
          expect(localTime(at, timeZone)).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('follows Berlin across the spring change', () => {
    expect(localTime(1_774_745_999, 'Europe/Berlin')).toEqual({ day: 7, minute: 119 }); // 01:59
    expect(localTime(1_774_746_000, 'Europe/Berlin')).toEqual({ day: 7, minute: 180 }); // 03:00
  });

  it('is exact inside a quarter hour that holds a transition (Monrovia, 1972-01-07 00:44:30 UTC)', () => {
    // Liberia left its -00:44:30 offset mid-slice; nothing from the slice may be cached.
    expect(localTime(63_592_200, 'Africa/Monrovia')).toEqual({ day: 4, minute: 23 * 60 + 45 });
    expect(localTime(63_593_069, 'Africa/Monrovia')).toEqual({ day: 4, minute: 23 * 60 + 59 });
    expect(localTime(63_593_070, 'Africa/Monrovia')).toEqual({ day: 5, minute: 44 });
    expect(localTime(63_592_200, 'Africa/Monrovia')).toEqual({ day: 4, minute: 23 * 60 + 45 });
  });

  it('reads midnight as minute 0, never 24:00', () => {
    expect(localTime(1_767_225_600, 'UTC')).toEqual({ day: 4, minute: 0 }); // Thu 2026-01-01
  });
});

describe('inWindow', () => {
  const night = { days: [5], from: '22:00', to: '02:00' };
  it.each([
    [{ day: 5, minute: 22 * 60 }, true],
    [{ day: 5, minute: 22 * 60 - 1 }, false],
    [{ day: 6, minute: 0 }, true],
    [{ day: 6, minute: 2 * 60 - 1 }, true],
    [{ day: 6, minute: 2 * 60 }, false],
    [{ day: 5, minute: 60 }, false],
  ])('a Friday-night window at %j: %s', (local, expected) => {
    expect(inWindow(night, local)).toBe(expected);
  });

  it('wraps Sunday night into Monday', () => {
    expect(inWindow({ days: [7], from: '23:00', to: '01:00' }, { day: 1, minute: 30 })).toBe(true);
  });

  it('treats 24:00 as the end of the day', () => {
    const evening = { days: [1], from: '20:00', to: '24:00' };
    expect(inWindow(evening, { day: 1, minute: 1439 })).toBe(true);
    expect(inWindow(evening, { day: 2, minute: 0 })).toBe(false);
  });
});
