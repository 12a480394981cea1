/**
 * How the console words a complaint (complaint.ts): every reason and evidence kind the protocol
 * knows has a label (the catalog's own tests check both languages), an unknown id is shown as it
 * came, and the state says how long an open complaint has waited or when and how it was decided.
 */
import { describe, expect, it } from 'vitest';
import { t } from '$protocol/i18n';
import { complaintReasons, evidenceKinds } from '$protocol/messages';
import { complaintState, evidenceLabel, reasonLabel, reasonText } from './complaint';

describe('complaint labels', () => {
  it.each(complaintReasons)('names the reason %s as the regulator’s console does', (reason) => {
    const label = reasonLabel(reason);
    expect(label).toEqual({ key: `portal.regulator.reason.${reason}` });
  });

  it.each(evidenceKinds)('names the evidence kind %s', (kind) => {
    expect(evidenceLabel(kind)).toEqual({ key: `portal.console.complaints.evidence.${kind}` });
  });

  it('shows an id this version does not know as it came, never a missing key', () => {
    expect(reasonLabel('new_reason')).toEqual({ text: 'new_reason' });
    expect(evidenceLabel('toString')).toEqual({ text: 'toString' });
  });
});

describe('complaintState', () => {
  const date = (ms: number) => `at ${ms}`;
  const open = (openDays: number) => ({ state: 'open' as const, openDays, decision: null });

  it.each([
    [0, 'portal.console.complaints.openToday', undefined],
    [1, 'portal.console.complaints.openDays', { count: 1 }],
    [2, 'portal.console.complaints.openDays', { count: 2 }],
    [400, 'portal.console.complaints.openDays', { count: 400 }],
  ])('says an open complaint has waited %i days', (days, key, params) => {
    expect(complaintState(open(days), date)).toEqual(
      params === undefined ? { key } : { key, params },
    );
  });

  it.each([
    ['en', 1, 'Open, for one day'],
    ['de', 1, 'Offen, seit einem Tag'],
    ['en', 2, 'Open, for 2 days'],
    ['de', 1500, 'Offen, seit 1.500 Tagen'],
  ] as const)('words a complaint open in %s for %i days', (locale, days, text) => {
    const { key, params } = complaintState(open(days), date);
    expect(t(locale, key, params)).toBe(text);
  });

  it('says when a complaint was upheld or dismissed', () => {
    expect(
      complaintState({ state: 'upheld', openDays: null, decision: { decidedAt: 7 } }, date),
    ).toEqual({ key: 'portal.console.complaints.upheld', params: { date: 'at 7' } });
    expect(
      complaintState({ state: 'dismissed', openDays: null, decision: { decidedAt: 9 } }, date),
    ).toEqual({ key: 'portal.console.complaints.dismissed', params: { date: 'at 9' } });
  });
});

describe('reasonText', () => {
  it('gives the regulator’s reason in the page’s language, with its language', () => {
    const reason = { de: 'Irreführend.', en: 'Misleading.' };
    expect(reasonText(reason, 'de')).toEqual({ lang: 'de', text: 'Irreführend.' });
    expect(reasonText(reason, 'en')).toEqual({ lang: 'en', text: 'Misleading.' });
  });

  it('falls back to the other language where the page’s is empty', () => {
    expect(reasonText({ de: 'Nur deutsch.', en: ' ' }, 'en')).toEqual({
      lang: 'de',
      text: 'Nur deutsch.',
    });
    expect(reasonText({ de: '', en: '' }, 'de')).toEqual({ lang: 'de', text: '' });
  });
});
