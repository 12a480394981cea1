import { describe, expect, it } from 'vitest';
import { exampleMessages } from '$protocol/messages/examples';
import type { Payload } from '$protocol/messages';
import { revocationTimes } from './obligations';

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
