/**
 * The consent window when the customer's own checks decline a page's request (blacklist, "ask me
 * again after"), in a real Chromium: it says why in the customer's language, and closing it is
 * the only answer the page gets ("cancelled", extension/service.ts `declinedQuietly`).
 */
import { expect, it } from 'vitest';
import { userEvent } from 'vitest/browser';
import { ProtocolError } from '../../../protocol/errors';
import { t } from '../../../protocol/i18n';
import { defaultSettings } from '../../core/settings';
import { hostComponents } from '../component-host.fixture';
import Consent from './Consent.svelte';

const host = hostComponents();
const { byTestId } = host;
const ticket = 'a'.repeat(32);

/**
 * Mounts the consent window for `ticket`, in `locale` by the customer's settings; every other
 * request the window sends goes to `answer`.
 */
function mountConsent(
  locale: 'de' | 'en',
  answer: (request: { type: string; ticket?: string }) => unknown,
  close: () => void = () => {},
): void {
  const send = (async (request: { type: string; ticket?: string }) =>
    request.type === 'settings.get'
      ? {
          type: 'settings',
          settings: { ...defaultSettings('http://localhost:3000'), language: locale },
        }
      : answer(request)) as never;
  host.mount(Consent, { browserLocale: 'en' as const, ticket, send, close });
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

/** A pending request with one scope whose company asks to contact at most `perWeek` times. */
function pendingAsking(perWeek: number) {
  return {
    type: 'wallet.pending',
    checked: {
      company: { legalName: 'Laufhaus GmbH', domain: 'https://laufhaus.example' },
      request: {
        reason: { de: 'Neuheiten', en: 'News' },
        scopes: [
          {
            purpose: 'product_launch',
            channels: ['email'],
            dataCategories: [],
            conditions: { maxContactsPerWeek: perWeek },
            retentionDays: 30,
            onwardRecipients: [],
          },
        ],
      },
    },
    choice: {
      decision: 'grant',
      scopes: [
        {
          include: true,
          channels: ['email'],
          dataCategories: [],
          maxContactsPerWeek: null,
          retentionDays: 30,
          onwardRecipients: [],
        },
      ],
      preferredChannel: 'email',
      days: 365,
    },
  };
}

it.each([
  ['en', 1, 'Asked: at most once a week'],
  ['de', 1, 'Erbeten: höchstens einmal pro Woche'],
  ['en', 3, 'Asked: at most 3 times a week'],
  ['de', 3, 'Erbeten: höchstens 3-mal pro Woche'],
] as const)(
  'says in %s how often a week the company asks to contact: %i',
  async (locale, perWeek, said) => {
    mountConsent(locale, (request) =>
      request.type === 'wallet.pending' ? pendingAsking(perWeek) : { type: 'ok' },
    );
    await expect.poll(() => byTestId('scope-0-frequency')).not.toBeNull();
    const asked = byTestId('scope-0-frequency')!.closest('label')!;
    expect(asked.textContent!.trim()).toBe(said);
  },
);
