/**
 * The regulator's console end to end (issue 10, "Regulator"), in Chromium against the built
 * portal: a regulator enrols with a passkey (virtual authenticator) and its in-browser signing
 * key, sees the complaint on the dashboard, has its evidence verified in the browser (company
 * signature, grant coverage, the rule broken), upholds it with a signed `complaint-decision`,
 * suspends the company with a signed `suspension`, and the public registry and the API show the
 * suspension at once. Also: the login gate, no outcome chosen for the regulator, a reason missing
 * in one language, the focus on the result after each signed act, axe-core; and the
 * line between the roles: company staff get 403 on every regulator page and their signatures
 * cannot decide or suspend; a regulator cannot use the company console's actions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import { generateKeyPair, publicJwk, thumbprint } from '../../protocol/keys';
import type { Payload } from '../../protocol/messages';
import { signMessage } from '../../protocol/signed';
import {
  addVirtualAuthenticator,
  regulatorLink,
  seedStory,
  startProofServer,
  type SeededStory,
} from './oversight-seed';
import { narrow, pageOverflow } from './reflow';

let proof: Awaited<ReturnType<typeof startProofServer>>;
let proofServer: Server;
let story: SeededStory;
const legalName = `Aufsichtsfall ${Math.random().toString(36).slice(2, 8)} GmbH`;

test.beforeAll(async ({ playwright, baseURL }) => {
  proof = await startProofServer();
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
    // Complaint, evidence, grant, the company's request the grant answers, coverage.
    await expect(steps).toHaveCount(5);
    await expect(page.getByTestId('evidence-steps').locator('li[data-ok="true"]')).toHaveCount(4);
    // The grant covered the newsletter only; the offer came by e-mail.
    await expect(steps.nth(4)).toContainText(t('en', 'portal.regulator.rule.channel'));
    await expect(page.getByTestId('reason-verdicts').locator('li')).toHaveAttribute(
      'data-verdict',
      'confirmed',
    );
    await expectAccessible(page);

    // No outcome is chosen for the regulator: with both reasons typed and none chosen, pressing
    // the button is refused in a sentence (it used to uphold the complaint).
    const upheld = page.getByLabel(t('en', 'portal.regulator.decision.upheld'));
    const dismissed = page.getByLabel(t('en', 'portal.regulator.decision.dismissed'));
    await expect(upheld).not.toBeChecked();
    await expect(dismissed).not.toBeChecked();
    await page.getByLabel(t('en', 'portal.regulator.reasonText.de')).fill('Falscher Kanal.');
    await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Wrong channel.');
    await page.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
    await expect(page.getByRole('alert')).toHaveText(t('en', 'portal.regulator.decision.missing'));
    // The focus goes to the group's first choice, not left on the button; the group is marked
    // to the eye as well (the layout's rule wins over the page's grey fieldset border).
    await expect(upheld).toBeFocused();
    const outcomeGroup = page.locator('fieldset[aria-invalid="true"]');
    await expect(outcomeGroup).toHaveCount(1);
    await expect(outcomeGroup).toHaveCSS('border-top-color', 'rgb(176, 0, 32)');
    await expect(outcomeGroup).toHaveCSS('border-top-width', '2px');

    // A reason in one language only is refused in a sentence, and nothing is decided.
    await upheld.check();
    await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('');
    await page.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
    await expect(page.getByRole('alert')).toHaveText(t('en', 'portal.regulator.reasonMissing'));
    // The empty field is marked, described by the sentence beside it, and has the focus.
    const english = page.getByLabel(t('en', 'portal.regulator.reasonText.en'));
    await expect(english).toHaveAttribute('aria-invalid', 'true');
    await expect(english).toHaveAttribute('aria-describedby', 'decision-reason-en-error');
    await expect(english).toBeFocused();
    await expect(page.getByLabel(t('en', 'portal.regulator.reasonText.de'))).not.toHaveAttribute(
      'aria-invalid',
    );
    const before = await page.request.get(`/api/v1/companies/${story.company.id}`);
    expect(
      ((await before.json()) as { trust: { upheldComplaints: number } }).trust.upheldComplaints,
    ).toBe(0);

    // Upheld, signed with the enrolled key. The form (and the button pressed) is gone after the
    // reload: the focus moves to the sentence saying the decision is stored.
    await page.getByLabel(t('en', 'portal.regulator.reasonText.en')).fill('Wrong channel.');
    await page.getByRole('button', { name: t('en', 'portal.regulator.decision.submit') }).click();
    await expect(page.getByTestId('decision-done')).toHaveText(
      t('en', 'portal.regulator.decision.done'),
    );
    await expect(page.getByTestId('decision-done')).toBeFocused();
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
    // Not left on the button, which now reinstates: the focus is on what happened.
    await expect(page.getByTestId('suspension-done')).toBeFocused();
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

  test('in German at 320 px: no page scrolls sideways, each table scrolls in a region named apart, and the decision form points to what is missing', async ({
    browser,
    baseURL,
    playwright,
  }) => {
    // A complaint of its own, still open whatever the other tests decided.
    const request = await playwright.request.newContext({ baseURL });
    const own = await seedStory(request, baseURL!, proof, `Schmalfall ${legalName}`);
    await request.dispose();
    const context = await browser.newContext({ locale: 'de-DE', viewport: narrow });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    await page.goto(await regulatorLink(baseURL!, 'Rosa Regulator'));
    const overflowing: Record<string, string[]> = {};
    const enrolment = await pageOverflow(page);
    if (enrolment.length > 0) overflowing['/enroll/…'] = enrolment;
    await page.getByRole('button', { name: t('de', 'portal.people.enrol.submit') }).click();
    await expect(page.getByTestId('enrol-done')).toBeVisible();
    const app = t('de', 'common.appName');
    const regulator = t('de', 'portal.regulator.title');

    for (const path of [
      '/regulator',
      `/regulator/companies/${own.company.id}`,
      `/regulator/complaints/${own.complaintSha256}`,
      '/regulator/people',
    ]) {
      await page.goto(path);
      await expect(page.locator('html')).toHaveAttribute('lang', 'de');
      // Every regulator page says so in its title: "<page> · Aufsicht · Consent Clearinghouse".
      await expect(page).toHaveTitle(new RegExp(`(^| · )${regulator} · ${app}$`));
      const overflow = await pageOverflow(page);
      if (overflow.length > 0) overflowing[path] = overflow;
    }
    // With an open invitation (a long German name) and its one-time link on the page too.
    const invitee = 'Datenschutzaufsichtsbeauftragte Wiederherstellungsprüferin';
    await page.getByLabel(t('de', 'portal.regulator.people.inviteName')).fill(invitee);
    await page.getByRole('button', { name: t('de', 'portal.regulator.people.invite') }).click();
    await expect(page.getByTestId('invite-link')).toBeVisible();
    await expect(page.getByTestId('invitation-row').filter({ hasText: invitee })).toHaveCount(1);
    const invited = await pageOverflow(page);
    if (invited.length > 0) overflowing['/regulator/people, invited'] = invited;
    expect(overflowing).toEqual({});

    // The dashboard's two wide tables each scroll in a region of their own, which the keyboard
    // reaches, named apart from the section around it (axe landmark-unique).
    await page.goto('/regulator');
    for (const [section, testid] of [
      ['portal.regulator.openComplaints', 'open-complaints'],
      ['portal.regulator.risk', 'risk-ranking'],
    ] as const) {
      const region = page.getByRole('region', {
        name: t('de', 'portal.table.scrollRegion', { name: t('de', section) }),
        exact: true,
      });
      await expect(region).toHaveAttribute('tabindex', '0');
      await expect(region.getByTestId(testid)).toBeVisible();
    }
    const unique = await new AxeBuilder({ page }).withRules(['landmark-unique']).analyze();
    expect(unique.violations.map((v) => v.nodes.map((n) => n.target.join(' ')))).toEqual([]);

    // The decision: pressed with no outcome chosen, the sentence is tied to the radio group and
    // the focus moves to its first choice, not left on the button.
    await page.goto(`/regulator/complaints/${own.complaintSha256}`);
    await expect(page).toHaveTitle(
      `${t('de', 'portal.regulator.complaint.title')} · ${regulator} · ${app}`,
    );
    await expect(page.getByTestId('evidence-verdict')).toBeVisible();
    await page.getByLabel(t('de', 'portal.regulator.reasonText.de')).fill('Falscher Kanal.');
    const submit = page.getByRole('button', { name: t('de', 'portal.regulator.decision.submit') });
    await submit.focus();
    await page.keyboard.press('Enter');
    const group = page.getByRole('group', { name: t('de', 'portal.regulator.decision') });
    await expect(group).toHaveAttribute('aria-invalid', 'true');
    await expect(group).toHaveAccessibleDescription(t('de', 'portal.regulator.decision.missing'));
    await expect(page.getByRole('alert')).toHaveText(t('de', 'portal.regulator.decision.missing'));
    await expect(page.getByLabel(t('de', 'portal.regulator.decision.upheld'))).toBeFocused();
    await expectAccessible(page);

    // Chosen by keyboard, the English reason still missing: the focus goes to that field.
    await page.keyboard.press('Space');
    await expect(page.getByLabel(t('de', 'portal.regulator.decision.upheld'))).toBeChecked();
    await submit.focus();
    await page.keyboard.press('Enter');
    const english = page.getByLabel(t('de', 'portal.regulator.reasonText.en'));
    await expect(english).toBeFocused();
    await expect(english).toHaveAttribute('aria-invalid', 'true');
    await expect(english).toHaveAccessibleDescription(t('de', 'portal.regulator.reasonMissing'));
    await expect(group).not.toHaveAttribute('aria-invalid', /.*/);
    await context.close();
  });

  test('staff and anonymous visitors are refused the regulator pages; a regulator cannot act in the company console', async ({
    browser,
    baseURL,
  }) => {
    // A company registered through the API: its first staff member enrols with the link.
    const keyPair = generateKeyPair((n) => new Uint8Array(randomBytes(n)));
    const kid = thumbprint(publicJwk(keyPair));
    const companyId = `co_${kid}`;
    const iat = Math.floor(Date.now() / 1000);
    const claims = (aud: string) => ({
      v: 1 as const,
      iss: companyId,
      aud,
      iat,
      exp: iat + 300,
      jti: randomUUID(),
    });
    const registration = await browser.newContext({ locale: 'en-GB' });
    const registered = await registration.request.post('/api/v1/companies', {
      data: await signMessage(
        'company',
        {
          ...claims(baseURL!),
          legalName: 'Grenzfall GmbH',
          registerId: 'HRB 1, Köln',
          domain: 'http://localhost:9',
          contact: { email: 'datenschutz@grenzfall.example' },
          keys: [publicJwk(keyPair)],
          purposes: ['product_launch'],
        } as Payload<'company'>,
        keyPair,
      ),
      headers: { 'content-type': 'application/jose' },
    });
    expect(registered.status(), await registered.text()).toBe(201);
    const { staffEnrolment } = (await registered.json()) as { staffEnrolment: { link: string } };
    await registration.close();

    const staffContext = await browser.newContext({ locale: 'en-GB' });
    const staff = await staffContext.newPage();
    await addVirtualAuthenticator(staff);
    await staff.goto(staffEnrolment.link);
    await staff.getByLabel(t('en', 'portal.people.enrol.name')).fill('Gerd Grenzfall');
    await staff.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
    await expect(staff.getByTestId('enrol-done')).toBeVisible();
    for (const path of [
      '/regulator',
      `/regulator/companies/${story.company.id}`,
      `/regulator/complaints/${story.complaintSha256}`,
      '/regulator?riskPage=2',
      '/regulator/people',
    ]) {
      const response = await staff.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(staff.getByTestId('open-complaints')).toHaveCount(0);
      // Said so, rather than "please try again", which would not help.
      await expect(staff.locator('main')).toContainText(t('en', 'portal.error.forbidden'));
    }
    // The regulator's signed actions, signed by the company: refused, nothing decided.
    const decision = await staff.request.post('/api/v1/complaint-decisions', {
      data: await signMessage(
        'complaint-decision',
        {
          ...claims(baseURL!),
          iss: `rg_${kid}`,
          complaintSha256: story.complaintSha256,
          decision: 'dismissed',
          reason: { de: 'Nein.', en: 'No.' },
        } as Payload<'complaint-decision'>,
        keyPair,
      ),
      headers: { 'content-type': 'application/jose' },
    });
    expect([401, 403]).toContain(decision.status());
    const suspension = await staff.request.post('/api/v1/suspensions', {
      data: await signMessage(
        'suspension',
        {
          ...claims(baseURL!),
          iss: `rg_${kid}`,
          company: story.company.id,
          action: 'suspend',
          reason: { de: 'Nein.', en: 'No.' },
        } as Payload<'suspension'>,
        keyPair,
      ),
      headers: { 'content-type': 'application/jose' },
    });
    expect([401, 403]).toContain(suspension.status());
    for (const refused of [decision, suspension]) {
      expect(refused.headers()['content-type']).toContain('application/problem+json');
    }
    await staffContext.close();

    // Anonymous: asked to log in, on every regulator page.
    const anonymous = await browser.newContext({ locale: 'en-GB' });
    const visitor = await anonymous.newPage();
    await visitor.goto(`/regulator/companies/${story.company.id}`);
    await expect(visitor).toHaveURL(/\/login\?next=%2Fregulator%2Fcompanies%2F/);
    await anonymous.close();

    // A regulator in the company console: nothing to see, and every action refused with 403.
    const regulatorContext = await browser.newContext({ locale: 'en-GB' });
    const regulator = await regulatorContext.newPage();
    await addVirtualAuthenticator(regulator);
    await regulator.goto(await regulatorLink(baseURL!, 'Rolf Regulator'));
    await regulator.getByRole('button', { name: t('en', 'portal.people.enrol.submit') }).click();
    await expect(regulator.getByTestId('enrol-done')).toBeVisible();
    await regulator.goto('/company');
    await expect(regulator.getByRole('alert')).toHaveText(t('en', 'portal.console.notStaff'));
    for (const action of ['ack', 'answer', 'disclose', 'invite', 'key', 'request', 'correction']) {
      const response = await regulator.request.post(`/company?/${action}`, {
        form: { jws: 'a.b.c', disclosure: 'a.b.c', id: 'x'.repeat(43) },
        headers: { origin: baseURL!, accept: 'application/json' },
      });
      const body = (await response.json()) as { type: string; status: number; data: string };
      expect([body.type, body.status], action).toEqual(['failure', 403]);
      expect(body.data).toContain('errors.ERR_NOT_AUTHORISED');
    }
    await regulatorContext.close();
  });
});
