import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { applySettings } from './log-key';
import {
  backupSettingsOf,
  clearinghouseUrlProblem,
  defaultSettings,
  parseSettings,
  settingsFromBackup,
  settingsOrDefault,
  type Settings,
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
      // Never silently: the refused address is recorded, for the settings view to say so.
      replacedClearinghouseUrl: 'http://clearinghouse.example',
    });
  });

  it('keeps the record of a replaced URL once settings are written, until the owner clears it', () => {
    const replaced = settingsOrDefault(
      { ...defaultSettings(url), clearinghouseUrl: 'http://clearinghouse.example' },
      url,
    );
    // A background write (the log key pinned on first contact) stores what it read.
    const written = settingsOrDefault({ ...replaced, pinnedLogKey: null }, url);
    expect(written.replacedClearinghouseUrl).toBe('http://clearinghouse.example');
    // The UI can clear the record, never set one.
    const forged = { ...written, replacedClearinghouseUrl: 'http://elsewhere.example' };
    expect(applySettings(written, forged).replacedClearinghouseUrl).toBe(
      'http://clearinghouse.example',
    );
    expect(applySettings(defaultSettings(url), forged).replacedClearinghouseUrl).toBeNull();
    expect(
      applySettings(written, { ...written, autoLockMinutes: 5 }).replacedClearinghouseUrl,
    ).toBe('http://clearinghouse.example');
    expect(
      applySettings(written, { ...written, replacedClearinghouseUrl: null })
        .replacedClearinghouseUrl,
    ).toBeNull();
    // A stored valid address, or one refused for another reason, records nothing.
    expect(settingsOrDefault(defaultSettings(url), url).replacedClearinghouseUrl).toBeNull();
    expect(
      settingsOrDefault({ ...defaultSettings(url), clearinghouseUrl: 'ftp://x.example' }, url)
        .replacedClearinghouseUrl,
    ).toBeNull();
  });

  describe('carried in a backup', () => {
    const key = 'localhost:4201/log+0123abcd+AeIyiSMc';
    const exported: Settings = {
      ...defaultSettings(url),
      clearinghouseUrl: 'http://localhost:4201',
      pinnedLogKey: key,
      pinnedLogOrigin: 'localhost:4201/log',
      logKeyMismatch: { pinned: key, served: 'other+0123abcd+AAAA', seenAt: 1 },
      autoLockMinutes: 45,
      language: 'en',
    };
    const current: Settings = {
      ...defaultSettings(url),
      clearinghouseUrl: 'https://ch.example',
      replacedClearinghouseUrl: 'http://old.example',
      autoLockMinutes: 5,
    };

    it('carries the setup, not the device’s notes, and puts all of it back', () => {
      const carried = backupSettingsOf(exported);
      expect(carried).toEqual({
        clearinghouseUrl: 'http://localhost:4201',
        pinnedLogKey: key,
        pinnedLogOrigin: 'localhost:4201/log',
        autoLockMinutes: 45,
        language: 'en',
      });
      expect(settingsFromBackup(current, JSON.parse(JSON.stringify(carried)))).toEqual({
        ...exported,
        logKeyMismatch: null,
        replacedClearinghouseUrl: null,
      });
      // Nothing pinned yet at export: nothing pinned after the restore (a first contact then).
      const unpinned = { ...exported, pinnedLogKey: null, pinnedLogOrigin: null };
      expect(settingsFromBackup(current, backupSettingsOf(unpinned))).toMatchObject({
        clearinghouseUrl: 'http://localhost:4201',
        pinnedLogKey: null,
      });
      // A later version's settings this one does not know are left aside.
      expect(settingsFromBackup(current, { ...carried, theme: 'dark' })?.clearinghouseUrl).toBe(
        'http://localhost:4201',
      );
    });

    it('puts back none of them when any does not validate', () => {
      const carried = backupSettingsOf(exported);
      for (const bad of [
        { clearinghouseUrl: 'http://ch.example' },
        { clearinghouseUrl: undefined },
        { pinnedLogKey: 'not a key' },
        { pinnedLogOrigin: 'other.example/log' },
        { autoLockMinutes: 0 },
        { language: 'fr' },
      ])
        expect(settingsFromBackup(current, { ...carried, ...bad }), JSON.stringify(bad)).toBeNull();
      for (const bad of [null, 'settings', [], undefined])
        expect(settingsFromBackup(current, bad)).toBeNull();
    });
  });
});
