/**
 * The regulator's complaint lists page by page (dashboard-review.ts `complaintPage`) on SQLite
 * and PostgreSQL, over complaints filed and decided through the API's own route handlers: every
 * complaint of a list is on some page, newest first, the oldest on the last; the number the list
 * holds comes along; a page past the last is the last; and the bounds of a page link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claims,
  expectJson,
  newPseudonym,
  newRegulator,
  openApiHarness,
  post,
  sign,
  testOrigin,
  type ApiHarness,
  type TestCompany,
} from './api-test-kit';
import { grantRequestToken, grantToken, registerCompany } from './api-test-world';
import { complaintPage, requestedPage, type ComplaintState } from './dashboard-review';
import { testDialects } from './db/test-databases';
import * as grantRequestsRoute from '../../routes/api/v1/grant-requests/+server';
import * as grantsRoute from '../../routes/api/v1/grants/+server';
import * as complaintsRoute from '../../routes/api/v1/complaints/+server';
import * as decisionsRoute from '../../routes/api/v1/complaint-decisions/+server';

describe.each(testDialects)('complaint pages on %s', (dialect) => {
  let api: ApiHarness;
  let first: TestCompany;
  let second: TestCompany;
  /** The first company's complaints, oldest first. */
  const filed: string[] = [];
  /** The second company's one complaint, filed after all of the first's. */
  let other: string;

  /** Files a complaint about `company` by a new pseudonym holding a grant, one second later. */
  async function complain(company: TestCompany, requestSha256: string, requestJws: string) {
    const who = newPseudonym(company.id);
    await expectJson(
      await post(
        grantsRoute.POST,
        '/api/v1/grants',
        await grantToken(api, who, company.id, requestSha256),
      ),
      201,
    );
    api.clock.advance(1);
    const token = await sign(
      'complaint',
      {
        ...claims(api.clock, who.id, testOrigin),
        company: company.id,
        evidence: [{ kind: 'grant-request', jws: requestJws }],
        reasons: ['other'],
      },
      who.keyPair,
    );
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(complaintsRoute.POST, '/api/v1/complaints', token),
      201,
    );
    return sha256;
  }

  async function openRequest(company: TestCompany) {
    const jws = await grantRequestToken(api, company);
    const { sha256 } = await expectJson<{ sha256: string }>(
      await post(grantRequestsRoute.POST, '/api/v1/grant-requests', jws),
      201,
    );
    return { sha256, jws };
  }

  beforeAll(async () => {
    api = await openApiHarness(dialect);
    const regulator = await newRegulator(api);
    first = (await registerCompany(api)).company;
    second = (await registerCompany(api)).company;
    const firstRequest = await openRequest(first);
    const secondRequest = await openRequest(second);
    for (let i = 0; i < 5; i++)
      filed.push(await complain(first, firstRequest.sha256, firstRequest.jws));
    other = await complain(second, secondRequest.sha256, secondRequest.jws);
    // The two oldest are decided: the first upheld, the second dismissed.
    for (const [complaintSha256, decision] of [
      [filed[0]!, 'upheld'],
      [filed[1]!, 'dismissed'],
    ] as const) {
      const token = await sign(
        'complaint-decision',
        {
          ...claims(api.clock, regulator.id, testOrigin),
          complaintSha256,
          decision,
          reason: { de: 'Begründet.', en: 'Reasoned.' },
        },
        regulator.keyPair,
      );
      await expectJson(await post(decisionsRoute.POST, '/api/v1/complaint-decisions', token), 201);
    }
  });

  afterAll(async () => {
    await api?.close();
  });

  const page = (state: ComplaintState, n: number, company?: TestCompany) =>
    complaintPage(api.services, {
      state,
      page: n,
      pageSize: 2,
      ...(company === undefined ? {} : { company: company.id }),
    });

  it('reaches every open complaint page by page, the oldest on the last (failed before: only the newest 100)', async () => {
    const one = await page('open', 1);
    const two = await page('open', 2);
    expect(one.items.map((c) => c.sha256)).toEqual([other, filed[4]]);
    expect(two.items.map((c) => c.sha256)).toEqual([filed[3], filed[2]]);
    expect(one.paging).toEqual({ page: 1, pageSize: 2, total: 4 });
    expect(two.paging).toEqual({ page: 2, pageSize: 2, total: 4 });
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
      for (const [i, sha256s] of expected.entries()) {
        const result = await page(state, i + 1, first);
        expect(result.items.map((c) => c.sha256)).toEqual(sha256s);
        expect(result.paging).toEqual({ page: i + 1, pageSize: 2, total });
        expect(result.items.every((c) => c.company === first.id)).toBe(true);
      }
    },
  );

  it('shows the last page for a page past it, and page 1 of an empty list', async () => {
    const past = await page('open', 9, first);
    expect(past.paging).toEqual({ page: 2, pageSize: 2, total: 3 });
    expect(past.items.map((c) => c.sha256)).toEqual([filed[2]]);
    const empty = await page('upheld', 3, second);
    expect(empty).toEqual({ items: [], paging: { page: 1, pageSize: 2, total: 0 } });
  });

  it.each([
    [{ page: 0 }, 'page'],
    [{ page: 1.5 }, 'page'],
    [{ page: 10_001 }, 'page'],
    [{ page: 1, pageSize: 0 }, 'pageSize'],
    [{ page: 1, pageSize: 201 }, 'pageSize'],
  ])('refuses %o with ERR_QUERY_INVALID', async (query, parameter) => {
    await expect(complaintPage(api.services, { state: 'open', ...query })).rejects.toMatchObject({
      code: 'ERR_QUERY_INVALID',
      detail: { parameter },
    });
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
    ['10000', 10_000], // the last page the pager links
    ['10001', 1],
    ['100000', 1],
  ])('reads %o as page %i', (raw, expected) => {
    expect(requestedPage(raw)).toBe(expected);
  });
});
