/**
 * The regulator's decision as the form holds it (decision.ts): nothing is signed until an
 * outcome is chosen (the form used to start on "upheld", so typing the reasons and pressing the
 * button upheld the complaint), and the reason is given in both languages. What is missing is
 * named with its field, which the page marks invalid and moves the focus to.
 */
import { describe, expect, it } from 'vitest';
import { decisionPayload, type DecisionField, type DecisionForm } from './decision';

const sha256 = 's'.repeat(43);

describe('decisionPayload', () => {
  it.each<[string, DecisionForm, string, DecisionField]>([
    [
      'no outcome chosen, though both reasons are given',
      { outcome: undefined, reasonDe: 'Falscher Kanal.', reasonEn: 'Wrong channel.' },
      'portal.regulator.decision.missing',
      'outcome',
    ],
    [
      'nothing filled in',
      { outcome: undefined, reasonDe: '', reasonEn: '' },
      'portal.regulator.decision.missing',
      'outcome',
    ],
    [
      'the English reason missing',
      { outcome: 'upheld', reasonDe: 'Falscher Kanal.', reasonEn: '' },
      'portal.regulator.reasonMissing',
      'reason-en',
    ],
    [
      'the German reason only blanks',
      { outcome: 'dismissed', reasonDe: ' \n ', reasonEn: 'No breach.' },
      'portal.regulator.reasonMissing',
      'reason-de',
    ],
    [
      'both reasons missing',
      { outcome: 'dismissed', reasonDe: '', reasonEn: '' },
      'portal.regulator.reasonMissing',
      'reason-de',
    ],
  ])('signs nothing with %s, and says why and where', (_, form, message, field) => {
    expect(decisionPayload(sha256, form)).toEqual({ ok: false, message, field });
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
