import { describe, expect, it } from 'vitest';
import {
  erasedSince,
  stillHolds,
  type ConfirmedErasure,
  type DisclosedHoldings,
} from './disclosed-holdings';

const disclosedAt = 1_765_000_000;
const erasure = (erasedAt: number | null, ...dataCategories: string[]): ConfirmedErasure => ({
  dataCategories,
  erasedAt,
});
const disclosure = (...dataCategories: string[]): DisclosedHoldings => ({
  at: disclosedAt,
  dataCategories,
});

describe('erasedSince', () => {
  it.each<[string, number | null, ConfirmedErasure[], [string, number][]]>([
    [
      'ignores an erasure confirmed before the disclosure',
      disclosedAt,
      [erasure(disclosedAt - 1, 'address')],
      [],
    ],
    [
      'counts an erasure confirmed in the disclosure’s second',
      disclosedAt,
      [erasure(disclosedAt, 'address')],
      [['address', disclosedAt]],
    ],
    [
      'keeps the latest time of a category erased several times, in any order',
      disclosedAt,
      [
        erasure(disclosedAt + 900, 'address'),
        erasure(disclosedAt + 50, 'address', 'location'),
        erasure(disclosedAt + 300, 'address'),
      ],
      [
        ['address', disclosedAt + 900],
        ['location', disclosedAt + 50],
      ],
    ],
    [
      'keeps the time of an erasure after the disclosure over an earlier one before it',
      disclosedAt,
      [erasure(disclosedAt + 10, 'address'), erasure(disclosedAt - 10, 'address', 'location')],
      [['address', disclosedAt + 10]],
    ],
    ['ignores an erasure answer that names no time', disclosedAt, [erasure(null, 'address')], []],
    [
      'counts every erasure with a time when there is no disclosure',
      null,
      [erasure(5, 'address'), erasure(null, 'location')],
      [['address', 5]],
    ],
    ['is empty without erasures', disclosedAt, [], []],
  ])('%s', (_name, since, erasures, expected) => {
    expect([...erasedSince(since, erasures)]).toEqual(expected);
  });

  it('keeps a category named like an object property as any other', () => {
    // A plain object as the map would have taken `__proto__` as its prototype, not as a key.
    expect([...erasedSince(disclosedAt, [erasure(disclosedAt, '__proto__')])]).toEqual([
      ['__proto__', disclosedAt],
    ]);
  });
});

describe('stillHolds', () => {
  it.each<[string, DisclosedHoldings | null, ConfirmedErasure[], boolean]>([
    ['holds what the disclosure lists with nothing erased', disclosure('address'), [], true],
    [
      'holds a category not erased beside one erased',
      disclosure('address', 'location'),
      [erasure(disclosedAt + 1, 'address')],
      true,
    ],
    [
      'holds nothing once every category was erased since',
      disclosure('address', 'location'),
      [erasure(disclosedAt + 1, 'address'), erasure(disclosedAt, 'location')],
      false,
    ],
    [
      'still holds a category erased only before the disclosure',
      disclosure('address'),
      [erasure(disclosedAt - 1, 'address')],
      true,
    ],
    [
      'still holds a category an erasure without a time names',
      disclosure('address'),
      [erasure(null, 'address')],
      true,
    ],
    [
      'holds nothing of a disclosure of unknown time once each category was erased',
      { at: null, dataCategories: ['address'] },
      [erasure(1, 'address')],
      false,
    ],
    ['holds nothing a disclosure without holdings lists', disclosure(), [], false],
    ['holds nothing without a disclosure', null, [erasure(1, 'address')], false],
  ])('%s', (_name, disclosed, erasures, expected) => {
    expect(stillHolds(disclosed, erasures)).toBe(expected);
  });
});
