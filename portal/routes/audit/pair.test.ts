/**
 * The pair of checkpoints the audit page's consistency check compares (pair.ts). The history
 * fills in after the page has loaded; the two lists used to start empty and "Check" then did
 * nothing. Now they start at the oldest and the newest, follow the history as it grows, and keep
 * what the auditor picked while it is still listed.
 */
import { describe, expect, it } from 'vitest';
import { checkpointPair } from './pair';

describe('checkpointPair', () => {
  it.each<[string, string[], { first?: string; second?: string }, unknown]>([
    ['nothing seen yet', [], {}, undefined],
    ['one checkpoint: itself twice', ['5:a'], {}, { first: '5:a', second: '5:a' }],
    [
      'unpicked: the oldest and the newest',
      ['5:a', '9:b', '12:c'],
      {},
      { first: '5:a', second: '12:c' },
    ],
    [
      'the second picked, the first still the oldest',
      ['5:a', '9:b', '12:c'],
      { second: '9:b' },
      { first: '5:a', second: '9:b' },
    ],
    [
      'both picked, in any order',
      ['5:a', '9:b', '12:c'],
      { first: '12:c', second: '9:b' },
      { first: '12:c', second: '9:b' },
    ],
    [
      'a pick that is no longer listed falls back to the default',
      ['9:b', '12:c'],
      { first: '5:a', second: '9:b' },
      { first: '9:b', second: '9:b' },
    ],
  ])('%s', (_, keys, chosen, pair) => {
    expect(checkpointPair(keys, chosen)).toEqual(pair);
  });

  it('follows the newest as the history grows while the auditor has picked nothing', () => {
    // After mount: first the stored history (one checkpoint), then the current one, then one
    // from a receipt that is older than both.
    expect(checkpointPair(['5:a'], {})).toEqual({ first: '5:a', second: '5:a' });
    expect(checkpointPair(['5:a', '12:c'], {})).toEqual({ first: '5:a', second: '12:c' });
    expect(checkpointPair(['3:z', '5:a', '12:c'], {})).toEqual({ first: '3:z', second: '12:c' });
  });

  it('keeps a pick among the checkpoints kept as evidence of a fork, never defaults to one', () => {
    // '12:x' contradicts '12:c' (another root at size 12): listed to be picked, not a default.
    const choosable = ['5:a', '12:c', '12:x'];
    expect(checkpointPair(['5:a', '12:c'], {}, choosable)).toEqual({
      first: '5:a',
      second: '12:c',
    });
    expect(checkpointPair(['5:a', '12:c'], { second: '12:x' }, choosable)).toEqual({
      first: '5:a',
      second: '12:x',
    });
    expect(checkpointPair(['5:a', '12:c'], { second: '12:y' }, choosable)).toEqual({
      first: '5:a',
      second: '12:c',
    });
  });
});
