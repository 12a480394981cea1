/**
 * The regulator's suspension form ties each problem to its field (suspension.ts), in Chromium
 * against the built portal, in German: the sentence beside the field, the field marked invalid
 * and described by it, the focus on the first field to fix; only a refusal of no one field (this
 * browser holds no signing key) is said in the summary under the form. It said every problem in
 * one alert under the form, tied to no field, with the focus left on the button.
 */
import type { Server } from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
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

test.beforeAll(async ({ playwright, baseURL }) => {
  const proof = await startProofServer();
  proofServer = proof.server;
  const request = await playwright.request.newContext({ baseURL });
  const legalName = `Feldfehler ${Math.random().toString(36).slice(2, 8)} GmbH`;
  story = await seedStory(request, baseURL!, proof, legalName);
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

test('the suspension form ties each missing reason to its field and moves the focus there, in German', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  await page.goto(await regulatorLink(baseURL!, 'Fiona Feldfehler'));
  await page.getByRole('button', { name: t('de', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  await page.goto(`/regulator/companies/${story.company.id}`);

  const german = page.getByLabel(t('de', 'portal.regulator.reasonText.de'));
  const english = page.getByLabel(t('de', 'portal.regulator.reasonText.en'));
  const submit = page.getByRole('button', { name: t('de', 'portal.regulator.suspend.submit') });
  await submit.focus();
  await page.keyboard.press('Enter');

  // Both reasons missing: each beside its own field, the focus on the first.
  await expect(german).toHaveAttribute('aria-invalid', 'true');
  await expect(german).toHaveAccessibleDescription(
    t('de', 'portal.regulator.suspend.reasonMissing.de'),
  );
  await expect(english).toHaveAttribute('aria-invalid', 'true');
  await expect(english).toHaveAccessibleDescription(
    t('de', 'portal.regulator.suspend.reasonMissing.en'),
  );
  await expect(german).toBeFocused();
  // Marked to the eye too (the layout's rules for every form): a red border, a red sentence.
  await expect(german).toHaveCSS('border-top-color', 'rgb(176, 0, 32)');
  await expect(german).toHaveCSS('border-top-width', '2px');
  await expect(page.getByTestId('suspension-reason-de-error')).toHaveCSS(
    'color',
    'rgb(176, 0, 32)',
  );
  // No summary: every problem has its field.
  await expect(page.getByTestId('suspension-failure')).toHaveCount(0);
  await expect(page.locator('#suspension').getByRole('alert')).toHaveCount(0);
  const axe = await new AxeBuilder({ page }).include('#suspension').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
    [],
  );

  // The German reason given: only the English one is marked, and the focus goes there.
  await german.fill('Wiederholt falscher Kanal.');
  await submit.focus();
  await page.keyboard.press('Enter');
  await expect(english).toBeFocused();
  await expect(english).toHaveAttribute('aria-invalid', 'true');
  await expect(german).not.toHaveAttribute('aria-invalid', /.*/);
  await expect(german).not.toHaveAttribute('aria-describedby', /.*/);
  await expect(german).not.toHaveCSS('border-top-color', 'rgb(176, 0, 32)');

  // A refusal of no one field (this browser no longer holds the signing key): the summary says
  // it, and no field is marked.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const request = indexedDB.deleteDatabase('consent-clearinghouse-people');
        request.onsuccess = request.onerror = request.onblocked = () => resolve(undefined);
      }),
  );
  await english.fill('Repeatedly the wrong channel.');
  await submit.click();
  await expect(page.getByTestId('suspension-failure')).toHaveText(
    t('de', 'portal.regulator.sign.noKey'),
  );
  await expect(page.getByTestId('suspension-failure')).toHaveRole('alert');
  await expect(page.locator('#suspension [aria-invalid="true"]')).toHaveCount(0);
  await expect(page.getByTestId('regulator-company-status')).toHaveText(
    t('de', 'portal.status.active'),
  );
  await context.close();
});
