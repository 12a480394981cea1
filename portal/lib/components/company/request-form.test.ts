/**
 * The consent-request builder's form (request-form.ts): what a person fills in becomes a valid
 * `grant-request` body, and every mistake becomes a sentence of the catalog, never a payload.
 */
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import { parseMessage } from '$protocol/messages';
import { connectSnippet, requestFields } from './request-form';

const now = 1_767_225_600; // 2026-01-01T00:00:00Z

function form(fields: Record<string, string | readonly string[]>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of typeof value === 'string' ? [value] : value) data.append(name, item);
  }
  return data;
}

const complete = {
  purposes: ['product_launch', 'service_support'],
  channels: ['newsletter', 'email'],
  dataCategories: ['address'],
  timeZone: 'Europe/Berlin',
  windowDays: ['1', '2', '3', '4', '5'],
  windowFrom: '09:00',
  windowTo: '18:00',
  maxContactsPerWeek: '2',
  validUntil: '2027-06-30',
  retentionDays: '365',
  recipients: 'Versand GmbH, DE\nDruckerei Nord',
  incentiveType: 'discount',
  incentiveDe: '10 % Rabatt',
  incentiveEn: '10% off',
  reasonDe: 'Neue Laufschuhe zuerst.',
  reasonEn: 'New running shoes first.',
};

describe('requestFields', () => {
  it('builds one scope per purpose that the grant-request schema accepts', () => {
    const result = requestFields(form(complete), now);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const payload = parseMessage('grant-request', {
      v: 1,
      iss: `co_${'A'.repeat(43)}`,
      aud: 'http://localhost:3000',
      iat: now,
      exp: now + 600,
      jti: '5f0c6f0e-6c1b-4d0e-9d44-3b1f2a6b8c11',
      ...result.fields,
    });
    expect(payload.scopes.map((s) => s.purpose)).toEqual(['product_launch', 'service_support']);
    expect(payload.scopes[0]).toEqual({
      purpose: 'product_launch',
      channels: ['newsletter', 'email'],
      dataCategories: ['address'],
      conditions: {
        timeZone: 'Europe/Berlin',
        timeWindows: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }],
        maxContactsPerWeek: 2,
        validUntil: Date.parse('2027-06-30T23:59:59Z') / 1000,
      },
      retentionDays: 365,
      onwardRecipients: [{ name: 'Versand GmbH', country: 'DE' }, { name: 'Druckerei Nord' }],
    });
    expect(payload.incentive).toEqual({
      type: 'discount',
      description: { de: '10 % Rabatt', en: '10% off' },
    });
  });

  it('needs only purposes, channels, retention and the reason in both languages', () => {
    const result = requestFields(
      form({
        purposes: 'information',
        channels: 'email',
        retentionDays: '30',
        reasonDe: 'Grund',
        reasonEn: 'Reason',
      }),
      now,
    );
    expect(result).toEqual({
      ok: true,
      fields: {
        scopes: [
          {
            purpose: 'information',
            channels: ['email'],
            dataCategories: [],
            conditions: { timeZone: 'Europe/Berlin' },
            retentionDays: 30,
            onwardRecipients: [],
          },
        ],
        reason: { de: 'Grund', en: 'Reason' },
      },
    });
  });

  it.each([
    ['no purpose', { purposes: [] }, 'portal.console.request.error.purposes'],
    ['an unknown purpose', { purposes: ['spam'] }, 'portal.console.request.error.purposes'],
    ['no channel', { channels: [] }, 'portal.console.request.error.channels'],
    ['an unknown category', { dataCategories: ['soul'] }, 'portal.console.request.error.invalid'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'portal.console.request.error.timeZone'],
    ['a window without days', { windowDays: [] }, 'portal.console.request.error.window'],
    [
      'a window ending where it starts',
      { windowTo: '09:00' },
      'portal.console.request.error.window',
    ],
    ['a cap of zero', { maxContactsPerWeek: '0' }, 'portal.console.request.error.cap'],
    ['a past date', { validUntil: '2025-01-01' }, 'portal.console.request.error.validUntil'],
    ['a retention of 0 days', { retentionDays: '0' }, 'portal.console.request.error.retention'],
    [
      'a country of three letters',
      { recipients: 'Versand, DEU' },
      'portal.console.request.error.recipientLines',
    ],
    [
      'a country in words',
      { recipients: 'Druckerei Schmidt, Deutschland' },
      'portal.console.request.error.recipientLines',
    ],
    ['no English reason', { reasonEn: '  ' }, 'portal.console.request.error.reason'],
    ['an incentive without text', { incentiveDe: '' }, 'portal.console.request.error.incentive'],
  ] as const)('explains %s in a sentence and builds nothing', (_name, change, key) => {
    const result = requestFields(form({ ...complete, ...change }), now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.key)).toEqual([key]);
    expect(t('de', key)).not.toBe(t('en', key));
  });
});

describe('connectSnippet', () => {
  it('loads /connect.js from the clearinghouse and marks the button with the request link', () => {
    const link = 'http://localhost:3000/api/v1/grant-requests/abc';
    const snippet = connectSnippet('http://localhost:3000', link, 'Connect');
    expect(snippet).toContain(`data-grant-request="${link}"`);
    expect(snippet).toContain('<script src="http://localhost:3000/connect.js" defer></script>');
    expect(snippet).toContain("addEventListener('clearinghouse-connect'");
  });
});
