/**
 * The customer's complaint about a disclosure, end to end: the chromium-test build of the
 * Assistant in Debian's Chromium, the built clearinghouse (playwright.config.ts) and the
 * reference company site, which discloses what it holds once the customer grants on its page.
 * In the relationships view the customer complains about the verified disclosure by keyboard,
 * with reasons fitting a disclosure and a comment; the Assistant signs the complaint with the
 * pairwise key, the signed disclosure as evidence, and submits it through the complaint drafts'
 * one path. The clearinghouse takes it (its evidence verified as of the disclosure's `iat`) and
 * logs it; the view says it was sent; the complaint is listed where the customer's complaints
 * are (the offers view's "Complaints", the clearinghouse's "my data" page, the pseudonym's
 * complaints the clearinghouse lists); a second one about the same disclosure is refused.
 */
import { expect, test, type Page } from '@playwright/test';
import { ApiProblem } from '../../protocol/client';
import { t } from '../../protocol/i18n';
import { clearinghouse, client, grantOn, payloadOf, Scratch, sendFrom } from './assistant-fixture';

const scratch = new Scratch();

test.afterEach(() => scratch.cleanup());

/** A fresh Assistant in English: vault created, the test clearinghouse's log key pinned. */
async function assistant(): Promise<Page> {
  const { dashboard } = await scratch.assistant('assistant-disclosure-');
  await dashboard.reload();
  await expect(dashboard.getByTestId('nav-relationships')).toBeVisible();
  return dashboard;
}

interface Listing {
  items: {
    pseudonym: string;
    company: { id: string };
    disclosures: { sha256: string; jws: string }[];
    complaints: { sha256: string; reasons: string[]; decision: unknown }[];
  }[];
  disclosureComplaints?: {
    id: string;
    about?: string;
    state: string;
    reasons: string[];
    sha256?: string;
  }[];
}

test('a complaint about a disclosure is signed with it as evidence, logged by the clearinghouse, listed with the others, and not sent twice', async () => {
  // Three parties and a log receipt: more than the 60 s default on a loaded machine.
  test.setTimeout(120_000);
  const { site } = await scratch.companySite();
  const dashboard = await assistant();
  const pseudonym = await grantOn(dashboard.context(), site);
  await expect
    .poll(async () => (await site.pollOnce(), site.obligations.done.map((d) => d.kind)))
    .toContain('disclosure');
  const disclosed = site.obligations.done.find((d) => d.kind === 'disclosure')!;
  const { legalName } = (
    (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
      items: { pseudonym: string; company: { legalName: string } }[];
    }
  ).items.find((r) => r.pseudonym === pseudonym)!.company;

  // The disclosure sent on the grant, verified and shown with a "Complain" of its own.
  await dashboard.getByTestId('nav-relationships').click();
  await dashboard.getByTestId('relationships-refresh').click();
  const current = dashboard.getByTestId('disclosure-current');
  await expect(current).toHaveAttribute('data-sha256', disclosed.sha256);
  const complain = dashboard.getByTestId('disclosure-complain');
  await expect(complain).toHaveAccessibleName(/Complain about the disclosure of .+: .+/);

  // By keyboard: the form opens with the focus on its first reason.
  await complain.focus();
  await dashboard.keyboard.press('Enter');
  const form = dashboard.getByTestId('disclosure-complain-form');
  await expect(form).toBeVisible();
  await expect(dashboard.getByTestId('disclosure-complain-reason-not_covered')).toBeFocused();
  await dashboard.keyboard.press('Space');
  await dashboard.getByTestId('disclosure-complain-reason-other').check();
  await dashboard
    .getByTestId('disclosure-complain-comment')
    .fill('I never gave this company my address, and ten years is far too long to keep it.');
  await dashboard.getByTestId('disclosure-complain-send').click();

  // Sent: the view says so and the note replaces the button.
  const note = dashboard.getByTestId('disclosure-complained');
  await expect(note).toHaveAttribute('data-state', 'submitted');
  await expect(note).toBeFocused();
  await expect(dashboard.getByTestId('relationships-notice')).toHaveText(
    t('en', 'extension.relationships.complain.done', { company: legalName }),
  );
  await expect(form).toBeHidden();
  await expect(complain).toBeHidden();

  // What the Assistant keeps of it: submitted, with the clearinghouse's hash.
  const listing = (await sendFrom(dashboard, {
    type: 'relationships.list',
    refresh: false,
  })) as Listing;
  expect(listing.disclosureComplaints).toEqual([
    expect.objectContaining({
      id: disclosed.sha256,
      about: 'disclosure',
      state: 'submitted',
      reasons: ['not_covered', 'other'],
    }),
  ]);
  const sha256 = listing.disclosureComplaints![0]!.sha256!;

  // The clearinghouse took it and logged it: its log receipt is served.
  await expect
    .poll(async () => {
      try {
        return typeof ((await client.logReceipt(sha256, 2)) as { index?: unknown }).index;
      } catch (e) {
        return e instanceof ApiProblem ? e.code : String(e);
      }
    })
    .toBe('number');
  // And lists it as the pseudonym's open complaint, with its reasons.
  await dashboard.getByTestId('relationships-refresh').click();
  await expect
    .poll(async () =>
      ((await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as Listing).items
        .find((r) => r.pseudonym === pseudonym)
        ?.complaints.map((c) => [c.sha256, c.reasons, c.decision]),
    )
    .toEqual([[sha256, ['not_covered', 'other'], null]]);
  const relationship = listing.items.find((r) => r.pseudonym === pseudonym)!;
  const evidence = relationship.disclosures.find((d) => d.sha256 === disclosed.sha256)!.jws;
  expect(payloadOf(evidence)).toMatchObject({ iss: site.companyId, aud: pseudonym });

  // Listed with the customer's other complaints: the offers view's "Complaints".
  await dashboard.getByTestId('nav-offers').click();
  await dashboard.getByTestId('offers-tab-complaints').click();
  const listed = dashboard.locator(`[data-testid="complaint"][data-id="${disclosed.sha256}"]`);
  await expect(listed).toHaveAttribute('data-state', 'submitted');
  await expect(listed.getByTestId('complaint-about-disclosure')).toBeVisible();
  await expect(listed.getByTestId('complaint-submitted')).toContainText(sha256.slice(0, 12));

  // And on the clearinghouse's "my data" page, as open.
  const me = await dashboard.context().newPage();
  await me.goto(`${clearinghouse}/me`);
  await expect(me.getByTestId('me-table')).toHaveAttribute('data-fresh', 'true', {
    timeout: 20_000,
  });
  const complaint = me
    .locator(`[data-testid="me-row"][data-company="${site.companyId}"]`)
    .getByTestId('me-complaint');
  await expect(complaint).toHaveCount(1);
  await expect(complaint).toHaveAttribute('data-state', 'open');
  await me.close();

  // One complaint per disclosure: a second is refused before anything is signed or sent.
  expect(
    await sendFrom(dashboard, {
      type: 'relationships.complain',
      company: site.companyId,
      disclosure: disclosed.sha256,
      reasons: ['misleading'],
    }),
  ).toEqual({ type: 'error', code: 'ERR_COMPLAINT_DUPLICATE' });
  expect(
    (
      (await sendFrom(dashboard, { type: 'relationships.list', refresh: true })) as Listing
    ).items.find((r) => r.pseudonym === pseudonym)!.complaints,
  ).toHaveLength(1);
});
