/**
 * The Assistant as the customer's filter, end to end (issue 8 "In the extension"): the
 * chromium-test build of the Assistant in Debian's Chromium, the built clearinghouse
 * (playwright.config.ts) and the reference company site. The customer grants the newsletter
 * through the company's page; the company then sends offers through the real relay, built here
 * with its own key exactly as test/company-site does (so content the site never sends, such as a
 * missing unsubscribe route, can be sent too). The Assistant syncs its inbox, decides, stores,
 * acknowledges and shows: an offer that fits is delivered, one that does not is hidden with its
 * reasons (and shown on request), one during quiet hours is held and delivered when they end
 * (the injected clock), one without an unsubscribe route becomes a complaint the clearinghouse
 * accepts, and one racing a revocation is dropped without blaming the company.
 */
import { expect, test, type BrowserContext } from '@playwright/test';
import { ApiProblem } from '../../protocol/client';
import { ready } from '../../protocol/sodium';
import { loadOrCreateIdentity } from '../company-site/keys';
import {
  clearinghouse,
  client,
  createNewsletterRequest,
  firstGrant,
  openConsent,
  Scratch,
  sendFrom,
  sendSealedOffer,
  setSportsProfile,
} from './assistant-fixture';

const scratch = new Scratch();
let context: BrowserContext | undefined;

test.afterEach(async () => {
  context = undefined;
  await scratch.cleanup();
});

/**
 * A fresh Assistant (vault, log key pinned, a sports-loving profile in UTC) holding the reference
 * company site's newsletter grant, with helpers to send offers as the company and to read the
 * offers view's listing.
 */
async function assistantWithGrant() {
  await ready();
  const { dataDir } = await scratch.companySite();
  const company = await loadOrCreateIdentity(dataDir);

  // The Assistant: vault created, the clearinghouse's log key pinned.
  const launched = await scratch.assistant('assistant-offers-');
  context = launched.context;
  const { dashboard } = launched;

  // The profile: newsletters about sports, no quiet hours yet (UTC, so the test knows the hour).
  await setSportsProfile(dashboard);

  // The grant: the company's request link pasted into the Assistant, granted in its consent window
  // (newsletters about product launches, up to 20 a week, so the relay's cap stays out of the way).
  const link = await createNewsletterRequest(company, { maxContactsPerWeek: 20 });
  const consent = await openConsent(dashboard, link);
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  const to = await firstGrant(dashboard);

  /** Sends an offer through the relay as the company would (inner signed, sealed, outer signed). */
  const sendOffer = (content: Record<string, unknown> = {}, drop: string[] = []) =>
    sendSealedOffer(company, to, content, drop);

  const offers = async () =>
    (await sendFrom(dashboard, { type: 'offers.list', markSeen: false })) as {
      items: { offer: { id: string; state: string; feedback?: string }; sentences: string[] }[];
      drafts: { id: string; reasons: string[]; state: string; sha256?: string }[];
      suggestions: { company: string; action: string }[];
      pauses: { company: string; until: number }[];
      offline: boolean;
    };
  const stateOf = async (offerId: string) =>
    (await offers()).items.find((i) => i.offer.id === offerId)?.offer.state;

  return { company, dashboard, sendOffer, offers, stateOf };
}

test('offers reach the customer exactly as profile and grant say, and misuse becomes a complaint', async () => {
  const { company, dashboard, sendOffer, offers, stateOf } = await assistantWithGrant();

  // 1. One that fits and one that does not.
  const fits = await sendOffer({ title: 'Trailschuh im Angebot' });
  const misfit = await sendOffer({ category: 'food/wine', title: 'Weinprobe' });
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(1)');
  await expect(dashboard.locator(`[data-id="${fits}"]`)).toContainText('Trailschuh im Angebot');
  await expect(dashboard.locator(`[data-id="${fits}"] [data-testid="offer-why"]`)).toContainText(
    /seeing/i,
  );
  await dashboard.getByTestId('offers-tab-hidden').click();
  const hidden = dashboard.locator(`[data-id="${misfit}"]`);
  await expect(hidden).toHaveAttribute('data-state', 'hidden');
  await expect(hidden.getByTestId('offer-why')).toContainText(/hidden/i);
  await expect(hidden).not.toContainText('Weinprobe');
  await hidden.getByTestId('offer-show').click();
  await expect(hidden).toContainText('Weinprobe');

  // Feedback on the delivered one: stored, and the model learns (in the vault).
  await dashboard.getByTestId('offers-tab-delivered').click();
  await dashboard.locator(`[data-id="${fits}"]`).getByTestId('offer-feedback-liked').click();
  await expect(
    dashboard.locator(`[data-id="${fits}"]`).getByTestId('offer-feedback-liked'),
  ).toHaveAttribute('aria-pressed', 'true');

  // The customer's own complaint about the delivered one (no filter finds "misleading"): signed
  // with the offer as evidence, and the clearinghouse holds it.
  const own = dashboard.locator(`[data-id="${fits}"]`);
  await own.getByTestId('offer-complain').click();
  await own.getByTestId('complain-reason').selectOption('misleading');
  await own.getByTestId('complain-comment').fill('Der Preis im Angebot gilt im Laden nicht.');
  await own.getByTestId('complain-send').click();
  await expect(own.getByTestId('offer-complained')).toBeVisible();
  const mine = (await offers()).drafts.find((d) => d.id === fits)!;
  expect(mine).toMatchObject({ state: 'submitted', reasons: ['misleading'] });
  await expect
    .poll(async () => {
      try {
        return typeof ((await client.logReceipt(mine.sha256!, 2)) as { index?: unknown }).index;
      } catch (e) {
        return e instanceof ApiProblem ? e.code : String(e);
      }
    })
    .toBe('number');

  // 2. No unsubscribe route: a complaint draft the clearinghouse accepts.
  const noUnsubscribe = await sendOffer({ title: 'Ohne Abmeldung' }, ['unsubscribe']);
  await dashboard.getByTestId('offers-sync').click();
  await dashboard.getByTestId('offers-tab-complaints').click();
  const draft = dashboard.locator(`[data-testid="complaint"][data-id="${noUnsubscribe}"]`);
  await expect(draft).toContainText('without a way to unsubscribe');
  await draft.getByTestId('complaint-submit').click();
  await expect(draft.getByTestId('complaint-submitted')).toBeVisible();
  const submitted = (await offers()).drafts.find((d) => d.id === noUnsubscribe)!;
  expect(submitted).toMatchObject({ state: 'submitted', reasons: ['missing_unsubscribe'] });
  // The clearinghouse holds it: its log receipt is served.
  await expect
    .poll(async () => {
      try {
        return typeof ((await client.logReceipt(submitted.sha256!, 2)) as { index?: unknown })
          .index;
      } catch (e) {
        return e instanceof ApiProblem ? e.code : String(e);
      }
    })
    .toBe('number');

  // 3. Quiet hours from an hour ago until three minutes from now (UTC): held, then delivered when
  // they end. The injected clock jumps only past their end, well inside the auto-lock time.
  const hhmm = (d: Date) =>
    `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const quietEnd = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 3 * 60_000);
  await setSportsProfile(dashboard, {
    quiet: {
      timeZone: 'UTC',
      windows: [
        {
          days: [1, 2, 3, 4, 5, 6, 7],
          from: hhmm(new Date(Date.now() - 3_600_000)),
          to: hhmm(quietEnd),
        },
      ],
    },
  });
  const quiet = await sendOffer({ title: 'Nachts nicht' });
  await sendFrom(dashboard, { type: 'offers.sync' });
  expect(await stateOf(quiet)).toBe('held');
  await sendFrom(dashboard, { type: 'test.clock.set', now: quietEnd.getTime() + 30_000 });
  await sendFrom(dashboard, { type: 'offers.sync' });
  expect(await stateOf(quiet)).toBe('delivered');
  await sendFrom(dashboard, { type: 'test.clock.reset' });
  await setSportsProfile(dashboard);

  // 4. A revocation racing an offer: accepted by the relay before, not yet fetched by the
  // Assistant. The revocation is effective immediately: the relay withdraws the waiting offer, so
  // it never reaches the customer (docs/api.md "Relay", "Revocation"). `sendOffer` returns once
  // the relay stored the offer, so the revocation comes after it; no later second is needed, the
  // relay withdraws every waiting offer of a revoked grant whatever its time.
  const racing = await sendOffer({ title: 'Knapp vor dem Widerruf' });
  await sendFrom(dashboard, {
    type: 'relationships.revoke',
    company: company.companyId,
    grants: 'all',
  });
  await sendFrom(dashboard, { type: 'offers.sync' });
  const after = await offers();
  expect(after.items.map((i) => i.offer.id)).not.toContain(racing);
  // Not the company's fault: no complaint for it.
  expect(after.drafts.map((d) => d.id)).not.toContain(racing);
  // And the relay refuses anything sent after the revocation.
  await expect(sendOffer({ title: 'Nach dem Widerruf' })).rejects.toMatchObject({ status: 403 });
});

test('offline: the offers view works from the vault, says the clearinghouse is unreachable, and catches up without duplicates', async () => {
  const { dashboard, sendOffer, offers } = await assistantWithGrant();
  const fits = await sendOffer({ title: 'Vor dem Ausfall' });
  const misfit = await sendOffer({ category: 'food/wine', title: 'Weinprobe' });
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(1)');
  await expect(dashboard.getByTestId('offers-tab-hidden')).toContainText('(1)');

  // The clearinghouse becomes unreachable for the Assistant (its service worker's requests are
  // aborted); the company can still reach the relay and sends two more offers meanwhile.
  const origin = new URL(clearinghouse).origin;
  const blocked: string[] = [];
  // `unroute` finds a route by its matcher: the same function object, kept here.
  const everything = (url: URL) => url.origin === origin;
  const inbox = (url: URL) => url.origin === origin && url.pathname.endsWith('/inbox');
  await context!.route(everything, (route) => {
    blocked.push(route.request().method());
    return route.abort('internetdisconnected');
  });
  const during = await sendOffer({ title: 'Während des Ausfalls' });
  const duringMisfit = await sendOffer({ category: 'food/wine', title: 'Noch eine Weinprobe' });

  // Everything stored is still there, with its decisions, and a sync says what is wrong.
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await expect(dashboard.getByTestId('offers-offline')).toContainText(
    'The clearinghouse cannot be reached right now',
  );
  await expect(dashboard.getByTestId('offers-error')).toHaveCount(0);
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(1)');
  await expect(dashboard.locator(`[data-id="${fits}"]`)).toContainText('Vor dem Ausfall');
  await expect(dashboard.locator(`[data-id="${fits}"] [data-testid="offer-why"]`)).toContainText(
    /seeing/i,
  );
  await dashboard.getByTestId('offers-tab-hidden').click();
  await expect(dashboard.locator(`[data-id="${misfit}"] [data-testid="offer-why"]`)).toContainText(
    /hidden/i,
  );
  // Feedback works offline too: it lives in the vault.
  await dashboard.getByTestId('offers-tab-delivered').click();
  await dashboard.locator(`[data-id="${fits}"]`).getByTestId('offer-feedback-liked').click();
  await expect(
    dashboard.locator(`[data-id="${fits}"]`).getByTestId('offer-feedback-liked'),
  ).toHaveAttribute('aria-pressed', 'true');
  await dashboard.getByTestId('offers-sync').click();
  await expect(dashboard.getByTestId('offers-sync')).toBeEnabled();
  await expect(dashboard.getByTestId('offers-offline')).toBeVisible();
  expect(blocked.length).toBeGreaterThan(0);
  const offline = await offers();
  expect(offline.offline).toBe(true);
  expect(offline.items.map((i) => i.offer.id).sort()).toEqual([fits, misfit].sort());

  // Half back: the inbox can be read but the acknowledgement is lost (the items stay in the
  // relay and come again next time).
  await context!.unroute(everything);
  const acks: string[] = [];
  await context!.route(inbox, (route) => {
    if (route.request().method() !== 'DELETE') return route.continue();
    acks.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await sendFrom(dashboard, { type: 'offers.sync' });
  const once = await offers();
  expect(once.offline).toBe(false);
  expect(once.items.map((i) => i.offer.id).sort()).toEqual(
    [fits, misfit, during, duringMisfit].sort(),
  );

  // Fully back: the same items are fetched again, recognised, acknowledged, and stored once.
  expect(acks.length).toBeGreaterThan(0);
  await context!.unroute(inbox);
  await dashboard.getByTestId('offers-sync').click();
  await expect(dashboard.getByTestId('offers-offline')).toHaveCount(0);
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(2)');
  await expect(dashboard.getByTestId('offers-tab-hidden')).toContainText('(2)');
  await expect(dashboard.locator(`[data-id="${during}"]`)).toContainText('Während des Ausfalls');
  await sendFrom(dashboard, { type: 'offers.sync' });
  const after = await offers();
  const ids = after.items.map((i) => i.offer.id);
  expect(ids).toHaveLength(4);
  expect(new Set(ids).size).toBe(4);
  expect(after.items.find((i) => i.offer.id === fits)?.offer).toMatchObject({
    state: 'delivered',
    feedback: 'liked',
  });
});

test('a company the customer keeps turning away is suggested for a pause, which hides its offers until the customer ends it', async () => {
  const { company, dashboard, sendOffer, offers } = await assistantWithGrant();
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) sent.push(await sendOffer({ title: `Angebot ${i + 1}` }));
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await expect(dashboard.getByTestId('offers-tab-delivered')).toContainText('(5)');
  await expect(dashboard.getByTestId('offers-companies')).toHaveCount(0);

  // "Not interested" five times, from the keyboard.
  for (const offerId of sent) {
    const button = dashboard
      .locator(`[data-id="${offerId}"]`)
      .getByTestId('offer-feedback-dismissed');
    await button.focus();
    await button.press('Enter');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
  }
  const suggestion = dashboard.getByTestId('suggestion');
  await expect(suggestion).toHaveCount(1);
  await expect(suggestion).toContainText('turned down or ignored 5 of the last 5 offers');
  await expect(suggestion).toHaveAttribute('data-action', 'refuse');

  // A two-day pause, chosen and confirmed with the keyboard only.
  const days = suggestion.getByTestId('suggestion-days');
  await days.focus();
  await days.fill('2');
  await dashboard.keyboard.press('Tab');
  await expect(suggestion.getByTestId('suggestion-pause')).toBeFocused();
  await expect(suggestion.getByTestId('suggestion-pause')).toHaveText('Pause for 2 days');
  await dashboard.keyboard.press('Enter');
  await expect(dashboard.getByTestId('offers-notice')).toContainText('are paused until');
  await expect(dashboard.getByTestId('suggestion')).toHaveCount(0);
  const pause = dashboard.getByTestId('pause');
  await expect(pause).toContainText('is paused until');
  const listed = await offers();
  expect(listed.pauses).toHaveLength(1);
  const days2 = listed.pauses[0]!.until - Math.floor(Date.now() / 1000);
  expect(days2).toBeGreaterThan(2 * 86_400 - 120);
  expect(days2).toBeLessThanOrEqual(2 * 86_400);

  // While paused, the company's offers are hidden, saying until when.
  const paused = await sendOffer({ title: 'Während der Pause' });
  await dashboard.getByTestId('offers-sync').click();
  await expect(dashboard.getByTestId('offers-tab-hidden')).toContainText('(1)');
  await dashboard.getByTestId('offers-tab-hidden').click();
  await expect(dashboard.locator(`[data-id="${paused}"] [data-testid="offer-why"]`)).toContainText(
    'You paused offers from this company until',
  );
  // No complaint: pausing is the customer's choice, not the company's fault.
  expect((await offers()).drafts).toEqual([]);

  // Ending the pause (keyboard again): the next offer comes through, and no suggestion returns
  // from the evidence the customer already answered.
  const resume = pause.getByTestId('pause-resume');
  await resume.focus();
  await resume.press('Enter');
  await expect(dashboard.getByTestId('offers-notice')).toContainText('The pause for');
  await expect(dashboard.getByTestId('offers-companies')).toHaveCount(0);
  await expect(dashboard.getByTestId('offers-title')).toBeFocused();
  const back = await sendOffer({ title: 'Nach der Pause' });
  await dashboard.getByTestId('offers-sync').click();
  await dashboard.getByTestId('offers-tab-delivered').click();
  await expect(dashboard.locator(`[data-id="${back}"]`)).toContainText('Nach der Pause');
  const last = await offers();
  expect(last.pauses).toEqual([]);
  expect(last.suggestions).toEqual([]);

  // "Revoke my consent" (the suggestion's refusal) goes through the wallet's revocation: the
  // relay refuses the company's next offer.
  const refused = (await sendFrom(dashboard, {
    type: 'offers.company',
    action: 'refuse',
    company: company.companyId,
  })) as { type: string };
  expect(refused.type).toBe('offers');
  const rel = (await sendFrom(dashboard, { type: 'relationships.list', refresh: false })) as {
    items: { grants: { status: string }[] }[];
  };
  expect(rel.items[0]!.grants.map((g) => g.status)).toEqual(['revoked']);
  await expect(sendOffer({ title: 'Nach dem Widerruf' })).rejects.toMatchObject({ status: 403 });
});
