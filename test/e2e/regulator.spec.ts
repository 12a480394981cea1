/**
 * The regulator's console end to end (issue 10, "Regulator"), in Chromium against the built
 * portal: a regulator enrols with a passkey (virtual authenticator) and its in-browser signing
 * key, sees the complaint on the dashboard, has its evidence verified in the browser (company
 * signature, grant coverage, the rule broken), upholds it with a signed `complaint-decision`,
 * suspends the company with a signed `suspension`, and the public registry and the API show the
 * suspension at once. Also: the login gate, a reason missing in one language, axe-core.
 */
import type { Server } from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import {
  addVirtualAuthenticator,
  regulatorLink,
  seedStory,
  startProofServer,
  type SeededStory,
} from './oversight-seed';

let proofServer: Server;
let story: SeededStory;
const legalName = `Aufsichtsfall ${Math.random().toString(36).slice(2, 8)} GmbH`;

test.beforeAll(async ({ playwright, baseURL }) => {
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  story = await seedStory(request, baseURL!, proof, legalName);
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test.describe('the regulator', () => {
  test('is asked to log in first', async ({ page }) => {
    await page.goto('/regulator');
    await expect(page).toHaveURL(/\/login\?next=%2Fregulator$/);
  });

  test('reviews a complaint, upholds it and suspends the company, visible at once', async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await page.goto(await regulatorLink(baseURL!, 'Rita Regulator'));
    await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
    await expect(page.getByTestId('enrol-done')).toBeVisible();

    // The dashboard: the open complaint, the figures, the charts.
    await page.goto('/regulator');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      t('en', 'portal.regulator.title'),
    );
    const row = page.getByTestId('open-complaints').locator('tr', { hasText: legalName });
    await expect(row).toContainText(t('en', 'portal.regulator.reason.wrong_channel'));
    await expect(page.getByTestId('risk-ranking')).toContainText(legalName);
    await expectAccessible(page);

    // The review: the evidence verified in this browser.
    await row
      .getByRole('link', { name: t('en', 'portal.regulator.review', { company: legalName }) })
      .click();
    await expect(page.getByTestId('evidence-verdict')).toHaveText(
      t('en', 'portal.regulator.verification.authentic'),
    );
    const steps = page.getByTestId('evidence-steps').locator('li');
    await expect(steps).toHaveCount(4);
    await expect(page.getByTestId('evidence-steps').locator('li[data-ok="true"]')).toHaveCount(3);
    // The grant covered the newsletter only; the offer came by e-mail.
    await expect(steps.nth(3)).toContainText(t('en', 'portal.regulator.rule.channel'));
    await expect(page.getByTestId('reason-verdicts').locator('li')).toHaveAttribute(
      'data-verdict',
      'confirmed',
    );
    await expectAccessible(page);

    // A reason in one language only is refused in a sentence, and nothing is decided.
    await page.getByLabel(t('en', 'portal.regulator.reasonText.de')).fill('Falscher Kanal.');
    await page.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
    await expect(page.getByRole('alert')).toHaveText(t('en', 'portal.regulator.reasonMissing'));
    const before = await page.request.get(`/api/v1/companies/${story.company.id}`);
    expect(
      ((await before.json()) as { trust: { upheldComplaints: number } }).trust.upheldComplaints,
    ).toBe(0);

    // Upheld, signed with the enrolled key.
    await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Wrong channel.');
    await page.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
    await expect(page.getByTestId('decision-done')).toHaveText(
      t('en', 'portal.regulator.decision.done'),
    );
    await expect(page.getByTestId('complaint-decision')).toContainText('upheld');

    // Suspend, citing the upheld complaint.
    await page.getByRole('link', { name: t('en', 'portal.regulator.decision.toCompany') }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(legalName);
    await expect(page.getByTestId('findings')).toContainText(
      t('en', 'portal.regulator.finding.complaint-upheld'),
    );
    await page
      .getByLabel(t('en', 'portal.regulator.reasonText.de'))
      .fill('Wiederholt falscher Kanal.');
    await page
      .getByLabel(t('en', 'portal.regulator.reasonText.en'))
      .fill('Repeatedly the wrong channel.');
    await page.getByRole('checkbox').check();
    await expectAccessible(page);
    await page.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
    await expect(page.getByTestId('suspension-done')).toHaveText(
      t('en', 'portal.regulator.suspend.done'),
    );
    await expect(page.getByTestId('regulator-company-status')).toHaveText(
      t('en', 'portal.status.suspended'),
    );

    // At once: the API and the public registry.
    const api = await page.request.get(`/api/v1/companies/${story.company.id}`);
    const body = (await api.json()) as { status: string; trust: { upheldComplaints: number } };
    expect(body.status).toBe('suspended');
    expect(body.trust.upheldComplaints).toBe(1);
    await page.goto(`/companies/${story.company.id}`);
    await expect(page.getByTestId('company-status-value')).toHaveText(
      t('en', 'portal.status.suspended'),
    );

    // The dashboard counts it, and reinstating is offered next.
    await page.goto('/regulator');
    await expect(
      page.getByTestId('open-complaints').locator('tr', { hasText: legalName }),
    ).toHaveCount(0);
    await page.goto(`/regulator/companies/${story.company.id}`);
    await expect(
      page.getByRole('button', { name: t('en', 'portal.regulator.reinstate.submit') }),
    ).toBeVisible();
    await context.close();
  });
});
