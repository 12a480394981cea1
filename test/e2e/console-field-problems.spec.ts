/**
 * The company console's own field checks (portal/routes/company/+page.svelte: the `novalidate`
 * forms whose problems the page finds before signing anything), in Chromium with the page's
 * script running: a form sent with a missing or invalid field says the problem beside that
 * field in the portal's language, marks the field `aria-invalid` and describes it by that
 * sentence, moves the focus to the first such field and sends nothing; corrected, it is sent.
 * Covered: the consent request (purposes, channels, the reason in two languages), an access
 * request's disclosure (categories, purposes, retention), a correction's confirmation and a
 * key's compromise time, in English and, switched with the site's language control, German.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  expect,
  test,
  type APIRequestContext,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { base64urlDecode, base64urlEncode } from '../../protocol/encoding';
import { t, type Locale } from '../../protocol/i18n';
import type { Payload } from '../../protocol/messages';
import { sealTo } from '../../protocol/seal';
import { ready } from '../../protocol/sodium';
import { dataCategoryIds } from '../../protocol/vocabulary';
import { registerAndEnrol } from './console-company';
import {
  claims,
  expectNoProblemAt,
  expectProblemAt,
  grantingCustomer,
  postJose,
} from './console-customer';
import { addVirtualAuthenticator, startProofServer } from './oversight-seed';
import type { ConsoleKeyFile } from './story-helpers';

// One company for all tests, its console open in one page: each test goes on where the last
// stopped (the German ones after the switch; the compromise last, as it needs a second key).
test.describe.configure({ mode: 'serial' });

let proofServer: Server | undefined;
let context: BrowserContext;
let page: Page;
let companyId: string;
let key: ConsoleKeyFile;
/** The console's form actions posted so far (`?/request`, …), in order. */
const posted: string[] = [];

/**
 * A customer who granted the company's request for their address, then sent a correction of it
 * (sealed to the company key) and an access request: the console lists both.
 */
async function seedCustomer(request: APIRequestContext, origin: string): Promise<void> {
  const { customer, pseudonym } = await grantingCustomer(request, origin, companyId, key.keyPair);
  await postJose(
    request,
    '/api/v1/corrections',
    'correction',
    {
      ...claims(pseudonym, companyId),
      dataCategory: 'address',
      sealed: base64urlEncode(
        sealTo(
          base64urlDecode(key.jwk.x),
          JSON.stringify({ dataCategory: 'address', value: 'Domstraße 2, 50668 Köln' }),
        ),
      ),
    } as Payload<'correction'>,
    customer,
  );
  await postJose(
    request,
    '/api/v1/data-requests',
    'data-request',
    { ...claims(pseudonym, companyId), type: 'access' } as Payload<'data-request'>,
    customer,
  );
}

/** Loads a company key file into the console (in the page's memory only), in `locale`. */
async function loadKey(locale: Locale, file: { text: string; kid: string }): Promise<void> {
  await page.getByTestId('key-file').setInputFiles({
    name: 'company-key.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(file.text),
  });
  // Said by the page's script: the page is hydrated from here on.
  await expect(page.getByTestId('key-loaded')).toHaveText(
    t(locale, 'portal.console.key.loaded', { kid: file.kid }),
  );
}

test.beforeAll(async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  await ready();
  const proof = await startProofServer();
  proofServer = proof.server;
  context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  page = await context.newPage();
  await addVirtualAuthenticator(page);
  ({ companyId, key } = await registerAndEnrol(page, {
    legalName: `Feldprüfung ${randomUUID().slice(0, 6)} GmbH`,
    staffName: 'Fiona Feld',
    proof,
  }));
  await seedCustomer(page.request, baseURL!);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.pathname === '/company') posted.push(url.search);
  });
  await page.reload();
  await expect(page.getByTestId('correction-row')).toHaveCount(1);
  await expect(page.getByTestId('disclose-form')).toHaveCount(1);
});

test.afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (proofServer ? proofServer.close(resolve) : resolve(null)));
});

test('the consent request says each missing field beside it, focuses the first and sends nothing; corrected, it is sent', async () => {
  await loadKey('en', { text: key.text, kid: key.jwk.kid });
  const form = page.locator('#form-request');
  const submit = form.getByRole('button', { name: t('en', 'portal.console.request.submit') });
  const purposes = form.getByRole('group', { name: t('en', 'portal.console.request.purposes') });
  const channels = form.getByRole('group', { name: t('en', 'portal.console.request.channels') });
  const reasonDe = form.getByLabel(t('en', 'portal.console.request.reasonDe'), { exact: true });
  const reasonEn = form.getByLabel(t('en', 'portal.console.request.reasonEn'), { exact: true });
  const timeZone = form.getByLabel(t('en', 'portal.console.request.timeZone'), { exact: true });
  const before = posted.length;

  // Nothing chosen, no reason.
  await submit.click();
  await expectProblemAt(purposes, t('en', 'portal.console.request.error.purposes'));
  await expectProblemAt(channels, t('en', 'portal.console.request.error.channels'));
  const reason = t('en', 'portal.console.request.error.reason');
  await expectProblemAt(reasonDe, reason);
  await expectProblemAt(reasonEn, reason);
  // The reason is one field in two languages: one sentence for both.
  expect(await reasonDe.getAttribute('aria-describedby')).toBe(
    await reasonEn.getAttribute('aria-describedby'),
  );
  await expect(form.getByTestId('field-error-reason')).toHaveCount(1);
  await expectNoProblemAt(timeZone);
  // The focus on the first invalid field: the purposes' first checkbox.
  await expect(
    purposes.getByLabel(t('en', 'vocabulary.purpose.product_launch'), { exact: true }),
  ).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  // A purpose and a channel, still no reason: only the reason is said, the focus goes there.
  await purposes.getByLabel(t('en', 'vocabulary.purpose.product_launch'), { exact: true }).check();
  await channels.getByLabel(t('en', 'vocabulary.channel.newsletter'), { exact: true }).check();
  await submit.click();
  await expect(form.getByTestId('field-error-purposes')).toHaveCount(0);
  await expectNoProblemAt(purposes);
  await expectNoProblemAt(channels);
  await expectProblemAt(reasonDe, reason);
  await expectProblemAt(reasonEn, reason);
  await expect(reasonDe).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  // Corrected: sent once, and the request is made.
  await reasonDe.fill('Neuigkeiten zu unseren Laufschuhen.');
  await reasonEn.fill('News about our running shoes.');
  await submit.click();
  await expect(page.getByTestId('request-link')).toBeVisible();
  await expectNoProblemAt(reasonDe);
  await expect(form.getByTestId('field-error-reason')).toHaveCount(0);
  expect(posted.slice(before)).toEqual(['?/request']);
});

test('a disclosure without categories, purposes or a valid retention is said at each field and not sent; corrected, it is', async () => {
  const form = page.getByTestId('disclose-form');
  const submit = form.getByRole('button', { name: t('en', 'portal.console.disclose.submit') });
  const categories = form.getByRole('group', {
    name: t('en', 'portal.console.disclose.categories'),
  });
  const purposes = form.getByRole('group', { name: t('en', 'portal.console.disclose.purposes') });
  const sources = form.getByRole('group', { name: t('en', 'portal.console.disclose.sources') });
  const retention = form.getByLabel(t('en', 'portal.console.disclose.retention'), { exact: true });
  const before = posted.length;

  await retention.fill('0');
  await submit.click();
  await expectProblemAt(categories, t('en', 'portal.console.disclose.error.categories'));
  await expectProblemAt(purposes, t('en', 'portal.console.disclose.error.purposes'));
  await expectProblemAt(retention, t('en', 'portal.console.disclose.error.retention'));
  // The source comes ticked ("direct"): fine.
  await expectNoProblemAt(sources);
  await expect(
    categories.getByLabel(t('en', `vocabulary.dataCategory.${dataCategoryIds[0]}`), {
      exact: true,
    }),
  ).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  await categories.getByLabel(t('en', 'vocabulary.dataCategory.address'), { exact: true }).check();
  await purposes.getByLabel(t('en', 'vocabulary.purpose.product_launch'), { exact: true }).check();
  await submit.click();
  await expectNoProblemAt(categories);
  await expectNoProblemAt(purposes);
  await expectProblemAt(retention, t('en', 'portal.console.disclose.error.retention'));
  await expect(retention).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  await retention.fill('30');
  await submit.click();
  await expect(page.getByTestId('disclose-done')).toHaveText(
    t('en', 'portal.console.disclose.done'),
  );
  await expect(page.getByTestId('disclose-form')).toHaveCount(0);
  expect(posted.slice(before)).toEqual(['?/disclose']);
});

test('in German (switched with the language control), a request without its English reason is said at both reason fields and not sent; corrected, it is', async () => {
  // The site's language control: the page's data loads again in German, what was typed stays.
  await page.getByRole('button', { name: t('de', 'common.language.de') }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('de', 'portal.console.title'));
  await loadKey('de', { text: key.text, kid: key.jwk.kid });
  const before = posted.length;

  const form = page.locator('#form-request');
  const reasonDe = form.getByLabel(t('de', 'portal.console.request.reasonDe'), { exact: true });
  const reasonEn = form.getByLabel(t('de', 'portal.console.request.reasonEn'), { exact: true });
  const submit = form.getByRole('button', { name: t('de', 'portal.console.request.submit') });
  await form
    .getByRole('group', { name: t('de', 'portal.console.request.purposes') })
    .getByLabel(t('de', 'vocabulary.purpose.product_launch'), { exact: true })
    .check();
  await form
    .getByRole('group', { name: t('de', 'portal.console.request.channels') })
    .getByLabel(t('de', 'vocabulary.channel.email'), { exact: true })
    .check();
  // Only the German reason: the English one is missing (emptied: the switch kept what the test
  // before typed).
  await reasonDe.fill('Neuigkeiten.');
  await reasonEn.fill('');
  await submit.click();
  await expectProblemAt(reasonDe, t('de', 'portal.console.request.error.reason'));
  await expectProblemAt(reasonEn, t('de', 'portal.console.request.error.reason'));
  await expect(reasonDe).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  await reasonEn.fill('News.');
  await submit.click();
  await expect(page.getByTestId('request-link')).toBeVisible();
  await expectNoProblemAt(reasonEn);
  await expectNoProblemAt(reasonDe);
  expect(posted.slice(before)).toEqual(['?/request']);
});

test('in German, a compromise declared without its time is said at the field and not sent; with it, the key is marked', async () => {
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  // Another current key must declare the first one compromised: one is added here, its file
  // taken as the page offers it once, and loaded.
  await page.getByRole('button', { name: t('de', 'portal.console.keys.add') }).click();
  await expect(page.getByTestId('key-done')).toHaveText(t('de', 'portal.console.keys.done'));
  const download = page.waitForEvent('download');
  await page.getByTestId('new-key-download').click();
  const text = readFileSync(await (await download).path(), 'utf8');
  const added = JSON.parse(text) as { kid: string };
  expect(added.kid).not.toBe(key.jwk.kid);
  await loadKey('de', { text, kid: added.kid });
  const before = posted.length;

  const row = page.locator(`[data-testid="key-row"][data-kid="${key.jwk.kid}"]`);
  const form = row.locator(`form[id="form-declare-${key.jwk.kid}"]`);
  const since = form.locator('input[name="since"]');
  const declare = form.getByRole('button');
  await expect(declare).toHaveCount(1);
  await declare.click();
  await expectProblemAt(since, t('de', 'portal.console.keys.error.since'));
  await expect(since).toBeFocused();
  expect(posted.slice(before)).toEqual([]);
  await expect(row.getByTestId('key-state')).toHaveText(t('de', 'portal.console.keys.current'));

  // An hour ago, in UTC (the page reads the field's time as UTC).
  await since.fill(new Date(Date.now() - 3_600_000).toISOString().slice(0, 16));
  await declare.click();
  await expect(row.getByTestId('key-state')).toContainText(
    t('de', 'portal.console.keys.compromised'),
  );
  await expect(row.getByTestId('key-compromised-since')).toContainText(/\d\d:\d\d:\d\d UTC/);
  await expect(form).toHaveCount(0);
  expect(posted.slice(before)).toEqual(['?/key']);
});

test('in German, a correction deleted without its confirmation is said at the checkbox and not sent; confirmed, it is deleted', async () => {
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  const before = posted.length;
  const row = page.getByTestId('correction-row');
  const id = await row.getAttribute('data-id');
  const confirm = row.getByLabel(t('de', 'portal.console.corrections.confirm'));
  const remove = row.getByRole('button', { name: t('de', 'portal.console.corrections.delete') });
  await remove.click();
  const sentence = t('de', 'portal.console.corrections.error.confirm');
  // Said at the top of the section (role="alert") ...
  await expect(page.getByTestId('error-correction')).toHaveText(sentence);
  // ... and beside the checkbox, which it describes along with the explanation the checkbox has
  // anyway, and the focus on the checkbox. (The form's hidden `<input name="id">` once shadowed
  // `formElement.id`, as a form's named controls are its properties, and the problem was filed
  // under no form: field-problems.ts `formIdOf`.)
  await expect(row.getByTestId('field-error-confirm')).toHaveText(sentence);
  await expect(confirm).toHaveAttribute('aria-invalid', 'true');
  await expect(confirm).toHaveAttribute(
    'aria-describedby',
    `correction-explain-${id} form-correction-${id}-confirm-error`,
  );
  await expect(confirm).toBeFocused();
  expect(posted.slice(before)).toEqual([]);
  await expect(row).toHaveCount(1);

  await confirm.check();
  await remove.click();
  await expect(page.getByTestId('correction-done')).toHaveText(
    t('de', 'portal.console.corrections.deleted'),
  );
  await expect(page.getByTestId('correction-row')).toHaveCount(0);
  expect(posted.slice(before)).toEqual(['?/correction']);
});
