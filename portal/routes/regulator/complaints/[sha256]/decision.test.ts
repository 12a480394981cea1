/**
 * The regulator's decision as the form holds it (decision.ts): nothing is signed until an
 * outcome is chosen (the form used to start on "upheld", so typing the reasons and pressing the
 * button upheld the complaint), and the reason is given in both languages.
 */
import { describe, expect, it } from 'vitest';
import { decisionPayload, type DecisionForm } from './decision';

const sha256 = 's'.repeat(43);

describe('decisionPayload', () => {
  it.each<[string, DecisionForm, string]>([
    [
      'no outcome chosen, though both reasons are given',
      { outcome: undefined, reasonDe: 'Falscher Kanal.', reasonEn: 'Wrong channel.' },
      'portal.regulator.decision.missing',
    ],
    [
      'nothing filled in',
      { outcome: undefined, reasonDe: '', reasonEn: '' },
      'portal.regulator.decision.missing',
    ],
    [
      'the English reason missing',
      { outcome: 'upheld', reasonDe: 'Falscher Kanal.', reasonEn: '' },
      'portal.regulator.reasonMissing',
    ],
    [
      'the German reason only blanks',
      { outcome: 'dismissed', reasonDe: ' \n ', reasonEn: 'No breach.' },
      'portal.regulator.reasonMissing',
    ],
  ])('signs nothing with %s, and says why', (_, form, message) => {
    expect(decisionPayload(sha256, form)).toEqual({ ok: false, message });
  });

  it.each(['upheld', 'dismissed'] as const)(
    'signs the %s decision the regulator chose',
    (outcome) => {
      expect(
        decisionPayload(sha256, {
          outcome,
          reasonDe: ' Falscher Kanal. ',
          reasonEn: 'Wrong channel.',
        }),
      ).toEqual({
        ok: true,
        payload: {
          complaintSha256: sha256,
          decision: outcome,
          reason: { de: 'Falscher Kanal.', en: 'Wrong channel.' },
        },
      });
    },
  );
});
