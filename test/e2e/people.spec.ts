/**
 * People end to end (docs/api.md "People"): the admin command prints a regulator's one-time
 * enrolment link; Chromium, with a virtual WebAuthn authenticator (DevTools protocol), enrols a
 * passkey and a non-extractable signing key (after switching the enrolment page's language there
 * and back), logs out, logs in with the passkey, sees the account page, and signs a request with
 * the enrolled key that the server verifies.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';

const run = promisify(execFile);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The e2e server's database (scripts/e2e-server.mjs writes where it is). */
function databasePath(): string {
  return readFileSync('test-results/e2e-db-path.txt', 'utf8').trim();
}

async function adminLink(baseURL: string, name: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['node_modules/tsx/dist/cli.mjs', 'scripts/admin.ts', 'enroll-regulator', '--name', name],
    { env: { ...process.env, DATABASE_PATH: databasePath(), DATABASE_URL: '', ORIGIN: baseURL } },
  );
  const link = stdout.trim();
  expect(link).toMatch(new RegExp(`^${baseURL}/enroll/[A-Za-z0-9_-]{43}$`));
  return link;
}

async function addVirtualAuthenticator(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}

test.describe('people', () => {
  test('a regulator enrols, logs out, logs in with the passkey and signs a request', async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const link = await adminLink(baseURL!, 'Erika Regulator');

    // Enrol: passkey and signing key.
    await page.goto(link);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      t('en', 'portal.people.enrol.title'),
    );
    // The language switch works on this page too (a form POST: under `Referrer-Policy:
    // no-referrer` it carried `Origin: null` and SvelteKit's CSRF check answered 403), and it
    // returns to the same link.
    await page.getByRole('button', { name: t('de', 'common.language.de') }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      t('de', 'portal.people.enrol.title'),
    );
    await expect(page).toHaveURL(link);
    await page.getByRole('button', { name: t('en', 'common.language.en') }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(
      t('en', 'portal.people.enrol.title'),
    );
    await page.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
    await expect(page.getByTestId('enrol-done')).toHaveText(t('en', 'portal.people.enrol.done'));

    // The link worked once.
    await page.goto(link);
    await expect(page.getByRole('alert')).toHaveText(t('en', 'errors.ERR_ENROLMENT_USED'));

    // Log out (a plain form), then log in with the passkey.
    await page.goto('/logout');
    await page.getByRole('button', { name: t('en', 'portal.people.nav.logout') }).click();
    await expect(page).toHaveURL(/\/login\?loggedOut=1$/);
    await page.goto('/account');
    await expect(page).toHaveURL(/\/login\?next=%2Faccount$|\/login\?next=\/account$/);
    await page.getByRole('button', { name: t('en', 'portal.people.login.submit') }).click();
    await expect(page).toHaveURL(/\/account$/);

    // Who is logged in, their role and key id.
    await expect(page.getByTestId('account-name')).toHaveText('Erika Regulator');
    await expect(page.getByTestId('account-role')).toHaveText(
      t('en', 'portal.people.role.regulator'),
    );
    const kid = (await page.getByTestId('account-kid').innerText()).trim();
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(page.getByTestId('account-signer')).toHaveText(`rg_${kid}`);

    // A request signed in the page with the enrolled key, verified by the server.
    await page.getByRole('button', { name: t('en', 'portal.people.account.check') }).click();
    await expect(page.getByTestId('signature-checked')).toHaveText(
      t('en', 'portal.people.account.checked', { signer: `rg_${kid}` }),
    );

    // The key is not extractable: the page can sign with it but not read it out.
    const extractable = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('consent-clearinghouse-people');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const keys = await new Promise<unknown[]>((resolve, reject) => {
        const request = db.transaction('signing-keys').objectStore('signing-keys').getAll();
        request.onsuccess = () => resolve(request.result as unknown[]);
        request.onerror = () => reject(request.error);
      });
      return keys.map((key) => (key as { privateKey: CryptoKey }).privateKey.extractable);
    });
    expect(extractable).toEqual([false]);

    // Without a signature the same endpoint refuses.
    const unsigned = await page.request.get('/api/v1/people/me');
    expect(unsigned.status()).toBe(401);
    await context.close();
  });

  test('an unknown enrolment link and a page without JavaScript answer in sentences', async ({
    browser,
    request,
  }) => {
    const context = await browser.newContext({ locale: 'de-DE', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/enroll/${'A'.repeat(43)}`);
    await expect(page.getByRole('alert')).toHaveText(t('de', 'errors.ERR_ENROLMENT_UNKNOWN'));
    await context.close();
    // DevTools' "scripts disabled" still parses <noscript> as raw text, so check what is served:
    // the sentence a browser without JavaScript shows.
    const html = await (
      await request.get('/login', { headers: { 'accept-language': 'en' } })
    ).text();
    expect(html).toMatch(
      new RegExp(`<noscript><p[^>]*>${escape(t('en', 'portal.people.noscript'))}</p></noscript>`),
    );
  });
});
