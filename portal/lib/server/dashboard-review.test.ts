/**
 * The regulator's complaint lists page by page (dashboard-review.ts `complaintPage`) on SQLite
 * and PostgreSQL, over complaints filed and decided through the API's own route handlers. The
 * lists page by cursor: every complaint of a list is on some page, newest first, the oldest on
 * the last; which rows of how many a page shows comes along; a complaint decided between two
 * pages makes the next page skip none; the previous and next cursors walk a list of 120 both
 * ways, complaints filed in the same millisecond among them; and a cursor that is junk, or
 * another list's or another company's, shows the first page. A company's suspension history
 * (`suspensionHistory`) keeps the upheld complaints each suspension cites, as signed, and the
 * public page's suspension in force (`suspensionInForce`) names them by short id only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as suspensionsRoute from '../../routes/api/v1/suspensions/+server';
import {
  claims,
  expectJson,
  newRegulator,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
  type TestRegulator,
} from './api-test-kit';
import { complaintDesk, registerCompany } from './api-test-world';
import {
  complaintList,
  complaintPage,
  requestedPage,
  suspensionHistory,
  suspensionInForce,
  type ComplaintPage,
  type ComplaintState,
} from './dashboard-review';
import { testDialects } from './db/test-databases';

const sha256s = (page: ComplaintPage) => page.items.map((c) => c.sha256);

describe.each(testDialects)('complaint pages on %s', (dialect) => {
  let api: ApiHarness;
  let desk: ReturnType<typeof complaintDesk>;
  let first: TestCompany;
  let second: TestCompany;
  /** The first company's complaints, oldest first. */
  const filed: string[] = [];
  /** The second company's one complaint, filed after all of the first's. */
  let other: string;

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    desk = complaintDesk(api, await newRegulator(api));
    first = (await registerCompany(api)).company;
    second = (await registerCompany(api)).company;
    const aboutFirst = await desk.filer(first);
    const aboutSecond = await desk.filer(second);
    for (let i = 0; i < 5; i++) {
      api.clock.advance(1);
      filed.push(await aboutFirst());
    }
    api.clock.advance(1);
    other = await aboutSecond();
    // The two oldest are decided: the first upheld, the second dismissed.
    await desk.decide(filed[0]!, 'upheld');
    await desk.decide(filed[1]!, 'dismissed');
  });

  afterAll(async () => {
    await api?.close();
  });

  const page = (state: ComplaintState, cursor: string | null, company?: TestCompany) =>
    complaintPage(api.services, {
      state,
      cursor,
      pageSize: 2,
      ...(company === undefined ? {} : { company: company.id }),
    });

  it('reaches every open complaint page by page, the oldest on the last (failed before: only the newest 100)', async () => {
    const one = await page('open', null);
    const two = await page('open', one.paging.next);
    expect(sha256s(one)).toEqual([other, filed[4]]);
    expect(sha256s(two)).toEqual([filed[3], filed[2]]);
    expect(one.paging).toMatchObject({ from: 1, to: 2, total: 4, cursor: null, previous: null });
    expect(two.paging).toMatchObject({ from: 3, to: 4, total: 4, next: null, last: null });
    expect(two.paging.cursor).toBe(one.paging.next);
    expect(two.items.every((c) => c.decision === null)).toBe(true);
  });

  it.each(['open', 'decided', 'upheld'] as const)(
    "pages through one company's %s complaints, newest first, with their number",
    async (state) => {
      // Filled in beforeAll, so looked up when the test runs.
      const expected = {
        open: [[filed[4], filed[3]], [filed[2]]],
        decided: [[filed[1], filed[0]]],
        upheld: [[filed[0]]],
      }[state];
      const total = expected.flat().length;
      let cursor: string | null = null;
      for (const [i, rows] of expected.entries()) {
        const result = await page(state, cursor, first);
        expect(sha256s(result)).toEqual(rows);
        expect(result.paging).toMatchObject({ from: i * 2 + 1, to: i * 2 + rows.length, total });
        expect(result.items.every((c) => c.company === first.id)).toBe(true);
        cursor = result.paging.next;
      }
      expect(cursor).toBeNull();
    },
  );

  it('shows the last page for the last cursor, and the first page of an empty list', async () => {
    const last = await page('open', 'last', first);
    expect(last.paging).toMatchObject({ from: 3, to: 3, total: 3, cursor: 'last', next: null });
    expect(sha256s(last)).toEqual([filed[2]]);
    expect(sha256s(await page('open', last.paging.previous, first))).toEqual([filed[4], filed[3]]);
    const empty = await page('upheld', 'last', second);
    expect(empty).toEqual({
      items: [],
      paging: {
        pageSize: 2,
        total: 0,
        from: 1,
        to: 0,
        cursor: 'last',
        previous: null,
        next: null,
        last: null,
      },
    });
  });

  it("shows the first page for a junk cursor, or one of another list or another company's (failed before: no cursors)", async () => {
    const next = (await page('open', null, first)).paging.next!;
    const decidedNext = (
      await complaintPage(api.services, {
        state: 'decided',
        pageSize: 1,
        company: first.id,
      })
    ).paging.next!;
    const firstPage = await page('open', null, first);
    const cursors = [
      '',
      'x',
      '2',
      next.slice(0, -1),
      next + 'A',
      `z${next.slice(1)}`,
      next.replace(/^a\d+/, 'a1234567890123456'), // more digits than a time has
      next.replace(/\.[^.]+$/, '.AAAAAAAA'), // another list's tag
      decidedNext, // the decided list's
      (await page('open', null)).paging.next!, // the whole clearinghouse's open list
      `${next}<script>`,
      'a'.repeat(10_000),
    ];
    for (const cursor of cursors) {
      expect(await page('open', cursor, first), cursor.slice(0, 80)).toEqual(firstPage);
    }
    // The first company's cursor on the second company's list.
    expect(await page('open', next, second)).toEqual(await page('open', null, second));
  });

  it.each([0, 1.5, 201])('refuses a pageSize of %o with ERR_QUERY_INVALID', async (pageSize) => {
    await expect(complaintPage(api.services, { state: 'open', pageSize })).rejects.toMatchObject({
      code: 'ERR_QUERY_INVALID',
      detail: { parameter: 'pageSize' },
    });
  });
});

describe.each(testDialects)('paging 120 complaints by cursor on %s', (dialect) => {
  let api: ApiHarness;
  let desk: ReturnType<typeof complaintDesk>;
  let company: TestCompany;
  let fileOne: () => Promise<string>;
  /** The company's open complaints in the list's order, newest first. */
  let list: string[];

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    desk = complaintDesk(api, await newRegulator(api));
    company = (await registerCompany(api)).company;
    fileOne = await desk.filer(company);
    const filed: string[] = [];
    for (let i = 0; i < 120; i++) {
      // Eight at a time in the same millisecond, so pages end inside a run of equal times (at
      // rows 50 and 100) and the order between them is the sha256's, as the database sorts it.
      if (i % 8 === 0) api.clock.advance(1);
      filed.push(await fileOne());
    }
    list = (
      await complaintList(api.services, { state: 'open', limit: 200, company: company.id })
    ).map((c) => c.sha256);
    expect(new Set(list)).toEqual(new Set(filed));
  });

  afterAll(async () => {
    await api?.close();
  });

  const page = (cursor: string | null) =>
    complaintPage(api.services, { state: 'open', cursor, company: company.id });

  it('walks the whole list forward by next and back by previous, each row once (failed before: no cursors)', async () => {
    const forward: ComplaintPage[] = [await page(null)];
    while (forward.at(-1)!.paging.next !== null)
      forward.push(await page(forward.at(-1)!.paging.next));
    expect(forward.map((p) => [p.paging.from, p.paging.to, p.paging.total])).toEqual([
      [1, 50, 120],
      [51, 100, 120],
      [101, 120, 120],
    ]);
    expect(forward.flatMap(sha256s)).toEqual(list);
    for (const [before, after] of [forward.slice(0, 2), forward.slice(1, 3)]) {
      expect(before!.items.at(-1)!.receivedAt).toBe(after!.items[0]!.receivedAt);
    }

    // Back from the last page reached forward, and from the last-page link: the same pages.
    for (const start of [forward.at(-1)!, await page('last')]) {
      const backward: ComplaintPage[] = [start];
      while (backward[0]!.paging.previous !== null) {
        backward.unshift(await page(backward[0]!.paging.previous));
      }
      expect(backward.map((p) => sha256s(p))).toEqual(forward.map((p) => sha256s(p)));
      expect(backward[0]!.paging).toMatchObject({ from: 1, cursor: expect.any(String) });
    }
  });

  it('skips no complaint on the next page when one on the page before was decided meanwhile (failed before: no cursors; by number, page 2 started one later)', async () => {
    const one = await page(null);
    await desk.decide(one.items[0]!.sha256, 'dismissed');
    const two = await page(one.paging.next);
    expect(sha256s(two)).toEqual(list.slice(50, 100));
    // Counted as the list stands now: one row fewer above.
    expect(two.paging).toMatchObject({ from: 50, to: 99, total: 119 });
    // And back: the previous page holds what is left of the first.
    expect(sha256s(await page(two.paging.previous))).toEqual(list.slice(1, 50));
    list = list.slice(1);
  });

  it('shows the page at the end for a cursor whose rows on its side were all decided meanwhile', async () => {
    // Next from the page before the last, once every row of the last page is decided.
    const last = await page('last');
    const next = (await page(last.paging.previous)).paging.next;
    for (const sha256 of sha256s(last)) await desk.decide(sha256, 'dismissed');
    const past = await page(next);
    expect(past.items.length).toBeGreaterThan(0);
    expect(past).toEqual(await page('last'));
    expect(past.paging).toMatchObject({ to: past.paging.total, next: null });
    // Previous from the second page, once every row of the first is decided.
    const one = await page(null);
    const previous = (await page(one.paging.next)).paging.previous;
    for (const sha256 of sha256s(one)) await desk.decide(sha256, 'dismissed');
    const newest = await page(previous);
    expect(newest.paging).toMatchObject({ from: 1, cursor: null, previous: null });
    expect(newest).toEqual(await page(null));
  });
});

describe.each(testDialects)('the suspension history on %s', (dialect) => {
  let api: ApiHarness;
  let regulator: TestRegulator;
  let company: TestCompany;
  /** Three complaints about the company: the first two upheld, the third dismissed. */
  const filed: string[] = [];

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    regulator = await newRegulator(api);
    const desk = complaintDesk(api, regulator);
    company = (await registerCompany(api)).company;
    const file = await desk.filer(company);
    for (let i = 0; i < 3; i++) {
      api.clock.advance(1);
      filed.push(await file());
    }
    await desk.decide(filed[0]!, 'upheld');
    await desk.decide(filed[1]!, 'upheld');
    await desk.decide(filed[2]!, 'dismissed');
  });

  afterAll(async () => {
    await api?.close();
  });

  /** Signs a suspension or reinstatement of the company through the API's route handler. */
  async function act(action: 'suspend' | 'reinstate', complaints?: string[]) {
    api.clock.advance(1);
    const token = await sign(
      'suspension',
      {
        ...claims(api.clock, regulator.id, testOrigin),
        company: company.id,
        action,
        reason: { de: 'Grund.', en: 'Reason.' },
        ...(complaints === undefined ? {} : { complaints }),
      },
      regulator.keyPair,
    );
    return expectJson<{ sha256: string }>(
      await post(suspensionsRoute.POST, '/api/v1/suspensions', token),
      201,
    );
  }

  it('keeps the upheld complaints each suspension rests on, in the signed order (failed before: only the reason)', async () => {
    const first = await act('suspend', [filed[1]!, filed[0]!]);
    // The public page's view of it: when, and the cited complaints as short ids, nothing more.
    expect(await suspensionInForce(api.services, company.id)).toEqual({
      at: api.clock.now(),
      complaints: [`${filed[1]!.slice(0, 10)}…`, `${filed[0]!.slice(0, 10)}…`],
    });
    const reinstated = await act('reinstate');
    expect(await suspensionInForce(api.services, company.id)).toBeNull();
    const second = await act('suspend');
    expect(await suspensionInForce(api.services, company.id)).toEqual({
      at: api.clock.now(),
      complaints: [],
    });
    const { entries, more } = await suspensionHistory(api.services, company.id);
    expect(more).toBe(false);
    expect(entries.map((e) => [e.sha256, e.action, e.complaints])).toEqual([
      [second.sha256, 'suspend', []],
      [reinstated.sha256, 'reinstate', []],
      [first.sha256, 'suspend', [filed[1], filed[0]]],
    ]);
  });
});

describe('requestedPage', () => {
  it.each([
    ['3', 3],
    ['9999', 9999],
    [null, 1],
    ['', 1],
    ['0', 1],
    ['01', 1],
    ['-2', 1],
    ['2.5', 1],
    ['x', 1],
    ['10000', 10_000], // the last page the risk pager links
    ['10001', 1],
    ['100000', 1],
  ])('reads %o as page %i', (raw, expected) => {
    expect(requestedPage(raw)).toBe(expected);
  });
});
