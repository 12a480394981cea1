/**
 * "All my data at a glance" end to end (issue 9): the chromium-test build of the Assistant in
 * Debian's Chromium, the built clearinghouse (playwright.config.ts, port 3100) and the reference
 * company site. The customer grants on the company's page; /me then shows, through the page
 * bridge, exactly what the clearinghouse and the company hold (the grant, the company's
 * disclosure and its opened export); an access request and a revocation started from /me are
 * confirmed in the Assistant's own window, reach the company, and show their state; another
 * origin cannot use the actions; without the Assistant /me explains how to install it. The page
 * shows the Assistant's stored copy at once and the refreshed one when it arrives; a use of the
 * data the company reported shows as "last used", and a complaint as the regulator decided it.
 * Counts agree with their nouns, dates are in UTC and marked so, and the text meant for screen
 * readers only is not shown.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { newIdentity } from '../../extension/core/identity';
import { t } from '../../protocol/i18n';
import { pairwiseKeyPair, publicJwk, thumbprint } from '../../protocol/keys';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { clearinghouse, client, grantOn, Scratch, type ConnectGlobals } from './assistant-fixture';
import { addVirtualAuthenticator, regulatorLink } from './oversight-seed';

const scratch = new Scratch();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  context = undefined;
  await scratch.cleanup();
});

/**
 * A fresh profile with the Assistant, its vault created (or, with `phrase`, recovered from that
 * recovery phrase) and the test clearinghouse's log key pinned.
 */
async function assistant(phrase?: string): Promise<Page> {
  const launched = await scratch.assistant('assistant-me-', { acceptDownloads: true, phrase });
  context = launched.context;
  return launched.dashboard;
}

/** Clicks `button` on /me and confirms (or cancels) in the Assistant's window it opens. */
async function actFromMe(me: Page, button: string, confirm: boolean): Promise<Page> {
  const opened = context!.waitForEvent('page', {
    predicate: (p) => p.url().includes('/ui/consent/index.html?action='),
  });
  await me.getByTestId(button).click();
  await expect(me.getByTestId('me-action')).toHaveAttribute('data-outcome', 'pending');
  const window = await opened;
  await expect(window.getByTestId('action-description')).toContainText('Laufhaus');
  await window.getByTestId(confirm ? 'action-confirm' : 'action-cancel').click();
  await expect(window.getByTestId('action-result')).toHaveAttribute(
    'data-result',
    confirm ? 'done' : 'cancelled',
  );
  await expect(me.getByTestId('me-action')).toHaveAttribute(
    'data-outcome',
    confirm ? 'done' : 'cancelled',
  );
  return window;
}

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(severe, `axe violations on ${page.url()}`).toEqual([]);
}

test('/me shows exactly what the clearinghouse and the company hold, and exports it', async () => {
  const { site } = await scratch.companySite();
  await assistant();
  const pseudonym = await grantOn(context!, site);
  // The company disclosed what it holds on the grant (test/company-site/obligations.ts).
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('disclosure');
  const disclosure = site.obligations.done.find((d) => d.kind === 'disclosure')!;

  const me = await context!.newPage();
  await me.goto(`${clearinghouse}/me`);
  // The Assistant refreshes every relationship through the signed batch endpoint first.
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-rows', '1', { timeout: 20_000 });
  const row = me.getByTestId('me-row');
  await expect(row).toHaveAttribute('data-company', site.companyId);
  await expect(row.getByTestId('me-grant')).toHaveAttribute('data-status', 'active');
  await expect(row.getByTestId('me-allowed')).toContainText('product launch', { ignoreCase: true });
  await expect(row.getByTestId('me-category')).toHaveAttribute(
    'data-category',
    'preferences_habits',
  );
  await expect(row.getByTestId('me-held')).toContainText(
    t('en', 'portal.me.held.retention', { count: 365 }),
  );
  // One company, in the singular (it read "1 companies hold …").
  await expect(me.getByTestId('summary-companies')).toHaveText(
    t('en', 'portal.me.summary.companies', { count: 1 }),
  );
  await expect(me.getByTestId('summary-companies')).toContainText('1 company holds');
  await expect(me.getByTestId('summary-location')).toHaveText(
    t('en', 'portal.me.summary.location', { count: 0 }),
  );
  // The summary's heading and the table's caption are for screen readers only (the layout's
  // .visually-hidden, which was scoped to the layout and so showed them here).
  for (const hidden of [
    me.locator('#summary-heading'),
    me.getByTestId('me-table').locator('caption'),
  ]) {
    await expect(hidden).toHaveText(t('en', 'portal.me.title'));
    const box = await hidden.boundingBox();
    expect(box === null || box.width * box.height <= 1, 'visually hidden').toBe(true);
  }

  // The export the company sealed to the customer, opened by the Assistant, not by the server.
  await row.getByTestId('me-export').locator('summary').click();
  const exported = JSON.parse((await row.getByTestId('me-export').locator('pre').textContent())!);
  expect(exported).toEqual({
    pseudonym,
    data: Object.fromEntries(Object.entries(site.relay.customers.get(pseudonym)!.data)),
  });

  // The whole view as JSON: exactly the company's current disclosure and the grant.
  const download = me.waitForEvent('download');
  await me.getByTestId('me-export-json').click();
  const file = await (await download).path();
  const doc = JSON.parse(await readFile(file, 'utf8')) as {
    kind: string;
    companies: { company: { id: string }; disclosure: { sha256: string }; grants: unknown[] }[];
  };
  expect(doc.kind).toBe('consent-clearinghouse/my-data');
  expect(doc.companies).toHaveLength(1);
  expect(doc.companies[0]!.company.id).toBe(site.companyId);
  expect(doc.companies[0]!.disclosure.sha256).toBe(disclosure.sha256);
  expect(JSON.stringify(doc)).not.toMatch(/eyJ|"jws"|receipt/);

  await expectAccessible(me);
});

test('an access request and a revocation started from /me are confirmed in the Assistant', async () => {
  const { site } = await scratch.companySite();
  await assistant();
  await grantOn(context!, site);
  const me = await context!.newPage();
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-row')).toHaveCount(1, { timeout: 20_000 });

  // Cancelled in the Assistant's window: nothing is sent.
  await actFromMe(me, 'me-erasure', false);
  await expect(me.getByTestId('me-data-request')).toHaveCount(0);

  // Access: signed and logged by the Assistant, answered by the company, shown on /me.
  await actFromMe(me, 'me-access', true);
  await expect(me.getByTestId('me-data-request')).toHaveAttribute('data-answered', 'false');
  await expect(me.getByTestId('me-data-request')).toHaveAttribute('data-type', 'access');
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('answer');
  await me.getByTestId('me-load').click();
  await expect(me.getByTestId('me-data-request')).toHaveAttribute('data-answered', 'true');

  // Revoke: the grant is revoked at once; the company acknowledges; /me shows it.
  await actFromMe(me, 'me-revoke', true);
  await expect(me.getByTestId('me-grant')).toHaveAttribute('data-status', 'revoked');
  await expect(me.getByTestId('me-revocation')).toHaveAttribute('data-acknowledged', 'false');
  await expect(me.getByTestId('me-revoke')).toHaveCount(0);
  await expect.poll(async () => (await site.pollOnce(), site.acknowledged.length)).toBe(1);
  await me.getByTestId('me-load').click();
  await expect(me.getByTestId('me-revocation')).toHaveAttribute('data-acknowledged', 'true');
  expect(site.events.map((e) => e.kind)).toEqual(
    expect.arrayContaining(['grant', 'data-request', 'revocation']),
  );
});

test('/me shows when the company last used which data, and a complaint as the regulator decided it', async ({
  browser,
  baseURL,
}) => {
  // Three actors (company site, Assistant, the regulator's passkey enrolment and decision): on a
  // loaded machine this outran the 60 s default before reaching /me.
  test.setTimeout(180_000);
  await ready();
  const { site } = await scratch.companySite();
  // The customer's identity is known here, so this test can complain as the pseudonym.
  const { masterSeed, phrase } = newIdentity((n) => new Uint8Array(randomBytes(n)));
  await assistant(phrase);
  const pseudonym = await grantOn(context!, site);
  const keyPair = pairwiseKeyPair(masterSeed, site.companyId);
  expect(`ps_${thumbprint(publicJwk(keyPair))}`).toBe(pseudonym);
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('disclosure');

  // The company reports a use of the data under the grant (stored, counted, not logged).
  expect(await site.obligations.reportAccess(pseudonym)).toEqual({ accepted: 1, outOfScope: 0 });

  // The customer complains about the disclosure, signed with the pairwise key.
  const relationship = await client.relationships({ id: pseudonym, keyPair });
  const iat = Math.floor(Date.now() / 1000);
  const complaint = await client.submitComplaint(
    await signMessage(
      'complaint',
      {
        v: 1,
        iss: pseudonym,
        aud: clearinghouse,
        iat,
        exp: iat + 300,
        jti: randomUUID(),
        company: site.companyId,
        evidence: [{ kind: 'disclosure', jws: relationship.disclosures![0]!.jws }],
        reasons: ['undisclosed_data'],
      },
      keyPair,
    ),
  );

  const me = await context!.newPage();
  await me.goto(`${clearinghouse}/me`);
  const row = me.getByTestId('me-row');
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-fresh', 'true', {
    timeout: 20_000,
  });
  await expect(me.getByTestId('me-as-of')).toBeVisible();
  // In UTC and marked so, with a 24-hour clock, like every other page (it was the browser's
  // zone, unmarked, with a US 12-hour clock).
  await expect(me.getByTestId('me-as-of')).toHaveText(
    /^As of \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} UTC$/,
  );
  const use = row.getByTestId('me-use');
  await expect(use).toHaveAttribute('data-purpose', 'product_launch');
  await expect(use).toHaveAttribute('data-out-of-scope', 'false');
  await expect(use).toContainText(t('en', 'vocabulary.purpose.product_launch'));
  await expect(use).toContainText(t('en', 'vocabulary.dataCategory.preferences_habits'));
  await expect(row.getByTestId('me-complaint')).toHaveAttribute('data-state', 'open');

  // The regulator enrols and upholds the complaint, with a reason in both languages.
  const regulatorContext = await browser.newContext({ locale: 'en-GB' });
  const regulator = await regulatorContext.newPage();
  await addVirtualAuthenticator(regulator);
  await regulator.goto(await regulatorLink(baseURL!, 'Rita Regulator'));
  await regulator.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(regulator.getByTestId('enrol-done')).toBeVisible();
  await regulator.goto(`/regulator/complaints/${complaint.sha256}`);
  await regulator.getByLabel(t('en', 'portal.regulator.decision.upheld')).check();
  await regulator.getByLabel(t('en', 'portal.regulator.reasonText.de')).fill('Daten verschwiegen.');
  await regulator.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Data withheld.');
  await regulator
    .getByRole('button', { name: t('en', 'portal.regulator.decision.submit') })
    .click();
  await expect(regulator.getByTestId('decision-done')).toBeVisible();
  await regulatorContext.close();

  // "Show my data": the stored copy at once, then the refreshed one with the decision.
  await me.getByTestId('me-load').click();
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-fresh', 'true');
  await expect(row.getByTestId('me-complaint')).toHaveAttribute('data-state', 'upheld');
  await expect(row.getByTestId('me-complaint-reason')).toContainText('Data withheld.');
  await expectAccessible(me);
});

test('a company page cannot read the view or start an action', async () => {
  const { site } = await scratch.companySite();
  await assistant();
  await grantOn(context!, site);
  const shop = await context!.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  await expect.poll(() => shop.evaluate(() => 'ClearinghouseConnect' in globalThis)).toBe(true);
  const answer = await shop.evaluate(
    (company) =>
      (globalThis as unknown as ConnectGlobals).ClearinghouseConnect.act({
        kind: 'revoke',
        company,
      }),
    site.companyId,
  );
  expect(answer).toEqual({ outcome: 'error', code: 'ERR_BRIDGE_ORIGIN_MISMATCH' });
  expect(context!.pages().some((p) => p.url().includes('?action='))).toBe(false);
  expect(site.events.map((e) => e.kind)).not.toContain('revocation');
});

test('without the Assistant /me explains how to install it, in both languages', async ({
  page,
}) => {
  await page.context().addCookies([{ name: 'lang', value: 'de', url: clearinghouse }]);
  await page.goto('/me');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Alle meine Daten auf einen Blick',
  );
  await expect(page.getByTestId('me-no-assistant')).toBeVisible();
  await expect(page.getByTestId('me-no-assistant')).toContainText('dist/extension/chromium');
  await expect(page.getByTestId('me-table')).toHaveCount(0);
  await expectAccessible(page);
  await page.context().addCookies([{ name: 'lang', value: 'en', url: clearinghouse }]);
  await page.goto('/me');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('All my data at a glance');
  await expect(page.getByTestId('me-no-assistant')).toContainText('No Assistant answered');
});

test('without the Assistant, "Show my data" answers in the live region, in German', async ({
  page,
}) => {
  await page.context().addCookies([{ name: 'lang', value: 'de', url: clearinghouse }]);
  await page.goto('/me');
  const section = page.getByRole('region', { name: t('de', 'portal.me.noAssistant.title') });
  await expect(section).toBeVisible();
  const live = page.locator('[aria-live="polite"]');
  // Nothing said before the press: the page loaded that way.
  await expect(live).toHaveText('');
  const said = t('de', 'portal.me.noAssistant.said', {
    section: t('de', 'portal.me.noAssistant.title'),
  });
  const button = page.getByRole('button', { name: t('de', 'portal.me.load') });
  await button.focus();
  await page.keyboard.press('Enter');
  // The press is answered where a screen reader hears it, and points to the section.
  await expect(live).toHaveText(said);
  await expect(section).toBeVisible();
  await expect(button).toBeFocused();
  await expectAccessible(page);
  // A second press is answered again: the sentence is taken away and drawn anew.
  await page.keyboard.press('Enter');
  await expect(live.getByTestId('me-loading')).toBeVisible();
  await expect(live).toHaveText(said);
});
