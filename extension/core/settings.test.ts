import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/errors';
import { defaultSettings, parseSettings, settingsOrDefault } from './settings';

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
});
