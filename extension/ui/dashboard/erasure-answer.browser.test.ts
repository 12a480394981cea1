/** What an erasure answer leaves unsaid (erasure-answer.ts). */
import { describe, expect, it } from 'vitest';
import { erasureSilentOn } from './erasure-answer';

describe('erasureSilentOn', () => {
  it('names the categories asked that were neither erased nor kept', () => {
    expect(
      erasureSilentOn(['address', 'health', 'profile'], {
        dataCategories: ['address'],
        retained: { dataCategories: ['profile'] },
      }),
    ).toEqual(['health']);
  });

  it.each([
    ['a request naming no categories', undefined],
    ['a payload that is no list', 'address'],
  ])('names nothing for %s', (_, asked) => {
    expect(erasureSilentOn(asked, { dataCategories: ['address'] })).toEqual([]);
  });

  it('names no category this version does not know (a later one, or a made-up one)', () => {
    expect(
      erasureSilentOn(['health', 'soul', 42, '__proto__'], { dataCategories: ['address'] }),
    ).toEqual(['health']);
  });

  it('names nothing when every category asked is accounted for', () => {
    expect(
      erasureSilentOn(['address', 'health'], {
        dataCategories: ['address', 'profile'],
        retained: { dataCategories: ['health'] },
      }),
    ).toEqual([]);
  });
});
