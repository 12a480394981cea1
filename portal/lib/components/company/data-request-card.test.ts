/**
 * A data request's card (data-request-card.ts): the request a form names is read only in the
 * shape of an id, a problem is said in the card it belongs to (or at the section's top when that
 * card is not listed), and a passed deadline is said in words.
 */
import { describe, expect, it } from 'vitest';
import { locales, t } from '$protocol/i18n';
import { deadlineSentence, erasureProblem, problemCard, requestOf } from './data-request-card';

const sha = (c: string) => c.repeat(43);

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe('requestOf', () => {
  it('reads the request a form answers', () => {
    expect(requestOf(form({ requestSha256: sha('a'), pseudonym: 'ps_x' }))).toBe(sha('a'));
  });

  it.each([
    ['no field', {}],
    ['an empty one', { requestSha256: '' }],
    ['one too short', { requestSha256: sha('a').slice(1) }],
    ['one too long', { requestSha256: `${sha('a')}a` }],
    ['markup', { requestSha256: `<b>${sha('a').slice(7)}</b>` }],
  ])('reads nothing from %s', (_, fields) => {
    expect(requestOf(form(fields))).toBeUndefined();
  });
});

describe('problemCard', () => {
  const listed = [sha('a'), sha('b')];

  it('puts a problem in the card of the request it names', () => {
    expect(problemCard(sha('b'), listed)).toBe(sha('b'));
  });

  it('puts it at the top of the section when it names none, or one not listed', () => {
    expect(problemCard(undefined, listed)).toBeUndefined();
    expect(problemCard(sha('c'), listed)).toBeUndefined();
    expect(problemCard(sha('a'), [])).toBeUndefined();
  });
});

describe('deadlineSentence', () => {
  const deadline = 1_767_225_600_000;

  it('gives the deadline until it has passed, then says it is overdue', () => {
    expect(deadlineSentence(deadline, deadline - 1)).toBe('portal.console.dataRequests.deadline');
    expect(deadlineSentence(deadline, deadline)).toBe('portal.console.dataRequests.deadline');
    expect(deadlineSentence(deadline, deadline + 1)).toBe('portal.console.dataRequests.overdue');
  });

  it.each(locales)('says “overdue” in words in %s, with the date', (locale) => {
    const text = t(locale, deadlineSentence(deadline, deadline + 1), { date: 'DATE' });
    expect(text).toMatch(locale === 'de' ? /^Überfällig/ : /^Overdue/);
    expect(text).toContain('DATE');
  });
});

describe('erasureProblem', () => {
  const none = { de: '', en: '' };
  const reason = { de: 'Aufbewahrungspflicht (§ 147 AO).', en: 'Retention duty (tax law).' };

  it.each([
    ['nothing erased', null, [], [], none, 'portal.console.answer.error.categories'],
    [
      'everything kept, nothing erased',
      ['address'],
      [],
      ['address'],
      reason,
      'portal.console.answer.error.allKept',
    ],
    [
      'a category both erased and kept',
      null,
      ['address'],
      ['address'],
      reason,
      'portal.console.answer.error.erasedAndKept',
    ],
    [
      'a category asked for neither erased nor kept',
      ['address', 'purchase_history'],
      ['address'],
      [],
      none,
      'portal.console.answer.error.unaccounted',
    ],
    [
      'data kept without a reason',
      ['address', 'purchase_history'],
      ['address'],
      ['purchase_history'],
      { de: 'Aufbewahrungspflicht.', en: '' },
      'portal.console.answer.error.keptReason',
    ],
  ] as const)('says so for %s', (_, asked, erased, kept, why, key) => {
    expect(erasureProblem(asked, erased, kept, why)).toBe(key);
    expect(t('de', key)).not.toBe(t('en', key));
  });

  it.each([
    ['everything asked erased', ['address'], ['address'], [], none],
    ['more erased than asked', ['address'], ['address', 'profile'], [], none],
    [
      'a part kept with the reason',
      ['address', 'purchase_history'],
      ['address'],
      ['purchase_history'],
      reason,
    ],
    ['a request naming no categories', null, ['profile'], [], none],
  ] as const)('takes %s', (_, asked, erased, kept, why) => {
    expect(erasureProblem(asked, erased, kept, why)).toBeUndefined();
  });
});
