/**
 * The whole story, once (issue 10 "Tests and figures"), every role in Chromium against the built
 * portal, with the chromium-test build of the Assistant and the reference company site:
 *
 * 1. a company registers in the console (its key generated in the browser) and proves its domain;
 *    its first staff member enrols a passkey (virtual authenticator) and builds a consent request;
 * 2. the company's own page (test/company-site, run with the console's key) asks for consent, the
 *    customer narrows it (newsletter only) and grants in the Assistant;
 * 3. the company sends an offer that is delivered, one that is hidden, and one without the
 *    advertisement label, which the customer turns into a complaint;
 * 4. the customer sees everything at a glance on /me and revokes from there;
 * 5. the company acknowledges the revocation in its console (signed with the person key);
 * 6. the auditor verifies the grant's receipt in the browser (/audit, file upload);
 * 7. the regulator verifies the complaint's evidence in the browser, upholds it and suspends the
 *    company, which the registry, the API and the console show at once.
 */
import { expect, test, type BrowserContext } from '@playwright/test';
import { base64urlDecode } from '../../protocol/encoding';
import { t } from '../../protocol/i18n';
import { startCompanySite, type CompanySite } from '../company-site/site';
import {
  clearinghouse,
  connect,
  payloadOf,
  Scratch,
  sendFrom,
  setSportsProfile,
} from './assistant-fixture';
import { addVirtualAuthenticator, receiptOf, regulatorLink } from './oversight-seed';
import {
  expectAccessible,
  freePort,
  loadKeyFile,
  prepareSiteData,
  registerInConsole,
  sendOffer,
} from './story-helpers';

const scratch = new Scratch();
const contexts: BrowserContext[] = [];
let site: CompanySite | undefined;

test.afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await site?.stop();
  await scratch.cleanup();
});

async function startSite(dataDir: string, port: number): Promise<CompanySite> {
  return startCompanySite({
    clearinghouseUrl: clearinghouse,
    dataDir,
    port,
    pollIntervalMs: 0,
    webhook: false,
    log: () => {},
  });
}

test('the whole story: register, consent, offers, at a glance, revoke, acknowledge, audit, complaint, suspension', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const legalName = `Geschichte ${Math.random().toString(36).slice(2, 8)} GmbH`;
  const port = await freePort();
  const domain = `http://localhost:${port}`;

  // ----- 1. the company registers in its console and proves its domain -----------------------
  const companyContext = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  contexts.push(companyContext);
  const console_ = await companyContext.newPage();
  await addVirtualAuthenticator(console_);
  const { companyId, key, staffLink } = await registerInConsole(console_, { legalName, domain });
  await expect(console_.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.pending'),
  );
  await expect(console_.getByTestId('proof-failed')).toBeVisible();
  // The company's site publishes the proof (it runs with the key the console generated).
  const siteDir = await scratch.tempDir('story-site-');
  prepareSiteData(siteDir, key);
  site = await startSite(siteDir, port);
  expect(site.companyId).toBe(companyId);
  await console_.getByRole('button', { name: t('en', 'portal.console.proof.check') }).click();
  await expect(console_.getByTestId('proof-ok')).toHaveText(t('en', 'portal.console.proof.ok'));

  await console_.goto(staffLink);
  await console_.getByLabel(t('en', 'portal.people.enrol.name')).fill('Stella Staff');
  await console_.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(console_.getByTestId('enrol-done')).toBeVisible();
  await console_.goto('/company');
  await expect(console_.getByTestId('company-name')).toHaveText(legalName);
  await expect(console_.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.active'),
  );

  // The consent request: newsletter or e-mail, for product launches, signed with the key file.
  await loadKeyFile(console_, key);
  const builder = console_.locator('form[action="?/request"]');
  await builder.getByLabel(t('en', 'vocabulary.purpose.product_launch')).check();
  await builder.getByLabel(t('en', 'vocabulary.channel.newsletter')).check();
  await builder.getByLabel(t('en', 'vocabulary.channel.email')).check();
  await builder.getByLabel(t('en', 'vocabulary.dataCategory.preferences_habits')).check();
  await builder.getByLabel(t('en', 'portal.console.request.reasonDe')).fill('Neue Laufschuhe.');
  await builder.getByLabel(t('en', 'portal.console.request.reasonEn')).fill('New running shoes.');
  await builder.getByRole('button', { name: t('en', 'portal.console.request.submit') }).click();
  const link = (await console_.getByTestId('request-link').getAttribute('href'))!;
  expect(link).toMatch(new RegExp(`^${baseURL}/api/v1/grant-requests/[A-Za-z0-9_-]{43}$`));
  await expect(console_.getByTestId('request-snippet')).toContainText(
    `data-grant-request="${link}"`,
  );

  // The site puts the console's request on its page (what the snippet does on a real page).
  await site.stop();
  prepareSiteData(siteDir, key, { link, sha256: link.split('/').pop()! });
  site = await startSite(siteDir, port);
  expect(site.requestLink()).toBe(link);

  // ----- 2. the customer narrows and grants in the Assistant, from the company's page ----------
  const assistant = await scratch.assistant('story-assistant-', { acceptDownloads: true });
  const { dashboard } = assistant;
  await setSportsProfile(dashboard);
  const shop = await assistant.context.newPage();
  await shop.goto(`${site.origin}/?lang=en`);
  const consent = await connect(shop);
  await expect(consent.getByTestId('consent-company')).toContainText(legalName);
  await expect(consent.getByTestId('scope-0-channel-email')).toBeChecked();
  await consent.getByTestId('scope-0-channel-email').uncheck();
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect(shop.locator('#connect-outcome')).toHaveAttribute('data-outcome', 'granted');
  await shop.close();

  const listing = (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
    items: { pseudonym: string; grants: { sha256: string; jws: string }[] }[];
  };
  expect(listing.items).toHaveLength(1);
  const pseudonym = listing.items[0]!.pseudonym;
  const grant = listing.items[0]!.grants[0]!;
  const granted = payloadOf(grant.jws);
  // Narrowed: the newsletter only.
  expect((granted.scopes as { channels: string[] }[])[0]!.channels).toEqual(['newsletter']);
  const publicKey = base64urlDecode((granted.pseudonymKey as { x: string }).x);

  // The company sees the grant in its console.
  await console_.reload();
  await expect(console_.getByTestId('grant-row')).toHaveCount(1);
  await expect(console_.getByTestId('grant-row')).toContainText(
    t('en', 'portal.console.grants.active'),
  );

  // ----- 3. offers: one delivered, one hidden, one without the advertisement label --------------
  const company = { id: companyId, keyPair: key.keyPair };
  const to = { pseudonym, publicKey, grantSha256: grant.sha256 };
  const fits = await sendOffer(company, to, { title: 'Trailschuh im Angebot' });
  const misfit = await sendOffer(company, to, { category: 'food/wine', title: 'Weinprobe' });
  const unlabelled = await sendOffer(company, to, {
    title: 'Ohne Werbekennzeichnung',
    advertisement: false,
  });
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await dashboard.getByTestId('offers-sync').click();
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(1)');
  await expect(dashboard.locator(`[data-id="${fits}"]`)).toContainText('Trailschuh im Angebot');
  await dashboard.getByTestId('offers-tab-hidden').click();
  const hidden = dashboard.locator(`[data-id="${misfit}"]`);
  await expect(hidden).toHaveAttribute('data-state', 'hidden');
  await expect(hidden.getByTestId('offer-why')).toContainText(/hidden/i);
  await expect(hidden).not.toContainText('Weinprobe');
  // The unlabelled one is evidence: the customer files the complaint the Assistant drafted.
  await dashboard.getByTestId('offers-tab-complaints').click();
  const draft = dashboard.locator(`[data-testid="complaint"][data-id="${unlabelled}"]`);
  await expect(draft).toBeVisible();
  await draft.getByTestId('complaint-submit').click();
  await expect(draft.getByTestId('complaint-submitted')).toBeVisible();
  // The company's console lists the three offers the relay accepted.
  await console_.reload();
  await expect(console_.locator('[data-testid="offer-row"][data-outcome="accepted"]')).toHaveCount(
    3,
  );

  // ----- 4. everything at a glance on /me, and a revocation from there --------------------------
  const me = await assistant.context.newPage();
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-rows', '1', { timeout: 20_000 });
  const row = me.getByTestId('me-row');
  await expect(row).toHaveAttribute('data-company', companyId);
  await expect(row).toContainText(legalName);
  await expect(row.getByTestId('me-grant')).toHaveAttribute('data-status', 'active');
  await expect(row.getByTestId('me-allowed')).toContainText('product launch', { ignoreCase: true });
  const confirmWindow = assistant.context.waitForEvent('page', {
    predicate: (p) => p.url().includes('/ui/consent/index.html?action='),
  });
  await me.getByTestId('me-revoke').click();
  const confirm = await confirmWindow;
  await expect(confirm.getByTestId('action-description')).toContainText(legalName);
  await confirm.getByTestId('action-confirm').click();
  await expect(confirm.getByTestId('action-result')).toHaveAttribute('data-result', 'done');
  await expect(me.getByTestId('me-action')).toHaveAttribute('data-outcome', 'done');
  await expect(me.getByTestId('me-grant')).toHaveAttribute('data-status', 'revoked');
  await expect(me.getByTestId('me-revocation')).toHaveAttribute('data-acknowledged', 'false');

  // ----- 5. the company acknowledges in its console ---------------------------------------------
  await console_.reload();
  const revocation = console_.getByTestId('revocation-row');
  await expect(revocation).toHaveCount(1);
  await expect(revocation).toHaveAttribute('data-state', 'open');
  await expect(console_.getByTestId('grant-row')).toContainText(
    t('en', 'portal.console.grants.revoked'),
  );
  await revocation.getByRole('button', { name: t('en', 'portal.console.revocations.ack') }).click();
  await expect(console_.getByTestId('ack-done')).toHaveText(
    t('en', 'portal.console.revocations.acked'),
  );
  await expect(revocation).toHaveAttribute('data-state', 'acknowledged');
  await me.getByTestId('me-load').click();
  await expect(me.getByTestId('me-revocation')).toHaveAttribute('data-acknowledged', 'true');

  // ----- 6. the auditor verifies the grant's receipt in the browser -----------------------------
  const receipt = (await receiptOf(console_.request, grant.sha256)) as { index: number };
  const auditorContext = await browser.newContext({ locale: 'en-GB' });
  contexts.push(auditorContext);
  const auditor = await auditorContext.newPage();
  await auditor.goto('/audit');
  await expect(auditor.getByTestId('checkpoint-verified')).toBeVisible();
  await auditor.getByLabel(t('en', 'portal.audit.receipt.file')).setInputFiles({
    name: 'receipt.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(receipt)),
  });
  await expect(auditor.getByTestId('receipt-result')).toHaveText(
    t('en', 'portal.audit.receipt.ok', { index: receipt.index.toLocaleString('en-GB') }),
  );
  await expect(auditor.getByTestId('receipt-steps')).toContainText(grant.sha256);

  // ----- 7. the regulator upholds the complaint and suspends the company ------------------------
  const regulatorContext = await browser.newContext({ locale: 'en-GB' });
  contexts.push(regulatorContext);
  const regulator = await regulatorContext.newPage();
  await addVirtualAuthenticator(regulator);
  await regulator.goto(await regulatorLink(baseURL!, 'Regina Regulator'));
  await regulator.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
  await expect(regulator.getByTestId('enrol-done')).toBeVisible();
  await regulator.goto('/regulator');
  const complaint = regulator.getByTestId('open-complaints').locator('tr', { hasText: legalName });
  await expect(complaint).toContainText(
    t('en', 'portal.regulator.reason.missing_advertisement_label'),
  );
  await expect(regulator.getByTestId('risk-ranking')).toContainText(legalName);
  await complaint
    .getByRole('link', { name: t('en', 'portal.regulator.review', { company: legalName }) })
    .click();
  // The evidence, verified in the regulator's browser: the company signed an unlabelled offer.
  await expect(regulator.getByTestId('evidence-verdict')).toHaveText(
    t('en', 'portal.regulator.verification.authentic'),
  );
  await expect(regulator.getByTestId('reason-verdicts').locator('li')).toHaveAttribute(
    'data-verdict',
    'confirmed',
  );
  await regulator.getByLabel(t('en', 'portal.regulator.decision.upheld')).check();
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.de'))
    .fill('Werbung ohne Kennzeichnung.');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.en'))
    .fill('Advertising without its label.');
  await regulator
    .getByRole('button', { name: t('en', 'portal.regulator.decision.submit') })
    .click();
  await expect(regulator.getByTestId('decision-done')).toHaveText(
    t('en', 'portal.regulator.decision.done'),
  );
  await regulator
    .getByRole('link', { name: t('en', 'portal.regulator.decision.toCompany') })
    .click();
  await expect(regulator.getByRole('heading', { level: 1 })).toHaveText(legalName);
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.de'))
    .fill('Werbung ohne Kennzeichnung, bestätigt.');
  await regulator
    .getByLabel(t('en', 'portal.regulator.reasonText.en'))
    .fill('Advertising without its label, upheld.');
  await regulator.getByRole('checkbox').check();
  await regulator.getByRole('button', { name: t('en', 'portal.regulator.suspend.submit') }).click();
  await expect(regulator.getByTestId('suspension-done')).toHaveText(
    t('en', 'portal.regulator.suspend.done'),
  );

  // At once: the public registry, the API and the company's own console.
  await auditor.goto(`/companies/${companyId}`);
  await expect(auditor.getByTestId('company-status-value')).toHaveText(
    t('en', 'portal.status.suspended'),
  );
  const api = (await (await auditor.request.get(`/api/v1/companies/${companyId}`)).json()) as {
    status: string;
    trust: { upheldComplaints: number };
  };
  expect(api).toMatchObject({ status: 'suspended', trust: { upheldComplaints: 1 } });
  await console_.reload();
  await expect(console_.getByTestId('company-status')).toHaveText(
    t('en', 'portal.console.state.suspended'),
  );
  await expectAccessible(console_);
});
