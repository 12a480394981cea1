import { describe, expect, it } from 'vitest';
import { exampleMessages } from '$protocol/messages/examples';
import type { Payload } from '$protocol/messages';
import { dataRequestDeadlineFromEnv, oneMonthAfter, revocationTimes } from './obligations';

const grantA = 'a'.repeat(43);
const grantB = 'b'.repeat(43);
const other = 'ps_' + 'o'.repeat(43);

function revocation(
  iss: string,
  iat: number,
  grants: Payload<'revocation'>['grants'],
): Payload<'revocation'> {
  return { ...structuredClone(exampleMessages.revocation), iss, iat, grants };
}

describe('revocationTimes', () => {
  const ps = exampleMessages.revocation.iss;
  const grants = new Map([
    [grantA, { pseudonym: ps, purposes: ['product_launch', 'event_invitation'] }],
    [grantB, { pseudonym: ps, purposes: ['product_launch'] }],
  ]);

  it('keeps, per grant and purpose, the earliest revocation that named it', () => {
    const times = revocationTimes(grants, [
      revocation(ps, 300, [{ grantSha256: grantA }]),
      revocation(ps, 100, [{ grantSha256: grantA, purposes: ['event_invitation'] }]),
      revocation(ps, 200, [{ grantSha256: grantB, purposes: ['product_launch'] }]),
    ]);
    expect(times.get(grantA)).toEqual(
      new Map([
        ['event_invitation', 100],
        ['product_launch', 300],
      ]),
    );
    expect(times.get(grantB)).toEqual(new Map([['product_launch', 200]]));
  });

  it("leaves out revocations of 'all' (the grants' own revoked_at says when) and other pseudonyms'", () => {
    const times = revocationTimes(grants, [
      revocation(ps, 100, 'all'),
      revocation(other, 50, [{ grantSha256: grantA }]),
    ]);
    expect(times.size).toBe(0);
  });
});

describe('oneMonthAfter', () => {
  const endOf = (year: number, month: number, day: number) => Date.UTC(year, month, day + 1) - 1;

  it('ends with the day of the same date a month later, or with the last day of a shorter month', () => {
    expect(oneMonthAfter(Date.UTC(2026, 1, 1, 10))).toBe(endOf(2026, 2, 1)); // 1 Feb: 1 Mar
    expect(oneMonthAfter(Date.UTC(2026, 0, 31, 12))).toBe(endOf(2026, 1, 28)); // 31 Jan: 28 Feb
    expect(oneMonthAfter(Date.UTC(2028, 0, 30))).toBe(endOf(2028, 1, 29)); // a leap year
    expect(oneMonthAfter(Date.UTC(2026, 2, 31, 23, 59))).toBe(endOf(2026, 3, 30)); // 31 Mar: 30 Apr
    expect(oneMonthAfter(Date.UTC(2026, 11, 15, 8))).toBe(endOf(2027, 0, 15)); // into the next year
    // Received at the very end of a day: still that day's date next month.
    expect(oneMonthAfter(Date.UTC(2026, 6, 4) - 1)).toBe(endOf(2026, 7, 3));
  });

  it('is the default; DATA_REQUEST_DEADLINE_DAYS sets a number of days instead', () => {
    expect(dataRequestDeadlineFromEnv({})).toBeUndefined();
    expect(dataRequestDeadlineFromEnv({ DATA_REQUEST_DEADLINE_DAYS: ' ' })).toBeUndefined();
    expect(dataRequestDeadlineFromEnv({ DATA_REQUEST_DEADLINE_DAYS: '14' })).toBe(14 * 86_400_000);
    for (const bad of ['0', '367', '1.5', 'month']) {
      expect(() => dataRequestDeadlineFromEnv({ DATA_REQUEST_DEADLINE_DAYS: bad })).toThrow(
        /whole number of days from 1 to 366/,
      );
    }
  });
});
