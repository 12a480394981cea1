import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors';
import { exampleIds, exampleMessages, exampleTimes } from './examples';
import {
  exceedsUtf8Bytes,
  isCanonicalBase64url,
  isMessageKind,
  isTimeZone,
  limits,
  messageKinds,
  parseJsonMessage,
  parseMessage,
  schemas,
  type MessageKind,
} from './index';

/** A deep, mutable copy of an example as plain JSON data. */
function example(kind: MessageKind): Record<string, unknown> {
  return JSON.parse(JSON.stringify(exampleMessages[kind])) as Record<string, unknown>;
}

/** Runs `fn` and returns the ProtocolError it throws; fails the test on anything else. */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw new Error(`expected a ProtocolError, got ${String(e)}`);
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

function issuesOf(e: ProtocolError): string[] {
  return (e.detail?.['issues'] as string[] | undefined) ?? [];
}

/** Sets `value` at a dot path inside `root` (arrays by index). */
function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

describe('message kinds', () => {
  it('has exactly one schema and one example per kind', () => {
    expect(Object.keys(schemas).sort()).toEqual([...messageKinds].sort());
    expect(Object.keys(exampleMessages).sort()).toEqual([...messageKinds].sort());
  });

  it.each(messageKinds)(
    'accepts the example %s payload and returns an equal, fresh object',
    (kind) => {
      const input = example(kind);
      const parsed = parseMessage(kind, input);
      expect(parsed).toEqual(input);
      expect(parsed).not.toBe(input);
    },
  );

  it.each(messageKinds)('accepts the example %s payload as JSON text', (kind) => {
    expect(parseJsonMessage(kind, JSON.stringify(exampleMessages[kind]))).toEqual(example(kind));
  });

  it('refuses an unknown kind, including prototype names', () => {
    for (const kind of ['nope', '__proto__', 'toString', 'constructor', '', 'Grant']) {
      expect(isMessageKind(kind)).toBe(false);
      const e = protocolError(() => parseMessage(kind as MessageKind, example('grant')));
      expect(e.code).toBe('ERR_MESSAGE_KIND_UNKNOWN');
      expect(protocolError(() => parseJsonMessage(kind as MessageKind, '{}')).code).toBe(
        'ERR_MESSAGE_KIND_UNKNOWN',
      );
    }
    expect(protocolError(() => parseMessage(42 as unknown as MessageKind, {})).code).toBe(
      'ERR_MESSAGE_KIND_UNKNOWN',
    );
  });
});

describe('every kind', () => {
  it.each(messageKinds)('%s: refuses an unknown member at the top level', (kind) => {
    const payload = { ...example(kind), admin: true };
    const e = protocolError(() => parseMessage(kind, payload));
    expect(e.code).toBe('ERR_MESSAGE_INVALID');
    expect(issuesOf(e)).toContain('admin');
  });

  it.each(
    messageKinds.flatMap((kind) =>
      (['v', 'iss', 'aud', 'iat', 'exp', 'jti'] as const).map((claim) => [kind, claim] as const),
    ),
  )('%s: refuses a payload without the %s claim', (kind, claim) => {
    const payload = example(kind);
    delete payload[claim];
    const e = protocolError(() => parseMessage(kind, payload));
    expect(e.code).toBe('ERR_MESSAGE_INVALID');
  });

  it.each(messageKinds)('%s: refuses exp not after iat', (kind) => {
    const payload = { ...example(kind), exp: exampleTimes.iat };
    expect(protocolError(() => parseMessage(kind, payload)).code).toBe('ERR_MESSAGE_INVALID');
  });

  it.each(messageKinds)('%s: refuses another protocol version', (kind) => {
    const e = protocolError(() => parseMessage(kind, { ...example(kind), v: 2 }));
    expect(issuesOf(e)).toContain('v');
  });

  it.each(messageKinds)('%s: refuses a value that is not an object', (kind) => {
    for (const value of [null, undefined, 1, 'grant', [], [example(kind)], true]) {
      expect(protocolError(() => parseMessage(kind, value)).code).toBe('ERR_MESSAGE_INVALID');
    }
  });
});

/** [kind, path, replacement (undefined = delete), expected issue path] */
const rejections: readonly (readonly [string, MessageKind, string, unknown, string])[] = [
  // wrong types
  ['a time as a string', 'grant', 'until', '1798761600', 'until'],
  ['a fractional time', 'grant', 'iat', 1_767_225_600.5, 'iat'],
  ['a negative time', 'refusal', 'askAgainAfter', -1, 'askAgainAfter'],
  ['a time beyond year 9999', 'grant', 'until', limits.maxEpochSeconds + 1, 'until'],
  [
    'a boolean advertisement label as a string',
    'offer-content',
    'advertisement',
    'yes',
    'advertisement',
  ],
  ['a scope list that is an object', 'grant', 'scopes', {}, 'scopes'],
  // identifiers and hashes
  ['a jti in upper case', 'grant', 'jti', '00000000-0000-4000-8000-00000000000A', 'jti'],
  ['a jti of UUID version 1', 'grant', 'jti', '00000000-0000-1000-8000-000000000004', 'jti'],
  [
    'a hash with padding',
    'grant',
    'requestSha256',
    'iNg2RrvuZ_dx5lQoIoTcomXl5nz6Yw8f3y5ilxnGpH4=',
    'requestSha256',
  ],
  [
    'a hash with non-zero trailing bits',
    'grant',
    'requestSha256',
    'iNg2RrvuZ_dx5lQoIoTcomXl5nz6Yw8f3y5ilxnGpH5',
    'requestSha256',
  ],
  [
    'a hash in standard base64',
    'grant',
    'requestSha256',
    'iNg2RrvuZ/dx5lQoIoTcomXl5nz6Yw8f3y5ilxnGpH4',
    'requestSha256',
  ],
  ['a company id as issuer of a grant', 'grant', 'iss', exampleIds.company, 'iss'],
  ['a pseudonym as audience of a grant', 'grant', 'aud', exampleIds.pseudonym, 'aud'],
  ['a regulator id with a company prefix', 'suspension', 'iss', exampleIds.company, 'iss'],
  ['a clearinghouse audience with a path', 'company', 'aud', 'http://localhost:3000/', 'aud'],
  [
    'a clearinghouse audience on plain http',
    'company',
    'aud',
    'http://clearinghouse.example',
    'aud',
  ],
  ['a company domain in upper case', 'company', 'domain', 'https://Sport.example', 'domain'],
  [
    'a company domain with an impossible port',
    'company',
    'domain',
    'https://sport.example:70000',
    'domain',
  ],
  // keys
  [
    'a pseudonym key that carries its private part',
    'grant',
    'pseudonymKey.d',
    'nBiNxoStJVo9iOE2t4ZLDBudTlXieoc2KkemqKkE6Aw',
    'pseudonymKey.d',
  ],
  ['a pseudonym key of another curve', 'grant', 'pseudonymKey.crv', 'X25519', 'pseudonymKey.crv'],
  [
    'a pseudonym key of the wrong length',
    'refusal',
    'pseudonymKey',
    { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' },
    'pseudonymKey.x',
  ],
  // lengths
  [
    'a reason longer than 2000 characters',
    'grant-request',
    'reason.de',
    'a'.repeat(2001),
    'reason.de',
  ],
  ['an empty reason', 'grant-request', 'reason.en', '', 'reason.en'],
  ['an offer body longer than 8000 characters', 'offer-content', 'body', 'a'.repeat(8001), 'body'],
  ['a request path longer than 2048 characters', 'request', 'path', `/${'a'.repeat(2048)}`, 'path'],
  [
    'more than 16 scopes',
    'grant',
    'scopes',
    Array.from({ length: 17 }, () => example('grant')['scopes'] as unknown[]).flat(),
    'scopes',
  ],
  ['no scope at all', 'grant-request', 'scopes', [], 'scopes'],
  [
    'a sealed box longer than the limit',
    'offer',
    'sealed',
    'A'.repeat(limits.sealedChars + 4),
    'sealed',
  ],
  ['a sealed box shorter than its overhead', 'reward', 'sealed', 'AAAA', 'sealed'],
  ['a sealed box that is not canonical', 'correction', 'sealed', `${'A'.repeat(65)}B`, 'sealed'],
  // text hygiene
  ['a brand with a bidi override', 'offer-content', 'brand', 'Bank\u202Egnp.exe', 'brand'],
  ['a title with a control character', 'offer-content', 'title', 'Hallo\u0007', 'title'],
  // URLs
  [
    'a link with credentials',
    'offer-content',
    'link',
    'https://bank.example@evil.example/',
    'link',
  ],
  ['a plain http link off loopback', 'offer-content', 'link', 'http://sport.example/trail', 'link'],
  [
    'a javascript: unsubscribe link',
    'offer-content',
    'unsubscribe',
    'javascript:alert(1)',
    'unsubscribe',
  ],
  // scopes and conditions
  ['an unknown purpose', 'grant', 'scopes.0.purpose', 'mind_control', 'scopes.0.purpose'],
  [
    'duplicate channels',
    'grant-request',
    'scopes.0.channels',
    ['email', 'email'],
    'scopes.0.channels',
  ],
  [
    'an unknown member in conditions',
    'grant',
    'scopes.0.conditions.quietHours',
    true,
    'scopes.0.conditions.quietHours',
  ],
  [
    'a scope without a time zone',
    'grant',
    'scopes.0.conditions.timeZone',
    undefined,
    'scopes.0.conditions.timeZone',
  ],
  [
    'an unknown time zone',
    'grant',
    'scopes.0.conditions.timeZone',
    'Mars/Olympus_Mons',
    'scopes.0.conditions.timeZone',
  ],
  [
    'an offset instead of a time zone',
    'grant',
    'scopes.0.conditions.timeZone',
    '+01:00',
    'scopes.0.conditions.timeZone',
  ],
  [
    'a time window on day 8',
    'grant',
    'scopes.0.conditions.timeWindows.0.days',
    [8],
    'scopes.0.conditions.timeWindows.0.days.0',
  ],
  [
    'a time window on day 0',
    'grant',
    'scopes.0.conditions.timeWindows.0.days',
    [0],
    'scopes.0.conditions.timeWindows.0.days.0',
  ],
  [
    'a time window starting at 24:00',
    'grant',
    'scopes.0.conditions.timeWindows.0.from',
    '24:00',
    'scopes.0.conditions.timeWindows.0.from',
  ],
  [
    'a time window with seconds',
    'grant',
    'scopes.0.conditions.timeWindows.0.to',
    '21:00:00',
    'scopes.0.conditions.timeWindows.0.to',
  ],
  [
    'an empty time window',
    'grant',
    'scopes.0.conditions.timeWindows.0',
    { days: [1], from: '10:00', to: '10:00' },
    'scopes.0.conditions.timeWindows.0',
  ],
  [
    'a contact cap of zero',
    'grant',
    'scopes.0.conditions.maxContactsPerWeek',
    0,
    'scopes.0.conditions.maxContactsPerWeek',
  ],
  [
    'a contact cap above the limit',
    'grant',
    'scopes.0.conditions.maxContactsPerWeek',
    1001,
    'scopes.0.conditions.maxContactsPerWeek',
  ],
  ['a retention of zero days', 'grant', 'scopes.0.retentionDays', 0, 'scopes.0.retentionDays'],
  // variants and unions
  ['a revocation of "some"', 'revocation', 'grants', 'some', 'grants'],
  ['a retired key that also carries a key', 'company-key', 'action', 'retire', 'key'],
  [
    'an erasure answer without categories',
    'data-request-answer',
    'outcome',
    'erased',
    'dataCategories',
  ],
  ['a request with POST', 'request', 'method', 'POST', 'method'],
  ['a request path that is a full URL', 'request', 'path', 'https://evil.example/api', 'path'],
];

describe('rejections', () => {
  it.each(rejections)('refuses %s', (_name, kind, path, replacement, expectedIssue) => {
    const payload = example(kind);
    setAt(payload, path, replacement);
    const e = protocolError(() => parseMessage(kind, payload));
    expect(e.code).toBe('ERR_MESSAGE_INVALID');
    expect(e.detail?.['kind']).toBe(kind);
    expect(issuesOf(e)).toContain(expectedIssue);
  });

  it('accepts a revocation of all grants and a window that runs to the end of the day', () => {
    expect(parseMessage('revocation', { ...example('revocation'), grants: 'all' }).grants).toBe(
      'all',
    );
    const grant = example('grant');
    setAt(grant, 'scopes.0.conditions.timeWindows.0', { days: [6, 7], from: '22:00', to: '24:00' });
    expect(parseMessage('grant', grant).scopes[0]?.conditions.timeWindows?.[0]?.to).toBe('24:00');
  });

  it('accepts a partial erasure that names what it kept and why, and refuses a category in both', () => {
    const { disclosureSha256: _, ...answer } = example('data-request-answer');
    const erased = {
      ...answer,
      outcome: 'erased',
      dataCategories: ['profile', 'address'],
      erasedAt: exampleTimes.iat,
      retained: {
        dataCategories: ['purchase_history'],
        reason: { de: 'Aufbewahrungspflicht (§ 147 AO)', en: 'Retention duty (German tax law)' },
      },
    };
    const parsed = parseMessage('data-request-answer', erased);
    expect(parsed.outcome === 'erased' && parsed.retained?.dataCategories).toEqual([
      'purchase_history',
    ]);
    const both = { ...erased, retained: { ...erased.retained, dataCategories: ['address'] } };
    const e = protocolError(() => parseMessage('data-request-answer', both));
    expect(issuesOf(e)).toEqual(['retained.dataCategories']);
    const noReason = { ...erased, retained: { dataCategories: ['purchase_history'] } };
    expect(issuesOf(protocolError(() => parseMessage('data-request-answer', noReason)))).toContain(
      'retained.reason',
    );
  });

  it('accepts an open grant request addressed to the clearinghouse', () => {
    const request = { ...example('grant-request'), aud: exampleIds.clearinghouse };
    expect(parseMessage('grant-request', request).aud).toBe(exampleIds.clearinghouse);
  });

  it('never echoes the offending value in the error detail', () => {
    const secret = 'SECRET-VALUE-0123456789';
    const e = protocolError(() => parseMessage('grant', { ...example('grant'), until: secret }));
    expect(JSON.stringify(e.detail)).not.toContain(secret);
    expect(e.message).not.toContain(secret);
  });

  it('reports at most ten issue paths', () => {
    const payload: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) payload[`x${i}`] = i;
    const e = protocolError(() => parseMessage('grant', payload));
    expect(issuesOf(e).length).toBeLessThanOrEqual(10);
  });

  it('turns a throwing getter into an invalid message, not a crash', () => {
    const payload = example('grant');
    Object.defineProperty(payload, 'until', {
      enumerable: true,
      get() {
        throw new TypeError('boom');
      },
    });
    expect(protocolError(() => parseMessage('grant', payload)).code).toBe('ERR_MESSAGE_INVALID');
  });
});

describe('parseJsonMessage', () => {
  it('refuses text above 64 KiB before parsing it', () => {
    const text = JSON.stringify({ ...example('grant'), pad: 'a'.repeat(limits.jsonBytes) });
    expect(protocolError(() => parseJsonMessage('grant', text)).code).toBe('ERR_MESSAGE_TOO_LARGE');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euros = `"${'€'.repeat(22_000)}"`; // 22,002 characters, 66,002 bytes
    expect(euros.length).toBeLessThan(limits.jsonBytes);
    expect(protocolError(() => parseJsonMessage('grant', euros)).code).toBe(
      'ERR_MESSAGE_TOO_LARGE',
    );
  });

  it('maps JSON syntax errors to an invalid message', () => {
    for (const text of ['', '{', '{"v":1,}', 'undefined', "{'v':1}", '\u0000']) {
      const e = protocolError(() => parseJsonMessage('grant', text));
      expect(e.code).toBe('ERR_MESSAGE_INVALID');
      expect(issuesOf(e)).toEqual(['$']);
    }
  });

  it('refuses a __proto__ member rather than merging it', () => {
    const text = JSON.stringify(example('refusal')).replace(/^\{/, '{"__proto__":{"admin":true},');
    const e = protocolError(() => parseJsonMessage('refusal', text));
    expect(e.code).toBe('ERR_MESSAGE_INVALID');
    expect(issuesOf(e)).toContain('__proto__');
  });

  it('refuses a value that is not a string', () => {
    expect(protocolError(() => parseJsonMessage('grant', 42 as unknown as string)).code).toBe(
      'ERR_MESSAGE_INVALID',
    );
  });
});

describe('exceedsUtf8Bytes', () => {
  it.each([
    ['', 0, false],
    ['abc', 3, false],
    ['abcd', 3, true],
    ['€', 3, false],
    ['€', 2, true],
    ['😀', 4, false], // a surrogate pair is four bytes
    ['😀', 3, true],
    ['\ud800x', 4, false], // a lone surrogate is written as U+FFFD: three bytes
    ['\ud800x', 3, true],
  ] as const)('%j within %i bytes: exceeds = %s', (text, limit, expected) => {
    expect(exceedsUtf8Bytes(text, limit)).toBe(expected);
    expect(new TextEncoder().encode(text).length > limit).toBe(expected);
  });
});

describe('primitives', () => {
  it.each([
    ['', true],
    ['AQ', true],
    ['AR', false],
    ['AQI', true],
    ['AQJ', false],
    ['A', false],
    ['AQ==', false],
    ['A+', false],
  ] as const)('isCanonicalBase64url(%j) is %s', (s, expected) => {
    expect(isCanonicalBase64url(s)).toBe(expected);
  });

  it.each([
    ['Europe/Berlin', true],
    ['America/Argentina/Buenos_Aires', true],
    ['UTC', true],
    ['Etc/GMT+1', true],
    ['Mars/Olympus_Mons', false],
    ['+01:00', false],
    ['Europe/Berlin/../../etc', false],
    ['europe/berlin', false],
    ['a'.repeat(65), false],
  ] as const)('isTimeZone(%j) is %s', (name, expected) => {
    expect(isTimeZone(name)).toBe(expected);
  });
});
