import { expect, test } from '@playwright/test';
import { t } from '../../protocol/i18n';
import pkg from '../../package.json' with { type: 'json' };

test.describe('portal', () => {
  test('health reports the version and a reachable database', async ({ request }) => {
    const response = await request.get('/api/v1/health');
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      status: 'ok',
      version: pkg.version,
      database: { dialect: 'sqlite', reachable: true, writable: true },
    });
  });

  test('an unknown API route answers with problem+json', async ({ request }) => {
    const response = await request.get('/api/v1/no-such-thing');
    expect(response.status()).toBe(404);
    expect(response.headers()['content-type']).toContain('application/problem+json');
    const body = await response.json();
    expect(body.type).toBe('https://clearinghouse.invalid/problems/not-found');
    expect(body.status).toBe(404);
  });

  test('the home page speaks German to a German browser', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('de', 'portal.home.title'));
    await context.close();
  });

  test('the home page speaks English to an English browser and can be switched by keyboard', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en', 'portal.home.title'));
    await expect(
      page.getByRole('heading', { name: t('en', 'portal.home.customer.title') }),
    ).toBeVisible();

    // Switch to German with the keyboard only; the choice sticks across pages.
    await page.getByRole('button', { name: t('de', 'common.language.de') }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('de', 'portal.home.title'));
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('de', 'portal.home.title'));
    await context.close();
  });

  test('switching the language keeps what was typed and the focus on the button pressed', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto('/company/register');
    const name = page.getByLabel(t('en', 'portal.console.register.legalName'));
    await name.fill('Prüfhaus Ölmühle GmbH');
    const german = page.getByRole('button', { name: t('de', 'common.language.de') });
    await german.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    const renamed = page.getByLabel(t('de', 'portal.console.register.legalName'));
    // The same field, relabelled in German, still holding the text: the page was not loaded anew.
    await expect(renamed).toHaveValue('Prüfhaus Ölmühle GmbH');
    await expect(german).toHaveAttribute('aria-pressed', 'true');
    await expect(german).toBeFocused();
    // The choice is the server's too: a new load is in German.
    await page.reload();
    await expect(page.getByLabel(t('de', 'portal.console.register.legalName'))).toHaveValue('');
    await context.close();
  });

  test('the language switch works on the page of an address no route matches', async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto('/no-such-page');
    await expect(page.locator('main')).toContainText(t('en', 'portal.error.notFound'));
    await page.getByRole('button', { name: t('de', 'common.language.de') }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.locator('main')).toContainText(t('de', 'portal.error.notFound'));
    await context.close();
  });

  test('an unknown page shows a human sentence, not a stack trace', async ({ page }) => {
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    await expect(page.locator('main')).toContainText(t('en', 'portal.error.notFound'));
    await expect(page.locator('main')).not.toContainText('Error:');
    await expect(page.locator('main')).not.toContainText(' at ');
  });
});
