/**
 * The consent-request builder's form (request-form.ts): what a person fills in becomes a valid
 * `grant-request` body, and every mistake becomes a sentence of the catalog, never a payload.
 */
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import { parseMessage } from '$protocol/messages';
import { limits } from '$protocol/messages';
import {
  connectSnippet,
  explainRecipients,
  quotedLineChars,
  quotedRecipientLines,
  recipientProblems,
  recipients,
  requestFields,
} from './request-form';

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
      'portal.console.recipients.error.country',
    ],
    [
      'a country in words',
      { recipients: 'Druckerei Schmidt, Deutschland' },
      'portal.console.recipients.error.country',
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

describe('recipientProblems', () => {
  it.each([
    ['a country of three letters', 'Versand GmbH, DE\nVersand GmbH, DEU', 'country', 2],
    ['a country in words', 'Druckerei Schmidt, Deutschland', 'country', 1],
    ['a comma and no country', 'A, DE\nB, FR\nDruckerei Schmidt,', 'country', 3],
    ['a name with a comma and no country', 'Müller, Schmidt & Co', 'country', 1],
    ['no name before the comma', 'Versand GmbH\n, DE', 'name', 2],
    ['a name of 201 characters', `${'R'.repeat(200)}\n${'R'.repeat(201)}, DE`, 'nameLength', 2],
  ] as const)('names the line and the reason of %s', (_name, raw, reason, line) => {
    const text = raw.split('\n')[line - 1]!.trim();
    expect(recipientProblems(raw)).toEqual([{ reason, line, text }]);
    expect(recipients(raw)).toBeUndefined();
  });

  it('names every line at fault, in order, each with its own reason', () => {
    const raw = 'A, DE\nB, DEU\nC\n, FR\nD, Deutschland\nE, fr';
    expect(recipientProblems(raw)).toEqual([
      { reason: 'country', line: 2, text: 'B, DEU' },
      { reason: 'name', line: 4, text: ', FR' },
      { reason: 'country', line: 5, text: 'D, Deutschland' },
    ]);
  });

  it('ignores empty lines as before, but counts them as the field shows its lines', () => {
    const raw = '\n  \nVersand GmbH, DE\r\n\r\n\t\nDruckerei Nord, DEU\n';
    expect(recipientProblems(raw)).toEqual([
      { reason: 'country', line: 6, text: 'Druckerei Nord, DEU' },
    ]);
    expect(recipientProblems('\nVersand GmbH, de\n\n   \nDruckerei Nord\n')).toEqual([]);
    expect(recipients('\nVersand GmbH, de\n\n   \nDruckerei Nord\n')).toEqual([
      { name: 'Versand GmbH', country: 'DE' },
      { name: 'Druckerei Nord' },
    ]);
  });

  it('refuses more recipients than a scope may name, counting only lines that are not empty', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `Empfänger ${i}, DE`);
    const most = lines(limits.onwardRecipients).join('\n\n');
    expect(recipientProblems(most)).toEqual([]);
    expect(recipients(most)).toHaveLength(limits.onwardRecipients);
    const over = [...lines(limits.onwardRecipients), 'Versand, DEU'].join('\n');
    expect(recipientProblems(over)).toEqual([
      { reason: 'tooMany', given: limits.onwardRecipients + 1 },
      { reason: 'country', line: limits.onwardRecipients + 1, text: 'Versand, DEU' },
    ]);
    expect(recipients(over)).toBeUndefined();
  });
});

describe('the recipients field’s sentences', () => {
  const recipientErrors = (raw: string) => {
    const result = requestFields(form({ ...complete, recipients: raw }), now);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.errors;
  };

  it.each([
    [
      'en',
      'Line 3 (“Versand GmbH, DEU”): after the last comma, give a two-letter country code such as DE.',
    ],
    [
      'de',
      'Zeile 3 („Versand GmbH, DEU“): Geben Sie nach dem letzten Komma einen Ländercode aus zwei Buchstaben an, etwa DE.',
    ],
  ] as const)('name the line, quote it and say what is wrong, in %s', (locale, sentence) => {
    // Failed before: one sentence about the whole field, naming no line. The first line is empty:
    // counted as the field shows it, not trimmed away with the field's white space.
    const errors = recipientErrors('\nDruckerei Nord, DE\nVersand GmbH, DEU');
    expect(errors).toEqual([
      {
        field: 'recipients',
        key: 'portal.console.recipients.error.country',
        params: { line: 3, text: 'Versand GmbH, DEU' },
      },
    ]);
    expect(t(locale, errors[0]!.key, errors[0]!.params)).toBe(sentence);
  });

  it.each([
    ['name', ', DE', 'Line 1 (“, DE”): the recipient’s name is missing before the comma.'],
    [
      'nameLength',
      `${'R'.repeat(201)}, DE`,
      `Line 1 (“${'R'.repeat(quotedLineChars - 1)}…”): the name is longer than 200 characters; please shorten it.`,
    ],
  ] as const)('say each reason in its own sentence: %s', (reason, raw, sentence) => {
    const [error] = recipientErrors(raw);
    expect(error?.key).toBe(`portal.console.recipients.error.${reason}`);
    expect(t('en', error!.key, error!.params)).toBe(sentence);
    expect(t('de', error!.key, error!.params)).toContain('Zeile 1 („');
  });

  it('cut a long line to a quote of at most 40 characters, never half a character', () => {
    const line = `${'🏃'.repeat(50)}, DEU`;
    const [error] = recipientErrors(line);
    const quoted = String(error?.params?.text);
    expect(Array.from(quoted)).toHaveLength(quotedLineChars);
    expect(quoted).toBe(`${'🏃'.repeat(quotedLineChars - 1)}…`);
    expect(quoted).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('say each of several bad lines, and list the rest by number past five', () => {
    const few = recipientErrors('A, DEU\nB, DE\n, FR\nC, Frankreich');
    expect(few.map((e) => [e.key, e.params?.line])).toEqual([
      ['portal.console.recipients.error.country', 1],
      ['portal.console.recipients.error.name', 3],
      ['portal.console.recipients.error.country', 4],
    ]);
    expect(few.every((e) => e.field === 'recipients')).toBe(true);

    const twelve = Array.from({ length: 12 }, (_, i) => `Empfänger ${i + 1}, DEU`).join('\n');
    const many = recipientErrors(twelve);
    expect(many).toHaveLength(quotedRecipientLines);
    expect(many.slice(0, -1).map((e) => e.params?.line)).toEqual([1, 2, 3, 4]);
    expect(many.at(-1)).toEqual({
      field: 'recipients',
      key: 'portal.console.recipients.error.more',
      params: { lines: '5, 6, 7, 8, 9, 10, 11, 12' },
    });
    expect(t('en', many.at(-1)!.key, many.at(-1)!.params)).toBe(
      'Lines 5, 6, 7, 8, 9, 10, 11, 12 are wrong too: please check them against the rule under the field.',
    );
  });

  it('say how many recipients were given when there are too many', () => {
    const raw = Array.from({ length: 40 }, (_, i) => `Empfänger ${i}`).join('\n');
    const errors = recipientErrors(raw);
    expect(errors).toEqual([
      {
        field: 'recipients',
        key: 'portal.console.recipients.error.tooMany',
        params: { given: 40, max: 32 },
      },
    ]);
    expect(t('de', errors[0]!.key, errors[0]!.params)).toBe(
      'Hier stehen 40 Empfänger, möglich sind höchstens 32. Bitte entfernen Sie Zeilen, bis es nicht mehr als 32 sind.',
    );
  });

  it('are problems of the field they are asked for, so the disclosure form can use them', () => {
    expect(explainRecipients(recipientProblems('X, DEU'), 'heldRecipients')).toEqual([
      {
        field: 'heldRecipients',
        key: 'portal.console.recipients.error.country',
        params: { line: 1, text: 'X, DEU' },
      },
    ]);
    expect(explainRecipients([], 'heldRecipients')).toEqual([]);
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
