/**
 * Channels granted that the profile does not allow, end to end (docs/architecture.md "Channels
 * the profile does not allow"): the chromium-test build of the Assistant in Debian's Chromium,
 * the built clearinghouse (playwright.config.ts) and the reference company site. A new customer's
 * profile allows no channel, and the offer filter hides every offer on a channel the profile does
 * not allow (docs/filter.md rule 3), granted or not. The consent window ticks only channels the
 * profile allows (none here: it says what a grant needs); once the customer ticks one it does not,
 * the window says so beside the channel choice, with a box, unticked by default, that allows the
 * channel in the profile together with the grant:
 * - ticked, the profile allows the newsletter once the grant is stored, and the company's
 *   newsletter offer is delivered;
 * - unticked, the grant is given, the profile stays as it was, and the offer is hidden with a
 *   sentence that says where to allow the channel.
 */
import { expect, test, type Page } from '@playwright/test';
import { t } from '../../protocol/i18n';
import { ready } from '../../protocol/sodium';
import { loadOrCreateIdentity } from '../company-site/keys';
import {
  createNewsletterRequest,
  firstGrant,
  openConsent,
  Scratch,
  sendFrom,
  sendSealedOffer,
  setSportsProfile,
} from './assistant-fixture';

const scratch = new Scratch();

test.afterEach(() => scratch.cleanup());

type Channels = { allowed: string[]; preferred: string | null };

async function profileChannels(dashboard: Page): Promise<Channels> {
  const { profile } = (await sendFrom(dashboard, { type: 'profile.get' })) as {
    profile: { channels: Channels };
  };
  return profile.channels;
}

/**
 * A fresh Assistant (vault, log key pinned, English) whose profile allows no channel, as
 * onboarding leaves it, in manual mode with sports as its one interest (so relevance lets a
 * running-shoe offer through) and no quiet hours; the reference company site asks it for
 * newsletters and its consent window is open.
 */
async function freshCustomerAsked() {
  await ready();
  const { dataDir } = await scratch.companySite();
  const company = await loadOrCreateIdentity(dataDir);
  const { dashboard } = await scratch.assistant('assistant-consent-channels-');

  const none: Channels = { allowed: [], preferred: null };
  expect(await profileChannels(dashboard)).toEqual(none);
  await setSportsProfile(dashboard, { channels: none });
  expect(await profileChannels(dashboard)).toEqual(none);

  const link = await createNewsletterRequest(company, { maxContactsPerWeek: 20 });
  const consent = await openConsent(dashboard, link);
  // Nothing beyond what the profile allows is ticked: the window says what a grant needs.
  await expect(consent.getByTestId('consent-no-channel')).toHaveText(
    t('en', 'extension.consent.noChannel'),
  );
  const channel = consent.getByTestId('scope-0-channel-newsletter');
  await expect(consent.getByTestId('scope-0-include')).not.toBeChecked();
  await expect(channel).not.toBeChecked();
  // By keyboard, the customer ticks the purpose, then the channel.
  await consent.getByTestId('scope-0-include').press('Space');
  await channel.press('Space');
  await expect(channel).toBeChecked();
  await expect(consent.getByTestId('consent-no-channel')).toHaveCount(0);
  const hint = consent.getByTestId('consent-allow-newsletter-hint');
  await expect(hint).toHaveText(
    t('en', 'extension.consent.channelNotAllowed', { channel: 'Newsletter' }),
  );
  const box = consent.getByTestId('consent-allow-newsletter');
  // A change to the profile is never pre-ticked.
  await expect(box).not.toBeChecked();
  await expect(box).toHaveAttribute('aria-describedby', (await hint.getAttribute('id'))!);
  // By keyboard: the box comes right after the channel it is about.
  await consent.getByTestId('scope-0-channel-newsletter').focus();
  await consent.keyboard.press('Tab');
  await expect(box).toBeFocused();

  /** Sends the company's running-shoe newsletter offer to the customer's grant; its id. */
  async function sendNewsletterOffer(title: string): Promise<string> {
    return sendSealedOffer(company, await firstGrant(dashboard), {
      title,
      body: 'Die neuen Modelle.',
    });
  }

  return { dashboard, consent, box, sendNewsletterOffer };
}

test.setTimeout(120_000);

test('a profile without channels: newsletters granted with the box ticked are allowed, and their offer is shown', async () => {
  const { dashboard, consent, box, sendNewsletterOffer } = await freshCustomerAsked();

  await box.press('Space');
  await expect(box).toBeChecked();
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  await expect(consent.getByTestId('consent-profile-not-changed')).toHaveCount(0);
  // Allowed with the grant, and preferred: the profile preferred none.
  expect(await profileChannels(dashboard)).toEqual({
    allowed: ['newsletter'],
    preferred: 'newsletter',
  });

  const offerId = await sendNewsletterOffer('Trailschuh im Angebot');
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  const offer = dashboard.locator(`[data-id="${offerId}"]`);
  await expect(offer).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 });
  await expect(offer).toContainText('Trailschuh im Angebot');
});

test('a profile without channels: the box unticked, the grant stands and the hidden offer says where to allow the channel', async () => {
  const { dashboard, consent, box, sendNewsletterOffer } = await freshCustomerAsked();

  // Unticked as it starts.
  await expect(box).not.toBeChecked();
  await consent.getByTestId('consent-grant').click();
  await expect(consent.getByTestId('consent-result')).toHaveAttribute('data-result', 'granted');
  expect(await profileChannels(dashboard)).toEqual({ allowed: [], preferred: null });

  const offerId = await sendNewsletterOffer('Trailschuh im Angebot');
  await dashboard.reload();
  await dashboard.getByTestId('nav-offers').click();
  await dashboard.getByTestId('offers-tab-hidden').click();
  const offer = dashboard.locator(`[data-id="${offerId}"]`);
  await expect(offer).toHaveAttribute('data-state', 'hidden', { timeout: 20_000 });
  await expect(offer.getByTestId('offer-why')).toContainText(
    t('en', 'filter.reason.channel_not_allowed', { channel: 'Newsletter' }),
  );
});
