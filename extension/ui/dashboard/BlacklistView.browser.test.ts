/**
 * The blacklist in a real Chromium: a name the background would refuse (no company id, a brand
 * with control or text-direction characters, nothing at all) is named beside its field in the
 * customer's language before anything is sent; each action's outcome replaces the one before;
 * a company is shown by the name the Assistant knows, its id beside it; and after "Remove" the
 * focus goes to the next entry's Remove button (or the heading), never to the page. A note
 * without spaces wraps within a phone's width. A brand blocked for one company's offers only
 * reads, and its Remove button is named, with that company. A sentence names a field by its short
 * name; the brand and the note count towards their maximum and say when they take no more.
 */
import { beforeEach, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import type { BlacklistEntry } from '../../../protocol/profile';
import { hostComponents } from '../component-host.fixture';
import BlacklistView from './BlacklistView.svelte';

const host = hostComponents();
const { byTestId } = host;
const company = `co_${'A'.repeat(42)}A`;

/** What the background holds, and the requests that would change it. */
let entries: BlacklistEntry[];
let changes: { type: string }[];
/** The next `blacklist.add` fails with this, or (undefined) is a duplicate. */
let addFails: unknown;

const entry = (id: string, target: BlacklistEntry['target']): BlacklistEntry => ({
  id: id.repeat(32),
  target,
  reason: 'other',
  at: 1_750_000_000,
});

beforeEach(() => {
  entries = [];
  changes = [];
  addFails = undefined;
});

const send = (async (request: { type: string; id?: string }) => {
  switch (request.type) {
    case 'blacklist.list':
      return { type: 'blacklist', entries, damaged: [], signalChoice: 'never', signals: [] };
    case 'relationships.list':
      return {
        type: 'relationships',
        items: [{ company: { id: company, legalName: 'Laufhaus GmbH' } }],
        damaged: [],
        now: 0,
      };
    case 'blacklist.remove':
      changes.push(request);
      entries = entries.filter((e) => e.id !== request.id);
      return { type: 'ok' };
    case 'blacklist.add':
      changes.push(request);
      if (addFails !== undefined) throw addFails;
      return {
        type: 'blacklist.added',
        entry: entry('f', { kind: 'brand', brand: 'Acme' }),
        added: false,
        activeGrants: [],
        askSignal: false,
      };
  }
  throw new Error(`not in this test: ${request.type}`);
}) as never;

async function show(locale: 'de' | 'en') {
  host.mount(BlacklistView, { locale, send, onChange: () => {} });
  await expect.poll(() => byTestId('blacklist-form')).not.toBeNull();
}

async function add(kind: 'brand' | 'company', name: string) {
  await userEvent.selectOptions(byTestId('blacklist-kind') as HTMLSelectElement, kind);
  await userEvent.fill(byTestId('blacklist-name') as HTMLInputElement, name);
  await userEvent.click(byTestId('blacklist-add')!);
}

it.each([
  [
    'de',
    'company',
    'Laufhaus GmbH',
    'extension.input.companyId',
    'extension.profile.companyId.name',
  ],
  [
    'en',
    'company',
    'Laufhaus GmbH',
    'extension.input.companyId',
    'extension.profile.companyId.name',
  ],
  [
    'de',
    'brand',
    'Acme\u202eseohS',
    'extension.input.controlCharacters',
    'extension.blacklist.brand',
  ],
  ['en', 'brand', 'Acme\u0000', 'extension.input.controlCharacters', 'extension.blacklist.brand'],
  ['de', 'brand', '   ', 'extension.input.missing', 'extension.blacklist.brand'],
  ['en', 'company', '', 'extension.input.missing', 'extension.profile.companyId.name'],
] as const)(
  'in %s refuses a %s named "%s" beside the field and sends nothing',
  async (locale, kind, name, rule, label) => {
    await show(locale);
    await add(kind, name);
    await expect
      .poll(() => byTestId('bl-name-error')?.textContent?.trim())
      .toBe(t(locale, rule, { field: t(locale, label) }));
    expect(changes).toEqual([]);
    expect(document.activeElement).toBe(byTestId('blacklist-name'));
    expect((byTestId('blacklist-name') as HTMLInputElement).value).toBe(name);
  },
);

it('replaces "already on your blacklist" with a later failure', async () => {
  await show('en');
  await add('brand', 'Acme');
  await expect
    .poll(() => byTestId('blacklist-notice')?.textContent)
    .toBe(t('en', 'extension.blacklist.duplicate'));
  addFails = new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'disk full');
  await add('brand', 'Other brand');
  await expect
    .poll(() => host.target.querySelector('[role="alert"]')?.textContent)
    .toBe(t('en', 'errors.ERR_VAULT_STORAGE_FAILED'));
  expect(byTestId('blacklist-notice')).toBeNull();
});

it('shows a company by the name the Assistant knows, with its id beside it', async () => {
  entries = [entry('a', { kind: 'company', company })];
  await show('en');
  await expect
    .poll(() => byTestId('blacklist-entry')?.querySelector('strong')?.textContent)
    .toBe('Laufhaus GmbH');
  expect(byTestId('blacklist-company-id')!.textContent).toBe(company);
});

it('after Remove puts the focus on the next entry’s Remove button, then on the heading', async () => {
  entries = [
    entry('a', { kind: 'brand', brand: 'First' }),
    entry('b', { kind: 'brand', brand: 'Second' }),
  ];
  await show('de');
  await expect
    .poll(() => host.target.querySelectorAll('[data-testid="blacklist-remove"]').length)
    .toBe(2);
  await userEvent.click(byTestId('blacklist-remove')!);
  await expect
    .poll(() => host.target.querySelectorAll('[data-testid="blacklist-remove"]').length)
    .toBe(1);
  await expect.poll(() => document.activeElement).toBe(byTestId('blacklist-remove'));
  expect(byTestId('blacklist-notice')!.textContent).toBe(
    t('de', 'extension.blacklist.removed', { name: 'First' }),
  );
  await userEvent.click(byTestId('blacklist-remove')!);
  await expect.poll(() => document.activeElement).toBe(host.target.querySelector('h2'));
  expect(changes.map((c) => c.type)).toEqual(['blacklist.remove', 'blacklist.remove']);
});

it('wraps a note and a brand with no space to break at within a phone’s width (360 px)', async () => {
  entries = [
    {
      ...entry('a', { kind: 'brand', brand: 'B'.repeat(100) }),
      note: 'x'.repeat(200),
    },
  ];
  host.target.style.width = '360px';
  await show('de');
  await expect.poll(() => byTestId('blacklist-entry')?.textContent).toContain('x'.repeat(200));
  // Failed before: the note alone made the page 1,793 px wide.
  expect(host.target.scrollWidth).toBeLessThanOrEqual(360);
});

it.each([
  ['de', 'Laufhaus (nur von Laufhaus GmbH)'],
  ['en', 'Laufhaus (only from Laufhaus GmbH)'],
] as const)(
  'in %s tells a brand blocked for one company apart from the same brand from anyone: "%s"',
  async (locale, scoped) => {
    entries = [
      entry('a', { kind: 'brand', brand: 'Laufhaus', company }),
      entry('b', { kind: 'brand', brand: 'Laufhaus' }),
    ];
    await show(locale);
    const rows = () =>
      [...host.target.querySelectorAll('[data-testid="blacklist-entry"] strong')].map(
        (e) => e.textContent,
      );
    // Failed before: "Laufhaus" twice, the company left out.
    await expect.poll(rows).toEqual([scoped, 'Laufhaus']);
    const remove = t(locale, 'extension.dashboard.remove');
    expect(
      [...host.target.querySelectorAll('[data-testid="blacklist-remove"]')].map((b) =>
        b.getAttribute('aria-label'),
      ),
    ).toEqual([`${remove}: ${scoped}`, `${remove}: Laufhaus`]);
  },
);

it.each([
  ['de', '„Notiz“ enthält unsichtbare Steuer- oder Textrichtungszeichen.'],
  ['en', '“Note” contains invisible control or text-direction characters.'],
] as const)('in %s names the note by its short name: %s', async (locale, start) => {
  await show(locale);
  await userEvent.fill(byTestId('blacklist-note') as HTMLInputElement, 'Spam\u0007');
  await add('brand', 'Acme');
  // Failed before: “Note (optional)” contains …
  await expect.poll(() => byTestId('bl-note-error')?.textContent?.trim()).toMatch(/^./);
  expect(byTestId('bl-note-error')!.textContent!.trim().startsWith(start)).toBe(true);
  expect(changes).toEqual([]);
});

it.each([
  ['de', 'blacklist-note', 'bl-note', 500],
  ['en', 'blacklist-note', 'bl-note', 500],
  ['en', 'blacklist-name', 'bl-name', 100],
] as const)(
  'in %s, %s (%s) counts towards its %s characters once nearly full, and says when it takes no more',
  async (locale, testId, field, max) => {
    await show(locale);
    const input = byTestId(testId) as HTMLInputElement;
    expect(input.maxLength).toBe(max);
    expect(input.getAttribute('aria-describedby')).toBe(`${field}-count`);
    const count = () => byTestId(`${field}-count`)?.textContent?.trim();
    const limit = () =>
      host.target.querySelector(`#${field}-count [role="status"]`)?.textContent?.trim();
    await userEvent.fill(input, 'x'.repeat(max / 2));
    await expect.poll(count).toBe('');
    await userEvent.fill(input, 'x'.repeat(max - 1));
    // Failed before: nothing said how long the field may be.
    await expect.poll(count).toBe(t(locale, 'extension.input.count', { count: max - 1, max }));
    expect(limit()).toBe('');
    // The last one fits; what is typed after it is not taken, and that is said.
    await userEvent.type(input, 'yz');
    expect(input.value).toBe('x'.repeat(max - 1) + 'y');
    await expect.poll(limit).toBe(t(locale, 'extension.input.limitReached', { max }));
    expect(count()).toContain(t(locale, 'extension.input.count', { count: max, max }));
  },
);
