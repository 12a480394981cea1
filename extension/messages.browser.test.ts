import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProtocolError, ProtocolError } from '../protocol/errors';
import { channelIds } from '../protocol/vocabulary';
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

describe('the Assistant’s vault messages', () => {
  const CO = `co_${'A'.repeat(43)}`;

  it.each([
    { type: 'vault.status' },
    { type: 'vault.create', passphrase: 'correct horse battery staple' },
    { type: 'vault.wipe', confirm: true },
    { type: 'blacklist.add', target: { kind: 'company', company: CO }, reason: 'too_frequent' },
    { type: 'blacklist.remove', id: 'a'.repeat(32) },
    { type: 'backup.restore', file: '{}', passphrase: 'x', replace: false },
  ])('accepts $type', (message) => {
    expect(parseRequest(message)).toEqual(message);
  });

  it.each([
    { name: 'a wipe without confirmation', message: { type: 'vault.wipe', confirm: false } },
    {
      name: 'an overlong passphrase',
      message: { type: 'vault.unlock', passphrase: 'x'.repeat(1025) },
    },
    { name: 'a profile that does not parse', message: { type: 'profile.set', profile: { v: 1 } } },
    {
      name: 'a blacklist entry with a chosen id',
      message: {
        type: 'blacklist.add',
        id: 'a'.repeat(32),
        target: { kind: 'brand', brand: 'A' },
        reason: 'other',
      },
    },
    { name: 'a malformed entry id', message: { type: 'blacklist.remove', id: '../etc' } },
  ])('rejects $name as ERR_MESSAGE_INVALID', ({ message }) => {
    expect(codeOf(() => parseRequest(message))).toBe('ERR_MESSAGE_INVALID');
  });

  it('pairs each request with its own answer type', () => {
    const status = { type: 'vault.status', state: 'locked', counts: null, language: null };
    expect(parseResponse({ type: 'vault.lock' }, status)).toEqual(status);
    expect(codeOf(() => parseResponse({ type: 'backup.export' }, status))).toBe(
      'ERR_MESSAGE_INVALID',
    );
    expect(parseResponse({ type: 'blacklist.remove', id: 'a'.repeat(32) }, { type: 'ok' })).toEqual(
      { type: 'ok' },
    );
  });

  it('carries a complaint’s submission time and the wait a busy clearinghouse named to the views', () => {
    const complaint = {
      id: 'E'.repeat(43),
      about: 'disclosure',
      company: `co_${'A'.repeat(43)}`,
      pseudonym: `ps_${'P'.repeat(43)}`,
      reasons: ['misleading'],
      createdAt: 1_790_000_000,
      state: 'submitted',
      sha256: `${'F'.repeat(42)}A`,
      submittedAt: 1_790_000_600,
    };
    const { sha256: _sha256, submittedAt: _submittedAt, ...written } = complaint;
    const underWay = {
      ...written,
      id: `${'G'.repeat(42)}A`,
      state: 'draft',
      error: 'ERR_RATE_LIMITED',
      exp: 1_790_000_300,
      retryAt: 1_790_000_060,
      // The answer's status, which tells a gateway's 5xx from no answer (dropped before too).
      answerStatus: 429,
    };
    const relationships = {
      type: 'relationships',
      items: [],
      damaged: [],
      now: 0,
      disclosureComplaints: [complaint, underWay],
    };
    // Failed before: both fields were dropped at the boundary (the draft's schema strips them).
    expect(parseResponse({ type: 'relationships.list', refresh: false }, relationships)).toEqual(
      relationships,
    );
  });

  it('refuses a created answer whose phrase is not 24 words', () => {
    expect(
      codeOf(() =>
        parseResponse(
          { type: 'vault.create', passphrase: 'p' },
          { type: 'vault.created', phrase: 'one two' },
        ),
      ),
    ).toBe('ERR_MESSAGE_INVALID');
  });
});

describe('the consent window’s answer with channels to allow in the profile', () => {
  const ticket = 'a'.repeat(32);
  const choice = {
    decision: 'grant',
    scopes: [
      {
        include: true,
        channels: ['newsletter'],
        dataCategories: [],
        maxContactsPerWeek: null,
        retentionDays: 30,
        onwardRecipients: [],
      },
    ],
    preferredChannel: 'newsletter',
    days: 365,
  };

  it.each([[['newsletter']], [['newsletter', 'email']]])(
    'accepts an answer allowing %j',
    (allowChannels) => {
      const message = {
        type: 'wallet.answer',
        ticket,
        choice,
        ...(allowChannels === undefined ? {} : { allowChannels }),
      };
      expect(parseRequest(message)).toEqual(message);
    },
  );

  it.each([
    ['an unknown channel', ['carrier_pigeon']],
    ['a channel twice', ['newsletter', 'newsletter']],
    ['no channel at all', []],
    ['a number', [1]],
    ['a string instead of a list', 'newsletter'],
    // Longer than the vocabulary (channelsToAllow's bound), so some channel comes twice: of known
    // channels, each once, no list can exceed the bound, which thus never refuses one alone.
    ['every channel and one of them again', [...channelIds, 'email']],
  ])(
    'takes channels of the vocabulary to allow, each once, and refuses %s as ERR_MESSAGE_INVALID',
    (_name, allowChannels) => {
      const valid = { type: 'wallet.answer', ticket, choice, allowChannels: ['newsletter'] };
      expect(parseRequest(valid)).toEqual(valid);
      expect(codeOf(() => parseRequest({ ...valid, allowChannels }))).toBe('ERR_MESSAGE_INVALID');
    },
  );

  it('tells the window whether the profile changed, and takes nothing else', () => {
    const answer = { type: 'wallet.answer', ticket, choice } as const;
    const granted = { outcome: 'granted', receipt: 'A'.repeat(43) };
    for (const profileChannels of ['allowed', 'failed'])
      expect(
        parseResponse(answer as never, {
          type: 'bridge.outcome',
          outcome: granted,
          profileChannels,
        }),
      ).toMatchObject({ profileChannels });
    expect(
      codeOf(() =>
        parseResponse(answer as never, {
          type: 'bridge.outcome',
          outcome: granted,
          profileChannels: 'maybe',
        }),
      ),
    ).toBe('ERR_MESSAGE_INVALID');
  });

  // What the background tells the consent window alone beside the outcome: a refusal's end
  // (whole epoch seconds or null), an earlier answer sent in place of this one, an answer the
  // restored backup does not hold (`true` only: absent is how "no" is said).
  it.each<[string, string, unknown, boolean]>([
    ['a date in epoch seconds', 'askAgainAfter', 1_751_123_200, true],
    ['none (a refusal without one)', 'askAgainAfter', null, true],
    ['a fraction of a second', 'askAgainAfter', 1_751_123_200.5, false],
    ['a date before 1970', 'askAgainAfter', -1, false],
    ['a date as text', 'askAgainAfter', '2025-06-28', false],
    ['true', 'earlierAnswer', true, true],
    ['false', 'earlierAnswer', false, false],
    ['a string', 'earlierAnswer', 'yes', false],
    ['true', 'answerNotKept', true, true],
    ['false', 'answerNotKept', false, false],
    ['a string', 'answerNotKept', 'yes', false],
    ['a number', 'answerNotKept', 1, false],
  ])('tells the window, beside the outcome, %s as %s', (_case, name, value, taken) => {
    const answer = { type: 'wallet.answer', ticket, choice } as const;
    const response = { type: 'bridge.outcome', outcome: { outcome: 'refused' }, [name]: value };
    if (taken) expect(parseResponse(answer as never, response)).toEqual(response);
    else expect(codeOf(() => parseResponse(answer as never, response))).toBe('ERR_MESSAGE_INVALID');
  });
});

describe('the profile’s request for the offers’ category codes', () => {
  const request = { type: 'offers.categories' } as const;

  it('takes no other field', () => {
    expect(parseRequest(request)).toEqual(request);
    expect(codeOf(() => parseRequest({ ...request, markSeen: false }))).toBe('ERR_MESSAGE_INVALID');
  });

  it.each<[string, unknown, boolean]>([
    ['no code', [], true],
    ['codes, each once', ['travel/rail', 'sports'], true],
    ['a code twice', ['travel/rail', 'travel/rail'], false],
    ['a code that is no category', ['Travel Rail'], false],
    ['an overlong code', ['a'.repeat(101)], false],
    ['a number', [1], false],
  ])('answers with %s: taken %s', (_case, categories, taken) => {
    const response = { type: 'offers.categories', categories };
    if (taken) expect(parseResponse(request, response)).toEqual(response);
    else expect(codeOf(() => parseResponse(request, response))).toBe('ERR_MESSAGE_INVALID');
  });
});
