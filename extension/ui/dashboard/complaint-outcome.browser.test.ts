import { describe, expect, it } from 'vitest';
import { ProtocolError, type ProtocolErrorCode } from '../../../protocol/errors';
import {
  complaintOutcome,
  failedComplaint,
  retryWaitMinutes,
  underWayOutcome,
  type StoredComplaint,
} from './complaint-outcome';

const exp = Date.UTC(2026, 10, 2, 12) / 1000;
const failed = (code: ProtocolErrorCode) => new ProtocolError(code, 'failed');
/** Signed and written before it was sent, with the code the outbox kept (none: not written). */
const underWay = (error?: string): StoredComplaint => ({
  state: 'draft',
  exp,
  ...(error === undefined ? {} : { error }),
});

describe('complaintOutcome', () => {
  it.each<[string, unknown, StoredComplaint | undefined | null, string]>([
    [
      'a second complaint, whatever the listing says',
      failed('ERR_COMPLAINT_DUPLICATE'),
      null,
      'duplicate',
    ],
    [
      'a listing that cannot be read again',
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      null,
      'unconfirmed',
    ],
    [
      'a complaint submitted, the listing after it failing',
      failed('ERR_VAULT_STORAGE_FAILED'),
      { state: 'submitted' },
      'submitted',
    ],
    [
      'no answer from the clearinghouse',
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      underWay('ERR_CLEARINGHOUSE_UNREACHABLE'),
      'unreachable',
    ],
    ['a 429', failed('ERR_RATE_LIMITED'), underWay('ERR_RATE_LIMITED'), 'busy'],
    [
      "a gateway's 503 naming a wait (read as no answer, but the resend waits for it)",
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), retryAt: exp + 120 },
      'busy',
    ],
    [
      "a gateway's 503 without a wait (an answer, its code not ours)",
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), answerStatus: 503 },
      'busy',
    ],
    [
      "a gateway's 502 (it did not reach the clearinghouse)",
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), answerStatus: 502 },
      'unreachable',
    ],
    [
      "the clearinghouse's own `internal` 500",
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), answerStatus: 500 },
      'busy',
    ],
    [
      'no answer, kept by a version that kept no status either',
      failed('ERR_CLEARINGHOUSE_UNREACHABLE'),
      { state: 'draft', exp, error: 'ERR_CLEARINGHOUSE_UNREACHABLE' },
      'unreachable',
    ],
    ['a 503', failed('ERR_STORAGE_UNAVAILABLE'), underWay('ERR_STORAGE_UNAVAILABLE'), 'busy'],
    ['a 500', failed('ERR_STORAGE_WRITE_FAILED'), underWay('ERR_STORAGE_WRITE_FAILED'), 'busy'],
    [
      'a vault failing after the answer came (the kept code counts, not the thrown one)',
      failed('ERR_VAULT_STORAGE_FAILED'),
      underWay(),
      'underWay',
    ],
    [
      'a background that stopped answering',
      new Error('The message port closed before a response was received.'),
      underWay(),
      'underWay',
    ],
    [
      'a thrown code beside a kept one',
      failed('ERR_VAULT_STORAGE_FAILED'),
      underWay('ERR_CLEARINGHOUSE_UNREACHABLE'),
      'unreachable',
    ],
    [
      'a refusal (kept with its code, not under way)',
      failed('ERR_EVIDENCE_INVALID'),
      { state: 'draft', error: 'ERR_EVIDENCE_INVALID' },
      'refused',
    ],
    ['a refusal before anything was stored', failed('ERR_MESSAGE_INVALID'), undefined, 'refused'],
    ['a discarded draft', failed('ERR_VAULT_LOCKED'), { state: 'discarded' }, 'refused'],
  ])('tells %s', (_case, error, stored, outcome) => {
    expect(complaintOutcome(error, stored)).toBe(outcome);
  });
});

describe('underWayOutcome', () => {
  it('says why a complaint under way is not taken yet, as complaintOutcome does after a failure', () => {
    const cases = [
      ['no answer', underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), 'unreachable'],
      [
        "a gateway's 504 (no answer in time behind it)",
        { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), answerStatus: 504 },
        'unreachable',
      ],
      [
        "a gateway's 503",
        { ...underWay('ERR_CLEARINGHOUSE_UNREACHABLE'), answerStatus: 503 },
        'busy',
      ],
      [
        'a 504 of the clearinghouse’s own',
        { ...underWay('ERR_STORAGE_UNAVAILABLE'), answerStatus: 504 },
        'busy',
      ],
      ['a 429', { ...underWay('ERR_RATE_LIMITED'), answerStatus: 429 }, 'busy'],
      ['a 429 kept before its status was', underWay('ERR_RATE_LIMITED'), 'busy'],
      ['nothing kept', underWay(), 'underWay'],
    ] as const;
    for (const [name, stored, outcome] of cases) {
      expect(underWayOutcome(stored), name).toBe(outcome);
      expect(complaintOutcome(failed('ERR_VAULT_STORAGE_FAILED'), stored), name).toBe(outcome);
    }
  });
});

describe('retryWaitMinutes', () => {
  it('counts the whole minutes left of the wait the clearinghouse named, and none once it is over or unnamed', () => {
    const now = (exp - 300) * 1000;
    const waiting = (retryAt: number): StoredComplaint => ({
      ...underWay('ERR_RATE_LIMITED'),
      retryAt,
    });
    const cases = [
      ['a second left', waiting(exp - 299), 1],
      ['a minute left', waiting(exp - 240), 1],
      ['a minute and a second left', waiting(exp - 239), 2],
      ['the wait over this very second', waiting(exp - 300), undefined],
      ['the wait long over', waiting(exp - 900), undefined],
      ['no wait named', underWay('ERR_RATE_LIMITED'), undefined],
      ['nothing stored', undefined, undefined],
      ['a listing that could not be read', null, undefined],
    ] as const;
    for (const [name, stored, minutes] of cases)
      expect(retryWaitMinutes(stored, now), name).toBe(minutes);
  });
});

describe('failedComplaint', () => {
  it('reads the listing again for the outcome and the wait, and is unconfirmed when that fails', async () => {
    const waiting = { ...underWay('ERR_RATE_LIMITED'), retryAt: exp + 90 };
    expect(
      await failedComplaint(failed('ERR_RATE_LIMITED'), async () => ({
        stored: waiting,
        nowMs: exp * 1000,
      })),
    ).toEqual({ outcome: 'busy', wait: 2 });
    expect(
      await failedComplaint(failed('ERR_CLEARINGHOUSE_UNREACHABLE'), () =>
        Promise.reject(new Error('the listing failed too')),
      ),
    ).toEqual({ outcome: 'unconfirmed', wait: undefined });
  });
});
