/**
 * The access-answer form (disclosure-form.ts): the export is limited by what fits, sealed, in a
 * disclosure's `export` field, counted in UTF-8 bytes as the server counts it (not characters),
 * and a disclosure too large for one message is a sentence, not a refusal from the server.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { base64urlEncode } from '$protocol/encoding';
import { generateKeyPair } from '$protocol/keys';
import { limits, parseMessage } from '$protocol/messages';
import { exampleMessages } from '$protocol/messages/examples';
import { sealTo } from '$protocol/seal';
import { ready, SEAL_OVERHEAD } from '$protocol/sodium';
import { t } from '$protocol/i18n';
import { dataCategoryIds } from '$protocol/vocabulary';
import { disclosureFields, maxExportBytes, utf8Length } from './disclosure-form';

const random = (n: number) => new Uint8Array(randomBytes(n));

function form(fields: Record<string, string | readonly string[]>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of typeof value === 'string' ? [value] : value) data.append(name, item);
  }
  return data;
}

const complete = {
  heldCategories: 'address',
  sources: 'direct',
  heldPurposes: 'product_launch',
  heldRetentionDays: '365',
  heldRecipients: 'Versand AG, DE',
};

/** A disclosure payload carrying `text` sealed to a fresh key, checked against the schema. */
function sealedDisclosure(text: string): unknown {
  const sealed = base64urlEncode(sealTo(generateKeyPair(random).publicKey, text));
  return parseMessage('disclosure', { ...exampleMessages.disclosure, export: sealed });
}

beforeAll(async () => {
  await ready();
});

describe('disclosureFields export limit', () => {
  it('is exactly the most UTF-8 bytes whose sealed box fits the export field', () => {
    expect(maxExportBytes).toBe((limits.sealedChars / 4) * 3 - SEAL_OVERHEAD);
    expect(maxExportBytes).toBe(24_528);
    expect(() => sealedDisclosure('a'.repeat(maxExportBytes))).not.toThrow();
    expect(() => sealedDisclosure('a'.repeat(maxExportBytes + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_INVALID' }),
    );
  });

  it.each([
    ['one-byte characters', 'a', maxExportBytes],
    ['two-byte characters (ä)', 'ä', maxExportBytes / 2],
    ['three-byte characters (€)', '€', maxExportBytes / 3],
    ['four-byte characters (🏃)', '🏃', maxExportBytes / 4],
  ])('accepts as many %s as fit, and refuses one more with its own sentence', (_, unit, n) => {
    const fits = unit.repeat(n);
    expect(utf8Length(fits)).toBe(maxExportBytes);
    const accepted = disclosureFields(form({ ...complete, export: fits }));
    expect(accepted).toMatchObject({ ok: true, exportText: fits });
    expect(() => sealedDisclosure(fits)).not.toThrow();
    expect(disclosureFields(form({ ...complete, export: fits + unit }))).toEqual({
      ok: false,
      errors: ['portal.console.disclose.error.exportTooLarge'],
    });
  });

  it('refuses 8,200 euro signs, fewer characters than any character limit would catch', () => {
    const text = '€'.repeat(8_200); // 24,600 bytes
    expect(text.length).toBeLessThan(maxExportBytes / 2);
    expect(() => sealedDisclosure(text)).toThrow(
      expect.objectContaining({ code: 'ERR_MESSAGE_INVALID' }),
    );
    expect(disclosureFields(form({ ...complete, export: text }))).toEqual({
      ok: false,
      errors: ['portal.console.disclose.error.exportTooLarge'],
    });
  });

  it('counts the text as sent: surrounding white space is trimmed before it is counted', () => {
    const text = ` ${'a'.repeat(maxExportBytes)}\n`;
    expect(disclosureFields(form({ ...complete, export: text }))).toMatchObject({ ok: true });
  });

  it('refuses a disclosure too large for one message with its own sentence', () => {
    // Every category with 32 recipients of 200 characters: well past 64 KiB without an export.
    const recipients = Array.from({ length: 32 }, (_, i) => `${'R'.repeat(195)}${i}, DE`).join(
      '\n',
    );
    const result = disclosureFields(
      form({ ...complete, heldCategories: [...dataCategoryIds], heldRecipients: recipients }),
    );
    expect(result).toEqual({ ok: false, errors: ['portal.console.disclose.error.tooLarge'] });
    // A few such categories still fit, export and all.
    expect(
      disclosureFields(
        form({
          ...complete,
          heldCategories: ['address', 'profile'],
          heldRecipients: recipients,
          export: 'a'.repeat(maxExportBytes),
        }),
      ),
    ).toMatchObject({ ok: true });
  });
});

describe('disclosureFields recipients', () => {
  it.each([
    [
      'en',
      'Line 2 (“Druckerei Schmidt, DEU”): after the last comma, give a two-letter country code such as DE.',
    ],
    [
      'de',
      'Zeile 2 („Druckerei Schmidt, DEU“): Geben Sie nach dem letzten Komma einen Ländercode aus zwei Buchstaben an, etwa DE.',
    ],
  ] as const)('names the line at fault and what is wrong with it, in %s', (locale, sentence) => {
    // Failed before: 'portal.console.disclose.error.recipients', the same for any line.
    const result = disclosureFields(
      form({ ...complete, heldRecipients: 'Versand AG, DE\nDruckerei Schmidt, DEU' }),
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'heldRecipients',
          key: 'portal.console.recipients.error.country',
          params: { line: 2, text: 'Druckerei Schmidt, DEU' },
        },
      ],
    });
    const [error] = result.ok ? [] : result.errors;
    expect(typeof error === 'object' && t(locale, error.key, error.params)).toBe(sentence);
  });

  it('names each bad line, counting the empty ones it skips, beside the other fields’ problems', () => {
    const result = disclosureFields(
      form({
        ...complete,
        sources: [],
        heldRecipients: 'Versand AG, DE\n\n, FR\nDruck, de\n\nLager Nord, Deutschland\n',
      }),
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'portal.console.disclose.error.sources',
        {
          field: 'heldRecipients',
          key: 'portal.console.recipients.error.name',
          params: { line: 3, text: ', FR' },
        },
        {
          field: 'heldRecipients',
          key: 'portal.console.recipients.error.country',
          params: { line: 6, text: 'Lager Nord, Deutschland' },
        },
      ],
    });
  });

  it('takes recipients with empty lines between them, as before', () => {
    const result = disclosureFields(
      form({ ...complete, heldRecipients: '\nVersand AG, de\n\n  \nDruckerei Nord\n' }),
    );
    expect(result.ok && result.holdings[0]!.recipients).toEqual([
      { name: 'Versand AG', country: 'DE' },
      { name: 'Druckerei Nord' },
    ]);
  });
});
