/**
 * The public pages end to end (issue 9, "Public"): home, the company registry with search and
 * sort (without JavaScript, by keyboard), a company's page with its figures and chart, the API
 * page and the legal texts, in German and English, each scanned with axe-core.
 *
 * The registry is seeded through the API exactly as companies and Assistants use it: signed
 * registrations (the domain proof served by a small local server), a grant request, grants, a
 * refusal and a revocation; a suspension is written into the e2e server's database, as the
 * regulator's API is not part of this spec.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import Database from 'better-sqlite3';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { t, type Locale } from '../../protocol/i18n';
import {
  generateKeyPair,
  pairwiseKeyPair,
  publicJwk,
  thumbprint,
  type Ed25519KeyPair,
} from '../../protocol/keys';
import { exampleMessages } from '../../protocol/messages/examples';
import type { MessageKind, Payload, Scope } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import { ready } from '../../protocol/sodium';
import { narrow, pageOverflow } from './reflow';

const random = (n: number) => new Uint8Array(randomBytes(n));
const tag = `e2e${randomBytes(3).toString('hex')}`;

interface SeededCompany {
  id: string;
  kid: string;
  keyPair: Ed25519KeyPair;
  legalName: string;
  domain: string;
}

/** Domain proofs by port: the seeded companies' `/.well-known/consent-clearinghouse.json`. */
const proofs = new Map<number, unknown>();
let proofServer: Server;

function newIdentity(port: number, legalName: string): SeededCompany {
  const keyPair = generateKeyPair(random);
  const kid = thumbprint(publicJwk(keyPair));
  return { id: `co_${kid}`, kid, keyPair, legalName, domain: `http://localhost:${port}` };
}

function claims(iss: string, aud: string) {
  const iat = Math.floor(Date.now() / 1000);
  return { v: 1 as const, iss, aud, iat, exp: iat + 300, jti: randomUUID() };
}

async function postJose(
  request: APIRequestContext,
  path: string,
  kind: MessageKind,
  payload: Payload<MessageKind>,
  keyPair: Ed25519KeyPair,
): Promise<{ sha256: string }> {
  const token = await signMessage(kind, payload as never, keyPair);
  const response = await request.post(path, {
    data: token,
    headers: { 'content-type': 'application/jose' },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { sha256: string };
}

async function register(
  request: APIRequestContext,
  baseURL: string,
  legalName: string,
  proven: boolean,
): Promise<SeededCompany> {
  // All seeded companies live on the proof server's origin; its proof lists only the proven
  // company's key, so the others stay pending (ERR_DOMAIN_PROOF_FAILED, key-not-listed).
  const port = (proofServer.address() as AddressInfo).port;
  const company = newIdentity(port, legalName);
  if (proven) proofs.set(port, { keys: [company.kid] });
  await postJose(
    request,
    '/api/v1/companies',
    'company',
    {
      ...claims(company.id, baseURL),
      legalName,
      registerId: 'HRB 4711, Amtsgericht Köln',
      domain: company.domain,
      contact: { email: 'datenschutz@laufschuh.example' },
      keys: [publicJwk(company.keyPair)],
      purposes: ['product_launch', 'service_support'],
      brands: ['Laufschuh Sprint'],
    } as Payload<'company'>,
    company.keyPair,
  );
  return company;
}

/** Fixed once, so a grant's scope never asks for a later `validUntil` than its request did. */
const validUntil = Math.floor(Date.now() / 1000) + 365 * 86_400;

function scope(): Scope {
  const base = structuredClone(exampleMessages['grant-request'].scopes[0]!) as Scope;
  return { ...base, conditions: { ...base.conditions, validUntil } };
}

/** The seeded registry: one active company with figures, one pending, one suspended. */
const seeded: { active?: SeededCompany; pending?: SeededCompany; suspended?: SeededCompany } = {};

test.beforeAll(async ({ playwright, baseURL }) => {
  await ready();
  proofServer = createServer((req, res) => {
    const port = (proofServer.address() as AddressInfo).port;
    const proof = proofs.get(port);
    if (req.url === '/.well-known/consent-clearinghouse.json' && proof !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(proof));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => proofServer.listen(0, '127.0.0.1', resolve));

  const request = await playwright.request.newContext({ baseURL });
  const active = await register(request, baseURL!, `Laufschuh ${tag} GmbH`, true);
  const pending = await register(request, baseURL!, `Zeitung ${tag} AG`, false);
  const suspended = await register(request, baseURL!, `Adresshandel ${tag} KG`, false);

  // Two customers grant, one refuses, one of the grants is revoked (not yet acknowledged).
  const { sha256: requestSha256 } = await postJose(
    request,
    '/api/v1/grant-requests',
    'grant-request',
    {
      ...claims(active.id, baseURL!),
      scopes: [scope()],
      reason: { de: 'Neue Laufschuhe.', en: 'New running shoes.' },
    } as Payload<'grant-request'>,
    active.keyPair,
  );
  const grants: { pseudonym: string; keyPair: Ed25519KeyPair; sha256: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const keyPair = pairwiseKeyPair(random(32), active.id);
    const pseudonym = `ps_${thumbprint(publicJwk(keyPair))}`;
    const { sha256 } = await postJose(
      request,
      '/api/v1/grants',
      'grant',
      {
        ...claims(pseudonym, active.id),
        requestSha256,
        scopes: [{ ...scope(), channels: ['newsletter'] }],
        preferredChannel: 'newsletter',
        until: Math.floor(Date.now() / 1000) + 180 * 86_400,
        pseudonymKey: publicJwk(keyPair),
      } as Payload<'grant'>,
      keyPair,
    );
    grants.push({ pseudonym, keyPair, sha256 });
  }
  const refuser = pairwiseKeyPair(random(32), active.id);
  const refuserId = `ps_${thumbprint(publicJwk(refuser))}`;
  await postJose(
    request,
    '/api/v1/refusals',
    'refusal',
    {
      ...claims(refuserId, active.id),
      requestSha256,
      pseudonymKey: publicJwk(refuser),
    } as Payload<'refusal'>,
    refuser,
  );
  const revoked = grants[1]!;
  await postJose(
    request,
    '/api/v1/revocations',
    'revocation',
    {
      ...claims(revoked.pseudonym, active.id),
      grants: [{ grantSha256: revoked.sha256 }],
    } as Payload<'revocation'>,
    revoked.keyPair,
  );
  await request.dispose();

  // The regulator's suspension is another issue's API: write the status as it would.
  const db = new Database(readFileSync('test-results/e2e-db-path.txt', 'utf8').trim());
  try {
    db.prepare('update companies set status = ? where id = ?').run('suspended', suspended.id);
  } finally {
    db.close();
  }
  Object.assign(seeded, { active, pending, suspended });
});

test.afterAll(async () => {
  await new Promise((resolve) => proofServer?.close(resolve));
});

/** Fails on any serious or critical axe-core violation, listing them. */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const severe = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(severe, `axe violations on ${page.url()}`).toEqual([]);
}

const publicPages: { name: string; path: () => string; heading: (locale: Locale) => string }[] = [
  { name: 'home', path: () => '/', heading: (l) => t(l, 'portal.home.title') },
  { name: 'registry', path: () => '/companies', heading: (l) => t(l, 'portal.registry.title') },
  {
    name: 'active company',
    path: () => `/companies/${seeded.active!.id}`,
    heading: () => seeded.active!.legalName,
  },
  {
    name: 'suspended company',
    path: () => `/companies/${seeded.suspended!.id}`,
    heading: () => seeded.suspended!.legalName,
  },
  { name: 'API', path: () => '/docs/api', heading: (l) => t(l, 'portal.apiDocs.title') },
  { name: 'imprint', path: () => '/imprint', heading: (l) => t(l, 'portal.legal.imprint.title') },
  { name: 'privacy', path: () => '/privacy', heading: (l) => t(l, 'portal.legal.privacy.title') },
  {
    name: 'accessibility',
    path: () => '/accessibility',
    heading: (l) => t(l, 'portal.legal.accessibility.title'),
  },
];

test.describe('public pages', () => {
  for (const locale of ['de', 'en'] as const) {
    for (const { name, path, heading } of publicPages) {
      test(`the ${name} page renders in ${locale} and passes axe-core`, async ({ browser }) => {
        // The API page is long; axe-core needs a while for it on a busy two-core machine.
        test.setTimeout(180_000);
        const context = await browser.newContext({ locale: locale === 'de' ? 'de-DE' : 'en-GB' });
        const page = await context.newPage();
        const response = await page.goto(path());
        expect(response?.status()).toBe(200);
        await expect(page.locator('html')).toHaveAttribute('lang', locale);
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading(locale));
        // Every page reaches the registry and the legal texts.
        await expect(
          page.getByRole('navigation', { name: t(locale, 'portal.nav.main') }),
        ).toBeVisible();
        await expect(
          page.getByRole('link', { name: t(locale, 'portal.nav.imprint') }),
        ).toBeVisible();
        // The API page's structure is the same in both languages and axe-core needs minutes for
        // its long tables here, so it is scanned once, in English; every other page in both.
        if (name !== 'API' || locale === 'en') await expectAccessible(page);
        await context.close();
      });
    }
  }

  test('home offers the built Assistant for download, the shipped build byte for byte', async ({
    page,
  }) => {
    await page.goto('/?lang=en');
    for (const browser of ['chromium', 'firefox'] as const) {
      const link = page.getByTestId(`download-${browser}`);
      await expect(link).toHaveText(t('en', `portal.home.install.${browser}.download`));
      const started = page.waitForEvent('download');
      await link.click();
      const download = await started;
      expect(download.suggestedFilename()).toBe(`assistant-${browser}.zip`);
      const dir = mkdtempSync(join(tmpdir(), 'e2e-download-'));
      try {
        const archive = join(dir, download.suggestedFilename());
        await download.saveAs(archive);
        execFileSync('unzip', ['-q', archive, '-d', join(dir, 'unpacked')]);
        // What a customer unpacks is what the build made (its manifest, for this browser).
        const built = fileURLToPath(new URL(`../../dist/extension/${browser}/`, import.meta.url));
        for (const file of ['manifest.json', 'background.js', 'ui/dashboard/index.html']) {
          expect(
            readFileSync(join(dir, 'unpacked', file)).equals(readFileSync(join(built, file))),
            file,
          ).toBe(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect((await page.request.get('/assistant/assistant-safari.zip')).status()).toBe(404);
  });

  test('no public page scrolls sideways at 320 px, in German and English (WCAG 1.4.10)', async ({
    browser,
  }) => {
    // 320 CSS px: a 1280 px window at 400 % zoom. The German texts are the longer ones: long
    // compound words in the headings ("Datenschutzerklärung"), a select as wide as its longest
    // option ("Sortieren nach").
    test.setTimeout(180_000);
    const paths = [
      ...publicPages.map(({ path }) => path()),
      '/me',
      '/login',
      '/company/register',
      '/no-such-page',
    ];
    const overflowing: Record<string, string[]> = {};
    for (const locale of ['de', 'en'] as const) {
      const context = await browser.newContext({
        locale: locale === 'de' ? 'de-DE' : 'en-GB',
        viewport: narrow,
      });
      const page = await context.newPage();
      for (const path of paths) {
        await page.goto(path);
        await expect(page.locator('html')).toHaveAttribute('lang', locale);
        const overflow = await pageOverflow(page);
        if (overflow.length > 0) overflowing[`${path} (${locale})`] = overflow;
      }
      await context.close();
    }
    expect(overflowing).toEqual({});
  });

  test('names each scrolling table apart from its section (axe landmark-unique)', async ({
    browser,
  }) => {
    for (const locale of ['de', 'en'] as const) {
      const context = await browser.newContext({ locale: locale === 'de' ? 'de-DE' : 'en-GB' });
      const page = await context.newPage();
      await page.goto(`/companies/${seeded.active!.id}`);
      const keys = page.getByRole('region', {
        name: t(locale, 'portal.table.scrollRegion', { name: t(locale, 'portal.company.keys') }),
        exact: true,
      });
      await expect(keys).toBeVisible();
      await expect(keys).toHaveAttribute('tabindex', '0');
      const results = await new AxeBuilder({ page }).withRules(['landmark-unique']).analyze();
      expect(results.violations.map((v) => v.id)).toEqual([]);
      await context.close();
    }
  });

  test('the layout stays usable on a narrow screen', async ({ browser }) => {
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 360, height: 740 },
    });
    const page = await context.newPage();
    for (const path of ['/companies', `/companies/${seeded.active!.id}`]) {
      await page.goto(path);
      // Wide tables scroll inside their own region; the page itself does not scroll sideways.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await expectAccessible(page);
    }
    await context.close();
  });
});

test.describe('the registry', () => {
  test('shows the seeded companies with status and trust figures, and links their pages', async ({
    page,
  }) => {
    await page.goto(`/companies?q=${tag}`);
    await expect(page.getByTestId('registry-count')).toHaveText(
      t('en', 'portal.registry.countFor', { count: 3, q: tag }),
    );
    const row = page.locator(`tr[data-company="${seeded.active!.id}"]`);
    await expect(row.locator('[data-figure="relationships"]')).toHaveText('1');
    await expect(row.locator('[data-figure="acksOverdue"]')).toHaveText('0');
    await expect(row).toContainText(t('en', 'portal.status.active'));
    await expect(page.locator(`tr[data-company="${seeded.suspended!.id}"]`)).toContainText(
      t('en', 'portal.status.suspended'),
    );
    await expect(page.locator(`tr[data-company="${seeded.pending!.id}"]`)).toContainText(
      t('en', 'portal.status.pending'),
    );

    await row.getByRole('link', { name: seeded.active!.legalName }).click();
    await expect(page).toHaveURL(new RegExp(`/companies/${seeded.active!.id}$`));
    const figure = (key: string) => page.locator(`[data-figure="${key}"] .value`);
    await expect(figure('relationships')).toHaveText('1');
    await expect(figure('acksOpen')).toHaveText('1');
    await expect(page.getByTestId('company-purposes')).toContainText(
      t('en', 'vocabulary.purpose.product_launch'),
    );
    // The chart's table holds this week's grants, refusal and revocation.
    await page.getByText(t('en', 'portal.chart.table'), { exact: true }).first().click();
    const thisWeek = page.locator('.values tbody tr').last();
    await expect(thisWeek.locator('td')).toHaveText(['2', '1', '1', '0']);
    await expect(page.getByRole('img', { name: /Grants: 2;/ })).toBeVisible();

    await page.goto(`/companies/${seeded.suspended!.id}`);
    await expect(page.getByTestId('company-status')).toContainText(
      t('en', 'portal.company.suspended'),
    );
  });

  test('searches and sorts without JavaScript, by keyboard only', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/companies');

    // Search: type into the field and press Enter.
    await page.getByLabel(t('en', 'portal.registry.search.label')).focus();
    await page.keyboard.type(`zeitung ${tag}`);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\?q=zeitung/);
    await expect(page.locator('tbody tr')).toHaveCount(1);
    await expect(page.locator('tbody tr')).toContainText(seeded.pending!.legalName);

    // Sort with the form: relationships, descending.
    await page.goto(`/companies?q=${tag}`);
    await page
      .getByLabel(t('en', 'portal.registry.sort.label'))
      .selectOption({ label: t('en', 'portal.trust.relationships') });
    await page.getByLabel(t('en', 'portal.registry.dir.label')).selectOption('desc');
    await page.getByRole('button', { name: t('en', 'portal.registry.search.submit') }).focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/sort=relationships&dir=desc/);
    await expect(page.locator('tbody tr').first()).toHaveAttribute(
      'data-company',
      seeded.active!.id,
    );

    // Sort by a column header link, by keyboard: name descending reverses alphabetical order.
    const nameHeader = page.locator('thead a[data-sort="name"]');
    await nameHeader.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('th[aria-sort="ascending"]')).toContainText(
      t('en', 'portal.registry.col.name'),
    );
    const ascending = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-company')));
    expect(ascending).toEqual([seeded.suspended!.id, seeded.active!.id, seeded.pending!.id]);
    await page.locator('thead a[data-sort="name"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('th[aria-sort="descending"]')).toBeVisible();
    const descending = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-company')));
    expect(descending).toEqual([...ascending].reverse());
    await context.close();
  });

  test('answers an invalid query with a sentence, not an error page', async ({ page }) => {
    const response = await page.goto('/companies?sort=nonsense');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('alert')).toHaveText(t('en', 'errors.ERR_QUERY_INVALID'));
  });

  test('answers an unknown company with 404', async ({ page }) => {
    const missing = await page.goto(`/companies/co_${'A'.repeat(43)}`);
    expect(missing?.status()).toBe(404);
    const malformed = await page.goto('/companies/not-an-id');
    expect(malformed?.status()).toBe(404);
  });
});
