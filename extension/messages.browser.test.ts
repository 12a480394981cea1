import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError, ProtocolError } from '../protocol/errors';
import { errorResponseFor, parseRequest, parseResponse } from './messages';

/** The code a call fails with, or 'none'; any exception but a ProtocolError fails the test. */
function codeOf(call: () => unknown): string {
  try {
    call();
    return 'none';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    return e.code;
  }
}

describe('parseRequest', () => {
  it('accepts a ping', () => {
    expect(parseRequest({ type: 'ping' })).toEqual({ type: 'ping' });
  });

  it.each([
    { name: 'an unknown field', message: { type: 'ping', extra: 1 }, code: 'ERR_MESSAGE_INVALID' },
    { name: 'an unknown type', message: { type: 'pong' }, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    { name: 'a non-string type', message: { type: 42 }, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    { name: 'no type', message: {}, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    { name: 'a string', message: 'ping', code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    { name: 'null', message: null, code: 'ERR_MESSAGE_KIND_UNKNOWN' },
    { name: 'an array', message: [{ type: 'ping' }], code: 'ERR_MESSAGE_KIND_UNKNOWN' },
  ])('rejects $name with $code', ({ message, code }) => {
    expect(codeOf(() => parseRequest(message))).toBe(code);
  });

  it('knows no test-hook message when built without the test target (fail closed)', () => {
    // Vitest does not set __BUILD_TARGET__, so ./build falls back to a shipped target.
    expect(codeOf(() => parseRequest({ type: 'test.clock.set', now: 0 }))).toBe(
      'ERR_MESSAGE_KIND_UNKNOWN',
    );
    expect(codeOf(() => parseRequest({ type: 'test.clock.reset' }))).toBe(
      'ERR_MESSAGE_KIND_UNKNOWN',
    );
  });

  it('turns any input into a request or a ProtocolError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ type: fc.constantFrom('ping', 'test.clock.set') }, { requiredKeys: [] }),
        ),
        (value) => {
          try {
            expect(parseRequest(value)).toEqual({ type: 'ping' });
          } catch (e) {
            expect(isProtocolError(e)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('parseResponse', () => {
  const ping = { type: 'ping' } as const;

  it('accepts the pong answering a ping', () => {
    const pong = { type: 'pong', version: '0.1.0', now: 1_700_000_000_000 };
    expect(parseResponse(ping, pong)).toEqual(pong);
  });

  it('rethrows an error answer with its code', () => {
    expect(codeOf(() => parseResponse(ping, errorResponseFor('ERR_MESSAGE_KIND_UNKNOWN')))).toBe(
      'ERR_MESSAGE_KIND_UNKNOWN',
    );
  });

  it.each([
    { name: 'an error with an unknown code', answer: { type: 'error', code: 'ERR_NOPE' } },
    {
      name: 'a version that is not a manifest version',
      answer: { type: 'pong', version: '1.0<script>', now: 1 },
    },
    {
      name: 'an overlong version',
      answer: { type: 'pong', version: '1.'.repeat(40) + '1', now: 1 },
    },
    { name: 'a fractional time', answer: { type: 'pong', version: '0.1.0', now: 1.5 } },
    {
      name: 'a time beyond the Date range',
      answer: { type: 'pong', version: '0.1.0', now: 8.64e15 + 1 },
    },
    { name: 'an extra field', answer: { type: 'pong', version: '0.1.0', now: 1, debug: true } },
    { name: 'no answer at all', answer: undefined },
  ])('rejects $name as ERR_MESSAGE_INVALID', ({ answer }) => {
    expect(codeOf(() => parseResponse(ping, answer))).toBe('ERR_MESSAGE_INVALID');
  });
});
