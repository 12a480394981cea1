/**
 * The regulator's signed acts when the page around them goes stale, in Chromium against the built
 * portal. An act is signed with the browser's key and needs no session, but the reload after it
 * does: with the session ended, the reload sent the page to the login, and the sentence saying the
 * act was stored went with it (a regulator who thinks it failed signs it again). Now the page
 * stays, says the act was stored, and says the session ended. When two regulators suspend (or
 * reinstate) at once, the second is told the company is already in that state, and the page shows
 * the company as it is now; a suspension's history and a decision's reason are on the pages.
 */
import type { Server } from 'node:http';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { t, type Locale } from '../../protocol/i18n';
import {
  addVirtualAuthenticator,
  regulatorLink,
  seedStory,
  startProofServer,
  type SeededStory,
} from './oversight-seed';

let proofServer: Server;
/** One company each: the suspension test's, the decision test's, the two tabs'. */
let stories: {
  suspension: SeededStory;
  decision: SeededStory;
  tabs: SeededStory;
  decidedTwice: SeededStory;
};

test.beforeAll(async ({ playwright, baseURL }) => {
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  const seeded = async (name: string) =>
    seedStory(request, baseURL!, proof, `${name} ${Math.random().toString(36).slice(2, 8)} GmbH`);
  stories = {
    suspension: await seeded('Sitzungsende'),
    decision: await seeded('Entscheidungsende'),
    tabs: await seeded('Zwei Tabs'),
    decidedTwice: await seeded('Doppelt entschieden'),
  };
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

/** A regulator named `name`, enrolled in a new context of `locale` (its key in that browser). */
async function regulatorIn(
  browser: Browser,
  baseURL: string,
  locale: Locale,
  name: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: locale === 'de' ? 'de-DE' : 'en-GB' });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  await page.goto(await regulatorLink(baseURL, name));
  await page.getByRole('button', { name: t(locale, 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  return { context, page };
}

/** Types both reasons into the page's form. */
async function typeReasons(page: Page, locale: Locale, de: string, en: string): Promise<void> {
  await page.getByLabel(t(locale, 'portal.regulator.reasonText.de')).fill(de);
  await page.getByLabel(t(locale, 'portal.regulator.reasonText.en')).fill(en);
}

/** The company's status as the API gives it. */
async function apiStatus(page: Page, companyId: string): Promise<string> {
  const response = await page.request.get(`/api/v1/companies/${companyId}`);
  return ((await response.json()) as { status: string }).status;
}

test('a suspension and a reinstatement signed after the session ended are said as stored, and the page stays (failed before: sent to the login without a word)', async ({
  browser,
  baseURL,
}) => {
  const name = 'Sina Sitzungsende';
  const { context, page } = await regulatorIn(browser, baseURL!, 'en', name);
  const company = stories.suspension.company;
  const address = `/regulator/companies/${company.id}`;
  await page.goto(address);
  await expect(page.getByTestId('suspension-history-none')).toHaveText(
    t('en', 'portal.regulator.history.none'),
  );

  // The session ends (here: its cookie is gone) while the reasons are typed.
  await typeReasons(page, 'en', 'Wiederholt falscher Kanal.', 'Repeatedly the wrong channel.');
  const cookies = await context.cookies();
  await context.clearCookies();
  await page.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
  await expect(page.getByTestId('suspension-done')).toHaveText(
    t('en', 'portal.regulator.suspend.done'),
  );
  await expect(page.getByTestId('suspension-session-ended')).toHaveText(
    t('en', 'portal.regulator.sessionEnded.refresh'),
  );
  await expect(page.getByTestId('suspension-done')).toBeFocused();
  // Still the company's page, showing the state the API answered, offering the next act.
  await expect(page).toHaveURL(new RegExp(`${address}$`));
  await expect(page.getByTestId('regulator-company-status')).toHaveText(
    t('en', 'portal.status.suspended'),
  );
  await expect(
    page.getByRole('button', { name: t('en', 'portal.regulator.reinstate.submit') }),
  ).toBeVisible();
  expect(await apiStatus(page, company.id)).toBe('suspended');
  // Still there a moment later: nothing navigates away behind the sentence.
  await page.waitForTimeout(500);
  await expect(page).toHaveURL(new RegExp(`${address}$`));
  await expect(page.getByTestId('suspension-done')).toBeVisible();

  // The same for the reinstatement.
  await typeReasons(page, 'en', 'Mängel behoben.', 'Shortcomings remedied.');
  await page.getByRole('button', { name: t('en', 'portal.regulator.reinstate.submit') }).click();
  await expect(page.getByTestId('suspension-done')).toHaveText(
    t('en', 'portal.regulator.reinstate.done'),
  );
  await expect(page.getByTestId('suspension-session-ended')).toHaveText(
    t('en', 'portal.regulator.sessionEnded.refresh'),
  );
  await expect(page).toHaveURL(new RegExp(`${address}$`));
  await expect(page.getByTestId('regulator-company-status')).toHaveText(
    t('en', 'portal.status.active'),
  );
  expect(await apiStatus(page, company.id)).toBe('active');

  // Logged in again: the history says who signed each act, when and why.
  await context.addCookies(cookies);
  await page.reload();
  const history = page.getByTestId('suspension-history').locator('li');
  await expect(history).toHaveCount(2);
  await expect(history.nth(0)).toHaveAttribute('data-action', 'reinstate');
  await expect(history.nth(0)).toContainText(`by ${name}`);
  await expect(history.nth(0)).toContainText('Shortcomings remedied.');
  await expect(history.nth(0)).toContainText('Mängel behoben.');
  await expect(history.nth(1)).toHaveAttribute('data-action', 'suspend');
  await expect(history.nth(1)).toContainText('Repeatedly the wrong channel.');
  await expect(page.getByTestId('suspension-session-ended')).toHaveCount(0);
  await context.close();
});

test('a decision signed after the session ended is said as stored, and the page stays; its reason and signer are shown (failed before: sent to the login)', async ({
  browser,
  baseURL,
}) => {
  const name = 'Dora Entscheiderin';
  const { context, page } = await regulatorIn(browser, baseURL!, 'de', name);
  const address = `/regulator/complaints/${stories.decision.complaintSha256}`;
  await page.goto(address);
  await page.getByLabel(t('de', 'portal.regulator.decision.dismissed')).check();
  await typeReasons(page, 'de', 'Kein Verstoß erkennbar.', 'No violation apparent.');
  const cookies = await context.cookies();
  await context.clearCookies();
  await page.getByRole('button', { name: t('de', 'portal.regulator.decision.submit') }).click();
  await expect(page.getByTestId('decision-done')).toHaveText(
    t('de', 'portal.regulator.decision.done'),
  );
  await expect(page.getByTestId('decision-done')).toBeFocused();
  await expect(page.getByTestId('decision-session-ended')).toHaveText(
    t('de', 'portal.regulator.sessionEnded.refresh'),
  );
  await expect(page).toHaveURL(new RegExp(`${address}$`));
  // The form is gone: the decision is stored, there is nothing to sign again.
  await expect(
    page.getByRole('button', { name: t('de', 'portal.regulator.decision.submit') }),
  ).toHaveCount(0);

  // Logged in again: the decision with its reason in both languages and who signed it.
  await context.addCookies(cookies);
  await page.reload();
  await expect(page.getByTestId('complaint-decision')).toContainText(
    t('de', 'portal.regulator.decision.by', { name }),
  );
  const reason = page.getByTestId('complaint-decision-reason');
  await expect(reason.locator('dd[lang="de"]')).toHaveText('Kein Verstoß erkennbar.');
  await expect(reason.locator('dd[lang="en"]')).toHaveText('No violation apparent.');
  await context.close();
});

test('two tabs suspending at once: the second says the company is already suspended and shows it so, and the same for reinstating (failed before: a vague sentence, a stale page)', async ({
  browser,
  baseURL,
}) => {
  const { context, page: first } = await regulatorIn(browser, baseURL!, 'de', 'Tara Zweitab');
  const company = stories.tabs.company;
  const address = `/regulator/companies/${company.id}`;
  const second = await context.newPage();
  await first.goto(address);
  await second.goto(address);
  await expect(second.getByTestId('regulator-company-status')).toHaveText(
    t('de', 'portal.status.active'),
  );

  // The first tab suspends; the second, still showing the company active, tries the same.
  await typeReasons(first, 'de', 'Zuerst ausgesetzt.', 'Suspended first.');
  await first.getByRole('button', { name: t('de', 'portal.regulator.suspend.submit') }).click();
  await expect(first.getByTestId('suspension-done')).toHaveText(
    t('de', 'portal.regulator.suspend.done'),
  );
  await typeReasons(second, 'de', 'Danach ausgesetzt.', 'Suspended later.');
  await second.getByRole('button', { name: t('de', 'portal.regulator.suspend.submit') }).click();
  await expect(second.getByTestId('suspension-failure')).toHaveText(
    t('de', 'portal.regulator.suspend.already'),
  );
  await expect(second.getByTestId('suspension-failure')).toBeFocused();
  await expect(second.getByTestId('regulator-company-status')).toHaveText(
    t('de', 'portal.status.suspended'),
  );
  await expect(
    second.getByRole('button', { name: t('de', 'portal.regulator.reinstate.submit') }),
  ).toBeVisible();
  await expect(
    second.getByRole('button', { name: t('de', 'portal.regulator.suspend.submit') }),
  ).toHaveCount(0);
  // The suspension that stands is listed; the typed reasons were for a suspension, not for the
  // reinstatement the form now signs, so they are gone.
  await expect(second.getByTestId('suspension-history')).toContainText('Suspended first.');
  await expect(second.getByLabel(t('de', 'portal.regulator.reasonText.de'))).toHaveValue('');

  // A third tab opened now still shows the company suspended when the next part is done.
  const third = await context.newPage();
  await third.goto(address);
  await expect(third.getByTestId('regulator-company-status')).toHaveText(
    t('de', 'portal.status.suspended'),
  );

  // Now the second tab reinstates, and the first, still showing it suspended, tries the same.
  await typeReasons(second, 'de', 'Behoben.', 'Remedied.');
  await second.getByRole('button', { name: t('de', 'portal.regulator.reinstate.submit') }).click();
  await expect(second.getByTestId('suspension-done')).toHaveText(
    t('de', 'portal.regulator.reinstate.done'),
  );
  await typeReasons(first, 'de', 'Auch behoben.', 'Remedied too.');
  await first.getByRole('button', { name: t('de', 'portal.regulator.reinstate.submit') }).click();
  await expect(first.getByTestId('suspension-failure')).toHaveText(
    t('de', 'portal.regulator.reinstate.already'),
  );
  await expect(first.getByTestId('regulator-company-status')).toHaveText(
    t('de', 'portal.status.active'),
  );
  await expect(
    first.getByRole('button', { name: t('de', 'portal.regulator.suspend.submit') }),
  ).toBeVisible();
  expect(await apiStatus(first, company.id)).toBe('active');

  // The third tab, refused with the session ended too: the refresh cannot come, so the page
  // stays as it was, says which state the refusal means and that the session ended, and keeps
  // what was typed.
  await typeReasons(third, 'de', 'Noch einmal behoben.', 'Remedied again.');
  await context.clearCookies();
  await third.getByRole('button', { name: t('de', 'portal.regulator.reinstate.submit') }).click();
  await expect(third.getByTestId('suspension-failure')).toHaveText(
    t('de', 'portal.regulator.reinstate.already'),
  );
  await expect(third.getByTestId('suspension-session-ended')).toHaveText(
    t('de', 'portal.regulator.sessionEnded.refresh'),
  );
  await expect(third).toHaveURL(new RegExp(`${address}$`));
  await expect(third.getByLabel(t('de', 'portal.regulator.reasonText.de'))).toHaveValue(
    'Noch einmal behoben.',
  );
  await expect(third.getByLabel(t('de', 'portal.regulator.reasonText.en'))).toHaveValue(
    'Remedied again.',
  );
  await context.close();
});

test('a complaint decided in another tab meanwhile: the second decision is refused, the page shows the first, and the focus is on why (failed before: left on the page body)', async ({
  browser,
  baseURL,
}) => {
  const { context, page: first } = await regulatorIn(browser, baseURL!, 'en', 'Erna Erste');
  const address = `/regulator/complaints/${stories.decidedTwice.complaintSha256}`;
  await first.goto(address);
  const second = await context.newPage();
  await second.goto(address);
  for (const page of [first, second]) {
    await page.getByLabel(t('en', 'portal.regulator.decision.dismissed')).check();
    await typeReasons(page, 'en', 'Kein Verstoß erkennbar.', 'No violation apparent.');
  }
  await first.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
  await expect(first.getByTestId('decision-done')).toBeVisible();

  await second.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
  const failure = second.getByTestId('decision-failure');
  await expect(failure).toHaveText(t('en', 'errors.ERR_COMPLAINT_ALREADY_DECIDED'));
  await expect(failure).toBeFocused();
  await expect(second.getByTestId('complaint-decision-reason').locator('dd[lang="en"]')).toHaveText(
    'No violation apparent.',
  );
  await expect(
    second.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }),
  ).toHaveCount(0);
  await context.close();
});
