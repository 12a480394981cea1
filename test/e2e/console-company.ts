/**
 * A company registered through the company console in the browser, its domain proven and its
 * first staff member enrolled (the XSS sweep and the cross-origin spec of the console), on
 * story-helpers' registerInConsole.
 */
import { expect, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import { registerInConsole, type ConsoleKeyFile } from './story-helpers';

/**
 * Registers `legalName` on a domain `proof` serves, proves it, enrols `staffName` with the
 * virtual authenticator already added to `page`, and ends on a hydrated /company. `check` runs
 * on every page on the way (registration, proof, enrolment, account).
 */
export async function registerAndEnrol(
  page: Page,
  company: {
    legalName: string;
    staffName: string;
    proof: { port: number; proofs: Map<number, unknown> };
  },
  check: () => Promise<void> = async () => {},
): Promise<{ companyId: string; key: ConsoleKeyFile }> {
  const { port, proofs } = company.proof;
  const { companyId, key, staffLink } = await registerInConsole(page, {
    legalName: company.legalName,
    domain: `http://localhost:${port}`,
  });
  await check();
  proofs.set(port, { companyId, keys: [key.jwk.kid] });
  await page.getByRole('button', { name: t('en', 'portal.console.proof.check') }).click();
  await expect(page.getByTestId('proof-ok')).toBeVisible();
  await check();
  // The enrolment page names the company; its button waits for the page's script.
  await page.goto(staffLink);
  await expect(page.locator('main')).toContainText(company.legalName.slice(0, 30));
  await check();
  await page.getByLabel(t('en', 'portal.people.enrol.name')).fill(company.staffName);
  await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(page.getByTestId('enrol-done')).toBeVisible();
  await check();
  await page.goto('/account');
  await expect(page.getByTestId('account-name')).toHaveText(company.staffName);
  await check();
  await page.goto('/company');
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('company-name')).toHaveText(company.legalName);
  return { companyId, key };
}
