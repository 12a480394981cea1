import { describe, expect, it } from 'vitest';
import { isProtocolError } from '$protocol/errors';
import type { Scope } from '$protocol/messages';
import { assertWithinRequest, scopeExcess } from './scopes';

const asked: Scope = {
  purpose: 'product_launch',
  channels: ['email', 'newsletter'],
  dataCategories: ['address', 'preferences_habits'],
  conditions: {
    timeZone: 'Europe/Berlin',
    timeWindows: [{ days: [5], from: '22:00', to: '02:00' }],
    maxContactsPerWeek: 2,
    validUntil: 2_000_000_000,
  },
  retentionDays: 365,
  onwardRecipients: [{ name: 'Versand-Dienst AG', country: 'DE' }],
};

function given(
  change: Omit<Partial<Scope>, 'conditions'> & { conditions?: Partial<Scope['conditions']> },
): Scope {
  return {
    ...asked,
    ...change,
    conditions: { ...asked.conditions, ...change.conditions },
  } as Scope;
}

describe('scopes no wider than requested', () => {
  it('accepts the request itself and anything narrower', () => {
    expect(scopeExcess(asked, asked)).toBeUndefined();
    const narrower = given({
      channels: ['newsletter'],
      dataCategories: [],
      onwardRecipients: [],
      retentionDays: 30,
      conditions: {
        maxContactsPerWeek: 1,
        validUntil: 1_900_000_000,
        // Saturday 00:30-01:30 lies inside Friday's window that runs past midnight.
        timeWindows: [{ days: [6], from: '00:30', to: '01:30' }],
      },
    });
    expect(scopeExcess(narrower, asked)).toBeUndefined();
  });

  it.each([
    ['another purpose', given({ purpose: 'win_back' }), 'purpose'],
    ['a channel not asked', given({ channels: ['sms'] }), 'channels'],
    ['a data category not asked', given({ dataCategories: ['location'] }), 'data_categories'],
    [
      'another recipient',
      given({ onwardRecipients: [{ name: 'Broker GmbH' }] }),
      'onward_recipients',
    ],
    ['a longer retention', given({ retentionDays: 366 }), 'retention'],
    ['a higher cap', given({ conditions: { maxContactsPerWeek: 3 } }), 'contact_cap'],
    [
      'no cap where one was asked',
      given({ conditions: { maxContactsPerWeek: undefined } }),
      'contact_cap',
    ],
    ['a later validUntil', given({ conditions: { validUntil: 2_000_000_001 } }), 'valid_until'],
    [
      'no validUntil where one was asked',
      given({ conditions: { validUntil: undefined } }),
      'valid_until',
    ],
    [
      'no windows where some were asked',
      given({ conditions: { timeWindows: undefined } }),
      'time_windows',
    ],
    [
      'a window reaching past the asked one',
      given({ conditions: { timeWindows: [{ days: [6], from: '01:00', to: '03:00' }] } }),
      'time_windows',
    ],
    [
      'another day',
      given({ conditions: { timeWindows: [{ days: [4], from: '22:00', to: '23:00' }] } }),
      'time_windows',
    ],
    ['another time zone', given({ conditions: { timeZone: 'Europe/London' } }), 'time_zone'],
  ] as const)('refuses %s', (_name, scope, rule) => {
    expect(scopeExcess(scope, asked)).toBe(rule);
  });

  it('matches each granted scope against any requested scope of its purpose', () => {
    const second: Scope = { ...asked, channels: ['sms'], conditions: { timeZone: 'UTC' } };
    expect(() =>
      assertWithinRequest(
        [
          given({
            channels: ['sms'],
            conditions: {
              timeZone: 'UTC',
              timeWindows: undefined,
              maxContactsPerWeek: undefined,
              validUntil: undefined,
            },
          }),
        ],
        [asked, second],
        'sms',
      ),
    ).not.toThrow();
  });

  it('names the scope and rule that failed, and checks the preferred channel', () => {
    const check = (granted: Scope[], preferred: string) => {
      try {
        assertWithinRequest(granted, [asked], preferred);
      } catch (error) {
        if (isProtocolError(error, 'ERR_SCOPE_WIDER_THAN_REQUESTED')) return error.detail;
        throw error;
      }
      return undefined;
    };
    expect(check([asked, given({ retentionDays: 999 })], 'email')).toEqual({
      scope: 1,
      rule: 'retention',
    });
    expect(check([given({ channels: ['newsletter'] })], 'email')).toEqual({
      rule: 'preferred_channel',
    });
    expect(check([asked], 'email')).toBeUndefined();
  });
});
