import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../../protocol/client';
import { failureOf, retryAfterOf } from './clearinghouse-failures';

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
});
