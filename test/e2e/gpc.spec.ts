/**
 * Global Privacy Control end to end (issue 11): the chromium-test build of the Assistant in
 * Debian's Chromium and the fixture server of test/fixtures/, which logs the `Sec-GPC` header of
 * every request. Checked: the header on navigations and subresources and
 * `navigator.globalPrivacyControl` in the page, both absent on the site of a company granted
 * behavioural web data (and back after the revocation), and the site's `/.well-known/gpc.json`
 * read, recorded and shown.
 */
import { expect, test, type Page } from '@playwright/test';
import { siteRecord } from '../fixtures/assistant';
import { OpenWebRun } from '../fixtures/open-web-run';
import { clearinghouse } from './assistant-fixture';

const run = new OpenWebRun();

test.beforeEach(() => run.start());
test.afterEach(() => run.stop());

/** Loads /headers on `host` and returns the page's view and the headers the server saw. */
async function visit(
  page: Page,
  host: string,
): Promise<{ inPage: string; headers: (string | undefined)[] }> {
  const from = run.fixtures.requests.length;
  await page.goto(`${run.fixtures.origin(host)}/headers`);
  await expect(page.locator('body')).toHaveAttribute('data-gpc', /.+/);
  const seen = run.fixtures.requests
    .slice(from)
    .filter((r) => r.host === host && (r.path === '/headers' || r.path.startsWith('/sub/')));
  expect(seen.map((r) => r.path).sort()).toEqual([
    '/headers',
    '/sub/pixel.gif',
    '/sub/script.js',
    '/sub/show.js',
  ]);
  return {
    inPage: (await page.locator('body').getAttribute('data-gpc')) ?? '',
    headers: seen.map((r) => r.secGpc),
  };
}

test('every request carries Sec-GPC: 1 and the page sees navigator.globalPrivacyControl, from the first page on', async () => {
  const assistant = await run.assistant();
  // A fresh install: the worker's start installs the header rule (the browser keeps it from then
  // on, across restarts); the first page is the first one after that.
  const worker = assistant.context.serviceWorkers()[0]!;
  await expect
    .poll(() =>
      worker.evaluate(
        async () =>
          (
            await (
              globalThis as unknown as {
                chrome: { declarativeNetRequest: { getDynamicRules(): Promise<unknown[]> } };
              }
            ).chrome.declarativeNetRequest.getDynamicRules()
          ).length,
      ),
    )
    .toBeGreaterThan(0);
  const page = await assistant.context.newPage();
  const { inPage, headers } = await visit(page, 'news.test');
  expect(inPage).toBe('true');
  expect(headers).toEqual(['1', '1', '1', '1']);
});

test('without the Assistant there is no GPC at all (the test can tell)', async () => {
  const assistant = await run.assistant({ extension: false });
  const page = await assistant.context.newPage();
  const { inPage, headers } = await visit(page, 'news.test');
  expect(inPage).toBe('undefined');
  expect(headers).toEqual([undefined, undefined, undefined, undefined]);
});

test("a site's gpc.json is read, recorded and shown in the dashboard", async () => {
  const assistant = await run.assistant({ vault: true });
  const page = await assistant.context.newPage();
  await page.goto(`${run.fixtures.origin('gpc-shop.test')}/plain`);
  await page.goto(`${run.fixtures.origin('plain.test')}/plain`);
  const honours = await siteRecord(assistant, 'gpc-shop.test', (r) => r.gpc !== null);
  expect(honours.gpc).toMatchObject({ result: 'honours', lastUpdate: '2026-01-15' });
  const silent = await siteRecord(assistant, 'plain.test', (r) => r.gpc !== null);
  expect(silent.gpc).toMatchObject({ result: 'absent' });
  // Cached: a second visit does not ask again. The barrier: a site not asked yet, visited next.
  // The background starts a site's check when its page finished loading and reads the site's
  // record from the vault before any fetch; the second visit's check starts a whole page load
  // earlier, so once the next site's gpc.json has been asked for, a fetch of the second visit's
  // would have been asked for too.
  const gpcJsonOf = (host: string) =>
    run.fixtures.requests.filter((r) => r.host === host && r.path === '/.well-known/gpc.json');
  await page.goto(`${run.fixtures.origin('gpc-shop.test')}/plain`);
  await page.goto(`${run.fixtures.origin('later.test')}/plain`);
  await expect.poll(() => gpcJsonOf('later.test'), { intervals: [50] }).toHaveLength(1);
  expect(gpcJsonOf('gpc-shop.test')).toHaveLength(1);

  await assistant.dashboard.getByTestId('nav-sites').click();
  await expect(
    assistant.dashboard.getByTestId('site-gpc-shop.test').getByTestId('site-gpc'),
  ).toContainText('Yes, says its gpc.json (as of 2026-01-15)');
  await expect(
    assistant.dashboard.getByTestId('site-plain.test').getByTestId('site-gpc'),
  ).toContainText('Says nothing');
});

test('no GPC on the site of a company granted behavioural web data, and GPC again after the revocation', async () => {
  const { assistant, company } = await run.grantedCompany(clearinghouse);
  const page = await assistant.context.newPage();
  // The rule and the page script follow the grant as soon as it is stored.
  await expect
    .poll(async () => (await visit(page, '127.0.0.1')).inPage, { timeout: 10_000 })
    .toBe('undefined');
  expect((await visit(page, '127.0.0.1')).headers).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  // Other sites keep it.
  expect(await visit(page, 'news.test')).toEqual({ inPage: 'true', headers: ['1', '1', '1', '1'] });
  await assistant.dashboard.getByTestId('nav-sites').click();
  await expect(assistant.dashboard.getByTestId('sites-exempt')).toContainText('127.0.0.1');

  expect(
    await assistant.send({
      type: 'relationships.revoke',
      company: company.site.companyId,
      grants: 'all',
    }),
  ).toMatchObject({ type: 'relationships' });
  await expect
    .poll(async () => (await visit(page, '127.0.0.1')).headers, { timeout: 10_000 })
    .toEqual(['1', '1', '1', '1']);
  expect((await visit(page, '127.0.0.1')).inPage).toBe('true');
});
