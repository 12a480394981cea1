/**
 * The relationships view's confirmations in a real Chromium: an erasure or revocation on its way
 * cannot be taken back with Cancel or Escape, its dialog says it is sending and keeps the focus,
 * and the focus goes back to the button that opened it (or the relationship's heading) after.
 * "Request access" and "Send" keep the focus while on their way, and each action sent is said in
 * the view's status region. The company's status is said in the customer's language.
 * Also the rewards the ledger holds: one sentence each, in the customer's language; and only
 * what the Assistant verified counts: the clearinghouse's current disclosure, an answer.
 * Each action button's accessible name names its company; a revoked grant says when it was
 * revoked, not until when it was valid; a long company name wraps within a phone's width.
 * A verified disclosure can be complained about once, by keyboard, with reasons fitting a
 * disclosure; the view says it was sent, kept to be sent again, or why it was not.
 * The vault's list shows at once while a refresh waits for the clearinghouse, said to be under
 * way; "Open request" says an empty field or what is no request link before sending anything;
 * another form or action replaces what the earlier one said; each revocation is said once, on
 * its grant, with its date and whether (and, where the listing says, when) the company confirmed it.
 */
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import Consent from '../consent/Consent.svelte';
import RelationshipsView from './RelationshipsView.svelte';
import { pendingRequest } from '../consent/pending.fixture';

const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const grantJws = `${b64url({ alg: 'EdDSA' })}.${b64url({
  iat: 1,
  until: 2_000_000_000,
  scopes: [{ purpose: 'product_launch' }],
})}.c2ln`;
const h = (c: string) => c.repeat(43);

/** What a test puts into the listed relationship, over {@link relationship}'s defaults. */
let overrides: Record<string, unknown>;
/** Relationships listed after that one (another company's). */
let alsoListed: Record<string, unknown>[];
/** The Assistant's clock in the listing (ms). */
let listingNow: number;

function relationship(status: 'active' | 'revoked') {
  return {
    pseudonym: `ps_${h('p')}`,
    company: {
      id: `co_${h('c')}`,
      legalName: 'Laufhaus GmbH',
      domain: 'https://laufhaus.example',
      status: 'active',
    },
    requests: [],
    grants: [{ sha256: h('g'), jws: grantJws, status, revokedPurposes: [] }],
    refusals: [],
    revocations: [],
    dataRequests: [],
    disclosures: [],
    accessEvents: [],
    complaints: [],
    receipts: [],
    openedDisclosures: [],
    openedAnswers: [],
    openedDecisions: [],
    pendingReceipts: [],
    ...overrides,
  };
}

// Before the file's beforeEach below, which mounts the view into the host's target.
const host = hostComponents();
const { byTestId } = host;
/** Requests sent; `release` lets the held answer to the last action go. */
let sent: { type: string }[];
let release: () => void;
let grantStatus: 'active' | 'revoked';
/** What the ledger answers (`rewards.list`). */
let rewardsAnswer: { type: 'rewards'; items: unknown[]; now: number };
/** The next action fails (the clearinghouse out of reach). */
let failNext: boolean;
/** What it fails with (undefined: no answer from the background). */
let failWith: unknown;
/** Why a refresh fails (the listing is the vault's copy then), or undefined: it succeeds. */
let refreshFailed: string | undefined;
/** The complaints about disclosures the listing carries (undefined: none listed). */
let disclosureComplaints: Record<string, unknown>[] | undefined;
/** The background's answer to a correction: how many holders were told, how many not yet. */
let correctionsSent: { sent: number; failed: number };
/** What the background stored of a complaint that failed (under way), before it answers. */
let afterComplaintFailed: (() => void) | null;
/** Thrown once by the next refresh, after which the listing is `afterRefreshThrew`'s. */
let refreshThrows: { error: unknown; then: () => void } | null = null;
/** Refreshes wait for `releaseRefresh` (a clearinghouse that takes connections, never answers). */
let holdRefresh: boolean;
let releaseRefresh: () => void;
/** The vault's copy (`refresh: false`), as read when asked, waits for `releaseStored`. */
let holdStored: boolean;
let releaseStored: () => void;

const send = (async (request: { type: string }) => {
  sent.push(request);
  const listing = () => ({
    type: 'relationships',
    items: [relationship(grantStatus), ...alsoListed],
    damaged: [],
    now: listingNow,
    ...(disclosureComplaints === undefined ? {} : { disclosureComplaints }),
  });
  if (request.type === 'rewards.list') return rewardsAnswer;
  if (
    request.type === 'relationships.list' &&
    (request as { refresh?: boolean }).refresh === true &&
    refreshThrows !== null
  ) {
    const { error, then } = refreshThrows;
    refreshThrows = null;
    then();
    throw error;
  }
  if (
    request.type === 'relationships.list' &&
    (request as { refresh?: boolean }).refresh === true &&
    holdRefresh
  )
    await new Promise<void>((r) => (releaseRefresh = r));
  if (
    request.type === 'relationships.list' &&
    (request as { refresh?: boolean }).refresh === false &&
    holdStored
  ) {
    const stored = listing();
    await new Promise<void>((r) => (releaseStored = r));
    return stored;
  }
  if (request.type === 'relationships.list')
    return (request as { refresh?: boolean }).refresh === true && refreshFailed !== undefined
      ? { ...listing(), refreshFailed }
      : listing();
  await new Promise<void>((r) => (release = r));
  if (failNext) {
    if (request.type === 'relationships.complain') afterComplaintFailed?.();
    throw failWith ?? new Error('the clearinghouse did not answer');
  }
  if (request.type === 'relationships.revoke') grantStatus = 'revoked';
  if (request.type === 'relationships.complain') {
    const { disclosure, reasons } = request as unknown as { disclosure: string; reasons: string[] };
    disclosureComplaints = [submittedComplaint(disclosure, reasons)];
  }
  if (request.type === 'relationships.correct')
    return { type: 'corrections.sent', ...correctionsSent };
  if (request.type === 'wallet.open-link' || request.type === 'wallet.open-targeted')
    return { type: 'bridge.accepted', ticket: consentTicket };
  return listing();
}) as never;

/** The consent window's ticket the background answers "Open request" and a targeted request with. */
const consentTicket = 'a'.repeat(32);

async function show(
  locale: 'de' | 'en',
  replacedUrl: { replaced: string; current: string } | null = null,
  openConsent: (ticket: string) => void = () => {},
) {
  await host.unmount();
  host.target.replaceChildren();
  host.mount(RelationshipsView, { locale, send, openConsent, replacedUrl });
  await expect.poll(() => host.target.querySelector('[data-testid="relationship"]')).not.toBeNull();
}

beforeEach(async () => {
  overrides = {};
  alsoListed = [];
  listingNow = 0;
  sent = [];
  grantStatus = 'active';
  failNext = false;
  failWith = undefined;
  refreshFailed = undefined;
  disclosureComplaints = undefined;
  correctionsSent = { sent: 1, failed: 0 };
  afterComplaintFailed = null;
  refreshThrows = null;
  holdRefresh = false;
  holdStored = false;
  rewardsAnswer = { type: 'rewards', items: [], now: 0 };
  // What the view noted for the tab's session when a test opened the consent window goes: the
  // next view would put the focus back where that test's window was opened from.
  sessionStorage.clear();
  await show('en');
});

/** A complaint about disclosure `id` as the background lists it once submitted. */
function submittedComplaint(id: string, reasons: string[]) {
  return {
    id,
    about: 'disclosure',
    company: `co_${h('c')}`,
    pseudonym: `ps_${h('p')}`,
    reasons,
    createdAt: Date.UTC(2026, 10, 2, 12) / 1000,
    state: 'submitted',
    sha256: h('s'),
  };
}

/** What the view's status region says. */
const notice = () => byTestId('relationships-notice')!.textContent!.trim();

it('keeps an erasure on its way open: Cancel and Escape wait, the focus stays in it, then returns to its button', async () => {
  await userEvent.click(byTestId('request-erasure')!);
  const dialog = byTestId('erasure-confirmation')!;
  await userEvent.click(byTestId('request-erasure-confirm')!);
  await tick();
  expect(sent.filter((r) => r.type === 'relationships.data-request')).toHaveLength(1);
  expect(document.activeElement).toBe(dialog);
  await userEvent.keyboard('{Escape}');
  await tick();
  expect(byTestId('erasure-confirmation')).toBe(dialog);
  expect((byTestId('erasure-cancel') as HTMLButtonElement).disabled).toBe(true);
  expect(byTestId('request-erasure-confirm')!.textContent).toContain('Sending');
  expect(dialog.getAttribute('aria-busy')).toBe('true');
  expect(notice()).toBe('');
  release();
  await expect.poll(() => byTestId('erasure-confirmation')).toBeNull();
  await expect.poll(() => document.activeElement).toBe(byTestId('request-erasure'));
  expect(byTestId('relationships-notice')!.getAttribute('role')).toBe('status');
  expect(notice()).toBe(
    t('en', 'extension.relationships.dataRequest.sent.erasure', { company: 'Laufhaus GmbH' }),
  );
});

it('Escape takes an erasure back before it is sent', async () => {
  await userEvent.click(byTestId('request-erasure')!);
  await userEvent.keyboard('{Escape}');
  await expect.poll(() => byTestId('erasure-confirmation')).toBeNull();
  expect(document.activeElement).toBe(byTestId('request-erasure'));
  expect(sent.filter((r) => r.type === 'relationships.data-request')).toEqual([]);
});

it('after "Yes, revoke" the focus goes to the relationship’s heading when the button that opened it is gone', async () => {
  await userEvent.click(byTestId('revoke-all')!);
  const dialog = byTestId('revoke-confirmation')!;
  await userEvent.click(byTestId('revoke-confirm')!);
  await tick();
  expect(document.activeElement).toBe(dialog);
  await userEvent.keyboard('{Escape}');
  await tick();
  expect(byTestId('revoke-confirmation')).toBe(dialog);
  release();
  await expect.poll(() => byTestId('revoke-confirmation')).toBeNull();
  // No grant is active any more: "Revoke all" is gone, so the focus goes to the heading.
  expect(byTestId('revoke-all')).toBeNull();
  await expect
    .poll(() => document.activeElement)
    .toBe(host.target.querySelector('[data-testid="relationship"] h3'));
  expect(notice()).toBe(t('en', 'extension.relationships.revoked', { company: 'Laufhaus GmbH' }));
});

it('after a revocation that failed the focus goes back to the button that opened it', async () => {
  failNext = true;
  await userEvent.click(byTestId('revoke-all')!);
  await userEvent.click(byTestId('revoke-confirm')!);
  release();
  await expect.poll(() => byTestId('revoke-confirmation')).toBeNull();
  expect(host.target.querySelector('[role="alert"]')).not.toBeNull();
  await expect.poll(() => document.activeElement).toBe(byTestId('revoke-all'));
  expect(notice()).toBe('');
});

it.each([
  {
    locale: 'en',
    said: "Nothing was sent: the Assistant could not yet confirm the clearinghouse's log key. Check the clearinghouse address in the settings and try again once the clearinghouse can be reached.",
  },
  {
    locale: 'de',
    said: 'Nichts wurde gesendet: Der Assistent konnte den Protokollschlüssel der Clearingstelle noch nicht bestätigen. Prüfen Sie die Adresse der Clearingstelle in den Einstellungen und versuchen Sie es erneut, sobald die Clearingstelle erreichbar ist.',
  },
] as const)(
  'says in $locale that a revocation without a pinned log key was not sent, and what to do',
  async ({ locale, said }) => {
    await show(locale);
    failNext = true;
    failWith = new ProtocolError('ERR_LOG_KEY_NOT_PINNED', 'no log key is pinned');
    await userEvent.click(byTestId('revoke-all')!);
    await userEvent.click(byTestId('revoke-confirm')!);
    release();
    await expect.poll(() => host.target.querySelector('[role="alert"]')?.textContent).toBe(said);
    expect(notice()).toBe('');
  },
);

it.each(['de', 'en'] as const)(
  'keeps the focus on "Request access" while it is on its way, sends it once, and says in %s that it was sent',
  async (locale) => {
    await show(locale);
    const button = byTestId('request-access')!;
    await userEvent.click(button);
    await tick();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-disabled')).toBe('true');
    // A second click while it is on its way sends nothing more.
    button.click();
    await tick();
    expect(sent.filter((r) => r.type === 'relationships.data-request')).toHaveLength(1);
    release();
    await expect
      .poll(notice)
      .toBe(
        t(locale, 'extension.relationships.dataRequest.sent.access', { company: 'Laufhaus GmbH' }),
      );
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-disabled')).toBe('false');
  },
);

it('says no "sent" when "Request access" failed, claims no cause for it, and keeps the focus', async () => {
  failNext = true;
  const button = byTestId('request-access')!;
  await userEvent.click(button);
  release();
  await expect.poll(() => host.target.querySelector('[role="alert"]')).not.toBeNull();
  // The background did not answer: the request may have gone, so no "nothing was changed".
  expect(host.target.querySelector('[role="alert"]')!.textContent).toBe(
    t('en', 'extension.error.unexpected'),
  );
  expect(notice()).toBe('');
  expect(document.activeElement).toBe(button);
});

it('keeps the focus on a correction’s "Send" while it is on its way', async () => {
  await userEvent.fill(byTestId('correct-value')!, 'Hauptstraße 1');
  const button = byTestId('correct-send')!;
  await userEvent.click(button);
  await tick();
  expect(document.activeElement).toBe(button);
  expect(button.getAttribute('aria-disabled')).toBe('true');
  button.click();
  await tick();
  expect(sent.filter((r) => r.type === 'relationships.correct')).toHaveLength(1);
  release();
  await expect.poll(() => byTestId('correct-notice')).not.toBeNull();
  expect(document.activeElement).toBe(button);
});

it.each([
  ['en', 1, 0, 'Correction sent to 1 company.'],
  ['de', 1, 0, 'Berichtigung an 1 Unternehmen gesendet.'],
  ['en', 2, 1, 'Correction sent to 2 companies (1 could not be reached).'],
  ['de', 2, 1, 'Berichtigung an 2 Unternehmen gesendet (1 nicht erreichbar).'],
  ['en', 0, 0, 'No company holds this detail under your consents; nothing was sent.'],
  [
    'de',
    0,
    0,
    'Kein Unternehmen hat diese Angabe laut Ihren Einwilligungen; es wurde nichts gesendet.',
  ],
] as const)(
  'says in %s that a correction went to %i companies, %i not reached yet',
  async (locale, count, failed, said) => {
    correctionsSent = { sent: count, failed };
    await show(locale);
    await userEvent.fill(byTestId('correct-value')!, 'Hauptstraße 1');
    await userEvent.click(byTestId('correct-send')!);
    await expect.poll(() => sent.some((r) => r.type === 'relationships.correct')).toBe(true);
    release();
    await expect.poll(() => byTestId('correct-notice')?.textContent?.trim()).toBe(said);
  },
);

it.each([
  { locale: 'de', status: 'suspended', said: 'Status des Unternehmens: ausgesetzt' },
  { locale: 'en', status: 'suspended', said: 'Company status: suspended' },
  { locale: 'de', status: 'pending', said: 'Status des Unternehmens: Domain unbestätigt' },
  { locale: 'de', status: 'active', said: 'Status des Unternehmens: aktiv' },
  { locale: 'de', status: 'closed', said: 'Status des Unternehmens: unbekannt' },
  { locale: 'en', status: 'closed', said: 'Company status: unknown' },
] as const)('says the company’s status $status in $locale', async ({ locale, status, said }) => {
  overrides = {
    company: {
      id: `co_${h('c')}`,
      legalName: 'Laufhaus GmbH',
      domain: 'https://laufhaus.example',
      status,
    },
  };
  await show(locale);
  expect(byTestId('company-status')!.textContent!.trim()).toBe(said);
});

describe('rewards', () => {
  // Far ahead of the wall clock: a reward is expired by the Assistant's clock (the answer's `now`).
  const now = Date.UTC(2040, 10, 3, 12);
  const seconds = (ms: number) => ms / 1000;
  const reward = (n: number, content: Record<string, unknown>) => ({
    id: h(String(n)),
    at: seconds(now) - n * 86_400,
    ...content,
  });

  beforeEach(() => {
    rewardsAnswer = {
      type: 'rewards',
      now,
      items: [
        {
          company: `co_${h('c')}`,
          points: 120,
          discounts: [],
          count: 7,
          more: 3,
          latest: [
            reward(1, {
              type: 'status',
              description: { de: 'Goldmitglied', en: 'Gold member' },
              validUntil: seconds(Date.UTC(2041, 2, 1, 12)),
            }),
            reward(2, {
              type: 'bonus_points',
              amount: 120,
              description: { de: 'Danke für Ihren Einkauf', en: 'Thank you for your purchase' },
            }),
            reward(3, {
              type: 'discount',
              amount: 10,
              description: { de: 'Auf Laufschuhe', en: 'On running shoes' },
              validUntil: seconds(Date.UTC(2040, 9, 1, 12)),
            }),
            reward(4, { type: 'tool_access', description: { de: '<b>x</b>', en: '<b>x</b>' } }),
          ],
        },
      ],
    };
  });

  const lines = () =>
    [...host.target.querySelectorAll('[data-testid="reward-list"] > li')].map((li) =>
      li.textContent!.replace(/\s+/g, ' ').trim(),
    );

  it.each([
    [
      'en',
      [
        'Status reward: Gold member (valid until 1 Mar 2041) · received 2 Nov 2040',
        '120 points: Thank you for your purchase · received 1 Nov 2040',
        '10% discount: On running shoes (expired on 1 Oct 2040) · received 31 Oct 2040',
        'Access to tools: <b>x</b> · received 30 Oct 2040',
      ],
      'and 3 more',
    ],
    [
      'de',
      [
        'Status-Prämie: Goldmitglied (gültig bis 01.03.2041) · erhalten am 02.11.2040',
        '120 Punkte: Danke für Ihren Einkauf · erhalten am 01.11.2040',
        '10 % Rabatt: Auf Laufschuhe (abgelaufen am 01.10.2040) · erhalten am 31.10.2040',
        'Zugang zu Werkzeugen: <b>x</b> · erhalten am 30.10.2040',
      ],
      'und 3 ältere',
    ],
  ] as const)(
    'lists each reward as a sentence in %s, marks the expired one and says how many more',
    async (locale, expected, more) => {
      await show(locale);
      await expect.poll(lines).toEqual(expected);
      expect(byTestId('rewards')!.textContent).toContain('120');
      const items = [...host.target.querySelectorAll<HTMLElement>('[data-testid="reward"]')];
      expect(items.map((li) => li.dataset.expired)).toEqual(['false', 'false', 'true', 'false']);
      expect(byTestId('reward-list')!.getAttribute('aria-label')).not.toBe('');
      expect(byTestId('rewards-more')!.textContent!.trim()).toBe(more);
    },
  );

  it.each([
    ['en', 'Rewards: 1 point, 1 reward in all', '1 point: Thank you for your purchase'],
    ['de', 'Prämien: 1 Punkt, 1 Prämie insgesamt', '1 Punkt: Danke für Ihren Einkauf'],
  ] as const)('names one point and one reward in the singular in %s', async (locale, sum, line) => {
    rewardsAnswer = {
      type: 'rewards',
      now,
      items: [
        {
          company: `co_${h('c')}`,
          points: 1,
          discounts: [],
          count: 1,
          more: 0,
          latest: [
            reward(1, {
              type: 'bonus_points',
              amount: 1,
              description: { de: 'Danke für Ihren Einkauf', en: 'Thank you for your purchase' },
            }),
          ],
        },
      ],
    };
    await show(locale);
    await expect.poll(lines).toHaveLength(1);
    expect(byTestId('rewards')!.textContent!.trim()).toBe(sum);
    expect(lines()[0]).toContain(line);
    expect(byTestId('rewards-more')).toBeNull();
  });

  it.each([
    ['en', 'Rewards: 12,500 points, 7 rewards in all'],
    ['de', 'Prämien: 12.500 Punkte, 7 Prämien insgesamt'],
  ] as const)('sums the points with the digit grouping of %s', async (locale, sum) => {
    rewardsAnswer.items = [{ ...(rewardsAnswer.items[0] as object), points: 12_500 }];
    await show(locale);
    await expect.poll(lines).toHaveLength(4);
    expect(byTestId('rewards')!.textContent!.trim()).toBe(sum);
  });

  it('shows the company’s description as text, never as markup', async () => {
    await show('en');
    await expect.poll(lines).toHaveLength(4);
    const access = host.target.querySelector('[data-testid="reward"][data-type="tool_access"]')!;
    expect(access.querySelector('b')).toBeNull();
    expect(access.textContent).toContain('<b>x</b>');
  });
});

describe('only what the Assistant verified counts', () => {
  const iat = Date.UTC(2026, 10, 1, 12) / 1000;
  const holding = (dataCategory: string) => ({
    dataCategory,
    sources: ['direct'],
    purposes: ['product_launch'],
    retentionDays: 365,
    recipients: [],
  });
  const opened = (sha256: string, at: number, category: string) => ({
    state: 'opened',
    sha256,
    iat: at,
    openedAt: at * 1000,
    grantSha256: null,
    dataRequestSha256: null,
    holdings: [holding(category)],
    export: null,
    exportUnreadable: false,
  });
  const d1 = opened(h('1'), iat, 'address');
  const d2 = opened(h('2'), iat + 86_400, 'health');
  // The clearinghouse lists both, oldest first, and marks the newer one current.
  const listed = [
    { sha256: h('1'), jws: grantJws, current: false },
    { sha256: h('2'), jws: grantJws, current: true },
  ];
  const categories = (root: Element) =>
    [...root.querySelectorAll<HTMLElement>('[data-testid="holding"]')].map(
      (x) => x.dataset.category,
    );

  it('calls the current disclosure current when it verified, the earlier one superseded', async () => {
    overrides = { disclosures: listed, openedDisclosures: [d1, d2] };
    await show('en');
    const current = byTestId('disclosure-current')!;
    expect(current.dataset.sha256).toBe(h('2'));
    expect(current.textContent).toContain('Supersedes 1 older disclosure.');
    expect(categories(byTestId('disclosures')!)).toEqual(['health']);
    expect(byTestId('disclosure-newest')).toBeNull();
  });

  it('marks what the company confirmed erasing since its current disclosure, which still lists it', async () => {
    const erasure = (sha256: string, erasedAt: number) => ({
      state: 'opened',
      sha256,
      requestSha256: h('9'),
      outcome: 'erased',
      disclosureSha256: null,
      dataCategories: ['health'],
      erasedAt,
      reason: null,
    });
    overrides = {
      disclosures: listed,
      openedDisclosures: [d1, d2],
      // One before the current disclosure (it is the newer statement), one after it.
      openedAnswers: [erasure(h('7'), iat), erasure(h('8'), iat + 2 * 86_400)],
    };
    await show('en');
    const row = byTestId('disclosures')!.querySelector<HTMLElement>('[data-testid="holding"]')!;
    // Failed before: "Health data" read as held, with nothing beside it.
    expect(row.dataset.erased).toBe('true');
    expect(row.querySelector('[data-testid="holding-erased"]')!.textContent).toBe(
      'erased on 3 Nov 2026 (confirmed by the company)',
    );
  });

  it.each([
    ['en', 'Supersedes 1 older disclosure.', '1 day'],
    ['de', 'Ersetzt 1 ältere Auskunft.', '1 Tag'],
  ] as const)(
    'names one earlier disclosure and a retention of one day in the singular in %s',
    async (locale, older, kept) => {
      const oneDay = { ...d2, holdings: [{ ...holding('health'), retentionDays: 1 }] };
      overrides = { disclosures: listed, openedDisclosures: [d1, oneDay] };
      await show(locale);
      const current = byTestId('disclosure-current')!;
      expect(current.textContent).toContain(older);
      const row = byTestId('disclosures')!.querySelector('[data-testid="holding"]')!;
      expect(row.querySelectorAll('td')[2]!.textContent!.trim()).toBe(kept);
    },
  );

  it.each([
    {
      newest: 'unverified',
      openedDisclosures: [d1],
      en: 'The company’s newest disclosure is not verified yet, so it is not shown yet.',
      de: 'Die neueste Auskunft des Unternehmens ist noch nicht geprüft und wird deshalb noch nicht angezeigt.',
    },
    {
      newest: 'invalid',
      openedDisclosures: [
        d1,
        { state: 'invalid', sha256: h('2'), openedAt: 0, code: 'ERR_JWS_KID_UNKNOWN' },
      ],
      en: 'The company’s newest disclosure did not verify and is not shown.',
      de: 'Die neueste Auskunft des Unternehmens ließ sich nicht prüfen und wird nicht angezeigt.',
    },
  ] as const)(
    'calls no earlier disclosure current while the current one is $newest: says so, in de and en, and shows the earlier one as history',
    async ({ newest, openedDisclosures, en, de }) => {
      overrides = { disclosures: listed, openedDisclosures };
      for (const [locale, sentence, earlier] of [
        ['en', en, 'Earlier disclosure of'],
        ['de', de, 'Frühere Auskunft vom'],
      ] as const) {
        await show(locale);
        expect(byTestId('disclosure-current')).toBeNull();
        const said = byTestId('disclosure-newest')!;
        expect(said.dataset.state).toBe(newest);
        expect(said.textContent!.trim()).toBe(sentence);
        const history = [
          ...host.target.querySelectorAll<HTMLElement>('[data-testid="disclosure-earlier"]'),
        ];
        expect(history.map((x) => x.dataset.sha256)).toEqual([h('1')]);
        expect(history[0]!.querySelector('summary')!.textContent).toContain(earlier);
        expect(categories(history[0]!)).toEqual(['address']);
      }
    },
  );

  describe('disclosures that did not verify: one sentence per reason', () => {
    const day = 86_400;
    const signed = (at: number) =>
      `${b64url({ alg: 'EdDSA', kid: 'k1' })}.${b64url({ iat: at })}.c2ln`;
    /** Disclosure `n` (dated `n` days after `iat`), invalid with `code`. */
    const invalid = (n: number, code: string) => ({
      listed: { sha256: h(String(n)), jws: signed(iat + n * day), current: false },
      opened: { state: 'invalid', sha256: h(String(n)), openedAt: 0, code },
    });
    /** The company's newest disclosure, signed with its new key: it verified. */
    const newest = {
      listed: { sha256: h('9'), jws: signed(iat + 9 * day), current: true },
      opened: opened(h('9'), iat + 9 * day, 'address'),
    };
    function list(...items: { listed: unknown; opened: unknown }[]) {
      overrides = {
        disclosures: items.map((x) => x.listed),
        openedDisclosures: items.map((x) => x.opened),
      };
    }
    const groups = () => [
      ...host.target.querySelectorAll<HTMLElement>('[data-testid="disclosure-invalid"]'),
    ];
    const text = (e: Element) => e.textContent!.replace(/\s+/g, ' ').trim();
    const reason = (group: Element) => text(group.querySelector('p.error')!);

    it.each([
      {
        locale: 'en',
        sentence:
          '3 disclosures from this company did not verify and are not shown: The key that signed this message is not known.',
        dates: 'Dates the disclosures give (not verified): 1 – 3 Nov 2026',
        listed: ['3 Nov 2026', '2 Nov 2026', '1 Nov 2026'],
      },
      {
        locale: 'de',
        sentence:
          '3 Auskünfte dieses Unternehmens ließen sich nicht prüfen und werden nicht angezeigt: Der Schlüssel, mit dem die Nachricht signiert wurde, ist unbekannt.',
        dates: 'Datumsangaben der Auskünfte (ungeprüft): 01.–03.11.2026',
        listed: ['03.11.2026', '02.11.2026', '01.11.2026'],
      },
    ] as const)(
      'says once in $locale how many did not verify for the same reason, their dates behind a closed summary',
      async ({ locale, sentence, dates, listed }) => {
        list(
          invalid(0, 'ERR_JWS_KID_UNKNOWN'),
          invalid(1, 'ERR_JWS_KID_UNKNOWN'),
          invalid(2, 'ERR_JWS_KID_UNKNOWN'),
          newest,
        );
        await show(locale);
        const [group, ...more] = groups();
        expect(more).toEqual([]);
        expect(group!.dataset.code).toBe('ERR_JWS_KID_UNKNOWN');
        expect(group!.dataset.count).toBe('3');
        expect(reason(group!)).toBe(sentence);
        const details = group!.querySelector<HTMLDetailsElement>(
          '[data-testid="disclosure-invalid-dates"]',
        )!;
        expect(details.open).toBe(false);
        const summary = details.querySelector('summary')!;
        expect(text(summary)).toBe(dates);
        expect([...details.querySelectorAll('li')].map(text)).toEqual(listed);
        // Opened from the keyboard.
        summary.focus();
        await userEvent.keyboard('{Enter}');
        await expect.poll(() => details.open).toBe(true);
        // The newest disclosure verified: it is shown as current beside them.
        expect(byTestId('disclosure-current')!.dataset.sha256).toBe(h('9'));
      },
    );

    it.each([
      ['en', '1 disclosure without a readable date'],
      ['de', '1 Auskunft ohne lesbares Datum'],
    ] as const)(
      'counts in %s the one that gives no readable date in the singular',
      async (locale, undated) => {
        const dateless = invalid(2, 'ERR_JWS_KID_UNKNOWN');
        const noDate = `${b64url({ alg: 'EdDSA', kid: 'k1' })}.${b64url({})}.c2ln`;
        list(
          invalid(0, 'ERR_JWS_KID_UNKNOWN'),
          invalid(1, 'ERR_JWS_KID_UNKNOWN'),
          { ...dateless, listed: { ...dateless.listed, jws: noDate } },
          newest,
        );
        await show(locale);
        const [group] = groups();
        expect(group!.dataset.count).toBe('3');
        const items = [...group!.querySelectorAll('[data-testid="disclosure-invalid-dates"] li')];
        expect(items.map(text)).toHaveLength(3);
        expect(text(items[2]!)).toBe(undated);
      },
    );

    it('says one sentence for each reason, the single one in the singular', async () => {
      list(
        invalid(0, 'ERR_JWS_KID_UNKNOWN'),
        invalid(1, 'ERR_JWS_SIGNATURE_INVALID'),
        invalid(2, 'ERR_JWS_KID_UNKNOWN'),
        newest,
      );
      await show('en');
      expect(groups().map((g) => [g.dataset.code, g.dataset.count])).toEqual([
        ['ERR_JWS_KID_UNKNOWN', '2'],
        ['ERR_JWS_SIGNATURE_INVALID', '1'],
      ]);
      expect(groups().map(reason)).toEqual([
        '2 disclosures from this company did not verify and are not shown: The key that signed this message is not known.',
        'A disclosure did not verify and is not shown: The signature is invalid: the message is not from its stated sender or was altered.',
      ]);
    });

    it.each([
      {
        locale: 'en',
        sentence:
          'A disclosure did not verify and is not shown: The key that signed this message is not known.',
        date: 'Date the disclosure gives (not verified): 2 Nov 2026',
      },
      {
        locale: 'de',
        sentence:
          'Eine Auskunft ließ sich nicht prüfen und wird nicht angezeigt: Der Schlüssel, mit dem die Nachricht signiert wurde, ist unbekannt.',
        date: 'Datum laut der Auskunft (ungeprüft): 02.11.2026',
      },
    ] as const)(
      'says in $locale of a single one that it did not verify, and the date it gives',
      async ({ locale, sentence, date }) => {
        list(invalid(1, 'ERR_JWS_KID_UNKNOWN'), newest);
        await show(locale);
        const [group, ...more] = groups();
        expect(more).toEqual([]);
        expect(group!.dataset.count).toBe('1');
        expect(reason(group!)).toBe(sentence);
        expect(text(group!.querySelector('[data-testid="disclosure-invalid-date"]')!)).toBe(date);
        expect(group!.querySelector('details')).toBeNull();
      },
    );
  });

  const requestJws = `${b64url({ alg: 'EdDSA' })}.${b64url({ iat, type: 'access' })}.c2ln`;
  const deadline = (iat + 30 * 86_400) * 1000;
  const request = {
    sha256: h('d'),
    jws: requestJws,
    deadline,
    answer: { sha256: h('f'), jws: grantJws },
  };
  const row = () => byTestId('data-request')!;

  it.each([
    {
      answer: 'did not verify',
      openedAnswers: [
        { state: 'invalid', sha256: h('f'), requestSha256: h('d'), code: 'ERR_JWS_KID_UNKNOWN' },
      ],
      text: 'Access: overdue – an answer came but did not verify; a valid answer was due by',
    },
    {
      answer: 'is not opened yet',
      openedAnswers: [],
      text: 'Access: overdue – an answer came but is not verified yet; it was due by',
    },
  ])(
    'keeps a request open and overdue past its deadline while its answer $answer',
    async ({ openedAnswers, text }) => {
      overrides = { dataRequests: [request], openedAnswers };
      listingNow = deadline - 1;
      await show('en');
      expect(row().dataset.answered).toBe('false');
      expect(row().dataset.overdue).toBe('false');
      listingNow = deadline + 1;
      await show('en');
      expect(row().dataset.answered).toBe('false');
      expect(row().dataset.overdue).toBe('true');
      expect(row().textContent).toContain(text);
      expect(row().querySelector('strong.error')).not.toBeNull();
    },
  );

  /** The company's verified refusal of the access request, with `en` as its reason. */
  const refusedAnswer = (en: string, de: string) => ({
    state: 'opened',
    sha256: h('f'),
    requestSha256: h('d'),
    outcome: 'refused',
    disclosureSha256: null,
    dataCategories: [],
    erasedAt: null,
    reason: { de, en },
  });

  it('counts a request answered by an answer it verified', async () => {
    // The company disclosed data it holds: its refusal of access is one.
    overrides = {
      dataRequests: [request],
      openedAnswers: [refusedAnswer('No', 'Nein')],
      disclosures: listed,
      openedDisclosures: [d1, d2],
    };
    listingNow = deadline + 1;
    await show('en');
    expect(row().dataset.answered).toBe('true');
    expect(row().dataset.overdue).toBe('false');
    expect(row().dataset.outcome).toBe('refused');
    expect(row().textContent).toContain('Access: refused. The company’s reason: No');
  });

  it.each([
    {
      locale: 'en' as const,
      text: 'Access: answered — no data about you disclosed. The company’s words: We hold no data about you.',
    },
    {
      locale: 'de' as const,
      text: 'Auskunft: beantwortet – keine Daten über Sie angegeben. Die Worte des Unternehmens: Wir speichern keine Daten zu Ihnen.',
    },
  ])(
    'says in $locale that an access answer of a company that disclosed nothing is answered, not refused',
    async ({ locale, text }) => {
      // The reference company's answer when it holds nothing (test/company-site/obligations.ts):
      // the protocol has no "nothing held" outcome, a disclosure lists at least one holding.
      overrides = {
        dataRequests: [request],
        openedAnswers: [
          refusedAnswer('We hold no data about you.', 'Wir speichern keine Daten zu Ihnen.'),
        ],
      };
      await show(locale);
      expect(row().dataset.answered).toBe('true');
      // Failed before: "Access: refused. The company’s reason: We hold no data about you."
      expect(row().textContent!.trim()).toBe(text);
    },
  );

  it('says an access answer is answered once every category the company disclosed was erased', async () => {
    const erased = {
      state: 'opened',
      sha256: h('e'),
      requestSha256: h('9'),
      outcome: 'erased',
      disclosureSha256: null,
      dataCategories: ['health'],
      erasedAt: iat + 2 * 86_400,
      reason: null,
    };
    overrides = {
      dataRequests: [request],
      openedAnswers: [refusedAnswer('We hold no data about you.', '–'), erased],
      disclosures: listed,
      openedDisclosures: [d1, d2],
    };
    await show('en');
    expect(row().textContent).toContain('Access: answered — no data about you disclosed.');
  });

  /** The opened answer to the request: the address erased on 2 November 2026, and `extra`. */
  const erasedAddress = (extra: Record<string, unknown> = {}) => ({
    state: 'opened',
    sha256: h('f'),
    requestSha256: h('d'),
    outcome: 'erased',
    disclosureSha256: null,
    dataCategories: ['address'],
    erasedAt: Date.UTC(2026, 10, 2, 12) / 1000,
    reason: null,
    ...extra,
  });

  it.each([
    {
      locale: 'en' as const,
      text: 'Erasure: the company confirms it erased on 2 Nov 2026: Address and contact details. The answer says nothing about these data categories you asked to have erased: Health data. You may complain about it to the regulator. Kept: Purchase history. The company’s reason: Tax law',
    },
    {
      locale: 'de' as const,
      text: 'Löschung: Das Unternehmen bestätigt, am 02.11.2026 gelöscht zu haben: Adress- und Kontaktdaten. Zu diesen Datenkategorien, deren Löschung Sie verlangt haben, sagt die Antwort nichts: Gesundheitsdaten. Sie können sich darüber bei der Aufsicht beschweren. Aufbewahrt: Kaufhistorie. Begründung des Unternehmens: Steuerrecht',
    },
  ])(
    'says what an erasure kept and why, and what it says nothing of ($locale)',
    async ({ locale, text }) => {
      // The request as the wallet signed it (its receipt), and as the clearinghouse lists it.
      const signed = `${b64url({ alg: 'EdDSA' })}.${b64url({
        iat,
        type: 'erasure',
        dataCategories: ['address', 'purchase_history', 'health'],
      })}.c2ln`;
      const erasure = { ...request, jws: signed };
      overrides = {
        dataRequests: [erasure],
        receipts: [{ sha256: request.sha256, kind: 'data-request', jws: signed }],
        openedAnswers: [
          erasedAddress({
            retained: {
              dataCategories: ['purchase_history'],
              reason: { de: 'Steuerrecht', en: 'Tax law' },
            },
          }),
        ],
      };
      listingNow = deadline - 1;
      await show(locale);
      expect(row().dataset.outcome).toBe('erased');
      expect(row().textContent?.replace(/\s+/g, ' ')).toContain(text);
    },
  );

  it('takes what was asked from its own signed request, never from the listing alone', async () => {
    // The listing claims categories the wallet never asked for; it holds no signed copy.
    const claimed = `${b64url({ alg: 'EdDSA' })}.${b64url({
      iat,
      type: 'erasure',
      dataCategories: ['health', 'made_up'],
    })}.c2ln`;
    overrides = {
      dataRequests: [{ ...request, jws: claimed }],
      openedAnswers: [erasedAddress()],
    };
    listingNow = deadline - 1;
    await show('en');
    expect(row().dataset.outcome).toBe('erased');
    expect(row().textContent).toContain('the company confirms it erased on');
    expect(row().textContent).not.toContain('says nothing');
  });
});

describe('a refresh that failed', () => {
  /** What the view's refresh region says. */
  const said = () => byTestId('relationships-refresh-failed')!.textContent!.trim();

  it.each([
    {
      locale: 'en',
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      sentence:
        'The relationships could not be refreshed, so this is what the Assistant stored before. The clearinghouse cannot be reached. Please try again later.',
    },
    {
      locale: 'de',
      code: 'ERR_CLEARINGHOUSE_UNREACHABLE',
      sentence:
        'Die Beziehungen konnten nicht aktualisiert werden; angezeigt wird, was der Assistent zuvor gespeichert hat. Die Clearingstelle ist nicht erreichbar. Bitte versuchen Sie es später erneut.',
    },
    {
      locale: 'en',
      code: 'ERR_ASSISTANT_UNEXPECTED',
      sentence: `The relationships could not be refreshed, so this is what the Assistant stored before. ${t('en', 'extension.error.unexpected')}`,
    },
  ] as const)(
    'lists the vault’s copy and says in $locale why it is not fresh ($code), as a status, not an error',
    async ({ locale, code, sentence }) => {
      refreshFailed = code;
      await show(locale);
      expect(host.target.querySelectorAll('[data-testid="relationship"]')).toHaveLength(1);
      await expect.poll(said).toBe(sentence);
      expect(byTestId('relationships-refresh-failed')!.getAttribute('role')).toBe('status');
      expect(host.target.querySelector('[role="alert"]')).toBeNull();
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that the stored clearinghouse address was replaced, when a refresh fails',
    async (locale) => {
      const replacedUrl = { replaced: 'http://old.example', current: 'https://ch.example' };
      refreshFailed = 'ERR_CLEARINGHOUSE_UNREACHABLE';
      await show(locale, replacedUrl);
      await expect
        .poll(said)
        .toBe(
          `${t(locale, 'extension.relationships.refreshFailed', { reason: t(locale, 'errors.ERR_CLEARINGHOUSE_UNREACHABLE') })} ${t(locale, 'extension.relationships.urlReplaced', replacedUrl)}`,
        );
      // A refresh that works says nothing of it.
      refreshFailed = undefined;
      await userEvent.click(byTestId('relationships-refresh')!);
      await expect.poll(said).toBe('');
    },
  );

  it('after a refresh a backup restore overtook, says so and lists what the restored vault holds', async () => {
    expect(host.target.querySelectorAll('[data-testid="relationship"]')).toHaveLength(1);
    refreshThrows = {
      error: new ProtocolError('ERR_VAULT_REPLACED', 'replaced'),
      // The restored vault holds a second relationship.
      then: () => {
        const other = relationship('active');
        alsoListed = [
          {
            ...other,
            pseudonym: `ps_${h('q')}`,
            company: { ...other.company, id: `co_${h('d')}` },
          },
        ];
      },
    };
    await userEvent.click(byTestId('relationships-refresh')!);
    await expect
      .poll(() => host.target.querySelector('p[role="alert"].error')?.textContent?.trim())
      .toBe(t('en', 'errors.ERR_VAULT_REPLACED'));
    // Before: the replaced vault's list stayed on screen.
    await expect
      .poll(() => host.target.querySelectorAll('[data-testid="relationship"]').length)
      .toBe(2);
    expect(sent.filter((r) => r.type === 'relationships.list').at(-1)).toEqual({
      type: 'relationships.list',
      refresh: false,
    });
  });

  it('says nothing once a refresh succeeds again, nor after a refresh that did not fail', async () => {
    expect(said()).toBe('');
    refreshFailed = 'ERR_CLEARINGHOUSE_UNREACHABLE';
    await userEvent.click(byTestId('relationships-refresh')!);
    await expect.poll(said).not.toBe('');
    refreshFailed = undefined;
    await userEvent.click(byTestId('relationships-refresh')!);
    await expect.poll(said).toBe('');
  });
});

describe('messages the customer’s key did not sign', () => {
  const rejected = (n: number, kind: string, code: string) => ({
    kind,
    sha256: h(String(n)),
    code,
  });
  const details = () => byTestId('rejected-messages') as HTMLDetailsElement | null;
  const text = (e: Element) => e.textContent!.replace(/\s+/g, ' ').trim();
  const lines = () => [...details()!.querySelectorAll('li')].map(text);

  it.each([
    {
      locale: 'en',
      summary:
        'The clearinghouse lists 3 messages here that your key did not sign. The Assistant ignores them.',
      listed: [
        `2 grants: ${t('en', 'errors.ERR_JWS_SIGNATURE_INVALID')}`,
        `One revocation: ${t('en', 'errors.ERR_MESSAGE_ISSUER_MISMATCH')}`,
      ],
    },
    {
      locale: 'de',
      summary:
        'Die Clearingstelle führt hier 3 Nachrichten, die Ihr Schlüssel nicht unterschrieben hat. Der Assistent beachtet sie nicht.',
      listed: [
        `2 Einwilligungen: ${t('de', 'errors.ERR_JWS_SIGNATURE_INVALID')}`,
        `Ein Widerruf: ${t('de', 'errors.ERR_MESSAGE_ISSUER_MISMATCH')}`,
      ],
    },
  ] as const)(
    'says in $locale how many, one line per kind and reason behind a closed summary',
    async ({ locale, summary, listed }) => {
      overrides = {
        rejectedMessages: [
          rejected(1, 'grant', 'ERR_JWS_SIGNATURE_INVALID'),
          rejected(2, 'revocation', 'ERR_MESSAGE_ISSUER_MISMATCH'),
          rejected(3, 'grant', 'ERR_JWS_SIGNATURE_INVALID'),
        ],
      };
      await show(locale);
      expect(details()!.open).toBe(false);
      expect(details()!.dataset.count).toBe('3');
      expect(text(details()!.querySelector('summary')!)).toBe(summary);
      expect(lines()).toEqual(listed);
      // Opened from the keyboard.
      details()!.querySelector('summary')!.focus();
      await userEvent.keyboard('{Enter}');
      await expect.poll(() => details()!.open).toBe(true);
    },
  );

  it('says a single one in the singular', async () => {
    overrides = { rejectedMessages: [rejected(1, 'refusal', 'ERR_MESSAGE_INVALID')] };
    await show('en');
    expect(text(details()!.querySelector('summary')!)).toBe(
      'The clearinghouse lists a message here that your key did not sign. The Assistant ignores it.',
    );
    expect(lines()).toEqual([`One refusal: ${t('en', 'errors.ERR_MESSAGE_INVALID')}`]);
  });

  it('shows nothing when the clearinghouse listed only what the key signed', async () => {
    overrides = { rejectedMessages: [] };
    await show('en');
    expect(details()).toBeNull();
  });
});

it('after "Revoke everything" and Refresh no longer says the company has not confirmed', async () => {
  await userEvent.click(byTestId('revoke-all')!);
  await userEvent.click(byTestId('revoke-confirm')!);
  release();
  await expect
    .poll(notice)
    .toBe(t('en', 'extension.relationships.revoked', { company: 'Laufhaus GmbH' }));
  await userEvent.click(byTestId('relationships-refresh')!);
  await expect.poll(notice).toBe('');
});

it.each([
  ['de', '', 'extension.input.missing'],
  ['en', '   ', 'extension.input.missing'],
  ['en', 'Haupt\u0007straße 1', 'extension.input.controlCharacters'],
  ['de', 'Hauptstraße\u202e 1', 'extension.input.controlCharacters'],
] as const)(
  'in %s refuses the correction "%s" beside its field, and sends nothing',
  async (locale, typed, rule) => {
    await show(locale);
    await userEvent.fill(byTestId('correct-value')!, typed);
    await userEvent.click(byTestId('correct-send')!);
    await expect
      .poll(() => byTestId('correct-value-error')?.textContent?.trim())
      .toBe(t(locale, rule, { field: t(locale, 'extension.relationships.correct.value') }));
    expect(sent.filter((r) => r.type === 'relationships.correct')).toEqual([]);
    expect(document.activeElement).toBe(byTestId('correct-value'));
  },
);

it.each([
  ['en', /^\d{1,2} May 2033$/],
  ['de', /^\d{2}\.05\.2033$/],
] as const)('writes dates in %s as the clearinghouse does (day first)', async (locale, date) => {
  await show(locale);
  const text = byTestId('grant')!.textContent!;
  const until = /(\d{1,2} May 2033|\d{2}\.05\.2033|May \d{1,2}, 2033)/.exec(text)?.[1];
  expect(until).toMatch(date);
});

describe('two companies', () => {
  /** Another company's relationship, with a grant for the same purpose. */
  const other = {
    ...relationship('active'),
    pseudonym: `ps_${h('q')}`,
    company: {
      id: `co_${h('d')}`,
      legalName: 'Laufhaus Beispiel GmbH',
      domain: 'https://beispiel.example',
      status: 'active',
    },
    grants: [{ sha256: h('k'), jws: grantJws, status: 'active', revokedPurposes: [] }],
  };
  const companies = ['Laufhaus GmbH', 'Laufhaus Beispiel GmbH'];

  it.each(['de', 'en'] as const)(
    'names in %s the company in each action button’s accessible name, and each card by its heading',
    async (locale) => {
      alsoListed = [other];
      await show(locale);
      await expect
        .poll(() => host.target.querySelectorAll('[data-testid="relationship"]').length)
        .toBe(2);
      const actions = [
        t(locale, 'extension.relationships.requestAccess'),
        t(locale, 'extension.relationships.requestErasure'),
        t(locale, 'extension.relationships.revokeAll'),
        t(locale, 'extension.relationships.revokePurpose', {
          purpose: t(locale, 'vocabulary.purpose.product_launch'),
        }),
      ];
      for (const company of companies) {
        // As assistive technology computes it: one button of each name, inside that company's card.
        const card = page.getByRole('article', { name: company });
        expect(card.elements()).toHaveLength(1);
        for (const action of actions) {
          const name = t(locale, 'extension.relationships.action.for', { action, company });
          const buttons = page.getByRole('button', { name, exact: true }).elements();
          expect(buttons, name).toHaveLength(1);
          expect(card.element().contains(buttons[0]!)).toBe(true);
          // The visible text stays the action alone, which the name begins with.
          expect(buttons[0]!.textContent!.trim()).toBe(action);
        }
      }
    },
  );
});

describe('a refresh the clearinghouse is slow to answer', () => {
  const cards = () => host.target.querySelectorAll('[data-testid="relationship"]').length;
  const refreshing = () => byTestId('relationships-refreshing')!.textContent!.trim();
  const failed = () => byTestId('relationships-refresh-failed')!.textContent!.trim();

  /** Mounts the view with the refresh held, as a clearinghouse that never answers holds it. */
  async function showHeld(locale: 'de' | 'en') {
    await host.unmount();
    host.target.replaceChildren();
    sent = [];
    holdRefresh = true;
    host.mount(RelationshipsView, { locale, send, openConsent: () => {}, replacedUrl: null });
  }

  it.each(['de', 'en'] as const)(
    'lists what the vault holds at once and says in %s that it is refreshing, then why it could not',
    async (locale) => {
      refreshFailed = 'ERR_CLEARINGHOUSE_UNREACHABLE';
      await showHeld(locale);
      // Before: nothing but the forms until the refresh answered (a minute with no answer).
      await expect.poll(cards).toBe(1);
      expect(sent).toContainEqual({ type: 'relationships.list', refresh: false });
      expect(sent).toContainEqual({ type: 'relationships.list', refresh: true });
      expect(refreshing()).toBe(t(locale, 'extension.relationships.refreshing'));
      expect(byTestId('relationships-refreshing')!.getAttribute('role')).toBe('status');
      expect(failed()).toBe('');
      releaseRefresh();
      await expect.poll(refreshing).toBe('');
      await expect.poll(failed).toContain(t(locale, 'errors.ERR_CLEARINGHOUSE_UNREACHABLE'));
      expect(cards()).toBe(1);
    },
  );

  it('keeps the refreshed list when the vault’s copy answers after it', async () => {
    holdStored = true;
    await showHeld('en');
    await expect.poll(() => sent.length).toBeGreaterThanOrEqual(2);
    // The refresh brought a second company the vault's copy, read before, does not hold.
    const other = relationship('active');
    alsoListed = [
      { ...other, pseudonym: `ps_${h('q')}`, company: { ...other.company, id: `co_${h('d')}` } },
    ];
    releaseRefresh();
    await expect.poll(cards).toBe(2);
    releaseStored();
    await new Promise((r) => setTimeout(r, 50));
    expect(cards()).toBe(2);
  });

  it('starts no second refresh while one waits, and says it is refreshing again when asked after', async () => {
    await showHeld('en');
    await expect.poll(cards).toBe(1);
    const button = byTestId('relationships-refresh')!;
    expect(button.getAttribute('aria-disabled')).toBe('true');
    // A click (the browser's: Playwright waits for an aria-disabled button to be enabled).
    button.click();
    await tick();
    const refreshes = () =>
      sent.filter((r) => r.type === 'relationships.list' && (r as { refresh?: boolean }).refresh);
    expect(refreshes()).toHaveLength(1);
    releaseRefresh();
    await expect.poll(refreshing).toBe('');
    expect(button.getAttribute('aria-disabled')).toBe('false');
    await userEvent.click(button);
    await expect.poll(refreshing).toBe(t('en', 'extension.relationships.refreshing'));
    expect(refreshes()).toHaveLength(2);
    releaseRefresh();
    await expect.poll(refreshing).toBe('');
  });
});

describe('"Open request"', () => {
  const field = () => byTestId('request-link') as HTMLInputElement;
  const said = () => byTestId('request-link-error')?.textContent?.trim();
  const opened = () => sent.filter((r) => r.type === 'wallet.open-link');

  it.each([
    { locale: 'en', input: '', key: 'extension.relationships.openLink.empty' },
    { locale: 'de', input: '   ', key: 'extension.relationships.openLink.empty' },
    { locale: 'en', input: 'abc', key: 'errors.ERR_REQUEST_LINK_INVALID' },
    {
      locale: 'de',
      input: 'https://evil.example/x',
      key: 'errors.ERR_REQUEST_LINK_INVALID',
    },
    {
      locale: 'en',
      input: `https://ch.example/api/v1/grant-requests/${h('a')}x`,
      key: 'errors.ERR_REQUEST_LINK_INVALID',
    },
  ] as const)(
    'says in $locale what is wrong with "$input" beside the field, and sends nothing',
    async ({ locale, input, key }) => {
      await show(locale);
      await userEvent.fill(field(), input);
      await userEvent.click(field());
      await userEvent.keyboard('{Enter}');
      // Before: sent, and "the company's request this answers is not known" came back.
      await expect.poll(said).toBe(t(locale, key));
      expect(opened()).toEqual([]);
      expect(byTestId('request-link-error')!.getAttribute('role')).toBe('alert');
      expect(field().getAttribute('aria-invalid')).toBe('true');
      expect(field().getAttribute('aria-describedby')).toBe('request-link-error');
      expect(document.activeElement).toBe(field());
    },
  );

  it.each([`https://ch.example/api/v1/grant-requests/${h('a')}?from=qr`, `  ${h('a')}  `])(
    'sends a request link or a QR code id (%s), and says when the clearinghouse does not know it',
    async (input) => {
      failNext = true;
      failWith = new ProtocolError('ERR_GRANT_REQUEST_UNKNOWN', 'unknown');
      await userEvent.fill(field(), input);
      await userEvent.click(byTestId('request-link-open')!);
      await expect.poll(() => opened()).toEqual([{ type: 'wallet.open-link', link: input.trim() }]);
      release();
      await expect.poll(said).toBe(t('en', 'errors.ERR_GRANT_REQUEST_UNKNOWN'));
    },
  );
});

describe('what an earlier form said', () => {
  const unknown = t('en', 'errors.ERR_GRANT_REQUEST_UNKNOWN');
  const says = (text: string) => host.target.textContent!.includes(text);

  /** "Open request" with an id the clearinghouse does not know: its sentence is shown. */
  async function openUnknown() {
    failNext = true;
    failWith = new ProtocolError('ERR_GRANT_REQUEST_UNKNOWN', 'unknown');
    await userEvent.fill(byTestId('request-link')!, h('a'));
    await userEvent.click(byTestId('request-link-open')!);
    release();
    await expect.poll(() => says(unknown)).toBe(true);
    failNext = false;
  }

  it('goes once a correction is sent: only the correction’s outcome shows', async () => {
    await openUnknown();
    await userEvent.fill(byTestId('correct-value')!, 'Hauptstraße 1');
    await userEvent.click(byTestId('correct-send')!);
    // Before: the "Open request" sentence stayed while the correction went (and beside a
    // correction that was not sent).
    await expect.poll(() => says(unknown)).toBe(false);
    release();
    await expect.poll(() => byTestId('correct-notice')).not.toBeNull();
    expect(says(unknown)).toBe(false);
  });

  it('goes once a correction is refused before it is sent', async () => {
    await openUnknown();
    await userEvent.click(byTestId('correct-send')!);
    await expect.poll(() => byTestId('correct-value-error')).not.toBeNull();
    expect(says(unknown)).toBe(false);
  });

  it('the correction’s notice goes once access is requested: only "access request sent" shows', async () => {
    await userEvent.fill(byTestId('correct-value')!, 'Hauptstraße 1');
    await userEvent.click(byTestId('correct-send')!);
    release();
    await expect.poll(() => byTestId('correct-notice')).not.toBeNull();
    await userEvent.click(byTestId('request-access')!);
    release();
    await expect
      .poll(notice)
      .toBe(
        t('en', 'extension.relationships.dataRequest.sent.access', { company: 'Laufhaus GmbH' }),
      );
    // Before: "Correction sent to 1 company." stayed beside it.
    expect(byTestId('correct-notice')).toBeNull();
  });

  it('an action’s sentence goes once "Open request" is used, which says its own', async () => {
    await userEvent.click(byTestId('request-access')!);
    release();
    await expect.poll(notice).not.toBe('');
    await userEvent.click(byTestId('request-link-open')!);
    await expect
      .poll(() => byTestId('request-link-error')?.textContent?.trim())
      .toBe(t('en', 'extension.relationships.openLink.empty'));
    expect(notice()).toBe('');
  });

  it('keeps what still holds: a correction under way is said on the relationship', async () => {
    overrides = { pendingCorrections: [{ dataCategory: 'address', error: null }] };
    await show('en');
    await userEvent.click(byTestId('request-access')!);
    release();
    await expect.poll(notice).not.toBe('');
    expect(byTestId('correction-pending')).not.toBeNull();
  });
});

describe('a revoked grant', () => {
  /** A revocation the customer signed at `iat` (seconds) of `grants`. */
  const revocation = (iat: number, grants: unknown, acknowledged = true, sha256 = h('r')) => ({
    sha256,
    jws: `${b64url({ alg: 'EdDSA' })}.${b64url({ iat, grants })}.c2ln`,
    acknowledged,
  });
  const revokedOn = Date.UTC(2026, 10, 2, 12) / 1000;
  /** A grant of two purposes, for revocations that take back one of them or both in turn. */
  const twoPurposes = `${b64url({ alg: 'EdDSA' })}.${b64url({
    iat: 1,
    until: 2_000_000_000,
    scopes: [{ purpose: 'product_launch' }, { purpose: 'event_invitation' }],
  })}.c2ln`;
  const text = (e: Element) => e.textContent!.replace(/\s+/g, ' ').trim();
  const grantText = () => text(byTestId('grant')!);
  const grantTexts = () => [...host.target.querySelectorAll('[data-testid="grant"]')].map(text);
  /** Revocations said apart from any grant. */
  const apart = () =>
    [...host.target.querySelectorAll('[data-testid="revocation"]')].filter(
      (e) => e.closest('[data-testid="grant"]') === null,
    );

  it.each([
    {
      locale: 'de',
      revoking: 'all grants',
      grants: 'all',
      said: 'Einwilligung (widerrufen am 02.11.2026) für: Produkteinführung – das Unternehmen hat den Widerruf bestätigt',
    },
    {
      locale: 'en',
      revoking: 'this grant',
      grants: [{ grantSha256: h('g') }],
      said: 'Consent (revoked on 2 Nov 2026) for: Product launch — the company confirmed the revocation',
    },
  ] as const)(
    'says in $locale when it was revoked (a revocation of $revoking), not until when it was valid',
    async ({ locale, grants, said }) => {
      grantStatus = 'revoked';
      overrides = { revocations: [revocation(revokedOn, grants)] };
      await show(locale);
      expect(grantText()).toBe(said);
    },
  );

  it.each([
    {
      locale: 'en',
      said: 'Consent (revoked on 2 Nov 2026) for: Product launch — the company confirmed the revocation on 4 Nov 2026',
      apart: 'The company confirmed the revocation on 5 Nov 2026.',
    },
    {
      locale: 'de',
      said: 'Einwilligung (widerrufen am 02.11.2026) für: Produkteinführung – das Unternehmen hat den Widerruf am 04.11.2026 bestätigt',
      apart: 'Widerruf vom Unternehmen am 05.11.2026 bestätigt.',
    },
  ] as const)(
    'says in $locale on which date the company confirmed a revocation, on its grant and apart',
    async ({ locale, said, apart: saidApart }) => {
      grantStatus = 'revoked';
      overrides = {
        revocations: [
          {
            ...revocation(revokedOn, [{ grantSha256: h('g') }]),
            acknowledgedAt: Date.UTC(2026, 10, 4, 12),
          },
          // One naming no grant listed here: said on a line of its own.
          {
            ...revocation(revokedOn, [{ grantSha256: h('x') }], true, h('s')),
            acknowledgedAt: Date.UTC(2026, 10, 5, 12),
          },
        ],
      };
      await show(locale);
      // Failed before: "… confirmed the revocation", and "The company confirmed the revocation.",
      // with no date.
      expect(grantText()).toBe(said);
      expect(apart().map(text)).toEqual([saidApart]);
    },
  );

  it.each([
    {
      locale: 'en',
      said: 'Consent (revoked on 2 Nov 2026) for: Product launch — the company has not confirmed the revocation yet',
    },
    {
      locale: 'de',
      said: 'Einwilligung (widerrufen am 02.11.2026) für: Produkteinführung – das Unternehmen hat den Widerruf noch nicht bestätigt',
    },
  ] as const)(
    'says in $locale once, dated, a grant whose only purpose was revoked by its own button, with the confirmation to come',
    async ({ locale, said }) => {
      overrides = {
        grants: [
          { sha256: h('g'), jws: grantJws, status: 'revoked', revokedPurposes: ['product_launch'] },
        ],
        revocations: [
          revocation(revokedOn, [{ grantSha256: h('g'), purposes: ['product_launch'] }], false),
        ],
      };
      listingNow = revokedOn * 1000 + 3600_000;
      await show(locale);
      // Before: "Consent (revoked) for: Product launch", undated, then "Revoked for: Product
      // launch", and "not yet confirmed" on a line of its own, apart from the grant.
      expect(grantText()).toBe(said);
      // Each revocation said on its grant, none on a line of its own.
      expect(apart()).toEqual([]);
      expect(byTestId('revocation')!.getAttribute('data-acknowledged')).toBe('false');
    },
  );

  it('ties each confirmation to its grant’s revocation, and says one that is overdue there', async () => {
    const later = Date.UTC(2026, 11, 7, 12) / 1000;
    overrides = {
      grants: [
        { sha256: h('g'), jws: grantJws, status: 'revoked', revokedPurposes: [] },
        {
          sha256: h('k'),
          jws: twoPurposes,
          status: 'active',
          revokedPurposes: ['event_invitation'],
        },
      ],
      revocations: [
        revocation(revokedOn, [{ grantSha256: h('g') }], true, h('r')),
        revocation(later, [{ grantSha256: h('k'), purposes: ['event_invitation'] }], false, h('s')),
      ],
    };
    listingNow = later * 1000 + 3600_000;
    await show('en');
    const until = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(
      new Date(2_000_000_000 * 1000),
    );
    expect(grantTexts()).toEqual([
      'Consent (revoked on 2 Nov 2026) for: Product launch — the company confirmed the revocation',
      `Consent (active) for: Product launch; valid until ${until} Revoked on 7 Dec 2026 for: Event invitation — the company has not confirmed the revocation yet Revoke “Product launch”`,
    ]);
    // Only the purpose still in force can be revoked.
    expect(byTestId('revoke-event_invitation')).toBeNull();
    // Each revocation said on its grant, none on a line of its own.
    expect(apart()).toEqual([]);
    // Past the company's deadline to confirm (72 hours): said as overdue, on that revocation.
    listingNow = later * 1000 + 73 * 3600_000;
    await show('en');
    const lines = host.target.querySelectorAll('[data-testid="revocation"]');
    expect(lines[0]!.querySelector('strong.error')).toBeNull();
    expect(text(lines[1]!.querySelector('strong.error')!)).toBe(
      t('en', 'extension.relationships.revocation.overdue'),
    );
  });

  it.each([
    {
      locale: 'en',
      said: [
        'Consent (revoked on 2 Nov 2026) for: Product launch — the company confirmed the revocation',
        'Consent (revoked on 7 Dec 2026) for: Event invitation — the company has not confirmed the revocation yet',
      ],
    },
    {
      locale: 'de',
      said: [
        'Einwilligung (widerrufen am 02.11.2026) für: Produkteinführung – das Unternehmen hat den Widerruf bestätigt',
        'Einwilligung (widerrufen am 07.12.2026) für: Einladung zu Veranstaltungen – das Unternehmen hat den Widerruf noch nicht bestätigt',
      ],
    },
  ] as const)(
    'says in $locale a grant revoked in two steps as two dated revocations, each with its confirmation',
    async ({ locale, said }) => {
      const later = Date.UTC(2026, 11, 7, 12) / 1000;
      overrides = {
        grants: [
          {
            sha256: h('g'),
            jws: twoPurposes,
            status: 'revoked',
            revokedPurposes: ['product_launch'],
          },
        ],
        // Listed newest first: the view says them in the order they were signed.
        revocations: [
          revocation(later, 'all', false, h('s')),
          revocation(revokedOn, [{ grantSha256: h('g'), purposes: ['product_launch'] }], true),
        ],
      };
      listingNow = later * 1000 + 3600_000;
      await show(locale);
      expect([...host.target.querySelectorAll('[data-testid="revocation"]')].map(text)).toEqual(
        said,
      );
    },
  );

  it.each([
    { locale: 'de', case: 'no revocation listed', revocations: [] },
    {
      locale: 'en',
      case: 'a revocation of "all" signed before it',
      revocations: [revocation(0, 'all')],
    },
  ] as const)(
    'says in $locale no date for it with $case, and no "valid until"',
    async ({ locale, revocations }) => {
      grantStatus = 'revoked';
      overrides = { revocations };
      await show(locale);
      expect(grantText()).toBe(
        t(locale, 'extension.relationships.grant.revokedUndated', {
          purposes: t(locale, 'vocabulary.purpose.product_launch'),
        }),
      );
    },
  );

  /** A grant signed at `revokedOn` (its token's window the default 600 s). */
  const datedGrant = `${b64url({ alg: 'EdDSA' })}.${b64url({
    iat: revokedOn,
    exp: revokedOn + 600,
    until: 2_000_000_000,
    scopes: [{ purpose: 'product_launch' }],
  })}.c2ln`;
  const receipt = (sha256: string, kind: string, index: number) => ({
    sha256,
    kind,
    jws: datedGrant,
    index,
    treeSize: 10,
    receipt: {},
    verifiedAt: 0,
  });

  it.each([
    {
      case: 'active: a revocation of "all" signed 5 minutes after it, neither logged yet (the grant may have reached the clearinghouse after it)',
      status: 'active',
      after: 300,
      receipts: [],
      said: `Consent (active) for: Product launch; valid until ${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(new Date(2_000_000_000 * 1000))} Revoke “Product launch”`,
      apart: 1,
    },
    {
      case: 'revoked on the date of a revocation of "all" logged after it, though signed 5 minutes before it',
      status: 'revoked',
      after: -300,
      receipts: [receipt(h('g'), 'grant', 7), receipt(h('r'), 'revocation', 9)],
      said: 'Consent (revoked on 2 Nov 2026) for: Product launch — the company confirmed the revocation',
      apart: 0,
    },
  ] as const)(
    'says a grant $case, as the wallet decides',
    async ({ status, after, receipts, said, apart: saidApart }) => {
      overrides = {
        grants: [{ sha256: h('g'), jws: datedGrant, status, revokedPurposes: [] }],
        revocations: [revocation(revokedOn + after, 'all')],
        receipts,
      };
      listingNow = (revokedOn + 3600) * 1000;
      await show('en');
      // Before: by its dates alone, "Consent (active) … valid until …" then "Revoked on 2 Nov
      // 2026 for: Product launch" (the wallet held it active); and a revocation logged after the
      // grant but signed before it said undated.
      expect(grantText()).toBe(said);
      expect(apart()).toHaveLength(saidApart);
    },
  );
});

it('wraps a company name with no space to break at within a phone’s width (360 px)', async () => {
  const long = 'X'.repeat(200);
  overrides = {
    company: {
      id: `co_${h('c')}`,
      legalName: long,
      domain: `https://${long}.example`,
      status: 'active',
    },
  };
  host.target.style.width = '360px';
  await show('de');
  expect(byTestId('relationship')!.textContent).toContain(long);
  // Failed before: the heading alone made the page about 1,800 px wide.
  expect(host.target.scrollWidth).toBeLessThanOrEqual(360);
});

describe('a complaint about a disclosure', () => {
  const iat = Date.UTC(2026, 10, 1, 12) / 1000;
  const disclosed = {
    state: 'opened',
    sha256: h('d'),
    iat,
    openedAt: iat * 1000,
    grantSha256: null,
    dataRequestSha256: null,
    holdings: [
      {
        dataCategory: 'address',
        sources: ['broker'],
        purposes: ['product_launch'],
        retentionDays: 3650,
        recipients: [],
      },
    ],
    export: null,
    exportUnreadable: false,
  };
  const listed = [{ sha256: h('d'), jws: grantJws, current: true }];
  const date = (locale: 'de' | 'en', seconds: number) =>
    new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium' }).format(
      new Date(seconds * 1000),
    );
  const form = () => byTestId('disclosure-complain-form');
  const complaints = () =>
    sent.filter((r) => r.type === 'relationships.complain') as unknown as Record<string, unknown>[];

  beforeEach(async () => {
    overrides = { disclosures: listed, openedDisclosures: [disclosed] };
    await show('en');
  });

  it.each([
    ['en', 'Complain', 'Complain about the disclosure of 1 Nov 2026: Laufhaus GmbH'],
    ['de', 'Beschweren', 'Über die Auskunft vom 01.11.2026 beschweren: Laufhaus GmbH'],
  ] as const)(
    'offers it in %s on the verified disclosure, named with the company, and opens its form by keyboard with the focus on the first reason',
    async (locale, text, name) => {
      await show(locale);
      const button = byTestId('disclosure-complain')!;
      expect(button.textContent!.trim()).toBe(text);
      expect(button.getAttribute('aria-label')).toBe(name);
      expect(button.getAttribute('aria-expanded')).toBe('false');
      button.focus();
      await userEvent.keyboard('{Enter}');
      await expect.poll(form).not.toBeNull();
      expect(button.getAttribute('aria-expanded')).toBe('true');
      expect(document.activeElement).toBe(byTestId('disclosure-complain-reason-not_covered'));
      const reasons = [...form()!.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
      expect(reasons.map((r) => r.value)).toEqual([
        'not_covered',
        'unlawful_onward_transfer',
        'undisclosed_data',
        'misleading',
        'other',
      ]);
      expect(form()!.querySelector('legend')!.textContent!.trim()).toBe(
        t(locale, 'extension.relationships.complain.reasons'),
      );
    },
  );

  it('sends the reasons ticked and the comment once, says it was sent, and puts the focus on the note that replaces the button', async () => {
    await userEvent.click(byTestId('disclosure-complain')!);
    // Ticked in another order than the form's: sent in the form's.
    await userEvent.click(byTestId('disclosure-complain-reason-other')!);
    await userEvent.click(byTestId('disclosure-complain-reason-not_covered')!);
    await userEvent.fill(
      byTestId('disclosure-complain-comment')!,
      '  Die Adresse habe ich nie gegeben.  ',
    );
    const sendButton = byTestId('disclosure-complain-send')!;
    await userEvent.click(sendButton);
    await tick();
    expect(complaints()).toEqual([
      {
        type: 'relationships.complain',
        company: `co_${h('c')}`,
        disclosure: h('d'),
        reasons: ['not_covered', 'other'],
        comment: 'Die Adresse habe ich nie gegeben.',
      },
    ]);
    // On its way: it says so, keeps the focus, and neither a second click nor Escape acts.
    expect(document.activeElement).toBe(sendButton);
    expect(sendButton.textContent).toContain(t('en', 'extension.offers.complain.sending'));
    expect(form()!.getAttribute('aria-busy')).toBe('true');
    sendButton.click();
    await userEvent.keyboard('{Escape}');
    await tick();
    expect(form()).not.toBeNull();
    expect(complaints()).toHaveLength(1);
    release();
    await expect.poll(form).toBeNull();
    expect(notice()).toBe(
      t('en', 'extension.relationships.complain.done', { company: 'Laufhaus GmbH' }),
    );
    const note = byTestId('disclosure-complained')!;
    expect(note.dataset.state).toBe('submitted');
    expect(note.textContent!.trim()).toBe(
      t('en', 'extension.relationships.complain.sent', {
        date: date('en', Date.UTC(2026, 10, 2, 12) / 1000),
      }),
    );
    await expect.poll(() => document.activeElement).toBe(note);
    expect(byTestId('disclosure-complain')).toBeNull();
  });

  it('asks for a reason, and with "other" for a comment, before anything is sent', async () => {
    await userEvent.click(byTestId('disclosure-complain')!);
    await userEvent.click(byTestId('disclosure-complain-send')!);
    await expect
      .poll(() => byTestId('disclosure-complain-reasons-error')?.textContent?.trim())
      .toBe(t('en', 'extension.relationships.complain.reasonsMissing'));
    expect(document.activeElement).toBe(byTestId('disclosure-complain-reason-not_covered'));
    await userEvent.click(byTestId('disclosure-complain-reason-other')!);
    await userEvent.click(byTestId('disclosure-complain-send')!);
    await expect.poll(() => byTestId('disclosure-complain-comment-error')).not.toBeNull();
    expect(document.activeElement).toBe(byTestId('disclosure-complain-comment'));
    expect(byTestId('disclosure-complain-comment')!.getAttribute('aria-invalid')).toBe('true');
    expect(complaints()).toEqual([]);
  });

  it('closes with Escape and with Cancel, sending nothing, and the focus goes back to its button', async () => {
    const button = byTestId('disclosure-complain')!;
    await userEvent.click(button);
    await userEvent.click(byTestId('disclosure-complain-reason-misleading')!);
    await userEvent.keyboard('{Escape}');
    await expect.poll(form).toBeNull();
    expect(document.activeElement).toBe(button);
    await userEvent.click(button);
    // Opened afresh: nothing ticked from before.
    expect((byTestId('disclosure-complain-reason-misleading') as HTMLInputElement).checked).toBe(
      false,
    );
    await userEvent.click(byTestId('disclosure-complain-cancel')!);
    await expect.poll(form).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(complaints()).toEqual([]);
  });

  it.each([
    ['en', 'ERR_EVIDENCE_INVALID', (l: 'de' | 'en') => t(l, 'errors.ERR_EVIDENCE_INVALID')],
    ['de', 'ERR_EVIDENCE_INVALID', (l: 'de' | 'en') => t(l, 'errors.ERR_EVIDENCE_INVALID')],
    ['en', 'ERR_VAULT_LOCKED', (l: 'de' | 'en') => t(l, 'errors.ERR_VAULT_LOCKED')],
    ['de', 'ERR_VAULT_LOCKED', (l: 'de' | 'en') => t(l, 'errors.ERR_VAULT_LOCKED')],
    [
      'en',
      'ERR_COMPLAINT_DUPLICATE',
      (l: 'de' | 'en') => t(l, 'extension.relationships.complain.duplicate'),
    ],
    [
      'de',
      'ERR_COMPLAINT_DUPLICATE',
      (l: 'de' | 'en') => t(l, 'extension.relationships.complain.duplicate'),
    ],
  ] as const)(
    'says in %s why %s was not submitted, in a sentence, and keeps the form open',
    async (locale, code, said) => {
      await show(locale);
      failNext = true;
      failWith = new ProtocolError(code, 'refused');
      await userEvent.click(byTestId('disclosure-complain')!);
      await userEvent.click(byTestId('disclosure-complain-reason-undisclosed_data')!);
      await userEvent.click(byTestId('disclosure-complain-send')!);
      release();
      await expect
        .poll(() => byTestId('disclosure-complain-error')?.textContent?.trim())
        .toBe(said(locale));
      expect(byTestId('disclosure-complain-error')!.getAttribute('role')).toBe('alert');
      expect(form()).not.toBeNull();
      expect(notice()).toBe('');
      expect(byTestId('disclosure-complained')).toBeNull();
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that the clearinghouse could not be reached and the complaint is kept to be sent again',
    async (locale) => {
      await show(locale);
      failNext = true;
      failWith = new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'no answer');
      // The background signed and stored it before sending: under way.
      afterComplaintFailed = () => {
        disclosureComplaints = [
          {
            ...submittedComplaint(h('d'), ['misleading']),
            state: 'draft',
            sha256: undefined,
            error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
            exp: iat + 300,
          },
        ];
      };
      await userEvent.click(byTestId('disclosure-complain')!);
      await userEvent.click(byTestId('disclosure-complain-reason-misleading')!);
      await userEvent.click(byTestId('disclosure-complain-send')!);
      release();
      await expect
        .poll(notice)
        .toBe(t(locale, 'extension.relationships.complain.pending', { company: 'Laufhaus GmbH' }));
      expect(form()).toBeNull();
      const note = byTestId('disclosure-complained')!;
      expect(note.dataset.state).toBe('pending');
      // Said before: "on its way: the clearinghouse has not confirmed it yet".
      expect(note.textContent!.trim()).toBe(
        t(locale, 'extension.relationships.complain.underWayUnreachable'),
      );
      await expect.poll(() => document.activeElement).toBe(note);
      expect(byTestId('disclosure-complain')).toBeNull();
    },
  );

  it('shows a complaint sent before instead of the button, and offers none for a disclosure that did not verify', async () => {
    disclosureComplaints = [submittedComplaint(h('d'), ['not_covered'])];
    await show('en');
    expect(byTestId('disclosure-complained')!.dataset.disclosure).toBe(h('d'));
    expect(byTestId('disclosure-complain')).toBeNull();

    disclosureComplaints = undefined;
    overrides = {
      disclosures: listed,
      openedDisclosures: [
        { state: 'invalid', sha256: h('d'), openedAt: iat * 1000, code: 'ERR_JWS_KID_UNKNOWN' },
      ],
    };
    await show('en');
    expect(byTestId('disclosure-invalid')).not.toBeNull();
    expect(byTestId('disclosure-complain')).toBeNull();
  });

  it('says the last attempt was not submitted, and offers to complain again', async () => {
    disclosureComplaints = [
      {
        ...submittedComplaint(h('d'), ['not_covered']),
        state: 'draft',
        sha256: undefined,
        error: 'ERR_EVIDENCE_INVALID',
      },
    ];
    await show('de');
    expect(byTestId('disclosure-complaint-failed')!.textContent!.trim()).toBe(
      t('de', 'extension.relationships.complain.failed', {
        error: t('de', 'errors.ERR_EVIDENCE_INVALID'),
      }),
    );
    expect(byTestId('disclosure-complain')).not.toBeNull();
    expect(byTestId('disclosure-complained')).toBeNull();
  });

  /** Ticks "misleading" in the form opened from the disclosure's button, and submits it. */
  async function complainMisleading() {
    await userEvent.click(byTestId('disclosure-complain')!);
    await userEvent.click(byTestId('disclosure-complain-reason-misleading')!);
    await userEvent.click(byTestId('disclosure-complain-send')!);
    release();
  }

  /** The background signed and stored it before sending: under way, with the code it kept. */
  const keptUnderWay = (code: string | undefined) => () => {
    disclosureComplaints = [
      {
        ...submittedComplaint(h('d'), ['misleading']),
        state: 'draft',
        sha256: undefined,
        ...(code === undefined ? {} : { error: code }),
        exp: iat + 300,
      },
    ];
  };

  it.each([
    ['en', 'ERR_RATE_LIMITED'],
    ['de', 'ERR_RATE_LIMITED'],
    ['en', 'ERR_STORAGE_UNAVAILABLE'],
    ['de', 'ERR_STORAGE_WRITE_FAILED'],
  ] as const)(
    'says in %s that the clearinghouse answered %s (busy: it was reached) and the complaint is kept to be sent again',
    async (locale, code) => {
      await show(locale);
      failNext = true;
      failWith = new ProtocolError(code, 'later');
      afterComplaintFailed = keptUnderWay(code);
      await complainMisleading();
      // Failed before: "The clearinghouse could not be reached", for an answer it gave.
      await expect
        .poll(notice)
        .toBe(t(locale, 'extension.relationships.complain.busy', { company: 'Laufhaus GmbH' }));
      expect(form()).toBeNull();
      const note = byTestId('disclosure-complained')!;
      expect(note.dataset.state).toBe('pending');
      await expect.poll(() => document.activeElement).toBe(note);
    },
  );

  it.each([
    [
      'en',
      150,
      'The clearinghouse answered but did not take your complaint about the disclosure from Laufhaus GmbH for now: it is busy and asks to wait about 3 minutes. Your complaint is signed and kept; the Assistant sends it again with the first check after that.',
    ],
    [
      'de',
      150,
      'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde über die Auskunft von Laufhaus GmbH vorerst nicht angenommen und bittet, etwa 3 Minuten zu warten. Ihre Beschwerde ist signiert und gespeichert; der Assistent sendet sie beim ersten Abruf danach erneut.',
    ],
    [
      'en',
      45,
      'The clearinghouse answered but did not take your complaint about the disclosure from Laufhaus GmbH for now: it is busy and asks to wait about 1 minute. Your complaint is signed and kept; the Assistant sends it again with the first check after that.',
    ],
    [
      'de',
      45,
      'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde über die Auskunft von Laufhaus GmbH vorerst nicht angenommen und bittet, etwa 1 Minute zu warten. Ihre Beschwerde ist signiert und gespeichert; der Assistent sendet sie beim ersten Abruf danach erneut.',
    ],
  ] as const)(
    'says in %s how long a busy clearinghouse asked to wait (%i s) before the complaint goes again',
    async (locale, seconds, said) => {
      listingNow = (iat + 10) * 1000;
      await show(locale);
      failNext = true;
      failWith = new ProtocolError('ERR_RATE_LIMITED', 'later', { retryAfter: seconds });
      afterComplaintFailed = () => {
        keptUnderWay('ERR_RATE_LIMITED')();
        // The outbox kept the Retry-After as the time it may be sent again.
        disclosureComplaints = [{ ...disclosureComplaints![0], retryAt: iat + 10 + seconds }];
      };
      await complainMisleading();
      // Failed before: "… it is busy or has a fault … sends it again with the next check".
      await expect.poll(notice).toBe(said);
      expect(form()).toBeNull();
      expect(byTestId('disclosure-complained')!.dataset.state).toBe('pending');
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that the complaint was submitted when only the listing after it failed',
    async (locale) => {
      await show(locale);
      failNext = true;
      failWith = new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'the listing');
      // The clearinghouse took it; the listing the background read after it failed.
      afterComplaintFailed = () => {
        disclosureComplaints = [submittedComplaint(h('d'), ['misleading'])];
      };
      await complainMisleading();
      // Failed before: "The clearinghouse could not be reached … sends it again".
      await expect
        .poll(notice)
        .toBe(t(locale, 'extension.relationships.complain.done', { company: 'Laufhaus GmbH' }));
      expect(form()).toBeNull();
      const note = byTestId('disclosure-complained')!;
      expect(note.dataset.state).toBe('submitted');
      await expect.poll(() => document.activeElement).toBe(note);
    },
  );

  it('says a complaint is under way without naming a cause when the background did not say one', async () => {
    failNext = true;
    failWith = new Error('The message port closed before a response was received.');
    afterComplaintFailed = keptUnderWay(undefined);
    await complainMisleading();
    // Failed before: "The clearinghouse could not be reached", which nothing said.
    await expect.poll(notice).toBe(t('en', 'extension.relationships.complain.underWay'));
    expect(form()).toBeNull();
    expect(byTestId('disclosure-complained')!.dataset.state).toBe('pending');
  });

  it.each(['de', 'en'] as const)(
    'says in %s that a gateway’s 503 without a wait is the clearinghouse busy (an answer), not out of reach',
    async (locale) => {
      await show(locale);
      failNext = true;
      failWith = new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'Service Unavailable');
      // The outbox kept the code it maps an unknown answer to, and the answer's status.
      afterComplaintFailed = () => {
        keptUnderWay('ERR_CLEARINGHOUSE_UNREACHABLE')();
        disclosureComplaints = [{ ...disclosureComplaints![0], answerStatus: 503 }];
      };
      await complainMisleading();
      // Failed before: "The clearinghouse could not be reached", for the gateway's answer.
      await expect
        .poll(notice)
        .toBe(t(locale, 'extension.relationships.complain.busy', { company: 'Laufhaus GmbH' }));
      expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(
        t(locale, 'extension.relationships.complain.underWayBusy'),
      );
    },
  );

  /** A complaint about the disclosure under way, with what the outbox kept of its last attempt. */
  const underWayWith = (kept: Record<string, unknown>) => [
    {
      ...submittedComplaint(h('d'), ['misleading']),
      state: 'draft',
      sha256: undefined,
      exp: iat + 300,
      ...kept,
    },
  ];

  it.each([
    [
      'en',
      150,
      'Your complaint about this disclosure is on its way: the clearinghouse is busy, did not take it for now and asks to wait about 3 minutes; the Assistant sends it again with the first check after that.',
    ],
    [
      'de',
      150,
      'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle ist ausgelastet, hat sie vorerst nicht angenommen und bittet, etwa 3 Minuten zu warten; der Assistent sendet sie beim ersten Abruf danach erneut.',
    ],
    [
      'en',
      45,
      'Your complaint about this disclosure is on its way: the clearinghouse is busy, did not take it for now and asks to wait about 1 minute; the Assistant sends it again with the first check after that.',
    ],
    [
      'de',
      45,
      'Ihre Beschwerde über diese Auskunft ist unterwegs: Die Clearingstelle ist ausgelastet, hat sie vorerst nicht angenommen und bittet, etwa 1 Minute zu warten; der Assistent sendet sie beim ersten Abruf danach erneut.',
    ],
  ] as const)(
    'says under the disclosure in %s how long a busy clearinghouse asked to wait (%i s left at the listing’s time)',
    async (locale, seconds, said) => {
      listingNow = (iat + 10) * 1000;
      disclosureComplaints = underWayWith({
        error: 'ERR_RATE_LIMITED',
        answerStatus: 429,
        retryAt: iat + 10 + seconds,
      });
      await show(locale);
      const note = byTestId('disclosure-complained')!;
      expect(note.dataset.state).toBe('pending');
      // Failed before: "… has not confirmed it yet, and the Assistant sends it again with the
      // next check", which the wait does not let it.
      expect(note.textContent!.trim()).toBe(said);
    },
  );

  it.each([
    ['a 429 that named no wait', { error: 'ERR_RATE_LIMITED', answerStatus: 429 }],
    ['a wait that is over', { error: 'ERR_RATE_LIMITED', answerStatus: 429, retryAt: iat + 10 }],
    [
      'a gateway’s 503 (a code this version does not know)',
      { error: 'ERR_CLEARINGHOUSE_UNREACHABLE', answerStatus: 503 },
    ],
  ] as const)(
    'says under the disclosure that the clearinghouse is busy for %s',
    async (_, kept) => {
      listingNow = (iat + 10) * 1000;
      for (const locale of ['de', 'en'] as const) {
        disclosureComplaints = underWayWith(kept);
        await show(locale);
        // Failed before: "… has not confirmed it yet", for an answer it gave.
        expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(
          t(locale, 'extension.relationships.complain.underWayBusy'),
        );
      }
    },
  );

  it.each([
    ['no answer came (as one kept before the answer’s status was)', {}],
    ['a gateway answered 502', { answerStatus: 502 }],
    ['a gateway answered 504', { answerStatus: 504 }],
  ] as const)(
    'says under the disclosure that the clearinghouse could not be reached when %s',
    async (_, kept) => {
      for (const [locale, said] of [
        [
          'de',
          'Ihre Beschwerde über diese Auskunft ist signiert und gespeichert, aber noch nicht angekommen: Die Clearingstelle war nicht erreichbar; der Assistent sendet sie beim nächsten Abruf erneut.',
        ],
        [
          'en',
          'Your complaint about this disclosure is signed and kept but has not arrived yet: the clearinghouse could not be reached; the Assistant sends it again with the next check.',
        ],
      ] as const) {
        disclosureComplaints = underWayWith({ error: 'ERR_CLEARINGHOUSE_UNREACHABLE', ...kept });
        await show(locale);
        // Said before: "… is on its way: the clearinghouse has not confirmed it yet", while the
        // Complaints list said "could not be reached".
        expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(said);
      }
    },
  );

  it('says under the disclosure only that a complaint is on its way when nothing of an answer was kept', async () => {
    disclosureComplaints = underWayWith({});
    await show('de');
    expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(
      t('de', 'extension.relationships.complain.underWay'),
    );
  });

  it.each(['de', 'en'] as const)(
    'says in %s that it could not read whether the complaint went when the list cannot be read again, and keeps the form',
    async (locale) => {
      let listFails = false;
      const failingList = (async (request: { type: string }) => {
        if (listFails && request.type === 'relationships.list')
          throw new ProtocolError('ERR_VAULT_LOCKED', 'locked meanwhile');
        return (send as (r: unknown) => Promise<unknown>)(request);
      }) as never;
      await host.unmount();
      host.target.replaceChildren();
      host.mount(RelationshipsView, { locale, send: failingList, openConsent: () => {} });
      await expect.poll(() => byTestId('disclosure-complain')).not.toBeNull();
      failNext = true;
      failWith = new ProtocolError('ERR_VAULT_LOCKED', 'locked meanwhile');
      afterComplaintFailed = () => (listFails = true);
      await complainMisleading();
      // Failed before: the vault's sentence alone, as if the complaint had surely not gone.
      await expect
        .poll(() => byTestId('disclosure-complain-error')?.textContent?.trim())
        .toBe(t(locale, 'extension.relationships.complain.unconfirmed'));
      expect(form()).not.toBeNull();
      expect(notice()).toBe('');
    },
  );

  it.each([
    ['en', 'You complained about this disclosure (submitted on 4 Nov 2026).'],
    ['de', 'Sie haben sich über diese Auskunft beschwert (eingereicht am 04.11.2026).'],
  ] as const)(
    'says in %s when a complaint was submitted, where the Assistant kept the time',
    async (locale, said) => {
      // Written on 2 November, taken by the clearinghouse on the 4th (sent again until then).
      disclosureComplaints = [
        {
          ...submittedComplaint(h('d'), ['not_covered']),
          submittedAt: Date.UTC(2026, 10, 4, 12) / 1000,
        },
      ];
      await show(locale);
      // Failed before: "(first written on 2 Nov 2026)", with the submission time at hand.
      expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(said);
    },
  );

  it.each([
    ['en', 'You complained about this disclosure (first written on 2 Nov 2026).'],
    ['de', 'Sie haben sich über diese Auskunft beschwert (zuerst verfasst am 02.11.2026).'],
  ] as const)(
    'says in %s when a complaint sent before was first written, not that it was submitted then',
    async (locale, said) => {
      // Written on 2 November (`createdAt`); the vault keeps no time of its submission.
      disclosureComplaints = [submittedComplaint(h('d'), ['not_covered'])];
      await show(locale);
      // Failed before: "(submitted on 2 Nov 2026)", the day it was written.
      expect(byTestId('disclosure-complained')!.textContent!.trim()).toBe(said);
    },
  );
});

describe('what the card says in plain words', () => {
  const purpose = (locale: 'de' | 'en') => t(locale, 'vocabulary.purpose.product_launch');

  it.each(['en', 'de'] as const)(
    'names a purpose to revoke in the catalog’s typographic quotes (%s)',
    async (locale) => {
      await show(locale);
      const text = byTestId('revoke-product_launch')!.textContent!.trim();
      // Failed before in English: 'Revoke "Product launch"' with straight quotes.
      expect(text).toBe(
        locale === 'en' ? `Revoke “${purpose('en')}”` : `„${purpose('de')}“ widerrufen`,
      );
    },
  );

  /** A grant whose scopes are as the customer signed them (the stored signed grant). */
  const signedGrant = (scopes: unknown[]) => ({
    sha256: h('g'),
    jws: `${b64url({ alg: 'EdDSA' })}.${b64url({ iat: 1, until: 2_000_000_000, scopes })}.c2ln`,
    status: 'active',
    revokedPurposes: [],
  });

  it.each([
    {
      locale: 'en' as const,
      lines: [
        'Product launch: by E-mail, Text message (SMS); at most 2 contacts a week; data kept for 30 days',
        'Information: by Newsletter; no weekly limit; data kept for 1 day',
      ],
    },
    {
      locale: 'de' as const,
      lines: [
        'Produkteinführung: über E-Mail, SMS; höchstens 2 Kontakte pro Woche; Daten 30 Tage aufbewahrt',
        'Information: über Newsletter; ohne wöchentliche Obergrenze; Daten 1 Tag aufbewahrt',
      ],
    },
  ])(
    'shows in $locale, per consent, the channels, weekly limit and retention signed',
    async ({ locale, lines }) => {
      overrides = {
        grants: [
          signedGrant([
            {
              purpose: 'product_launch',
              channels: ['email', 'sms'],
              dataCategories: [],
              conditions: { timeZone: 'Europe/Berlin', maxContactsPerWeek: 2 },
              retentionDays: 30,
              onwardRecipients: [],
            },
            {
              purpose: 'information',
              channels: ['newsletter'],
              dataCategories: [],
              conditions: { timeZone: 'Europe/Berlin' },
              retentionDays: 1,
              onwardRecipients: [],
            },
          ]),
        ],
      };
      await show(locale);
      const said = [...host.target.querySelectorAll('[data-testid="grant-scope"]')].map((li) =>
        li.textContent!.trim(),
      );
      // Failed before: the card said only "Consent (active) for: …; valid until …".
      expect(said).toEqual(lines);
    },
  );

  it('says no scope of a purpose revoked, nor of a revoked grant', async () => {
    const scopes = [
      {
        purpose: 'product_launch',
        channels: ['email'],
        dataCategories: [],
        conditions: { timeZone: 'Europe/Berlin' },
        retentionDays: 30,
        onwardRecipients: [],
      },
    ];
    overrides = { grants: [{ ...signedGrant(scopes), status: 'revoked' }] };
    await show('en');
    expect(byTestId('grant-scopes')).toBeNull();
  });

  const day = 86_400;
  const refusal = (askAgainAfter: number | null, n = '1') => ({
    sha256: h(n),
    jws: grantJws,
    askAgainAfter,
  });

  it.each([
    {
      locale: 'en' as const,
      refusals: 'You said no to one request from this company.',
      pause:
        'This company will not ask you again before 1 Mar 2027: until then the Assistant turns its requests away without asking you. The pause is signed with your refusal and cannot be lifted early.',
      receipts:
        'The clearinghouse confirmed that it recorded one of your answers (its receipt checked out).',
    },
    {
      locale: 'de' as const,
      refusals: 'Sie haben eine Anfrage dieses Unternehmens abgelehnt.',
      pause:
        'Sie werden von diesem Unternehmen nicht vor dem 01.03.2027 wieder gefragt: Bis dahin lehnt der Assistent seine Anfragen ab, ohne Sie zu fragen. Diese Pause ist mit Ihrer Ablehnung unterschrieben und lässt sich nicht vorzeitig aufheben.',
      receipts:
        'Die Clearingstelle hat eine Ihrer Antworten nachweislich gespeichert (die Quittung ist geprüft).',
    },
  ])(
    'says in $locale until when a refusal keeps the company from asking, in plain words',
    async ({ locale, refusals, pause, receipts }) => {
      const until = Date.UTC(2027, 2, 1, 12) / 1000;
      overrides = {
        refusals: [refusal(until)],
        receipts: [{ sha256: h('r'), kind: 'grant', jws: grantJws }],
      };
      listingNow = (until - 30 * day) * 1000;
      await show(locale);
      // Failed before: "Refusals: 1", "Verified receipts: 1", and no date.
      expect(byTestId('refusals')!.textContent!.replace(/\s+/g, ' ').trim()).toBe(
        `${refusals} ${pause}`,
      );
      expect(byTestId('receipts')!.textContent!.trim()).toBe(receipts);
    },
  );

  it('says no pause once its date has passed, and nothing of refusals when there are none', async () => {
    const until = Date.UTC(2027, 2, 1, 12) / 1000;
    overrides = { refusals: [refusal(until), refusal(null, '2')] };
    listingNow = (until + day) * 1000;
    await show('en');
    expect(byTestId('refusals')!.textContent!.trim()).toBe(
      'You said no to 2 requests from this company.',
    );
    expect(byTestId('ask-again-after')).toBeNull();
    overrides = {};
    await show('en');
    expect(byTestId('refusals')).toBeNull();
    expect(byTestId('receipts')!.textContent!.trim()).toBe(
      t('en', 'extension.relationships.receipts.none'),
    );
  });
});

describe('the holdings table at a phone’s width (320 px)', () => {
  const iat = Date.UTC(2026, 10, 1, 12) / 1000;
  const disclosure = {
    state: 'opened',
    sha256: h('d'),
    iat,
    openedAt: iat * 1000,
    grantSha256: null,
    dataRequestSha256: null,
    holdings: [
      {
        dataCategory: 'address',
        sources: ['direct', 'broker'],
        purposes: ['product_launch'],
        retentionDays: 3650,
        recipients: [{ name: 'Versandpartner GmbH', country: 'DE' }],
      },
      {
        dataCategory: 'purchase_history',
        sources: ['derived'],
        purposes: ['product_launch'],
        retentionDays: 30,
        recipients: [],
      },
    ],
    export: null,
    exportUnreadable: false,
  };

  /** The words of the table's text, each with how many line boxes it takes (1: unbroken). */
  function brokenWords(table: HTMLElement): string[] {
    const broken: string[] = [];
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (const match of text.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        // A word broken across lines has one box per line.
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
    return broken;
  }

  it.each(['de', 'en'] as const)(
    'breaks no word mid-word in %s and scrolls in a labelled, focusable region',
    async (locale) => {
      overrides = {
        disclosures: [{ sha256: h('d'), jws: grantJws, current: true }],
        openedDisclosures: [disclosure],
      };
      host.target.style.width = '320px';
      await show(locale);
      const table = byTestId('holdings')!;
      // Failed before in German: "Date/n", "He/rku/nft", "Emp/fän/ger", "Vorli/eben"…
      expect(brokenWords(table)).toEqual([]);
      const region = byTestId('holdings-region')!;
      expect(region.getAttribute('role')).toBe('region');
      expect(region.getAttribute('aria-label')).toBe(
        t(locale, 'extension.relationships.holding.region'),
      );
      expect(region.tabIndex).toBe(0);
      expect(region.lang).toBe(locale);
      // The page itself stays within the phone's width; the region scrolls.
      expect(host.target.scrollWidth).toBeLessThanOrEqual(320);
    },
  );
});

describe('back from the consent window', () => {
  /** What the consent window shows: one scope of Laufhaus GmbH's, by e-mail. */
  const pending = pendingRequest();
  const consentSend = (async (request: { type: string }) =>
    request.type === 'settings.get'
      ? { type: 'settings', settings: defaultSettings('http://localhost:3000') }
      : request.type === 'wallet.pending'
        ? pending
        : { type: 'ok' }) as never;
  /** What changed in the listing while the consent window was open. */
  let whileAway: () => void;

  /**
   * As App.svelte's `openConsent` does: the consent window (the real one) takes the dashboard's
   * place in its tab; closing it loads the dashboard anew (consent/main.ts `close` for
   * `from=dashboard`), which here is the view mounted anew.
   */
  async function openInTab(ticket: string) {
    await host.unmount();
    host.target.replaceChildren();
    host.mount(Consent, {
      browserLocale: 'en' as const,
      ticket,
      send: consentSend,
      close: () => {
        whileAway();
        void show('en', null, openInTab);
      },
      closeKey: 'extension.consent.backToDashboard' as const,
    });
    await expect.poll(() => byTestId('consent-days')).not.toBeNull();
  }

  /** Escape in the consent window, then the view back. */
  async function escapeBack() {
    await expect.poll(() => byTestId('consent-days')).not.toBeNull();
    expect(byTestId('relationships')).toBeNull();
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => byTestId('relationships')).not.toBeNull();
  }

  const targeted = {
    sha256: h('t'),
    jws: `${b64url({ alg: 'EdDSA' })}.${b64url({ aud: `ps_${h('p')}`, iat: 1_765_000_000 })}.c2ln`,
  };
  const targetedButton = () =>
    host.target.querySelector<HTMLElement>('[data-testid="targeted-request"] button');

  beforeEach(() => {
    whileAway = () => {};
  });

  it('puts the focus back in the "Open request" field after Escape, and only then', async () => {
    await show('en', null, (ticket) => void openInTab(ticket));
    await userEvent.fill(byTestId('request-link')!, h('a'));
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => sent.some((r) => r.type === 'wallet.open-link')).toBe(true);
    release();
    await escapeBack();
    // Failed before: the dashboard came back with the focus on the page's body.
    await expect.poll(() => document.activeElement).toBe(byTestId('request-link'));
    // The dashboard shown again later (not from the window) leaves the focus alone.
    await show('en');
    await tick();
    expect(document.activeElement).toBe(document.body);
  });

  it.each([
    ['to the button that opened it while the request is still listed', false, targetedButton],
    [
      'to the view’s heading once the listing has the request no more',
      true,
      () => byTestId('relationships-title'),
    ],
  ] as const)('puts the focus for a targeted request %s', async (_case, gone, focused) => {
    overrides = { requests: [targeted] };
    await show('en', null, (ticket) => void openInTab(ticket));
    if (gone) whileAway = () => (overrides = {});
    await userEvent.click(targetedButton()!);
    await expect.poll(() => sent.some((r) => r.type === 'wallet.open-targeted')).toBe(true);
    release();
    await escapeBack();
    await expect.poll(() => document.activeElement).toBe(focused());
    expect(document.activeElement).not.toBeNull();
    expect(document.activeElement).not.toBe(document.body);
  });
});
