/**
 * The company console's fixes after an exploratory test (portal/routes/company/+page.svelte), in
 * Chromium with the page's script running:
 * - "Load your company key file first." goes once a key is loaded (it stayed beside "Key …
 *   loaded.").
 * - An onward recipient whose text after the last comma is no two-letter country code is said at
 *   the field, which keeps its hint, and nothing is signed (`, DEU` was signed as part of a name).
 * - A data request's "Refuse" without its reason and "Confirm erasure" with a category both erased
 *   and kept mark the fields at fault, say the sentence beside them and focus the first (the
 *   focus stayed on the button, no field marked).
 * - An answered request stays in sight, under "Recently answered", with what was answered.
 * - A checkbox keeps its size when its label wraps (8 px wide at 1280 px, 9 at 320 px).
 * - A suspended company's request and invitation forms say at the form that they cannot be sent
 *   and why, their buttons aria-disabled and described by that sentence; pressed, nothing is sent.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  expect,
  test,
  type APIRequestContext,
  type BrowserContext,
  type Page,
} from '@playwright/test';
import { t } from '../../protocol/i18n';
import type { Payload } from '../../protocol/messages';
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
import { addVirtualAuthenticator, regulatorLink, startProofServer } from './oversight-seed';
import type { ConsoleKeyFile } from './story-helpers';

// One company for all tests, its console open in one page: each test goes on where the last
// stopped (the suspension last: it ends what the company may do).
test.describe.configure({ mode: 'serial' });

let proofServer: Server | undefined;
let context: BrowserContext;
let page: Page;
let companyId: string;
let key: ConsoleKeyFile;
/** The console's form actions posted so far (`?/request`, …), in order. */
const posted: string[] = [];

/** A customer who granted the company's request for their address, then asked for its erasure. */
async function seedErasureRequest(request: APIRequestContext, origin: string): Promise<void> {
  const { customer, pseudonym } = await grantingCustomer(request, origin, companyId, key.keyPair);
  await postJose(
    request,
    '/api/v1/data-requests',
    'data-request',
    {
      ...claims(pseudonym, companyId),
      type: 'erasure',
      dataCategories: ['address'],
    } as Payload<'data-request'>,
    customer,
  );
}

/** Loads a key file's `text` into the console (in the page's memory only). */
async function loadKeyText(text: string): Promise<void> {
  await page.getByTestId('key-file').setInputFiles({
    name: 'company-key.jwk.json',
    mimeType: 'application/json',
    buffer: Buffer.from(text),
  });
}

/** The width and height of each checkbox of the page's choice lists, rounded to 0.1 px. */
function checkboxSizes(): Promise<{ name: string; width: number; height: number }[]> {
  return page.locator('label.choice > input[type="checkbox"]').evaluateAll((boxes) =>
    boxes
      .filter((box) => box.getClientRects().length > 0)
      .map((box) => {
        const { width, height } = box.getBoundingClientRect();
        return {
          name: `${(box as HTMLInputElement).name}=${(box as HTMLInputElement).value}`,
          width: Math.round(width * 10) / 10,
          height: Math.round(height * 10) / 10,
        };
      }),
  );
}

test.beforeAll(async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  await ready();
  const proof = await startProofServer();
  proofServer = proof.server;
  context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await addVirtualAuthenticator(page);
  ({ companyId, key } = await registerAndEnrol(page, {
    legalName: `Konsolenprobe ${randomUUID().slice(0, 6)} GmbH`,
    staffName: 'Petra Probe',
    proof,
  }));
  await seedErasureRequest(page.request, baseURL!);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.pathname === '/company') posted.push(url.search);
  });
  await page.reload();
  await expect(page.getByTestId('data-request')).toHaveCount(1);
});

test.afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (proofServer ? proofServer.close(resolve) : resolve(null)));
});

test('"Load your company key file first." goes once a key is loaded', async () => {
  // A file that is no key: said by the page's script, so the page is hydrated from here on.
  await loadKeyText('{"not":"a key"}');
  await expect(
    page.getByRole('alert').filter({ hasText: t('en', 'portal.console.key.fileInvalid') }),
  ).toBeVisible();
  const form = page.locator('#form-request');
  const before = posted.length;
  await form.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  await expect(page.getByTestId('error-request')).toHaveText(t('en', 'portal.console.key.needed'));
  expect(posted.slice(before)).toEqual([]);

  await loadKeyText(key.text);
  await expect(page.getByTestId('key-loaded')).toHaveText(
    t('en', 'portal.console.key.loaded', { kid: key.jwk.kid }),
  );
  // Failed before: the request form still said to load the key, under the sentence that it was.
  await expect(page.getByTestId('error-request')).toHaveCount(0);
  await expect(page.getByText(t('en', 'portal.console.key.fileInvalid'))).toHaveCount(0);
});

test('a recipient line whose country is no two-letter code is said at the field and not signed; corrected, the request is made', async () => {
  const form = page.locator('#form-request');
  const recipients = form.getByLabel(t('en', 'portal.console.request.recipients'), {
    exact: true,
  });
  const submit = form.getByRole('button', { name: t('en', 'portal.console.request.submit') });
  // The rule is said under the field, which it describes.
  await expect(page.locator('#recipients-hint')).toHaveText(
    t('en', 'portal.console.request.recipientsHint'),
  );
  await expect(recipients).toHaveAttribute('aria-describedby', 'recipients-hint');
  await form
    .getByRole('group', { name: t('en', 'portal.console.request.purposes') })
    .getByLabel(t('en', 'vocabulary.purpose.product_launch'), { exact: true })
    .check();
  await form
    .getByRole('group', { name: t('en', 'portal.console.request.channels') })
    .getByLabel(t('en', 'vocabulary.channel.newsletter'), { exact: true })
    .check();
  await form
    .getByLabel(t('en', 'portal.console.request.reasonDe'), { exact: true })
    .fill('Neuigkeiten.');
  await form.getByLabel(t('en', 'portal.console.request.reasonEn'), { exact: true }).fill('News.');
  const before = posted.length;

  // Failed before: both lines were signed as names without a country.
  for (const line of ['Versanddienst GmbH, DEU', 'Druckerei Schmidt, Deutschland']) {
    await recipients.fill(`Logistik AG, us\n${line}`);
    await submit.click();
    await expectProblemAt(
      recipients,
      t('en', 'portal.console.recipients.error.country', { line: 2, text: line }),
      'recipients-hint',
    );
    await expect(recipients).toBeFocused();
    expect(posted.slice(before)).toEqual([]);
  }

  // A lower-case code is taken; a name with a comma ends with its country.
  await recipients.fill('Logistik AG, us\nMüller, Schmidt & Co, DE');
  await submit.click();
  await expect(page.getByTestId('request-link')).toBeVisible();
  await expectNoProblemAt(recipients);
  expect(posted.slice(before)).toEqual(['?/request']);
});

test('an erasure card marks the fields at fault, says why beside them and focuses the first; answered, the request is listed as answered', async () => {
  const card = page
    .getByTestId('data-request')
    .filter({ has: page.locator('button[value="erased"]') });
  await expect(card).toHaveCount(1);
  const reasonDe = card.getByLabel(t('en', 'portal.console.dataRequests.reasonDe'), {
    exact: true,
  });
  const reasonEn = card.getByLabel(t('en', 'portal.console.dataRequests.reasonEn'), {
    exact: true,
  });
  const erased = card.getByRole('group', {
    name: t('en', 'portal.console.dataRequests.erasedCategories'),
  });
  const kept = card.getByRole('group', {
    name: t('en', 'portal.console.dataRequests.keptCategories'),
  });
  const address = t('en', 'vocabulary.dataCategory.address');
  const before = posted.length;

  // "Refuse" without a reason: both reason fields marked, one sentence, the focus on the first.
  await card.getByRole('button', { name: t('en', 'portal.console.dataRequests.refuse') }).click();
  const reason = t('en', 'portal.console.answer.error.reason');
  await expectProblemAt(reasonDe, reason);
  await expectProblemAt(reasonEn, reason);
  expect(await reasonDe.getAttribute('aria-describedby')).toBe(
    await reasonEn.getAttribute('aria-describedby'),
  );
  await expect(reasonDe).toBeFocused();
  await expect(card.getByTestId('error-answer')).toHaveText(reason);
  expect(posted.slice(before)).toEqual([]);

  // The address (asked for, so ticked as erased) also ticked as kept: both groups marked, the
  // focus on the first box of the first; the reason fields no longer.
  await expect(erased.getByLabel(address, { exact: true })).toBeChecked();
  await kept.getByLabel(address, { exact: true }).check();
  const confirm = card.getByRole('button', { name: t('en', 'portal.console.dataRequests.erased') });
  await confirm.click();
  const both = t('en', 'portal.console.answer.error.erasedAndKept');
  await expectProblemAt(erased, both);
  await expectProblemAt(kept, both);
  await expectNoProblemAt(reasonDe);
  await expect(
    erased.getByLabel(t('en', `vocabulary.dataCategory.${dataCategoryIds[0]}`), { exact: true }),
  ).toBeFocused();
  expect(posted.slice(before)).toEqual([]);

  // Corrected: answered, and the request moves from the open ones to the answered ones.
  await kept.getByLabel(address, { exact: true }).uncheck();
  await confirm.click();
  await expect(page.getByTestId('answer-done')).toHaveText(
    t('en', 'portal.console.dataRequests.answered'),
  );
  expect(posted.slice(before)).toEqual(['?/answer']);
  await expect(page.getByTestId('data-request')).toHaveCount(0);
  await expect(page.getByTestId('no-open-data-requests')).toHaveText(
    t('en', 'portal.console.dataRequests.noneOpen'),
  );
  const answered = page.getByTestId('answered-request');
  await expect(answered).toHaveCount(1);
  await expect(answered).toHaveAttribute('data-outcome', 'erased');
  await expect(answered).toHaveAttribute('data-on-time', 'true');
  await expect(answered.getByTestId('answered-outcome')).toContainText(address);
});

test('a checkbox keeps its size when its label wraps, at 1280 and at 320 px', async () => {
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 900 });
    const sizes = await checkboxSizes();
    expect(sizes.length).toBeGreaterThan(10);
    // Failed before: at 320 px channel boxes were 9 to 12 px wide (an unwrapped one is 13).
    const squeezed = sizes.filter((box) => box.width < 12 || box.height < 12);
    expect(squeezed, `at ${width} px`).toEqual([]);
    const widths = new Set(sizes.map((box) => box.width));
    expect([...widths], `one width at ${width} px`).toHaveLength(1);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a suspended company’s request and invitation forms say that they cannot be sent, and why; pressed, nothing is sent', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const regulatorContext = await browser.newContext({ locale: 'en-GB' });
  const regulator = await regulatorContext.newPage();
  await addVirtualAuthenticator(regulator);
  await regulator.goto(await regulatorLink(baseURL!, 'Rita Regulator'));
  await regulator.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(regulator.getByTestId('enrol-done')).toBeVisible();
  await regulator.goto(`/regulator/companies/${companyId}`);
  // The form signs in the page: its script must run before it is sent.
  await regulator.waitForLoadState('networkidle');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.de'))
    .fill('Ohne Einwilligung geworben.');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.en'))
    .fill('Advertised without consent.');
  await regulator.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
  await expect(regulator.getByTestId('suspension-done')).toBeVisible();
  await regulatorContext.close();

  await page.reload();
  await expect(page.getByTestId('suspension')).toBeVisible();
  await loadKeyText(key.text);
  await expect(page.getByTestId('key-loaded')).toBeVisible();
  const before = posted.length;

  for (const [action, button] of [
    [
      'request',
      page.locator('#form-request').getByRole('button', {
        name: t('en', 'portal.console.request.submit'),
      }),
    ],
    [
      'invite',
      page.locator('#form-invite').getByRole('button', {
        name: t('en', 'portal.console.staff.invite'),
      }),
    ],
  ] as const) {
    // Failed before: the whole form was offered; only sending it said the company was not active.
    const said = page.getByTestId(`${action}-suspended`);
    await expect(said).toContainText(t('en', `portal.console.suspended.${action}`));
    await expect(
      said.getByRole('link', { name: t('en', 'portal.console.suspended.see') }),
    ).toHaveAttribute('href', '#suspension');
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    await expect(button).toHaveAttribute('aria-describedby', `${action}-suspended`);
    // Playwright waits for an aria-disabled button to be enabled: pressed as a person would.
    await button.click({ force: true });
    await expect(page.getByTestId(`error-${action}`)).toHaveText(
      t('en', `portal.console.suspended.${action}`),
    );
  }
  expect(posted.slice(before)).toEqual([]);
});
