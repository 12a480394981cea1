/**
 * The registration form answers empty required fields itself (the form is `novalidate`), in
 * Chromium against the built portal: each field's sentence from the catalog beside it, in German
 * and English, the field marked invalid and described by it, the focus on the first one. The
 * browser's own bubble (English only, tied to none of our sentences) kept the form from being
 * sent, so none of this showed.
 */
import { expect, test } from '@playwright/test';
import { t, type Locale, type MessageKey } from '../../protocol/i18n';

const fields = [
  ['portal.console.register.legalName', 'portal.console.register.error.legalName'],
  ['portal.console.register.registerId', 'portal.console.register.error.registerId'],
  ['portal.console.register.domain', 'portal.console.register.error.domain'],
  ['portal.console.register.email', 'portal.console.register.error.email'],
] as const satisfies readonly (readonly [MessageKey, MessageKey])[];

for (const locale of ['de', 'en'] as const satisfies readonly Locale[]) {
  test(`an empty registration is answered beside each field, not by the browser (${locale})`, async ({
    browser,
  }) => {
    const context = await browser.newContext({ locale: locale === 'de' ? 'de-DE' : 'en-GB' });
    const page = await context.newPage();
    await page.goto('/company/register');
    await expect(page.locator('html')).toHaveAttribute('lang', locale);
    // Nothing typed; Enter in the first field sends the form, by keyboard only.
    const first = page.getByLabel(t(locale, fields[0][0]));
    await first.focus();
    await page.keyboard.press('Enter');

    for (const [label, error] of fields) {
      const field = page.getByLabel(t(locale, label));
      await expect(field).toHaveAttribute('aria-invalid', 'true');
      await expect(field).toHaveAccessibleDescription(t(locale, error));
    }
    const purposes = page.getByRole('group', {
      name: t(locale, 'portal.console.register.purposes'),
    });
    await expect(purposes).toHaveAttribute('aria-invalid', 'true');
    await expect(purposes).toHaveAccessibleDescription(
      t(locale, 'portal.console.register.error.purposes'),
    );
    await expect(first).toBeFocused();

    // A malformed e-mail (the bubble's `type="email"` case) is ours too.
    const email = page.getByLabel(t(locale, 'portal.console.register.email'));
    await email.fill('no address');
    await email.press('Enter');
    await expect(email).toHaveAccessibleDescription(
      t(locale, 'portal.console.register.error.email'),
    );
    await expect(page.getByTestId('company-id')).toHaveCount(0);
    await context.close();
  });
}
