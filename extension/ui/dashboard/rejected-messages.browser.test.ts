/**
 * Grouping the messages the clearinghouse lists that the customer's key did not sign, by kind
 * and reason, so the view says one line for a hundred that failed alike.
 */
import { describe, expect, it } from 'vitest';
import type { RejectedMessage } from '../../core/own-messages';
import { rejectedMessageGroups } from './rejected-messages';

const h = (c: string) => c.repeat(43);
const rejected = (n: number, kind: RejectedMessage['kind'], code: RejectedMessage['code']) =>
  ({ kind, sha256: h(String(n)), code }) satisfies RejectedMessage;

describe('rejectedMessageGroups', () => {
  it('groups by kind and code in the order each pair first appears, counting each', () => {
    expect(
      rejectedMessageGroups([
        rejected(1, 'grant', 'ERR_JWS_SIGNATURE_INVALID'),
        rejected(2, 'revocation', 'ERR_JWS_SIGNATURE_INVALID'),
        rejected(3, 'grant', 'ERR_MESSAGE_INVALID'),
        rejected(4, 'grant', 'ERR_JWS_SIGNATURE_INVALID'),
        rejected(5, 'grant', 'ERR_JWS_SIGNATURE_INVALID'),
      ]),
    ).toEqual([
      { kind: 'grant', code: 'ERR_JWS_SIGNATURE_INVALID', count: 3 },
      { kind: 'revocation', code: 'ERR_JWS_SIGNATURE_INVALID', count: 1 },
      { kind: 'grant', code: 'ERR_MESSAGE_INVALID', count: 1 },
    ]);
  });

  it('has no group when nothing was rejected', () => {
    expect(rejectedMessageGroups([])).toEqual([]);
  });
});
