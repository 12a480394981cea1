/**
 * The suspension form's check (suspension.ts): every problem names its field, so the page shows
 * it beside that field; a valid form gives the payload to sign.
 */
import { describe, expect, it } from 'vitest';
import { conflictMessage, maxCited, suspensionPayload, type SuspensionForm } from './suspension';

const company = `co_${'C'.repeat(43)}`;
const form = (over: Partial<SuspensionForm>): SuspensionForm => ({
  action: 'suspend',
  reasonDe: 'Wiederholt falscher Kanal.',
  reasonEn: 'Repeatedly the wrong channel.',
  cited: [],
  ...over,
});
const cite = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(43, 'h'));

describe('suspensionPayload', () => {
  it.each([
    ['no German reason', form({ reasonDe: '  ' }), ['reason-de']],
    ['no English reason', form({ reasonEn: '' }), ['reason-en']],
    [
      'neither reason, each beside its field',
      form({ reasonDe: '', reasonEn: '' }),
      ['reason-de', 'reason-en'],
    ],
    ['too many complaints cited', form({ cited: cite(maxCited + 1) }), ['cite']],
    [
      'everything at once, in the order of the form',
      form({ reasonDe: '', reasonEn: '', cited: cite(maxCited + 1) }),
      ['reason-de', 'reason-en', 'cite'],
    ],
  ] as const)('names the field of each problem: %s', (_name, input, fields) => {
    const checked = suspensionPayload(company, input);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.problems.map((p) => p.field)).toEqual(fields);
  });

  it('says which language is missing', () => {
    const checked = suspensionPayload(company, form({ reasonDe: '', reasonEn: '' }));
    expect(checked.ok ? [] : checked.problems.map((p) => p.message)).toEqual([
      'portal.regulator.suspend.reasonMissing.de',
      'portal.regulator.suspend.reasonMissing.en',
    ]);
  });

  it('gives the trimmed payload, citing complaints only when suspending', () => {
    expect(suspensionPayload(company, form({ reasonDe: ' a ', cited: cite(1) }))).toEqual({
      ok: true,
      payload: {
        company,
        action: 'suspend',
        reason: { de: 'a', en: 'Repeatedly the wrong channel.' },
        complaints: cite(1),
      },
    });
    const reinstating = suspensionPayload(
      company,
      form({ action: 'reinstate', cited: cite(maxCited + 1) }),
    );
    expect(reinstating.ok && reinstating.payload).not.toHaveProperty('complaints');
  });
});

describe('conflictMessage', () => {
  it.each([
    ['suspended', 'portal.regulator.suspend.already'],
    ['active', 'portal.regulator.reinstate.already'],
    ['pending', 'portal.regulator.reinstate.already'],
  ] as const)(
    'says of a company now %s which state it is already in (failed before: one sentence for both)',
    (status, message) => {
      expect(conflictMessage(status)).toBe(message);
    },
  );
});
