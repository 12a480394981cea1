/**
 * /me's company search when nothing matches (NoMatch.svelte), in Chromium against the built
 * portal with its script running. A stand-in for the Assistant's bridge (as in
 * me-assistant-silent.spec.ts) answers the page's `customer-view` with three companies.
 * - The live region (role="status") is in the page, empty, before anything is typed, and is the
 *   very element that later says "no company matches": a region inserted already filled is not
 *   announced (WCAG ARIA22).
 * - A search that matches no company says so there, with "Show all"; "Show all" pressed with
 *   Enter (English) or Space (German, switched with the site's language control) brings back
 *   the whole list, empties the region and puts the focus in the search field.
 */
import { expect, test, type Page } from '@playwright/test';
import type { CustomerViewItem } from '../../protocol/connect';
import { t, type Locale } from '../../protocol/i18n';

/** One company's row in the view, with an active grant and nothing else going on. */
function itemOf(letter: string, legalName: string, domain: string): CustomerViewItem {
  return {
    company: { id: `co_${letter.repeat(43)}`, legalName, domain },
    companyStatus: 'active',
    pseudonym: `ps_${letter.repeat(43)}`,
    grants: [
      {
        sha256: letter.repeat(43),
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
}

const items = [
  itemOf('a', 'Laufhaus GmbH', 'https://lauf.example'),
  itemOf('b', 'Bäckerei Korn KG', 'https://korn.example'),
  itemOf('c', 'Radwerk AG', 'https://rad.example'),
];

/** What the page's no-match region held when it was put into the document, per insertion. */
interface RegionGlobals {
  noMatchInserted?: string[];
}

/**
 * Before the page's scripts run: the stand-in bridge (it acknowledges each page message and
 * answers `customer-view` with `items`), and a record of the text the no-match region had at
 * the moment it was inserted (a MutationObserver sees each insertion before the next change).
 */
async function prepare(page: Page): Promise<void> {
  await page.addInitScript((view) => {
    window.addEventListener('message', (event) => {
      const m = event.data as { channel?: string; from?: string; type?: string; id?: string };
      if (event.source !== window || m?.channel !== 'consent-clearinghouse/connect') return;
      if (m.from !== 'page') return;
      const answer = (body: object) =>
        window.postMessage(
          { channel: m.channel, v: 1, from: 'assistant', id: m.id, ...body },
          location.origin,
        );
      answer({ type: 'ack' });
      if (m.type === 'customer-view')
        answer({ type: 'customer-view', items: view, asOf: Date.now(), fresh: true });
    });
    const scope = globalThis as RegionGlobals;
    scope.noMatchInserted = [];
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (!(node instanceof Element)) continue;
          const region = node.matches('[data-testid="me-no-match-said"]')
            ? node
            : node.querySelector('[data-testid="me-no-match-said"]');
          if (region !== null) scope.noMatchInserted!.push(region.textContent ?? '');
        }
      }
    }).observe(document, { childList: true, subtree: true });
  }, items);
}

/** The no-match region was inserted at least once, and never already filled. */
async function expectOnlyEmptyInsertions(page: Page): Promise<void> {
  const inserted = await page.evaluate(() => (globalThis as RegionGlobals).noMatchInserted);
  expect(inserted?.length ?? 0).toBeGreaterThan(0);
  expect(inserted?.filter((text) => text.trim() !== '')).toEqual([]);
}

/**
 * Checks, on a loaded /me showing all three companies, that the region is there and empty, that
 * a search matching nothing fills that same region with the sentence and offers "Show all", and
 * that pressing `key` on "Show all" brings the list back.
 */
async function searchNothingThenShowAll(page: Page, locale: Locale, key: 'Enter' | ' ') {
  const table = page.getByTestId('me-table');
  await expect(table).toHaveAttribute('data-rows', '3');
  // The refreshed copy, after the stored one: the view is settled.
  await expect(table).toHaveAttribute('data-fresh', 'true');
  const region = page.getByTestId('me-no-match-said');
  const search = page.getByLabel(t(locale, 'portal.me.filter.search'));
  const showAll = page.getByRole('button', { name: t(locale, 'portal.me.showAll') });

  // Before anything is typed: the live region is already in the page, and empty.
  await expect(region).toHaveAttribute('role', 'status');
  await expect(region).toHaveText('');
  await expect(showAll).toHaveCount(0);
  await expectOnlyEmptyInsertions(page);
  // Marked, to see that the sentence fills this element rather than a new one.
  await region.evaluate((el) => el.setAttribute('data-before-typing', 'yes'));

  await search.pressSequentially('Zeppelin');
  await expect(region).toHaveText(t(locale, 'portal.me.noMatch'));
  await expect(
    page.getByRole('status').filter({ hasText: t(locale, 'portal.me.noMatch') }),
  ).toHaveAttribute('data-before-typing', 'yes');
  await expect(table).toHaveCount(0);
  await expect(page.getByTestId('me-shown')).toHaveText(
    t(locale, 'portal.me.shown', { shown: '0', count: 3 }),
  );
  await expect(showAll).toBeVisible();
  await expectOnlyEmptyInsertions(page);

  // "Show all" with the keyboard: the whole list again, the sentence gone, the focus in the search.
  await showAll.focus();
  await page.keyboard.press(key === ' ' ? 'Space' : key);
  await expect(table).toHaveAttribute('data-rows', '3');
  await expect(page.getByTestId('me-row')).toHaveCount(3);
  await expect(region).toHaveText('');
  await expect(region).toHaveAttribute('data-before-typing', 'yes');
  await expect(showAll).toHaveCount(0);
  await expect(search).toHaveValue('');
  await expect(search).toBeFocused();
}

test('a search matching no company is said in a live region that was there, empty, before; Enter on "Show all" brings the list back', async ({
  page,
}) => {
  await prepare(page);
  await page.goto('/me');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await searchNothingThenShowAll(page, 'en', 'Enter');
});

test('in German (switched with the language control), Space on "Alle zeigen" brings the list back', async ({
  page,
}) => {
  await prepare(page);
  await page.goto('/me');
  await expect(page.getByTestId('me-table')).toHaveAttribute('data-rows', '3');
  await page.getByRole('button', { name: t('de', 'common.language.de') }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('de', 'portal.me.title'));
  await searchNothingThenShowAll(page, 'de', ' ');
});
