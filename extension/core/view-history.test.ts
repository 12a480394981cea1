import { describe, expect, it } from 'vitest';
import type { OpenedAnswer, OpenedDisclosure } from './disclosures';
import {
  keptPastView,
  maxListedObligations,
  mergedHistory,
  pastViewBounds,
  type ListedHistory,
} from './view-history';

/** A distinct 43-character hash per `n` (the function reads them as ids only). */
const h = (n: number) => String(n).padStart(43, '0');
/** A token-shaped string of about `chars` characters. */
const token = (n: number, chars = 60) => `h.${String(n).padEnd(chars, 'p')}.s`;

const disclosure = (n: number, current = false, chars?: number) => ({
  sha256: h(n),
  jws: token(n, chars),
  current,
});
const opened = (n: number): OpenedDisclosure => ({
  state: 'invalid',
  sha256: h(n),
  openedAt: 1,
  code: 'ERR_JWS_KID_UNKNOWN',
});
const request = (n: number, answered: boolean) => ({
  sha256: h(n),
  jws: token(n),
  deadline: 1,
  answer: answered ? { sha256: h(100_000 + n), jws: token(100_000 + n) } : null,
});
const answer = (n: number): OpenedAnswer => ({
  state: 'invalid',
  sha256: h(100_000 + n),
  requestSha256: h(n),
  code: 'ERR_JWS_KID_UNKNOWN',
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function stored(overrides: Partial<ListedHistory>): ListedHistory {
  return {
    disclosures: [],
    dataRequests: [],
    openedDisclosures: [],
    openedAnswers: [],
    ...overrides,
  };
}

describe('keptPastView', () => {
  it.each([
    {
      case: 'nothing before a first refresh (or a restore, which starts from the view)',
      previous: undefined,
      view: { disclosures: [disclosure(1, true)], dataRequests: [request(2, true)] },
      kept: { disclosures: [], dataRequests: [] },
    },
    {
      case: 'the disclosures it opened that the view lacks, never current, in their order',
      previous: stored({
        disclosures: [disclosure(1), disclosure(2), disclosure(3), disclosure(4, true)],
        openedDisclosures: [opened(1), opened(3), opened(4)],
      }),
      view: { disclosures: [disclosure(4), disclosure(5, true)], dataRequests: [] },
      kept: { disclosures: [disclosure(1), disclosure(3)], dataRequests: [] },
    },
    {
      case: 'the answered data requests the view lacks, answer and all; not an open one',
      previous: stored({
        dataRequests: [request(1, true), request(2, false), request(3, true), request(4, true)],
        openedAnswers: [answer(3)],
      }),
      view: { disclosures: [], dataRequests: [request(4, true), request(5, false)] },
      kept: { disclosures: [], dataRequests: [request(1, true), request(3, true)] },
    },
    {
      case: 'one entry once, however often the stored record listed it',
      previous: stored({
        disclosures: [disclosure(1), disclosure(1, true)],
        openedDisclosures: [opened(1)],
        dataRequests: [request(2, true), request(2, true)],
      }),
      view: { disclosures: [], dataRequests: [] },
      kept: { disclosures: [disclosure(1)], dataRequests: [request(2, true)] },
    },
  ])('keeps $case', ({ previous, view, kept }) => {
    expect(keptPastView(previous, view)).toEqual(kept);
  });

  it('keeps a hundred disclosures, and data requests up to the record’s thousand, the oldest going first', () => {
    const previous = stored({
      disclosures: range(0, 150).map((n) => disclosure(n)),
      openedDisclosures: range(0, 150).map(opened),
      dataRequests: range(0, 700).map((n) => request(n, true)),
    });
    const view = {
      disclosures: range(150, 160).map((n) => disclosure(n, n === 159)),
      dataRequests: range(700, 1300).map((n) => request(n, n % 2 === 0)),
    };
    const kept = keptPastView(previous, view);
    expect(kept.disclosures).toEqual(range(50, 150).map((n) => disclosure(n)));
    expect(pastViewBounds.disclosures.items).toBe(100);
    expect(kept.dataRequests).toEqual(range(300, 700).map((n) => request(n, true)));
    expect(kept.dataRequests.length + view.dataRequests.length).toBe(maxListedObligations);
  });

  it('keeps disclosures within 2 MiB with their opened copies, the oldest going first', () => {
    // Sixty of about 60 KiB, each with its copy: not all fit.
    const previous = stored({
      disclosures: range(0, 60).map((n) => disclosure(n, false, 60 * 1024)),
      openedDisclosures: range(0, 60).map(opened),
    });
    const kept = keptPastView(previous, { disclosures: [], dataRequests: [] }).disclosures;
    const size = (from: number) =>
      JSON.stringify(range(from, 60).map((n) => [disclosure(n, false, 60 * 1024), opened(n)]))
        .length;
    const first = 60 - kept.length;
    expect(kept).toEqual(range(first, 60).map((n) => disclosure(n, false, 60 * 1024)));
    expect(first).toBeGreaterThan(0);
    expect(size(first)).toBeLessThanOrEqual(pastViewBounds.disclosures.chars);
    expect(size(first - 1)).toBeGreaterThan(pastViewBounds.disclosures.chars);
  });
});

describe('mergedHistory', () => {
  /** Kept for a passing reason (the device clock behind): a refresh opens it again. */
  const aheadOfClock = (n: number): OpenedDisclosure => ({
    state: 'invalid',
    sha256: h(n),
    openedAt: 1,
    code: 'ERR_JWS_NOT_YET_VALID',
  });

  // Two refreshes read the same stored record: disclosures 1 and 2 opened, data request 11
  // answered, 12 and 14 open. The other's view, asked for first, carried disclosure 3, new, which
  // it opened, and the answer to 12; newer ones pushed both out of the winner's view, asked for
  // later, before its refresh could see them.
  it.each([
    {
      case: 'a disclosure the other opened that left the winner’s view unseen, among the kept ones and never current',
      winner: stored({
        disclosures: [disclosure(1), disclosure(2), disclosure(4), disclosure(5, true)],
        openedDisclosures: [opened(1), opened(2), opened(4), opened(5)],
      }),
      viewed: { disclosures: 2, dataRequests: 0 },
      other: stored({
        disclosures: [disclosure(1), disclosure(2), disclosure(3, true)],
        openedDisclosures: [opened(1), opened(2), opened(3)],
      }),
      merged: stored({
        disclosures: [
          disclosure(1),
          disclosure(2),
          disclosure(3),
          disclosure(4),
          disclosure(5, true),
        ],
        openedDisclosures: [opened(1), opened(2), opened(3), opened(4), opened(5)],
      }),
    },
    {
      case: 'an answered data request that left the winner’s view unseen, with its opened answer',
      winner: stored({
        dataRequests: [request(11, true), request(13, true), request(14, false)],
        openedAnswers: [answer(11), answer(13)],
      }),
      viewed: { disclosures: 0, dataRequests: 2 },
      other: stored({
        dataRequests: [request(11, true), request(12, true), request(14, false)],
        openedAnswers: [answer(11), answer(12)],
      }),
      merged: stored({
        dataRequests: [request(11, true), request(12, true), request(13, true), request(14, false)],
        openedAnswers: [answer(11), answer(12), answer(13)],
      }),
    },
    {
      case: 'the opened copies the winner lacks of what both list (the registry was out of its refresh’s reach; the older view’s refresh opened them)',
      winner: stored({
        disclosures: [disclosure(1), disclosure(2, true)],
        openedDisclosures: [opened(1)],
        dataRequests: [request(11, true)],
      }),
      viewed: { disclosures: 2, dataRequests: 1 },
      other: stored({
        disclosures: [disclosure(1), disclosure(2, true)],
        openedDisclosures: [opened(1), opened(2)],
        dataRequests: [request(11, true)],
        openedAnswers: [answer(11)],
      }),
      merged: stored({
        disclosures: [disclosure(1), disclosure(2, true)],
        openedDisclosures: [opened(1), opened(2)],
        dataRequests: [request(11, true)],
        openedAnswers: [answer(11)],
      }),
    },
  ])('keeps $case', ({ winner, viewed, other, merged }) => {
    expect(mergedHistory(winner, viewed, other)).toEqual(merged);
  });

  it.each([
    {
      case: 'a disclosure the other never opened, nor an open data request',
      other: stored({
        disclosures: [disclosure(3, true)],
        dataRequests: [request(12, false)],
      }),
    },
    {
      case: 'a copy the other kept as invalid for a passing reason, of a disclosure both list',
      other: stored({
        disclosures: [disclosure(1), disclosure(2, true)],
        openedDisclosures: [opened(1), aheadOfClock(2)],
      }),
    },
  ])('adds nothing for $case', ({ other }) => {
    const winner = stored({
      disclosures: [disclosure(1), disclosure(2, true)],
      openedDisclosures: [opened(1)],
      dataRequests: [request(11, true)],
      openedAnswers: [answer(11)],
    });
    const merged = mergedHistory(winner, { disclosures: 1, dataRequests: 1 }, other);
    expect(merged).toEqual(winner);
    expect(merged.disclosures).toBe(winner.disclosures);
    expect(merged.dataRequests).toBe(winner.dataRequests);
  });

  it('adds back nothing the winner’s refresh left out to stay within the bounds', () => {
    // The record that refresh read (`previous`), past the bounds with the view's entries.
    const previous = stored({
      disclosures: range(0, 150).map((n) => disclosure(n)),
      openedDisclosures: range(0, 150).map(opened),
      dataRequests: range(0, 700).map((n) => request(n, true)),
      openedAnswers: range(0, 700).map(answer),
    });
    const view = {
      disclosures: range(150, 160).map((n) => disclosure(n, n === 159)),
      dataRequests: range(700, 1300).map((n) => request(n, n % 2 === 0)),
    };
    const past = keptPastView(previous, view);
    const winner = stored({
      disclosures: [...past.disclosures, ...view.disclosures],
      openedDisclosures: range(50, 160).map(opened),
      dataRequests: [...past.dataRequests, ...view.dataRequests],
      openedAnswers: [...range(300, 700), ...range(700, 1300).filter((n) => n % 2 === 0)].map(
        answer,
      ),
    });
    const viewed = { disclosures: 10, dataRequests: 600 };
    expect(mergedHistory(winner, viewed, previous)).toEqual(winner);
  });

  it('keeps the newest within the bounds when the two records together pass them', () => {
    // The winner keeps a hundred (50 to 149); the other opened ten more that left its view.
    const kept = [...range(50, 150), ...range(160, 170)];
    const winner = stored({
      disclosures: kept.map((n) => disclosure(n, n === 169)),
      openedDisclosures: kept.map(opened),
    });
    const other = stored({
      disclosures: range(100, 160).map((n) => disclosure(n, n === 159)),
      openedDisclosures: range(100, 160).map(opened),
    });
    const merged = mergedHistory(winner, { disclosures: 10, dataRequests: 0 }, other);
    expect(merged.disclosures).toEqual(range(60, 170).map((n) => disclosure(n, n === 169)));
    expect(merged.openedDisclosures).toEqual(range(60, 170).map(opened));
    expect(merged.disclosures.length - 10).toBe(pastViewBounds.disclosures.items);
  });
});
