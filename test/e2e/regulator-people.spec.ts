/**
 * The regulators' own people end to end (`/regulator/people`), in Chromium against the built
 * portal, each act signed in the browser with the enrolled key and sent to the API: a regulator
 * invites a colleague and withdraws the link (it then no longer works), invites another who
 * enrols with the link in a German browser, and removes them with the two-step confirmation,
 * reached and confirmed by keyboard; the removed colleague's session ends at once. axe-core on
 * the page.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import { addVirtualAuthenticator, regulatorLink } from './oversight-seed';

const suffix = Math.random().toString(36).slice(2, 8);
const rita = `Rita ${suffix}`;
const wanda = `Wanda ${suffix}`;
const rolf = `Rolf ${suffix}`;

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/** Enrols with `link` in `page` (its passkey and signing key), in the page's language. */
async function enrol(page: Page, link: string, locale: 'en' | 'de'): Promise<void> {
  await addVirtualAuthenticator(page);
  await page.goto(link);
  await page.getByRole('button', { name: t(locale, 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
}

/** Creates an invitation for `name` and returns its one-time link, as the page shows it. */
async function invite(page: Page, name: string): Promise<string> {
  await page.getByLabel(t('en', 'portal.regulator.people.inviteName')).fill(name);
  await page.getByRole('button', { name: t('en', 'portal.regulator.people.invite') }).click();
  const done = page.getByTestId('people-done');
  await expect(done).toContainText(t('en', 'portal.console.staff.link'));
  await expect(done).toBeFocused();
  const link = await page.getByTestId('invite-link').innerText();
  expect(link).toMatch(/\/enroll\/[A-Za-z0-9_-]{43}$/);
  return link;
}

test('a regulator invites, withdraws and removes colleagues, signing each act', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await enrol(page, await regulatorLink(baseURL!, rita), 'en');

  await page.goto('/regulator');
  await page.getByRole('link', { name: t('en', 'portal.regulator.people.open') }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    t('en', 'portal.regulator.people.title'),
  );
  const row = (name: string) => page.getByTestId('regulator-row').filter({ hasText: name });
  await expect(row(rita)).toContainText(t('en', 'portal.console.staff.you'));
  await expectAccessible(page);

  // An invitation made and withdrawn: the link stops working.
  const withdrawnLink = await invite(page, wanda);
  const open = page.getByTestId('invitation-row').filter({ hasText: wanda });
  await expect(open).toContainText(rita); // who created it, by name
  await open.getByRole('button').click();
  await expect(page.getByTestId('invitations-done')).toHaveText(
    t('en', 'portal.console.invitations.withdrawn'),
  );
  await expect(open).toHaveCount(0);
  const stranger = await context.newPage();
  await stranger.goto(withdrawnLink);
  await expect(stranger.getByRole('alert')).toHaveText(t('en', 'errors.ERR_ENROLMENT_EXPIRED'));
  await stranger.close();

  // Another, used by the colleague in a German browser.
  const rolfLink = await invite(page, rolf);
  const rolfContext = await browser.newContext({ locale: 'de-DE' });
  const rolfPage = await rolfContext.newPage();
  await enrol(rolfPage, rolfLink, 'de');
  await rolfPage.goto('/regulator/people');
  await expect(rolfPage.getByRole('heading', { level: 1 })).toHaveText(
    t('de', 'portal.regulator.people.title'),
  );
  await expect(rolfPage.getByTestId('regulator-row').filter({ hasText: rolf })).toContainText(
    t('de', 'portal.console.staff.you'),
  );

  // Rita removes Rolf by keyboard: the first step says what will happen and takes the focus.
  await page.reload();
  await expect(page.getByTestId('invitation-row').filter({ hasText: rolf })).toHaveCount(0);
  const remove = row(rolf).getByRole('button', {
    name: t('en', 'portal.console.staff.remove', { name: rolf }),
  });
  await remove.focus();
  await page.keyboard.press('Enter');
  const explained = page.getByText(t('en', 'portal.console.staff.removeExplain', { name: rolf }));
  await expect(explained).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(
    page.getByRole('button', { name: t('en', 'portal.console.staff.removeYes', { name: rolf }) }),
  ).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('people-done')).toHaveText(
    t('en', 'portal.regulator.people.removed'),
  );
  await expect(page.getByTestId('people-done')).toBeFocused();
  await expect(row(rolf)).toHaveCount(0);

  // Rolf's session ended with the removal.
  await rolfPage.goto('/regulator');
  await expect(rolfPage).toHaveURL(/\/login\?next=%2Fregulator$/);

  await rolfContext.close();
  await context.close();
});
