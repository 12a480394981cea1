/**
 * /me when the Assistant disappears (assistant-wait.ts), in Chromium against the built portal.
 * A stand-in for the Assistant's bridge (extension/content/bridge.ts: it acknowledges each page
 * message, then answers) runs in the page; Playwright's clock jumps over the page's deadlines.
 * - Acknowledged, then silent mid-action: the action ends as "unknown", with what to do, and the
 *   buttons work again (it stayed "please confirm" for good).
 * - Gone before the action (no acknowledgement): the action ends "not reached", the data shown
 *   stays (the live region kept "please confirm" for good).
 * - Acknowledged, then silent while loading: the page says the Assistant did not answer.
 */
import { expect, test, type Page } from '@playwright/test';
import type { CustomerViewItem } from '../../protocol/connect';
import { t } from '../../protocol/i18n';
import { assistantDeadlines } from '../../portal/routes/me/assistant-wait';

const clearinghouse = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
const hash = 'h'.repeat(43);

const item: CustomerViewItem = {
  company: {
    id: `co_${'c'.repeat(43)}`,
    legalName: 'Laufhaus GmbH',
    domain: 'https://lauf.example',
  },
  companyStatus: 'active',
  pseudonym: `ps_${'p'.repeat(43)}`,
  grants: [
    {
      sha256: hash,
      status: 'active',
      purposes: ['product_launch'],
      channels: ['email'],
      dataCategories: ['address'],
      revokedPurposes: [],
      until: 2_000_000_000,
    },
  ],
  refusals: 0,
  openRevocations: 0,
  revocations: [],
  disclosure: null,
  dataRequests: [],
  offers: { received: 0, delivered: 0, held: 0, hidden: 0 },
  rewards: { count: 0, points: 0, bestDiscount: null },
  complaints: { submitted: 0, drafts: 0 },
  accessEvents: [],
  complaintHistory: [],
};

type Behaviour = 'answers' | 'silent-after-ack' | 'gone';

/**
 * Installs the stand-in bridge before the page's scripts run. It answers `customer-view` with
 * `item`; what it does with anything else is `window.assistantBehaviour` (the test changes it).
 */
async function fakeAssistant(page: Page, view: Behaviour, action: Behaviour): Promise<void> {
  await page.addInitScript(
    ({ items, view, action }) => {
      const w = window as unknown as {
        assistantView: string;
        assistantAction: string;
        acksHeard: number;
      };
      w.assistantView = view;
      w.assistantAction = action;
      w.acksHeard = 0;
      // Counted as the page hears each acknowledgement (this listener runs before the page's):
      // the clock may jump over the page's deadlines only once the page took it.
      window.addEventListener('message', (event) => {
        const m = event.data as { from?: string; type?: string };
        if (event.source === window && m?.from === 'assistant' && m.type === 'ack') w.acksHeard++;
      });
      window.addEventListener('message', (event) => {
        const m = event.data as { channel?: string; from?: string; type?: string; id?: string };
        if (event.source !== window || m?.channel !== 'consent-clearinghouse/connect') return;
        if (m.from !== 'page') return;
        const behaviour = m.type === 'customer-view' ? w.assistantView : w.assistantAction;
        if (behaviour === 'gone') return;
        const answer = (body: object) =>
          window.postMessage(
            { channel: m.channel, v: 1, from: 'assistant', id: m.id, ...body },
            location.origin,
          );
        answer({ type: 'ack' });
        if (behaviour === 'silent-after-ack') return;
        if (m.type === 'customer-view')
          answer({ type: 'customer-view', items, asOf: Date.now(), fresh: true });
        else answer({ type: 'outcome', outcome: { outcome: 'done' } });
      });
    },
    { items: [item], view, action },
  );
}

async function openMe(page: Page, locale: 'de' | 'en'): Promise<void> {
  await page.context().addCookies([{ name: 'lang', value: locale, url: clearinghouse }]);
  await page.clock.install();
  await page.goto('/me');
}

test('an action the Assistant acknowledged and then never answered ends as unknown, in German', async ({
  page,
}) => {
  await fakeAssistant(page, 'answers', 'silent-after-ack');
  await openMe(page, 'de');
  await expect(page.getByTestId('me-row')).toHaveCount(1);
  const revoke = page.getByTestId('me-revoke');
  await revoke.click();
  const said = page.getByTestId('me-action');
  await expect(said).toHaveAttribute('data-outcome', 'pending');
  await expect(revoke).toHaveAttribute('aria-disabled', 'true');
  // The view's acknowledgement, then the action's: taken before the clock jumps.
  await page.waitForFunction(() => (window as unknown as { acksHeard: number }).acksHeard > 1);

  // Still waiting while the Assistant's own window may be open (ten minutes).
  await page.clock.fastForward(10 * 60_000);
  await expect(said).toHaveAttribute('data-outcome', 'pending');
  await page.clock.fastForward(assistantDeadlines.action - 10 * 60_000 + 1000);
  // Not "failed": it may have been carried out. Said where a screen reader hears it.
  await expect(said).toHaveAttribute('data-outcome', 'unknown');
  await expect(said).toHaveText(t('de', 'portal.me.action.unknown'));
  await expect(page.locator('[aria-live="polite"]').getByRole('alert')).toHaveText(
    t('de', 'portal.me.action.unknown'),
  );
  // Idle again: the buttons work, and the data shown stays.
  await expect(revoke).toHaveAttribute('aria-disabled', 'false');
  await expect(page.getByTestId('me-row')).toHaveCount(1);
});

test('an action the Assistant never received (gone meanwhile) is said not to have reached it, in English', async ({
  page,
}) => {
  await fakeAssistant(page, 'answers', 'gone');
  await openMe(page, 'en');
  await expect(page.getByTestId('me-row')).toHaveCount(1);
  await page.getByTestId('me-access').click();
  const said = page.getByTestId('me-action');
  // protocol/connect waits 1.5 s for the acknowledgement.
  await page.clock.fastForward(2000);
  await expect(said).toHaveAttribute('data-outcome', 'not-reached');
  await expect(said).toHaveText(t('en', 'portal.me.action.notReached'));
  await expect(page.getByTestId('me-access')).toHaveAttribute('aria-disabled', 'false');
  await expect(page.getByTestId('me-row')).toHaveCount(1);
});

test('a view the Assistant acknowledged and never sent ends with a sentence, in English', async ({
  page,
}) => {
  await fakeAssistant(page, 'silent-after-ack', 'answers');
  await openMe(page, 'en');
  await expect(page.getByTestId('me-loading')).toBeVisible();
  // Else the jump may pass the 1.5 s wait for an acknowledgement still on its way.
  await page.waitForFunction(() => (window as unknown as { acksHeard: number }).acksHeard > 0);
  await page.clock.fastForward(assistantDeadlines.stored + 1000);
  await expect(page.getByTestId('me-error')).toHaveText(
    t('en', 'portal.me.error', { reason: t('en', 'portal.me.viewSilent') }),
  );
  await expect(page.getByTestId('me-load')).toHaveAttribute('aria-disabled', 'false');
});
