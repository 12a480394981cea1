import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { CustomerViewItem, DataRequestAnswer } from '$protocol/connect';
import { locales, t } from '$protocol/i18n';
import NoAssistant from './NoAssistant.svelte';
import NoMatch from './NoMatch.svelte';
import { load as loadMe } from './+page.server';
import { customerViewItem as item, hash } from './customer-view.fixture';
import {
  arrange,
  categoriesOf,
  correctableCategories,
  dataRequestState,
  dayCache,
  erasedSinceDisclosure,
  exportJson,
  openMatters,
  refreshing,
  summarise,
  textCache,
  type DataRequestView,
  type MeView,
} from './view';

const items = [
  item('Zeta', { grants: [{ status: 'active', categories: ['address'], until: 3 }] }),
  item('Alpha', {
    grants: [{ status: 'active', categories: ['location'], until: 9 }],
    revocations: [{ acknowledged: false, overdue: true }],
  }),
  item('Mitte', {
    grants: [{ status: 'revoked', categories: ['health'] }],
    held: ['movement_profile', 'health', 'address'],
    requests: [
      { answered: false, overdue: false },
      { answered: true, overdue: false },
    ],
  }),
];

describe('summarise', () => {
  it('counts companies, sensitive and location holders, and overdue matters', () => {
    expect(summarise(items)).toEqual({
      companies: 3,
      active: 2,
      sensitive: 2,
      location: 2,
      overdueRevocations: 1,
      openRequests: 1,
      overdueRequests: 0,
    });
    expect(summarise([])).toMatchObject({ companies: 0, location: 0 });
  });
});

describe('categoriesOf', () => {
  it('joins what was disclosed with what active grants allow, not revoked ones', () => {
    expect(categoriesOf(items[2]!).sort()).toEqual(['address', 'health', 'movement_profile']);
    expect(
      categoriesOf(item('X', { grants: [{ status: 'revoked', categories: ['health'] }] })),
    ).toEqual([]);
  });
});

describe('arrange', () => {
  const names = (rows: CustomerViewItem[]) => rows.map((r) => r.company.legalName);

  it.each([
    ['name', ['Alpha', 'Mitte', 'Zeta']],
    ['until', ['Alpha', 'Zeta', 'Mitte']],
    ['categories', ['Mitte', 'Alpha', 'Zeta']],
    ['open', ['Alpha', 'Mitte', 'Zeta']],
  ] as const)('sorts by %s', (sort, expected) => {
    expect(names(arrange(items, { filter: 'all', search: '', sort }))).toEqual(expected);
  });

  it.each([
    ['active', ['Alpha', 'Zeta']],
    ['sensitive', ['Alpha', 'Mitte']],
    ['open', ['Alpha', 'Mitte']],
  ] as const)('filters to %s', (filter, expected) => {
    expect(names(arrange(items, { filter, search: '', sort: 'name' }))).toEqual(expected);
  });

  it('searches names and domains without regard to case', () => {
    expect(names(arrange(items, { filter: 'all', search: 'ZET', sort: 'name' }))).toEqual(['Zeta']);
    expect(names(arrange(items, { filter: 'all', search: 'mitte.example', sort: 'name' }))).toEqual(
      ['Mitte'],
    );
    expect(arrange(items, { filter: 'all', search: 'nobody', sort: 'name' })).toEqual([]);
  });

  it('leaves the input untouched', () => {
    const before = names([...items]);
    arrange(items, { filter: 'all', search: '', sort: 'open' });
    expect(names([...items])).toEqual(before);
  });
});

describe('openMatters and exportJson', () => {
  it('counts unacknowledged revocations and unanswered requests', () => {
    expect(items.map(openMatters)).toEqual([0, 1, 1]);
  });

  it('exports the view as it came, with the summary and the time', () => {
    const doc = JSON.parse(exportJson(items, Date.UTC(2026, 0, 5))) as Record<string, unknown>;
    expect(doc).toEqual({
      kind: 'consent-clearinghouse/my-data',
      v: 1,
      exportedAt: '2026-01-05T00:00:00.000Z',
      summary: summarise(items),
      companies: JSON.parse(JSON.stringify(items)),
    });
  });
});

describe('the render helpers', () => {
  it('lists the categories an active grant reaches, in the given order', () => {
    expect(correctableCategories(items, ['health', 'location', 'address', 'profile'])).toEqual([
      'location',
      'address',
    ]);
    expect(correctableCategories([], ['address'])).toEqual([]);
  });

  it('formats each UTC day once, as the formatter would', () => {
    const calls: number[] = [];
    const format = (ms: number) => {
      calls.push(ms);
      return new Date(ms).toISOString().slice(0, 10);
    };
    const day = dayCache(format);
    expect(day(Date.UTC(2026, 0, 5, 13, 30))).toBe('2026-01-05');
    expect(day(Date.UTC(2026, 0, 5, 23, 59, 59))).toBe('2026-01-05');
    expect(day(Date.UTC(2026, 0, 6))).toBe('2026-01-06');
    expect(day(Date.UTC(1969, 11, 31, 12))).toBe('1969-12-31');
    expect(calls).toEqual([Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 6), Date.UTC(1969, 11, 31)]);
  });

  it('looks each text up once', () => {
    let calls = 0;
    const label = textCache((key) => {
      calls++;
      return key.toUpperCase();
    });
    expect([label('a'), label('b'), label('a')]).toEqual(['A', 'B', 'A']);
    expect(calls).toBe(2);
  });
});

describe('refreshing', () => {
  it('keeps a shown view, its rows and times, marked as updating (failed before: replaced by "loading")', () => {
    const items = [item('Alpha'), item('Beta')];
    for (const refresh of [
      'fresh',
      'updating',
      { failed: 'ERR_CLEARINGHOUSE_UNREACHABLE' },
    ] as const) {
      const shown: MeView = { kind: 'ready', items, at: 5, asOf: 4, refresh };
      const next = refreshing(shown);
      expect(next).toEqual({ kind: 'ready', items, at: 5, asOf: 4, refresh: 'updating' });
      // The same rows, so the keyed table keeps its elements and the focus in them.
      expect(next.kind === 'ready' && next.items).toBe(items);
    }
  });

  it.each<MeView>([
    { kind: 'idle' },
    { kind: 'loading' },
    { kind: 'no-assistant' },
    { kind: 'error', code: 'ERR_BRIDGE_CANCELLED' },
  ])('waits as "loading" from %o', (view) => {
    expect(refreshing(view)).toEqual({ kind: 'loading' });
  });
});

describe('dataRequestState', () => {
  const request = (fields: Partial<DataRequestView>): DataRequestView => ({
    sha256: hash('r'),
    type: 'access',
    at: 1_700_000_000,
    deadline: 1_702_592_000_000,
    answered: true,
    overdue: false,
    answer: null,
    ...fields,
  });
  const answer = (outcome: DataRequestAnswer['outcome'], why: DataRequestAnswer['reason'] = null) =>
    ({ outcome, reason: why, erased: [], erasedAt: null }) as const;
  const reason = { de: 'Keine Identität nachgewiesen.', en: 'No proof of identity.' };

  it.each([
    [{ answered: false }, 'open'],
    [{ answered: false, overdue: true }, 'overdue'],
    [{ answer: answer('disclosure') }, 'disclosure'],
    [{ type: 'erasure', answer: answer('erased') }, 'erased'],
    // An answer whose outcome the Assistant did not hand on can only say "answered".
    [{}, 'answered'],
    [{ answer: null }, 'answered'],
  ] as const)('reads %o as %s', (fields, state) => {
    expect(dataRequestState(request(fields))).toEqual({ state, reason: null });
  });

  it('says a refused access request was refused, with the company\'s reason (failed before: "access answered")', () => {
    const shown = dataRequestState(request({ answer: answer('refused', reason) }));
    expect(shown).toEqual({ state: 'refused', reason });
    expect(
      t('en', 'portal.me.request.refused', { type: t('en', 'portal.me.request.access') }),
    ).toBe('Access: refused');
    expect(
      t('de', 'portal.me.request.refused', { type: t('de', 'portal.me.request.access') }),
    ).toBe('Auskunft: abgelehnt');
    expect(t('en', 'portal.me.request.reason', { reason: reason.en })).toBe(
      'The company’s reason: No proof of identity.',
    );
  });

  it('keeps the reason for data an erasure kept, and none for a disclosure', () => {
    const kept = answer('erased', reason);
    expect(dataRequestState(request({ type: 'erasure', answer: kept }))).toEqual({
      state: 'erased',
      reason,
    });
    expect(dataRequestState(request({ answer: answer('disclosure', reason) })).reason).toBeNull();
  });
});

describe('erasedSinceDisclosure', () => {
  const erasure = (erased: string[], erasedAt: number) => ({
    type: 'erasure' as const,
    answered: true,
    answer: { outcome: 'erased' as const, reason: null, erased, erasedAt },
  });

  it('marks what the company confirmed erasing after its newest disclosure, which still lists it', () => {
    // The disclosure is of 1_700_000_000 (seconds); failed before: both still shown as held.
    const shown = item('Laufhaus', {
      held: ['preferences_habits', 'contact_details'],
      requests: [erasure(['preferences_habits'], 1_700_000_500)],
    });
    expect([...erasedSinceDisclosure(shown)]).toEqual([['preferences_habits', 1_700_000_500]]);
  });

  it('leaves alone an erasure older than the disclosure, a refusal, and an answer of unknown outcome', () => {
    const shown = item('Laufhaus', {
      held: ['preferences_habits'],
      requests: [
        erasure(['preferences_habits'], 1_699_999_000),
        { answered: true, answer: null },
        {
          answered: true,
          answer: { outcome: 'refused', reason: null, erased: [], erasedAt: null },
        },
      ],
    });
    expect(erasedSinceDisclosure(shown).size).toBe(0);
  });
});

describe('NoAssistant', () => {
  const none = { chromium: false, firefox: false };
  /** The section's text as read: tags dropped, entities and white space undone. */
  const said = (locale: (typeof locales)[number], downloads = none) =>
    render(NoAssistant, { props: { locale, downloads } })
      .body.replace(/<!--[\s\S]*?-->|<[^>]*>/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ');

  it.each(locales)(
    'tells a customer (%s) what to install and whom to ask, not how to build it',
    (locale) => {
      // Failed before: "after the command “npm start” it is in the folder dist/extension/chromium;
      // load it from there as an unpacked extension", in Firefox too.
      const body = render(NoAssistant, { props: { locale, downloads: none } }).body;
      const [steps, developers] = said(locale).split(
        locale === 'de' ? 'Für Entwicklerinnen und Entwickler' : 'For developers',
      );
      expect(steps).not.toMatch(/npm|dist\/|entpackt|unpacked|README/);
      expect(steps).toContain(t(locale, 'common.assistantName'));
      expect(steps).toMatch(locale === 'de' ? /Browser-Erweiterung/ : /browser extension/);
      expect(steps).toMatch(/Chromium.*Firefox/);
      // Where the extension comes from on this installation: its operator, reached via the imprint.
      expect(steps).toMatch(locale === 'de' ? /Betreiber dieser Clearingstelle/ : /operator/);
      expect(body).toMatch(/<a href="[^"]*\/imprint"/);
      // The developers' details stay in the README; a hint, set apart, points there.
      expect(developers).toBeDefined();
      expect(developers).toContain('README');
      expect(developers).toContain('dist/extension/chromium');
      expect(developers).toContain('dist/extension/firefox');
      for (const step of ['portal.me.noAssistant.step2', 'portal.me.noAssistant.step3'] as const)
        expect(steps).toContain(t(locale, step));
    },
  );

  it.each(
    locales.flatMap((locale) =>
      (
        [
          [{ chromium: true, firefox: true }, 'portal.me.install.downloadBoth'],
          [{ chromium: true, firefox: false }, 'portal.me.install.downloadChromium'],
          [{ chromium: false, firefox: true }, 'portal.me.install.downloadFirefox'],
        ] as const
      ).map(([downloads, key]) => [locale, downloads, key] as const),
    ),
  )(
    'sends a customer (%s) to the home page’s downloads where this clearinghouse offers them (%o)',
    (locale, downloads, key) => {
      // Failed before: "Ask the operator of this clearinghouse where to get it", with a link to the
      // imprint, while `/` offered the ZIP files under the same condition (+page.svelte there).
      const body = render(NoAssistant, { props: { locale, downloads } }).body;
      const [steps] = said(locale, downloads).split(
        locale === 'de' ? 'Für Entwicklerinnen und Entwickler' : 'For developers',
      );
      expect(body).toMatch(/<a href="\/#install"[^>]*data-testid="me-install-link"/);
      expect(steps).toContain(t(locale, key));
      expect(steps).toContain(t(locale, 'portal.me.install.downloadLink'));
      expect(steps).not.toContain(t(locale, 'portal.me.install.get'));
      expect(body).not.toContain('/imprint');
      for (const step of ['portal.me.noAssistant.step2', 'portal.me.noAssistant.step3'] as const)
        expect(steps).toContain(t(locale, step));
    },
  );

  it.each(
    locales.flatMap((locale) =>
      (
        [
          [{ chromium: true, firefox: true }, ['Chromium', 'Firefox'], []],
          [{ chromium: true, firefox: false }, ['Chromium'], ['Firefox']],
          [{ chromium: false, firefox: true }, ['Firefox'], ['Chromium', 'Chrome', 'Edge']],
        ] as const
      ).map(([downloads, named, unnamed]) => [locale, downloads, named, unnamed] as const),
    ),
  )(
    'names (%s) only the browsers this clearinghouse offers the Assistant for (%o)',
    (locale, downloads, named, unnamed) => {
      // Failed before: "it is available for Chromium and Firefox" and "this clearinghouse offers
      // it for download on its home page" with only one ZIP file there: a customer in the other
      // browser was sent to a home page without a download for it.
      const [steps] = said(locale, downloads).split(
        locale === 'de' ? 'Für Entwicklerinnen und Entwickler' : 'For developers',
      );
      for (const browser of named) expect(steps).toContain(browser);
      for (const browser of unnamed) expect(steps).not.toContain(browser);
    },
  );

  it('is told by the page which downloads there are, as `/` is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'me-downloads-'));
    try {
      process.env.ASSISTANT_DOWNLOADS_DIR = dir;
      expect(await loadMe({} as never)).toEqual({
        downloads: { chromium: false, firefox: false },
      });
      writeFileSync(join(dir, 'assistant-firefox.zip'), 'PK');
      expect(await loadMe({} as never)).toEqual({
        downloads: { chromium: false, firefox: true },
      });
    } finally {
      delete process.env.ASSISTANT_DOWNLOADS_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('NoMatch', () => {
  /** The component's HTML without Svelte's hydration markers. */
  const html = (props: { locale: (typeof locales)[number]; empty: boolean }) =>
    render(NoMatch, { props: { ...props, onreset: () => {} } }).body.replace(
      /<!--[\s\S]*?-->/g,
      '',
    );

  it.each(locales)(
    'says (%s) that no company matches, with a button that shows them all again',
    (locale) => {
      // Failed before: a search or filter matching nothing left "0 of 2 companies" above a table
      // of column headers, with no sentence and no way back but clearing each control by hand.
      const body = html({ locale, empty: true });
      expect(body).toMatch(
        new RegExp(`<p role="status"[^>]*>${t(locale, 'portal.me.noMatch')}</p>`),
      );
      expect(body).toMatch(
        new RegExp(`<button type="button"[^>]*>${t(locale, 'portal.me.showAll')}</button>`),
      );
      expect(t(locale, 'portal.me.noMatch')).not.toBe('portal.me.noMatch');
    },
  );

  it.each(locales)(
    'keeps (%s) an empty live region while companies match, for the sentence to fill',
    (locale) => {
      // Failed before: the role="status" paragraph came into the page already filled when nothing
      // matched, which many screen readers do not announce; while companies matched there was
      // none. Now the page keeps this in place, empty, whenever its table can be filtered.
      const body = html({ locale, empty: false });
      expect(body).toMatch(/<p role="status"[^>]*><\/p>/);
      expect(body).not.toContain(t(locale, 'portal.me.noMatch'));
      expect(body).not.toContain('<button');
    },
  );
});
