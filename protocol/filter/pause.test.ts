import { describe, expect, it } from 'vitest';
import type { ContactRecord } from '../profile';
import { compileFilter, decide, type FilterOffer } from './engine';
import { suggestImplicitNegatives } from './feedback';
import {
  activePauses,
  answerSuggestion,
  noPauses,
  parseCompanyPauses,
  pauseCompany,
  pauseLimits,
  resumeCompany,
} from './pause';
import { defaultProfile } from '../profile';

const company = `co_${'A'.repeat(43)}`;
const other = `co_${'B'.repeat(42)}A`;
const me = `ps_${'C'.repeat(43)}`;
/** Wednesday 2026-01-07 12:00 UTC. */
const NOON = 1_767_787_200;
const DAY = 86_400;

function contact(
  at: number,
  feedback: ContactRecord['feedback'],
  co: string = company,
): ContactRecord {
  return {
    company: co,
    channel: 'email',
    category: 'sports',
    at,
    outcome: 'delivered',
    ...(feedback === undefined ? {} : { feedback }),
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('pauseCompany, resumeCompany, activePauses', () => {
  it('pauses a company for whole days and records the answer', () => {
    const state = pauseCompany(noPauses, company, 30, NOON);
    expect(state.pauses).toEqual([{ company, from: NOON, until: NOON + 30 * DAY }]);
    expect(state.answers).toEqual([{ company, answer: 'paused', at: NOON }]);
    expect(parseCompanyPauses(state)).toEqual(state);
  });

  it('replaces a running pause of the same company, keeps the others', () => {
    let state = pauseCompany(noPauses, company, 30, NOON);
    state = pauseCompany(state, other, 7, NOON + DAY);
    state = pauseCompany(state, company, 2, NOON + 2 * DAY);
    expect(activePauses(state, NOON + 2 * DAY)).toEqual([
      { company, from: NOON + 2 * DAY, until: NOON + 4 * DAY },
      { company: other, from: NOON + DAY, until: NOON + 8 * DAY },
    ]);
  });

  it('ends by itself at its end, and is forgotten at the next change', () => {
    const state = pauseCompany(noPauses, company, 1, NOON);
    expect(activePauses(state, NOON + DAY - 1)).toHaveLength(1);
    expect(activePauses(state, NOON + DAY)).toEqual([]);
    expect(pauseCompany(state, other, 1, NOON + DAY).pauses.map((p) => p.company)).toEqual([other]);
  });

  it('is cancelled by resuming, which keeps the answer', () => {
    const state = resumeCompany(pauseCompany(noPauses, company, 30, NOON), company, NOON + 60);
    expect(activePauses(state, NOON + 60)).toEqual([]);
    expect(state.answers).toEqual([{ company, answer: 'paused', at: NOON }]);
    expect(resumeCompany(noPauses, company, NOON)).toEqual(noPauses);
  });

  it.each([
    ['no days', company, 0, NOON, 'days'],
    ['more than a year', company, pauseLimits.maxDays + 1, NOON, 'days'],
    ['part of a day', company, 1.5, NOON, 'days'],
    ['not a company', 'acme', 30, NOON, 'company'],
    ['a time that is no time', company, 30, -1, 'at'],
  ] as const)('refuses %s', (_name, co, days, at, path) => {
    let detail: unknown;
    try {
      pauseCompany(noPauses, co, days, at);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ERR_PROFILE_INVALID');
      detail = (e as { detail?: unknown }).detail;
    }
    expect(detail).toEqual({ path });
  });

  it.each([
    [
      'a pause that ends before it starts',
      { v: 1, pauses: [{ company, from: 5, until: 5 }], answers: [] },
    ],
    [
      'two pauses of one company',
      {
        v: 1,
        pauses: [
          { company, from: 1, until: 5 },
          { company, from: 2, until: 6 },
        ],
        answers: [],
      },
    ],
    ['an unknown answer', { v: 1, pauses: [], answers: [{ company, answer: 'maybe', at: 1 }] }],
    ['an unknown field', { v: 1, pauses: [], answers: [], extra: true }],
    ['another version', { v: 2, pauses: [], answers: [] }],
  ])('refuses a stored record with %s', (_name, value) => {
    expect(codeOf(() => parseCompanyPauses(value))).toBe('ERR_PROFILE_INVALID');
  });

  it('reads an absent record as no pauses', () => {
    expect(parseCompanyPauses(undefined)).toEqual(noPauses);
  });
});

describe('suggestion → pause → expiry', () => {
  const ignored = [5, 4, 3, 2, 1].map((k) => contact(NOON - k * DAY, 'ignored'));
  const offer: FilterOffer = {
    id: 'offer-1',
    outer: {
      iss: company,
      aud: me,
      iat: NOON,
      grantSha256: 'g'.repeat(43),
      purpose: 'product_launch',
      channel: 'email',
      validUntil: NOON + 90 * DAY,
    },
    inner: {
      iss: company,
      aud: me,
      grantSha256: 'g'.repeat(43),
      purpose: 'product_launch',
      channel: 'email',
      validUntil: NOON + 90 * DAY,
      brand: 'Acme',
      category: 'sports/running',
      advertisement: true,
      unsubscribe: 'https://acme.example/unsubscribe',
    },
  };
  const decideAt = (state: typeof noPauses, at: number) =>
    decide(
      compileFilter({
        profile: {
          ...defaultProfile('en', 'UTC'),
          channels: { allowed: ['email'], preferred: 'email' },
          interests: [{ category: 'sports', weight: 1 }],
        },
        blacklist: [],
        grants: [
          {
            sha256: 'g'.repeat(43),
            active: {
              grant: {
                v: 1,
                iss: me,
                aud: company,
                iat: NOON - 30 * DAY,
                exp: NOON - 30 * DAY + 600,
                jti: 'grant-1',
                requestSha256: 'r'.repeat(43),
                scopes: [
                  {
                    purpose: 'product_launch',
                    channels: ['email'],
                    dataCategories: [],
                    conditions: { timeZone: 'UTC' },
                    retentionDays: 30,
                    onwardRecipients: [],
                  },
                ],
                preferredChannel: 'email',
                until: NOON + 365 * DAY,
              },
              revocations: [],
            },
          },
        ],
        history: [],
        pauses: activePauses(state, at),
      }),
      offer,
      at,
    );

  it('suggests a cool-down, pauses for its days, drops meanwhile and delivers again after', () => {
    const [suggestion] = suggestImplicitNegatives(ignored, NOON);
    expect(suggestion).toMatchObject({ company, action: 'cool_down', days: 30 });
    const state = pauseCompany(noPauses, company, suggestion!.days, NOON);
    // Answered: the same evidence suggests nothing any more.
    expect(suggestImplicitNegatives(ignored, NOON, { answered: state.answers })).toEqual([]);
    expect(decideAt(state, NOON + DAY).action).toBe('drop');
    expect(decideAt(state, NOON + 30 * DAY - 1).reasons.map((r) => r.id)).toEqual(['paused']);
    expect(decideAt(state, NOON + 30 * DAY).action).toBe('deliver');
    expect(activePauses(state, NOON + 30 * DAY)).toEqual([]);
  });

  it('keeps a dismissed suggestion away until new evidence builds up after the dismissal', () => {
    const state = answerSuggestion(noPauses, company, 'dismissed', NOON);
    const answered = { answered: state.answers };
    expect(suggestImplicitNegatives(ignored, NOON, answered)).toEqual([]);
    // Old offers answered later, and four new ignored ones, are not enough.
    const more = [1, 2, 3, 4].map((k) => contact(NOON + k * DAY, 'ignored'));
    expect(suggestImplicitNegatives([...ignored, ...more], NOON + 5 * DAY, answered)).toEqual([]);
    // A fifth new one is new evidence: the suggestion is back, counting only the new offers.
    const fifth = contact(NOON + 5 * DAY, 'dismissed');
    expect(
      suggestImplicitNegatives([...ignored, ...more, fifth], NOON + 5 * DAY, answered),
    ).toEqual([{ company, action: 'cool_down', negatives: 5, of: 5, days: 30 }]);
    // Another company's answer changes nothing for this one.
    const elsewhere = answerSuggestion(noPauses, other, 'dismissed', NOON);
    expect(suggestImplicitNegatives(ignored, NOON, { answered: elsewhere.answers })).toHaveLength(
      1,
    );
  });

  it('records a refusal like any answer', () => {
    const state = answerSuggestion(noPauses, company, 'refused', NOON);
    expect(state.answers).toEqual([{ company, answer: 'refused', at: NOON }]);
    expect(suggestImplicitNegatives(ignored, NOON, { answered: state.answers })).toEqual([]);
  });
});
