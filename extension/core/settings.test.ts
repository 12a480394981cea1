import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import {
  clearinghouseUrlProblem,
  defaultSettings,
  parseSettings,
  settingsOrDefault,
} from './settings';

describe('settings', () => {
  const url = 'http://localhost:3000';

  it('accepts the defaults and refuses out-of-range or odd values', () => {
    expect(parseSettings(defaultSettings(url))).toEqual(defaultSettings(url));
    for (const bad of [
      { autoLockMinutes: 0 },
      { autoLockMinutes: 1.5 },
      { clearinghouseUrl: 'javascript:alert(1)' },
      { clearinghouseUrl: 'https://user:pw@example.org' },
      { language: 'fr' },
      { pinnedLogKey: 'not a key' },
      { extra: true },
    ]) {
      expect(() => parseSettings({ ...defaultSettings(url), ...bad }), JSON.stringify(bad)).toThrow(
        ProtocolError,
      );
    }
    expect(
      parseSettings({
        ...defaultSettings(url),
        pinnedLogKey: 'localhost:3000/log+0123abcd+AeIyiSMc',
      }).pinnedLogKey,
    ).toBe('localhost:3000/log+0123abcd+AeIyiSMc');
  });

  it('falls back to the defaults for stored garbage', () => {
    expect(settingsOrDefault('x', url)).toEqual(defaultSettings(url));
    expect(settingsOrDefault({ autoLockMinutes: 30 }, url).autoLockMinutes).toBe(30);
    expect(settingsOrDefault({ autoLockMinutes: -3 }, url)).toEqual(defaultSettings(url));
  });

  it.each([
    ['https://clearinghouse.example', null],
    ['https://clearinghouse.example:8443/base', null],
    ['http://localhost:3000', null],
    ['http://LOCALHOST:3100', null],
    ['http://127.0.0.1:3000', null],
    ['http://127.8.9.10', null],
    ['http://127.1:3000', null],
    ['http://[::1]:3000', null],
    ['http://clearinghouse.example', 'insecure'],
    ['http://192.168.1.10:3000', 'insecure'],
    ['http://10.0.0.1', 'insecure'],
    ['http://[::ffff:127.0.0.1]', 'insecure'],
    ['http://localhost.evil.example', 'insecure'],
    ['http://127.0.0.1.nip.io', 'insecure'],
    ['ftp://clearinghouse.example', 'malformed'],
    ['https://clearinghouse.example/?q=1', 'malformed'],
    ['not a url', 'malformed'],
  ])('judges %s as a clearinghouse URL: %s', (url, problem) => {
    expect(clearinghouseUrlProblem(url)).toBe(problem);
    const parse = () => parseSettings({ ...defaultSettings(url), clearinghouseUrl: url });
    if (problem === null) expect(parse().clearinghouseUrl).toBe(url);
    else expect(parse).toThrow(ProtocolError);
  });

  it('replaces only a stored plain-http URL off loopback, with its pin, and keeps the rest', () => {
    const stored = {
      clearinghouseUrl: 'http://clearinghouse.example',
      pinnedLogKey: 'clearinghouse.example/log+0123abcd+AeIyiSMc',
      pinnedLogOrigin: 'clearinghouse.example/log',
      autoLockMinutes: 1,
      language: 'en',
    };
    expect(settingsOrDefault(stored, url)).toEqual({
      ...defaultSettings(url),
      autoLockMinutes: 1,
      language: 'en',
    });
  });
});
