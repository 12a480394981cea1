/**
 * The offers view in a real Chromium: the rewards the Assistant rejected, each said as a sentence
 * (company, date, reason) under a tab reached by keyboard; why an offer could not be opened, as a
 * sentence and never as its code; and the breaches a sync could not keep as complaint drafts.
 * After "Show anyway" the focus goes to the offer now shown, and long unbroken text wraps.
 * "Check now" keeps the focus while it checks; "Not this brand" says what it put on the
 * blacklist; each empty tab says what it would list.
 */
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { localeTags, t, type Locale, type MessageKey } from '../../../protocol/i18n';
import { manualComplaintReasons } from '../../core/complaints';
import type { Response } from '../../messages';
import { hostComponents } from '../component-host.fixture';
import { dateFormat } from '../date-format';
import OffersView from './OffersView.svelte';

type Listing = Extract<Response, { type: 'offers' }>;

const company = `co_${'A'.repeat(43)}`;
const at = Date.UTC(2026, 10, 3, 12) / 1000;

function listing(changes: Partial<Listing> = {}): Listing {
  return {
    type: 'offers',
    items: [],
    drafts: [],
    autoSubmit: false,
    suggestions: [],
    pauses: [],
    offline: false,
    draftsNotKept: 0,
    rejectedRewards: [],
    now: at * 1000,
    ...changes,
  };
}

const host = hostComponents();
const { byTestId } = host;

/** Every request the view sent the background in the current test. */
let sent: { type: string }[] = [];

/**
 * Mounts the view over a background that answers each list with `list`, each sync with `synced()`,
 * "Show anyway" with `shown()` and a complaint of the customer's own with `complained()`.
 */
async function view(
  locale: Locale,
  list: Listing,
  synced: () => Listing = () => list,
  shown: () => Listing = () => list,
  complained: () => Listing = () => list,
) {
  let syncs = 0;
  sent = [];
  const send = (async (request: { type: string }) => {
    sent.push(request);
    if (request.type === 'offers.complain') return complained();
    if (request.type === 'relationships.list')
      return {
        type: 'relationships',
        items: [{ company: { id: company, legalName: 'Laufhaus GmbH' } }],
        damaged: [],
        now: 0,
      };
    if (request.type === 'offers.show') return shown();
    // A copy each time, as the background's answers are: a change to `list` is shown when read.
    if (request.type !== 'offers.sync') return { ...list };
    syncs++;
    return synced();
  }) as never;
  host.mount(OffersView, { locale, send });
  // The view syncs once it has listed: wait until the sync's answer is shown.
  await expect.poll(() => syncs > 0 && checked()).toBe(true);
}

/** "Check now" waits for no check under way. */
function checked(): boolean {
  const button = byTestId('offers-sync');
  return (
    button !== null &&
    button.getAttribute('aria-disabled') !== 'true' &&
    !button.hasAttribute('disabled')
  );
}

it.each(['de', 'en'] as const)(
  'says in %s which company sent each rejected reward, when, and why, under a tab reached by keyboard',
  async (locale) => {
    const rejected = [
      { id: 'B'.repeat(43), company, error: 'ERR_GRANT_UNKNOWN', at: at + 60 },
      { id: 'C'.repeat(43), company, error: 'ERR_MESSAGE_ISSUER_MISMATCH', at },
    ];
    await view(locale, listing({ rejectedRewards: rejected }));
    const tab = byTestId('offers-tab-rejected')!;
    expect(tab.textContent).toBe(t(locale, 'extension.offers.tab.rejected', { count: 2 }));
    byTestId('offers-tab-complaints')!.focus();
    await userEvent.tab();
    expect(document.activeElement).toBe(tab);
    await userEvent.keyboard('{Enter}');
    await tick();
    expect(tab.getAttribute('aria-pressed')).toBe('true');
    // The project's tags: British English, day first and a 24-hour clock (not Intl's US 'en').
    const date = new Intl.DateTimeFormat(localeTags[locale], {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    const shown = [...host.target.querySelectorAll('[data-testid="rejected-reward"]')];
    expect(shown.map((li) => li.textContent!.trim())).toEqual(
      rejected.map((r) =>
        t(locale, 'extension.offers.rejected.item', {
          company: 'Laufhaus GmbH',
          date: date.format(new Date(r.at * 1000)),
          reason: t(locale, `errors.${r.error as 'ERR_GRANT_UNKNOWN'}`),
        }),
      ),
    );
    // Not an offer: the offers' lists are not shown under this tab.
    expect(byTestId('offer')).toBeNull();
  },
);

it('gives a rejected reward with a code this version does not know a sentence for a reason, never the code', async () => {
  const rejected = { id: 'B'.repeat(43), company, error: 'ERR_NEWER', at };
  await view('en', listing({ rejectedRewards: [rejected] }));
  await userEvent.click(byTestId('offers-tab-rejected')!);
  const shown = byTestId('rejected-reward')!.textContent!;
  expect(shown).toContain(`Reason: ${t('en', 'extension.error.unknownCode')}`);
  expect(shown).not.toContain('ERR_NEWER');
});

/** An offer the Assistant could not open, as the listing shows it (under "Hidden"). */
function unreadable(error: string | undefined): Listing['items'][number] {
  return {
    offer: {
      id: 'D'.repeat(43),
      company,
      state: 'invalid',
      content: null,
      offer: null,
      shownAnyway: false,
      ...(error === undefined ? {} : { error }),
    },
    title: '',
    sentences: [],
    badge: null,
  } as never;
}

it.each([
  { locale: 'de', code: 'ERR_SEAL_OPEN_FAILED', key: 'errors.ERR_SEAL_OPEN_FAILED' },
  { locale: 'en', code: 'ERR_SEAL_OPEN_FAILED', key: 'errors.ERR_SEAL_OPEN_FAILED' },
  { locale: 'en', code: 'ERR_NEWER', key: 'extension.error.unknownCode' },
  { locale: 'de', code: undefined, key: 'extension.error.unknownCode' },
] as const)(
  'says in $locale why an offer could not be opened ($code) as a sentence, never the code',
  async ({ locale, code, key }) => {
    await view(locale, listing({ items: [unreadable(code)] }));
    await userEvent.click(byTestId('offers-tab-hidden')!);
    const said = byTestId('offer-unreadable')!.textContent!.trim();
    expect(said).toBe(t(locale, 'extension.offers.unreadable', { reason: t(locale, key) }));
    expect(said).not.toMatch(/ERR_|\{/);
  },
);

it('says so when the rejected rewards cannot be read, and shows the rest of the view', async () => {
  await view('en', listing({ rejectedRewards: null }));
  await userEvent.click(byTestId('offers-tab-rejected')!);
  expect(byTestId('rejected-unreadable')!.textContent!.trim()).toBe(
    t('en', 'errors.ERR_VAULT_RECORD_DAMAGED'),
  );
  expect(byTestId('offers-tab-rejected')!.textContent).toBe(
    t('en', 'extension.offers.tab.rejected', { count: 0 }),
  );
});

it.each(['de', 'en'] as const)(
  'says in %s after a sync how many breaches it could not keep as complaint drafts, and nothing once all are kept',
  async (locale) => {
    let notKept = 3;
    await view(locale, listing(), () => listing({ draftsNotKept: notKept }));
    const note = byTestId('offers-drafts-not-kept')!;
    expect(note.getAttribute('role')).toBe('status');
    expect(note.textContent!.trim()).toBe(
      t(locale, 'extension.offers.draftsNotKept', { count: 3 }),
    );
    notKept = 0;
    await userEvent.click(byTestId('offers-sync')!);
    await expect.poll(() => byTestId('offers-drafts-not-kept')).toBeNull();
  },
);

it.each([
  ['en', 'Pause for 1 day', 'Pause for 30 days'],
  ['de', '1 Tag pausieren', '30 Tage pausieren'],
] as const)(
  'names the pause a suggestion offers in %s, one day in the singular, and no number while the days typed are not one',
  async (locale, one, many) => {
    const suggestion = { company, action: 'cool_down' as const, negatives: 5, of: 5, days: 1 };
    await view(locale, listing({ suggestions: [suggestion] }));
    const pause = () => byTestId('suggestion-pause')!.textContent!.trim();
    expect(pause()).toBe(one);
    await userEvent.fill(byTestId('suggestion-days')!, '30');
    await expect.poll(pause).toBe(many);
    await userEvent.fill(byTestId('suggestion-days')!, '0');
    await expect.poll(pause).toBe(t(locale, 'extension.offers.suggestion.pauseInvalid'));
    expect(byTestId('suggestion-pause')!.hasAttribute('disabled')).toBe(true);
  },
);

/** A delivered offer of `brand`, from this test's company, as the listing shows it. */
function delivered(brand: string, brandRegistered: boolean | undefined): Listing['items'][number] {
  return {
    offer: {
      id: 'E'.repeat(43),
      company,
      state: 'delivered',
      content: {
        brand,
        category: 'sports/running',
        title: 'Der neue Trailschuh',
        body: 'Jetzt da.',
        validUntil: at + 86_400,
        advertisement: true,
        unsubscribe: 'https://laufhaus.example/abmelden',
        ...(brandRegistered === undefined ? {} : { brandRegistered }),
      },
      offer: null,
      shownAnyway: false,
    },
    title: '',
    sentences: [],
    badge: null,
  } as never;
}

it.each(['de', 'en'] as const)(
  'names in %s the company that signed an offer beside its brand, and a brand it never registered',
  async (locale) => {
    await view(locale, listing({ items: [delivered('Funkhaus', false)] }));
    // Failed before: "from Funkhaus" only, though Laufhaus GmbH signed it.
    expect(byTestId('offer-sender')!.textContent!.trim()).toBe(
      t(locale, 'extension.offers.brandBy', { brand: 'Funkhaus', company: 'Laufhaus GmbH' }),
    );
    expect(byTestId('offer-brand-unregistered')!.textContent!.trim()).toBe(
      t(locale, 'extension.offers.brandUnregistered'),
    );
  },
);

it('says nothing about the brand of an offer of a registered brand, or one kept before the check', async () => {
  for (const registered of [true, undefined]) {
    await view('en', listing({ items: [delivered('Laufhaus', registered)] }));
    expect(byTestId('offer-sender')!.textContent!.trim()).toBe(
      'from Laufhaus, sent by Laufhaus GmbH',
    );
    expect(byTestId('offer-brand-unregistered')).toBeNull();
    await host.unmount();
  }
});

/** `item` hidden by the filter, or shown anyway after all. */
function hidden(item: Listing['items'][number], shownAnyway: boolean): Listing['items'][number] {
  return { ...item, offer: { ...item.offer, state: 'hidden', shownAnyway } } as never;
}

it.each(['de', 'en'] as const)(
  'in %s puts the focus on the offer’s title after "Show anyway", whose button is gone',
  async (locale) => {
    const offer = delivered('Laufhaus', true);
    await view(locale, listing({ items: [hidden(offer, false)] }), undefined, () =>
      listing({ items: [hidden(offer, true)] }),
    );
    await userEvent.click(byTestId('offers-tab-hidden')!);
    const button = byTestId('offer-show')!;
    expect(button.textContent!.trim()).toBe(t(locale, 'extension.offers.showAnyway'));
    button.focus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => byTestId('offer-show')).toBeNull();
    // Failed before: the focus fell to the page's body with the button.
    await expect.poll(() => document.activeElement).toBe(byTestId('offer-title'));
    expect(byTestId('offer-title')!.textContent).toBe('Der neue Trailschuh');
  },
);

it('wraps an offer’s title, body and company name with no space to break at within 360 px', async () => {
  const long = 'W'.repeat(200);
  const offer = delivered(long, false) as { offer: { content: Record<string, unknown> } };
  offer.offer.content.title = long;
  offer.offer.content.body = long;
  host.target.style.width = '360px';
  await view('de', listing({ items: [offer as never] }));
  expect(byTestId('offer-title')!.textContent).toBe(long);
  // Failed before: the page grew to fit the longest of them.
  expect(host.target.scrollWidth).toBeLessThanOrEqual(360);
});

describe('a complaint of the customer’s own about an offer', () => {
  const offer = delivered('Laufhaus', true);
  const id = 'E'.repeat(43);
  /** The listing once the complaint about `offer` is submitted. */
  const submitted = () =>
    listing({
      items: [offer],
      drafts: [
        {
          id,
          company,
          pseudonym: 'p'.repeat(46),
          reasons: ['undisclosed_data'],
          evidence: [{ kind: 'offer-content', jws: 'a.b.c' }],
          createdAt: at,
          state: 'submitted',
          sha256: 'F'.repeat(43),
        },
      ],
    });
  const complaints = () => sent.filter((r) => r.type === 'offers.complain');

  it.each(['de', 'en'] as const)(
    'in %s opens a form from the offer’s button, named with its company, and sends the reason and comment chosen',
    async (locale) => {
      await view(locale, listing({ items: [offer] }), undefined, undefined, submitted);
      const button = byTestId('offer-complain')!;
      expect(button.textContent!.trim()).toBe(t(locale, 'extension.offers.complain'));
      expect(button.getAttribute('aria-label')).toBe(
        t(locale, 'extension.offers.complain.label', { company: 'Laufhaus GmbH' }),
      );
      button.focus();
      await userEvent.keyboard('{Enter}');
      const reason = byTestId('complain-reason') as HTMLSelectElement;
      // The focus goes to the form's first field.
      await expect.poll(() => document.activeElement).toBe(reason);
      expect([...reason.options].map((o) => [o.value, o.textContent!.trim()])).toEqual(
        manualComplaintReasons.map((r) => [
          r,
          t(locale, `extension.offers.complaint.reason.${r}` as MessageKey),
        ]),
      );
      expect(byTestId('complain-form')!.textContent).toContain(
        t(locale, 'extension.offers.complain.limit', {
          max: locale === 'de' ? '2.000' : '2,000',
        }),
      );
      await userEvent.selectOptions(reason, 'undisclosed_data');
      await userEvent.fill(byTestId('complain-comment')!, ' Woher kennt ihr meine Schuhgröße? ');
      await userEvent.click(byTestId('complain-send')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      expect(complaints()).toEqual([
        {
          type: 'offers.complain',
          id,
          reason: 'undisclosed_data',
          comment: 'Woher kennt ihr meine Schuhgröße?',
        },
      ]);
      const notice = byTestId('offers-notice')!;
      expect(notice.getAttribute('role')).toBe('status');
      expect(notice.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complain.done', { company: 'Laufhaus GmbH' }),
      );
      // The button gives way to a note, where the focus goes; the complaint is listed.
      expect(byTestId('offer-complain')).toBeNull();
      await expect.poll(() => document.activeElement).toBe(byTestId('offer-complained'));
      await userEvent.click(byTestId('offers-tab-complaints')!);
      expect(byTestId('complaint')!.textContent).toContain(
        t(locale, 'extension.offers.complaint.reason.undisclosed_data'),
      );
      expect(byTestId('complaint-submitted')).not.toBeNull();
    },
  );

  it.each(['de', 'en'] as const)(
    'in %s closes the form with Escape or Cancel, sends nothing, and puts the focus back on its button',
    async (locale) => {
      await view(locale, listing({ items: [offer] }));
      const button = byTestId('offer-complain')!;
      button.focus();
      await userEvent.keyboard('{Enter}');
      await expect.poll(() => document.activeElement).toBe(byTestId('complain-reason'));
      expect(button.getAttribute('aria-expanded')).toBe('true');
      await userEvent.type(byTestId('complain-comment')!, 'Doch nicht.');
      await userEvent.keyboard('{Escape}');
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      expect(document.activeElement).toBe(button);
      expect(button.getAttribute('aria-expanded')).toBe('false');
      await userEvent.keyboard('{Enter}');
      await expect
        .poll(() => byTestId('complain-cancel')?.textContent?.trim())
        .toBe(t(locale, 'extension.offers.complain.cancel'));
      // Opened again: empty, not the text typed before.
      expect((byTestId('complain-comment') as HTMLTextAreaElement).value).toBe('');
      await userEvent.click(byTestId('complain-cancel')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      expect(document.activeElement).toBe(button);
      expect(complaints()).toEqual([]);
    },
  );

  it('asks for a comment for "other", naming the field, and sends nothing until there is one', async () => {
    await view('en', listing({ items: [offer] }), undefined, undefined, submitted);
    await userEvent.click(byTestId('offer-complain')!);
    await userEvent.selectOptions(byTestId('complain-reason')!, 'other');
    const comment = byTestId('complain-comment')!;
    await userEvent.fill(comment, '   ');
    await userEvent.click(byTestId('complain-send')!);
    const said = byTestId('complain-comment-error')!;
    expect(said.textContent!.trim()).toBe(
      t('en', 'extension.input.missing', {
        field: t('en', 'extension.offers.complain.commentRequired'),
      }),
    );
    expect(comment.getAttribute('aria-invalid')).toBe('true');
    expect(comment.getAttribute('aria-describedby')).toContain('complain-comment-error');
    await expect.poll(() => document.activeElement).toBe(comment);
    expect(complaints()).toEqual([]);
    await userEvent.fill(comment, 'No imprint at all.');
    await userEvent.click(byTestId('complain-send')!);
    await expect.poll(() => byTestId('complain-form')).toBeNull();
    expect(complaints()).toEqual([
      { type: 'offers.complain', id, reason: 'other', comment: 'No imprint at all.' },
    ]);
  });

  it.each(['de', 'en'] as const)(
    'in %s says as a sentence that the offer was complained about already, and keeps the form',
    async (locale) => {
      await view(locale, listing({ items: [offer] }), undefined, undefined, () => {
        throw new ProtocolError('ERR_COMPLAINT_DUPLICATE', 'refused');
      });
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      await expect
        .poll(() => byTestId('complain-error')?.textContent?.trim())
        .toBe(t(locale, 'extension.offers.complain.duplicate'));
      expect(byTestId('complain-error')!.getAttribute('role')).toBe('alert');
      expect(complaints()).toEqual([{ type: 'offers.complain', id, reason: 'misleading' }]);
    },
  );

  it('says a complaint the clearinghouse did not answer is under way, and closes the form', async () => {
    const list = listing({ items: [offer] });
    await view('en', list, undefined, undefined, () => {
      // Signed and stored before it was sent: the listing read again shows it under way.
      const { drafts } = submitted();
      Object.assign(list, {
        drafts: drafts.map(({ sha256: _sha256, ...d }) => ({
          ...d,
          state: 'draft',
          exp: at + 300,
          error: 'ERR_CLEARINGHOUSE_UNREACHABLE',
        })),
      });
      throw new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'no answer');
    });
    await userEvent.click(byTestId('offer-complain')!);
    await userEvent.click(byTestId('complain-send')!);
    await expect.poll(() => byTestId('complain-form')).toBeNull();
    // Said before: "Submitted; the clearinghouse has not answered yet", of one not reached.
    expect(byTestId('offers-notice')!.textContent!.trim()).toBe(
      t('en', 'extension.offers.complaint.unreachable'),
    );
    await expect.poll(() => document.activeElement).toBe(byTestId('offer-complained'));
    await userEvent.click(byTestId('offers-tab-complaints')!);
    expect(byTestId('complaint-pending')!.textContent!.trim()).toBe(
      t('en', 'extension.offers.complaint.unreachable'),
    );
  });

  /** The listing `list` once the complaint about `offer` is stored under way, keeping `code`. */
  const underWay = (list: Listing, code: string) =>
    Object.assign(list, {
      drafts: submitted().drafts.map(({ sha256: _sha256, ...d }) => ({
        ...d,
        state: 'draft',
        exp: at + 300,
        error: code,
      })),
    });

  it.each([
    ['en', 'ERR_RATE_LIMITED'],
    ['de', 'ERR_RATE_LIMITED'],
    ['en', 'ERR_STORAGE_UNAVAILABLE'],
  ] as const)(
    'says in %s that the clearinghouse answered %s (busy: it did answer), and closes the form',
    async (locale, code) => {
      const list = listing({ items: [offer] });
      await view(locale, list, undefined, undefined, () => {
        underWay(list, code);
        throw new ProtocolError(code, 'later');
      });
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      // Failed before: "the clearinghouse has not answered yet", for an answer it gave.
      expect(byTestId('offers-notice')!.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complain.busy'),
      );
      await expect.poll(() => document.activeElement).toBe(byTestId('offer-complained'));
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that a gateway’s 503 without a wait is the clearinghouse busy (an answer), not unanswered',
    async (locale) => {
      const list = listing({ items: [offer] });
      await view(locale, list, undefined, undefined, () => {
        // The outbox kept the code it maps an unknown answer to, and the answer's status.
        underWay(list, 'ERR_CLEARINGHOUSE_UNREACHABLE');
        Object.assign(list, { drafts: [{ ...list.drafts[0]!, answerStatus: 503 }] });
        throw new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'Service Unavailable');
      });
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      // Failed before: "the clearinghouse has not answered yet", for the gateway's answer.
      expect(byTestId('offers-notice')!.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complain.busy'),
      );
    },
  );

  it.each([
    [
      'en',
      'The clearinghouse answered but did not take your complaint for now: it is busy and asks to wait about 2 minutes. Your complaint is signed and kept (see “Complaints”); the Assistant sends it again with the first check after that.',
    ],
    [
      'de',
      'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat Ihre Beschwerde vorerst nicht angenommen und bittet, etwa 2 Minuten zu warten. Ihre Beschwerde ist signiert und gespeichert (siehe „Beschwerden“); der Assistent sendet sie beim ersten Abruf danach erneut.',
    ],
  ] as const)(
    'says in %s how long a busy clearinghouse asked to wait before the complaint goes again',
    async (locale, said) => {
      const list = listing({ items: [offer] });
      await view(locale, list, undefined, undefined, () => {
        underWay(list, 'ERR_RATE_LIMITED');
        // The outbox kept the Retry-After (90 s) as the time it may be sent again.
        Object.assign(list, { drafts: [{ ...list.drafts[0]!, retryAt: at + 90 }] });
        throw new ProtocolError('ERR_RATE_LIMITED', 'later', { retryAfter: 90 });
      });
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      // Failed before: "… it is busy or has a fault … sends it again with the next check".
      expect(byTestId('offers-notice')!.textContent!.trim()).toBe(said);
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that the complaint was submitted when only the listing after it failed',
    async (locale) => {
      const list = listing({ items: [offer] });
      await view(locale, list, undefined, undefined, () => {
        // The clearinghouse took it; the listing the background read after it failed.
        Object.assign(list, { drafts: submitted().drafts });
        throw new ProtocolError('ERR_VAULT_STORAGE_FAILED', 'the listing');
      });
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      await expect.poll(() => byTestId('complain-form')).toBeNull();
      // Failed before: "the clearinghouse has not answered yet … sends the same complaint again".
      expect(byTestId('offers-notice')!.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complain.done', { company: 'Laufhaus GmbH' }),
      );
      await expect.poll(() => document.activeElement).toBe(byTestId('offer-complained'));
    },
  );

  it.each(['de', 'en'] as const)(
    'says in %s that it could not read whether the complaint went when the offers cannot be read again, and keeps the form',
    async (locale) => {
      let complainedOnce = false;
      const list = listing({ items: [offer] });
      const send = (async (request: { type: string }) => {
        sent.push(request);
        if (request.type === 'offers.complain') {
          complainedOnce = true;
          throw new ProtocolError('ERR_VAULT_LOCKED', 'locked meanwhile');
        }
        if (request.type === 'relationships.list')
          return { type: 'relationships', items: [], damaged: [], now: 0 };
        if (complainedOnce) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked meanwhile');
        return { ...list };
      }) as never;
      sent = [];
      host.mount(OffersView, { locale, send });
      await expect.poll(() => checked() && byTestId('offer-complain')).toBeTruthy();
      await userEvent.click(byTestId('offer-complain')!);
      await userEvent.click(byTestId('complain-send')!);
      // Failed before: the vault's sentence alone, as if the complaint had surely not gone.
      await expect
        .poll(() => byTestId('complain-error')?.textContent?.trim())
        .toBe(t(locale, 'extension.offers.complain.unconfirmed'));
      expect(byTestId('complain-form')).not.toBeNull();
      expect(complaints()).toHaveLength(1);
    },
  );

  it('offers the button on a hidden offer only once it is shown anyway', async () => {
    await view('en', listing({ items: [hidden(offer, false)] }));
    await userEvent.click(byTestId('offers-tab-hidden')!);
    expect(byTestId('offer-complain')).toBeNull();
    await host.unmount();
    await view('en', listing({ items: [hidden(offer, true)] }));
    await userEvent.click(byTestId('offers-tab-hidden')!);
    expect(byTestId('offer-complain')).not.toBeNull();
  });
});

describe('the date of a submitted complaint under “Complaints”', () => {
  /** A complaint written at `at` and taken by the clearinghouse at `submittedAt`, if kept. */
  const submittedDraft = (submittedAt?: number) =>
    listing({
      drafts: [
        {
          id: 'E'.repeat(43),
          company,
          pseudonym: 'p'.repeat(46),
          reasons: ['misleading'],
          evidence: [{ kind: 'offer-content', jws: 'a.b.c' }],
          createdAt: at,
          state: 'submitted',
          sha256: 'F'.repeat(43),
          ...(submittedAt === undefined ? {} : { submittedAt }),
        },
      ],
    });
  const dated = (locale: Locale, seconds: number) =>
    dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(seconds * 1000);
  const taken = at + 2 * 86_400 + 300;

  it.each([
    ['en', (date: string) => `Submitted on ${date} (reference FFFFFFFFFFFF).`],
    ['de', (date: string) => `Eingereicht am ${date} (Beleg-Nr. FFFFFFFFFFFF).`],
  ] as const)('says in %s when it was submitted, where that is kept', async (locale, said) => {
    await view(locale, submittedDraft(taken));
    await userEvent.click(byTestId('offers-tab-complaints')!);
    // Failed before: "Submitted (reference …)", no date.
    expect(byTestId('complaint-submitted')!.textContent!.trim()).toBe(said(dated(locale, taken)));
  });

  it.each([
    ['en', (date: string) => `Submitted (reference FFFFFFFFFFFF; first written on ${date}).`],
    ['de', (date: string) => `Eingereicht (Beleg-Nr. FFFFFFFFFFFF; zuerst verfasst am ${date}).`],
  ] as const)(
    'says in %s when one submitted before that was kept was first written, not that it was submitted then',
    async (locale, said) => {
      await view(locale, submittedDraft());
      await userEvent.click(byTestId('offers-tab-complaints')!);
      // Failed before: "Submitted (reference …)", no date.
      expect(byTestId('complaint-submitted')!.textContent!.trim()).toBe(said(dated(locale, at)));
    },
  );
});

describe('the count of the “Complaints” tab', () => {
  const draft = (id: string, state: 'draft' | 'submitted' | 'discarded') => ({
    id: id.repeat(43),
    company,
    pseudonym: 'p'.repeat(46),
    reasons: ['misleading' as const],
    evidence: [{ kind: 'offer-content' as const, jws: 'a.b.c' }],
    createdAt: at,
    state,
    ...(state === 'submitted' ? { sha256: 'F'.repeat(43) } : {}),
  });

  it.each(['en', 'de'] as const)(
    'counts in %s every complaint the tab lists, submitted ones too, and no discarded one',
    async (locale) => {
      await view(
        locale,
        listing({
          drafts: [draft('E', 'submitted'), draft('G', 'draft'), draft('H', 'discarded')],
        } as Partial<Listing>),
      );
      const tab = byTestId('offers-tab-complaints')!;
      // Failed before: "(1)", the drafts alone, beside a list of two.
      expect(tab.textContent).toBe(t(locale, 'extension.offers.tab.complaints', { count: 2 }));
      await userEvent.click(tab);
      expect(host.target.querySelectorAll('[data-testid="complaint"]')).toHaveLength(2);
    },
  );

  it('says “(1)” of one submitted complaint, not “(0)”', async () => {
    await view('en', listing({ drafts: [draft('E', 'submitted')] } as Partial<Listing>));
    expect(byTestId('offers-tab-complaints')!.textContent).toBe('Complaints (1)');
  });
});

it.each([
  ['de', 'Auf später verschoben (1)'],
  ['en', 'Waiting for later (1)'],
] as const)(
  'names the tab of offers kept for later in %s as /me names them: "%s"',
  async (locale, label) => {
    const held = unreadable(undefined);
    await view(locale, listing({ items: [{ ...held, offer: { ...held.offer, state: 'held' } }] }));
    // Failed before: "Zurückgehalten" / "Held", which read as kept from the customer.
    expect(byTestId('offers-tab-held')!.textContent).toBe(label);
  },
);

describe('complaints a recovery from the phrase does not bring back', () => {
  it.each(['en', 'de'] as const)(
    'says in %s under “Complaints” that earlier ones come back only from a backup, and where they are listed',
    async (locale) => {
      await view(locale, listing());
      await userEvent.click(byTestId('offers-tab-complaints')!);
      // Failed before: "No complaints." alone, while the clearinghouse's page listed one.
      expect(byTestId('offers-complaints-elsewhere')!.textContent!.trim()).toBe(
        t(locale, 'extension.offers.complaint.notRecovered'),
      );
      expect(byTestId('offers-empty')).not.toBeNull();
    },
  );
});

describe('the note of a complaint under way under “Complaints”', () => {
  /** A complaint under way, with what the outbox kept of its last attempt. */
  const pending = (kept: { error?: string; retryAt?: number; answerStatus?: number }) =>
    listing({
      drafts: [
        {
          id: 'E'.repeat(43),
          company,
          pseudonym: 'p'.repeat(46),
          reasons: ['misleading'],
          evidence: [{ kind: 'offer-content', jws: 'a.b.c' }],
          createdAt: at,
          state: 'draft',
          exp: at + 300,
          ...kept,
        },
      ],
    });
  /** The complaint's note, and the failure said beside it, in `locale` (mounted anew). */
  const shown = async (locale: Locale, list: Listing) => {
    await host.unmount();
    await view(locale, list);
    await userEvent.click(byTestId('offers-tab-complaints')!);
    return {
      note: byTestId('complaint-pending')!.textContent!.trim(),
      failed: byTestId('complaint-failed')?.textContent?.trim(),
    };
  };

  it.each([
    [
      'en',
      150,
      'The clearinghouse answered but did not take the complaint for now: it is busy and asks to wait about 3 minutes. The Assistant sends the same complaint again with the first check after that.',
    ],
    [
      'de',
      150,
      'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat die Beschwerde vorerst nicht angenommen und bittet, etwa 3 Minuten zu warten. Der Assistent sendet dieselbe Beschwerde beim ersten Abruf danach erneut.',
    ],
    [
      'en',
      45,
      'The clearinghouse answered but did not take the complaint for now: it is busy and asks to wait about 1 minute. The Assistant sends the same complaint again with the first check after that.',
    ],
    [
      'de',
      45,
      'Die Clearingstelle hat geantwortet: Sie ist ausgelastet, hat die Beschwerde vorerst nicht angenommen und bittet, etwa 1 Minute zu warten. Der Assistent sendet dieselbe Beschwerde beim ersten Abruf danach erneut.',
    ],
  ] as const)(
    'says in %s how long a busy clearinghouse asked to wait (%i s left at the listing’s time)',
    async (locale, seconds, said) => {
      // The listing's clock is `at`; the wait the answer named ends `seconds` after it.
      const { note, failed } = await shown(
        locale,
        pending({ error: 'ERR_RATE_LIMITED', answerStatus: 429, retryAt: at + seconds }),
      );
      // Failed before: "Submitted; the clearinghouse has not answered yet … with the next check".
      expect(note).toBe(said);
      expect(failed).toBeUndefined();
    },
  );

  it.each([
    ['a 429 that named no wait', { error: 'ERR_RATE_LIMITED', answerStatus: 429 }],
    ['a wait that is over', { error: 'ERR_RATE_LIMITED', answerStatus: 429, retryAt: at }],
    [
      'a gateway’s 503 (a code this version does not know)',
      { error: 'ERR_CLEARINGHOUSE_UNREACHABLE', answerStatus: 503 },
    ],
    ['the clearinghouse’s own 503', { error: 'ERR_STORAGE_UNAVAILABLE', answerStatus: 503 }],
  ] as const)(
    'says the clearinghouse is busy for %s, not that it was not reached',
    async (_, kept) => {
      for (const locale of ['de', 'en'] as const) {
        const { note, failed } = await shown(locale, pending(kept));
        // Failed before: "Submitted; the clearinghouse has not answered yet", beside "Not
        // submitted: The clearinghouse cannot be reached" for the gateway's answer.
        expect(note).toBe(t(locale, 'extension.offers.complaint.busy'));
        expect(failed).toBeUndefined();
      }
    },
  );

  it.each([
    [
      'en',
      'The clearinghouse could not be reached. The complaint is signed and kept; the Assistant sends the same complaint again with the next check.',
    ],
    [
      'de',
      'Die Clearingstelle war nicht erreichbar. Die Beschwerde ist signiert und gespeichert; der Assistent sendet dieselbe Beschwerde beim nächsten Abruf erneut.',
    ],
  ] as const)(
    'says in %s that a complaint that got no answer was not reached, as a complaint kept before the answer’s status was',
    async (locale, said) => {
      const { note, failed } = await shown(
        locale,
        pending({ error: 'ERR_CLEARINGHOUSE_UNREACHABLE' }),
      );
      // Said before: "Submitted; the clearinghouse has not answered yet" beside "Not submitted:
      // The clearinghouse cannot be reached".
      expect(note).toBe(said);
      expect(failed).toBeUndefined();
    },
  );

  it('says a complaint a gateway answered 502 or 504 for was not reached', async () => {
    for (const answerStatus of [502, 504]) {
      const { note, failed } = await shown(
        'en',
        pending({ error: 'ERR_CLEARINGHOUSE_UNREACHABLE', answerStatus }),
      );
      expect(note, String(answerStatus)).toBe(t('en', 'extension.offers.complaint.unreachable'));
      expect(failed).toBeUndefined();
    }
  });

  it('says a complaint under way with nothing kept of an answer is not answered yet', async () => {
    const { note, failed } = await shown('en', pending({}));
    expect(note).toBe(t('en', 'extension.offers.complaint.pending'));
    expect(failed).toBeUndefined();
  });
});

it.each(['de', 'en'] as const)(
  'lists a complaint about a disclosure under “Complaints” in %s, saying what it is about',
  async (locale) => {
    const disclosure = 'D'.repeat(43);
    await view(
      locale,
      listing({
        drafts: [
          {
            id: disclosure,
            about: 'disclosure',
            company,
            pseudonym: 'p'.repeat(46),
            reasons: ['not_covered'],
            evidence: [{ kind: 'disclosure', jws: 'a.b.c' }],
            createdAt: at,
            state: 'submitted',
            sha256: 'F'.repeat(43),
          },
        ],
      }),
    );
    await userEvent.click(byTestId('offers-tab-complaints')!);
    const shown = host.target.querySelector<HTMLElement>(
      `[data-testid="complaint"][data-id="${disclosure}"]`,
    )!;
    expect(shown.dataset.state).toBe('submitted');
    expect(
      shown.querySelector('[data-testid="complaint-about-disclosure"]')!.textContent!.trim(),
    ).toBe(t(locale, 'extension.offers.complaint.aboutDisclosure'));
    expect(shown.querySelector('[data-testid="complaint-submitted"]')).not.toBeNull();
  },
);

it.each(['de', 'en'] as const)(
  '"Check now" keeps the focus in %s while it checks, and a second press sends nothing',
  async (locale) => {
    let release!: () => void;
    let held: Promise<void> = Promise.resolve();
    await view(locale, listing(), (async () => {
      await held;
      return listing();
    }) as never);
    held = new Promise<void>((resolve) => (release = resolve));
    const button = byTestId('offers-sync')!;
    button.focus();
    await userEvent.keyboard('{Enter}');
    await expect.poll(() => button.textContent).toBe(t(locale, 'extension.offers.syncing'));
    // Failed before: `disabled` dropped the focus to the page's body.
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-disabled')).toBe('true');
    await userEvent.keyboard('{Enter}');
    expect(sent.filter((r) => r.type === 'offers.sync')).toHaveLength(2);
    release();
    await expect.poll(() => button.getAttribute('aria-disabled')).toBe('false');
    expect(button.textContent).toBe(t(locale, 'extension.offers.sync'));
    expect(document.activeElement).toBe(button);
  },
);

it.each(['de', 'en'] as const)(
  'says in %s that "Not this brand" put the brand on the blacklist for its company, and where to undo it',
  async (locale) => {
    const offer = delivered('Laufhaus', true) as { offer: Record<string, unknown> };
    offer.offer.offer = { inner: { purpose: 'newsletter' } };
    await view(locale, listing({ items: [offer as never] }));
    await userEvent.click(byTestId('offer-feedback-blocked')!);
    // Failed before: the blacklist grew and nothing said so.
    await expect
      .poll(() => byTestId('offers-notice')?.textContent)
      .toBe(
        t(locale, 'extension.offers.blocked.done', {
          brand: 'Laufhaus',
          company: 'Laufhaus GmbH',
        }),
      );
    expect(byTestId('offers-notice')!.getAttribute('role')).toBe('status');
    expect(sent).toContainEqual({
      type: 'offers.feedback',
      id: 'E'.repeat(43),
      feedback: 'blocked',
    });
    // Another answer says nothing of the blacklist.
    await userEvent.click(byTestId('offer-feedback-liked')!);
    await expect.poll(() => byTestId('offers-notice')).toBeNull();
  },
);

it.each(['de', 'en'] as const)(
  'says in %s under each empty tab what it would list, a sentence of its own',
  async (locale) => {
    await view(locale, listing());
    const said: string[] = [];
    for (const tab of ['delivered', 'held', 'hidden', 'complaints', 'rejected'] as const) {
      await userEvent.click(byTestId(`offers-tab-${tab}`)!);
      // Failed before: "Nothing here." under every tab.
      await expect
        .poll(() => byTestId('offers-empty')?.textContent)
        .toBe(t(locale, `extension.offers.empty.${tab}`));
      said.push(byTestId('offers-empty')!.textContent!);
    }
    expect(new Set(said).size).toBe(5);
  },
);
