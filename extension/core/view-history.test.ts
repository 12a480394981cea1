import { describe, expect, it } from 'vitest';
import type { OpenedAnswer, OpenedDisclosure } from './disclosures';
import {
  keptPastView,
  maxListedObligations,
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
