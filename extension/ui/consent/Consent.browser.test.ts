/**
 * The consent window in a real Chromium. When the customer's own checks decline a page's request
 * (blacklist, "ask me again after") it says why in the customer's language, and closing it is the
 * only answer the page gets ("cancelled", extension/service.ts `declinedQuietly`). An open
 * request can be left for later by keyboard ("Decide later", Escape): the same "cancelled".
 */
import { describe, expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import type { ActiveGrant, GrantLeft } from '../../messages';
import { hostComponents } from '../component-host.fixture';
import Consent from './Consent.svelte';
import { pendingRequest } from './pending.fixture';

const host = hostComponents();
const { byTestId } = host;
const ticket = 'a'.repeat(32);

/**
 * Mounts the consent window for `ticket`, in `locale` by the customer's settings; every other
 * request the window sends goes to `answer`. `closeKey`: as main.ts sets it (`from=dashboard`:
 * back to the overview).
 */
function mountConsent(
  locale: 'de' | 'en',
  answer: (request: { type: string; ticket?: string }) => unknown,
  close: () => void = () => {},
  closeKey:
    'extension.consent.close' | 'extension.consent.backToDashboard' = 'extension.consent.close',
): void {
  const send = (async (request: { type: string; ticket?: string }) =>
    request.type === 'settings.get'
      ? {
          type: 'settings',
          settings: { ...defaultSettings('http://localhost:3000'), language: locale },
        }
      : answer(request)) as never;
  host.mount(Consent, { browserLocale: 'en' as const, ticket, send, close, closeKey });
}

it.each([
  ['ERR_COMPANY_BLACKLISTED', 'blacklisted', 'de'],
  ['ERR_COMPANY_BLACKLISTED', 'blacklisted', 'en'],
  ['ERR_ASK_AGAIN_LATER', 'askAgainLater', 'de'],
  ['ERR_ASK_AGAIN_LATER', 'askAgainLater', 'en'],
] as const)(
  'tells the customer why (%s, %s) in %s, and offers only to close the window',
  async (code, key, locale) => {
    /** What happened, in order: requests sent, their answers received, the window closed. */
    const events: string[] = [];
    mountConsent(
      locale,
      async (request) => {
        if (request.type === 'wallet.pending') throw new ProtocolError(code, 'declined');
        events.push(`sent ${request.type} ${request.ticket}`);
        // The background takes a moment: a window that closed without waiting would close first.
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push(`answered ${request.type}`);
        return { type: 'ok' };
      },
      () => events.push('closed'),
    );
    await expect
      .poll(() => byTestId('consent-declined')?.textContent?.trim())
      .toBe(t(locale, `extension.consent.declined.${key}`));
    expect(byTestId('consent-error')).toBeNull();
    expect(byTestId('consent-grant')).toBeNull();
    await userEvent.click(byTestId('consent-close')!);
    // The page hears "cancelled" before the window goes, and the window goes once.
    await expect
      .poll(() => events)
      .toEqual([`sent wallet.cancel ${ticket}`, 'answered wallet.cancel', 'closed']);
  },
);

/**
 * A pending request with one scope whose company asks to contact at most `perWeek` times by
 * e-mail, for a customer whose profile allows e-mail.
 */
const pendingAsking = (perWeek: number) => pendingRequest(perWeek);

it.each([
  ['en', 1, 'Asked: at most once a week'],
  ['de', 1, 'Erbeten: höchstens einmal pro Woche'],
  ['en', 3, 'Asked: at most 3 times a week'],
  ['de', 3, 'Erbeten: höchstens 3-mal pro Woche'],
] as const)(
  'says in %s how often a week the company asks to contact (%i) as the hint of the customer’s own limit',
  async (locale, perWeek, said) => {
    mountConsent(locale, (request) =>
      request.type === 'wallet.pending' ? pendingAsking(perWeek) : { type: 'ok' },
    );
    await expect.poll(() => byTestId('scope-0-frequency')).not.toBeNull();
    const field = byTestId('scope-0-frequency') as HTMLInputElement;
    // Before: the field was labelled with the company's request ("Asked: at most …").
    expect([...field.labels!].map((l) => l.textContent!.trim())).toEqual([
      t(locale, 'extension.consent.frequencyLimit'),
    ]);
    const hint = document.getElementById(field.getAttribute('aria-describedby')!);
    expect(hint).toBe(byTestId('scope-0-frequency-hint'));
    expect(hint!.textContent!.trim()).toBe(said);
  },
);

it.each(['de', 'en'] as const)(
  'in %s shows the weekly limit the profile sets when the company asked for none, and signs none once cleared',
  async (locale) => {
    // Failed before: with no limit asked, the window showed only "No limit asked for." while the
    // profile's per-company cap (in the choice) was signed into the grant unseen.
    const pending = pendingAsking(1);
    const scope = pending.checked.request.scopes[0]!;
    (scope as { conditions: object }).conditions = {};
    pending.choice.scopes[0]!.maxContactsPerWeek = 2 as never;
    const answers: { choice: { scopes: { maxContactsPerWeek: number | null }[] } }[] = [];
    mountConsent(locale, (request) => {
      if (request.type === 'wallet.pending') return pending;
      if (request.type === 'wallet.answer') {
        answers.push(request as never);
        return { type: 'bridge.outcome', outcome: { outcome: 'granted' } };
      }
      return { type: 'ok' };
    });
    await expect.poll(() => byTestId('scope-0-frequency')).not.toBeNull();
    const field = byTestId('scope-0-frequency') as HTMLInputElement;
    expect(field.value).toBe('2');
    expect(byTestId('scope-0-frequency-hint')!.textContent!.trim()).toBe(
      t(locale, 'extension.consent.frequencyOpen'),
    );
    await userEvent.clear(field);
    field.dispatchEvent(new Event('change', { bubbles: true }));
    await userEvent.click(byTestId('consent-grant')!);
    await expect.poll(() => answers.length).toBe(1);
    expect(answers[0]!.choice.scopes[0]!.maxContactsPerWeek).toBeNull();
  },
);

it.each(['de', 'en'] as const)(
  'in %s puts each limit in its own group, named by its own heading',
  async (locale) => {
    mountConsent(locale, (request) =>
      request.type === 'wallet.pending' ? pendingAsking(3) : { type: 'ok' },
    );
    await expect.poll(() => byTestId('scope-0-retention')).not.toBeNull();
    const groupName = (id: string) => {
      const group = byTestId(id)!.closest('[role="group"]')!;
      return document.getElementById(group.getAttribute('aria-labelledby')!)!.textContent!.trim();
    };
    // Before: "Kept for (days)" sat under the heading "At most this often per week".
    expect(groupName('scope-0-frequency')).toBe(t(locale, 'extension.consent.frequency'));
    expect(groupName('scope-0-retention')).toBe(t(locale, 'extension.consent.retentionHeading'));
    const retention = byTestId('scope-0-retention') as HTMLInputElement;
    expect(retention.labels![0]!.textContent!.trim()).toBe(
      t(locale, 'extension.consent.retention'),
    );
    expect(
      document.getElementById(retention.getAttribute('aria-describedby')!)!.textContent!.trim(),
    ).toBe(t(locale, 'extension.consent.retentionAsked', { count: 30 }));
  },
);

/** The answers the window sent (`wallet.answer`), as sent. */
let answers: { choice: Record<string, unknown> }[] = [];

/**
 * Mounts the window with {@link pendingAsking}'s request; answers are kept in `answers`, and
 * answered with `outcome` and the fields of `told` (what the background tells the window alone).
 */
async function mountAsking(
  locale: 'de' | 'en',
  outcome: 'granted' | 'refused' = 'refused',
  told: { askAgainAfter?: number | null; earlierAnswer?: true; answerNotKept?: true } = {},
) {
  answers = [];
  mountConsent(locale, (request) => {
    if (request.type === 'wallet.pending') return pendingAsking(3);
    if (request.type === 'wallet.answer') {
      answers.push(request as never);
      return { type: 'bridge.outcome', outcome: { outcome }, ...told };
    }
    return { type: 'ok' };
  });
  await expect.poll(() => byTestId('consent-days')).not.toBeNull();
}

const grouped = { de: '3.650', en: '3,650' } as const;

describe('fields checked before anything is sent', () => {
  it.each([
    ['en', 'consent-days', '', 'consent-grant'],
    ['de', 'consent-days', '0', 'consent-grant'],
    ['en', 'consent-days', '99999', 'consent-grant'],
    ['de', 'consent-days', '1.5', 'consent-grant'],
  ] as const)(
    'in %s, %s holding "%s" is named with its range on %s, and nothing is sent',
    async (locale, field, typed, button) => {
      await mountAsking(locale);
      await userEvent.fill(byTestId(field) as HTMLInputElement, typed);
      await userEvent.click(byTestId(button)!);
      await expect
        .poll(() => byTestId(`${field}-error`)?.textContent?.trim())
        .toBe(
          t(locale, 'extension.input.wholeNumber', {
            field: t(locale, 'extension.consent.duration'),
            min: '1',
            max: grouped[locale],
          }),
        );
      expect(answers).toEqual([]);
      // The summary at the top has the focus; its link leads to the field.
      expect(document.activeElement).toBe(byTestId('consent-problems-heading'));
      expect(byTestId(field)!.getAttribute('aria-invalid')).toBe('true');
      expect((byTestId(field) as HTMLInputElement).value).toBe(typed);
      expect(byTestId('consent-error')).toBeNull();
      await userEvent.click(byTestId(`${field}-link`)!);
      expect(document.activeElement).toBe(byTestId(field));
    },
  );

  it.each([
    ['en', ''],
    ['de', '99999'],
    ['en', '31'],
  ] as const)(
    'in %s, "Kept for" holding "%s" is named with the range the company asked for',
    async (locale, typed) => {
      await mountAsking(locale);
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, typed);
      await userEvent.click(byTestId('consent-grant')!);
      await expect
        .poll(() => byTestId('scope-0-retention-error')?.textContent?.trim())
        .toBe(
          t(locale, 'extension.input.wholeNumber', {
            field: t(locale, 'extension.consent.retention'),
            min: '1',
            max: '30',
          }),
        );
      expect(answers).toEqual([]);
      expect(document.activeElement).toBe(byTestId('consent-problems-heading'));
      expect(byTestId('scope-0-retention')!.getAttribute('aria-describedby')).toBe(
        'scope-0-retention-hint scope-0-retention-error',
      );
    },
  );

  it.each(['de', 'en'] as const)(
    '"Refuse, ask me later" with its days empty asks for them in %s and refuses nothing',
    async (locale) => {
      await mountAsking(locale);
      await userEvent.clear(byTestId('consent-ask-days') as HTMLInputElement);
      await userEvent.click(byTestId('consent-refuse-later')!);
      await expect
        .poll(() => byTestId('consent-ask-days-error')?.textContent?.trim())
        .toBe(t(locale, 'extension.consent.askAgainMissing', { min: '1', max: grouped[locale] }));
      expect(answers).toEqual([]);
      expect(byTestId('consent-result')).toBeNull();
      expect(document.activeElement).toBe(byTestId('consent-problems-heading'));
      await userEvent.click(byTestId('consent-ask-days-link')!);
      expect(document.activeElement).toBe(byTestId('consent-ask-days'));
    },
  );
});

describe('every problem at once, in a summary at the top', () => {
  it.each(['de', 'en'] as const)(
    'in %s one press of Grant lists all three problems as links, marks each field, and focuses the summary',
    async (locale) => {
      await mountAsking(locale);
      await userEvent.click(byTestId('scope-0-channel-email')!);
      await userEvent.fill(byTestId('scope-0-frequency') as HTMLInputElement, '10');
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '9999');
      await userEvent.click(byTestId('consent-grant')!);
      // Before: one problem a press, the channels' only as the background's error at the top.
      await expect.poll(() => byTestId('consent-problems')).not.toBeNull();
      expect(answers).toEqual([]);
      expect(byTestId('consent-error')).toBeNull();
      const heading = byTestId('consent-problems-heading')!;
      expect(heading.textContent!.trim()).toBe(
        t(locale, 'extension.consent.problems', { count: 3 }),
      );
      expect(document.activeElement).toBe(heading);
      const said = {
        'scope-0-channels': t(locale, 'extension.consent.channelMissing', {
          purpose: t(locale, 'vocabulary.purpose.product_launch'),
        }),
        'scope-0-frequency': t(locale, 'extension.input.wholeNumber', {
          field: t(locale, 'extension.consent.frequencyLimit'),
          min: '1',
          max: '3',
        }),
        'scope-0-retention': t(locale, 'extension.input.wholeNumber', {
          field: t(locale, 'extension.consent.retention'),
          min: '1',
          max: '30',
        }),
      };
      const links = [...byTestId('consent-problems')!.querySelectorAll('a')];
      expect(links.map((a) => [a.dataset.testid, a.textContent!.trim()])).toEqual(
        Object.entries(said).map(([field, text]) => [`${field}-link`, text]),
      );
      // Each field marked, and described by its own sentence beside it.
      const controls = {
        'scope-0-channels': 'scope-0-channel-email',
        'scope-0-frequency': 'scope-0-frequency',
        'scope-0-retention': 'scope-0-retention',
      } as const;
      for (const [field, control] of Object.entries(controls)) {
        const input = byTestId(control)!;
        expect(input.getAttribute('aria-invalid')).toBe('true');
        const ids = input.getAttribute('aria-describedby')!.split(' ');
        expect(ids).toContain(`${field}-error`);
        expect(byTestId(`${field}-error`)!.textContent!.trim()).toBe(
          said[field as keyof typeof said],
        );
      }
      // Each link leads to its field, by keyboard too.
      for (const [field, control] of Object.entries(controls)) {
        byTestId(`${field}-link`)!.focus();
        await userEvent.keyboard('{Enter}');
        expect(document.activeElement).toBe(byTestId(control));
      }
      // Corrected, the next press sends, and the summary is gone.
      await userEvent.click(byTestId('scope-0-channel-email')!);
      await userEvent.fill(byTestId('scope-0-frequency') as HTMLInputElement, '2');
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '20');
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => answers).toHaveLength(1);
      expect(byTestId('consent-problems')).toBeNull();
    },
  );

  /** The fields the summary at the top lists, by their links. */
  const listed = () =>
    [...(byTestId('consent-problems')?.querySelectorAll('a') ?? [])].map((a) =>
      a.dataset.testid!.replace(/-link$/, ''),
    );

  it.each(['de', 'en'] as const)(
    'in %s takes each field’s problem away, at the field and in the summary, as it is corrected, and keeps those still wrong',
    async (locale) => {
      await mountAsking(locale);
      await userEvent.click(byTestId('scope-0-channel-email')!);
      await userEvent.fill(byTestId('scope-0-frequency') as HTMLInputElement, '10');
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '9999');
      await userEvent.click(byTestId('consent-grant')!);
      await expect
        .poll(listed)
        .toEqual(['scope-0-channels', 'scope-0-frequency', 'scope-0-retention']);
      const heading = () => byTestId('consent-problems-heading')?.textContent?.trim();

      // Still wrong: it stays, with its sentence.
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '40');
      expect(listed()).toEqual(['scope-0-channels', 'scope-0-frequency', 'scope-0-retention']);
      expect(byTestId('scope-0-retention')!.getAttribute('aria-invalid')).toBe('true');
      // Corrected as typed: gone from the summary and from beside the field (failed before: both
      // stayed until the next press).
      await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '20');
      await expect.poll(listed).toEqual(['scope-0-channels', 'scope-0-frequency']);
      expect(heading()).toBe(t(locale, 'extension.consent.problems', { count: 2 }));
      expect(byTestId('scope-0-retention-error')).toBeNull();
      expect(byTestId('scope-0-retention')!.hasAttribute('aria-invalid')).toBe(false);
      expect(byTestId('scope-0-retention')!.getAttribute('aria-describedby')).toBe(
        'scope-0-retention-hint',
      );
      expect(byTestId('scope-0-frequency-error')).not.toBeNull();

      // A box ticked: the channels' problem goes as it changes.
      await userEvent.click(byTestId('scope-0-channel-email')!);
      await expect.poll(listed).toEqual(['scope-0-frequency']);
      expect(byTestId('scope-0-channels-error')).toBeNull();
      expect(byTestId('scope-0-channel-email')!.hasAttribute('aria-invalid')).toBe(false);

      // The limit, as it is typed (before the field is left): the summary goes with the last one.
      byTestId('scope-0-frequency')!.focus();
      await userEvent.keyboard('{Control>}a{/Control}2');
      await expect.poll(() => byTestId('consent-problems')).toBeNull();
      expect(document.activeElement).toBe(byTestId('scope-0-frequency'));
      expect(byTestId('scope-0-frequency')!.hasAttribute('aria-invalid')).toBe(false);
      expect(answers).toEqual([]);

      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => answers).toHaveLength(1);
      const answer = answers[0] as unknown as {
        choice: { scopes: { maxContactsPerWeek: number | null; retentionDays: number }[] };
      };
      expect(answer.choice.scopes[0]).toMatchObject({ maxContactsPerWeek: 2, retentionDays: 20 });
    },
  );

  it('checks no field before the first press, and none the last press found right before the next', async () => {
    await mountAsking('en');
    // Before any press: a field made wrong says nothing yet (the customer is filling it in).
    await userEvent.fill(byTestId('consent-days') as HTMLInputElement, '0');
    expect(byTestId('consent-days-error')).toBeNull();
    expect(byTestId('consent-days')!.hasAttribute('aria-invalid')).toBe(false);
    expect(byTestId('consent-problems')).toBeNull();
    await userEvent.click(byTestId('consent-grant')!);
    await expect.poll(listed).toEqual(['consent-days']);
    // After it: a field the press found right and made wrong since waits for the next press ...
    await userEvent.fill(byTestId('scope-0-retention') as HTMLInputElement, '9999');
    expect(listed()).toEqual(['consent-days']);
    expect(byTestId('scope-0-retention-error')).toBeNull();
    // ... which names it, with the one still wrong.
    await userEvent.click(byTestId('consent-grant')!);
    await expect.poll(listed).toEqual(['scope-0-retention', 'consent-days']);
    expect(answers).toEqual([]);
  });

  /** {@link pendingAsking}'s request, for a profile that allows none of its channels. */
  function pendingNothingTicked() {
    const pending = pendingAsking(3);
    return {
      ...pending,
      choice: {
        ...pending.choice,
        scopes: [{ ...pending.choice.scopes[0]!, include: false, channels: [] }],
      },
      allowedChannels: [],
    };
  }

  it.each(['de', 'en'] as const)(
    'in %s says what to do when nothing is ticked, and leads to the purpose, then to the channel',
    async (locale) => {
      answers = [];
      mountConsent(locale, (request) => {
        if (request.type === 'wallet.pending') return pendingNothingTicked();
        if (request.type === 'wallet.answer') {
          answers.push(request as never);
          return { type: 'bridge.outcome', outcome: { outcome: 'granted' } };
        }
        return { type: 'ok' };
      });
      await expect.poll(() => byTestId('consent-no-channel')).not.toBeNull();
      // Before: no word of it; Grant went to the background and came back as a vague error.
      expect(byTestId('consent-no-channel')!.textContent!.trim()).toBe(
        t(locale, 'extension.consent.noChannel'),
      );
      expect(byTestId('consent-grant')!.getAttribute('aria-describedby')).toBe(
        'consent-no-channel',
      );
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => byTestId('consent-purposes-link')).not.toBeNull();
      expect(byTestId('consent-purposes-link')!.textContent!.trim()).toBe(
        t(locale, 'extension.consent.purposeMissing'),
      );
      await userEvent.click(byTestId('consent-purposes-link')!);
      expect(document.activeElement).toBe(byTestId('scope-0-include'));
      await userEvent.keyboard(' ');
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => byTestId('scope-0-channels-link')).not.toBeNull();
      expect(byTestId('consent-purposes-link')).toBeNull();
      await userEvent.click(byTestId('scope-0-channels-link')!);
      expect(document.activeElement).toBe(byTestId('scope-0-channel-email'));
      await userEvent.keyboard(' ');
      // The channel the profile does not allow: said, with its box unticked.
      expect(byTestId('consent-allow-email-hint')).not.toBeNull();
      expect((byTestId('consent-allow-email') as HTMLInputElement).checked).toBe(false);
      expect(byTestId('consent-no-channel')).toBeNull();
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => answers).toHaveLength(1);
      const answer = answers[0] as unknown as { choice: { scopes: { channels: string[] }[] } };
      expect(answer.choice.scopes[0]!.channels).toEqual(['email']);
      expect(answer).not.toHaveProperty('allowChannels');
    },
  );
});

describe('the focus as the window opens', () => {
  it('starts on what the request says first, not on the page', async () => {
    await mountAsking('en');
    // Before: the page itself (document.body) had it.
    await expect.poll(() => document.activeElement).toBe(byTestId('consent-company'));
  });

  it('starts on the sentence of a declined request', async () => {
    mountConsent('de', (request) => {
      if (request.type === 'wallet.pending')
        throw new ProtocolError('ERR_COMPANY_BLACKLISTED', 'declined');
      return { type: 'ok' };
    });
    await expect.poll(() => byTestId('consent-declined')).not.toBeNull();
    await expect.poll(() => document.activeElement).toBe(byTestId('consent-declined'));
  });

  it('starts on the heading when the request could not be shown', async () => {
    mountConsent('en', (request) => {
      if (request.type === 'wallet.pending')
        throw new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'offline');
      return { type: 'ok' };
    });
    await expect.poll(() => byTestId('consent-error')).not.toBeNull();
    await expect
      .poll(() => document.activeElement?.textContent?.trim())
      .toBe(t('en', 'extension.consent.title'));
  });
});

it.each([
  ['de', '14. Januar 2030'],
  ['en', '14 January 2030'],
] as const)(
  'after a refusal with days it says in %s until when, and the sentence takes the focus',
  async (locale, date) => {
    // What the background stored: 13 days after its clock's 1 January 2030, noon UTC.
    await mountAsking(locale, 'refused', { askAgainAfter: Date.UTC(2030, 0, 14, 12) / 1000 });
    await userEvent.fill(byTestId('consent-ask-days') as HTMLInputElement, '13');
    await userEvent.click(byTestId('consent-refuse-later')!);
    await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    expect(answers.map((a) => a.choice)).toEqual([{ decision: 'refuse', askAgainAfterDays: 13 }]);
    expect(byTestId('consent-result')!.textContent!.trim()).toBe(
      t(locale, 'extension.consent.refusedUntil', { date }),
    );
    expect(document.activeElement).toBe(byTestId('consent-result'));
  },
);

it.each([
  ['de', Date.UTC(2031, 5, 20, 12) / 1000, '20. Juni 2031'],
  ['en', Date.UTC(2031, 5, 20, 12) / 1000, '20 June 2031'],
  // An earlier refusal without a date, sent again in its place (extension/core/wallet).
  ['en', null, null],
] as const)(
  'after a refusal with days it says in %s the date the background stored (%s), not its own clock’s',
  async (locale, askAgainAfter, date) => {
    // The window's clock is a year and a half behind the background's.
    const realNow = Date.now;
    Date.now = () => Date.UTC(2030, 0, 1, 12);
    try {
      await mountAsking(locale, 'refused', { askAgainAfter });
      await userEvent.fill(byTestId('consent-ask-days') as HTMLInputElement, '13');
      await userEvent.click(byTestId('consent-refuse-later')!);
      await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    } finally {
      Date.now = realNow;
    }
    expect(answers.map((a) => a.choice)).toEqual([{ decision: 'refuse', askAgainAfterDays: 13 }]);
    expect(byTestId('consent-result')!.textContent!.trim()).toBe(
      date === null
        ? t(locale, 'extension.consent.refused')
        : t(locale, 'extension.consent.refusedUntil', { date }),
    );
  },
);

it.each([
  ['de', 'granted'],
  ['en', 'refused'],
] as const)(
  'says in %s when the answer that went (%s) is an earlier one sent again in place of this one',
  async (locale, outcome) => {
    await mountAsking(locale, outcome, {
      earlierAnswer: true,
      ...(outcome === 'refused' ? { askAgainAfter: null } : {}),
    });
    await userEvent.click(byTestId(outcome === 'granted' ? 'consent-grant' : 'consent-refuse')!);
    await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    // Before: "Refused." or "Granted." alone, for a choice that was not the one that went.
    expect(byTestId('consent-earlier-answer')!.textContent!.trim()).toBe(
      t(locale, 'extension.consent.earlierAnswer'),
    );
  },
);

it('says nothing of an earlier answer when the one just chosen went', async () => {
  await mountAsking('en', 'refused', { askAgainAfter: null });
  await userEvent.click(byTestId('consent-refuse')!);
  await expect.poll(() => byTestId('consent-result')).not.toBeNull();
  expect(byTestId('consent-earlier-answer')).toBeNull();
});

it.each([
  ['de', 'granted'],
  ['en', 'granted'],
  ['de', 'refused'],
  ['en', 'refused'],
] as const)(
  'alerts in %s that the answer (%s) went but the restored backup does not hold it, with the outcome',
  async (locale, outcome) => {
    await mountAsking(locale, outcome, {
      answerNotKept: true,
      ...(outcome === 'refused' ? { askAgainAfter: null } : {}),
    });
    await userEvent.click(byTestId(outcome === 'granted' ? 'consent-grant' : 'consent-refuse')!);
    await expect.poll(() => byTestId('consent-result')?.dataset.result).toBe(outcome);
    const alert = byTestId('consent-answer-not-kept')!;
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent!.trim()).toBe(t(locale, 'extension.consent.answerNotKept'));
    expect(byTestId('consent-error')).toBeNull();
  },
);

it('raises no such alert when the vault holds the answer', async () => {
  await mountAsking('en', 'granted');
  await userEvent.click(byTestId('consent-grant')!);
  await expect.poll(() => byTestId('consent-result')).not.toBeNull();
  expect(byTestId('consent-answer-not-kept')).toBeNull();
});

it('after Grant the outcome sentence takes the focus, not the page', async () => {
  await mountAsking('en', 'granted');
  await userEvent.click(byTestId('consent-grant')!);
  await expect.poll(() => byTestId('consent-result')?.dataset.result).toBe('granted');
  expect(answers).toHaveLength(1);
  expect(document.activeElement).toBe(byTestId('consent-result'));
});

it('after an unlock in the window the focus goes to the request it shows', async () => {
  let locked = true;
  mountConsent('en', (request) => {
    if (request.type === 'wallet.pending') {
      if (locked) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked');
      return pendingAsking(3);
    }
    if (request.type === 'vault.unlock') {
      locked = false;
      return { type: 'vault.status', state: 'unlocked', counts: null, language: 'en' };
    }
    return { type: 'ok' };
  });
  await expect.poll(() => byTestId('unlock-passphrase')).not.toBeNull();
  await userEvent.fill(byTestId('unlock-passphrase') as HTMLInputElement, 'a long passphrase');
  await userEvent.click(byTestId('unlock')!);
  await expect.poll(() => document.activeElement).toBe(byTestId('consent-company'));
});

/**
 * Mounts the window with {@link pendingAsking}'s request (or, `locked`, at the passphrase prompt)
 * and returns what happened, in order: each request sent (`sent <type>`), its answer received
 * after the background's moment (`answered <type>`), and the window closing (`closed`, which
 * main.ts makes "back to the overview" for `from=dashboard`). A `wallet.answer` waits for
 * `answering` when given: an answer on its way.
 */
async function mountRecording(
  locale: 'de' | 'en',
  options: {
    closeKey?: 'extension.consent.close' | 'extension.consent.backToDashboard';
    locked?: boolean;
    answering?: Promise<void>;
  } = {},
): Promise<string[]> {
  const events: string[] = [];
  mountConsent(
    locale,
    async (request) => {
      if (request.type === 'wallet.pending') {
        if (options.locked) throw new ProtocolError('ERR_VAULT_LOCKED', 'locked');
        return pendingAsking(3);
      }
      events.push(`sent ${request.type} ${request.ticket}`);
      if (request.type === 'wallet.answer') await options.answering;
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`answered ${request.type}`);
      return request.type === 'wallet.answer'
        ? { type: 'bridge.outcome', outcome: { outcome: 'granted', receipt: 'b'.repeat(64) } }
        : { type: 'ok' };
    },
    () => events.push('closed'),
    options.closeKey,
  );
  await expect
    .poll(() => byTestId(options.locked ? 'unlock-passphrase' : 'consent-days'))
    .not.toBeNull();
  return events;
}

/** "Not now": the ticket ends as `cancelled` (the page hears it), then the window goes. */
const leftUnanswered = [`sent wallet.cancel ${ticket}`, 'answered wallet.cancel', 'closed'];

/** Waits long enough for a request the window should not send to have shown up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('leaving a request unanswered: "Decide later" and Escape', () => {
  it.each([
    ['de', 'extension.consent.close', 'Später entscheiden', 'extension.consent.laterHint'],
    ['en', 'extension.consent.close', 'Decide later', 'extension.consent.laterHint'],
    [
      'de',
      'extension.consent.backToDashboard',
      'Später entscheiden',
      'extension.consent.laterHintDashboard',
    ],
    [
      'en',
      'extension.consent.backToDashboard',
      'Decide later',
      'extension.consent.laterHintDashboard',
    ],
  ] as const)(
    'in %s (%s) "%s" follows the answers by Tab, says what happens, and leaves the request unanswered',
    async (locale, closeKey, label, hint) => {
      const events = await mountRecording(locale, { closeKey });
      const later = byTestId('consent-later')!;
      expect(later.textContent!.trim()).toBe(label);
      const said = document.getElementById(later.getAttribute('aria-describedby')!);
      expect(said).toBe(byTestId('consent-later-hint'));
      expect(said!.textContent!.trim()).toBe(t(locale, hint));
      byTestId('consent-refuse-later')!.focus();
      await userEvent.tab();
      expect(document.activeElement).toBe(later);
      await userEvent.keyboard('{Enter}');
      await expect.poll(() => events).toEqual(leftUnanswered);
      await settle();
      expect(events).toEqual(leftUnanswered);
    },
  );

  it.each([
    ['the page itself', null],
    ['a number field', 'consent-days'],
    ['a checkbox', 'scope-0-include'],
    ['the "Decide later" button', 'consent-later'],
  ] as const)(
    'Escape from %s leaves the request unanswered at once, with nothing to confirm',
    async (_where, focused) => {
      const events = await mountRecording('en');
      if (focused !== null) byTestId(focused)!.focus();
      await userEvent.keyboard('{Escape}');
      await expect.poll(() => events).toEqual(leftUnanswered);
      await settle();
      expect(events).toEqual(leftUnanswered);
    },
  );

  it('Escape in the channel list is the list’s: the request stays open; from the next field it leaves', async () => {
    const events = await mountRecording('de');
    byTestId('consent-preferred')!.focus();
    await userEvent.keyboard('{Escape}');
    await settle();
    expect(events).toEqual([]);
    expect(byTestId('consent-grant')).not.toBeNull();
    await userEvent.tab();
    expect(document.activeElement).toBe(byTestId('consent-days'));
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => events).toEqual(leftUnanswered);
  });

  it('Escape in a field that handles it itself leaves the request open', async () => {
    const events = await mountRecording('en');
    const days = byTestId('consent-days')!;
    // As a control with its own Escape (a combobox, a date picker) does: it takes the key.
    const own = (event: KeyboardEvent) => {
      if (event.key === 'Escape') event.preventDefault();
    };
    days.addEventListener('keydown', own);
    days.focus();
    await userEvent.keyboard('{Escape}');
    await settle();
    days.removeEventListener('keydown', own);
    expect(events).toEqual([]);
    expect(byTestId('consent-grant')).not.toBeNull();
  });

  it.each(['de', 'en'] as const)(
    'at the passphrase prompt in %s "Decide later" is offered, and Escape from the passphrase leaves',
    async (locale) => {
      const events = await mountRecording(locale, { locked: true });
      expect(byTestId('consent-later')!.textContent!.trim()).toBe(
        t(locale, 'extension.consent.later'),
      );
      byTestId('unlock-passphrase')!.focus();
      await userEvent.keyboard('{Escape}');
      await expect.poll(() => events).toEqual(leftUnanswered);
    },
  );

  it('Escape while the answer is on its way leaves nothing: the answer is the outcome; then it closes', async () => {
    let answered = () => {};
    const answering = new Promise<void>((resolve) => (answered = resolve));
    const events = await mountRecording('en', { answering });
    await userEvent.click(byTestId('consent-grant')!);
    await userEvent.keyboard('{Escape}');
    // It waits with aria-disabled (Playwright's click refuses that): Enter on it, as by keyboard.
    byTestId('consent-later')!.focus();
    await userEvent.keyboard('{Enter}');
    await settle();
    expect(events).toEqual([`sent wallet.answer ${ticket}`]);
    answered();
    await expect.poll(() => byTestId('consent-result')?.dataset.result).toBe('granted');
    expect(byTestId('consent-later')).toBeNull();
    // Answered: Escape does what the close button under the outcome does, and tells nothing more.
    await userEvent.keyboard('{Escape}');
    await expect
      .poll(() => events)
      .toEqual([`sent wallet.answer ${ticket}`, 'answered wallet.answer', 'closed']);
  });

  it('a Grant pressed while the cancel of Escape is on its way sends no answer', async () => {
    const events = await mountRecording('en');
    await userEvent.keyboard('{Escape}');
    byTestId('consent-grant')!.click();
    await expect.poll(() => events).toEqual(leftUnanswered);
    await settle();
    expect(events).toEqual(leftUnanswered);
  });

  it('Escape on a declined request closes its window as its button does', async () => {
    const events: string[] = [];
    mountConsent(
      'en',
      async (request) => {
        if (request.type === 'wallet.pending')
          throw new ProtocolError('ERR_COMPANY_BLACKLISTED', 'declined');
        events.push(`sent ${request.type} ${request.ticket}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push(`answered ${request.type}`);
        return { type: 'ok' };
      },
      () => events.push('closed'),
    );
    await expect.poll(() => byTestId('consent-declined')).not.toBeNull();
    expect(byTestId('consent-close')!.getAttribute('aria-keyshortcuts')).toBe('Escape');
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => events).toEqual(leftUnanswered);
  });
});

describe('channels the profile does not allow, said before the grant is given', () => {
  /**
   * A pending request of two scopes (product news by e-mail or SMS; service by newsletter or
   * SMS), all of them chosen, for a customer whose profile allows `allowed` (null: unreadable).
   */
  function pendingChannels(allowed: string[] | null) {
    const scope = (purpose: string, channels: string[]) => ({
      purpose,
      channels,
      dataCategories: [],
      conditions: {},
      retentionDays: 30,
      onwardRecipients: [],
    });
    const choice = (channels: string[]) => ({
      include: true,
      channels,
      dataCategories: [],
      maxContactsPerWeek: null,
      retentionDays: 30,
      onwardRecipients: [],
    });
    return {
      type: 'wallet.pending',
      checked: {
        company: { legalName: 'Laufhaus GmbH', domain: 'https://laufhaus.example' },
        request: {
          reason: { de: 'Neuheiten', en: 'News' },
          scopes: [
            scope('product_launch', ['email', 'sms']),
            scope('service_support', ['newsletter', 'sms']),
          ],
        },
      },
      choice: {
        decision: 'grant',
        scopes: [choice(['email', 'sms']), choice(['newsletter', 'sms'])],
        preferredChannel: 'email',
        days: 365,
      },
      allowedChannels: allowed,
    };
  }

  /** Mounts the window for {@link pendingChannels}; answers are kept in `answers`. */
  async function mountChannels(
    locale: 'de' | 'en',
    allowed: string[] | null,
    profileChannels?: 'allowed' | 'failed',
    answerFails?: ProtocolError,
  ) {
    answers = [];
    mountConsent(locale, (request) => {
      if (request.type === 'wallet.pending') return pendingChannels(allowed);
      if (request.type === 'wallet.answer') {
        answers.push(request as never);
        if (answerFails !== undefined) throw answerFails;
        return {
          type: 'bridge.outcome',
          outcome: { outcome: 'granted', receipt: 'b'.repeat(64) },
          ...(profileChannels === undefined ? {} : { profileChannels }),
        };
      }
      return { type: 'ok' };
    });
    await expect.poll(() => byTestId('consent-days')).not.toBeNull();
  }

  const box = (channel: string) => byTestId(`consent-allow-${channel}`) as HTMLInputElement | null;

  it.each([
    [
      'de',
      'Ihr Profil wurde nicht geändert; diese Kanäle bleiben dort nicht zugelassen: „SMS“ und „Newsletter“.',
    ],
    [
      'en',
      'Your profile was not changed; these channels stay not allowed there: “Text message (SMS)” and “Newsletter”.',
    ],
  ] as const)(
    'in %s says with a failed answer that the profile was not changed, naming the channels',
    async (locale, said) => {
      const unreachable = new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'offline');
      await mountChannels(locale, ['email'], undefined, unreachable);
      await userEvent.click(box('sms')!);
      await userEvent.click(box('newsletter')!);
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => byTestId('consent-error')).not.toBeNull();
      expect((answers[0] as { allowChannels?: string[] }).allowChannels).toEqual([
        'sms',
        'newsletter',
      ]);
      expect(byTestId('consent-channels-unchanged')!.textContent!.trim()).toContain(said);
    },
  );

  it('says nothing of the profile with a failed answer that had no channel to allow', async () => {
    const unreachable = new ProtocolError('ERR_CLEARINGHOUSE_UNREACHABLE', 'offline');
    await mountChannels('en', ['email', 'sms', 'newsletter'], undefined, unreachable);
    await userEvent.click(byTestId('consent-grant')!);
    await expect.poll(() => byTestId('consent-error')).not.toBeNull();
    expect(byTestId('consent-channels-unchanged')).toBeNull();
  });
  const notices = () =>
    [...host.target.querySelectorAll('[data-testid$="-hint"][data-testid^="consent-allow-"]')].map(
      (n) => n.getAttribute('data-testid'),
    );

  it.each([
    [
      'de',
      'Ihr Profil lässt den Kanal „SMS“ bisher nicht zu: Angebote auf diesem Weg würden ausgeblendet.',
      '„SMS“ in meinem Profil zulassen',
    ],
    [
      'en',
      'Your profile does not allow the channel “Text message (SMS)” yet: offers this way would be hidden.',
      'Allow “Text message (SMS)” in my profile',
    ],
  ] as const)(
    'in %s names each chosen channel the profile does not allow, once, beside the channel choice, with an unticked box',
    async (locale, said, boxLabel) => {
      await mountChannels(locale, ['email']);
      // SMS in both scopes: one notice, in the first; the newsletter in the second.
      expect(notices()).toEqual(['consent-allow-sms-hint', 'consent-allow-newsletter-hint']);
      expect(byTestId('scope-0')!.contains(byTestId('consent-allow-sms-hint'))).toBe(true);
      expect(byTestId('scope-1')!.contains(byTestId('consent-allow-newsletter-hint'))).toBe(true);
      expect(byTestId('consent-allow-sms-hint')!.textContent!.trim()).toBe(said);
      expect(box('sms')!.closest('label')!.textContent!.trim()).toBe(boxLabel);
      // A change to the profile is never pre-ticked (before: both were).
      expect(box('sms')!.checked).toBe(false);
      expect(box('newsletter')!.checked).toBe(false);
      expect(box('email')).toBeNull();
    },
  );

  it('says it only of channels the profile does not allow, and nothing when it cannot be read', async () => {
    await mountChannels('en', ['email', 'sms']);
    expect(notices()).toEqual(['consent-allow-newsletter-hint']);
    expect(box('sms')).toBeNull();
    await host.unmount();
    await mountChannels('en', null);
    expect(byTestId('scope-0-channel-sms')).not.toBeNull();
    expect(notices()).toEqual([]);
  });

  it('follows the choice: a channel left out, or its scope, takes its notice along', async () => {
    await mountChannels('en', ['email']);
    await userEvent.click(byTestId('scope-1-channel-newsletter')!);
    await expect.poll(notices).toEqual(['consent-allow-sms-hint']);
    await userEvent.click(byTestId('scope-0-channel-sms')!);
    // Still chosen in the second scope: said there now.
    await expect.poll(notices).toEqual(['consent-allow-sms-hint']);
    expect(byTestId('scope-1')!.contains(byTestId('consent-allow-sms-hint'))).toBe(true);
    await userEvent.click(byTestId('scope-1-include')!);
    await expect.poll(notices).toEqual([]);
    await userEvent.click(byTestId('consent-grant')!);
    await expect.poll(() => answers).toHaveLength(1);
    expect(answers[0]).not.toHaveProperty('allowChannels');
  });

  it('links each box to its sentence and puts it next in the tab order after the channels', async () => {
    await mountChannels('de', ['email']);
    const sms = box('sms')!;
    expect(document.getElementById(sms.getAttribute('aria-describedby')!)).toBe(
      byTestId('consent-allow-sms-hint'),
    );
    // The channel checkbox says it too.
    expect(byTestId('scope-0-channel-sms')!.getAttribute('aria-describedby')).toBe(
      sms.getAttribute('aria-describedby'),
    );
    expect(byTestId('scope-0-channel-email')!.hasAttribute('aria-describedby')).toBe(false);
    byTestId('scope-0-channel-sms')!.focus();
    await userEvent.tab();
    expect(document.activeElement).toBe(sms);
    // By keyboard: Space ticks it.
    await userEvent.keyboard(' ');
    expect(sms.checked).toBe(true);
  });

  it.each([
    ['every box ticked', ['sms', 'newsletter'], ['sms', 'newsletter']],
    ['the newsletter box ticked', ['newsletter'], ['newsletter']],
    ['no box ticked (as it starts)', [], undefined],
  ] as const)(
    'with %s the answer asks to allow exactly the ticked channels',
    async (_case, tickBoxes, asked) => {
      // The profile changed as asked: nothing more to say.
      await mountChannels('en', ['email'], asked === undefined ? undefined : 'allowed');
      for (const channel of tickBoxes) await userEvent.click(box(channel)!);
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => answers).toHaveLength(1);
      const answer = answers[0] as unknown as Record<string, unknown>;
      if (asked === undefined) expect(answer).not.toHaveProperty('allowChannels');
      else expect(answer.allowChannels).toEqual(asked);
      expect(byTestId('consent-profile-not-changed')).toBeNull();
    },
  );

  it('asks to allow nothing with a refusal', async () => {
    await mountChannels('en', ['email']);
    await userEvent.click(box('sms')!);
    expect(box('sms')!.checked).toBe(true);
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => answers).toHaveLength(1);
    expect(answers[0]).toEqual({
      type: 'wallet.answer',
      ticket,
      choice: { decision: 'refuse', askAgainAfterDays: null },
    });
  });

  it.each([
    [
      'de',
      'Ihre Einwilligung gilt. Ihr Profil konnte aber nicht geändert werden und lässt weiterhin nicht zu: „SMS“ und „Newsletter“. Angebote auf diesem Weg bleiben ausgeblendet, bis Sie das in der Übersicht unter „Profil“ ändern.',
    ],
    [
      'en',
      'Your consent stands, but your profile could not be changed and still does not allow “Text message (SMS)” and “Newsletter”. Offers that way stay hidden until you change this in the dashboard under “Profile”.',
    ],
  ] as const)(
    'in %s says in a sentence that the grant stands when the profile could not be changed',
    async (locale, said) => {
      await mountChannels(locale, ['email'], 'failed');
      await userEvent.click(box('sms')!);
      await userEvent.click(box('newsletter')!);
      await userEvent.click(byTestId('consent-grant')!);
      await expect.poll(() => byTestId('consent-result')?.dataset.result).toBe('granted');
      expect(byTestId('consent-profile-not-changed')!.textContent!.trim()).toBe(said);
      expect(byTestId('consent-profile-not-changed')!.getAttribute('role')).toBe('alert');
    },
  );
});

describe('a consent the customer already gave the company, which refusing this request leaves in force', () => {
  /** A grant for product launches and winning back former customers, given 15 June 2025, until 15 June 2026. */
  const activeGrants: ActiveGrant[] = [
    {
      since: Date.UTC(2025, 5, 15, 12) / 1000,
      until: Date.UTC(2026, 5, 15, 12) / 1000,
      purposes: ['product_launch', 'win_back'],
    },
  ];

  /**
   * Mounts the window for {@link pendingAsking}'s request, the background telling it `grants`
   * (those marked `withdrawnByRefusal` a refusal withdraws), and after the refusal `left`: those
   * still in force once it went (by default the same; null: none, the answer says nothing of
   * them; those marked `notWithdrawn` were said to be withdrawn, and were not).
   */
  async function mountHolding(
    locale: 'de' | 'en',
    grants: readonly ActiveGrant[] | undefined,
    left: readonly (ActiveGrant | GrantLeft)[] | null | undefined = grants,
  ) {
    answers = [];
    mountConsent(locale, (request) => {
      if (request.type === 'wallet.pending')
        return { ...pendingAsking(3), ...(grants === undefined ? {} : { activeGrants: grants }) };
      if (request.type === 'wallet.answer') {
        answers.push(request as never);
        return {
          type: 'bridge.outcome',
          outcome: { outcome: 'refused' },
          ...(left == null ? {} : { activeGrants: left }),
        };
      }
      return { type: 'ok' };
    });
    await expect.poll(() => byTestId('consent-refuse')).not.toBeNull();
  }

  it.each([
    [
      'de',
      'Sie erlauben Laufhaus GmbH bereits: „Produkteinführung“ und „Kündigerrückgewinnung“, seit dem 15. Juni 2025, gültig bis zum 15. Juni 2026.',
      'Eine Ablehnung dieser Anfrage widerruft das nicht. Widerrufen können Sie es in der Übersicht unter „Beziehungen“.',
      'Was Sie Laufhaus GmbH schon vorher erlaubt haben, gilt weiter. Widerrufen können Sie es in der Übersicht unter „Beziehungen“.',
    ],
    [
      'en',
      'You already allow Laufhaus GmbH: “Product launch” and “Winning back former customers”, since 15 June 2025, valid until 15 June 2026.',
      'Refusing this request does not withdraw that. You can withdraw it in the overview under “Relationships”.',
      'What you allowed Laufhaus GmbH before remains in force. You can withdraw it in the overview under “Relationships”.',
    ],
  ] as const)(
    'says in %s what the customer already allows, that refusing does not withdraw it, and after the refusal that it remains',
    async (locale, allows, stays, remains) => {
      await mountHolding(locale, activeGrants);
      const told = byTestId('consent-active-grants')!;
      expect(byTestId('consent-active-grant')!.textContent!.trim()).toBe(allows);
      expect(told.textContent).toContain(stays);
      // Read with the buttons that refuse.
      for (const id of ['consent-refuse', 'consent-refuse-later'])
        expect(byTestId(id)!.getAttribute('aria-describedby')).toBe('consent-active-grants');
      await userEvent.click(byTestId('consent-refuse')!);
      await expect.poll(() => byTestId('consent-result')).not.toBeNull();
      expect(answers.map((a) => a.choice)).toEqual([
        { decision: 'refuse', askAgainAfterDays: null },
      ]);
      expect(byTestId('consent-result')!.textContent!.trim()).toBe(
        t(locale, 'extension.consent.refused'),
      );
      expect(byTestId('consent-active-grants-remain')!.textContent!.trim()).toBe(remains);
      expect(byTestId('consent-remaining-grant')!.textContent!.trim()).toBe(allows);
    },
  );

  it('says nothing remains when the refusal withdrew the earlier grant to this request', async () => {
    // The grant was to this same request, still in the outbox: the refusal revoked it first
    // (extension/core/wallet `answerSentBefore`), and the background says none is left.
    await mountHolding('en', activeGrants, null);
    expect(byTestId('consent-active-grant')).not.toBeNull();
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    // Failed before: "What you allowed … before remains in force", from what was said before.
    expect(byTestId('consent-active-grants-remain')).toBeNull();
    expect(byTestId('consent-remaining-grant')).toBeNull();
  });

  it('names only the grants still in force after the refusal', async () => {
    const other: ActiveGrant = {
      since: Date.UTC(2025, 8, 1, 12) / 1000,
      until: Date.UTC(2026, 8, 1, 12) / 1000,
      purposes: ['event_invitation'],
    };
    await mountHolding('en', [...activeGrants, other], [other]);
    expect(host.target.querySelectorAll('[data-testid="consent-active-grant"]')).toHaveLength(2);
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => byTestId('consent-active-grants-remain')).not.toBeNull();
    const named = [...host.target.querySelectorAll('[data-testid="consent-remaining-grant"]')];
    expect(named.map((p) => p.textContent!.trim())).toEqual([
      'You already allow Laufhaus GmbH: “Event invitation”, since 1 September 2025, valid until 1 September 2026.',
    ]);
  });

  /** The window's sentences of the grants in force before the answer, in order. */
  const toldBefore = () =>
    [...byTestId('consent-active-grants')!.querySelectorAll('p')].map((p) => p.textContent!.trim());

  it.each([
    [
      'de',
      'Sie erlauben Laufhaus GmbH bereits: „Produkteinführung“ und „Kündigerrückgewinnung“, seit dem 15. Juni 2025, gültig bis zum 15. Juni 2026.',
      'Das haben Sie mit einer früheren Antwort auf diese Anfrage erlaubt. Eine Ablehnung dieser Anfrage widerruft das.',
    ],
    [
      'en',
      'You already allow Laufhaus GmbH: “Product launch” and “Winning back former customers”, since 15 June 2025, valid until 15 June 2026.',
      'You allowed that with an earlier answer to this request. Refusing this request withdraws it.',
    ],
  ] as const)(
    'says in %s that refusing withdraws a grant given earlier to this same request, never that it stays',
    async (locale, allows, withdrawn) => {
      // In the outbox still, its answer lost: a refusal revokes it first (core/wallet).
      await mountHolding(locale, [{ ...activeGrants[0]!, withdrawnByRefusal: true }], null);
      // Failed before: "Refusing this request does not withdraw that", which was false.
      expect(toldBefore()).toEqual([allows, withdrawn]);
      expect(byTestId('consent-active-grants-stay')).toBeNull();
      for (const id of ['consent-refuse', 'consent-refuse-later'])
        expect(byTestId(id)!.getAttribute('aria-describedby')).toBe('consent-active-grants');
    },
  );

  it.each([
    [
      'de',
      [
        'Sie erlauben Laufhaus GmbH bereits: „Produkteinführung“ und „Kündigerrückgewinnung“, seit dem 15. Juni 2025, gültig bis zum 15. Juni 2026.',
        'Eine Ablehnung dieser Anfrage widerruft das nicht. Widerrufen können Sie es in der Übersicht unter „Beziehungen“.',
        'Sie erlauben Laufhaus GmbH bereits: „Einladung zu Veranstaltungen“, seit dem 1. September 2025, gültig bis zum 1. September 2026.',
        'Das haben Sie mit einer früheren Antwort auf diese Anfrage erlaubt. Eine Ablehnung dieser Anfrage widerruft das.',
      ],
    ],
    [
      'en',
      [
        'You already allow Laufhaus GmbH: “Product launch” and “Winning back former customers”, since 15 June 2025, valid until 15 June 2026.',
        'Refusing this request does not withdraw that. You can withdraw it in the overview under “Relationships”.',
        'You already allow Laufhaus GmbH: “Event invitation”, since 1 September 2025, valid until 1 September 2026.',
        'You allowed that with an earlier answer to this request. Refusing this request withdraws it.',
      ],
    ],
  ] as const)(
    'says in %s of the grants a refusal leaves that they stay, and of the one it withdraws that it goes',
    async (locale, sentences) => {
      const earlier: ActiveGrant = {
        since: Date.UTC(2025, 8, 1, 12) / 1000,
        until: Date.UTC(2026, 8, 1, 12) / 1000,
        purposes: ['event_invitation'],
        withdrawnByRefusal: true,
      };
      await mountHolding(locale, [earlier, ...activeGrants], activeGrants);
      // Those that stay first, with their sentence; then the one the refusal withdraws.
      expect(toldBefore()).toEqual(sentences);
    },
  );

  it.each([
    [
      'de',
      'Abgelehnt. Ihre frühere Einwilligung vom 15. Juni 2025 war schon vor Ihrer Ablehnung beim Unternehmen angekommen, deshalb hat die Ablehnung sie nicht widerrufen: Sie gilt weiter. Widerrufen können Sie sie in der Übersicht unter „Beziehungen“.',
    ],
    [
      'en',
      'Refused. Your earlier consent of 15 June 2025 had already reached the company before your refusal, so the refusal did not withdraw it: it remains in force. You can withdraw it in the overview under “Relationships”.',
    ],
  ] as const)(
    'says in %s, with the outcome, that a grant it said the refusal withdraws was not withdrawn',
    async (locale, said) => {
      // Said before the answer to be withdrawn by a refusal; its outbox entry went while the
      // window was open, so the refusal left it in force (extension/service.ts `answerConsent`).
      const earlier = activeGrants[0]!;
      await mountHolding(
        locale,
        [{ ...earlier, withdrawnByRefusal: true }],
        [{ ...earlier, notWithdrawn: true }],
      );
      expect(byTestId('consent-active-grants-withdrawn')).not.toBeNull();
      await userEvent.click(byTestId('consent-refuse')!);
      await expect.poll(() => byTestId('consent-result')).not.toBeNull();
      // Failed before: only "Refused.", then the grant listed among those that remain, which
      // silently contradicted "Refusing this request withdraws it".
      const outcome = byTestId('consent-result')!;
      expect(outcome.textContent!.replace(/\s+/g, ' ').trim()).toBe(said);
      // In the outcome's live region, which has the focus: read at once, by keyboard too.
      expect(byTestId('consent-not-withdrawn')!.closest('[role="status"]')).toBe(outcome);
      expect(document.activeElement).toBe(outcome);
      // Named among those that remain, as any grant still in force is.
      expect(byTestId('consent-active-grants-remain')).not.toBeNull();
      expect(byTestId('consent-remaining-grant')!.textContent!.trim()).toBe(
        t(locale, 'extension.consent.activeGrant', {
          company: 'Laufhaus GmbH',
          purposes:
            locale === 'de'
              ? '„Produkteinführung“ und „Kündigerrückgewinnung“'
              : '“Product launch” and “Winning back former customers”',
          since: locale === 'de' ? '15. Juni 2025' : '15 June 2025',
          until: locale === 'de' ? '15. Juni 2026' : '15 June 2026',
        }),
      );
    },
  );

  it('names every grant not withdrawn in one sentence, with the day each was given', async () => {
    const later: ActiveGrant = {
      since: Date.UTC(2025, 8, 1, 12) / 1000,
      until: Date.UTC(2026, 8, 1, 12) / 1000,
      purposes: ['event_invitation'],
    };
    const first = activeGrants[0]!;
    await mountHolding(
      'en',
      [
        { ...first, withdrawnByRefusal: true },
        { ...later, withdrawnByRefusal: true },
      ],
      [
        { ...first, notWithdrawn: true },
        { ...later, notWithdrawn: true },
      ],
    );
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => byTestId('consent-not-withdrawn')).not.toBeNull();
    expect(byTestId('consent-not-withdrawn')!.textContent!.trim()).toBe(
      'Your 2 earlier consents of 15 June 2025 and 1 September 2025 had already reached the company before your refusal, so the refusal did not withdraw them: they remain in force. You can withdraw them in the overview under “Relationships”.',
    );
  });

  it('says nothing of a grant not withdrawn when the refusal withdrew what it said', async () => {
    await mountHolding('en', [{ ...activeGrants[0]!, withdrawnByRefusal: true }], null);
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    expect(byTestId('consent-result')!.textContent!.trim()).toBe('Refused.');
    expect(byTestId('consent-not-withdrawn')).toBeNull();
  });

  it('says nothing of it when the customer allows the company nothing yet', async () => {
    await mountHolding('en', undefined);
    expect(byTestId('consent-active-grants')).toBeNull();
    expect(byTestId('consent-refuse')!.hasAttribute('aria-describedby')).toBe(false);
    await userEvent.click(byTestId('consent-refuse')!);
    await expect.poll(() => byTestId('consent-result')).not.toBeNull();
    expect(byTestId('consent-active-grants-remain')).toBeNull();
  });
});
