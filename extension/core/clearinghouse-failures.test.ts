import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../../protocol/client';
import { answerStatusOf, failureOf, retryAfterOf } from './clearinghouse-failures';

describe('failureOf', () => {
  it('keeps the code and the wait the answer asked for', () => {
    const cases = [
      [
        'a rate limit',
        new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }, '45'),
        'ERR_RATE_LIMITED',
        45,
      ],
      [
        'a database out of reach',
        new ApiProblem(503, { code: 'ERR_STORAGE_UNAVAILABLE', detail_data: { retryAfter: 5 } }),
        'ERR_STORAGE_UNAVAILABLE',
        5,
      ],
      ['a gateway’s 503', new ApiProblem(503, {}, '120'), 'ERR_CLEARINGHOUSE_UNREACHABLE', 120],
      [
        'a rate limit that says no time',
        new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }),
        'ERR_RATE_LIMITED',
        undefined,
      ],
      ['no answer', new TypeError('fetch failed'), 'ERR_CLEARINGHOUSE_UNREACHABLE', undefined],
    ] as const;
    for (const [name, e, code, retryAfter] of cases) {
      const failure = failureOf(e);
      expect(failure.code, name).toBe(code);
      expect(retryAfterOf(failure), name).toBe(retryAfter);
    }
  });

  it('keeps the status of an answer, a gateway’s too, and none when no answer came', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const cases = [
      // The client's ApiProblem for a gateway's HTML page: not JSON, no code of ours.
      [
        'a gateway’s 502',
        new ApiProblem(502, { title: 'The answer is not JSON.' }),
        'ERR_CLEARINGHOUSE_UNREACHABLE',
        502,
      ],
      ['a gateway’s 504', new ApiProblem(504, {}), 'ERR_CLEARINGHOUSE_UNREACHABLE', 504],
      [
        'the clearinghouse’s own internal 500',
        new ApiProblem(500, { code: 'internal' }),
        'ERR_CLEARINGHOUSE_UNREACHABLE',
        500,
      ],
      ['a rate limit', new ApiProblem(429, { code: 'ERR_RATE_LIMITED' }), 'ERR_RATE_LIMITED', 429],
      ['no answer', new TypeError('fetch failed'), 'ERR_CLEARINGHOUSE_UNREACHABLE', undefined],
      ['a timeout', timeout, 'ERR_CLEARINGHOUSE_UNREACHABLE', undefined],
    ] as const;
    for (const [name, e, code, status] of cases) {
      const failure = failureOf(e);
      expect(failure.code, name).toBe(code);
      expect(answerStatusOf(failure), name).toBe(status);
    }
  });

  it('keeps the wait beside the status', () => {
    expect(failureOf(new ApiProblem(503, {}, '120')).detail).toEqual({
      status: 503,
      retryAfter: 120,
    });
  });
});
