import { describe, expect, it } from 'vitest';
import { base64urlEncode, utf8Decode, utf8Encode } from '../encoding';
import { ProtocolError } from '../errors';
import {
  decodeLogEntry,
  encodeLogEntry,
  loggedKinds,
  MAX_LOG_ENTRY_SIZE,
  type LogEntry,
} from './entry';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { isMessageKind } from '../messages';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
}

const hash = (label: string) => base64urlEncode(nobleSha256(utf8Encode(label)));
const entry: LogEntry = {
  v: 1,
  kind: 'grant',
  company: `co_${hash('company')}`,
  pseudonym: `ps_${hash('customer')}`,
  time: 1767225600,
  sha256: hash('message'),
};

describe('log entries', () => {
  it('knows exactly the thirteen logged kinds of SPECS, each a message kind', () => {
    expect(loggedKinds).toHaveLength(13);
    for (const kind of loggedKinds) expect(isMessageKind(kind)).toBe(true);
    for (const kind of ['offer', 'access', 'blacklist', 'correction', 'reward', 'request']) {
      expect(loggedKinds).not.toContain(kind);
    }
  });

  it('encode as canonical JSON: keys sorted, no spaces', () => {
    const text = utf8Decode(encodeLogEntry(entry));
    expect(text).toBe(
      `{"company":"${entry.company}","kind":"grant","pseudonym":"${entry.pseudonym}","sha256":"${entry.sha256}","time":1767225600,"v":1}`,
    );
    // The same bytes as sorting the keys and stringifying.
    const sorted = Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(text).toBe(JSON.stringify(sorted));
    expect(encodeLogEntry(entry).length).toBeLessThanOrEqual(MAX_LOG_ENTRY_SIZE);
  });

  it.each(loggedKinds)('round-trips a %s entry, with and without a pseudonym', (kind) => {
    for (const pseudonym of [entry.pseudonym, null]) {
      const e = { ...entry, kind, pseudonym };
      expect(decodeLogEntry(encodeLogEntry(e))).toEqual(e);
    }
  });

  it.each([
    ['an unlogged kind', { kind: 'offer' }],
    ['an unknown kind', { kind: 'grantx' }],
    ['v 2', { v: 2 }],
    ['a company that is not an id', { company: 'co_short' }],
    ['a pseudonym as company', { company: entry.pseudonym }],
    ['a company as pseudonym', { pseudonym: entry.company }],
    ['an empty pseudonym', { pseudonym: '' }],
    ['a fractional time', { time: 1.5 }],
    ['a negative time', { time: -1 }],
    ['a time past 9999', { time: 253_402_300_800 }],
    ['a padded hash', { sha256: `${entry.sha256}=` }],
    ['a hash with non-zero trailing bits', { sha256: `${entry.sha256.slice(0, 42)}B` }],
  ])('refuses to encode an entry with %s', (_what, change) => {
    expect(codeOf(() => encodeLogEntry({ ...entry, ...change } as LogEntry))).toBe(
      'ERR_LOG_ENTRY_INVALID',
    );
  });

  const canonical = utf8Decode(encodeLogEntry(entry));
  it.each([
    ['a space', canonical.replace(',"kind"', ', "kind"')],
    [
      'keys out of order',
      canonical.replace(/^\{"company":("[^"]*"),"kind":("[^"]*")/, '{"kind":$2,"company":$1'),
    ],
    ['an escaped character', canonical.replace('"grant"', '"gr\\u0061nt"')],
    ['an extra member', canonical.replace('"v":1}', '"v":1,"x":0}')],
    ['a missing member', canonical.replace(',"v":1}', '}')],
    ['a duplicate member', canonical.replace('"v":1}', '"v":1,"v":1}')],
    ['time as a string', canonical.replace('1767225600', '"1767225600"')],
    ['time with an exponent', canonical.replace('1767225600', '1.7672256e9')],
    ['a trailing newline', `${canonical}\n`],
    ['an array', '[]'],
    ['null', 'null'],
    ['not JSON', '{'],
    ['a __proto__ member', canonical.replace('"v":1}', '"v":1,"__proto__":{}}')],
  ])('refuses to decode an entry with %s', (_what, text) => {
    expect(codeOf(() => decodeLogEntry(utf8Encode(text)))).toBe('ERR_LOG_ENTRY_INVALID');
  });

  it('refuses entries over 1 KiB and bytes that are not UTF-8', () => {
    expect(codeOf(() => decodeLogEntry(new Uint8Array(MAX_LOG_ENTRY_SIZE + 1).fill(0x20)))).toBe(
      'ERR_LOG_ENTRY_INVALID',
    );
    expect(codeOf(() => decodeLogEntry(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe(
      'ERR_LOG_ENTRY_INVALID',
    );
  });
});
