/**
 * /me as a customer tester read it (keyboard only, 320 px, English and German): the companies'
 * table in a region that can be focused and scrolled, an access request answered without data
 * not called refused, the erasure note in its own case, the Assistant's confirmation sentence,
 * how to unlock a locked Assistant, and offers "held" said plainly. Rendered on the server, as
 * the other /me components are (view.test.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { render } from 'svelte/server';
import { compile } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';
import type { CustomerViewItem, DataRequestAnswer } from '$protocol/connect';
import { locales, t, type Locale } from '$protocol/i18n';
import CompanyTable from './CompanyTable.svelte';
import VaultLocked from './VaultLocked.svelte';
import { customerViewItem, hash } from './customer-view.fixture';
import { dataRequestState, holdsDisclosed, isVaultLocked, type MeView } from './view';

const nothingHeld = { de: 'Wir speichern keine Daten zu Ihnen.', en: 'We hold no data about you.' };
const refused = (reason = nothingHeld): DataRequestAnswer => ({
  outcome: 'refused',
  reason,
  erased: [],
  erasedAt: null,
});

/**
 * A company with an active grant, its disclosure (`held`, or none) and its data requests (each
 * answered unless it says otherwise).
 */
function company(
  options: {
    held?: string[];
    requests?: Partial<CustomerViewItem['dataRequests'][number]>[];
  } = {},
): CustomerViewItem {
  return customerViewItem('Funkhaus Beispiel AG', {
    at: 1_765_000_000,
    grants: [{ status: 'active', categories: ['preferences_habits'] }],
    ...(options.held === undefined ? {} : { held: options.held }),
    requests: (options.requests ?? []).map((r) => ({ answered: true, ...r })),
    offers: { received: 3, delivered: 1, held: 1, hidden: 1 },
  });
}

/** The table's HTML, without Svelte's hydration markers. */
function html(locale: Locale, rows: CustomerViewItem[]): string {
  return render(CompanyTable, {
    props: {
      locale,
      rows,
      fresh: true,
      at: 1_765_100_000_000,
      busy: false,
      pending: false,
      onact: () => {},
    },
  }).body.replace(/<!--[\s\S]*?-->/g, '');
}

/** The text of the elements marked `data-testid="<testid>"`, tags dropped, white space undone. */
function texts(body: string, testid: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(`<p[^>]*data-testid="${testid}"[^>]*>([\\s\\S]*?)</p>`, 'g');
  for (const match of body.matchAll(pattern))
    out.push(
      match[1]!
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  return out;
}

describe('the companies table at 320 px', () => {
  it.each(locales)(
    'scrolls (%s) inside a named region the keyboard can focus, around the table',
    (locale) => {
      // Failed before: <div class="table-wrap"> scrolled 691 px of content in 288 px with no
      // role, name or tabindex, so a keyboard user saw Company, Allowed and half of Data only.
      const body = html(locale, [company()]);
      const open = body.match(/<div[^>]*role="region"[^>]*>/)?.[0];
      expect(open).toBeDefined();
      expect(open).toContain('tabindex="0"');
      const name = t(locale, 'portal.table.scrollRegion', {
        name: t(locale, 'portal.me.companies.title'),
      });
      expect(open).toContain(`aria-label="${name}"`);
      expect(name).toBe(
        locale === 'de'
          ? 'Ihre Unternehmen (Tabelle, scrollbar)'
          : 'Your companies (table, scrollable)',
      );
      // The table is inside the region, not after it.
      const at = body.indexOf(open!);
      expect(body.indexOf('<table')).toBeGreaterThan(at);
      expect(body.lastIndexOf('</table>')).toBeLessThan(body.lastIndexOf('</div>'));
    },
  );
});

describe('an access request a company answered without data', () => {
  it.each([
    [
      'en',
      'Access: answered without naming any data',
      'The company’s words: We hold no data about you.',
    ],
    [
      'de',
      'Auskunft: beantwortet, ohne Daten zu nennen',
      'Antwort des Unternehmens: Wir speichern keine Daten zu Ihnen.',
    ],
  ] as const)('is not called refused (%s)', (locale, line, words) => {
    // Failed before: "Access: refused – The company's reason: We hold no data about you."
    // ("Auskunft: abgelehnt …"): the protocol has no "nothing held" answer, so a company that
    // holds nothing answers a refusal with its words.
    const body = html(locale, [company({ requests: [{ answer: refused() }] })]);
    expect(texts(body, 'me-data-request')).toEqual([line]);
    expect(texts(body, 'me-data-request-reason')).toEqual([words]);
    expect(body).not.toContain(t(locale, 'portal.me.request.refused', { type: '' }).trim());
  });

  it('reads a refusal as noData only for access, and only while no held data is known', () => {
    const request = (type: 'access' | 'erasure') => ({
      sha256: hash('r'),
      type,
      at: 1_765_000_100,
      deadline: 1_767_600_000_000,
      answered: true,
      overdue: false,
      answer: refused(),
    });
    // No disclosure: nothing known held.
    expect(dataRequestState(request('access'), company())).toEqual({
      state: 'noData',
      reason: nothingHeld,
    });
    // Everything the disclosure listed was erased since: nothing known held.
    const erasedAll = company({
      held: ['preferences_habits'],
      requests: [
        {
          type: 'erasure',
          answer: {
            outcome: 'erased',
            reason: null,
            erased: ['preferences_habits'],
            erasedAt: 1_765_000_050,
          },
        },
      ],
    });
    expect(holdsDisclosed(erasedAll)).toBe(false);
    expect(dataRequestState(request('access'), erasedAll).state).toBe('noData');
    // A disclosure still lists data: a refusal is a refusal.
    const holding = company({ held: ['preferences_habits'] });
    expect(holdsDisclosed(holding)).toBe(true);
    expect(dataRequestState(request('access'), holding).state).toBe('refused');
    // An erasure refused stays refused; without the item, as before.
    expect(dataRequestState(request('erasure'), company()).state).toBe('refused');
    expect(dataRequestState(request('access')).state).toBe('refused');
  });

  it('still says "refused" where the company’s disclosure lists data', () => {
    const reason = { de: 'Keine Identität nachgewiesen.', en: 'No proof of identity.' };
    const body = html('en', [
      company({ held: ['preferences_habits'], requests: [{ answer: refused(reason) }] }),
    ]);
    expect(texts(body, 'me-data-request')).toEqual(['Access: refused']);
    expect(texts(body, 'me-data-request-reason')).toEqual([
      'The company’s reason: No proof of identity.',
    ]);
  });
});

describe('the erasure note', () => {
  const erased = company({
    held: ['preferences_habits', 'contact_details'],
    requests: [
      {
        type: 'erasure',
        answer: {
          outcome: 'erased',
          reason: null,
          erased: ['preferences_habits'],
          erasedAt: Date.UTC(2026, 11, 7, 10) / 1000,
        },
      },
    ],
  });

  it.each([
    ['en', 'erased on 7 Dec 2026 (confirmed by the company)'],
    ['de', 'am 07.12.2026 gelöscht (vom Unternehmen bestätigt)'],
  ] as const)('is written (%s) in its own case, never in CSS capitals', (locale, note) => {
    // Failed before: the note had the class "badge", whose `text-transform: uppercase` showed
    // "ERASED ON 7 DEC 2026 (CONFIRMED BY THE COMPANY)".
    const body = html(locale, [erased]);
    const tag = body.match(/<strong[^>]*data-testid="me-category-erased"[^>]*>([^<]*)<\/strong>/);
    expect(tag?.[1]).toBe(note);
    const classes = tag![0].match(/class="([^"]*)"/)![1]!.split(/\s+/);
    const source = readFileSync(
      fileURLToPath(new URL('./CompanyTable.svelte', import.meta.url)),
      'utf8',
    );
    const css = compile(source, { generate: 'server', css: 'external' }).css!.code;
    // No rule of the table sets capitals, for the note's classes or any other.
    expect(css).not.toMatch(/text-transform:\s*uppercase/);
    expect(classes).not.toContain('badge');
  });
});

describe('the Assistant’s confirmation of an action started on /me', () => {
  const company = 'Funkhaus Beispiel AG';
  /** The window's two paragraphs as read one after the other (ActionConfirm.svelte). */
  const read = (locale: Locale, kind: 'access' | 'erasure' | 'revoke') =>
    `${t(locale, 'extension.action.from')} ${t(locale, `extension.action.${kind}`, { company })}`;

  it('reads as one natural, gender-neutral German sentence', () => {
    // Failed before: "… bittet Ihren Assistenten: Funkhaus Beispiel AG um Auskunft über alles
    // bitten, was es über Sie speichert" ("bittet … bitten", and "es" for a company named bare).
    expect(read('de', 'access')).toBe(
      'Die Seite „Meine Daten“ der Clearingstelle möchte, dass Ihr Assistent Folgendes tut: Das Unternehmen Funkhaus Beispiel AG um Auskunft bitten, welche Daten es über Sie speichert (Art. 15 DSGVO).',
    );
    expect(read('de', 'erasure')).toBe(
      'Die Seite „Meine Daten“ der Clearingstelle möchte, dass Ihr Assistent Folgendes tut: Das Unternehmen Funkhaus Beispiel AG auffordern, alle Daten zu löschen, die es über Sie speichert (Art. 17 DSGVO).',
    );
    // "bitten" once at most; the company always named as "das Unternehmen …", so "es" fits.
    for (const kind of ['access', 'erasure', 'revoke'] as const) {
      expect(read('de', kind).match(/bitte/gi) ?? []).toHaveLength(kind === 'access' ? 1 : 0);
      expect(read('de', kind)).toMatch(new RegExp(`(Das|dem) Unternehmen ${company}`));
    }
  });

  it('reads in English with the company named as one', () => {
    expect(read('en', 'access')).toBe(
      'The clearinghouse’s “My data” page asks your Assistant to: Ask the company Funkhaus Beispiel AG which data it holds about you (GDPR Art. 15).',
    );
    expect(read('en', 'revoke')).toContain('you gave the company Funkhaus Beispiel AG.');
  });
});

describe('a locked Assistant', () => {
  it('is recognised in the overview, its refresh and an action', () => {
    const ready = (refresh: Extract<MeView, { kind: 'ready' }>['refresh']): MeView => ({
      kind: 'ready',
      items: [],
      at: 0,
      asOf: null,
      refresh,
    });
    expect(isVaultLocked({ kind: 'error', code: 'ERR_VAULT_LOCKED' }, null)).toBe(true);
    expect(isVaultLocked(ready({ failed: 'ERR_VAULT_LOCKED' }), null)).toBe(true);
    expect(isVaultLocked(ready('fresh'), 'ERR_VAULT_LOCKED')).toBe(true);
    expect(isVaultLocked({ kind: 'error', code: 'ERR_CLEARINGHOUSE_UNREACHABLE' }, null)).toBe(
      false,
    );
    expect(isVaultLocked(ready({ failed: 'ERR_CLEARINGHOUSE_UNREACHABLE' }), null)).toBe(false);
    expect(isVaultLocked({ kind: 'idle' }, null)).toBe(false);
  });

  it.each([
    [
      'en',
      'Try again',
      [
        'Open the Assistant with its icon, “Consent Assistant”, in the browser’s toolbar. If it is not there, it is in the extensions menu (the puzzle-piece icon).',
        'Choose “Open dashboard”, enter your passphrase under “Unlock the vault” and choose “Unlock”.',
        'Come back to this page and choose “Try again”.',
      ],
    ],
    [
      'de',
      'Erneut versuchen',
      [
        'Öffnen Sie den Assistenten über sein Symbol „Einwilligungs-Assistent“ in der Symbolleiste des Browsers. Steht es dort nicht, finden Sie es im Menü der Erweiterungen (Puzzleteil-Symbol).',
        'Wählen Sie „Übersicht öffnen“, geben Sie unter „Tresor entsperren“ Ihre Passphrase ein und wählen Sie „Entsperren“.',
        'Kommen Sie zu dieser Seite zurück und wählen Sie „Erneut versuchen“.',
      ],
    ],
  ] as const)(
    'is explained (%s) step by step, in the Assistant’s own words',
    (locale, retry, steps) => {
      // Failed before: only "The vault is locked. Please unlock it with your passphrase." and
      // "Try again", with no word of where the passphrase goes (the page cannot open the prompt).
      const body = render(VaultLocked, { props: { locale, retry } }).body.replace(
        /<!--[\s\S]*?-->/g,
        '',
      );
      expect(body).toContain(`<h2 id="me-locked">${t(locale, 'portal.me.locked.title')}</h2>`);
      const items = [...body.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!.trim());
      expect(items).toEqual(steps);
    },
  );
});

describe('the button that opens the Assistant’s unlock prompt', () => {
  const shown = (locale: Locale, prompt: 'idle' | 'pending' | 'opened' | 'not-opened') =>
    render(VaultLocked, {
      props: { locale, retry: t(locale, 'portal.me.retry'), prompt, onopen: () => {} },
    }).body.replace(/<!--[\s\S]*?-->/g, '');

  it.each([
    ['en', 'Open the Assistant to unlock it'],
    ['de', 'Assistenten zum Entsperren öffnen'],
  ] as const)('is a keyboard button (%s), above the steps by hand, which stay', (locale, label) => {
    const body = shown(locale, 'idle');
    const button = body.match(/<button[^>]*data-testid="me-unlock"[^>]*>([^<]*)<\/button>/);
    expect(button?.[0]).toContain('type="button"');
    expect(button?.[0]).not.toMatch(/\sdisabled/);
    expect(button?.[1]).toBe(label);
    expect(body.indexOf('data-testid="me-unlock"')).toBeLessThan(body.indexOf('<ol>'));
    expect([...body.matchAll(/<li>/g)]).toHaveLength(3);
  });

  it.each([
    ['pending', 'portal.me.locked.opening', 'true'],
    ['opened', 'portal.me.locked.opened', 'false'],
    ['not-opened', 'portal.me.locked.notOpened', 'false'],
  ] as const)('says %s in a live region', (prompt, key, waiting) => {
    for (const locale of locales) {
      const body = shown(locale, prompt);
      const status = body.match(/<p role="status"[^>]*data-prompt="([^"]*)"[^>]*>([^<]*)<\/p>/);
      expect(status?.[1]).toBe(prompt);
      expect(status?.[2]?.trim()).toBe(t(locale, key));
      expect(body).toMatch(
        new RegExp(
          `data-testid="me-unlock"[^>]*aria-disabled="${waiting}"|aria-disabled="${waiting}"[^>]*data-testid="me-unlock"`,
        ),
      );
    }
  });

  it('is not offered where the page gives no way to press it: the steps alone', () => {
    const body = render(VaultLocked, { props: { locale: 'en', retry: 'Try again' } }).body;
    expect(body).not.toContain('me-unlock');
  });
});

describe('offers the Assistant keeps for later', () => {
  it.each([
    ['en', '3 offers: 1 delivered, 1 waiting to be delivered later, 1 hidden'],
    ['de', '3 Angebote: 1 zugestellt, 1 auf später verschoben, 1 ausgeblendet'],
  ] as const)('are said plainly (%s), not "held back"', (locale, line) => {
    // Failed before: "1 held back" ("1 zurückgehalten"), which reads as kept from the customer.
    const body = html(locale, [company()]);
    const cell = body
      .match(/<td[^>]*data-testid="me-activity"[^>]*>\s*<p[^>]*>([^<]*)<\/p>/)?.[1]
      ?.trim();
    expect(cell).toBe(line);
  });
});
