/**
 * Citing upheld complaints in a suspension, across the pages of the upheld list (issue 10,
 * "Regulator"), in Chromium against the built portal: a company with more upheld complaints than
 * one page shows (50), a regulator who ticks one on the first page and one on the second with the
 * keyboard, pages back and forth (what was ticked stays ticked, and the count says so), and
 * suspends: the signed `suspension` the browser sends cites exactly those two, and the API
 * refuses none of them. The upheld decisions are signed in the regulator's browser with its
 * enrolled key (non-extractable, in IndexedDB), as the review page would, only without 53 visits.
 */
import type { Server } from 'node:http';
import { expect, test, type Page } from '@playwright/test';
import { base64urlDecode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import {
  addVirtualAuthenticator,
  moreComplaints,
  regulatorLink,
  seedStory,
  startProofServer,
  type SeededStory,
} from './oversight-seed';

let proofServer: Server;
let story: SeededStory;
let complaints: string[];
const legalName = `Zitierfall ${Math.random().toString(36).slice(2, 8)} GmbH`;

test.beforeAll(async ({ playwright, baseURL }) => {
  test.setTimeout(180_000);
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  story = await seedStory(request, baseURL!, proof, legalName);
  complaints = [story.complaintSha256, ...(await moreComplaints(request, baseURL!, story, 52))];
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

/**
 * Upholds each complaint with a `complaint-decision` signed in `page` by the enrolled regulator's
 * key (the one key in this browser's store), sent to the API as the review page sends it.
 */
async function upholdAll(page: Page, sha256s: string[]): Promise<number[]> {
  return page.evaluate(async (list) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('consent-clearinghouse-people');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const key = await new Promise<{ privateKey: CryptoKey; kid: string }>((resolve, reject) => {
      const all = db.transaction('signing-keys').objectStore('signing-keys').getAll();
      all.onsuccess = () => resolve(all.result[0] as { privateKey: CryptoKey; kid: string });
      all.onerror = () => reject(all.error);
    });
    db.close();
    const b64 = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const text = (value: unknown) => b64(new TextEncoder().encode(JSON.stringify(value)));
    const statuses: number[] = [];
    for (const complaintSha256 of list) {
      const iat = Math.floor(Date.now() / 1000);
      const input = `${text({ alg: 'EdDSA', typ: 'complaint-decision+jws', kid: key.kid })}.${text({
        v: 1,
        iss: `rg_${key.kid}`,
        aud: location.origin,
        iat,
        exp: iat + 600,
        jti: crypto.randomUUID(),
        complaintSha256,
        decision: 'upheld',
        reason: { de: 'Falscher Kanal.', en: 'Wrong channel.' },
      })}`;
      const signature = new Uint8Array(
        await crypto.subtle.sign('Ed25519', key.privateKey, new TextEncoder().encode(input)),
      );
      const response = await fetch('/api/v1/complaint-decisions', {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: `${input}.${b64(signature)}`,
      });
      statuses.push(response.status);
    }
    return statuses;
  }, sha256s);
}

test('ticks on two pages of the upheld complaints are kept and cited, no more', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  await page.goto(await regulatorLink(baseURL!, 'Zora Zitat'));
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  expect(await upholdAll(page, complaints)).toEqual(complaints.map(() => 201));

  await page.goto(`/regulator/companies/${story.company.id}`);
  await page.waitForLoadState('networkidle'); // hydrated: the next test covers the time before
  const cite = page.getByTestId('cite-complaints');
  const boxes = cite.getByRole('checkbox');
  await expect(boxes).toHaveCount(50);
  const position = page.getByTestId('cite-complaints-pager-position');
  await expect(position).toHaveText(
    t('en', 'portal.regulator.paging.rows', { from: '1', to: '50', total: '53' }),
  );
  const count = page.getByTestId('cite-count');
  const cited = (n: number) =>
    t('en', 'portal.regulator.suspend.cited', { count: String(n), max: '64' });
  await expect(count).toHaveText(cited(0));

  // One on the first page, by keyboard.
  const first = (await boxes.nth(3).getAttribute('value'))!;
  await boxes.nth(3).focus();
  await page.keyboard.press('Space');
  await expect(boxes.nth(3)).toBeChecked();
  await expect(count).toHaveText(cited(1));

  // The second page: the tick is counted still; one more there.
  await page.getByTestId('cite-complaints-pager-next').click();
  await expect(position).toHaveText(
    t('en', 'portal.regulator.paging.rows', { from: '51', to: '53', total: '53' }),
  );
  await expect(boxes).toHaveCount(3);
  await expect(count).toHaveText(cited(1));
  const second = (await boxes.nth(1).getAttribute('value'))!;
  await boxes.nth(1).focus();
  await page.keyboard.press('Space');
  await expect(count).toHaveText(cited(2));

  // Back to the first page: its tick is shown as ticked; one ticked and unticked again counts not.
  await page.getByTestId('cite-complaints-pager-previous').click();
  await expect(boxes).toHaveCount(50);
  await expect(cite.locator(`input[value="${first}"]`)).toBeChecked();
  await expect(cite.locator('input:checked')).toHaveCount(1);
  await boxes.nth(10).check();
  await boxes.nth(10).uncheck();
  await expect(count).toHaveText(cited(2));
  expect([first, second].every((sha256) => complaints.includes(sha256))).toBe(true);
  expect(first).not.toBe(second);

  // Suspended: the browser signs a suspension citing exactly the two.
  await page.getByLabel(t('en', 'portal.regulator.reasonText.de')).fill('Wiederholt.');
  await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Again and again.');
  const sent = page.waitForRequest(
    (r) => r.url().endsWith('/api/v1/suspensions') && r.method() === 'POST',
  );
  await page.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
  const body = (await sent).postData()!;
  const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(body.split('.')[1]!))) as {
    action: string;
    complaints?: string[];
  };
  expect(payload.action).toBe('suspend');
  expect(payload.complaints).toEqual([first, second]);
  await expect(page.getByTestId('suspension-done')).toHaveText(
    t('en', 'portal.regulator.suspend.done'),
  );
  await expect(page.getByTestId('regulator-company-status')).toHaveText(
    t('en', 'portal.status.suspended'),
  );
  await context.close();
});

test('a box ticked and reasons typed before the page’s script ran are cited and sent', async ({
  browser,
  baseURL,
  playwright,
}) => {
  test.setTimeout(120_000);
  const proof = await startProofServer();
  try {
    const request = await playwright.request.newContext({ baseURL });
    const slow = await seedStory(request, baseURL!, proof, `${legalName} Langsam`);
    await request.dispose();
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await page.goto(await regulatorLink(baseURL!, 'Lena Langsam'));
    await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
    await expect(page.getByTestId('enrol-done')).toBeVisible();
    expect(await upholdAll(page, [slow.complaintSha256])).toEqual([201]);

    // The page's script held back, as on a slow connection: the server's page is there, inert.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/_app\/immutable\/.*\.js$/, async (route) => {
      await released;
      await route.continue();
    });
    await page.goto(`/regulator/companies/${slow.company.id}`, { waitUntil: 'domcontentloaded' });
    const box = page.getByTestId('cite-complaints').getByRole('checkbox');
    await box.check();
    await page.getByLabel(t('en', 'portal.regulator.reasonText.de')).fill('Früh getippt.');
    await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Typed early.');
    const count = page.getByTestId('cite-count');
    await expect(count).toHaveText(
      t('en', 'portal.regulator.suspend.cited', { count: '0', max: '64' }),
    );
    release();
    // Failed before: the box stayed ticked on screen, but the count (and the suspension) had none.
    await expect(count).toHaveText(
      t('en', 'portal.regulator.suspend.cited', { count: '1', max: '64' }),
    );
    await expect(box).toBeChecked();
    const sent = page.waitForRequest(
      (r) => r.url().endsWith('/api/v1/suspensions') && r.method() === 'POST',
    );
    await page.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
    const payload = JSON.parse(
      new TextDecoder().decode(base64urlDecode((await sent).postData()!.split('.')[1]!)),
    ) as { complaints?: string[]; reason: { de: string; en: string } };
    expect(payload.complaints).toEqual([slow.complaintSha256]);
    expect(payload.reason).toEqual({ de: 'Früh getippt.', en: 'Typed early.' });
    await expect(page.getByTestId('suspension-done')).toHaveText(
      t('en', 'portal.regulator.suspend.done'),
    );
    await context.close();
  } finally {
    await new Promise((resolve) => proof.server.close(resolve));
  }
});
